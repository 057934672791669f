"""The zygote: a warm parent that forks one child per execution (run by ``worker.spawn_zygote``).

Started by the host with ``subprocess`` (never forked from the web process, which has threads),
with a built environment that holds no secret of the host's. It imports pandas, numpy, the
``openalgo`` SDK and ``custom_strategies.base_strategy`` once, ``gc.freeze()``s them (so children
share those pages instead of copying them when the collector touches them), then serves frames
from the host on one socket, single-threaded (forking a threaded process is unsafe):

- ``run``: fork a child (``child.main``) with its own output and result pipes; read them as they
  fill; kill the child's process group at its deadline (``timed_out``) or when its resident memory
  (polled every ~100 ms; the group's other members every ~500 ms) passes its limit; on exit report
  ``result`` with a clear reason for anything but a clean report (a crash, ``os._exit``, a signal,
  an unreadable result). One execution never affects another or the zygote.
- ``info``: pid, threads, loaded modules (tests check that no Flask or SQLAlchemy is among them).
- ``stop`` or the host's end of the socket closing: kill every child's group and exit.

It imports only the standard library and this room's child-side modules; ``services/__init__`` and
``services/execution/__init__`` import nothing.
"""

from __future__ import annotations

import contextlib
import ctypes
import gc
import importlib
import json
import os
import selectors
import signal
import socket
import sys
import threading
import time
from dataclasses import dataclass, field
from typing import Any

from services.execution import child, processes, protocol
from services.execution.outcome import failure
from services.execution.output import CappedOutput
from services.execution.verdict import Exit, verdict

POLL_S = 0.1
GROUP_SCAN_EVERY = 5  # polls: the whole-group scan (reads /proc) runs every ~500 ms
SWEEP_AFTER_S = 0.5  # after the last run ends, one more scan kills what it may have left behind
MAX_RESULT_BYTES = 4 * 1024 * 1024
THREAD_VARS = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")
_PR_SET_CHILD_SUBREAPER = 36


@dataclass(eq=False)
class _Run:
    id: str
    pid: int
    started: float
    deadline: float
    timeout_s: float
    memory_mb: int
    fds: dict[int, str]  # fd -> "out" | "result"
    output: CappedOutput = field(default_factory=CappedOutput)
    result: bytearray = field(default_factory=bytearray)
    peak_rss: int = 0
    group_rss: int = 0  # resident memory of its other processes, at the last scan
    others: dict[int, int] = field(default_factory=dict)  # its other processes: pid -> start time
    forced: tuple[str, str, str] | None = None  # (status, error type, message) when the zygote ended it


