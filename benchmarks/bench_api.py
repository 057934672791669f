"""REST API latency through the ``openalgo`` SDK: quotes, orders, and one year of 1-minute candles.

Starts the real host (``python app.py``, sandbox broker) and, as the baseline, a bare Flask app on
the same WSGI server (waitress) whose routes return the very same JSON bytes without doing any
work. Both run as separate processes and are called through the SDK by this process, so the ratio
is what the host's own work (API-key check, validation, simulation, paper orders, serialisation)
costs on top of HTTP + SDK overhead.

Durable orders: the host commits with SQLite ``synchronous=FULL`` (every commit is on disk before
the API answers). Its order path is compared with a second host of the same code started with
``synchronous=NORMAL`` (what the host used before; may lose the last commits on a power cut):
both are called in alternating blocks in the same run, so load on the machine hits both alike.
The figure depends on the disk under ``TMPDIR`` (where both hosts keep their data).

Run: ``python -m benchmarks.bench_api [--calls 200] [--order-calls 1000] [--history-calls 5] [--json]``.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx

from tests.support.net import free_port
from tests.support.sdk import LiveHost, start_live_host

HISTORY = {
    "symbol": "RELIANCE",
    "exchange": "NSE",
    "interval": "1m",
    "start_date": "2025-11-03",
    "end_date": "2026-10-30",
}
QUOTE = {"symbol": "SBIN", "exchange": "NSE"}
ORDER = {"symbol": "IDEA", "exchange": "NSE", "action": "BUY", "product": "MIS", "quantity": 1}
SYNCHRONOUS_LEVELS = {"OFF": 0, "NORMAL": 1, "FULL": 2, "EXTRA": 3}


def _timed(call: Callable[[], Any], repeat: int, check: Callable[[Any], bool]) -> list[float]:
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        result = call()
        samples.append(time.perf_counter() - started)
        if not check(result):
            raise RuntimeError(f"unexpected answer: {str(result)[:300]}")
    return samples


def _summary(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)
    return {
        "median_ms": statistics.median(ordered) * 1000,
        "p95_ms": ordered[max(0, int(len(ordered) * 0.95) - 1)] * 1000,
        "p99_ms": ordered[max(0, int(len(ordered) * 0.99) - 1)] * 1000,
    }


def _serve_baseline(port: int, payloads: Path) -> None:
    """The baseline: a bare Flask app answering each endpoint with canned bytes."""
    from flask import Flask, Response  # noqa: TID251 - the bare Flask baseline
    from waitress import serve

    bodies = {name: (payloads / f"{name}.json").read_bytes() for name in ("quotes", "placeorder", "history")}
    app = Flask("baseline")

    @app.post("/api/v1/<name>")
    def canned(name: str) -> Response:
        return Response(bodies[name], mimetype="application/json")

    serve(app, host="127.0.0.1", port=port, threads=8, ident="baseline", _quiet=True)


def _start_baseline(payloads: Path) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "benchmarks.bench_api", "--serve-baseline", str(port), str(payloads)]
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            httpx.post(f"{url}/api/v1/quotes", json={})
            return process, url
        except httpx.HTTPError:
            time.sleep(0.05)
    process.kill()
    raise RuntimeError("the baseline server did not start")


def _serve_host_synchronous(mode: str) -> int:
    """The host exactly as ``python app.py`` serves it, but committing with ``synchronous=mode``."""
    import database.engine
    from app import main as serve

    database.engine.SQLITE_SYNCHRONOUS = mode
    with tempfile.TemporaryDirectory() as scratch:  # prove the mode is what connections get
        engine = database.engine.make_engine(f"sqlite:///{scratch}/check.db")
        with engine.connect() as connection:
            got = connection.exec_driver_sql("PRAGMA synchronous").scalar()
        engine.dispose()
    if got != SYNCHRONOUS_LEVELS[mode]:
        raise RuntimeError(f"synchronous={mode} was not applied (PRAGMA synchronous = {got})")
    return serve([])


def _compare_synchronous(full: LiveHost, normal: LiveHost, calls: int) -> dict[str, dict[str, float]]:
    """placeorder on both hosts, in alternating blocks of 25 calls."""
    success: Callable[[Any], bool] = lambda r: isinstance(r, dict) and r.get("status") == "success"  # noqa: E731
    clients = {"FULL": full.client(), "NORMAL": normal.client()}
    samples: dict[str, list[float]] = {mode: [] for mode in clients}
    for client in clients.values():
        _timed(lambda c=client: c.placeorder(**ORDER), 20, success)  # warm up
    block = 25
    for start in range(0, calls, block):
        for mode, client in clients.items():
            repeat = min(block, calls - start)
            samples[mode].extend(_timed(lambda c=client: c.placeorder(**ORDER), repeat, success))
    return {mode: _summary(values) for mode, values in samples.items()}


def _capture(live: LiveHost, payloads: Path) -> None:
    """Record the host's real answers; the baseline serves exactly these bytes."""
    for name, body in (("quotes", QUOTE), ("placeorder", ORDER), ("history", HISTORY)):
        response = httpx.post(f"{live.url}/api/v1/{name}", json={"apikey": live.api_key, **body}, timeout=60)
        response.raise_for_status()
        (payloads / f"{name}.json").write_bytes(response.content)


