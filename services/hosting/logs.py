"""Writing strategy logs: ``log/strategies/<id>/<run>.log``, one run per file, bounded in size.

Each line is stamped with IST time; lines from stderr are marked ``[stderr]`` and the host's own
lines (the run header and footer) ``[host]``. A run whose file reaches ``max_bytes`` continues in
``<run>.p2.log``, ``<run>.p3.log``...; a strategy keeps at most ``max_files`` files, the oldest
going first, so a strategy that runs for weeks stays bounded. The names never change once
written, so a reader's (file, offset) position stays meaningful.
"""

from __future__ import annotations

import contextlib
import errno
import os
import re
import shutil
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import BinaryIO

from services.clock import Clock, to_ist

_FILE_PATTERN = re.compile(r"^(?P<run>\d{8}-\d{6}(?:-(?P<n>\d+))?)(?:\.p(?P<part>\d+))?\.log$")
RUN_PATTERN = re.compile(r"^\d{8}-\d{6}(?:-\d+)?$")

STDOUT = "out"
STDERR = "err"
HOST = "host"
_MARKS = {STDOUT: b"", STDERR: b"[stderr] ", HOST: b"[host] "}
MASK = "[REDACTED]"
#: Shorter secret values are not masked: they would hide ordinary text.
MASK_MIN_LENGTH = 4


@dataclass(frozen=True, order=True)
class LogFile:
    """One file of a strategy's log; instances sort in writing order."""

    sort_key: tuple[str, int, int]
    name: str
    run: str
    part: int


def parse_log_file(name: str) -> LogFile | None:
    match = _FILE_PATTERN.fullmatch(name)
    if match is None:
        return None
    run = match["run"]
    base = run[:15]
    part = int(match["part"] or 1)
    return LogFile((base, int(match["n"] or 1), part), name, run, part)


def file_name(run: str, part: int) -> str:
    return f"{run}.log" if part == 1 else f"{run}.p{part}.log"


def log_files(folder: Path) -> list[LogFile]:
    """The log files in ``folder`` in writing order (unknown files are ignored)."""
    if not folder.is_dir():
        return []
    found = (parse_log_file(entry.name) for entry in folder.iterdir())
    return sorted(item for item in found if item is not None)


#: A strategy's line that begins like one of the host's marks is escaped, so that nothing a
#: strategy prints can pass for the host's own lines (``[host] === Run ended ... ===``).
_LOOKALIKES = ("[host]", "[stderr]", "\\")


def _escaped(line: str) -> str:
    return "\\" + line if line.startswith(_LOOKALIKES) else line


def stamp(moment: datetime) -> bytes:
    ist = to_ist(moment)
    return f"[{ist:%Y-%m-%d %H:%M:%S}.{ist.microsecond // 1000:03d} IST] ".encode("ascii")


@dataclass(frozen=True)
class LogTrouble:
    """The run's log cannot be written right now (a full or read-only disk): what the OS said and
    how many bytes of output were dropped since. The strategy keeps running; writing resumes by
    itself once the disk takes writes again."""

    error: str
    dropped_bytes: int


class _ShortWrite(OSError):
    def __init__(self, lost: int) -> None:
        super().__init__(errno.ENOSPC, os.strerror(errno.ENOSPC))
        self.lost = lost


