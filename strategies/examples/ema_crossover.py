"""EMA crossover: an example strategy for the OpenAlgo Strategy Host.

Upload this file at /python/new, set its variables, start it. What the host gives every strategy
(injected into its environment; you never paste keys into code):

    OPENALGO_HOST               the URL the host really listens on (e.g. http://127.0.0.1:5000)
    OPENALGO_API_KEY            your API key, for the openalgo SDK
    OPENALGO_STRATEGY_EXCHANGE  the exchange chosen for this strategy (NSE by default)
    STRATEGY_ID, STRATEGY_NAME  who this strategy is

Regular variables it reads (all optional): SYMBOL (RELIANCE), EXCHANGE (the strategy's
exchange), INTERVAL (5m), FAST_EMA (9), SLOW_EMA (21), QUANTITY (1), PRODUCT (MIS),
POLL_SECONDS (60), SQUARE_OFF_ON_STOP (true).

How a stop reaches this script, and why the clean-up is in ``finally``
---------------------------------------------------------------------
The host stops a strategy by sending a signal to its whole process group, waiting a grace
period (5 s by default, STRATEGY_STOP_GRACE_S) and then killing it with SIGKILL. The signal is
chosen per strategy in its settings:

* SIGTERM (default). Python's default reaction to SIGTERM is to die at once: no ``finally``
  block and no ``atexit`` handler runs. This script installs a handler that turns SIGTERM into
  ``SystemExit``, so the clean-up below runs just like on a normal exit.
* SIGINT. Python raises ``KeyboardInterrupt`` by itself (as for Ctrl+C), so ``finally`` blocks
  and ``atexit`` handlers run without any handler of your own.

Either way, keep the clean-up short: whatever is still running when the grace period ends is
killed with SIGKILL, which nothing can intercept. SIGKILL is also what a crash of the machine
looks like, so a strategy must never rely on its clean-up alone for safety.
"""

from __future__ import annotations

import atexit
import os
import signal
import sys
import time
from datetime import date, timedelta
from types import FrameType

from openalgo import api

STRATEGY_TAG = os.getenv("STRATEGY_NAME", "EMA crossover")[:50]


def setting(name: str, default: str) -> str:
    return os.getenv(name, default).strip() or default


SYMBOL = setting("SYMBOL", "RELIANCE").upper()
EXCHANGE = setting("EXCHANGE", os.getenv("OPENALGO_STRATEGY_EXCHANGE", "NSE")).upper()
INTERVAL = setting("INTERVAL", "5m")
FAST = int(setting("FAST_EMA", "9"))
SLOW = int(setting("SLOW_EMA", "21"))
QUANTITY = int(setting("QUANTITY", "1"))
PRODUCT = setting("PRODUCT", "MIS").upper()
POLL_SECONDS = float(setting("POLL_SECONDS", "60"))
SQUARE_OFF_ON_STOP = setting("SQUARE_OFF_ON_STOP", "true").lower() in {"1", "true", "yes", "on"}


def on_sigterm(signum: int, _frame: FrameType | None) -> None:
    # Turn the host's stop signal into a normal exit, so `finally` and `atexit` run.
    raise SystemExit(f"received {signal.Signals(signum).name}")


def connect() -> api:
    host = os.getenv("OPENALGO_HOST")
    key = os.getenv("OPENALGO_API_KEY")
    if not host or not key:
        print(
            "OPENALGO_HOST / OPENALGO_API_KEY are missing: start this script from the host.", file=sys.stderr
        )
        raise SystemExit(2)
    return api(api_key=key, host=host, timeout=30)


def signal_from_history(client: api) -> int:
    """+1 when the fast EMA is above the slow one, -1 below, 0 without enough data."""
    end = date.today()
    start = end - timedelta(days=10)
    frame = client.history(
        symbol=SYMBOL,
        exchange=EXCHANGE,
        interval=INTERVAL,
        start_date=start.isoformat(),
        end_date=end.isoformat(),
    )
    if isinstance(frame, dict):  # the SDK returns the error response as a dict
        print(f"history failed: {frame.get('message')}", file=sys.stderr)
        return 0
    close = frame["close"]
    if len(close) < SLOW + 1:
        print(f"only {len(close)} candles so far; waiting for {SLOW + 1}")
        return 0
    fast = close.ewm(span=FAST, adjust=False).mean().iloc[-1]
    slow = close.ewm(span=SLOW, adjust=False).mean().iloc[-1]
    print(f"{SYMBOL} close {close.iloc[-1]:.2f} EMA{FAST} {fast:.2f} EMA{SLOW} {slow:.2f}")
    return 1 if fast > slow else -1 if fast < slow else 0


def hold(client: api, position: int) -> None:
    """Bring the position in SYMBOL to ``position`` (OpenAlgo computes the order needed)."""
    response = client.placesmartorder(
        strategy=STRATEGY_TAG,
        symbol=SYMBOL,
        exchange=EXCHANGE,
        action="BUY" if position >= 0 else "SELL",
        price_type="MARKET",
        product=PRODUCT,
        quantity=QUANTITY,
        position_size=position,
    )
    print(f"target position {position}: {response.get('status')} {response.get('message', '')}".rstrip())


def square_off(client: api) -> None:
    """Clean-up on stop: flatten this strategy's position. Short, because SIGKILL follows."""
    if not SQUARE_OFF_ON_STOP:
        return
    try:
        hold(client, 0)
    except Exception as exc:  # a clean-up must never raise over the original reason to stop
        print(f"square-off failed: {exc}", file=sys.stderr)


def main() -> int:
    signal.signal(signal.SIGTERM, on_sigterm)
    client = connect()
    # atexit runs after `finally` on any normal exit, SystemExit or KeyboardInterrupt included.
    atexit.register(lambda: print("strategy process exiting", flush=True))
    print(f"EMA {FAST}/{SLOW} crossover on {EXCHANGE}:{SYMBOL} ({INTERVAL}), every {POLL_SECONDS:g} s")
    current = 0
    try:
        while True:
            try:
                wanted = signal_from_history(client) * QUANTITY
                if wanted and wanted != current:
                    hold(client, wanted)
                    current = wanted
            except (OSError, ValueError, KeyError) as exc:
                # Network hiccups and odd data: log and try again on the next poll.
                print(f"poll failed: {exc}", file=sys.stderr)
            time.sleep(POLL_SECONDS)
    except KeyboardInterrupt:
        print("SIGINT received: stopping")
    except SystemExit as stop:
        print(f"stop requested ({stop.code})")
    finally:
        square_off(client)
    return 0


if __name__ == "__main__":
    sys.exit(main())
