"""The /python pages on a real host: a dashboard of 200 strategies and a log viewer under load.

Starts ``python app.py`` on a free port with its own DATA_DIR, uploads 200 strategies (10 of them
running) and measures:

1. Server time (httpx on loopback, median / p95 of ``--requests`` requests) for the dashboard page
   ``GET /python`` and its data ``GET /python/status``; baselines: ``GET /auth/csrf-token`` (a
   trivial JSON answer) and ``GET /`` (the small home page).
2. The browser (Debian's Chromium, headless): time from navigation start until the dashboard is
   painted (first contentful paint: the server-rendered cards), until its script is wired
   (``python:dashboard-ready``) and until the first live snapshot is applied
   (``python:dashboard-live``); baseline: the home page. Target: rendered within 1 s.
3. The log viewer while a strategy prints 1,000 lines/s (``--rate``): main-thread busy share over
   ``--seconds`` (CDP ``TaskDuration`` / wall time), frames, timer lag and long tasks, following
   and paused; baselines: the same page for a stopped strategy, and the dashboard left open.
4. Opening a 100,000-line log: time until the tail is drawn, and its long tasks.

Run: ``python -m benchmarks.bench_dashboard [--strategies 200] [--seconds 10] [--rate 1000]``.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from benchmarks.bench_logview import CHROMIUM, CHROMIUM_ARGS, PROBES, percentile, read_metrics
from tests.support.apps import ADMIN_PASSWORD, ADMIN_USER
from tests.support.live_server import LiveServer, LoggedInSession
from tests.support.net import free_port

SLEEPER = "import time\nprint('started', flush=True)\nwhile True:\n    time.sleep(1)\n"
FLOOD = """\
import sys
import time

