"""How late a scheduled start runs after its minute begins, against a bare timer at the same kind
of instant. Targets: median ≤ 200 ms, worst ≤ 1 s.

A real run on the real clock, no shortcuts: an in-process host (``create_app``: APScheduler, the
scheduler's reconcile loop, the supervisor, real processes) gets ``--per-round`` strategies
scheduled at each of the next ``--rounds`` whole minutes (CRYPTO, every day, so any time of day
works), each stopping one minute later. Every strategy prints ``time.time()`` as its first
statement; the figure is that moment minus the minute's start: APScheduler's wake-up, the
scheduler's reconcile of the strategy, the supervisor's spawn pass and the interpreter's start-up.
The spawn itself is read from the run's log header (stamped just before the fork).

Baseline, same run: half a minute after each round, a ``threading.Timer`` fires and ``Popen``s the
same number of copies of the same script, one after the other (as the supervisor's pass does),
timed the same way. The difference is what the host adds to a bare timer; the interpreter's
start-up is in both. Also shown: how late the scheduled stops end the processes.

    .venv/bin/python -m benchmarks.bench_schedule [--rounds 3] [--per-round 5]

Runs for about ``rounds + 1`` minutes.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from app import create_app
from services.clock import IST, SystemClock
from services.host import Host
from services.hosting.catalog import Upload
from services.settings import Settings
from tests.support.apps import host_of

STAMP = "import time\nprint('t0', repr(time.time()), flush=True)\ntime.sleep(3600)\n"
EVERY_DAY = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
STAMP_FORMAT = "%Y-%m-%d %H:%M:%S.%f"


@dataclass
class Figures:
    started: list[float] = field(default_factory=list)
    spawned: list[float] = field(default_factory=list)
    stopped: list[float] = field(default_factory=list)


def ms(seconds: float) -> str:
    return f"{seconds * 1000:7.1f} ms"


def line_stamp(line: str) -> float:
    """The host's IST stamp of a log line (``[2026-11-23 09:15:00.123 IST] ...``) as epoch seconds."""
    text = line[1 : line.index(" IST]")]
    return datetime.strptime(text + "000", STAMP_FORMAT).replace(tzinfo=IST).timestamp()


def minute_boundaries(rounds: int, margin_s: float = 10.0) -> list[datetime]:
    now = datetime.now(IST)
    first = now.replace(second=0, microsecond=0) + timedelta(minutes=1)
    if (first - now).total_seconds() < margin_s:
        first += timedelta(minutes=1)
    return [first + timedelta(minutes=n) for n in range(rounds)]


def bare_round(script: Path, count: int, instant: float, samples: list[float]) -> None:
    processes = [
        subprocess.Popen([sys.executable, "-u", str(script)], stdout=subprocess.PIPE) for _ in range(count)
    ]
    for process in processes:
        assert process.stdout is not None
        samples.append(float(process.stdout.readline().split()[1]) - instant)
        process.kill()
        process.wait()
        process.stdout.close()


def schedule_rounds(host: Host, minutes: list[datetime], per_round: int) -> dict[str, datetime]:
    """Strategies scheduled at each minute (stop one minute later); id → its start minute."""
    planned: dict[str, datetime] = {}
    for index, minute in enumerate(minutes):
        for n in range(per_round):
            record = host.hosting.strategies.create(
                Upload(f"bench {index}-{n}", "stamp.py", STAMP.encode(), "CRYPTO")
            )
            payload = {
                "schedule_start": minute.strftime("%H:%M"),
                "schedule_stop": (minute + timedelta(minutes=1)).strftime("%H:%M"),
                "schedule_days": EVERY_DAY,
            }
            host.schedules.set_schedule(record.id, payload)
            planned[record.id] = minute
    return planned


def collect(host: Host, planned: dict[str, datetime], figures: Figures) -> None:
    for strategy_id, minute in planned.items():
        lines = host.hosting.strategies.tail(strategy_id, 100).lines
        begin = minute.timestamp()
        end = (minute + timedelta(minutes=1)).timestamp()
        for line in lines:
            body = line.split("] ", 1)[-1]
            if body.startswith("t0 "):
                figures.started.append(float(body.split()[1]) - begin)
            elif "=== Run " in line and "started: schedule" in line:
                figures.spawned.append(line_stamp(line) - begin)
            elif "=== Run ended" in line:
                figures.stopped.append(line_stamp(line) - end)


def report(label: str, samples: list[float], baseline: list[float] | None = None) -> None:
    median, worst = statistics.median(samples), max(samples)
    text = f"{label:<44} median {ms(median)}   worst {ms(worst)}   (n={len(samples)})"
    if baseline:
        base = statistics.median(baseline)
        text += f"   baseline median {ms(base)} worst {ms(max(baseline))}   ratio {median / base:4.2f}x"
    print(text)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rounds", type=int, default=3, help="whole minutes with scheduled starts")
    parser.add_argument("--per-round", type=int, default=5, help="strategies scheduled at each minute")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="bench-schedule-") as scratch:
        data_dir = Path(scratch) / "data"
        settings = Settings.from_env(
            environ={}, dotenv_path=data_dir / "no.env", data_dir=data_dir, strategy_stop_grace_s=2.0
        )
        host = host_of(create_app(settings, clock=SystemClock()))
        try:
            host.venue.master_contract.wait_ready(60)
            script = data_dir / "bare.py"
            script.write_text(STAMP)
            minutes = minute_boundaries(args.rounds)
            planned = schedule_rounds(host, minutes, args.per_round)
            baseline: list[float] = []
            timers = []
            for minute in minutes:
                instant = (minute + timedelta(seconds=30)).timestamp()
                timer = threading.Timer(
                    instant - time.time(), bare_round, args=(script, args.per_round, instant, baseline)
                )
                timer.start()
                timers.append(timer)
            last_stop = minutes[-1] + timedelta(minutes=1)
            print(
                f"Scheduled start lateness: {args.rounds} rounds x {args.per_round} strategies, "
                f"first at {minutes[0]:%H:%M} IST, done by {last_stop:%H:%M:%S} IST",
                flush=True,
            )
            time.sleep(max(0.0, last_stop.timestamp() - time.time()) + 5.0)
            for timer in timers:
                timer.join()
            figures = Figures()
            collect(host, planned, figures)
        finally:
            host.shutdown()
    report("minute start -> strategy code runs", figures.started, baseline)
    report("minute start -> spawn (log header)", figures.spawned)
    report("stop minute -> process ended (log footer)", figures.stopped)
    print("targets: scheduled start median <= 200 ms, worst <= 1000 ms")
    ok = statistics.median(figures.started) <= 0.2 and max(figures.started) <= 1.0
    print("within target" if ok else "OUTSIDE TARGET")
    return 0


if __name__ == "__main__":
    sys.exit(main())
