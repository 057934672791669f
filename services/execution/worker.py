"""The host's handle on one zygote process: spawn it, send it frames, wait for its replies.

``ZygoteProcess.spawn`` starts ``python -I`` (no ``PYTHON*`` variables, no user site) with a
bootstrap that puts the project on ``sys.path`` and calls ``zygote.main``, a socket pair between
them and a built environment. One reader thread takes every reply and hands it to the caller
waiting for that id; when the zygote goes away (crash, kill, end of the socket) every waiter gets
``WorkerLost`` and ``on_lost`` is called, so the engine can start another.
"""

from __future__ import annotations

import contextlib
import json
import logging
import socket
import subprocess
import threading
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from services.execution import protocol

log = logging.getLogger(__name__)

BOOTSTRAP = (
    "import sys; sys.path[:0] = {paths!r}; from services.execution.zygote import main; main(sys.argv[1])"
)


class WorkerLost(Exception):
    """The zygote went away before it answered."""


class _Waiter:
    def __init__(self) -> None:
        self._event = threading.Event()
        self._reply: dict[str, Any] | None = None
        self._lost: str | None = None

    def set(self, reply: dict[str, Any]) -> None:
        self._reply = reply
        self._event.set()

    def lose(self, reason: str) -> None:
        self._lost = reason
        self._event.set()

    def wait(self, timeout_s: float) -> dict[str, Any] | None:
        """The reply; None when none came in time; ``WorkerLost`` when the zygote went away."""
        if not self._event.wait(timeout_s):
            return None
        if self._reply is None:
            raise WorkerLost(self._lost or "the execution worker stopped")
        return self._reply


class ZygoteProcess:
    def __init__(self, popen: subprocess.Popen[bytes], sock: socket.socket, ready: dict[str, Any]) -> None:
        self._popen = popen
        self._sock = sock
        self.ready = ready
        self._send_lock = threading.Lock()
        self._lock = threading.Lock()
        self._waiters: dict[str, _Waiter] = {}
        self._lost: str | None = None
        self._on_lost: Callable[[ZygoteProcess], None] = lambda _: None
        self._reader = threading.Thread(
            target=self._read_replies, name="execution-zygote-reader", daemon=True
        )

    @classmethod
    def spawn(
        cls,
        *,
        python: str,
        sys_path: Sequence[Path],
        preload: Sequence[str],
        env: Mapping[str, str],
        start_timeout_s: float,
        on_lost: Callable[[ZygoteProcess], None],
    ) -> ZygoteProcess:
        """Start a zygote and wait until it has imported its modules and says it is ready."""
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
        config = json.dumps({"fd": theirs.fileno(), "preload": list(preload)})
        bootstrap = BOOTSTRAP.format(paths=[str(path) for path in sys_path])
        try:
            popen = subprocess.Popen(
                [python, "-I", "-c", bootstrap, config],
                env=dict(env),
                cwd="/",
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                pass_fds=(theirs.fileno(),),
                start_new_session=True,  # not in the host's process group: a terminal's ^C is the host's
                close_fds=True,
            )
        except BaseException:
            ours.close()
            raise
        finally:
            theirs.close()
        try:
            ours.settimeout(start_timeout_s)
            ready = protocol.read_frame(ours)
            if ready is None or ready.get("op") != "ready":
                raise WorkerLost(f"the execution worker did not start (exit code {popen.poll()})")
            ours.settimeout(None)
        except (OSError, protocol.ProtocolError, WorkerLost):
            ours.close()
            _kill(popen)
            raise
        zygote = cls(popen, ours, ready)
        zygote._on_lost = on_lost
        zygote._reader.start()
        return zygote

    @property
    def pid(self) -> int:
        return self._popen.pid

    @property
    def alive(self) -> bool:
        return self._lost is None and self._popen.poll() is None

    def submit(self, message_id: str, message: dict[str, Any]) -> _Waiter:
        """Send one request; its reply comes to the returned waiter."""
        waiter = _Waiter()
        with self._lock:
            if self._lost is not None:
                raise WorkerLost(self._lost)
            self._waiters[message_id] = waiter
        try:
            with self._send_lock:
                protocol.send_frame(self._sock, {**message, "id": message_id})
        except OSError as error:
            self._lose(f"the execution worker could not be reached ({error})")
        return waiter

    def forget(self, message_id: str) -> None:
        with self._lock:
            self._waiters.pop(message_id, None)

    def _read_replies(self) -> None:
        reason = "the execution worker stopped"
        try:
            while True:
                reply = protocol.read_frame(self._sock)
                if reply is None:
                    break
                with self._lock:
                    waiter = self._waiters.pop(str(reply.get("id")), None)
                if waiter is not None:
                    waiter.set(reply)
        except (OSError, protocol.ProtocolError) as error:
            reason = f"the execution worker's connection failed ({error})"
        code = self._popen.poll()
        if code is not None and code < 0:
            reason += f" (killed by signal {-code})"
        self._lose(reason)

    def _lose(self, reason: str, expected: bool = False) -> None:
        with self._lock:
            if self._lost is not None:
                return
            self._lost = reason
            waiters, self._waiters = self._waiters, {}
        for waiter in waiters.values():
            waiter.lose(reason)
        if not expected:
            log.warning("Execution zygote %s: %s", self._popen.pid, reason)
        self._on_lost(self)

    def stop(self, grace_s: float = 5.0) -> None:
        """Ask the zygote to end (it kills its children's groups), SIGKILL it after ``grace_s``."""
        self._lose("the execution engine stopped", expected=True)
        with contextlib.suppress(OSError), self._send_lock:
            protocol.send_frame(self._sock, {"op": "stop", "id": "stop"})
        try:
            self._popen.wait(timeout=grace_s)
        except subprocess.TimeoutExpired:
            _kill(self._popen)
        with contextlib.suppress(OSError):
            self._sock.shutdown(socket.SHUT_RDWR)
        self._sock.close()
        if self._reader.is_alive() and self._reader is not threading.current_thread():
            self._reader.join(timeout=grace_s)

    def kill(self) -> None:
        """SIGKILL the zygote (its children die with it: parent-death signal)."""
        _kill(self._popen)


def _kill(popen: subprocess.Popen[bytes]) -> None:
    with contextlib.suppress(ProcessLookupError):
        popen.kill()
    with contextlib.suppress(subprocess.TimeoutExpired):
        popen.wait(timeout=5)
