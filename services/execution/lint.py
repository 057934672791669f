"""Forbidden imports and calls in a strategy file: a lint, NOT a boundary.

Run on the ``ast`` at listing and upload, so the trader hears early that the file reaches for
something the engine refuses anyway (the audit hook, seccomp and Landlock are what stop it at run
time: ``guard``, ``filters``, ``sandbox``). It is easy to get round (``getattr``, ``exec``, a
module that imports it for you) and it does not try to be hard to get round.

Refused: starting programs or processes (``subprocess``, ``multiprocessing``,
``concurrent.futures.ProcessPoolExecutor``, ``pty``, ``os.system``/``popen``/``exec*``/``spawn*``/
``fork``/``posix_spawn*``, ``os.kill``), native code (``ctypes``, ``cffi``), raw or serving
network code (``socket``, ``socketserver``, ``http.server``, ``xmlrpc.server``: strategies reach
the host through the OpenAlgo SDK), and ``importlib.import_module``/``__import__`` of a name that
is not a literal (the lint could not see what it imports).
"""

from __future__ import annotations

import ast
from dataclasses import dataclass

_PROGRAMS = "starts programs or processes"
_NATIVE = "calls native code"
_NETWORK = "opens raw or listening network connections (use the OpenAlgo SDK)"

FORBIDDEN_MODULES: dict[str, str] = {
    "subprocess": _PROGRAMS,
    "_posixsubprocess": _PROGRAMS,
    "multiprocessing": _PROGRAMS,
    "concurrent.futures.process": _PROGRAMS,
    "pty": _PROGRAMS,
    "pexpect": _PROGRAMS,
    "ctypes": _NATIVE,
    "_ctypes": _NATIVE,
    "cffi": _NATIVE,
    "socket": _NETWORK,
    "_socket": _NETWORK,
    "socketserver": _NETWORK,
    "http.server": _NETWORK,
    "xmlrpc.server": _NETWORK,
}
FORBIDDEN_NAMES: dict[str, str] = {
    "concurrent.futures.ProcessPoolExecutor": _PROGRAMS,
    "os.system": _PROGRAMS,
    "os.popen": _PROGRAMS,
    "os.fork": _PROGRAMS,
    "os.forkpty": _PROGRAMS,
    "os.kill": "signals other processes",
    "os.killpg": "signals other processes",
}
FORBIDDEN_PREFIXES: dict[str, str] = {
    "os.exec": _PROGRAMS,
    "os.spawn": _PROGRAMS,
    "os.posix_spawn": _PROGRAMS,
}
_DYNAMIC_IMPORTS = {"importlib.import_module", "__import__"}


@dataclass(frozen=True)
class Finding:
    name: str
    line: int
    column: int
    reason: str

    def describe(self) -> str:
        return f"{self.name} (line {self.line}): {self.reason}"


def _module_reason(module: str) -> str | None:
    parts = module.split(".")
    for end in range(len(parts), 0, -1):
        reason = FORBIDDEN_MODULES.get(".".join(parts[:end]))
        if reason is not None:
            return reason
    return None


def _name_reason(name: str) -> str | None:
    reason = FORBIDDEN_NAMES.get(name) or _module_reason(name)
    if reason is not None:
        return reason
    return next((why for prefix, why in FORBIDDEN_PREFIXES.items() if name.startswith(prefix)), None)


def _dotted(node: ast.expr, aliases: dict[str, str]) -> str | None:
    """``os.system`` for ``os.system`` (or ``o.system`` after ``import os as o``)."""
    if isinstance(node, ast.Name):
        return aliases.get(node.id, node.id)
    if isinstance(node, ast.Attribute):
        base = _dotted(node.value, aliases)
        return None if base is None else f"{base}.{node.attr}"
    return None


def findings(tree: ast.Module) -> list[Finding]:
    """Every forbidden import or call in ``tree``, in source order."""
    found: list[Finding] = []
    aliases: dict[str, str] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                bound = alias.asname or alias.name.split(".")[0]  # `import a.b` binds `a`
                aliases[bound] = alias.name if alias.asname else bound
                reason = _module_reason(alias.name)
                if reason is not None:
                    found.append(Finding(alias.name, node.lineno, node.col_offset + 1, reason))
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            for alias in node.names:
                full = f"{node.module}.{alias.name}"
                aliases[alias.asname or alias.name] = full
                reason = _module_reason(node.module) or _name_reason(full)
                if reason is not None:
                    found.append(Finding(full, node.lineno, node.col_offset + 1, reason))
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            finding = _call_finding(node, aliases)
            if finding is not None:
                found.append(finding)
    return sorted(set(found), key=lambda f: (f.line, f.column, f.name))


def _call_finding(node: ast.Call, aliases: dict[str, str]) -> Finding | None:
    name = _dotted(node.func, aliases)
    if name is None:
        return None
    where = (node.lineno, node.col_offset + 1)
    if name in _DYNAMIC_IMPORTS:
        first = node.args[0] if node.args else None
        if not (isinstance(first, ast.Constant) and isinstance(first.value, str)):
            return Finding(name, *where, "imports a module the lint cannot see (give its name literally)")
        reason = _module_reason(first.value)
        return None if reason is None else Finding(first.value, *where, reason)
    reason = FORBIDDEN_NAMES.get(name) or next(
        (why for prefix, why in FORBIDDEN_PREFIXES.items() if name.startswith(prefix)), None
    )
    return None if reason is None else Finding(name, *where, reason)
