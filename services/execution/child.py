"""One execution, in a child forked from the zygote: isolate, load the strategy fresh, run, report.

``main`` never returns: it reports one JSON object on the result pipe and ``os._exit``s. Order
matters: session and parent-death signal first (nothing may outlive the zygote), then the
descriptors (nothing of the zygote's, in particular not its socket to the host), the built
environment, the trader's file read (its folder may be closed by Landlock), the limits, Landlock,
seccomp, and the audit hook last, because the steps before it use what it refuses (``ctypes``).
Only then does any of the trader's code run. Everything here runs in the
child, which the test process's coverage cannot see: tests/integration/test_execution_engine.py
proves it from outside.
"""

from __future__ import annotations

import ctypes
import fcntl
import hashlib
import importlib.util
import inspect
import io
import linecache
import os
import resource
import signal
import sys
import tempfile
from pathlib import Path
from typing import Any

from services.execution import guard, outcome, sandbox

RESULT_FD = 3
_PR_SET_PDEATHSIG = 1
_HERE = str(Path(__file__).resolve().parent)


def _engine_frame(filename: str) -> bool:
    return filename.startswith(_HERE)


def _detach(zygote_pid: int) -> None:  # pragma: no cover - the child runs it
    os.setsid()
    ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    if os.getppid() != zygote_pid:  # the zygote died before the line above: nobody to report to
        os._exit(70)
    signal.set_wakeup_fd(-1)
    for number in (signal.SIGCHLD, signal.SIGTERM, signal.SIGINT, signal.SIGPIPE):
        signal.signal(number, signal.SIG_DFL)


def _descriptors(out_fd: int, result_fd: int) -> None:  # pragma: no cover - the child runs it
    """0 = /dev/null, 1 and 2 = the output pipe, 3 = the result pipe; nothing else stays open."""
    # Move both pipes above the slots first, so no dup2 below overwrites the other's descriptor.
    out_fd = fcntl.fcntl(out_fd, fcntl.F_DUPFD, 10)
    result_fd = fcntl.fcntl(result_fd, fcntl.F_DUPFD, 10)
    devnull = os.open(os.devnull, os.O_RDONLY)
    os.dup2(devnull, 0)
    os.dup2(out_fd, 1)
    os.dup2(out_fd, 2)
    os.dup2(result_fd, RESULT_FD)
    os.closerange(RESULT_FD + 1, os.sysconf("SC_OPEN_MAX"))
    for name, fd in (("stdout", 1), ("stderr", 2)):
        # write_through: nothing waits in a buffer, so output up to a kill or an os._exit is kept.
        stream = io.TextIOWrapper(
            io.FileIO(fd, "w", closefd=False),
            encoding="utf-8",
            errors="backslashreplace",
            line_buffering=True,
            write_through=True,
        )
        setattr(sys, name, stream)
        setattr(sys, f"__{name}__", stream)
    stdin = io.TextIOWrapper(io.FileIO(0, "r", closefd=False), encoding="utf-8")
    sys.stdin = stdin
    setattr(sys, "__stdin__", stdin)  # noqa: B010 - typeshed marks it final; the zygote's is gone


def _environment(job: dict[str, Any]) -> None:  # pragma: no cover - the child runs it
    os.environ.clear()
    os.environ.update(job["env"])
    os.chdir(job["scratch"])
    tempfile.tempdir = job["scratch"]  # the zygote may have cached /tmp, which is not writable
    sys.dont_write_bytecode = True
    numpy = sys.modules.get("numpy")
    if numpy is not None:
        numpy.random.seed()  # a forked child would otherwise repeat the zygote's random stream


def _log_line(message: object) -> None:
    text = str(message)
    os.write(1, (text if text.endswith("\n") else text + "\n").encode("utf-8", "backslashreplace"))


def _is_strategy(candidate: object, module_name: str) -> bool:
    if not isinstance(candidate, type) or candidate.__module__ != module_name:
        return False
    bases = candidate.__mro__[1:]
    return any(base.__name__ == "BaseStrategy" for base in bases) and not inspect.isabstract(candidate)


