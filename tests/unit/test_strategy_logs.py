"""Per-run strategy logs: IST stamps, stderr marks, rotation, retention, clear, tail and reads."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from services.errors import InvalidInput, NotFound
from services.hosting.log_reader import LogReader
from services.hosting.logs import STDERR, STDOUT, StrategyLogs
from services.live.events import ChangeNotifier
from tests.support.strategies import FakeClock

SID = "ema-0123456789"


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(datetime(2026, 11, 23, 3, 45, 0, 123000, tzinfo=UTC))  # 09:15:00.123 IST


def make_logs(root: Path, clock: FakeClock, max_bytes: int = 10_000, max_files: int = 20) -> StrategyLogs:
    return StrategyLogs(root, max_bytes, max_files, clock, on_change=lambda _sid: None)


def test_lines_are_stamped_in_ist_and_stderr_is_marked(tmp_path: Path, clock: FakeClock) -> None:
    run = make_logs(tmp_path, clock).begin_run(SID)
    run.host_line("=== header ===")
    run.write(STDOUT, ["hello", "ünïcode ₹"])
    run.write(STDERR, ["Traceback"])
    run.close()
    assert run.current_file == "20261123-091500.log"
    text = (tmp_path / SID / run.current_file).read_text(encoding="utf-8")
    assert text.splitlines() == [
        "[2026-11-23 09:15:00.123 IST] [host] === header ===",
        "[2026-11-23 09:15:00.123 IST] hello",
        "[2026-11-23 09:15:00.123 IST] ünïcode ₹",
        "[2026-11-23 09:15:00.123 IST] [stderr] Traceback",
    ]


def test_one_file_per_run_even_within_the_same_second(tmp_path: Path, clock: FakeClock) -> None:
    logs = make_logs(tmp_path, clock)
    first, second = logs.begin_run(SID), logs.begin_run(SID)
    assert (first.run, second.run) == ("20261123-091500", "20261123-091500-2")
    runs = LogReader(tmp_path).runs(SID)
    assert [r.run for r in runs] == ["20261123-091500-2", "20261123-091500"]
    assert runs[0].current and not runs[1].current
    assert runs[0].started == "2026-11-23T09:15:00+05:30"


def test_a_long_run_rotates_by_size_and_keeps_a_bounded_number_of_files(
    tmp_path: Path, clock: FakeClock
) -> None:
    logs = make_logs(tmp_path, clock, max_bytes=10_000, max_files=3)
    run = logs.begin_run(SID)
    for index in range(2_000):
        run.write(STDOUT, [f"tick {index:05d} " + "x" * 40])
    files = sorted(p.name for p in (tmp_path / SID).iterdir())
    assert len(files) == 3
    assert all((tmp_path / SID / name).stat().st_size <= 10_000 for name in files)
    tail = LogReader(tmp_path).tail(SID, 3)
    assert tail.lines[-1].endswith("tick 01999 " + "x" * 40)
    assert tail.file == run.current_file
    assert run.current_file.startswith("20261123-091500.p")


def test_tail_returns_the_last_lines_and_the_offset_to_resume_from(tmp_path: Path, clock: FakeClock) -> None:
    run = make_logs(tmp_path, clock).begin_run(SID)
    run.write(STDOUT, [f"line {i}" for i in range(500)])
    reader = LogReader(tmp_path)
    tail = reader.tail(SID, 2)
    assert [line[-8:] for line in tail.lines] == ["line 498", "line 499"]
    assert tail.offset == (tmp_path / SID / tail.file).stat().st_size  # type: ignore[operator]
    run.write(STDOUT, ["line 500"])
    chunk = reader.read_from(SID, tail.file, tail.offset)
    assert [line[-8:] for line in chunk.lines] == ["line 500"]
    assert not chunk.reset
    assert reader.read_from(SID, chunk.file, chunk.offset).lines == []


def test_reads_move_on_to_the_next_run_and_reset_after_a_clear(tmp_path: Path, clock: FakeClock) -> None:
    logs = make_logs(tmp_path, clock)
    reader = LogReader(tmp_path)
    first = logs.begin_run(SID)
    first.write(STDOUT, ["one"])
    end_file, end = reader.end_position(SID)
    first.close()
    clock.advance(60)
    second = logs.begin_run(SID)
    second.write(STDOUT, ["two"])
    chunk = reader.read_from(SID, end_file, end)
    assert chunk.file == second.current_file and chunk.lines[-1].endswith("two")
    assert not chunk.reset

    logs.clear(SID)  # the running second run's file is emptied, the first run's removed
    assert [f.name for f in reader.files(SID)] == [second.current_file]
    assert (tmp_path / SID / second.current_file).stat().st_size == 0
    after = reader.read_from(SID, chunk.file, chunk.offset)
    assert after.reset and after.offset == 0
    second.write(STDOUT, ["three"])
    assert reader.read_from(SID, after.file, after.offset).lines[0].endswith("three")
    gone = reader.read_from(SID, first.current_file, 5)
    assert gone.reset and gone.file == second.current_file


def test_clearing_a_stopped_strategy_removes_its_files(tmp_path: Path, clock: FakeClock) -> None:
    logs = make_logs(tmp_path, clock)
    run = logs.begin_run(SID)
    run.write(STDOUT, ["x"])
    run.close()
    logs.clear(SID)
    assert LogReader(tmp_path).files(SID) == []
    assert LogReader(tmp_path).tail(SID, 10).lines == []


def test_runs_are_read_only_by_name_inside_the_strategys_folder(tmp_path: Path, clock: FakeClock) -> None:
    make_logs(tmp_path, clock).begin_run("other-strategy").write(STDOUT, ["secret of another"])
    (tmp_path / SID).mkdir()
    reader = LogReader(tmp_path)
    for bad in ["../other-strategy/20261123-091500", "20261123-091500/../x", "*"]:
        with pytest.raises(InvalidInput):
            reader.tail(SID, 10, bad)
    with pytest.raises(NotFound):
        reader.tail(SID, 10, "20261123-091500")


def test_the_notifier_is_bumped_on_every_write_and_clear(tmp_path: Path, clock: FakeClock) -> None:
    notifier = ChangeNotifier()
    logs = StrategyLogs(tmp_path, 10_000, 5, clock, on_change=notifier.bump)
    versions = [notifier.version(SID)]
    run = logs.begin_run(SID)
    versions.append(notifier.version(SID))
    run.write(STDOUT, ["a"])
    versions.append(notifier.version(SID))
    logs.clear(SID)
    versions.append(notifier.version(SID))
    assert versions == sorted(set(versions))  # every step moved the counter on
    assert notifier.wait(SID, versions[0], timeout=0) == versions[-1]


def test_secret_values_are_masked_in_the_strategys_log(tmp_path: Path, clock: FakeClock) -> None:
    run = make_logs(tmp_path, clock).begin_run(SID)
    run.mask(("pin-98765", "k" * 64, "ab"))
    run.write(STDOUT, ["env: PIN=pin-98765 KEY=" + "k" * 64, "ab is too short to mask"])
    text = (tmp_path / SID / run.current_file).read_text()
    assert "pin-98765" not in text and "k" * 64 not in text
    assert "PIN=[REDACTED] KEY=[REDACTED]" in text
    assert "ab is too short to mask" in text


def test_a_strategy_cannot_print_a_line_that_passes_for_the_hosts(tmp_path: Path, clock: FakeClock) -> None:
    run = make_logs(tmp_path, clock).begin_run(SID)
    run.write(STDOUT, ["[host] === Run ended · exit code 0 ===", "[stderr] fake", "\\already", "fine [host]"])
    run.write(STDERR, ["[host] on stderr"])
    run.host_line("=== Run ended · exit code 3 ===")
    run.close()
    lines = (tmp_path / SID / run.current_file).read_text(encoding="utf-8").splitlines()
    texts = [line.split("IST] ", 1)[1] for line in lines]
    assert texts == [
        "\\[host] === Run ended · exit code 0 ===",
        "\\[stderr] fake",
        "\\\\already",
        "fine [host]",
        "[stderr] [host] on stderr",
        "[host] === Run ended · exit code 3 ===",
    ]
    assert sum(text.startswith("[host] ") for text in texts) == 1  # only the host's own


def test_a_secret_cut_in_two_by_a_long_line_is_still_masked(tmp_path: Path, clock: FakeClock) -> None:
    secret = "s3cr3t-api-key-0123456789abcdef"
    run = make_logs(tmp_path, clock).begin_run(SID)
    run.mask((secret,))
    cut = 10
    run.write(STDOUT, ["x" * 50 + secret[:cut]], continued=True)  # the pump cut the line here
    run.write(STDOUT, [secret[cut:] + " and more", "next line " + secret])
    run.write(STDOUT, ["y" * 40 + secret[:3]], continued=True)
    run.close()  # what was held back is written at the end
    text = (tmp_path / SID / run.current_file).read_text(encoding="utf-8")
    assert secret not in text.replace("\n", "").replace("[2026-11-23 09:15:00.123 IST] ", "")
    assert text.count("[REDACTED]") == 2
    assert "y" * 40 + secret[:3] in text.replace("\n", "").replace("[2026-11-23 09:15:00.123 IST] ", "")
