"""How a setting is declared: its environment variable, its parser, its default and one line of
documentation, kept as dataclass field metadata that ``Settings.from_env`` and the README read."""

from __future__ import annotations

from dataclasses import field
from pathlib import Path
from typing import Any

from services.settings.parsers import Parser

PROJECT_ROOT = Path(__file__).resolve().parent.parent.parent


def setting(env: str, parse: Parser, default: Any, doc: str) -> Any:
    return field(default=default, metadata={"env": env, "parse": parse, "doc": doc})