class Zygote:
    def __init__(self, sock: socket.socket) -> None:
        self._sock = sock
        self._sock.setblocking(False)
        self._frames = protocol.FrameBuffer()
        self._selector = selectors.DefaultSelector()
        self._runs: dict[int, _Run] = {}
        self._by_fd: dict[int, _Run] = {}
        self._polls = 0
        #: when to look for descendants a finished run left behind, once no run is left to poll
        self._sweep_at: float | None = None
        self._pid = os.getpid()
        self._preloaded: dict[str, str | None] = {}

    # Set-up ------------------------------------------------------------------------------------------
    def preload(self, modules: list[str]) -> None:
        for name in modules:
            try:
                importlib.import_module(name)
                self._preloaded[name] = None
            except Exception as error:
                self._preloaded[name] = f"{type(error).__name__}: {error}"
        gc.collect()
        gc.freeze()

    def serve(self) -> None:
        ctypes.CDLL(None).prctl(_PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)  # escaped descendants come here
        wake_r, wake_w = os.pipe2(os.O_NONBLOCK | os.O_CLOEXEC)
        signal.signal(signal.SIGCHLD, lambda *_: None)
        signal.set_wakeup_fd(wake_w, warn_on_full_buffer=False)
        self._selector.register(self._sock, selectors.EVENT_READ, "host")
        self._selector.register(wake_r, selectors.EVENT_READ, "wake")
        self._send({"op": "ready", "pid": self._pid, "threads": threading.active_count()})
        next_poll = time.monotonic() + POLL_S
        while True:
            for key, _ in self._selector.select(self._timeout(next_poll)):
                if key.data == "host":
                    if not self._from_host():
                        self._shutdown()
                        return
                elif key.data == "wake":
                    with contextlib.suppress(BlockingIOError):
                        os.read(wake_r, 4096)
                else:
                    self._read(key.fd)
            self._reap()
            now = time.monotonic()
            if now >= next_poll:
                next_poll = now + POLL_S
                self._poll()
            if self._sweep_at is not None and now >= self._sweep_at and not self._runs:
                self._sweep_at = None
                self._scan_groups()

    def _timeout(self, next_poll: float) -> float | None:
        """How long the loop may sleep: until the next poll while runs exist, until the sweep after
        the last one, else until something happens."""
        now = time.monotonic()
        if self._runs:
            return max(0.0, next_poll - now)
        if self._sweep_at is not None:
            return max(0.0, self._sweep_at - now)
        return None

    # Host frames -------------------------------------------------------------------------------------
    def _send(self, message: dict[str, Any]) -> None:
        data = protocol.encode(message)
        self._sock.setblocking(True)  # the host always reads; a result is sent whole
        try:
            self._sock.sendall(data)
        finally:
            self._sock.setblocking(False)

    def _from_host(self) -> bool:
        try:
            data = self._sock.recv(1 << 20)
        except BlockingIOError:
            return True
        except OSError:
            return False
        if not data:
            return False
        for frame in self._frames.feed(data):
            op = frame.get("op")
            if op == "run":
                try:
                    self._start(frame)
                except Exception as error:  # fork or pipes failed (EAGAIN, EMFILE): this run only
                    self._refuse(frame, error)
            elif op == "info":
                self._send({"op": "info", "id": frame.get("id"), **self.info()})
            elif op == "stop":
                return False
        return True

    def _refuse(self, frame: dict[str, Any], error: Exception) -> None:
        message = f"the execution could not be started: {type(error).__name__}: {error}"
        self._send(
            {
                "op": "result",
                "id": frame.get("id"),
                "status": "failed",
                "signals": [],
                "error": failure("EngineError", message),
                "logs": "",
                "duration_s": 0.0,
                "peak_rss_mb": 0.0,
            }
        )

    def info(self) -> dict[str, Any]:
        return {
            "pid": self._pid,
            "threads": threading.active_count(),
            "modules": sorted(sys.modules),
            "preloaded": self._preloaded,
            "running": len(self._runs),
        }

    # Runs --------------------------------------------------------------------------------------------
    def _start(self, frame: dict[str, Any]) -> None:
        job = frame["job"]
        opened: list[int] = []
        try:
            out_r, out_w = os.pipe2(os.O_CLOEXEC)
            opened += (out_r, out_w)
            result_r, result_w = os.pipe2(os.O_CLOEXEC)
            opened += (result_r, result_w)
            pid = os.fork()
        except OSError:
            for fd in opened:
                os.close(fd)
            raise
        if pid == 0:  # pragma: no cover - the child
            try:
                child.main(job, out_w, result_w, self._pid)
            finally:
                os._exit(72)
        os.close(out_w)
        os.close(result_w)
        now = time.monotonic()
        run = _Run(
            id=str(frame["id"]),
            pid=pid,
            started=now,
            deadline=now + float(job["timeout_s"]),
            timeout_s=float(job["timeout_s"]),
            memory_mb=int(job["memory_mb"]),
            fds={out_r: "out", result_r: "result"},
        )
        del job, frame  # the token lives on in the child only
        self._runs[pid] = run
        for fd in run.fds:
            os.set_blocking(fd, False)
            self._by_fd[fd] = run
            self._selector.register(fd, selectors.EVENT_READ, "run")

    def _read(self, fd: int) -> None:
        run = self._by_fd.get(fd)
        if run is None:
            return
        while True:
            try:
                data = os.read(fd, 1 << 16)
            except BlockingIOError:
                return
            if not data:
                self._close(run, fd)
                return
            if run.fds[fd] == "out":
                run.output.feed(data)
            else:
                run.result += data
                if len(run.result) > MAX_RESULT_BYTES and run.forced is None:
                    limit = MAX_RESULT_BYTES // (1024 * 1024)
                    self._force(run, "failed", "ResultTooLarge", f"the result is larger than {limit} MB")

    def _close(self, run: _Run, fd: int) -> None:
        self._selector.unregister(fd)
        os.close(fd)
        del self._by_fd[fd]
        del run.fds[fd]

    def _force(self, run: _Run, status: str, kind: str, message: str) -> None:
        run.forced = (status, kind, message)
        processes.kill_group(run.pid, run.others)

    def _reap(self) -> None:
        for pid, run in list(self._runs.items()):
            # WNOWAIT: the zombie keeps its pid and group id until the group is killed below.
            if os.waitid(os.P_PID, pid, os.WEXITED | os.WNOHANG | os.WNOWAIT) is None:
                continue
            processes.kill_group(run.pid, run.others)  # whatever it left behind
            for fd in list(run.fds):
                self._read(fd)
                if fd in run.fds:
                    self._close(run, fd)  # a descendant still holds it open: stop waiting for it
            _, status = os.waitpid(pid, 0)
            del self._runs[pid]
            self._finish(run, status)
        self._reap_strays()

    def _reap_strays(self) -> None:
        """Reap adopted descendants of finished runs (the zygote is their subreaper)."""
        while True:
            try:
                found = os.waitid(os.P_ALL, 0, os.WEXITED | os.WNOHANG | os.WNOWAIT)
            except ChildProcessError:
                return
            if found is None or found.si_pid in self._runs:
                return
            with contextlib.suppress(ChildProcessError):
                os.waitpid(found.si_pid, 0)

    def _finish(self, run: _Run, status: int) -> None:
        duration = time.monotonic() - run.started
        self._sweep_at = time.monotonic() + SWEEP_AFTER_S
        signum = os.WTERMSIG(status) if os.WIFSIGNALED(status) else None
        code = os.WEXITSTATUS(status) if os.WIFEXITED(status) else None
        exit_ = Exit(code=code, signal=signum, timeout_s=run.timeout_s, memory_mb=run.memory_mb)
        report = verdict(bytes(run.result), exit_, run.forced)
        peak = max(run.peak_rss, int(report.pop("maxrss_kb", 0) or 0) * 1024)
        report.update(
            op="result",
            id=run.id,
            logs=run.output.text(),
            duration_s=round(duration, 4),
            peak_rss_mb=round(peak / (1024 * 1024), 1),
        )
        self._send(report)

    # Limits ------------------------------------------------------------------------------------------
    def _poll(self) -> None:
        self._polls += 1
        now = time.monotonic()
        if self._polls % GROUP_SCAN_EVERY == 0:
            self._scan_groups()
        for run in list(self._runs.values()):
            if run.forced is not None:
                continue
            if now >= run.deadline:
                message = f"the execution took longer than its {run.timeout_s:g} s limit and was stopped"
                self._force(run, "timed_out", "TimeoutError", message)
                continue
            rss = processes.resident(run.pid) + run.group_rss
            run.peak_rss = max(run.peak_rss, rss)
            if rss > run.memory_mb * 1024 * 1024:
                message = f"memory limit of {run.memory_mb} MB exceeded (resident {rss // (1024 * 1024)} MB)"
                self._force(run, "failed", "MemoryError", message)

    def _scan_groups(self) -> None:
        """One pass over /proc: each run's other processes (``processes.others``) and their memory;
        children of the zygote that are not runs (descendants a finished run left behind, adopted by
        the zygote as their subreaper) are killed."""
        table = processes.snapshot()
        for leader, members in processes.others(table, self._runs).items():
            run = self._runs[leader]
            run.others = {pid: table[pid].started for pid in members}
            run.group_rss = sum(table[pid].rss for pid in members)
        for pid in processes.children_of(table).get(self._pid, ()):
            if pid not in self._runs:
                processes.kill_seen(pid, table[pid].started)

    def _shutdown(self) -> None:
        """Kill everything of every run, and what finished runs left behind: once the zygote is
        gone, such processes would be adopted by init and outlive the host."""
        self._scan_groups()
        for run in self._runs.values():
            processes.kill_group(run.pid, run.others)
        for pid in self._runs:
            with contextlib.suppress(ChildProcessError):
                os.waitpid(pid, 0)


def main(config_json: str) -> None:  # pragma: no cover - the zygote process runs it
    """The zygote's entry point: ``config_json`` = {"fd": socket fd, "preload": [module names]}."""
    config = json.loads(config_json)
    for name in THREAD_VARS:
        os.environ.setdefault(name, "1")  # before numpy is imported: one BLAS thread
    sock = socket.socket(fileno=int(config["fd"]))
    zygote = Zygote(sock)
    zygote.preload(list(config.get("preload", ())))
    zygote.serve()
