"""Helpers for the execution engine's tests: an engine on a throwaway DATA_DIR, strategy sources.

The engine's children import ``custom_strategies.base_strategy``; until the real package is in
the tree the tests put the stand-in of tests/data/custom/standin/ first on the zygote's path.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

from services.execution.engine import EngineConfig

ROOT = Path(__file__).resolve().parents[2]
STANDIN = ROOT / "tests" / "data" / "custom" / "standin"
HOST_URL = "http://127.0.0.1:5000"


def import_paths() -> tuple[Path, ...]:
    real = ROOT / "custom_strategies" / "base_strategy.py"
    return () if real.exists() else (STANDIN,)


def private_paths(data_dir: Path) -> tuple[Path, ...]:
    """The folders ``Settings.private_paths`` names for a DATA_DIR, made and filled a little."""
    paths = tuple(data_dir / name for name in ("keys", "db", "log", "strategies"))
    for path in paths:
        path.mkdir(parents=True, exist_ok=True)
    (data_dir / "keys" / ".encryption_key").write_text("not-a-real-key\n")
    (data_dir / ".env").write_text("SECRET_KEY=host-only\n")
    return (*paths, data_dir / ".env")


def engine_config(base: Path, **changes: object) -> EngineConfig:
    data_dir = base / "data"
    fields: dict[str, object] = {
        "scratch_root": base / "work",
        "private_paths": private_paths(data_dir),
        "host_url": HOST_URL,
        "import_paths": import_paths(),
        "restart_wait_s": 60.0,
    }
    fields.update(changes)
    return EngineConfig(**fields)  # type: ignore[arg-type]


def strategy(body: str, *, header: str = "", name: str = "Probe") -> str:
    """A strategy file whose ``execute`` is ``body`` (indented for you)."""
    return (
        "from custom_strategies.base_strategy import BaseStrategy\n"
        + textwrap.dedent(header)
        + f"\n\nclass {name}(BaseStrategy):\n    def execute(self):\n"
        + textwrap.indent(textwrap.dedent(body).strip("\n"), " " * 8)
        + "\n"
    )
