"""The main navigation: one list, shown only for the pages this host actually serves."""

from __future__ import annotations

from dataclasses import dataclass

from flask import Flask, request, url_for


@dataclass(frozen=True)
class NavItem:
    label: str
    endpoint: str
    icon: str


NAVIGATION = (
    NavItem("Dashboard", "dashboard.index", "home"),
    NavItem("Python Strategies", "python.pages.dashboard", "code"),
    NavItem("Strategies", "strategy.index", "layers"),
    NavItem("Sandbox", "sandbox.index", "beaker"),
    NavItem("API Key", "apikey.show", "key"),
)


def navigation_for(app: Flask) -> list[dict[str, str | bool]]:
    """Navigation entries whose page is registered (a link never leads to a 404)."""
    current = request.endpoint or ""
    current_section = current.split(".", 1)[0]
    return [
        {
            "label": item.label,
            "url": url_for(item.endpoint),
            "icon": item.icon,
            "active": item.endpoint.split(".", 1)[0] == current_section,
        }
        for item in NAVIGATION
        if item.endpoint in app.view_functions
    ]
