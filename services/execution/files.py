"""The trader's strategy files: list, upload, read, save, delete — never running them here.

Uploads and saves go only into ``user_strategies/`` (the examples are read-only), pass the checks
of ``/python``'s scripts (``.py``, at most 1 MB, UTF-8, no NUL, valid syntax with line and
column), are written atomically (``hosting.store.write_atomically``: 0600, as ``mkstemp`` makes
them), and are then validated in an isolated child (import and instantiate with the defaults); a
file that parses but cannot be used is kept and listed ``valid: false`` with the reason. A file a
strategy uses cannot be deleted.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from services.errors import Conflict, HostError, InvalidInput
from services.execution.catalog import Catalog
from services.execution.contract import Validation
from services.execution.discovery import MAX_FILE_BYTES, StrategyFile
from services.execution.engine import ExecutionEngine
from services.execution.paths import USER
from services.hosting.store import write_atomically
from services.hosting.validation import decode_script
from services.webhooks.strategies import WebhookStrategies

READ_ONLY = "The examples are read-only: copy one to user_strategies/ to change it."


class StrategyFiles:
    def __init__(
        self, catalog: Catalog, engine: Callable[[], ExecutionEngine], strategies: WebhookStrategies
    ) -> None:
        self._catalog = catalog
        self._engine = engine
        self._strategies = strategies
        #: the worker's verdict per content hash (failed ones make a file ``valid: false``)
        self._verdicts: dict[str, Validation] = {}
        self._lock = threading.Lock()

    def listing(self) -> list[dict[str, Any]]:
        return [self._view(entry) for entry in self._catalog.discovery.list()]

    def read(self, file: str) -> dict[str, Any]:
        ref = self._catalog.discovery.roots.resolve(file, field="path")
        return {"file": ref.file, "content": ref.path.read_text(encoding="utf-8"), "read_only": ref.read_only}

    def upload(self, file_name: str | None, data: bytes) -> dict[str, Any]:
        name = Path(file_name or "").name
        ref = self._catalog.discovery.roots.resolve(f"{USER}/{name}", field="file", must_exist=False)
        if ref.path.exists():
            raise Conflict(
                f"{ref.file} exists already: open it in the editor to change it.", fields={"file": "exists"}
            )
        text = decode_script(data, MAX_FILE_BYTES, field="file")
        write_atomically(ref.path, text.encode())
        return self._checked(ref.file)

    def save(self, file: str, content: object) -> dict[str, Any]:
        ref = self._catalog.discovery.roots.resolve(file, field="path")
        if ref.read_only:
            raise Conflict(READ_ONLY)
        if not isinstance(content, str):
            raise InvalidInput("Send the file as text in 'content'.", fields={"content": "Text is required."})
        text = decode_script(content.encode("utf-8", "surrogatepass"), MAX_FILE_BYTES, field="content")
        write_atomically(ref.path, text.encode())
        return self._checked(ref.file)

    def delete(self, file: str) -> dict[str, Any]:
        ref = self._catalog.discovery.roots.resolve(file, field="path")
        if ref.read_only:
            raise Conflict(READ_ONLY)
        users = [
            s.name
            for s in self._strategies.all()
            if s.definition.custom is not None and s.definition.custom.file == ref.file
        ]
        if users:
            raise Conflict(
                f"{ref.file} is used by {', '.join(users)}: change or delete those strategies first."
            )
        ref.path.unlink()
        self._catalog.discovery.forget(ref.path)
        return {"file": ref.file}

    def _checked(self, file: str) -> dict[str, Any]:
        """The file's entry after a validation run in an isolated child (import + instantiate)."""
        ref = self._catalog.discovery.roots.resolve(file)
        self._catalog.discovery.forget(ref.path)
        entry = self._catalog.discovery.inspect(ref)
        if entry.valid and len(entry.classes) == 1:
            try:
                verdict = self._engine().validate(ref.path, entry.classes[0].class_name)
            except HostError as error:  # the engine is unavailable: the listing says so later
                verdict = Validation(
                    False, None, {"type": "Unavailable", "message": error.message}, entry.sha256
                )
            with self._lock:
                self._verdicts[verdict.sha256] = verdict
        return self._view(entry)

    def _view(self, entry: StrategyFile) -> dict[str, Any]:
        view = entry.as_dict()
        with self._lock:
            verdict = self._verdicts.get(entry.sha256)
        if verdict is not None and not verdict.valid and view["valid"]:
            error = verdict.error or {}
            view["valid"] = False
            view["error"] = {"message": f"{error.get('type', 'Error')}: {error.get('message', '')}".strip()}
        return view