rate = int(sys.argv[1]) if len(sys.argv) > 1 else {rate}
i = 0
next_at = time.monotonic()
while True:
    for _ in range(rate // 100):
        i += 1
        if i % 20 == 0:
            print(f"warning: slow fill on order {{i}}", file=sys.stderr)
        else:
            print(f"order placed NIFTY24NOVFUT qty 50 price 24512.{{i % 100:02d}} id {{i}}")
    next_at += 0.01
    time.sleep(max(0.0, next_at - time.monotonic()))
"""
BIG_LOG = """\
import sys
import time

line = "[bar {:06d}] close 24512.{:02d} ema 24498.{:02d} signal none\\n"
sys.stdout.writelines(line.format(i, i % 100, i % 97) for i in range(100_000))
sys.stdout.flush()
print("all written", flush=True)
while True:
    time.sleep(1)
"""

PAGE_TIMES = """
() => {
  const nav = performance.getEntriesByType("navigation")[0];
  const paint = performance.getEntriesByName("first-contentful-paint")[0];
  const mark = (name) => { const e = performance.getEntriesByName(name)[0]; return e ? e.startTime : null; };
  return {
    ttfb: nav.responseStart, response_end: nav.responseEnd, dom_ready: nav.domContentLoadedEventEnd,
    fcp: paint ? paint.startTime : null,
    ready: mark("python:dashboard-ready"), live: mark("python:dashboard-live"),
    html_bytes: nav.transferSize, cards: document.querySelectorAll(".strategy-card").length,
  };
}
"""

LONGTASKS = """
window.__loadLongtasks = [];
try {
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) window.__loadLongtasks.push(e.duration);
  }).observe({type: "longtask", buffered: true});
} catch (e) {}
"""

AFTER_FRAMES = """
() => new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(() => {
  const tail = performance.getEntriesByType("resource").find((e) => e.name.includes("/tail"));
  resolve({
    drawn: performance.now(),
    tail_request_ms: tail ? tail.responseEnd - tail.requestStart : null,
    tail_bytes: tail ? tail.encodedBodySize : null,
  });
})))
"""


# Set-up -------------------------------------------------------------------------------------------
class Host:
    """A live host with an admin session."""

    def __init__(self, data_dir: Path) -> None:
        self.server = LiveServer(data_dir, free_port()).start()
        self.api = LoggedInSession(self.server.url)
        self.api.setup_or_login(ADMIN_USER, ADMIN_PASSWORD)

    def upload(self, name: str, source: str) -> str:
        response = self.api.client.post(
            "/python/upload",
            data={"name": name},
            files={"file": (f"{name.lower().replace(' ', '_')}.py", source.encode(), "text/x-python")},
            headers={"X-CSRFToken": self.api.csrf()},
        )
        response.raise_for_status()
        return str(response.json()["data"]["id"])

    def start(self, strategy_id: str) -> None:
        self.api.post(f"/python/start/{strategy_id}").raise_for_status()

    def stop(self, strategy_id: str) -> None:
        self.api.post(f"/python/stop/{strategy_id}")

    def status_of(self, strategy_id: str) -> str:
        for entry in self.api.get("/python/status").json()["data"]["strategies"]:
            if entry["id"] == strategy_id:
                return str(entry["status"])
        return "missing"

    def wait(self, predicate: Any, timeout: float = 120.0) -> None:
        deadline = time.monotonic() + timeout
        while not predicate():
            if time.monotonic() > deadline:
                raise RuntimeError("timed out while setting up the benchmark")
            time.sleep(0.1)

    def log_has(self, strategy_id: str, text: str) -> bool:
        lines = self.api.get(f"/python/logs/{strategy_id}/tail?lines=5").json()["data"]["lines"]
        return any(text in line for line in lines)

    def close(self) -> None:
        self.api.close()
        self.server.stop()


# 1. Server time ----------------------------------------------------------------------------------------
def server_times(host: Host, requests: int) -> list[dict[str, Any]]:
    targets = [
        ("GET /auth/csrf-token (baseline: trivial JSON)", "/auth/csrf-token", "application/json"),
        ("GET / (baseline: home page)", "/", "text/html"),
        ("GET /python (dashboard page)", "/python", "text/html"),
        ("GET /python/status (its data)", "/python/status", "application/json"),
    ]
    client = host.api.client
    results = []
    for label, path, accept in targets:
        for _ in range(3):  # warm-up
            client.get(path, headers={"Accept": accept})
        samples, size = [], 0
        for _ in range(requests):
            started = time.perf_counter()
            response = client.get(path, headers={"Accept": accept})
            samples.append((time.perf_counter() - started) * 1000)
            response.raise_for_status()
            size = len(response.content)
        results.append(
            {
                "request": label,
                "median_ms": statistics.median(samples),
                "p95_ms": percentile(samples, 0.95),
                "bytes": size,
            }
        )
    return results


# 2. Browser rendering ----------------------------------------------------------------------------------
def log_in(browser: Any, url: str) -> Any:
    context = browser.new_context(viewport={"width": 1366, "height": 860})
    page = context.new_page()
    page.goto(url + "/auth/login")
    page.fill("input[name=username]", ADMIN_USER)
    page.fill("input[name=password]", ADMIN_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(url + "/")
    page.close()
    return context


def page_times(context: Any, url: str, path: str, reps: int, dashboard: bool) -> dict[str, Any]:
    runs = []
    for _ in range(reps):
        page = context.new_page()
        page.goto(url + path)
        if dashboard:
            page.wait_for_function("() => performance.getEntriesByName('python:dashboard-live').length > 0")
        page.wait_for_function("() => performance.getEntriesByName('first-contentful-paint').length > 0")
        runs.append(page.evaluate(PAGE_TIMES))
        page.close()

    def med(key: str) -> float | None:
        values = [run[key] for run in runs if run[key] is not None]
        return statistics.median(values) if values else None

    keys = ("ttfb", "response_end", "dom_ready", "fcp", "ready", "live", "html_bytes", "cards")
    return {"page": path, "runs": reps, **{key: med(key) for key in keys}}


# 3. Main-thread load ----------------------------------------------------------------------------------
def main_thread(context: Any, url: str, path: str, seconds: float, setup: str = "") -> dict[str, Any]:
    page = context.new_page()
    try:
        page.goto(url + path)
        if "/logs/" in path:
            page.wait_for_function("() => document.documentElement.dataset.logsReady === 'true'")
        if setup:
            page.evaluate(setup)
        page.wait_for_timeout(500)
        cdp = context.new_cdp_session(page)
        cdp.send("Performance.enable")
        page.evaluate(PROBES)
        before = read_metrics(cdp)
        lines_before = page.evaluate("() => document.querySelector('[data-line-count]')?.textContent || ''")
        started = time.perf_counter()
        page.wait_for_timeout(seconds * 1000)
        wall = time.perf_counter() - started
        after = read_metrics(cdp)
        lines_after = page.evaluate("() => document.querySelector('[data-line-count]')?.textContent || ''")
        probes = page.evaluate("() => window.__bench.stop()")
    finally:
        page.close()
    frames = probes["frames"]
    delta = {key: after.get(key, 0.0) - before.get(key, 0.0) for key in after}
    return {
        "busy_share": delta.get("TaskDuration", 0.0) / wall,
        "script_share": delta.get("ScriptDuration", 0.0) / wall,
        "layout_style_share": (delta.get("LayoutDuration", 0.0) + delta.get("RecalcStyleDuration", 0.0))
        / wall,
        "frames": len(frames),
        "frame_p95_ms": percentile(frames, 0.95),
        "frames_over_50ms": sum(1 for f in frames if f > 50),
        "lag_p95_ms": percentile(probes["lags"], 0.95),
        "lag_max_ms": max(probes["lags"], default=0.0),
        "long_tasks": len(probes["longtasks"]),
        "long_task_ms": sum(probes["longtasks"]),
        "lines": f"{lines_before.strip()} → {lines_after.strip()}",
    }


# 4. A 100,000-line log ----------------------------------------------------------------------------------
def open_big_log(context: Any, url: str, strategy_id: str, reps: int) -> dict[str, Any]:
    runs = []
    for _ in range(reps):
        page = context.new_page()
        page.add_init_script(LONGTASKS)
        page.goto(f"{url}/python/logs/{strategy_id}")
        page.wait_for_function("() => document.documentElement.dataset.logsReady === 'true'")
        drawn = page.evaluate(AFTER_FRAMES)
        runs.append(
            {
                "drawn_ms": drawn["drawn"],
                "tail_request_ms": drawn["tail_request_ms"],
                "tail_bytes": drawn["tail_bytes"],
                "long_tasks": page.evaluate("() => window.__loadLongtasks.length"),
                "longest_task_ms": page.evaluate("() => Math.max(0, ...window.__loadLongtasks)"),
                "rows_in_dom": page.evaluate("() => document.querySelectorAll('.logview-row').length"),
                "lines": page.evaluate("() => document.querySelector('[data-line-count]').textContent"),
            }
        )
        page.close()
    return {
        "drawn_ms": statistics.median(run["drawn_ms"] for run in runs),
        "tail_request_ms": statistics.median(run["tail_request_ms"] or 0 for run in runs),
        "tail_bytes": runs[-1]["tail_bytes"],
        "longest_task_ms": statistics.median(run["longest_task_ms"] for run in runs),
        "long_tasks": statistics.median(run["long_tasks"] for run in runs),
        "rows_in_dom": runs[-1]["rows_in_dom"],
        "lines": runs[-1]["lines"],
    }


# Report ---------------------------------------------------------------------------------------------------
def ms(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.0f} ms"


def report(results: dict[str, Any], args: argparse.Namespace) -> None:
    print(f"/python with {args.strategies} strategies ({args.running} running) on a live host")
    print("\n1. Server time (loopback, httpx)")
    base = results["server"][0]["median_ms"]
    for row in results["server"]:
        print(
            f"  {row['request']:<46} median {row['median_ms']:6.1f} ms  p95 {row['p95_ms']:6.1f} ms"
            f"  ({row['median_ms'] / base:4.1f}x baseline, {row['bytes']:,} bytes)"
        )
    print("\n2. Browser: navigation start until ...  (median of", args.reps, "loads)")
    home, board = results["browser"]
    for row in (home, board):
        print(
            f"  {row['page']:<8} first byte {ms(row['ttfb'])}, HTML received {ms(row['response_end'])}, "
            f"DOM ready {ms(row['dom_ready'])}, painted (FCP) {ms(row['fcp'])}"
        )
    verdict = "within" if board["fcp"] is not None and board["fcp"] <= 1000 else "OVER"
    print(
        f"  dashboard: {board['cards']:.0f} cards painted at {ms(board['fcp'])} ({verdict} the 1 s target; "
        f"home page {ms(home['fcp'])}); script wired at {ms(board['ready'])}, "
        f"first live snapshot applied at {ms(board['live'])}"
    )
    print(f"\n3. Main thread over {args.seconds:g} s (CDP TaskDuration / wall time)")
    base_busy = results["load"][0][1]["busy_share"]
    for label, row in results["load"]:
        print(
            f"  {label}\n    busy {row['busy_share']:.1%} ({row['busy_share'] - base_busy:+.1%} points over "
            f"the baseline); script {row['script_share']:.1%}, layout+style {row['layout_style_share']:.1%}; "
            f"frames {row['frames']} (p95 {row['frame_p95_ms']:.1f} ms, "
            f"over 50 ms: {row['frames_over_50ms']}); "
            f"timer lag p95 {row['lag_p95_ms']:.1f} ms, max {row['lag_max_ms']:.1f} ms; long tasks "
            f"{row['long_tasks']} ({row['long_task_ms']:.0f} ms); lines {row['lines']}"
        )
    big = results["big_log"]
    print(
        f"\n4. Opening a 100,000-line log (median of {args.reps}): drawn at {big['drawn_ms']:.0f} ms "
        f"(of which the tail request {big['tail_request_ms']:.0f} ms, {big['tail_bytes'] or 0:,} bytes), "
        f"longest main-thread task {big['longest_task_ms']:.0f} ms ({big['long_tasks']:.0f} over 50 ms), "
        f"{big['rows_in_dom']} rows in the DOM for {big['lines']}"
    )


def log_scenarios(host: Host, context: Any, args: argparse.Namespace) -> list[tuple[str, dict[str, Any]]]:
    """Main-thread load of the log page (and the dashboard) while a strategy floods its log."""
    quiet = host.upload("Quiet", "print('one line')\n")
    host.start(quiet)
    host.wait(lambda: host.status_of(quiet) == "stopped")
    flood = host.upload("Flood", FLOOD.format(rate=args.rate))
    host.start(flood)
    host.wait(lambda: host.log_has(flood, "order placed"))
    logs = f"/python/logs/{flood}"
    search = (
        "() => { const s = document.querySelector('[data-search]'); s.value = 'warning';"
        " s.dispatchEvent(new Event('input')); }"
    )
    pause = "() => document.querySelector('[data-follow]').click()"
    scenarios = [
        ("log page of a stopped strategy (baseline)", f"/python/logs/{quiet}", ""),
        (f"dashboard of {args.strategies} strategies, left open", "/python", ""),
        (f"log page, {args.rate} lines/s, following", logs, ""),
        (f"log page, {args.rate} lines/s, search active (view held on a match)", logs, search),
        (f"log page, {args.rate} lines/s, paused", logs, pause),
    ]
    try:
        return [
            (label, main_thread(context, host.server.url, path, args.seconds, setup))
            for label, path, setup in scenarios
        ]
    finally:
        host.stop(flood)


def browser_figures(host: Host, args: argparse.Namespace) -> dict[str, Any]:
    from playwright.sync_api import sync_playwright

    results: dict[str, Any] = {}
    url = host.server.url
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        try:
            context = log_in(browser, url)
            results["browser"] = [
                page_times(context, url, "/", args.reps, dashboard=False),
                page_times(context, url, "/python", args.reps, dashboard=True),
            ]
            results["load"] = log_scenarios(host, context, args)
            big = host.upload("Big log", BIG_LOG)
            host.start(big)
            host.wait(lambda: host.log_has(big, "all written"))
            results["big_log"] = open_big_log(context, url, big, args.reps)
            host.stop(big)
            context.close()
        finally:
            browser.close()
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--strategies", type=int, default=200)
    parser.add_argument("--running", type=int, default=10)
    parser.add_argument("--requests", type=int, default=30, help="server-time samples per request")
    parser.add_argument("--reps", type=int, default=5, help="browser page loads per figure")
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--rate", type=int, default=1000, help="log lines per second")
    parser.add_argument("--json", action="store_true", help="print the results as JSON too")
    args = parser.parse_args(argv)
    if not CHROMIUM.exists():
        print("skipped: Debian's Chromium is not installed at /usr/bin/chromium")
        return 0
    with tempfile.TemporaryDirectory(prefix="bench-dashboard-") as scratch:
        host = Host(Path(scratch) / "data")
        try:
            ids = [host.upload(f"Strategy {n:03d}", SLEEPER) for n in range(args.strategies)]
            for strategy_id in ids[: args.running]:
                host.start(strategy_id)
            host.wait(lambda: all(host.status_of(s) == "running" for s in ids[: args.running]))
            time.sleep(6)  # let CPU/memory samples arrive
            results: dict[str, Any] = {"server": server_times(host, args.requests)}
            results.update(browser_figures(host, args))
        finally:
            host.close()
    report(results, args)
    if args.json:
        print(json.dumps(results, indent=2, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())
