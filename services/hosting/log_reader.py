"""Reading strategy logs: tail, resumable reads from a (file, offset) position, runs, downloads.

Only files whose names match the log pattern inside the strategy's own folder are ever opened,
so a request for one strategy can never read another's log or anything else on disk.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from services.clock import IST, ist_iso
from services.errors import InvalidInput, NotFound
from services.hosting.logs import RUN_PATTERN, LogFile, log_files, parse_log_file

_BLOCK = 64 * 1024
READ_CHUNK_MAX = 256 * 1024


@dataclass(frozen=True)
class Tail:
    lines: list[str]
    file: str | None
    offset: int
    run: str | None


@dataclass(frozen=True)
class Chunk:
    """Lines read from a position, and the position after them."""

    lines: list[str]
    file: str | None
    offset: int
    #: True when the earlier position no longer exists (cleared, pruned): start the view afresh.
    reset: bool
    run: str | None


@dataclass(frozen=True)
class RunInfo:
    run: str
    started: str | None
    files: list[str]
    size: int
    current: bool


def _decode(data: bytes) -> list[str]:
    return data.decode("utf-8", "replace").splitlines()


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except FileNotFoundError:
        return 0


def _read(path: Path, start: int, limit: int) -> bytes:
    try:
        with path.open("rb") as handle:
            handle.seek(start)
            return handle.read(limit)
    except FileNotFoundError:
        return b""


def _run_started(run: str) -> str | None:
    try:
        moment = datetime.strptime(run[:15], "%Y%m%d-%H%M%S").replace(tzinfo=IST)
    except ValueError:
        return None
    return ist_iso(moment)


class LogReader:
    """Read-only access to ``<root>/<strategy_id>/*.log``."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def files(self, strategy_id: str) -> list[LogFile]:
        return log_files(self.root / strategy_id)

    def runs(self, strategy_id: str) -> list[RunInfo]:
        """Every run with a log, newest first."""
        folder = self.root / strategy_id
        grouped: dict[str, list[LogFile]] = {}
        for item in self.files(strategy_id):
            grouped.setdefault(item.run, []).append(item)
        runs = list(grouped.items())
        return [
            RunInfo(
                run=run,
                started=_run_started(run),
                files=[item.name for item in items],
                size=sum(_size(folder / item.name) for item in items),
                current=index == len(runs) - 1,
            )
            for index, (run, items) in reversed(list(enumerate(runs)))
        ]

    def run_paths(self, strategy_id: str, run: str | None) -> tuple[str, list[Path]]:
        """The run's name and its files in order (the latest run when ``run`` is None)."""
        files = self._run_files(strategy_id, run)
        return files[-1].run, [self.root / strategy_id / item.name for item in files]

    def tail(self, strategy_id: str, lines: int, run: str | None = None) -> Tail:
        """The last ``lines`` lines of a run (default: the latest) and the position after them."""
        try:
            files = self._run_files(strategy_id, run)
        except NotFound:
            if run is not None:
                raise
            return Tail([], None, 0, None)
        folder = self.root / strategy_id
        last = files[-1]
        end = _size(folder / last.name)
        collected: list[str] = []
        for item in reversed(files):
            path = folder / item.name
            size = end if item is last else _size(path)
            collected = self._last_lines(path, size, lines - len(collected)) + collected
            if len(collected) >= lines:
                break
        return Tail(collected[-lines:] if lines else [], last.name, end, last.run)

    def last_lines(self, strategy_id: str, lines: int) -> list[str]:
        return self.tail(strategy_id, lines).lines

    def end_position(self, strategy_id: str) -> tuple[str | None, int]:
        files = self.files(strategy_id)
        if not files:
            return None, 0
        return files[-1].name, _size(self.root / strategy_id / files[-1].name)

    def read_from(
        self, strategy_id: str, file: str | None, offset: int, limit: int = READ_CHUNK_MAX
    ) -> Chunk:
        """Whole lines after (``file``, ``offset``), moving on to later files once one is read."""
        folder = self.root / strategy_id
        files = self.files(strategy_id)
        if not files:
            return Chunk([], None, 0, reset=file is not None and offset > 0, run=None)
        names = [item.name for item in files]
        reset = False
        if file is None:
            file = names[-1]
        elif file not in names:
            # The file was cleared or pruned: continue with the current file from its start.
            file, offset, reset = names[-1], 0, True
        index = names.index(file)
        size = _size(folder / file)
        if offset > size:
            offset, reset = 0, True  # emptied by clear while the strategy runs
        while offset >= size and index < len(names) - 1:
            index += 1
            file, offset = names[index], 0
            size = _size(folder / file)
        data = _read(folder / file, offset, min(limit, max(0, size - offset)))
        cut = data.rfind(b"\n") + 1
        return Chunk(_decode(data[:cut]), file, offset + cut, reset, files[index].run)

    def _run_files(self, strategy_id: str, run: str | None) -> list[LogFile]:
        if run is not None and not RUN_PATTERN.fullmatch(run):
            raise InvalidInput("Unknown run name.", fields={"run": "Pick a run from the list."})
        files = self.files(strategy_id)
        if not files:
            raise NotFound("This strategy has no log yet.")
        wanted = run or files[-1].run
        selected = [item for item in files if item.run == wanted]
        if not selected:
            raise NotFound("There is no log for that run.")
        return selected

    @staticmethod
    def _last_lines(path: Path, size: int, wanted: int) -> list[str]:
        """The last ``wanted`` complete lines of ``path`` up to byte ``size``, read backwards."""
        if wanted <= 0 or size <= 0:
            return []
        try:
            fd = os.open(path, os.O_RDONLY)
        except FileNotFoundError:
            return []
        try:
            data = b""
            position = size
            while position > 0 and data.count(b"\n") <= wanted:
                step = min(_BLOCK, position)
                position -= step
                data = os.pread(fd, step, position) + data
        finally:
            os.close(fd)
        if not data.endswith(b"\n"):
            data = data[: data.rfind(b"\n") + 1]
        lines = _decode(data)
        if position > 0:
            lines = lines[1:]  # the first line may be cut in the middle
        return lines[-wanted:]


def check_file_name(name: str) -> str:
    if parse_log_file(name) is None:
        raise InvalidInput("Unknown log file.", fields={"file": "Not a log file of this strategy."})
    return name
