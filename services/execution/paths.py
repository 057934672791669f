"""The two strategy roots and the one way from a ``strategy_file`` string to a real file.

``custom_strategies/examples/`` (shipped with the host, read-only) and
``<DATA_DIR>/custom_strategies/user_strategies/`` (the trader's uploads). A strategy file is named
by its path relative to ``custom_strategies/`` — ``examples/ema_crossover.py``,
``user_strategies/mine.py`` — and ``StrategyRoots.resolve`` is the only way from such a string
(from a form, a database row, a URL) to a path: one folder and one file name, no ``..``, no
absolute path, no NUL, ``.py`` only, and the real path (symlinks followed) still directly inside
its root. Anything else is ``InvalidInput`` naming the field.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from services.errors import InvalidInput

EXAMPLES = "examples"
USER = "user_strategies"
#: A file name we accept: a Python module-ish name (uploads are checked with the same rule).
FILE_NAME = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,99}\.py$")
MAX_PATH_CHARS = 255


@dataclass(frozen=True)
class StrategyRoot:
    prefix: str  # the first part of a strategy_file string: "examples" or "user_strategies"
    path: Path
    read_only: bool


@dataclass(frozen=True)
class StrategyFileRef:
    """A strategy file that passed ``resolve``: ``file`` as the trader sees it, ``path`` real."""

    file: str
    path: Path
    read_only: bool


class StrategyRoots:
    def __init__(self, roots: Sequence[StrategyRoot]) -> None:
        self._roots = {root.prefix: root for root in roots}

    @classmethod
    def standard(cls, project_root: Path, data_dir: Path) -> StrategyRoots:
        package = project_root / "custom_strategies"
        return cls(
            (
                StrategyRoot(EXAMPLES, package / EXAMPLES, read_only=True),
                StrategyRoot(USER, data_dir / "custom_strategies" / USER, read_only=False),
            )
        )

    @property
    def roots(self) -> tuple[StrategyRoot, ...]:
        return tuple(self._roots.values())

    def resolve(
        self, value: object, field: str = "strategy_file", must_exist: bool = True
    ) -> StrategyFileRef:
        """The file ``value`` names, or ``InvalidInput(fields={field: why})``."""
        root, name = self._split(value, field)
        folder = Path(os.path.realpath(root.path))
        candidate = root.path / name
        real = Path(os.path.realpath(candidate))
        if real.parent != folder:
            raise _invalid(field, "it leads outside custom_strategies/ (a link pointing out is refused)")
        if must_exist and not real.is_file():
            raise _invalid(field, f"there is no strategy file {root.prefix}/{name}")
        if real.exists() and not real.is_file():
            raise _invalid(field, "it is not a regular file")
        return StrategyFileRef(f"{root.prefix}/{name}", real, root.read_only)

    def _split(self, value: object, field: str) -> tuple[StrategyRoot, str]:
        if not isinstance(value, str) or not value.strip():
            raise _invalid(field, "a path such as examples/ema_crossover.py is required")
        if "\x00" in value:
            raise _invalid(field, "it contains a NUL byte")
        if len(value) > MAX_PATH_CHARS:
            raise _invalid(field, f"at most {MAX_PATH_CHARS} characters")
        if value.startswith(("/", "~")) or "\\" in value or re.match(r"^[A-Za-z]:", value):
            raise _invalid(
                field, "give the path relative to custom_strategies/, e.g. examples/ema_crossover.py"
            )
        parts = value.split("/")
        if any(part in {"..", "."} for part in parts):
            raise _invalid(field, "'..' and '.' are not allowed")
        if len(parts) != 2 or parts[0] not in self._roots:
            folders = " or ".join(f"{prefix}/" for prefix in self._roots)
            raise _invalid(field, f"a strategy file lies directly in {folders}")
        name = parts[1]
        if not name.endswith(".py"):
            raise _invalid(field, "only .py files are strategy files")
        if name == "__init__.py" or not FILE_NAME.match(name):
            raise _invalid(field, "letters, digits, '_', '-' and '.' only, ending in .py (not __init__.py)")
        return self._roots[parts[0]], name

    def candidates(self) -> Iterator[tuple[StrategyRoot, Path]]:
        """Every ``*.py`` (not ``__init__.py``) directly in each root, sorted by name."""
        for root in self._roots.values():
            try:
                entries = sorted(root.path.glob("*.py"))
            except OSError:
                continue
            for path in entries:
                if path.name != "__init__.py":
                    yield root, path


def _invalid(field: str, reason: str) -> InvalidInput:
    return InvalidInput(f"Invalid {field}: {reason}.", fields={field: reason})