class RunLog:
    """The open log of one run. Thread-safe: the output pump, the supervisor and clear share it.

    Writing never raises: a write the disk refuses is counted as dropped (``trouble``), so a full
    disk can stop neither the output pump nor a stop request.
    """

    def __init__(
        self,
        folder: Path,
        *,
        run: str,
        part: int,
        limits: tuple[int, int],
        clock: Clock,
        on_write: Callable[[], None],
        on_close: Callable[[RunLog], None],
    ) -> None:
        self.folder = folder
        self.run = run
        self._part = part
        self._max_bytes, self._max_files = limits
        self._clock = clock
        self._on_write = on_write
        self._on_close = on_close
        self._lock = threading.Lock()
        self._handle: BinaryIO | None = None
        self._size = 0
        self._secrets: tuple[str, ...] = ()
        self._trouble: LogTrouble | None = None
        #: The held-back end of a cut line, per stream (see ``write``).
        self._carry: dict[str, str] = {}
        self._open_part(part)  # raises OSError when the log cannot be created at all

    def mask(self, secrets: tuple[str, ...]) -> None:
        """Mask these values (the strategy's API key and secure variables) in every later line,
        so a strategy that prints its environment does not write its secrets to disk."""
        self._secrets = tuple(
            sorted({v for v in secrets if len(v) >= MASK_MIN_LENGTH}, key=len, reverse=True)
        )

    @property
    def current_file(self) -> str:
        return file_name(self.run, self._part)

    def write(self, stream: str, lines: Iterable[str], *, continued: bool = False) -> None:
        """Append ``lines`` (without newlines) from ``stream``, each stamped with the time now.

        ``continued``: the last line goes on in the next write of this stream. Its last few
        characters are held back until then, so a secret cut in two is still masked.
        """
        prefix = stamp(self._clock.now()) + _MARKS[stream]
        lines = self._joined(stream, list(lines), continued)
        if self._secrets:
            lines = [self._masked(line) for line in lines]
        if stream == STDOUT:
            lines = [_escaped(line) for line in lines]
        blob = b"".join(prefix + line.encode("utf-8", "replace") + b"\n" for line in lines)
        if not blob:
            return
        with self._lock:
            if self._handle is None:
                return
            try:
                self._append(blob)
            except OSError as error:
                lost = error.lost if isinstance(error, _ShortWrite) else len(blob)
                dropped = lost + (self._trouble.dropped_bytes if self._trouble else 0)
                self._trouble = LogTrouble(error.strerror or str(error), dropped)
                return
        self._on_write()

    @property
    def trouble(self) -> LogTrouble | None:
        """Why the log cannot be written right now (None while it can)."""
        return self._trouble

    def _append(self, blob: bytes) -> None:
        """Write ``blob`` (lock held); after a spell of refused writes, say first what was lost."""
        if self._trouble is not None:
            trouble = self._trouble
            note = (
                f"=== {trouble.dropped_bytes} bytes of output were lost: the log could not be written"
                f" ({trouble.error}) ==="
            )
            self._write_raw(stamp(self._clock.now()) + _MARKS[HOST] + note.encode() + b"\n")
            self._trouble = None
        self._write_raw(blob)

    def _write_raw(self, blob: bytes) -> None:
        if self._handle is None:
            return
        if self._size and self._size + len(blob) > self._max_bytes:
            handle = self._open_part(self._part + 1)
        else:
            handle = self._handle
        written = handle.write(blob) or 0
        self._size += written
        if written < len(blob):  # a partial write: the disk filled up in the middle of it
            raise _ShortWrite(len(blob) - written)

    def _joined(self, stream: str, lines: list[str], continued: bool) -> list[str]:
        carry = self._carry.pop(stream, "")
        if carry:
            lines = [carry + lines[0], *lines[1:]] if lines else [carry]
        hold = len(self._secrets[0]) - 1 if self._secrets else 0
        if continued and lines and hold > 0:
            last = lines[-1]
            lines[-1], self._carry[stream] = last[:-hold], last[-hold:]
            if not lines[-1]:
                lines.pop()
        return lines

    def _masked(self, line: str) -> str:
        for secret in self._secrets:
            if secret in line:
                line = line.replace(secret, MASK)
        return line

    def host_line(self, text: str) -> None:
        self.write(HOST, [text])

    def truncate(self) -> None:
        """Empty the current file (clear while running); later lines start a clean file."""
        with self._lock:
            if self._handle is not None:
                with contextlib.suppress(OSError):
                    self._handle.truncate(0)
                    self._size = 0
        self._on_write()

    def close(self) -> None:
        for stream, carry in list(self._carry.items()):
            self.write(stream, [carry])
        with self._lock:
            if self._handle is not None:
                self._handle.close()
                self._handle = None
        self._on_close(self)

    def _open_part(self, part: int) -> BinaryIO:
        path = self.folder / file_name(self.run, part)
        # Append mode: every write lands at the end, also after a truncate by clear.
        try:
            handle = path.open("ab", buffering=0)
        except FileNotFoundError:
            self.folder.mkdir(parents=True, exist_ok=True)
            handle = path.open("ab", buffering=0)
        # The old part is closed only once the new one is open: a refused open keeps writing
        # (or failing to write) to the old one, never to a closed file.
        if self._handle is not None:
            self._handle.close()
        self._part = part
        self._handle = handle
        self._size = os.fstat(handle.fileno()).st_size
        self._prune()
        return handle

    def _prune(self) -> None:
        current = self.current_file
        files = [item for item in log_files(self.folder) if item.name != current]
        for old in files[: max(0, len(files) - (self._max_files - 1))]:
            with contextlib.suppress(OSError):
                (self.folder / old.name).unlink()


