"""Every operating-system call on strategy processes: spawn, signal, kill, inspect (psutil).

The supervisor talks to the ``Launcher`` protocol only, so unit tests drive it with a fake. The
real ``ProcessLauncher`` starts each strategy with the host's own interpreter in a new session
(its own process group), its output going to pipes read by the ``OutputPump``.

A run ends in two steps: ``exit_status`` looks at the exit without reaping (the zombie keeps the
pid and process group id from being reused), then ``finish`` kills what is left of the run and
reaps. What is left: the process group, the descendants seen while the run was alive (a child
that called ``setsid`` left the group) and any process whose environment carries the run token.
"""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import subprocess
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

import psutil

from services.hosting import procfs
from services.hosting.capture import Channel, OutputPump, OutputSink
from services.hosting.child_env import RUN_TOKEN
from services.hosting.orphans import Orphans

log = logging.getLogger(__name__)

CREATE_TIME_TOLERANCE_S = 0.5


@dataclass(frozen=True)
class ExitStatus:
    """How a process ended: an exit code, a signal, or unknown (a process adopted after a restart)."""

    code: int | None
    signal: str | None = None

    @property
    def clean(self) -> bool:
        return self.code == 0 and self.signal is None

    @property
    def known(self) -> bool:
        return self.code is not None or self.signal is not None

    def describe(self) -> str:
        if self.signal is not None:
            return f"killed by signal {self.signal}"
        if self.code is None:
            return "exit status unknown (process adopted after a host restart)"
        return f"exit code {self.code}"


def signal_name(number: int) -> str:
    try:
        return signal.Signals(number).name
    except ValueError:
        return f"signal {number}"


@dataclass(frozen=True)
class LaunchSpec:
    argv: list[str]
    env: dict[str, str]
    cwd: Path
    token: str
    sink: OutputSink


@dataclass(frozen=True)
class Sample:
    cpu_percent: float
    rss_bytes: int
    #: Resident memory of the process and all its descendants (only when asked for).
    tree_rss_bytes: int | None = None


class ProcessHandle(Protocol):
    """A strategy process the supervisor owns."""

    @property
    def pid(self) -> int: ...

    @property
    def create_time(self) -> float: ...

    @property
    def token(self) -> str: ...

    @property
    def adopted(self) -> bool: ...


class Launcher(Protocol):
    """The OS seam of the supervisor."""

    def start(self, on_exit: Callable[[], None]) -> None: ...

    def close(self) -> None: ...

    def watchdog(self) -> None:
        """Restart the output capture if it died (called by every reconcile pass)."""

    def become_subreaper(self) -> None:
        """Adopt what strategies leave behind (the served host only; see ``orphans``)."""

    def spawn(self, spec: LaunchSpec) -> ProcessHandle: ...

    def find(self, pid: int | None, create_time: float | None, token: str) -> ProcessHandle | None: ...

    def reattach(self, handle: ProcessHandle, sink: OutputSink) -> bool: ...

    def exit_status(self, handle: ProcessHandle) -> ExitStatus | None: ...

    def send_signal(self, handle: ProcessHandle, signum: int) -> None: ...

    def group_alive(self, handle: ProcessHandle) -> bool: ...

    def finish(self, handles: Sequence[ProcessHandle]) -> int: ...

    def kill_tokens(self, tokens: Iterable[str]) -> int: ...

    def sample(self, handles: Sequence[ProcessHandle], with_tree: frozenset[int]) -> dict[int, Sample]: ...


@dataclass(eq=False)
class _Process:
    pid: int
    token: str
    adopted: bool
    popen: subprocess.Popen[bytes] | None
    known_info: psutil.Process | None = None
    channel: Channel | None = None
    seen_descendants: dict[int, psutil.Process] = field(default_factory=dict)
    #: (CPU seconds, monotonic time) at the previous sample, for the CPU share since then.
    last_cpu: tuple[float, float] | None = None

    @property
    def info(self) -> psutil.Process:
        """psutil's view, made on first use: building it reads the start time, which is slow
        while a just-spawned interpreter is still loading (the zombie of a child keeps its pid)."""
        if self.known_info is None:
            self.known_info = psutil.Process(self.pid)
        return self.known_info

    @property
    def create_time(self) -> float:
        """When the process started (0.0 if it is already gone: it then never matches a leftover)."""
        try:
            return self.info.create_time()
        except psutil.Error:
            return 0.0


