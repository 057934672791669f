"""The pure parts of the execution room, in-process: what the zygote and its children decide
(signals, errors, verdicts, capped output, the audit guard's refusals, the seccomp program) is
checked here; tests/integration/test_execution_engine.py proves it with real processes."""

from __future__ import annotations

import ast
import errno
import json
import signal
import socket
from dataclasses import dataclass
from pathlib import Path

import pytest

from services.errors import InvalidInput
from services.execution import filters, lint, protocol
from services.execution.contract import ExecutionRequest
from services.execution.discovery import Discovery
from services.execution.guard import Guard
from services.execution.outcome import BadReturn, error_info, to_signals
from services.execution.output import CappedOutput
from services.execution.paths import StrategyRoot, StrategyRoots
from services.execution.verdict import Exit, verdict


# execute()'s return value -----------------------------------------------------------------------------
@dataclass(frozen=True)
class _Signal:
    symbol: str

    def as_dict(self) -> dict[str, str]:
        return {"symbol": self.symbol, "action": "BUY"}


def test_signals_keep_strings_and_dicts_and_convert_objects() -> None:
    returned = ["RELIANCE", {"symbol": "TCS", "action": "SELL"}, _Signal("INFY")]

    assert to_signals(returned) == [
        "RELIANCE",
        {"symbol": "TCS", "action": "SELL"},
        {"symbol": "INFY", "action": "BUY"},
    ]
    assert to_signals(()) == []


@pytest.mark.parametrize(
    ("returned", "said"),
    [
        (None, "not NoneType"),
        (42, "not int"),
        ("RELIANCE", "not str"),
        (["A", 1.5], "signal 1 is float"),
        ([{"x": object()}], "a signal holds a value that is not JSON"),
        ([{"price": float("nan")}], "a signal holds a value that is not JSON"),
    ],
)
def test_anything_else_is_refused_with_the_rule(returned: object, said: str) -> None:
    with pytest.raises(BadReturn) as refused:
        to_signals(returned)
    assert str(refused.value).startswith("execute() must return a list of signals")
    assert said in str(refused.value)


def test_an_error_keeps_type_message_and_the_end_of_the_traceback() -> None:
    def inner() -> None:
        raise ValueError("boom " * 1000)

    try:
        inner()
    except ValueError as raised:
        info = error_info(raised, hidden=lambda name: False)
        hidden = error_info(raised, hidden=lambda name: name == __file__)

    assert info["type"] == "ValueError"
    assert info["message"].startswith("boom boom") and len(info["message"]) <= 2001
    assert info["traceback_tail"].startswith("Traceback (most recent call last):")
    assert 'in inner\n    raise ValueError("boom " * 1000)' in info["traceback_tail"]
    assert "in inner" not in hidden["traceback_tail"]  # the engine's own frames are left out
    assert error_info(SystemExit(2))["message"] == "the strategy called sys.exit(2)"


# Output -----------------------------------------------------------------------------------------------
def test_output_keeps_its_head_and_tail_and_marks_the_cut() -> None:
    output = CappedOutput(head=10, tail=10)
    output.feed(b"0123456789")
    output.feed(b"x" * 1000)
    output.feed(b"abcdefghij")

    assert output.text() == "0123456789\n[… 1000 bytes of output cut …]\nabcdefghij"
    small = CappedOutput(head=10, tail=10)
    small.feed(b"short\n")
    assert small.text() == "short\n" and small.cut == 0


def test_output_of_a_flood_stays_bounded() -> None:
    output = CappedOutput()
    for _ in range(1600):  # 100 MB
        output.feed(b"y" * 65536)

    assert output.total == 100 * 1024 * 1024
    assert len(output.text()) < 2 * 64 * 1024 + 100


# Verdicts ---------------------------------------------------------------------------------------------
_EXIT = Exit(code=0, signal=None, timeout_s=5, memory_mb=256)


def _report(**fields: object) -> bytes:
    return json.dumps(fields).encode()