class StrategyLogs:
    """Creates run logs and manages each strategy's log folder."""

    def __init__(
        self,
        root: Path,
        max_bytes: int,
        max_files: int,
        clock: Clock,
        on_change: Callable[[str], None],
    ) -> None:
        self.root = root
        self._limits = (max_bytes, max_files)
        self._clock = clock
        self._on_change = on_change
        self._lock = threading.Lock()
        self._active: dict[str, RunLog] = {}

    def folder(self, strategy_id: str) -> Path:
        return self.root / strategy_id

    def begin_run(self, strategy_id: str) -> RunLog:
        """A new run file named after the IST start time (``-2``, ``-3``... within one second)."""
        folder = self.folder(strategy_id)
        base = to_ist(self._clock.now()).strftime("%Y%m%d-%H%M%S")
        taken = {item.run for item in log_files(folder)}
        run, n = base, 1
        while run in taken:
            n += 1
            run = f"{base}-{n}"
        return self._open(strategy_id, run, 1)

    def resume_run(self, strategy_id: str, current_file: str) -> RunLog:
        """Reopen the file of a run adopted after a host restart; its log continues there."""
        parsed = parse_log_file(current_file)
        if parsed is None:
            return self.begin_run(strategy_id)
        return self._open(strategy_id, parsed.run, parsed.part)

    def active(self, strategy_id: str) -> RunLog | None:
        with self._lock:
            return self._active.get(strategy_id)

    def clear(self, strategy_id: str) -> None:
        """Delete the strategy's log files; the file of a running strategy is emptied instead."""
        active = self.active(strategy_id)
        keep = active.current_file if active is not None else None
        for item in log_files(self.folder(strategy_id)):
            if item.name != keep:
                with contextlib.suppress(OSError):
                    (self.folder(strategy_id) / item.name).unlink()
        if active is not None:
            active.truncate()
        self._on_change(strategy_id)

    def delete(self, strategy_id: str) -> None:
        """Remove the whole log folder of a deleted strategy."""
        shutil.rmtree(self.folder(strategy_id), ignore_errors=True)
        self._on_change(strategy_id)

    def _open(self, strategy_id: str, run: str, part: int) -> RunLog:
        log = RunLog(
            self.folder(strategy_id),
            run=run,
            part=part,
            limits=self._limits,
            clock=self._clock,
            on_write=lambda: self._on_change(strategy_id),
            on_close=lambda closed: self._closed(strategy_id, closed),
        )
        with self._lock:
            self._active[strategy_id] = log
        self._on_change(strategy_id)
        return log

    def _closed(self, strategy_id: str, log: RunLog) -> None:
        with self._lock:
            if self._active.get(strategy_id) is log:
                del self._active[strategy_id]
