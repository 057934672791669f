"""Log viewer under a strategy printing 1,000 lines/s: how busy is the browser's main thread?

Drives Debian's Chromium with Playwright against the component harness
(tests/e2e/fixtures/logview.html, served with the host's CSP). Each scenario runs in a fresh page for
the same wall time; figures per scenario:

- busy: main-thread task time / wall time (CDP ``Performance.getMetrics`` ``TaskDuration``)
- script / layout+style: the same for ``ScriptDuration`` and ``LayoutDuration + RecalcStyleDuration``
- frames: requestAnimationFrame intervals (p50 / p95 / max) and frames slower than 50 ms
- lag: how late a 50 ms timer fires (p95 / max): what a click would wait for at worst
- long tasks: count and total of main-thread tasks over 50 ms (PerformanceObserver)

Baselines measured in the same run: an empty page, and the line generator alone (lines made but
not shown). Run: ``python -m benchmarks.bench_logview [--seconds 10] [--rate 1000] [--json]``.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any, NamedTuple

from tests.support.static_server import StaticServer

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]

PROBES = """
() => {
  const state = {frames: [], lags: [], longtasks: [], running: true};
  let last = performance.now();
  const frame = (now) => {
    state.frames.push(now - last);
    last = now;
    if (state.running) requestAnimationFrame(frame);
  };
  requestAnimationFrame((now) => { last = now; requestAnimationFrame(frame); });
  let expected = performance.now() + 50;
  const tick = () => {
    const now = performance.now();
    state.lags.push(Math.max(0, now - expected));
    expected = now + 50;
    if (state.running) setTimeout(tick, 50);
  };
  setTimeout(tick, 50);
  const observer = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) state.longtasks.push(entry.duration);
  });
  observer.observe({type: "longtask"});
  window.__bench = {
    stop() {
      state.running = false;
      observer.disconnect();
      return {frames: state.frames, lags: state.lags, longtasks: state.longtasks};
    },
  };
}
"""


class Scenario(NamedTuple):
    name: str
    page: str  # a file in tests/e2e/fixtures/
    setup: str  # JavaScript run before measuring ("" for none)
    action: str  # JavaScript measured: resolves when the scenario's time is up


METRICS = ("TaskDuration", "ScriptDuration", "LayoutDuration", "RecalcStyleDuration")


def percentile(values: list[float], share: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def read_metrics(cdp: Any) -> dict[str, float]:
    reply = cdp.send("Performance.getMetrics")
    return {m["name"]: float(m["value"]) for m in reply["metrics"] if m["name"] in METRICS}


def run_scenario(browser: Any, server: StaticServer, scenario: Scenario) -> dict[str, Any]:
    name, page_name, setup, action = scenario
    context = browser.new_context(viewport={"width": 1366, "height": 860})
    page = context.new_page()
    try:
        page.goto(f"{server.url}/fixtures/{page_name}")
        if page_name != "blank.html":
            page.wait_for_function("() => window.harness && window.harness.ready")
        if setup:
            page.evaluate(setup)
        page.wait_for_timeout(500)  # let start-up work settle before measuring
        cdp = context.new_cdp_session(page)
        cdp.send("Performance.enable")
        page.evaluate(PROBES)
        before = read_metrics(cdp)
        started = time.perf_counter()
        extra = page.evaluate(action)
        wall = time.perf_counter() - started
        after = read_metrics(cdp)
        probes = page.evaluate("() => window.__bench.stop()")
    finally:
        context.close()
    delta = {key: after.get(key, 0.0) - before.get(key, 0.0) for key in METRICS}
    frames = probes["frames"]
    return {
        "scenario": name,
        "wall_s": round(wall, 2),
        "busy_share": delta["TaskDuration"] / wall,
        "script_share": delta["ScriptDuration"] / wall,
        "layout_style_share": (delta["LayoutDuration"] + delta["RecalcStyleDuration"]) / wall,
        "frames": len(frames),
        "frame_p50_ms": percentile(frames, 0.50),
        "frame_p95_ms": percentile(frames, 0.95),
        "frame_max_ms": max(frames, default=0.0),
        "frames_over_50ms": sum(1 for f in frames if f > 50),
        "lag_p95_ms": percentile(probes["lags"], 0.95),
        "lag_max_ms": max(probes["lags"], default=0.0),
        "long_tasks": len(probes["longtasks"]),
        "long_task_ms": sum(probes["longtasks"]),
        "extra": extra,
    }


def scenarios(seconds: float, rate: int) -> list[Scenario]:
    feed = f"async () => ({{sent: await harness.feed({rate}, {seconds}), lines: harness.view.lineCount()}})"
    idle = f"() => new Promise((r) => setTimeout(r, {seconds * 1000}))"
    return [
        Scenario("empty page (baseline)", "blank.html", "", idle),
        Scenario(
            f"line generator only, {rate} lines/s (baseline)",
            "logview.html",
            "",
            f"async () => ({{sent: await harness.feed({rate}, {seconds}, 10, 'none')}})",
        ),
        Scenario(f"log view, {rate} lines/s, following", "logview.html", "", feed),
        Scenario(
            f"log view with 100,000 lines, {rate} lines/s, search active",
            "logview.html",
            "() => { harness.fill(100000); harness.view.search('order placed'); harness.view.follow(); }",
            feed,
        ),
        Scenario(
            f"log view, {rate} lines/s, paused (reader scrolled up)",
            "logview.html",
            "() => { harness.fill(20000); harness.view.scrollToLine(100); }",
            feed,
        ),
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--rate", type=int, default=1000, help="lines per second")
    parser.add_argument("--json", action="store_true", help="print the results as JSON too")
    args = parser.parse_args(argv)
    if not CHROMIUM.exists():
        print("skipped: Debian's Chromium is not installed at /usr/bin/chromium")
        return 0
    from playwright.sync_api import sync_playwright

    results: list[dict[str, Any]] = []
    with StaticServer() as server, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        try:
            for scenario in scenarios(args.seconds, args.rate):
                results.append(run_scenario(browser, server, scenario))
        finally:
            browser.close()

    empty = results[0]["busy_share"]
    generator = results[1]["busy_share"]
    print(f"Log viewer main-thread load over {args.seconds:g} s at {args.rate} lines/s (Chromium, headless)")
    for r in results:
        ratio = f"{r['busy_share'] / empty:.1f}x empty page" if empty > 0 else "n/a"
        print(f"\n{r['scenario']}")
        print(
            f"  busy {r['busy_share']:.1%} of the main thread ({ratio}; "
            f"{(r['busy_share'] - empty) * 100:+.1f} points over the empty page, "
            f"{(r['busy_share'] - generator) * 100:+.1f} over the generator alone)"
        )
        print(f"  script {r['script_share']:.1%}, layout+style {r['layout_style_share']:.1%}")
        print(
            f"  frames {r['frames']}: p50 {r['frame_p50_ms']:.1f} ms, p95 {r['frame_p95_ms']:.1f} ms, "
            f"max {r['frame_max_ms']:.1f} ms, over 50 ms: {r['frames_over_50ms']}"
        )
        print(f"  timer lag p95 {r['lag_p95_ms']:.1f} ms, max {r['lag_max_ms']:.1f} ms")
        print(f"  long tasks {r['long_tasks']} ({r['long_task_ms']:.0f} ms)  {r['extra'] or ''}")
    if args.json:
        print(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
