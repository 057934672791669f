"""The execution engine with real processes: a warm zygote forks one confined child per execution.

Every hostile strategy below ends as a failed or timed-out execution with a reason a trader can
read, and the next execution on the same engine succeeds. Durations are the engine's own
measurements (the zygote's monotonic clock), never the test's wall clock."""

from __future__ import annotations

import os
import signal
import sqlite3
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import psutil
import pytest

from services.errors import Unavailable
from services.execution.contract import ExecutionRequest, ExecutionResult
from services.execution.engine import ExecutionEngine
from tests.support.execution import HOST_URL, engine_config, strategy

HOST_SECRET = "host-secret-4b1d2c"  # a planted fake
TRIVIAL = strategy(
    """
    print("printed")
    self.log("logged")
    return ["RELIANCE", {"symbol": "TCS", "action": "SELL", "quantity": 2}]
    """
)

#: Reads a database in C (sqlite3 opens its file unseen by the audit hook).
SQLITE_PROBE = """
import sqlite3
connection = sqlite3.connect(URI, uri=True)
return [str(connection.execute("select count(*) from sqlite_master").fetchall())]
"""


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("execution")


@pytest.fixture(scope="module")
def engine(base: Path) -> Iterator[ExecutionEngine]:
    os.environ["OPENALGO_TEST_HOST_SECRET"] = HOST_SECRET  # in the host's environment, on purpose
    try:
        engine = ExecutionEngine(engine_config(base))
    finally:
        del os.environ["OPENALGO_TEST_HOST_SECRET"]
    engine.start()
    engine.wait_ready(60)
    yield engine
    engine.stop()


@pytest.fixture
def user_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "user_strategies"
    folder.mkdir()
    return folder


class Runner:
    def __init__(self, engine: ExecutionEngine, base: Path, folder: Path) -> None:
        self.engine = engine
        self.base = base
        self.folder = folder
        self.count = 0

    def write(self, source: str, name: str = "probe.py") -> Path:
        path = self.folder / name
        path.write_text(source)
        return path

    def run(
        self, source: str | None = None, *, file: Path | None = None, **fields: object
    ) -> ExecutionResult:
        if file is None:
            self.count += 1
            file = self.write(source or TRIVIAL, f"probe_{self.count}.py")
        request: dict[str, object] = {
            "execution_id": f"exec-{self.count}-{os.getpid()}",
            "file": file,
            "strategy_class": None,
            "config": {},
            "payload": {},
            "api_token": "per-execution-token",
            "host_url": HOST_URL,
            "timeout_s": 10.0,
            "memory_mb": 256,
            "private_paths": engine_config(self.base).private_paths,
        }
        request.update(fields)
        return self.engine.run(ExecutionRequest(**request))  # type: ignore[arg-type]

    def healthy(self) -> None:
        """The engine still runs a trivial strategy."""
        result = self.run(TRIVIAL)
        assert result.status == "succeeded", result.error


@pytest.fixture
def runner(engine: ExecutionEngine, base: Path, user_dir: Path) -> Runner:
    return Runner(engine, base, user_dir)


def test_a_trivial_strategy_returns_its_signals_and_logs(runner: Runner) -> None:
    result = runner.run(TRIVIAL, payload={"symbol": "X"})

    assert result.status == "succeeded", result.error
    assert result.signals == ["RELIANCE", {"symbol": "TCS", "action": "SELL", "quantity": 2}]
    assert result.logs == "printed\nlogged\n"
    assert result.error is None
    assert result.duration_s > 0 and result.peak_rss_mb > 0


def test_the_strategy_gets_its_token_config_payload_and_signal_objects(runner: Runner) -> None:
    source = strategy(
        """
        import os
        return [
            Signal("INFY", "SELL"),
            {"api_key": self.api_key, "env_key": os.environ["OPENALGO_API_KEY"],
             "host": os.environ["OPENALGO_HOST"], "config": self.config, "payload": self.payload},
        ]
        """,
        header="from custom_strategies.base_strategy import Signal\n",
    )
    result = runner.run(source, config={"fast": 5}, payload={"alert": "go"})

    assert result.status == "succeeded", result.error
    assert result.signals[0] == {"symbol": "INFY", "action": "SELL"}
    assert result.signals[1] == {
        "api_key": "per-execution-token",
        "env_key": "per-execution-token",
        "host": HOST_URL,
        "config": {"fast": 5},
        "payload": {"alert": "go"},
    }


