"""Strategy hosting figures, each next to a baseline measured in the same run.

Runs the real host (``python app.py`` on a free port, its own DATA_DIR) and measures:

1. start request → first output line in the strategy's log, against a bare ``subprocess.Popen``
   of the same script reading its first line from a pipe (the floor). Target: floor + 20 ms.
2. 50 strategies started → every first line in the logs, against a bare Popen loop of 50.
   Target: ≤ 1.5× the loop.
3. 200 running strategies: host memory growth per strategy (target ≤ 0.5 MB), host CPU while
   idle (target ≤ 1 % of a core, baseline: the same host with none running) and
   ``GET /python/status`` median (target ≤ 50 ms, baseline: ``GET /auth/csrf-token``).
4. a line printed → delivered to an SSE client of ``/python/logs/<id>/stream``, median, against
   the same line read from a bare pipe. Target ≤ 50 ms.

    .venv/bin/python -m benchmarks.bench_supervisor [--quick]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import psutil

from tests.support.live_server import LiveServer, LoggedInSession
from tests.support.net import free_port

FIRST_LINE = "import time\nprint('first line', flush=True)\ntime.sleep(3600)\n"
STAMPER = """
import time
for _ in range(400):
    print("stamp", repr(time.time()), flush=True)
    time.sleep(0.02)
time.sleep(3600)
"""


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms"


def report(label: str, value: str, baseline: str, ratio: float, target: str) -> None:
    print(f"{label:<46} {value:>12}   baseline {baseline:>12}   ratio {ratio:5.2f}x   target {target}")


class Bench:
    def __init__(self, data_dir: Path) -> None:
        self.server = LiveServer(
            data_dir, free_port(), env={"STRATEGY_STOP_GRACE_S": "1", "STREAM_MAX_LIFETIME_S": "600"}
        ).start()
        self.session = LoggedInSession(self.server.url)
        self.session.setup_or_login("admin", "correct horse battery")
        self.log_root = data_dir / "log" / "strategies"
        self.script_dir = data_dir / "bench-scripts"
        self.script_dir.mkdir(parents=True, exist_ok=True)
        assert self.server.process is not None
        self.host = psutil.Process(self.server.process.pid)

    def upload(self, source: str, name: str) -> str:
        response = self.session.client.post(
            "/python/upload",
            data={"name": name},
            files={"file": ("bench.py", source.encode(), "text/x-python")},
            headers={"X-CSRFToken": self.session.csrf(), "Accept": "application/json"},
        )
        response.raise_for_status()
        return str(response.json()["data"]["id"])

    def start(self, strategy_id: str, token: str) -> None:
        response = self.session.client.post(
            f"/python/start/{strategy_id}", json={}, headers={"X-CSRFToken": token}
        )
        response.raise_for_status()

    def stop_all(self) -> None:
        self.session.post("/python/stop-all")
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            statuses = {s["status"] for s in self.session.get("/python/status").json()["data"]["strategies"]}
            if statuses <= {"stopped", "error"}:
                return
            time.sleep(0.05)

    def has_line(self, strategy_id: str, text: bytes) -> bool:
        return log_has(self.log_root / strategy_id, text)

    def first_line(self, strategy_id: str) -> bool:
        return self.has_line(strategy_id, b"] first line")

    def close(self) -> None:
        self.session.close()
        self.server.stop()


def log_has(folder: Path, text: bytes) -> bool:
    """Whether a log file in ``folder`` holds ``text`` (cheap: the poll must not steal the CPU the
    strategies being measured need; the bare baseline blocks on a pipe instead)."""
    try:
        entries = list(os.scandir(folder))
    except FileNotFoundError:
        return False
    for entry in entries:
        if entry.name.endswith(".log"):
            with open(entry.path, "rb") as handle:  # noqa: PTH123 - raw read in a tight poll
                if text in handle.read():
                    return True
    return False


def wait_for(predicate: Callable[[], bool], timeout: float = 60.0, pause: float = 0.0005) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise TimeoutError("benchmark condition not reached")
        time.sleep(pause)


def wait_all_first_lines(
    has_first_line: Callable[[str], bool], ids: list[str], timeout: float = 60.0
) -> None:
    """Until every strategy's log has its first line; seen ones are not read again (cheap polls)."""
    pending = set(ids)

    def done() -> bool:
        pending.difference_update([sid for sid in list(pending) if has_first_line(sid)])
        return not pending

    wait_for(done, timeout, pause=0.005)


