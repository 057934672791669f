"""``/strategy``: strategies reached from outside (TradingView alerts now, custom strategies next).

``pages``    the HTML pages: the list (``strategy.index``), the new-strategy form, a strategy's page
``samples``  the ready TradingView alert messages a strategy's page offers per trading mode
``api``      the JSON management routes (session + CSRF): strategies, symbol mappings, deliveries
``machine``  the routes machines call (CSRF-exempt, rate-limited per webhook id): the webhook

``bp`` carries the pages (added by ``pages.add_pages``) and nests ``api`` (endpoints
``strategy.api.<view>``); ``machine`` is its own blueprint so that only it is exempt from CSRF.
"""

from __future__ import annotations

from flask import Blueprint, Flask

from blueprints.strategy import api, machine, pages

bp = Blueprint("strategy", __name__, url_prefix="/strategy")
pages.add_pages(bp)
bp.register_blueprint(api.bp)


def register(app: Flask) -> None:
    app.register_blueprint(bp)
    app.register_blueprint(machine.bp)
    app.extensions["csrf"].exempt(machine.bp)