def test_an_edited_file_is_seen_by_the_next_run(runner: Runner) -> None:
    path = runner.write(strategy("return ['FIRST']"), "edited.py")
    assert runner.run(file=path).signals == ["FIRST"]

    path.write_text(strategy("return ['SECOND']"))
    assert runner.run(file=path).signals == ["SECOND"]


def test_an_infinite_loop_is_killed_at_its_timeout(runner: Runner) -> None:
    result = runner.run(strategy("while True:\n    pass"), timeout_s=2.0)

    assert result.status == "timed_out"
    assert result.error is not None and result.error["type"] == "TimeoutError"
    assert result.error["message"] == "the execution took longer than its 2 s limit and was stopped"
    assert abs(result.duration_s - 2.0) <= 1.0
    runner.healthy()


@pytest.mark.parametrize(
    "body",
    [
        "data = bytearray(10 * 1024 ** 3)\nreturn []",  # refused at once (RLIMIT_DATA)
        "chunks = []\nwhile True:\n    chunks.append(b'x' * (1 << 20))",  # resident memory, polled
    ],
    ids=["10GB-at-once", "growing"],
)
def test_a_huge_allocation_is_stopped_at_the_memory_ceiling(runner: Runner, body: str) -> None:
    result = runner.run(strategy(body), memory_mb=256)

    assert result.status == "failed"
    assert result.error is not None and result.error["type"] == "MemoryError"
    assert result.error["message"].startswith("memory limit of 256 MB exceeded")
    runner.healthy()


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("import os\nwhile True:\n    os.fork()", "may not start programs or processes (os.fork)"),
        (
            "import subprocess\nsubprocess.run(['true'])",
            "may not start programs or processes (subprocess.Popen)",
        ),
        ("import os\nos.system('true')", "may not start programs or processes (os.system)"),
        ("import ctypes\nctypes.string_at(0)", "may not call native code through ctypes (ctypes.string_at)"),
        (
            "import socket\nsocket.create_connection(('192.0.2.1', 80), timeout=5)",
            "may connect only to the OpenAlgo host (port 5000), not 192.0.2.1:80",
        ),
    ],
    ids=["fork-bomb", "subprocess", "os.system", "ctypes", "network"],
)
def test_programs_processes_native_code_and_the_network_are_refused(
    runner: Runner, body: str, message: str
) -> None:
    result = runner.run(strategy(body))

    assert result.status == "failed"
    assert result.error is not None and result.error["type"] == "PermissionError"
    assert message in result.error["message"]
    runner.healthy()


def test_a_fork_round_the_audit_hook_is_stopped_by_the_kernel(
    runner: Runner, engine: ExecutionEngine
) -> None:
    if not engine.capabilities["seccomp"] and not engine.capabilities["landlock_abi"]:
        pytest.skip("neither seccomp nor Landlock on this machine")
    # _posixsubprocess raises no audit event: seccomp refuses the fork, Landlock the exec.
    body = """
    import _posixsubprocess, os
    er, ew = os.pipe()
    pid = _posixsubprocess.fork_exec(
        [b"/bin/true"], [b"/bin/true"], True, (ew,), None, None, -1, -1, -1, -1, -1, -1, er, ew,
        True, False, -1, None, None, -1, -1, None, False)
    os.close(ew)
    failed = os.read(er, 100)
    os.waitpid(pid, 0)
    return [failed.decode()]
    """
    if sys.version_info[:2] != (3, 11):
        pytest.skip("fork_exec's arguments are CPython 3.11's")
    result = runner.run(strategy(body))

    if engine.capabilities["seccomp"]:
        assert result.status == "failed" and result.error is not None
        assert result.error["message"] == "[Errno 1] Operation not permitted"
    else:
        assert result.status == "succeeded" and result.signals[0].startswith("OSError")
    runner.healthy()