def script_file(folder: Path, source: str) -> Path:
    path = folder / "bare.py"
    path.write_text(source)
    return path


def bare_first_line(script: Path) -> float:
    started = time.perf_counter()
    process = subprocess.Popen([sys.executable, "-u", str(script)], stdout=subprocess.PIPE)
    assert process.stdout is not None
    process.stdout.readline()
    elapsed = time.perf_counter() - started
    process.kill()
    process.wait()
    process.stdout.close()
    return elapsed


def bench_start_latency(bench: Bench, rounds: int) -> None:
    # Baseline and ours alternate, so both see the same load on a shared machine.
    script = script_file(bench.script_dir, FIRST_LINE)
    strategy_id = bench.upload(FIRST_LINE, "latency")
    floors, samples = [], []
    for _ in range(rounds):
        floors.append(bare_first_line(script))
        bench.session.post(f"/python/logs/{strategy_id}/clear")
        token = bench.session.csrf()
        started = time.perf_counter()
        bench.start(strategy_id, token)
        wait_for(lambda: bench.has_line(strategy_id, b"] first line"))
        samples.append(time.perf_counter() - started)
        bench.stop_all()
    ours, floor = statistics.median(samples), statistics.median(floors)
    report("start request -> first log line (median)", ms(ours), ms(floor), ours / floor, "floor + 20 ms")
    print(f"{'':<46} extra over the floor: {ms(ours - floor)}")


def bare_loop(script: Path, count: int) -> float:
    started = time.perf_counter()
    processes = [
        subprocess.Popen([sys.executable, "-u", str(script)], stdout=subprocess.PIPE) for _ in range(count)
    ]
    for process in processes:
        assert process.stdout is not None
        process.stdout.readline()
    elapsed = time.perf_counter() - started
    for process in processes:
        process.kill()
        process.wait()
        if process.stdout is not None:
            process.stdout.close()
    return elapsed


def bench_fifty(bench: Bench, count: int, rounds: int) -> None:
    script = script_file(bench.script_dir, FIRST_LINE)
    ids = [bench.upload(FIRST_LINE, f"fifty {n}") for n in range(count)]
    floors, samples = [], []
    for _ in range(rounds):
        floors.append(bare_loop(script, count))
        for strategy_id in ids:
            bench.session.post(f"/python/logs/{strategy_id}/clear")
        token = bench.session.csrf()
        started = time.perf_counter()
        for strategy_id in ids:
            bench.start(strategy_id, token)
        wait_all_first_lines(bench.first_line, ids)
        samples.append(time.perf_counter() - started)
        bench.stop_all()
    ours, floor = statistics.median(samples), statistics.median(floors)
    report(f"{count} strategies started -> all first lines", ms(ours), ms(floor), ours / floor, "<= 1.5x")


def bench_fifty_scheduled(count: int, rounds: int) -> None:
    """The same 50 starts as a schedule makes them at market open: ``supervisor.start_strategy`` in the
    host process (this process), against the bare Popen loop run in the same process."""
    from app import create_app
    from services.settings import Settings
    from tests.support.apps import host_of

    with tempfile.TemporaryDirectory(prefix="bench-scheduled-") as scratch:
        data_dir = Path(scratch) / "data"
        settings = Settings.from_env(environ={}, dotenv_path=data_dir / "no.env", data_dir=data_dir)
        host = host_of(create_app(settings))
        try:
            script = script_file(data_dir, FIRST_LINE)
            ids = [host.hosting.strategies.create(_upload(f"scheduled {n}")).id for n in range(count)]
            log_root = settings.log_dir / "strategies"

            def first_line(strategy_id: str) -> bool:
                return log_has(log_root / strategy_id, b"] first line")

            floors, samples = [], []
            for _ in range(rounds):
                floors.append(bare_loop(script, count))
                for strategy_id in ids:
                    host.hosting.strategies.clear_logs(strategy_id)
                started = time.perf_counter()
                for strategy_id in ids:
                    host.hosting.supervisor.start_strategy(strategy_id, reason="schedule")
                wait_all_first_lines(first_line, ids)
                samples.append(time.perf_counter() - started)
                host.hosting.supervisor.stop_all()
                wait_for(
                    lambda: all(host.hosting.supervisor.runtime(i).status == "stopped" for i in ids),
                    pause=0.01,
                )
            ours, floor = statistics.median(samples), statistics.median(floors)
            report(
                f"{count} started by the scheduler -> all first lines",
                ms(ours),
                ms(floor),
                ours / floor,
                "<= 1.5x",
            )
        finally:
            host.shutdown()


