"""Custom-strategy execution figures, each next to baselines measured in the same run.

1. ``ExecutionEngine.run`` round trip for a trivial strategy (host → zygote → forked, confined
   child → JSON result → host), p50/p99 over ``--runs`` calls, against
   (a) a cold ``python -c 'import pandas'`` spawn (what a fresh worker per execution would cost) and
   (b) a bare ``os.fork`` from a warm parent that has imported the same modules: the child writes
       one JSON line to a pipe and exits, the parent reads it and reaps it (the floor).
   Targets: engine overhead over the bare fork ≤ 15 ms p50; trivial round trip ≤ 50 ms p50.
2. Memory: the idle zygote's USS/PSS/RSS (psutil), and the private memory of one trivial child
   (its own /proc/self/smaps_rollup, read at the end of ``execute()``).

    .venv/bin/python -m benchmarks.bench_execution [--runs 200] [--cold 40]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psutil

from services.execution.contract import ExecutionRequest
from services.execution.engine import ExecutionEngine
from tests.support.execution import HOST_URL, engine_config, strategy

TRIVIAL = strategy("return ['RELIANCE']")
PRIVATE = strategy(
    """
    fields = {}
    for line in open("/proc/self/smaps_rollup"):
        name, _, rest = line.partition(":")
        if name.startswith("Private_"):
            fields[name] = int(rest.split()[0])
    return [str(sum(fields.values()))]
    """
)
#: The floor: a warm parent (same imports as the zygote) forks a child that reports one JSON line.
BARE_FORK = """
import gc, json, os, sys, time
for name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[name] = "1"
import numpy, pandas, openalgo
gc.freeze()
times = []
for _ in range(int(sys.argv[1])):
    start = time.perf_counter()
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.write(write, json.dumps({"status": "succeeded", "signals": ["RELIANCE"]}).encode() + b"\\n")
        os._exit(0)
    os.close(write)
    json.loads(os.read(read, 65536))
    os.close(read)
    os.waitpid(pid, 0)
    times.append(time.perf_counter() - start)
print(json.dumps(times))
"""


def ms(seconds: float) -> str:
    return f"{seconds * 1000:7.1f} ms"


def percentiles(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    p99 = ordered[min(len(ordered) - 1, round(0.99 * (len(ordered) - 1)))]
    return statistics.median(ordered), p99


def report(label: str, samples: list[float]) -> tuple[float, float]:
    p50, p99 = percentiles(samples)
    print(f"{label:<52} p50 {ms(p50)}   p99 {ms(p99)}   ({len(samples)} runs)")
    return p50, p99


def engine_runs(engine: ExecutionEngine, base: Path, file: Path, runs: int) -> list[float]:
    private = engine_config(base).private_paths
    samples = []
    for number in range(runs):
        request = ExecutionRequest(
            f"bench-{number}", file, None, {}, {}, "token", HOST_URL, timeout_s=30, private_paths=private
        )
        start = time.perf_counter()
        result = engine.run(request)
        samples.append(time.perf_counter() - start)
        if result.status != "succeeded":
            raise SystemExit(f"run {number} failed: {result.error}")
    return samples


def cold_spawns(runs: int) -> list[float]:
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run([sys.executable, "-c", "import pandas"], check=True)
        samples.append(time.perf_counter() - start)
    return samples


def bare_forks(runs: int) -> list[float]:
    import json

    output = subprocess.run(
        [sys.executable, "-c", BARE_FORK, str(runs)], check=True, capture_output=True, text=True
    ).stdout
    return [float(value) for value in json.loads(output)]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--cold", type=int, default=40, help="cold spawns (each ~0.3-0.4 s)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-execution-") as folder:
        base = Path(folder)
        strategy_file = base / "trivial.py"
        strategy_file.write_text(TRIVIAL)
        private_file = base / "private.py"
        private_file.write_text(PRIVATE)
        engine = ExecutionEngine(engine_config(base))
        engine.start()
        try:
            engine.wait_ready(60)
            print(f"confinement in force: {', '.join(engine.capabilities['layers'])}")
            engine_runs(engine, base, strategy_file, 10)  # warm-up (page cache, first imports)
            engine_p50, _ = report(
                "engine round trip, trivial strategy", engine_runs(engine, base, strategy_file, args.runs)
            )
            fork_p50, _ = report("(b) bare os.fork from a warm parent", bare_forks(args.runs))
            cold_p50, _ = report("(a) cold `python -c 'import pandas'`", cold_spawns(args.cold))
            print(
                f"engine overhead over the bare fork: {ms(engine_p50 - fork_p50)} p50 (target ≤ 15 ms); "
                f"round trip {ms(engine_p50)} p50 (target ≤ 50 ms); "
                f"{cold_p50 / engine_p50:.1f}x faster than a cold spawn"
            )
            zygote = psutil.Process(engine.info()["pid"])
            memory = zygote.memory_full_info()
            mib = 1024 * 1024
            print(
                f"idle zygote: USS {memory.uss / mib:.1f} MiB, PSS {memory.pss / mib:.1f} MiB, "
                f"RSS {memory.rss / mib:.1f} MiB"
            )
            private = engine.run(
                ExecutionRequest(
                    "bench-private",
                    private_file,
                    None,
                    {},
                    {},
                    "token",
                    HOST_URL,
                    private_paths=engine_config(base).private_paths,
                )
            )
            print(f"one trivial child's private memory: {int(private.signals[0]) / 1024:.1f} MiB")  # type: ignore[arg-type]
        finally:
            engine.stop()


if __name__ == "__main__":
    main()
