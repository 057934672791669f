"""The ``/strategy`` pages (HTML only): the list of webhook strategies, the new-strategy form and a
strategy's own page (webhook URL, ready alert messages, symbol mappings, settings, deliveries).

``add_pages`` registers them straight on the ``strategy`` blueprint, so their endpoints read
``strategy.index``, ``strategy.new`` and ``strategy.detail`` (the navigation links the first).
Each page is rendered with its current state from ``host().webhooks.console``; small ES modules
(static/js/strategy/) then act and stay live through the JSON API (``api``). The server decides
and validates; the pages and scripts only show what it says.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, render_template, request
from flask_login import login_required

from blueprints.python.format import moment_text
from blueprints.strategy.samples import samples_by_mode
from blueprints.web import host
from services.broker.types import PRODUCTS
from services.calendar.exchanges import STRATEGY_EXCHANGES
from services.calendar.timefmt import format_hhmm
from services.webhooks.definition import VENUES, StrategyDefinition, default_window
from services.webhooks.modes import MODES

#: deliveries shown on a strategy's page (and asked for by its live refresh)
DELIVERIES_SHOWN = 50

MODE_HELP = {
    "LONG": "Long only: BUY opens a position, SELL closes it. Never goes short.",
    "SHORT": "Short only: SELL opens a position, BUY covers it. Never goes long.",
    "BOTH": "Long and short: each alert names the position to reach (position_size).",
}
VENUE_LABELS = {"sandbox": "Paper (sandbox)", "live": "Live (upstream OpenAlgo)"}
VENUE_UNAVAILABLE = {
    "sandbox": "Not on this host: it trades live only (BROKER=upstream).",
    "live": "Needs an upstream OpenAlgo server: set UPSTREAM_HOST and UPSTREAM_API_KEY, then restart "
    "the host.",
}
#: products a mapping may use; MIS is offered only while the strategy is intraday
PRODUCT_HELP = {"MIS": "MIS (intraday)", "CNC": "CNC (delivery)", "NRML": "NRML (F&O carry)"}


def add_pages(bp: Blueprint) -> None:
    """Register the pages and their template helpers on the ``strategy`` blueprint."""
    bp.add_url_rule("", "index", index, methods=["GET"])
    bp.add_url_rule("/new", "new", new, methods=["GET"])
    bp.add_url_rule("/<int:strategy_id>", "detail", detail, methods=["GET"])
    bp.context_processor(page_helpers)


def page_helpers() -> dict[str, Any]:
    """The choices the strategy forms offer and the display helpers (this blueprint's pages)."""
    venues = host().webhooks.console.venues
    return {
        "exchanges": STRATEGY_EXCHANGES,
        "modes": [(mode, MODE_HELP[mode]) for mode in MODES],
        "venue_choices": [
            {
                "value": venue,
                "label": VENUE_LABELS[venue],
                "available": venue in venues,
                "reason": "" if venue in venues else VENUE_UNAVAILABLE[venue],
            }
            for venue in VENUES
        ],
        "venue_label": lambda venue: VENUE_LABELS.get(venue, venue),
        "products": [(product, PRODUCT_HELP.get(product, product)) for product in PRODUCTS],
        "window_defaults": {
            exchange: [format_hhmm(t) for t in (w.start, w.end, w.squareoff)]
            for exchange in STRATEGY_EXCHANGES
            for w in (default_window(exchange),)
        },
        "moment_text": moment_text,
        "order_text": order_text,
    }


def order_text(order: dict[str, Any]) -> str:
    """An order of a delivery: ``BUY 10 · SBIN NSE MIS``, or ``SELL to position 0 · ...`` for a
    smart order (static/js/strategy/deliveries.js writes the same)."""
    where = f"{order.get('symbol', '')} {order.get('exchange', '')} {order.get('product', '')}"
    if order.get("position_size") is None:
        return f"{order.get('action', '')} {order.get('quantity', '')} · {where}"
    return f"{order.get('action', '')} to position {order['position_size']} · {where}"


@login_required
def index() -> str:
    strategies = host().webhooks.console.all(request.host_url)
    return render_template("strategy/list.html", strategies=strategies)


@login_required
def new() -> str:
    return render_template("strategy/new.html", values=_new_values(host().webhooks.console.venues))


@login_required
def detail(strategy_id: int) -> str:
    the_host = host()
    console = the_host.webhooks.console
    strategy = console.detail(strategy_id, request.host_url)
    deliveries = console.deliveries(strategy_id, DELIVERIES_SHOWN, None)
    return render_template(
        "strategy/detail.html",
        strategy=strategy,
        values=strategy,
        deliveries=deliveries,
        samples=samples_by_mode(),
        dedupe_seconds=the_host.settings.webhook_dedupe_seconds,
        page_state={"strategy": strategy, "deliveries_limit": DELIVERIES_SHOWN},
    )


def _new_values(venues: tuple[str, ...]) -> dict[str, Any]:
    """What the new-strategy form starts with: the definition's defaults on its exchange's session."""
    base = StrategyDefinition(name="")
    window = default_window(base.exchange)
    return {
        "name": "",
        "exchange": base.exchange,
        "trading_mode": base.trading_mode,
        "is_intraday": base.is_intraday,
        "start_time": format_hhmm(window.start),
        "end_time": format_hhmm(window.end),
        "squareoff_time": format_hhmm(window.squareoff),
        "trading_venue": base.trading_venue if base.trading_venue in venues else venues[0],
    }