def _measure(client: Any, calls: int, history_calls: int) -> dict[str, dict[str, float]]:
    success: Callable[[Any], bool] = lambda r: isinstance(r, dict) and r.get("status") == "success"  # noqa: E731
    frame: Callable[[Any], bool] = lambda r: hasattr(r, "shape") and r.shape[0] > 90_000  # noqa: E731
    _timed(lambda: client.quotes(**QUOTE), 10, success)  # warm up connections and caches
    return {
        "quote": _summary(_timed(lambda: client.quotes(**QUOTE), calls, success)),
        "placeorder": _summary(_timed(lambda: client.placeorder(**ORDER), calls, success)),
        "history_1y_1m": _summary(_timed(lambda: client.history(**HISTORY), history_calls, frame)),
    }


def run(calls: int, history_calls: int, order_calls: int) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="bench-api-") as scratch:
        root = Path(scratch)
        env = {
            "ORDER_RATE_LIMIT": "100000 per second",
            "SANDBOX_CAPITAL": "1000000000",
            "LOG_LEVEL": "WARNING",
        }
        live = start_live_host(root / "host", env)
        payloads = root / "payloads"
        payloads.mkdir()
        try:
            _capture(live, payloads)
            baseline, baseline_url = _start_baseline(payloads)
            try:
                from openalgo import api

                host_figures = _measure(live.client(), calls, history_calls)
                bare_figures = _measure(
                    api(api_key="x", host=baseline_url, timeout=60.0), calls, history_calls
                )
            finally:
                baseline.terminate()
                baseline.wait(10)
            history_bytes = (payloads / "history.json").stat().st_size
            normal_program = [
                sys.executable,
                "-m",
                "benchmarks.bench_api",
                "--serve-host-synchronous",
                "NORMAL",
            ]
            normal = start_live_host(root / "host-normal", env, program=normal_program)
            try:
                synchronous = _compare_synchronous(live, normal, order_calls)
            finally:
                normal.stop()
        finally:
            live.stop()
    return {
        "host": host_figures,
        "bare_flask": bare_figures,
        "history_bytes": history_bytes,
        "placeorder_by_synchronous": synchronous,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=200, help="quote and order calls each (default 200)")
    parser.add_argument("--history-calls", type=int, default=5, help="1-year history calls (default 5)")
    parser.add_argument(
        "--order-calls", type=int, default=1000, help="orders per host for FULL vs NORMAL (default 1000)"
    )
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    parser.add_argument("--serve-baseline", nargs=2, metavar=("PORT", "PAYLOADS"), help=argparse.SUPPRESS)
    parser.add_argument(
        "--serve-host-synchronous", choices=sorted(SYNCHRONOUS_LEVELS), help=argparse.SUPPRESS
    )
    args = parser.parse_args(argv)
    if args.serve_baseline:
        _serve_baseline(int(args.serve_baseline[0]), Path(args.serve_baseline[1]))
        return 0
    if args.serve_host_synchronous:
        return _serve_host_synchronous(args.serve_host_synchronous)
    result = run(args.calls, args.history_calls, args.order_calls)
    if args.json:
        print(json.dumps(result, indent=2))
        return 0
    print(
        f"REST API through the openalgo SDK ({args.calls} calls; history: {args.history_calls} calls of "
        f"{result['history_bytes'] / 1e6:.1f} MB)"
    )
    print(f"{'call':<16}{'host median':>14}{'host p95':>12}{'bare Flask':>14}{'ratio':>9}")
    for name, figures in result["host"].items():
        bare = result["bare_flask"][name]
        ratio = figures["median_ms"] / bare["median_ms"]
        print(
            f"{name:<16}{figures['median_ms']:>11.1f} ms{figures['p95_ms']:>9.1f} ms"
            f"{bare['median_ms']:>11.1f} ms{ratio:>8.2f}x"
        )
    by_mode = result["placeorder_by_synchronous"]
    full, normal = by_mode["FULL"], by_mode["NORMAL"]
    print(
        f"\nplaceorder, SQLite synchronous=FULL (the host) vs NORMAL (baseline, same run; "
        f"{args.order_calls} calls each, alternating blocks)"
    )
    print(f"{'synchronous':<16}{'p50':>10}{'p95':>11}{'p99':>11}")
    for mode, figures in (("FULL", full), ("NORMAL", normal)):
        p50, p95, p99 = figures["median_ms"], figures["p95_ms"], figures["p99_ms"]
        print(f"{mode:<16}{p50:>7.2f} ms{p95:>8.2f} ms{p99:>8.2f} ms")
    print(
        f"{'ratio FULL/NORMAL':<16}{full['median_ms'] / normal['median_ms']:>9.2f}x"
        f"{full['p95_ms'] / normal['p95_ms']:>10.2f}x{full['p99_ms'] / normal['p99_ms']:>10.2f}x"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
