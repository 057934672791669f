"""Capturing strategy output: named pipes read by one thread for every strategy.

Each run writes stdout and stderr into two pipes. The host reads them with a single selector
thread (no thread per strategy), splits the bytes into lines and hands them to the run's sink
(its log). The strategy process also holds the read ends, which it never uses: if the host dies,
the strategy's writes do not fail with a broken pipe (they wait once the pipe buffer is full),
and the restarted host opens the same pipes again through ``/proc/<pid>/fd/1`` and ``2`` (Linux)
and the log continues. That is what makes adopting a strategy after a host crash possible.
Anonymous pipes cost no filesystem work per start (named pipes did, measurably).

The same thread watches pidfds, so the supervisor hears of a process exit at once.
All selector changes happen on the pump thread (requests are queued and the thread woken), so
no file descriptor is closed while the thread may still use it.
"""

from __future__ import annotations

import contextlib
import logging
import os
import queue
import selectors
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from services.hosting.logs import STDERR, STDOUT

log = logging.getLogger(__name__)

READ_SIZE = 64 * 1024
PARTIAL_FLUSH_S = 0.25  # a line without its newline yet is written after this long
LONG_LINE = 64 * 1024  # a "line" this long is written even without a newline
RELEASE_TIMEOUT_S = 5.0


class OutputSink(Protocol):
    """Where the lines of one run go (its RunLog)."""

    def write(self, stream: str, lines: list[str], *, continued: bool = False) -> None:
        """``continued``: the last line was cut (a long line, or a pause before its newline) and
        the rest of it comes in a later write."""


@dataclass(eq=False)
class Channel:
    """The read ends of one run's stdout and stderr pipes, as the host holds them."""

    read_fds: tuple[int, int]


@dataclass(eq=False)
class _Reader:
    fd: int
    stream: str
    sink: OutputSink
    buffer: bytearray = field(default_factory=bytearray)
    partial_since: float | None = None
    open: bool = True


@dataclass(eq=False)
class _ExitWatch:
    fd: int
    callback: Callable[[], None]


def _own_pipe(pid: int, fd: int) -> str | None:
    """The pipe behind ``fd`` of ``pid`` if the process also holds another end of it (the read
    end it was given at start): then it is the pipe this host set up, not something the
    strategy redirected its output to."""
    fds = Path(f"/proc/{pid}/fd")
    try:
        target = str((fds / str(fd)).readlink())
        if not target.startswith("pipe:"):
            return None
        others = [entry for entry in fds.iterdir() if entry.name not in {"0", "1", "2"}]
        return target if any(str(entry.readlink()) == target for entry in others) else None
    except OSError:
        return None