def test_a_clean_report_is_taken_as_given() -> None:
    result = verdict(
        _report(status="succeeded", signals=["A"], info={"class": "S"}, maxrss_kb=10), _EXIT, None
    )

    assert result == {
        "status": "succeeded",
        "signals": ["A"],
        "error": None,
        "info": {"class": "S"},
        "maxrss_kb": 10,
    }


@pytest.mark.parametrize(
    ("result", "exit_", "message"),
    [
        (b"", Exit(3, None, 5, 256), "the strategy process exited with code 3 before returning a result"),
        (b"", Exit(0, None, 5, 256), "the strategy process ended without returning a result"),
        (
            b"",
            Exit(None, signal.SIGSEGV, 5, 256),
            "the strategy process was killed by a segmentation fault (SIGSEGV) before returning a result",
        ),
        (b"", Exit(None, signal.SIGXCPU, 5, 256), "CPU time limit of 5 s exceeded"),
        (b"garbage", Exit(0, None, 5, 256), "the strategy process sent an unreadable result"),
        (b"[1, 2]", Exit(0, None, 5, 256), "the strategy process sent an unreadable result"),
        (_report(status="succeeded", signals="A"), _EXIT, "the strategy process sent an unreadable result"),
    ],
)
def test_anything_but_a_clean_report_fails_with_a_reason(result: bytes, exit_: Exit, message: str) -> None:
    outcome = verdict(result, exit_, None)

    assert outcome["status"] == "failed" and outcome["signals"] == []
    assert outcome["error"]["message"] == message


def test_the_zygotes_kill_wins_over_what_the_child_wrote() -> None:
    outcome = verdict(
        _report(status="succeeded", signals=["A"]),
        Exit(None, signal.SIGKILL, 5, 256),
        ("timed_out", "TimeoutError", "took too long"),
    )

    assert outcome["status"] == "timed_out" and outcome["signals"] == []
    assert outcome["error"] == {"type": "TimeoutError", "message": "took too long", "traceback_tail": ""}


# The audit guard -------------------------------------------------------------------------------------
@pytest.fixture
def guard(tmp_path: Path) -> Guard:
    (tmp_path / "keys").mkdir()
    (tmp_path / "link").symlink_to(tmp_path / "keys")
    return Guard([str(tmp_path / "keys")], ports=[5000], pid=1234)


@pytest.mark.parametrize(
    "event",
    [
        "subprocess.Popen",
        "os.system",
        "os.exec",
        "os.fork",
        "os.posix_spawn",
        "ctypes.dlopen",
        "gc.get_objects",
    ],
)
def test_the_guard_refuses_programs_native_code_and_memory_peeking(guard: Guard, event: str) -> None:
    reason = guard.refusal(event, ())

    assert reason is not None and reason.endswith(f"({event})")
    with pytest.raises(PermissionError):
        guard.hook(event, ())


def test_the_guard_refuses_private_paths_however_they_are_named(guard: Guard, tmp_path: Path) -> None:
    key = tmp_path / "keys" / ".encryption_key"

    for path in (str(key), bytes(key), key, tmp_path / "link" / ".encryption_key", tmp_path / "keys"):
        assert "private files" in str(guard.refusal("open", (path, "r", 0)))
    assert guard.refusal("os.rename", (tmp_path / "x", key)) is not None
    assert guard.refusal("open", (str(tmp_path / "keyset"), "r", 0)) is None
    assert guard.refusal("open", (3, "r", 0)) is None  # a descriptor: checked when it was opened
    assert guard.refusal("open", ("/proc/999/environ", "r", 0)) is not None
    assert guard.refusal("open", ("/proc/1234/mem", "r", 0)) is not None
    assert guard.refusal("open", ("/proc/1234/status", "r", 0)) is None


