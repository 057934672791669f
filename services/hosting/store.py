"""Strategy scripts on disk: ``strategies/scripts/<id>.py`` plus backups of earlier versions.

Every write is atomic (a temporary file in the same folder, fsync, rename), so a crash or a full
disk never leaves half a script behind. A save first keeps the current version as a backup under
``strategies/scripts/.backups/<id>/``; the newest ``BACKUPS_KEPT`` backups are kept.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from datetime import datetime
from pathlib import Path

from services.clock import to_ist
from services.errors import NotFound

BACKUPS_KEPT = 10


def write_atomically(path: Path, data: bytes) -> None:
    """Replace ``path`` with ``data`` in one step; readers see the old or the new file, never half."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        Path(temporary).replace(path)
    except BaseException:
        with contextlib.suppress(OSError):
            Path(temporary).unlink()
        raise
    if os.name == "posix":
        directory = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(directory)
        finally:
            os.close(directory)


class ScriptStore:
    """Reads and writes the script of each strategy under one folder."""

    def __init__(self, scripts_dir: Path) -> None:
        self.scripts_dir = scripts_dir
        self._backups_dir = scripts_dir / ".backups"

    def path_for(self, strategy_id: str) -> Path:
        return self.scripts_dir / f"{strategy_id}.py"

    def exists(self, strategy_id: str) -> bool:
        return self.path_for(strategy_id).is_file()

    def create(self, strategy_id: str, source: str) -> Path:
        path = self.path_for(strategy_id)
        write_atomically(path, source.encode("utf-8"))
        return path

    def read(self, strategy_id: str) -> str:
        try:
            return self.path_for(strategy_id).read_text(encoding="utf-8")
        except FileNotFoundError:
            raise NotFound("The strategy's script file is missing from strategies/scripts/.") from None

    def save(self, strategy_id: str, source: str, now: datetime) -> Path | None:
        """Write a new version; the previous one becomes a backup (returned, if there was one)."""
        path = self.path_for(strategy_id)
        backup = None
        if path.is_file():
            backup = self._backup_path(strategy_id, now)
            write_atomically(backup, path.read_bytes())
            self._prune_backups(strategy_id)
        write_atomically(path, source.encode("utf-8"))
        return backup

    def backups(self, strategy_id: str) -> list[Path]:
        """Backups of ``strategy_id``, oldest first."""
        folder = self._backups_dir / strategy_id
        return sorted(folder.glob("*.py")) if folder.is_dir() else []

    def delete(self, strategy_id: str) -> None:
        """Remove the script and every backup of it."""
        self.path_for(strategy_id).unlink(missing_ok=True)
        shutil.rmtree(self._backups_dir / strategy_id, ignore_errors=True)

    def _backup_path(self, strategy_id: str, now: datetime) -> Path:
        stamp = to_ist(now).strftime("%Y%m%d-%H%M%S-%f")
        return self._backups_dir / strategy_id / f"{stamp}.py"

    def _prune_backups(self, strategy_id: str) -> None:
        for old in self.backups(strategy_id)[:-BACKUPS_KEPT]:
            old.unlink(missing_ok=True)
