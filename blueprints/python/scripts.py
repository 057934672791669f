"""``/python`` scripts: upload, read, save, export and delete a strategy's script."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, request, send_file
from flask_login import login_required

from blueprints.python.runs import entry_of
from blueprints.web import host, json_body, ok
from services.errors import InvalidInput
from services.hosting.catalog import Upload

bp = Blueprint("scripts", __name__)


@bp.post("/upload")
@login_required
def upload() -> Any:
    strategies = host().hosting.strategies
    file = request.files.get("file")
    if file is None:
        raise InvalidInput("Choose a .py file to upload.", fields={"file": "A file is required."})
    # One byte past the limit is enough to know the file is too large.
    data = file.stream.read(strategies.max_script_bytes + 1)
    record = strategies.create(
        Upload(
            name=request.form.get("name"),
            file_name=file.filename,
            data=data,
            exchange=request.form.get("exchange"),
        )
    )
    return ok(entry_of(record.id), "Strategy uploaded.", 201)


@bp.post("/delete/<strategy_id>")
@login_required
def delete(strategy_id: str) -> Any:
    host().hosting.strategies.delete(strategy_id)
    return ok({"id": strategy_id}, "Strategy deleted.")


@bp.get("/script/<strategy_id>")
@login_required
def script(strategy_id: str) -> Any:
    strategies = host().hosting.strategies
    record = strategies.get(strategy_id)
    content = strategies.script(strategy_id)
    running = host().hosting.supervisor.is_active(strategy_id)
    return ok({"id": record.id, "file_name": record.file_name, "content": content, "read_only": running})


@bp.post("/save/<strategy_id>")
@login_required
def save(strategy_id: str) -> Any:
    host().hosting.strategies.save_script(strategy_id, json_body().get("content"))
    return ok({"id": strategy_id}, "Saved. The previous version was kept as a backup.")


@bp.get("/export/<strategy_id>")
@login_required
def export(strategy_id: str) -> Any:
    strategies = host().hosting.strategies
    record = strategies.get(strategy_id)
    return send_file(
        strategies.script_path(strategy_id),
        mimetype="text/x-python",
        as_attachment=True,
        download_name=record.file_name,
        max_age=0,
    )
