"""Listing strategy files without running them: ``ast`` only, never an import in the web process.

For each ``*.py`` in the roots (``paths.StrategyRoots``): the classes that subclass
``BaseStrategy`` (by name: ``BaseStrategy``, ``base_strategy.BaseStrategy``, an alias of it, or a
strategy class of the same file), their docstring, their ``name``/``description``/``parameters``
read with ``ast.literal_eval`` (so they must be literals), and the ``lint`` findings. A file is
``valid`` when it parses, defines at least one strategy class, its metadata are literals and the
lint finds nothing; else ``error`` says why (with line and column where there is one). Whether it
really imports and instantiates is ``ExecutionEngine.validate``'s job, in a child.

``Discovery`` caches each file's verdict by (path, size, mtime, ctime, inode) and, when those
change, by its content hash: a listing re-reads only files that changed.
"""

from __future__ import annotations

import ast
import hashlib
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from services.errors import InvalidInput
from services.execution import lint
from services.execution.paths import StrategyFileRef, StrategyRoots

MAX_FILE_BYTES = 1024 * 1024
_METADATA = ("name", "description", "parameters")


@dataclass(frozen=True)
class StrategyClass:
    class_name: str
    name: str
    description: str
    parameters: dict[str, Any]
    doc: str
    line: int

    def as_dict(self) -> dict[str, Any]:
        return {
            "class": self.class_name,
            "name": self.name,
            "description": self.description,
            "parameters": dict(self.parameters),
        }


@dataclass(frozen=True)
class Problem:
    message: str
    line: int | None = None
    column: int | None = None

    def as_dict(self) -> dict[str, Any]:
        return {"message": self.message, "line": self.line, "column": self.column}


@dataclass(frozen=True)
class StrategyFile:
    """One file as listed: ``file`` relative to ``custom_strategies/``."""

    file: str
    classes: tuple[StrategyClass, ...]
    error: Problem | None
    read_only: bool
    sha256: str
    findings: tuple[lint.Finding, ...] = field(default=())

    @property
    def valid(self) -> bool:
        return self.error is None

    def as_dict(self) -> dict[str, Any]:
        """The shape of ``GET /strategy/api/custom``'s entries."""
        return {
            "file": self.file,
            "classes": [found.as_dict() for found in self.classes],
            "valid": self.valid,
            "error": None if self.error is None else self.error.as_dict(),
            "read_only": self.read_only,
        }

    def pick(self, strategy_class: str | None, field_name: str = "strategy_class") -> StrategyClass:
        """The class to run: ``strategy_class``, or the only one; else ``InvalidInput``."""
        if self.error is not None:
            raise InvalidInput(
                f"{self.file} cannot be used: {self.error.message}",
                fields={"strategy_file": self.error.message},
            )
        if strategy_class:
            for found in self.classes:
                if found.class_name == strategy_class:
                    return found
            names = ", ".join(found.class_name for found in self.classes)
            raise InvalidInput(
                f"{self.file} has no strategy class {strategy_class}.",
                fields={field_name: f"one of: {names}"},
            )
        if len(self.classes) > 1:
            names = ", ".join(found.class_name for found in self.classes)
            raise InvalidInput(
                f"{self.file} defines {len(self.classes)} strategies: choose one.",
                fields={field_name: f"choose one of: {names}"},
            )
        return self.classes[0]


def analyse(source: bytes, file: str, read_only: bool) -> StrategyFile:
    """The listing entry of ``source`` (pure: parses, never runs)."""
    digest = hashlib.sha256(source).hexdigest()
    text, problem = _text(source)
    tree = None
    if text is not None:
        try:
            tree = ast.parse(text, filename=file)
        except SyntaxError as error:
            problem = Problem(f"syntax error: {error.msg}", error.lineno, error.offset)
    if tree is None:
        return StrategyFile(file, (), problem, read_only, digest)
    classes, problems = _strategy_classes(tree)
    findings = tuple(lint.findings(tree))
    if problems:
        problem = problems[0]
    elif not classes:
        problem = Problem("no BaseStrategy subclass (e.g. class MyStrategy(BaseStrategy): ...)")
    elif findings:
        listed = "; ".join(finding.describe() for finding in findings)
        problem = Problem(f"forbidden: {listed}", findings[0].line, findings[0].column)
    return StrategyFile(file, classes, problem, read_only, digest, findings)


def _text(source: bytes) -> tuple[str | None, Problem | None]:
    if len(source) > MAX_FILE_BYTES:
        return None, Problem(f"the file is larger than {MAX_FILE_BYTES // 1024} KB")
    if b"\x00" in source:
        return None, Problem("the file contains a NUL byte")
    try:
        return source.decode("utf-8"), None
    except UnicodeDecodeError as error:
        return None, Problem(f"the file is not valid UTF-8 (byte {error.start})")


def _base_aliases(tree: ast.Module) -> set[str]:
    """Local names bound to BaseStrategy (``from ... import BaseStrategy as Base``)."""
    names = {"BaseStrategy"}
    for node in tree.body:
        if isinstance(node, ast.ImportFrom):
            names.update(
                alias.asname for alias in node.names if alias.name == "BaseStrategy" and alias.asname
            )
    return names


def _is_base(node: ast.expr, bases: set[str], strategies: dict[str, StrategyClass]) -> bool:
    if isinstance(node, ast.Name):
        return node.id in bases or node.id in strategies
    return isinstance(node, ast.Attribute) and node.attr == "BaseStrategy"