def test_the_guard_allows_only_the_hosts_port_and_no_raw_sockets(guard: Guard) -> None:
    assert guard.refusal("socket.connect", (None, ("127.0.0.1", 5000))) is None
    refused = guard.refusal("socket.connect", (None, ("1.1.1.1", 80)))
    assert refused == "Custom strategies may connect only to the OpenAlgo host (port 5000), not 1.1.1.1:80"
    assert guard.refusal("socket.__new__", (None, socket.AF_INET, socket.SOCK_RAW, 0)) is not None
    assert guard.refusal("socket.__new__", (None, socket.AF_INET, socket.SOCK_STREAM, 0)) is None
    assert guard.refusal("socket.bind", (None, ("127.0.0.1", 80))) is not None
    assert guard.refusal("os.kill", (1, signal.SIGTERM)) is not None
    assert guard.refusal("os.kill", (1234, signal.SIGSEGV)) is None
    assert guard.refusal("import", ("pandas",)) is None
    guard.hook("compile", (b"", "<string>"))  # ordinary events pass


# The lint's edges -------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("source", "names"),
    [
        ("import subprocess as sp\nsp.run(['x'])\n", ["subprocess"]),
        ("import os as o\no.system('x')\n", ["os.system"]),
        ("from os import execv\n", ["os.execv"]),
        ("import multiprocessing.pool\n", ["multiprocessing.pool"]),
        (
            "from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor\n",
            ["concurrent.futures.ProcessPoolExecutor"],
        ),
        ("__import__('ctypes')\n", ["ctypes"]),
        ("import importlib\nimportlib.import_module('pandas')\n", []),
        ("import os\nos.path.join('a', 'b')\nos.getenv('X')\n", []),
        ("from . import sibling\n", []),
    ],
)
def test_the_lint_sees_aliases_and_leaves_harmless_code_alone(source: str, names: list[str]) -> None:
    assert [finding.name for finding in lint.findings(ast.parse(source))] == names


# Frames -----------------------------------------------------------------------------------------------
def test_frames_round_trip_whole_or_in_pieces() -> None:
    data = protocol.encode({"op": "run", "id": "1"}) + protocol.encode({"op": "info", "id": "2"})
    buffer = protocol.FrameBuffer()

    assert buffer.feed(data[:3]) == []
    assert buffer.feed(data[3:]) == [{"op": "run", "id": "1"}, {"op": "info", "id": "2"}]
    with pytest.raises(protocol.ProtocolError):
        buffer.feed(protocol.HEADER.pack(4) + b"[1] ")
    with pytest.raises(protocol.ProtocolError):
        protocol.FrameBuffer().feed(protocol.HEADER.pack(protocol.MAX_FRAME + 1))


def test_frames_over_a_socket_pair() -> None:
    left, right = socket.socketpair()
    with left, right:
        protocol.send_frame(left, {"op": "ready", "pid": 1})
        assert protocol.read_frame(right) == {"op": "ready", "pid": 1}
        left.shutdown(socket.SHUT_WR)
        assert protocol.read_frame(right) is None


# The seccomp program, run by a small classic-BPF interpreter -----------------------------------------
def _run_bpf(program: list[tuple[int, int, int, int]], nr: int, arch: int, arg0: int = 0) -> int:
    data = {0: nr, 4: arch, 16: arg0 & 0xFFFFFFFF}
    accumulator, pc = 0, 0
    while True:
        code, jt, jf, k = program[pc]
        if code == 0x20:
            accumulator, pc = data[k], pc + 1
        elif code == 0x06:
            return k
        else:
            taken = {0x15: accumulator == k, 0x35: accumulator >= k, 0x45: bool(accumulator & k)}[code]
            pc += 1 + (jt if taken else jf)