class OutputPump:
    """One thread that moves every strategy's output into its log."""

    def __init__(self) -> None:
        self._selector: selectors.BaseSelector | None = None
        self._thread: threading.Thread | None = None
        self._commands: queue.SimpleQueue[Callable[[], None]] = queue.SimpleQueue()
        self._wake_r, self._wake_w = -1, -1
        self._readers: dict[int, _Reader] = {}
        self._running = False
        self._lock = threading.Lock()

    # Lifecycle ----------------------------------------------------------------------------------
    def start(self) -> None:
        with self._lock:
            if self._running:
                return
            self._selector = selectors.DefaultSelector()
            self._wake_r, self._wake_w = os.pipe2(os.O_NONBLOCK | os.O_CLOEXEC)
            self._selector.register(self._wake_r, selectors.EVENT_READ, None)
            self._running = True
            self._thread = threading.Thread(target=self._run, name="strategy-output", daemon=True)
            self._thread.start()

    def stop(self) -> None:
        with self._lock:
            if not self._running:
                return
            self._running = False
        self._wake()
        if self._thread is not None:
            self._thread.join(timeout=10)
        selector = self._selector
        if selector is not None:
            for key in list(selector.get_map().values()):
                if isinstance(key.data, (_Reader, _ExitWatch)):
                    with contextlib.suppress(OSError):
                        os.close(key.fd)
            selector.close()
        for fd in (self._wake_r, self._wake_w):
            with contextlib.suppress(OSError):
                os.close(fd)
        self._readers.clear()

    @property
    def running(self) -> bool:
        return self._running

    @property
    def alive(self) -> bool:
        """True while the pump thread reads output (False after it died, until the watchdog)."""
        return self._thread is not None and self._thread.is_alive()

    # Channels -----------------------------------------------------------------------------------
    def open_channel(self) -> tuple[Channel, tuple[int, int]]:
        """Create the run's two pipes; returns the channel and the write ends for the child."""
        out_r, out_w = os.pipe2(os.O_CLOEXEC)
        err_r, err_w = os.pipe2(os.O_CLOEXEC)
        for fd in (out_r, err_r):
            os.set_blocking(fd, False)
        return Channel((out_r, err_r)), (out_w, err_w)

    def reopen_channel(self, pid: int) -> Channel | None:
        """The pipes of a strategy started by an earlier host, or None when that is impossible
        (no /proc, output redirected, process gone)."""
        if not (_own_pipe(pid, 1) and _own_pipe(pid, 2)):
            return None
        fds: list[int] = []
        try:
            for fd in (1, 2):
                fds.append(os.open(f"/proc/{pid}/fd/{fd}", os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC))
        except OSError:
            for opened in fds:
                os.close(opened)
            return None
        return Channel((fds[0], fds[1]))

    def attach(self, channel: Channel, sink: OutputSink) -> None:
        """Start moving the channel's output into ``sink``."""

        def register() -> None:
            for fd, stream in zip(channel.read_fds, (STDOUT, STDERR), strict=True):
                reader = _Reader(fd, stream, sink)
                self._readers[fd] = reader
                self._require_selector().register(fd, selectors.EVENT_READ, reader)

        self._submit(register)

    def release(self, channel: Channel) -> None:
        """Move what is still in the pipes into the log, then close them.

        Blocks until the pump has done it, so the caller can write the run footer after the
        last line of output.
        """
        done = threading.Event()

        def drain_and_close() -> None:
            try:
                for fd in channel.read_fds:
                    reader = self._readers.pop(fd, None)
                    if reader is not None:
                        self._drain(reader, final=True)
                        if reader.open:
                            self._require_selector().unregister(fd)
                    with contextlib.suppress(OSError):
                        os.close(fd)
            finally:
                done.set()

        if not self._submit(drain_and_close):
            return
        if not done.wait(RELEASE_TIMEOUT_S):
            log.warning("Strategy output was not released in time")

    def discard(self, channel: Channel) -> None:
        """Close a channel that was never attached (the spawn failed)."""
        for fd in channel.read_fds:
            with contextlib.suppress(OSError):
                os.close(fd)

    def watch_exit(self, pid: int, callback: Callable[[], None]) -> None:
        """Call ``callback`` on the pump thread when process ``pid`` ends (if pidfds exist)."""
        if not hasattr(os, "pidfd_open"):
            return  # the reconcile loop still notices the exit within a tick
        try:
            fd = os.pidfd_open(pid)
        except OSError:
            callback()  # already gone
            return

        def register() -> None:
            self._require_selector().register(fd, selectors.EVENT_READ, _ExitWatch(fd, callback))

        if not self._submit(register):
            os.close(fd)

    # Pump thread --------------------------------------------------------------------------------
    def _submit(self, command: Callable[[], None]) -> bool:
        if not self._running:
            return False
        self._commands.put(command)
        self._wake()
        return True

    def _wake(self) -> None:
        with contextlib.suppress(OSError):
            os.write(self._wake_w, b"x")

    def _require_selector(self) -> selectors.BaseSelector:
        if self._selector is None:
            raise RuntimeError("the output pump is not started")
        return self._selector

    def ensure_alive(self) -> bool:
        """The watchdog: restart the pump thread if it ever died. True when it had to.

        Every turn of the pump is guarded, so this should never fire; if it does, every
        strategy's output would otherwise stay unread and a chatty strategy block in ``write()``.
        """
        with self._lock:
            if not self._running or (self._thread is not None and self._thread.is_alive()):
                return False
            log.error("The strategy output pump had stopped; restarting it")
            self._thread = threading.Thread(target=self._run, name="strategy-output", daemon=True)
            self._thread.start()
            return True

    def _run(self) -> None:
        selector = self._require_selector()
        while self._running:
            try:
                self._turn(selector)
            except Exception:  # one bad turn must not end the reading of every strategy's output
                log.exception("Strategy output pump turn failed")
                time.sleep(0.1)

    def _turn(self, selector: selectors.BaseSelector) -> None:
        pending = any(reader.partial_since is not None for reader in self._readers.values())
        try:
            ready = selector.select(PARTIAL_FLUSH_S if pending else None)
        except OSError:
            log.exception("Strategy output selector failed")
            time.sleep(0.1)
            return
        for key, _mask in ready:
            try:
                self._handle(key)
            except Exception:
                log.exception("Strategy output handling failed")
        self._flush_stale_partials()

    def _handle(self, key: selectors.SelectorKey) -> None:
        data = key.data
        if data is None:
            with contextlib.suppress(BlockingIOError):
                while os.read(self._wake_r, 4096):
                    pass
            while not self._commands.empty():
                self._commands.get_nowait()()
        elif isinstance(data, _Reader):
            self._drain(data, final=False)
        elif isinstance(data, _ExitWatch):
            self._require_selector().unregister(data.fd)
            os.close(data.fd)
            data.callback()

    def _drain(self, reader: _Reader, *, final: bool) -> None:
        """Read what is available (bounded per turn so one chatty strategy cannot starve others)."""
        budget = 16 * READ_SIZE if not final else 256 * READ_SIZE
        while reader.open and budget > 0:
            try:
                chunk = os.read(reader.fd, READ_SIZE)
            except BlockingIOError:
                break
            except OSError:
                chunk = b""
            if not chunk:
                # Every writer closed its end: unregister, or the selector would spin on it.
                reader.open = False
                self._require_selector().unregister(reader.fd)
                break
            budget -= len(chunk)
            reader.buffer += chunk
            self._emit(reader)
        if final or not reader.open:
            self._emit(reader, flush=True, final=True)

    def _emit(self, reader: _Reader, *, flush: bool = False, final: bool = False) -> None:
        buffer = reader.buffer
        cut = buffer.rfind(b"\n") + 1
        if flush or len(buffer) - cut >= LONG_LINE:
            cut = len(buffer)
        if cut:
            text = bytes(buffer[:cut]).decode("utf-8", "replace")
            del buffer[:cut]
            lines = [line.removesuffix("\r") for line in text.split("\n")]
            if lines and lines[-1] == "" and text.endswith("\n"):
                lines.pop()
            reader.partial_since = (reader.partial_since or time.monotonic()) if buffer else None
            try:
                reader.sink.write(reader.stream, lines, continued=not final and not text.endswith("\n"))
            except Exception:  # a run's log refused them: they are lost, the pump goes on
                log.exception("Writing strategy output failed")
            return
        reader.partial_since = (reader.partial_since or time.monotonic()) if buffer else None

    def _flush_stale_partials(self) -> None:
        now = time.monotonic()
        for reader in list(self._readers.values()):
            if reader.partial_since is not None and now - reader.partial_since >= PARTIAL_FLUSH_S:
                try:
                    self._emit(reader, flush=True)
                except Exception:
                    reader.buffer.clear()  # what it could not hand over is dropped, not retried forever
                    reader.partial_since = None
                    log.exception("Flushing a partial line of strategy output failed")