def _strategy_classes(tree: ast.Module) -> tuple[tuple[StrategyClass, ...], list[Problem]]:
    """Module-level strategy classes (a subclass of one of them counts too, inheriting its metadata)."""
    bases = _base_aliases(tree)
    found: dict[str, StrategyClass] = {}
    problems: list[Problem] = []
    for node in tree.body:
        if not isinstance(node, ast.ClassDef) or not any(_is_base(b, bases, found) for b in node.bases):
            continue
        inherited = next((found[b.id] for b in node.bases if isinstance(b, ast.Name) and b.id in found), None)
        values, errors = _metadata(node)
        problems.extend(errors)
        doc = ast.get_docstring(node) or ""
        name = values.get("name", inherited.name if inherited else node.name)
        default_description = inherited.description if inherited else doc.strip().split("\n\n")[0]
        found[node.name] = StrategyClass(
            class_name=node.name,
            name=str(name) or node.name,
            description=str(values.get("description", default_description)),
            parameters=values.get("parameters", inherited.parameters if inherited else {}),
            doc=doc,
            line=node.lineno,
        )
    return tuple(found.values()), problems


def _metadata(node: ast.ClassDef) -> tuple[dict[str, Any], list[Problem]]:
    values: dict[str, Any] = {}
    problems: list[Problem] = []
    for statement in node.body:
        target, value = _assignment(statement)
        if target not in _METADATA or value is None:
            continue
        where = (value.lineno, value.col_offset + 1)
        try:
            literal = ast.literal_eval(value)
        except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
            message = (
                f"{node.name}.{target} must be a literal, so the host can read it without running the file"
            )
            problems.append(Problem(message, *where))
            continue
        if target == "parameters" and not (
            isinstance(literal, dict) and all(isinstance(key, str) for key in literal)
        ):
            problems.append(Problem(f"{node.name}.parameters must be a dict of name → default value", *where))
        elif target != "parameters" and not isinstance(literal, str):
            problems.append(Problem(f"{node.name}.{target} must be a string", *where))
        else:
            values[target] = literal
    return values, problems


def _assignment(statement: ast.stmt) -> tuple[str | None, ast.expr | None]:
    if isinstance(statement, ast.Assign) and len(statement.targets) == 1:
        target = statement.targets[0]
        return (target.id if isinstance(target, ast.Name) else None), statement.value
    if isinstance(statement, ast.AnnAssign) and isinstance(statement.target, ast.Name):
        return statement.target.id, statement.value
    return None, None


@dataclass(frozen=True)
class _Cached:
    stamp: tuple[int, int, int, int]  # size, mtime_ns, ctime_ns, inode
    entry: StrategyFile


class Discovery:
    """The strategy files of ``roots``, each analysed once per content (thread-safe)."""

    def __init__(self, roots: StrategyRoots) -> None:
        self.roots = roots
        #: keyed by (file as listed, real path): a link inside a root is listed under its own name
        self._cache: dict[tuple[str, Path], _Cached] = {}
        self._lock = threading.Lock()

    def list(self) -> list[StrategyFile]:
        """Every strategy file of every root (examples first), fresh where a file changed."""
        entries = []
        seen: set[tuple[str, Path]] = set()
        for root, path in self.roots.candidates():
            file = f"{root.prefix}/{path.name}"
            try:
                ref = self.roots.resolve(file)
            except InvalidInput as error:
                reason = error.fields.get("strategy_file", error.message)
                entries.append(StrategyFile(file, (), Problem(f"not usable: {reason}"), root.read_only, ""))
                continue
            seen.add((ref.file, ref.path))
            entries.append(self.inspect(ref))
        with self._lock:
            for gone in set(self._cache) - seen:
                del self._cache[gone]
        return entries

    def inspect(self, ref: StrategyFileRef) -> StrategyFile:
        """``ref``'s entry, analysed again only when the file changed."""
        try:
            status = ref.path.stat()
        except OSError as error:
            return StrategyFile(ref.file, (), Problem(f"unreadable: {error.strerror}"), ref.read_only, "")
        stamp = (status.st_size, status.st_mtime_ns, status.st_ctime_ns, status.st_ino)
        with self._lock:
            cached = self._cache.get((ref.file, ref.path))
        if cached is not None and cached.stamp == stamp and cached.entry.read_only == ref.read_only:
            return cached.entry
        if status.st_size > MAX_FILE_BYTES:  # not even read
            problem = Problem(f"the file is larger than {MAX_FILE_BYTES // 1024} KB")
            entry = StrategyFile(ref.file, (), problem, ref.read_only, "")
        else:
            try:
                source = ref.path.read_bytes()
            except OSError as error:
                problem = Problem(f"unreadable: {error.strerror}")
                return StrategyFile(ref.file, (), problem, ref.read_only, "")
            if cached is not None and cached.entry.sha256 == hashlib.sha256(source).hexdigest():
                entry = cached.entry  # touched, not changed
            else:
                entry = analyse(source, ref.file, ref.read_only)
        with self._lock:
            self._cache[(ref.file, ref.path)] = _Cached(stamp, entry)
        return entry

    def forget(self, path: Path) -> None:
        """Drop the cached entries of ``path`` (a save in the same clock tick keeps size and mtime)."""
        with self._lock:
            for key in [key for key in self._cache if key[1] == path]:
                del self._cache[key]
