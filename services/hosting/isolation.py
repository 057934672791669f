"""How a hosted script is launched so that it cannot reach the host's secrets.

``Isolation`` is decided once at host start (``services.confinement.detect``: Landlock, a separate
user when the host runs as root, private file modes) and then gives every run its command line,
its working folder (``STRATEGY_WORK_DIR``/<id>, outside DATA_DIR, its own) and its policy. The
child applies the policy to itself before the trader's code runs (``services/confinement.py``).
"""

from __future__ import annotations

import contextlib
import logging
import os
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from services import confinement
from services.confinement import Capabilities, Policy
from services.settings import Settings

log = logging.getLogger(__name__)

MB = 1024 * 1024
#: RLIMIT_DATA counts address space a process reserved, not what it uses (numpy and its BLAS
#: threads reserve hundreds of MB): the backstop sits well above the RSS limit the supervisor polls.
DATA_SLACK_MB = 512
BOOTSTRAP = Path(confinement.__file__).resolve()


def data_limit_bytes(memory_limit_mb: int) -> int:
    """The RLIMIT_DATA backstop for a resident-memory limit."""
    return (memory_limit_mb + max(memory_limit_mb, DATA_SLACK_MB)) * MB


@dataclass(frozen=True)
class Launch:
    argv: list[str]
    env: dict[str, str]
    cwd: Path


class Isolation:
    def __init__(self, settings: Settings, capabilities: Capabilities, python: str) -> None:
        self._settings = settings
        self.capabilities = capabilities
        self._python = python
        self._landlock = settings.strategy_landlock and capabilities.landlock_abi > 0
        self._user = capabilities.separate_user

    @classmethod
    def detect(cls, settings: Settings, python: str) -> Isolation:
        wanted = settings.strategy_user.strip()
        probe: str | None = "nobody" if wanted.lower() in {"auto", ""} else wanted
        if wanted.lower() == "none":
            probe = None
        capabilities = confinement.detect(python, probe_user=probe)
        log.info("Hosted scripts: %s", capabilities.describe())
        return cls(settings, capabilities, python)

    def describe(self) -> dict[str, Any]:
        """For the dashboard: the layers in force and one sentence about them."""
        layers = [layer for layer in self.capabilities.layers if layer != "landlock" or self._landlock]
        return {"layers": layers, "summary": self.capabilities.describe()}

    def work_folder(self, strategy_id: str) -> Path:
        return self._settings.work_dir / strategy_id

    def launch(
        self, strategy_id: str, script: Path, memory_limit_mb: int | None, env: dict[str, str]
    ) -> Launch:
        """The command, environment and working folder of one run of ``script``."""
        folder = self._ensure_folder(strategy_id)
        confined = self._landlock or self._user is not None
        policy = Policy(
            private=tuple(str(path) for path in self._settings.private_paths),
            writable=(str(folder), "/tmp", "/var/tmp", "/dev/shm"),  # noqa: S108 - the system's temp folders
            readable_files=(str(script),),
            landlock=self._landlock,
            uid=None if self._user is None else self._user[1],
            gid=None if self._user is None else self._user[2],
            data_limit=None
            if memory_limit_mb is None
            else (memory_limit_mb + max(memory_limit_mb, DATA_SLACK_MB)) * MB,
        )
        env = dict(env)
        env[confinement.POLICY_ENV] = policy.to_json()
        if confined:
            env["HOME"] = str(folder)  # ~/.cache and friends land in its own folder
        return Launch([self._python, "-u", str(BOOTSTRAP), str(script)], env, folder)

    def forget(self, strategy_id: str) -> None:
        """A deleted strategy's working folder goes with it."""
        shutil.rmtree(self.work_folder(strategy_id), ignore_errors=True)

    def _ensure_folder(self, strategy_id: str) -> Path:
        folder = self.work_folder(strategy_id)
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        if self._user is not None:
            with contextlib.suppress(OSError):
                os.chown(folder, self._user[1], self._user[2])
                folder.parent.chmod(0o711)  # the user may enter its own folder, not list the others
        return folder