def test_the_hosts_private_files_are_refused(runner: Runner, base: Path, engine: ExecutionEngine) -> None:
    key = base / "data" / "keys" / ".encryption_key"
    result = runner.run(strategy(f"return [open({str(key)!r}).read()]"))

    assert result.status == "failed" and result.error is not None
    assert result.error["type"] == "PermissionError"
    assert f"may not access the host's private files ({key})" in result.error["message"]
    if engine.capabilities["landlock_abi"]:
        # sqlite3 opens its file in C, unseen by the audit hook: Landlock still says no.
        database = base / "data" / "db" / "openalgo.db"
        with sqlite3.connect(database) as connection:
            connection.execute("create table if not exists t (secret text)")
        uri = f"file:{database}?mode=ro"
        body = SQLITE_PROBE.replace("URI", repr(uri))
        result = runner.run(strategy(body))
        assert result.status == "failed" and result.error is not None
        assert result.error["message"] == "unable to open database file"
    runner.healthy()


def test_no_host_secret_reaches_the_strategy(runner: Runner, engine: ExecutionEngine) -> None:
    body = f"""
    import os
    print(os.environ)
    with open("/proc/self/environ", "rb") as handle:
        print(handle.read())
    try:
        with open("/proc/{os.getpid()}/environ", "rb") as handle:  # the host's own
            print(handle.read())
    except OSError as error:
        print("host environ:", type(error).__name__)
    return [dict(os.environ)]
    """
    result = runner.run(strategy(body))

    assert result.status == "succeeded", result.error
    assert HOST_SECRET not in result.logs and HOST_SECRET not in str(result.signals)
    assert "host environ: PermissionError" in result.logs
    assert set(result.signals[0]) <= {  # type: ignore[arg-type]
        "PATH",
        "LANG",
        "LANGUAGE",
        "LC_ALL",
        "LC_CTYPE",
        "TZ",
        "SSL_CERT_FILE",
        "SSL_CERT_DIR",
        "HOME",
        "TMPDIR",
        "OPENALGO_HOST",
        "OPENALGO_API_KEY",
        "OPENALGO_EXECUTION_ID",
        "OPENBLAS_NUM_THREADS",
        "OMP_NUM_THREADS",
        "MKL_NUM_THREADS",
    }


def test_a_flood_of_output_is_bounded(runner: Runner) -> None:
    body = """
    import sys
    line = "y" * 1023 + "\\n"
    for _ in range(100 * 1024):
        sys.stdout.write(line)
    print("the end")
    return ["done"]
    """
    result = runner.run(strategy(body), timeout_s=60)

    assert result.status == "succeeded", result.error
    assert result.signals == ["done"]
    assert len(result.logs) < 2 * 64 * 1024 + 200
    assert "bytes of output cut" in result.logs
    assert result.logs.startswith("y" * 1023) and result.logs.endswith("the end\n")


def test_raising_fails_with_type_message_and_traceback_tail(runner: Runner) -> None:
    body = """
    def deep():
        raise ValueError("no data for RELIANCE")
    deep()
    """
    result = runner.run(strategy(body))

    assert result.status == "failed" and result.error is not None
    assert result.error["type"] == "ValueError"
    assert result.error["message"] == "no data for RELIANCE"
    tail = result.error["traceback_tail"]
    assert tail.startswith("Traceback (most recent call last):")
    assert 'raise ValueError("no data for RELIANCE")' in tail
    assert "services/execution" not in tail  # the trader's frames, not the engine's
    runner.healthy()


@pytest.mark.parametrize(
    ("body", "kind", "message"),
    [
        (
            "return 42",
            "BadReturn",
            "execute() must return a list of signals (symbol strings, dicts, or objects with as_dict()), "
            "not int",
        ),
        ("return ['A', object()]", "BadReturn", "signal 1 is object"),
        (
            "import os\nos.write(3, b'garbage')\nos._exit(0)",
            "BadResult",
            "the strategy process sent an unreadable result",
        ),
        (
            "import os\nos._exit(3)",
            "Exited",
            "the strategy process exited with code 3 before returning a result",
        ),
        ("import sys\nsys.exit(2)", "SystemExit", "the strategy called sys.exit(2)"),
        (
            "import os, signal\nos.kill(os.getpid(), signal.SIGSEGV)",
            "Crashed",
            "the strategy process was killed by a segmentation fault (SIGSEGV) before returning a result",
        ),
    ],
    ids=["int", "object", "garbage-result", "os._exit", "sys.exit", "segfault"],
)
def test_bad_returns_exits_and_crashes_fail_with_a_reason(
    runner: Runner, body: str, kind: str, message: str
) -> None:
    result = runner.run(strategy(body))

    assert result.status == "failed" and result.signals == []
    assert result.error is not None and result.error["type"] == kind
    assert message in result.error["message"]
    runner.healthy()