def _own(handle: ProcessHandle) -> _Process:
    if not isinstance(handle, _Process):
        raise TypeError("handle from another launcher")
    return handle


class ProcessLauncher:
    """The real launcher (POSIX; adoption needs Linux /proc): sessions, groups, pipes, pidfds, psutil."""

    def __init__(self, pump: OutputPump | None = None) -> None:
        self._pump = pump or OutputPump()
        self._on_exit: Callable[[], None] = lambda: None
        self._orphans = Orphans()
        #: pids of the strategy processes this host started and has not finished yet
        self._live: set[int] = set()

    def become_subreaper(self) -> None:
        self._orphans.become_subreaper()

    def start(self, on_exit: Callable[[], None]) -> None:
        self._on_exit = on_exit
        self._pump.start()

    def close(self) -> None:
        self._pump.stop()

    def watchdog(self) -> None:
        self._pump.ensure_alive()
        self._orphans.reap(self._live)

    def spawn(self, spec: LaunchSpec) -> ProcessHandle:
        channel, (out_w, err_w) = self._pump.open_channel()
        try:
            popen = subprocess.Popen(
                spec.argv,
                env=spec.env,
                cwd=spec.cwd,
                stdin=subprocess.DEVNULL,
                stdout=out_w,
                stderr=err_w,
                # The child keeps a read end of its own pipes: if the host dies, its writes wait
                # for the next host instead of failing with a broken pipe.
                pass_fds=channel.read_fds,
                start_new_session=True,
                close_fds=True,
            )
        except BaseException:
            self._pump.discard(channel)
            raise
        finally:
            os.close(out_w)
            os.close(err_w)
        process = _Process(popen.pid, spec.token, adopted=False, popen=popen, channel=channel)
        self._live.add(popen.pid)
        self._pump.attach(channel, spec.sink)
        self._pump.watch_exit(popen.pid, self._on_exit)
        return process

    def find(self, pid: int | None, create_time: float | None, token: str) -> ProcessHandle | None:
        """The live process ``pid`` if it is really this run's (same start time, same token)."""
        if pid is None or create_time is None:
            return None
        try:
            info = psutil.Process(pid)
            if abs(info.create_time() - create_time) > CREATE_TIME_TOLERANCE_S:
                return None
            if info.status() == psutil.STATUS_ZOMBIE or info.environ().get(RUN_TOKEN) != token:
                return None
        except (psutil.NoSuchProcess, psutil.AccessDenied, psutil.ZombieProcess):
            return None
        return _Process(pid, token, adopted=True, popen=None, known_info=info)

    def reattach(self, handle: ProcessHandle, sink: OutputSink) -> bool:
        """Continue reading an adopted process's output into ``sink``; False if its pipes are gone."""
        process = _own(handle)
        channel = self._pump.reopen_channel(process.pid)
        if channel is None:
            return False
        process.channel = channel
        self._pump.attach(channel, sink)
        self._pump.watch_exit(process.pid, self._on_exit)
        return True

    def exit_status(self, handle: ProcessHandle) -> ExitStatus | None:
        """How the process ended, or None while it runs. Does not reap a child (see module doc)."""
        process = _own(handle)
        if process.popen is None:
            try:
                alive = process.info.is_running() and process.info.status() != psutil.STATUS_ZOMBIE
            except psutil.Error:
                alive = False
            return None if alive else ExitStatus(None)
        if process.popen.returncode is not None:
            return _status_from_returncode(process.popen.returncode)
        try:
            result = os.waitid(os.P_PID, process.pid, os.WEXITED | os.WNOHANG | os.WNOWAIT)
        except ChildProcessError:
            return _status_from_returncode(process.popen.wait())
        if result is None:
            return None
        if result.si_code == os.CLD_EXITED:
            return ExitStatus(result.si_status)
        return ExitStatus(-result.si_status, signal_name(result.si_status))

    def send_signal(self, handle: ProcessHandle, signum: int) -> None:
        """Signal the run's process group (and remember its descendants for the final sweep)."""
        process = _own(handle)
        self._remember_descendants(process)
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(process.pid, signum)

    def group_alive(self, handle: ProcessHandle) -> bool:
        try:
            os.killpg(_own(handle).pid, 0)
        except (ProcessLookupError, PermissionError):
            return False
        return True

    def finish(self, handles: Sequence[ProcessHandle]) -> int:
        """SIGKILL what is left of these runs, reap them and release their output. Returns kills."""
        processes = [_own(handle) for handle in handles]
        killed = 0
        for process in processes:
            self._remember_descendants(process)
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(process.pid, signal.SIGKILL)
        for process in processes:
            for escaped in process.seen_descendants.values():
                killed += _kill(escaped)
        killed += self.kill_tokens(process.token for process in processes)
        for process in processes:
            self._live.discard(process.pid)
        killed += self._orphans.sweep(self._live)
        for process in processes:
            if process.popen is not None:
                try:
                    process.popen.wait(timeout=5)
                except subprocess.TimeoutExpired:
                    log.error("Strategy process %s did not die after SIGKILL", process.pid)
            if process.channel is not None:
                self._pump.release(process.channel)
                process.channel = None
        return killed

    def kill_tokens(self, tokens: Iterable[str]) -> int:
        """SIGKILL every process whose environment carries one of the run ``tokens``."""
        wanted = set(tokens)
        if not wanted:
            return 0
        killed = 0
        me = os.getpid()
        for info in psutil.process_iter():
            if info.pid == me:
                continue
            try:
                if info.environ().get(RUN_TOKEN) in wanted:
                    killed += _kill(info)
            except (psutil.NoSuchProcess, psutil.AccessDenied, psutil.ZombieProcess, OSError):
                continue
        return killed

    def sample(self, handles: Sequence[ProcessHandle], with_tree: frozenset[int]) -> dict[int, Sample]:
        """CPU share since the previous sample and resident memory (of the tree when asked)."""
        samples: dict[int, Sample] = {}
        fast = procfs.available()
        for handle in handles:
            process = _own(handle)
            try:
                figures = procfs.cpu_and_rss(process.pid) if fast else _psutil_figures(process.info)
                if figures is None:
                    continue
                cpu_seconds, rss = figures
                tree = None
                if process.pid in with_tree:
                    descendants = process.info.children(recursive=True)
                    tree = rss + sum(_rss(child) for child in descendants)
                    for child in descendants:  # remembered for the sweep at the end of the run
                        process.seen_descendants.setdefault(child.pid, child)
            except psutil.Error:
                continue
            now = time.monotonic()
            previous, process.last_cpu = process.last_cpu, (cpu_seconds, now)
            share = 0.0
            if previous is not None and now > previous[1]:
                share = max(0.0, (cpu_seconds - previous[0]) / (now - previous[1]) * 100)
            samples[process.pid] = Sample(share, rss, tree)
        return samples

    @staticmethod
    def _remember_descendants(process: _Process) -> None:
        with contextlib.suppress(psutil.Error):
            for child in process.info.children(recursive=True):
                process.seen_descendants.setdefault(child.pid, child)


def _status_from_returncode(code: int) -> ExitStatus:
    return ExitStatus(code, signal_name(-code) if code < 0 else None)


def _kill(info: psutil.Process) -> int:
    try:
        if not info.is_running():
            return 0
        info.kill()
    except psutil.Error:
        return 0
    return 1


def _psutil_figures(info: psutil.Process) -> tuple[float, int]:
    with info.oneshot():
        times = info.cpu_times()
        return times.user + times.system, int(info.memory_info().rss)


def _rss(info: psutil.Process) -> int:
    try:
        return int(info.memory_info().rss)
    except psutil.Error:
        return 0