def _upload(name: str) -> Any:
    from services.hosting.catalog import Upload

    return Upload(name, "bench.py", FIRST_LINE.encode())


def cpu_share(process: psutil.Process, seconds: float) -> float:
    before = process.cpu_times()
    time.sleep(seconds)
    after = process.cpu_times()
    return ((after.user - before.user) + (after.system - before.system)) / seconds * 100


def timed_get(client: httpx.Client, url: str, rounds: int) -> float:
    samples = []
    for _ in range(rounds):
        started = time.perf_counter()
        client.get(url, headers={"Accept": "application/json"}).raise_for_status()
        samples.append(time.perf_counter() - started)
    return statistics.median(samples)


def bench_many_running(bench: Bench, count: int, idle_seconds: float) -> None:
    ids = [bench.upload(FIRST_LINE, f"many {n}") for n in range(count)]
    time.sleep(1.0)
    idle_empty = cpu_share(bench.host, idle_seconds)
    rss_before = bench.host.memory_info().rss
    token = bench.session.csrf()
    for strategy_id in ids:
        bench.start(strategy_id, token)
    wait_all_first_lines(bench.first_line, ids, timeout=300)
    time.sleep(3.0)  # let the first CPU/memory samples and the log writes settle
    rss_after = bench.host.memory_info().rss
    per_strategy = (rss_after - rss_before) / count / 1_048_576
    label = f"host memory growth per running strategy ({count})"
    print(f"{label:<46} {per_strategy:>9.3f} MB   target <= 0.5 MB")
    idle_busy = cpu_share(bench.host, idle_seconds)
    report(
        f"host CPU while idle, {count} running (% of a core)",
        f"{idle_busy:.2f} %",
        f"{idle_empty:.2f} %",
        idle_busy / max(idle_empty, 0.01),
        "<= 1 %",
    )
    baseline = timed_get(bench.session.client, "/auth/csrf-token", 50)
    status = timed_get(bench.session.client, "/python/status", 50)
    report(
        f"GET /python/status median, {count} strategies",
        ms(status),
        ms(baseline),
        status / baseline,
        "<= 50 ms",
    )
    bench.stop_all()


def bench_sse(bench: Bench, lines: int) -> None:
    script = script_file(bench.script_dir, STAMPER)
    process = subprocess.Popen([sys.executable, "-u", str(script)], stdout=subprocess.PIPE)
    assert process.stdout is not None
    pipe = []
    for _ in range(lines):
        text = process.stdout.readline().decode()
        pipe.append(time.time() - float(text.split()[1]))
    process.kill()
    process.wait()
    process.stdout.close()

    strategy_id = bench.upload(STAMPER, "sse")
    delays: list[float] = []
    ready = threading.Event()

    def listen() -> None:
        with bench.session.client.stream("GET", f"/python/logs/{strategy_id}/stream", timeout=60) as stream:
            ready.set()
            for raw in stream.iter_lines():
                if not raw.startswith("data: "):
                    continue
                for line in json.loads(raw[6:]).get("lines", []):
                    words = line.split("] ", 1)[-1].split()
                    if len(words) == 2 and words[0] == "stamp":
                        delays.append(time.time() - float(words[1]))
                if len(delays) >= lines:
                    return

    listener = threading.Thread(target=listen, daemon=True)
    listener.start()
    ready.wait(10)
    bench.start(strategy_id, bench.session.csrf())
    listener.join(60)
    ours, floor = statistics.median(delays), statistics.median(pipe)
    report("line printed -> SSE client (median)", ms(ours), ms(floor), ours / max(floor, 1e-6), "<= 50 ms")
    bench.stop_all()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="fewer rounds and strategies (a smoke run)")
    args = parser.parse_args(argv)
    rounds, fifty, many, idle, sse_lines = (5, 10, 20, 2.0, 50) if args.quick else (25, 50, 200, 10.0, 200)
    with tempfile.TemporaryDirectory(prefix="bench-supervisor-") as scratch:
        bench = Bench(Path(scratch) / "data")
        try:
            print(
                f"Strategy hosting benchmarks (python {sys.version.split()[0]}, {psutil.cpu_count()} cores)"
            )
            bench_start_latency(bench, rounds)
            bench_fifty(bench, fifty, rounds=3)
            bench_sse(bench, sse_lines)
            bench_many_running(bench, many, idle)
        finally:
            bench.close()
    bench_fifty_scheduled(fifty, rounds=3)
    return 0


if __name__ == "__main__":
    sys.exit(main())