@pytest.mark.parametrize("machine", ["x86_64", "aarch64"])
def test_the_seccomp_program_denies_processes_and_allows_threads(machine: str) -> None:
    arch, numbers = filters._ARCHES[machine]
    program = filters.program(machine)
    allow, eperm = 0x7FFF0000, 0x00050000 | errno.EPERM

    thread_flags = 0x3D0F00  # glibc's pthread_create: CLONE_VM | CLONE_THREAD | ...
    assert _run_bpf(program, numbers["clone"], arch, thread_flags) == allow
    assert _run_bpf(program, numbers["clone"], arch, signal.SIGCHLD) == eperm  # fork()
    assert _run_bpf(program, numbers["clone"], arch, 0x4111) == eperm  # posix_spawn's vfork
    assert _run_bpf(program, numbers["clone3"], arch) == 0x00050000 | errno.ENOSYS
    for name in ("execve", "execveat", "ptrace", "fork", "vfork"):
        if name in numbers:
            assert _run_bpf(program, numbers[name], arch) == eperm
    assert _run_bpf(program, 0, arch) == allow  # read / io_setup: everything else
    assert _run_bpf(program, 0, 0x40000003) == 0x80000000  # another architecture's call: killed
    if machine == "x86_64":
        assert _run_bpf(program, 0x40000000 + 57, arch) == 0x80000000  # x32


# The request's own checks -----------------------------------------------------------------------------
def _request(**changes: object) -> ExecutionRequest:
    fields: dict[str, object] = {
        "execution_id": "e1",
        "file": Path("/x/user_strategies/a.py"),
        "strategy_class": None,
        "config": {},
        "payload": {},
        "api_token": "t",
        "host_url": "http://127.0.0.1:5000",
    }
    fields.update(changes)
    return ExecutionRequest(**fields)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"timeout_s": 0}, "timeout_s"),
        ({"timeout_s": 301}, "timeout_s"),
        ({"timeout_s": float("nan")}, "timeout_s"),
        ({"memory_mb": 64}, "memory_mb"),
        ({"execution_id": ""}, "execution_id"),
        ({"file": Path("user_strategies/a.py")}, "strategy_file"),
    ],
)
def test_a_request_outside_its_limits_is_refused(changes: dict[str, object], field: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        _request(**changes).check()
    assert list(refused.value.fields) == [field]


def test_the_token_never_shows_in_a_requests_repr() -> None:
    assert "secret-token" not in repr(_request(api_token="secret-token"))


def test_a_file_over_the_size_limit_is_listed_without_being_read(tmp_path: Path) -> None:
    (tmp_path / "big.py").write_bytes(b"#" * (1024 * 1024 + 1))
    discovery = Discovery(StrategyRoots((StrategyRoot("user_strategies", tmp_path, read_only=False),)))

    [entry] = discovery.list()
    assert entry.as_dict()["error"] == {
        "message": "the file is larger than 1024 KB",
        "line": None,
        "column": None,
    }


def test_the_backstop_limits_sit_above_what_the_zygote_enforces() -> None:
    from services.execution import sandbox

    assert sandbox.data_limit_bytes(256) == (256 + 512) * 1024 * 1024
    assert sandbox.data_limit_bytes(2048) == 4096 * 1024 * 1024
    assert sandbox.cpu_limit_seconds(2.5) == 5


def test_a_runs_processes_are_its_group_and_all_its_descendants() -> None:
    from services.execution.processes import Seen, others, parse_stat

    seen = parse_stat(b"42 (a (strange) name) S 7 40 40 0 -1 0 0 0 0 0 1 2 0 0 20 0 1 0 555 0 3 0 0")
    assert seen is not None and (seen.ppid, seen.pgrp, seen.started) == (7, 40, 555) and seen.rss > 0
    assert parse_stat(b"garbage") is None

    table = {
        100: Seen(1, 100, 0, 1),  # a run, its own group leader
        101: Seen(100, 100, 0, 1),  # its child, same group
        102: Seen(101, 102, 0, 1),  # a grandchild that called setsid
        103: Seen(1, 100, 0, 1),  # orphaned but still in the group
        200: Seen(1, 200, 0, 1),  # another run
        300: Seen(1, 300, 0, 1),  # unrelated
    }
    assert others(table, [100, 200]) == {100: {101, 102, 103}, 200: set()}
