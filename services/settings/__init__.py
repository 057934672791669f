"""The host's settings: ``Settings`` (see ``loading``), declared by feature in this package."""

from services.settings.fields import PROJECT_ROOT
from services.settings.loading import REQUEST_BODY_HEADROOM, RESERVED_REQUEST_THREADS, Settings

__all__ = ["PROJECT_ROOT", "REQUEST_BODY_HEADROOM", "RESERVED_REQUEST_THREADS", "Settings"]