def test_a_missing_class_or_a_broken_import_fails_clearly(runner: Runner) -> None:
    path = runner.write(strategy("return []", name="OnlyOne"), "one.py")
    result = runner.run(file=path, strategy_class="Other")
    assert (
        result.error is not None and result.error["message"] == "one.py defines no strategy class named Other"
    )

    result = runner.run("import no_such_module_here\n")
    assert result.error is not None and result.error["type"] == "ModuleNotFoundError"


def test_executions_run_side_by_side(runner: Runner, base: Path) -> None:
    # Each waits until it has seen the other one running: both succeed only if they ran at the
    # same time. Neither ends before the other has seen it (its scratch dir goes when it ends).
    scratch = {name: base / "work" / f"side-{name}" for name in ("a", "b")}
    results: dict[str, ExecutionResult] = {}

    def one(me: str, other: str) -> None:
        body = f"""
        import time
        from pathlib import Path
        other = Path({str(scratch[other])!r})

        def wait(condition):
            for _ in range(3000):
                if condition():
                    return True
                time.sleep(0.01)
            return False

        Path("started").touch()
        saw = wait(lambda: (other / "started").exists())
        Path("saw").touch()
        wait(lambda: (other / "saw").exists() or not other.exists())
        return ["{me} saw {other}" if saw else "alone"]
        """
        path = runner.write(strategy(body, name=f"Side{me.upper()}"), f"side_{me}.py")
        results[me] = runner.run(file=path, scratch_dir=scratch[me], execution_id=f"side-{me}", timeout_s=60)

    threads = [threading.Thread(target=one, args=pair) for pair in (("a", "b"), ("b", "a"))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(90)

    assert results["a"].signals == ["a saw b"] and results["b"].signals == ["b saw a"]
    assert not scratch["a"].exists() and not scratch["b"].exists()  # scratch dirs go with the run


def test_the_zygote_imports_no_web_stack(engine: ExecutionEngine) -> None:
    info = engine.info()
    modules = set(info["modules"])

    assert info["threads"] == 1
    assert {"pandas", "numpy", "openalgo", "custom_strategies.base_strategy"} <= modules
    assert not {name for name in modules if name.split(".")[0] in {"flask", "werkzeug", "sqlalchemy"}}
    ours = {name for name in modules if name.startswith("services.")}
    assert ours <= {
        "services.confinement",
        "services.execution",
        *(
            f"services.execution.{name}"
            for name in (
                "child",
                "filters",
                "guard",
                "outcome",
                "output",
                "processes",
                "protocol",
                "sandbox",
                "verdict",
                "zygote",
            )
        ),
    }


def test_a_killed_zygote_is_restarted_and_a_run_in_flight_fails_clearly(
    runner: Runner, engine: ExecutionEngine
) -> None:
    results: list[ExecutionResult] = []
    slow = runner.write(strategy("import time\ntime.sleep(60)\nreturn []"), "slow.py")
    worker = threading.Thread(target=lambda: results.append(runner.run(file=slow, timeout_s=120)))
    worker.start()
    pid = engine.info()["pid"]
    while engine.info()["running"] == 0:  # the slow run has been forked
        threading.Event().wait(0.05)

    os.kill(pid, signal.SIGKILL)
    worker.join(60)

    assert results[0].status == "failed" and results[0].error is not None
    assert results[0].error["type"] == "WorkerLost"
    runner.healthy()  # waits for the new zygote
    assert engine.info()["pid"] != pid and engine.restarts >= 1


def test_validation_imports_and_instantiates_without_executing(
    runner: Runner, engine: ExecutionEngine
) -> None:
    good = runner.write(strategy("raise RuntimeError('execute() was called')"), "valid.py")
    verdict = engine.validate(good)
    assert verdict.valid and verdict.strategy_class == "Probe" and verdict.error is None
    assert engine.validate(good) is verdict  # cached by content

    two = runner.write(strategy("return []", name="A") + strategy("return []", name="B"), "two.py")
    assert not engine.validate(two).valid
    assert "choose one" in str(engine.validate(two).error)
    assert engine.validate(two, "B").valid

    broken = runner.write("import no_such_module_here\n", "broken.py")
    assert engine.validate(broken).error is not None
    assert engine.validate(broken).error["type"] == "ModuleNotFoundError"  # type: ignore[index]

    # Its top level runs confined: it may write only to its scratch dir.
    marker = runner.folder / "MARKER"
    planted = runner.write(f"open({str(marker)!r}, 'w').write('ran')\n" + strategy("return []"), "planted.py")
    assert not engine.validate(planted).valid
    assert not marker.exists()


def test_no_user_module_is_ever_loaded_in_this_process(runner: Runner) -> None:
    runner.healthy()
    folder = str(runner.folder)

    assert not [name for name in sys.modules if name.startswith("openalgo_strategy_")]
    assert not [
        name
        for name, module in list(sys.modules.items())
        if str(getattr(module, "__file__", "") or "").startswith(folder)
    ]


def test_an_engine_whose_worker_cannot_start_refuses_runs(tmp_path: Path) -> None:
    engine = ExecutionEngine(engine_config(tmp_path, python="/bin/false", restart_wait_s=1.0))
    engine.start()
    try:
        runner = Runner(engine, tmp_path, tmp_path)
        with pytest.raises(Unavailable):
            runner.run(TRIVIAL)
    finally:
        engine.stop()
    with pytest.raises(Unavailable):  # stopped: refused at once
        Runner(engine, tmp_path, tmp_path).run(TRIVIAL)


def test_stopping_the_engine_ends_a_run_in_flight(tmp_path: Path) -> None:
    engine = ExecutionEngine(engine_config(tmp_path))
    engine.start()
    runner = Runner(engine, tmp_path, tmp_path)
    slow = runner.write(strategy("import time\ntime.sleep(60)\nreturn []"), "slow.py")
    results: list[ExecutionResult] = []
    worker = threading.Thread(target=lambda: results.append(runner.run(file=slow, timeout_s=120)))
    worker.start()
    while engine.info()["running"] == 0:
        threading.Event().wait(0.05)
    pid = engine.info()["pid"]

    engine.stop()
    worker.join(60)

    assert results[0].status == "failed" and results[0].error is not None
    assert results[0].error["message"] == "the execution engine stopped; the execution did not finish"
    assert not psutil.pid_exists(pid) or psutil.Process(pid).status() == psutil.STATUS_ZOMBIE


def _gone(pid: int) -> bool:
    return not psutil.pid_exists(pid) or psutil.Process(pid).status() == psutil.STATUS_ZOMBIE


#: Forks round the audit hook (without seccomp, _posixsubprocess forks unseen by it; its preexec_fn
#: runs Python in a new session and never reaches the exec Landlock would refuse).
ESCAPE = """
import _posixsubprocess, os, time
er, ew = os.pipe()
pid = _posixsubprocess.fork_exec(
    [b"/bin/true"], [b"/bin/true"], True, (ew,), None, None, -1, -1, -1, -1, -1, -1, er, ew,
    True, True, -1, None, None, -1, -1, lambda: time.sleep(120), False)
while os.getpgid(pid) == os.getpgrp():  # until it has left the run's group (setsid)
    time.sleep(0.01)
return [str(pid)]
"""


@pytest.mark.skipif(sys.version_info[:2] != (3, 11), reason="fork_exec's arguments are CPython 3.11's")
def test_a_process_escaping_a_run_is_killed_after_it(tmp_path: Path) -> None:
    engine = ExecutionEngine(engine_config(tmp_path, seccomp=False))
    engine.start()
    try:
        runner = Runner(engine, tmp_path, tmp_path)
        result = runner.run(strategy(ESCAPE))
        assert result.status == "succeeded", result.error
        escaped = int(result.signals[0])  # type: ignore[arg-type]
        for _ in range(200):  # the zygote's sweep comes ~0.5 s after the run
            if _gone(escaped):
                break
            threading.Event().wait(0.05)
        assert _gone(escaped)
        runner.healthy()

        result = runner.run(strategy(ESCAPE))  # and when the engine stops before the sweep
        escaped = int(result.signals[0])  # type: ignore[arg-type]
    finally:
        engine.stop()
    for _ in range(100):
        if _gone(escaped):
            break
        threading.Event().wait(0.05)
    assert _gone(escaped)