def _load_class(job: dict[str, Any], source: bytes) -> type:
    path, name = job["file"], job["module"]
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None:
        raise ImportError(f"cannot load {path}")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    text = source.decode("utf-8", "replace")
    linecache.cache[path] = (len(text), None, text.splitlines(keepends=True), path)
    sys.path.insert(0, str(Path(path).parent))  # as `python file.py`: its siblings import
    exec(compile(source, path, "exec", dont_inherit=True), module.__dict__)  # noqa: S102 - the point
    found: list[type] = sorted(
        (value for value in vars(module).values() if _is_strategy(value, name)), key=lambda c: c.__name__
    )
    wanted = job.get("class")
    if wanted:
        for candidate in found:
            if candidate.__name__ == wanted:
                return candidate
        raise LookupError(f"{Path(path).name} defines no strategy class named {wanted}")
    if not found:
        raise LookupError(f"{Path(path).name} defines no BaseStrategy subclass")
    if len(found) > 1:
        names = ", ".join(c.__name__ for c in found)
        raise LookupError(f"{Path(path).name} defines {len(found)} strategies ({names}): choose one")
    return found[0]


def _run(job: dict[str, Any], source: bytes) -> dict[str, Any]:
    strategy_class = _load_class(job, source)
    info = {"class": strategy_class.__name__}
    config = job["config"]
    if job["kind"] == "validate":
        config = dict(getattr(strategy_class, "parameters", {}) or {})
    instance = strategy_class(job["token"], config, host=job["host"], payload=job["payload"], log=_log_line)
    if job["kind"] == "validate":
        return {"status": "succeeded", "signals": [], "info": info}
    signals = outcome.to_signals(instance.execute())
    return {"status": "succeeded", "signals": signals, "info": info}


def _report(report: dict[str, Any]) -> None:  # pragma: no cover - the child runs it
    import json  # noqa: PLC0415 - already loaded by the zygote; named here for clarity

    try:
        data = json.dumps(report, allow_nan=False).encode("utf-8")
    except (TypeError, ValueError) as error:
        failed = outcome.failure("BadReturn", f"the result could not be sent: {error}")
        data = json.dumps({"status": "failed", "error": failed}).encode("utf-8")
    view = memoryview(data)
    while view:
        view = view[os.write(RESULT_FD, view) :]


def _memory_error(job: dict[str, Any]) -> dict[str, str]:
    message = f"memory limit of {job['memory_mb']} MB exceeded (an allocation failed)"
    return outcome.failure("MemoryError", message)


def main(job: dict[str, Any], out_fd: int, result_fd: int, zygote_pid: int) -> None:  # pragma: no cover
    """The child's whole life. Never returns."""
    code = 0
    try:
        _detach(zygote_pid)
        _descriptors(out_fd, result_fd)
        _environment(job)
        source = Path(job["file"]).read_bytes()  # read before Landlock: its folder may be closed
        if job.get("sha256") and hashlib.sha256(source).hexdigest() != job["sha256"]:
            raise RuntimeError("the file changed while it was being checked; check it again")
        sandbox.apply_limits(job["timeout_s"])
        sandbox.confine(
            job["private"],
            job["scratch"],
            memory_mb=job["memory_mb"],
            landlock=job["landlock"],
            tcp_ports=job["tcp_ports"],
            seccomp=job["seccomp"],
        )
        guard.Guard(job["private"], job["tcp_ports"]).install()
        try:
            report = _run(job, source)
        except MemoryError:
            report = {"status": "failed", "error": _memory_error(job)}
        except outcome.BadReturn as error:
            report = {"status": "failed", "error": outcome.failure("BadReturn", str(error))}
        except BaseException as error:
            report = {"status": "failed", "error": outcome.error_info(error, _engine_frame)}
        report["maxrss_kb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        _report(report)
    except BaseException as error:
        code = 71
        try:
            failed = outcome.error_info(error, _engine_frame)
            failed["message"] = f"the execution could not be set up: {failed['message']}"
            _report({"status": "failed", "error": failed})
        except BaseException:  # noqa: S110 - nothing more can be done; the exit code tells
            pass
    finally:
        os._exit(code)
