"""``/strategy/api/custom``: the custom strategy files (list, upload, read, save, delete) as JSON.

Session + CSRF like the rest of ``/strategy/api``; a file is named by its path relative to
``custom_strategies/`` (``?path=examples/ema_crossover.py``), the same string ``strategy_file``
takes. Nothing here runs a file: listing reads it, saving validates it in an isolated child.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, request
from flask_login import login_required

from blueprints.web import host, json_body, ok
from services.errors import InvalidInput
from services.execution.discovery import MAX_FILE_BYTES
from services.execution.files import StrategyFiles

bp = Blueprint("custom", __name__, url_prefix="/custom")


def _files() -> StrategyFiles:
    return host().execution.files


def _path() -> str:
    path = request.args.get("path")
    if not path:
        raise InvalidInput(
            "path is required, e.g. ?path=examples/ema_crossover.py", fields={"path": "is required"}
        )
    return path


@bp.get("")
@login_required
def listing() -> Any:
    # ``isolation``: the boundaries in force on this machine (detected, not promised).
    return ok({"strategies": _files().listing(), "isolation": host().execution.engine.capabilities})


@bp.post("/upload")
@login_required
def upload() -> Any:
    file = request.files.get("file")
    if file is None:
        raise InvalidInput("Choose a .py file to upload.", fields={"file": "A file is required."})
    data = file.stream.read(MAX_FILE_BYTES + 1)  # one byte past the limit says it is too large
    entry = _files().upload(file.filename, data)
    return ok({"file": entry}, f"{entry['file']} uploaded.", 201)


@bp.get("/file")
@login_required
def read() -> Any:
    return ok(_files().read(_path()))


@bp.post("/file")
@login_required
def save() -> Any:
    entry = _files().save(_path(), json_body().get("content"))
    return ok({"file": entry}, f"{entry['file']} saved.")


@bp.post("/delete")
@login_required
def delete() -> Any:
    gone = _files().delete(_path())
    return ok(gone, f"{gone['file']} deleted.")
