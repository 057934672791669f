"""OpenAlgo's REST API v1 (what the ``openalgo`` SDK calls), authenticated by the API key in the body.

CSRF-exempt (machines send the API key instead of a session); every other route keeps CSRF.
"""

from __future__ import annotations

from flask import Flask

from blueprints.api_v1 import account, market, orders
from blueprints.api_v1.common import bp

__all__ = ["account", "bp", "market", "orders", "register"]


def register(app: Flask) -> None:
    """Register the blueprint and exempt it from CSRF (CSRFProtect keeps itself in app.extensions)."""
    app.register_blueprint(bp)
    app.extensions["csrf"].exempt(bp)
