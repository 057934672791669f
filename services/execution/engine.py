"""``ExecutionEngine``: runs custom strategies in children of a warm zygote (a BackgroundService).

``start()`` launches the zygote in a supervisor thread, which starts another whenever it dies
(backing off if it keeps dying); ``stop()`` ends it, and with it every running child. ``run`` and
``validate`` are blocking and thread-safe: each builds the child's job (its environment from
scratch: no variable of the host's but PATH, locale and time zone), sends it, and waits. A run
that finds no zygote waits for one up to ``restart_wait_s``; one whose zygote dies under it ends
``failed`` (its child died with the zygote). Where each limit is enforced: docs/DEVELOPING.md.
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
import secrets
import shutil
import sys
import threading
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast
from urllib.parse import urlsplit

from services import confinement
from services.clock import Clock, SystemClock
from services.errors import InvalidInput, Unavailable
from services.execution import filters
from services.execution.contract import (
    DEFAULT_MEMORY_MB,
    ExecutionRequest,
    ExecutionResult,
    Status,
    Validation,
)
from services.execution.outcome import failure
from services.execution.worker import WorkerLost, ZygoteProcess

log = logging.getLogger(__name__)

PROJECT_ROOT = Path(__file__).resolve().parents[2]
PRELOAD = ("numpy", "pandas", "openalgo", "custom_strategies.base_strategy")
#: Host variables a child (and the zygote) may see: enough for programs, locale and time zone.
INHERITED = ("PATH", "LANG", "LANGUAGE", "LC_ALL", "LC_CTYPE", "TZ", "SSL_CERT_FILE", "SSL_CERT_DIR")
THREADS_ONE = {"OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
VALIDATIONS_KEPT = 512
#: A zygote that lived this long is restarted at once when it dies; younger ones back off.
STABLE_S = 30.0
_UNSAFE = re.compile(r"[^A-Za-z0-9_]")


@dataclass(frozen=True)
class EngineConfig:
    """How the engine runs. ``scratch_root``: where per-execution scratch dirs are made (outside
    DATA_DIR's private folders). ``import_paths`` come before the project on the zygote's
    ``sys.path`` (tests put a stand-in ``custom_strategies`` there)."""

    scratch_root: Path
    private_paths: tuple[Path, ...] = ()
    host_url: str = "http://127.0.0.1:5000"
    python: str = sys.executable
    import_paths: tuple[Path, ...] = ()
    preload: tuple[str, ...] = PRELOAD
    landlock: bool = True
    seccomp: bool = True
    validation_timeout_s: float = 30.0
    validation_memory_mb: int = DEFAULT_MEMORY_MB
    #: How long a run waits for a (re)starting zygote before it is refused (Unavailable).
    restart_wait_s: float = 30.0
    start_timeout_s: float = 60.0
    #: How long past its timeout the host waits for the zygote's reply before it gives up on it.
    reply_grace_s: float = 15.0
    #: Executions at once; more wait for a slot up to ``slot_wait_s``.
    max_running: int = 8
    slot_wait_s: float = 60.0
    environ: Mapping[str, str] = field(default_factory=lambda: dict(os.environ), repr=False)


class ExecutionEngine:
    name = "execution"

    def __init__(self, config: EngineConfig, clock: Clock | None = None) -> None:
        self._config = config
        self._clock = clock or SystemClock()
        self._abi = confinement.landlock_abi() if config.landlock else 0
        self._seccomp = config.seccomp and filters.seccomp_supported()
        self._cond = threading.Condition()
        self._zygote: ZygoteProcess | None = None
        self._stopping = False
        self._thread: threading.Thread | None = None
        self._slots = threading.BoundedSemaphore(config.max_running)
        self._validations: OrderedDict[tuple[str, str | None], Validation] = OrderedDict()
        self._validations_lock = threading.Lock()
        self.restarts = 0

    # BackgroundService -----------------------------------------------------------------------------
    def start(self) -> None:
        with self._cond:
            if self._thread is not None:
                return
            self._stopping = False
            self._thread = threading.Thread(target=self._supervise, name="execution-zygote", daemon=True)
            self._thread.start()

    def stop(self) -> None:
        with self._cond:
            self._stopping = True
            zygote, self._zygote = self._zygote, None
            thread, self._thread = self._thread, None
            self._cond.notify_all()
        if zygote is not None:
            zygote.stop()
        if thread is not None:
            thread.join(timeout=10)

    def wait_ready(self, timeout_s: float) -> ZygoteProcess:
        """The running zygote, waiting up to ``timeout_s`` for one; ``Unavailable`` if none."""
        deadline = self._clock.monotonic() + timeout_s
        with self._cond:
            while True:
                zygote = self._zygote
                if zygote is not None and zygote.alive:
                    return zygote
                left = deadline - self._clock.monotonic()
                if self._stopping or self._thread is None or left <= 0:
                    raise Unavailable("The strategy execution engine is not running; try again shortly.")
                self._cond.wait(min(left, 0.5))

    @property
    def capabilities(self) -> dict[str, Any]:
        """For the strategy page: which boundaries are in force on this machine."""
        layers = ["audit hook (a guard, not a boundary)", "resource limits"]
        if self._seccomp:
            layers.insert(0, "seccomp (no fork, exec or ptrace)")
        if self._abi:
            layers.insert(0, f"Landlock ABI {self._abi}")
        return {"landlock_abi": self._abi, "seccomp": self._seccomp, "layers": layers}

    def info(self, timeout_s: float = 10.0) -> dict[str, Any]:
        """The zygote's pid, threads and loaded modules (``sys.modules``), as it reports them."""
        zygote = self.wait_ready(self._config.restart_wait_s)
        waiter = zygote.submit(f"info-{secrets.token_hex(4)}", {"op": "info"})
        reply = waiter.wait(timeout_s)
        if reply is None:
            raise Unavailable("The execution worker did not answer.")
        return reply

    def _supervise(self) -> None:
        """Keep one zygote running: start it, wait for it to die, start another (backing off
        while they keep dying young)."""
        backoff = 0.0
        while self._wait_until_needed(backoff):
            zygote = self._spawn()
            if zygote is None:
                backoff = _next_backoff(backoff)
                continue
            with self._cond:
                installed = not self._stopping_now()
                if installed:
                    if self._zygote is not None:
                        self.restarts += 1
                    self._zygote = zygote
                    self._cond.notify_all()
            if not installed:
                zygote.stop()
                return
            log.info("Strategy execution worker %s ready", zygote.pid)
            born = self._clock.monotonic()
            if not self._wait_until_needed(0.0):
                return
            backoff = 0.0 if self._clock.monotonic() - born >= STABLE_S else _next_backoff(backoff)

    def _stopping_now(self) -> bool:
        return self._stopping

    def _wait_until_needed(self, delay_s: float) -> bool:
        """Wait ``delay_s``, then while the zygote lives; False when the engine is stopping."""
        with self._cond:
            if delay_s:
                self._cond.wait_for(self._stopping_now, delay_s)
            while not self._stopping_now() and self._zygote is not None and self._zygote.alive:
                self._cond.wait(1.0)  # a dying zygote wakes us through on_lost; 1 s as a backstop
            return not self._stopping_now()

    def _spawn(self) -> ZygoteProcess | None:
        try:
            return ZygoteProcess.spawn(
                python=self._config.python,
                sys_path=(*self._config.import_paths, PROJECT_ROOT),
                preload=self._config.preload,
                env=self._zygote_env(),
                start_timeout_s=self._config.start_timeout_s,
                on_lost=self._lost,
            )
        except (OSError, WorkerLost) as error:
            log.error("The strategy execution worker could not start: %s", error)
            return None

    def _lost(self, zygote: ZygoteProcess) -> None:
        with self._cond:
            self._cond.notify_all()

    # Runs ------------------------------------------------------------------------------------------
    def run(self, request: ExecutionRequest) -> ExecutionResult:
        """Run ``execute()`` of ``request``'s strategy in a fresh child and return how it ended."""
        request.check()
        scratch = request.scratch_dir or self._scratch(request.execution_id)
        job = self._job(request, scratch)
        reply = self._submit(request.execution_id, job, request.timeout_s, scratch)
        return _result(request.execution_id, reply)

    def validate(self, file: Path, strategy_class: str | None = None) -> Validation:
        """Import ``file`` and instantiate its class with its defaults in a child (no ``execute()``)."""
        try:
            source = file.read_bytes()
        except OSError as error:
            raise InvalidInput("Unreadable strategy file.", fields={"strategy_file": str(error)}) from None
        digest = hashlib.sha256(source).hexdigest()
        key = (digest, strategy_class)
        with self._validations_lock:
            if key in self._validations:
                self._validations.move_to_end(key)
                return self._validations[key]
        execution_id = f"validate-{digest[:16]}-{secrets.token_hex(4)}"
        request = ExecutionRequest(
            execution_id=execution_id,
            file=file,
            strategy_class=strategy_class,
            config={},
            payload={},
            api_token="",
            host_url=self._config.host_url,
            timeout_s=self._config.validation_timeout_s,
            memory_mb=self._config.validation_memory_mb,
            private_paths=self._config.private_paths,
        )
        scratch = self._scratch(execution_id)
        job = {**self._job(request, scratch), "kind": "validate", "sha256": digest}
        reply = self._submit(execution_id, job, request.timeout_s, scratch)
        valid = reply.get("status") == "succeeded"
        info = reply.get("info") or {}
        checked = info.get("class") if valid else strategy_class
        verdict = Validation(valid, checked, None if valid else reply.get("error"), digest)
        with self._validations_lock:
            self._validations[key] = verdict
            while len(self._validations) > VALIDATIONS_KEPT:
                self._validations.popitem(last=False)
        return verdict

    def _submit(
        self, execution_id: str, job: dict[str, Any], timeout_s: float, scratch: Path
    ) -> dict[str, Any]:
        if not self._slots.acquire(timeout=self._config.slot_wait_s):
            raise Unavailable("Too many strategy executions are running; try again shortly.")
        try:
            zygote = self.wait_ready(self._config.restart_wait_s)
            scratch.mkdir(parents=True, exist_ok=True, mode=0o700)
            try:
                waiter = zygote.submit(execution_id, {"op": "run", "job": job})
                reply = waiter.wait(timeout_s + self._config.reply_grace_s)
            except WorkerLost as error:
                return _lost_reply(str(error))
            finally:
                shutil.rmtree(scratch, ignore_errors=True)
            if reply is None:
                # The zygote enforces every deadline; not hearing from it means it is stuck.
                zygote.forget(execution_id)
                log.error(
                    "Execution worker %s did not answer for %s: restarting it", zygote.pid, execution_id
                )
                zygote.kill()
                return _lost_reply("the execution worker did not answer in time")
            return reply
        finally:
            self._slots.release()

    def _job(self, request: ExecutionRequest, scratch: Path) -> dict[str, Any]:
        config = _json_object(request.config, "strategy_config")
        payload = _json_object(request.payload, "payload")
        env = self._child_env(request, scratch)
        return {
            "kind": "execute",
            "file": str(request.file),
            "module": f"openalgo_strategy_{_safe(request.execution_id)}",
            "class": request.strategy_class,
            "config": config,
            "payload": payload,
            "token": request.api_token,
            "host": request.host_url,
            "env": env,
            "private": [str(path) for path in request.private_paths],
            "scratch": str(scratch),
            "timeout_s": request.timeout_s,
            "memory_mb": request.memory_mb,
            "landlock": self._abi > 0,
            "seccomp": self._seccomp,
            "tcp_ports": sorted({_port(request.host_url), *request.tcp_ports}),
        }

    def _scratch(self, execution_id: str) -> Path:
        return self._config.scratch_root / f"exec-{_safe(execution_id)}-{secrets.token_hex(4)}"

    def _zygote_env(self) -> dict[str, str]:
        environ = self._config.environ
        env = {name: environ[name] for name in INHERITED if name in environ}
        env.setdefault("PATH", "/usr/local/bin:/usr/bin:/bin")
        env.setdefault("LANG", "C.UTF-8")
        return {**env, **THREADS_ONE, "HOME": str(self._config.scratch_root)}

    def _child_env(self, request: ExecutionRequest, scratch: Path) -> dict[str, str]:
        return {
            **self._zygote_env(),
            "HOME": str(scratch),
            "TMPDIR": str(scratch),
            "OPENALGO_HOST": request.host_url,
            "OPENALGO_API_KEY": request.api_token,
            "OPENALGO_EXECUTION_ID": request.execution_id,
        }


def _json_object(value: Mapping[str, Any], name: str) -> dict[str, Any]:
    import json  # noqa: PLC0415 - only to prove it serialises before it reaches the zygote

    try:
        json.dumps(dict(value), allow_nan=False)
    except (TypeError, ValueError) as error:
        raise InvalidInput(f"Invalid {name}.", fields={name: f"must be JSON ({error})"}) from None
    return dict(value)


def _next_backoff(backoff: float) -> float:
    return min(10.0, max(0.5, backoff * 2))


def _port(url: str) -> int:
    parts = urlsplit(url)
    try:
        port = parts.port
    except ValueError:
        port = None
    return port or (443 if parts.scheme == "https" else 80)


def _safe(text: str) -> str:
    return _UNSAFE.sub("_", text)[:64]


def _lost_reply(reason: str) -> dict[str, Any]:
    error = failure("WorkerLost", f"{reason}; the execution did not finish")
    return {
        "status": "failed",
        "signals": [],
        "logs": "",
        "error": error,
        "duration_s": 0.0,
        "peak_rss_mb": 0.0,
    }


def _result(execution_id: str, reply: dict[str, Any]) -> ExecutionResult:
    status = reply.get("status")
    if status not in ("succeeded", "failed", "timed_out"):
        status = "failed"
    return ExecutionResult(
        execution_id=execution_id,
        status=cast(Status, status),
        signals=list(reply.get("signals") or []),
        logs=str(reply.get("logs") or ""),
        error=reply.get("error"),
        duration_s=float(reply.get("duration_s") or 0.0),
        peak_rss_mb=float(reply.get("peak_rss_mb") or 0.0),
    )
