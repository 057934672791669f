"""The shape of the house, checked by tests instead of by memory (docs/DEVELOPING.md, "Rules").

Read from the real source with ``ast``: module sizes, where Flask may appear, what
``custom_strategies/`` and the migrations may import, and that no room of ``services/`` imports a
room above it. Each rule's checker also runs once on a planted offender, so a checker that can no
longer fail is noticed.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

MAX_MODULE_LINES = 400
MAX_BLUEPRINT_LINES = 300
SIZED = ("app.py", "blueprints", "services", "database", "custom_strategies")

#: Feature rooms of services/, top to bottom: a room may import the rooms below it, never above.
ROOMS = (
    "host",  # the composition root: builds every room
    "execution",
    "webhooks",
    "schedules",
    "hosting",
    "orders",
    "broker",
    "market",
)
#: Host-wide parts every room may use; they import only each other (and database/).
SHARED = frozenset(
    {
        "calendar",
        "live",
        "cron",
        "clock",
        "errors",
        "settings",
        "lifecycle",
        "wake_loop",
        "crypto",
        "host_logging",
        "accounts",
        "apikeys",
        "confinement",
        "leases",
        "login_throttle",
        "rate_limits",
        "data_dir",
    }
)
FLASK = ("flask", "werkzeug")
NO_FLASK = ("services", "database", "custom_strategies")


@dataclass(frozen=True)
class Import:
    module: str  # the importing module, dotted
    target: str  # what it imports, dotted
    line: int

    def __str__(self) -> str:
        return f"{self.module}:{self.line} imports {self.target}"


def python_files(*folders: str) -> list[Path]:
    found: list[Path] = []
    for folder in folders:
        path = ROOT / folder
        if path.is_file():
            found.append(path)
        elif path.is_dir():
            found.extend(p for p in path.rglob("*.py") if "__pycache__" not in p.parts)
    return sorted(found)


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imports_in(source: str, module: str) -> Iterator[Import]:
    """Every absolute import of ``source`` (relative imports resolved against ``module``)."""
    package = module.rsplit(".", 1)[0]
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield Import(module, alias.name, node.lineno)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = ".".join(package.split(".")[: len(package.split(".")) - node.level + 1])
                target = f"{base}.{node.module}" if node.module else base
            else:
                target = node.module or ""
            yield Import(module, target, node.lineno)


def all_imports(*folders: str) -> list[Import]:
    return [
        found
        for path in python_files(*folders)
        for found in imports_in(path.read_text(encoding="utf-8"), module_name(path))
    ]


def room_of(module: str) -> str | None:
    """``services.hosting.supervisor`` -> ``hosting``; None outside services/."""
    parts = module.split(".")
    if parts[0] != "services" or len(parts) < 2:
        return None
    return parts[1]


# Checkers (pure: the tests below run them on the tree and on planted offenders) ---------------------
def oversized(modules: dict[str, str]) -> list[str]:
    """``modules``: path relative to the project -> source text."""
    problems = []
    for relative, source in modules.items():
        lines = len(source.splitlines())
        limit = MAX_BLUEPRINT_LINES if relative.startswith("blueprints/") else MAX_MODULE_LINES
        if lines > limit:
            problems.append(f"{relative}: {lines} lines (at most {limit}: split it by noun)")
    return problems


def flask_below_the_edge(imports: list[Import]) -> list[str]:
    return [
        f"{found} (Flask stops at the edge)"
        for found in imports
        if found.module.split(".")[0] in NO_FLASK and found.target.split(".")[0] in FLASK
    ]


def strategies_reaching_in(imports: list[Import]) -> list[str]:
    return [
        f"{found} (custom_strategies/ uses only the standard library, pandas, numpy and openalgo)"
        for found in imports
        if found.module.split(".")[0] == "custom_strategies"
        and found.target.split(".")[0] in {"services", "database", "blueprints", "app"}
    ]


def migrations_importing_models(imports: list[Import]) -> list[str]:
    return [
        f"{found} (freeze the type in database/migrations/types.py)"
        for found in imports
        if found.module.startswith("database.migrations.versions")
        and found.target.startswith("database.models")
    ]


def rooms_importing_upwards(imports: list[Import]) -> list[str]:
    problems = []
    for found in imports:
        source, target = room_of(found.module), room_of(found.target)
        if source is None or target is None or source == target:
            continue
        for room in (source, target):
            if room not in ROOMS and room not in SHARED:
                problems.append(f"{found}: services/{room} is in no room list (add it to ROOMS or SHARED)")
        if target in SHARED or source not in ROOMS or target not in ROOMS:
            if source in SHARED and target in ROOMS:
                problems.append(f"{found}: the shared part {source} must not depend on the room {target}")
            continue
        if ROOMS.index(target) < ROOMS.index(source):
            problems.append(f"{found}: the room {source} imports {target}, which is above it")
    return problems


# The rules on the tree --------------------------------------------------------------------------------
def test_no_module_is_over_its_size() -> None:
    sources = {
        path.relative_to(ROOT).as_posix(): path.read_text(encoding="utf-8") for path in python_files(*SIZED)
    }
    assert oversized(sources) == []


def test_flask_stops_at_the_edge() -> None:
    assert flask_below_the_edge(all_imports(*NO_FLASK)) == []


def test_custom_strategies_import_nothing_of_the_host() -> None:
    assert strategies_reaching_in(all_imports("custom_strategies")) == []


def test_migrations_do_not_import_live_models() -> None:
    assert migrations_importing_models(all_imports("database/migrations")) == []


def test_rooms_import_only_rooms_below_them() -> None:
    assert rooms_importing_upwards(all_imports("services")) == []


def test_every_room_is_placed() -> None:
    # A folder counts when it holds Python files (a checkout may keep a moved one's caches).
    rooms = {path.name for path in (ROOT / "services").iterdir() if path.is_dir() and any(path.glob("*.py"))}
    modules = {path.stem for path in (ROOT / "services").glob("*.py") if path.stem != "__init__"}
    assert (rooms | modules) - set(ROOMS) - SHARED == set()


# The checkers can fail ---------------------------------------------------------------------------------
def _planted(module: str, source: str) -> list[Import]:
    return list(imports_in(source, module))


@pytest.mark.parametrize(
    ("module", "source", "checker"),
    [
        ("services.orders.router", "from flask import request\n", flask_below_the_edge),
        ("database.engine", "import werkzeug.exceptions\n", flask_below_the_edge),
        ("custom_strategies.examples.ema", "from services.host import Host\n", strategies_reaching_in),
        (
            "database.migrations.versions.0009_x",
            "from database.models.base import Base\n",
            migrations_importing_models,
        ),
        (
            "services.broker.venue",
            "from services.orders.router import OrderRouter\n",
            rooms_importing_upwards,
        ),
        ("services.market.types", "from ..hosting import supervisor\n", rooms_importing_upwards),
        ("services.calendar.store", "from services.hosting.repository import X\n", rooms_importing_upwards),
        (
            "services.newroom.thing",
            "from services.broker.types import OrderRequest\n",
            rooms_importing_upwards,
        ),
    ],
)
def test_each_checker_names_a_planted_offender(module: str, source: str, checker: object) -> None:
    problems = checker(_planted(module, source))  # type: ignore[operator]
    assert len(problems) == 1 and module in problems[0]


def test_allowed_imports_are_not_reported() -> None:
    allowed = _planted(
        "services.schedules.service",
        "from services.hosting.supervisor import Supervisor\nfrom services.cron import Cron\n"
        "from services.calendar.exchanges import SESSIONS\nimport threading\n",
    )
    assert rooms_importing_upwards(allowed) == []
    assert flask_below_the_edge(allowed) == []


def test_a_module_over_its_size_is_reported() -> None:
    service = "x = 1\n" * (MAX_MODULE_LINES + 1)
    blueprint = "x = 1\n" * (MAX_BLUEPRINT_LINES + 1)
    problems = oversized({"services/big.py": service, "blueprints/big.py": blueprint, "app.py": "x = 1\n"})
    assert problems == [
        f"services/big.py: {MAX_MODULE_LINES + 1} lines (at most {MAX_MODULE_LINES}: split it by noun)",
        f"blueprints/big.py: {MAX_BLUEPRINT_LINES + 1} lines "
        f"(at most {MAX_BLUEPRINT_LINES}: split it by noun)",
    ]
