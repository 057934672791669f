"""``/python`` logs: tail, live stream (resumable), the runs of a strategy, download and clear."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from flask import Blueprint, Response, request
from flask_login import login_required

from blueprints.web import host, ok, sse_response
from services.hosting.log_query import parse_log_position, parse_log_query

bp = Blueprint("logs", __name__, url_prefix="/logs")


@bp.get("/<strategy_id>/tail")
@login_required
def tail(strategy_id: str) -> Any:
    return ok(host().hosting.strategies.read_log(strategy_id, parse_log_query(request.args)))


@bp.get("/<strategy_id>/stream")
@login_required
def stream(strategy_id: str) -> Any:
    resume = request.headers.get("Last-Event-ID") or request.args.get("last_event_id")
    position = parse_log_position(request.args.get("offset"), request.args.get("file"), resume)
    return sse_response(host().hosting.streams.log(strategy_id, position))


@bp.get("/<strategy_id>/runs")
@login_required
def runs(strategy_id: str) -> Any:
    found = host().hosting.strategies.runs(strategy_id)
    return ok(
        {
            "runs": [
                {"run": r.run, "started": r.started, "files": r.files, "size": r.size, "current": r.current}
                for r in found
            ]
        }
    )


@bp.get("/<strategy_id>/download")
@login_required
def download(strategy_id: str) -> Any:
    name, paths = host().hosting.strategies.log_download(strategy_id, request.args.get("run") or None)

    def chunks(files: list[Path]) -> Iterator[bytes]:
        for path in files:
            try:
                with path.open("rb") as handle:
                    while block := handle.read(64 * 1024):
                        yield block
            except FileNotFoundError:
                continue  # pruned meanwhile

    response = Response(chunks(paths), mimetype="text/plain; charset=utf-8")
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@bp.post("/<strategy_id>/clear")
@login_required
def clear(strategy_id: str) -> Any:
    host().hosting.strategies.clear_logs(strategy_id)
    return ok({"id": strategy_id}, "Log cleared.")
