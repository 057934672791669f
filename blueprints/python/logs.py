"""``/python`` logs: tail, live stream (resumable), the runs of a strategy, download and clear."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from flask import Blueprint, Response, request
from flask_login import login_required

from blueprints.python.params import int_arg, run_arg
from blueprints.web import host, ok, sse_response
from services.hosting.streams import log_lines, parse_log_position

bp = Blueprint("logs", __name__, url_prefix="/logs")

TAIL_DEFAULT_LINES = 200


@bp.get("/<strategy_id>/tail")
@login_required
def tail(strategy_id: str) -> Any:
    strategies = host().strategies
    if "offset" in request.args:
        strategies.get(strategy_id)
        file, offset = parse_log_position(request.args.get("offset"), request.args.get("file"), None)
        chunk = strategies.reader.read_from(strategy_id, file, offset or 0)
        return ok(
            {
                "lines": chunk.lines,
                "offset": chunk.offset,
                "file": chunk.file,
                "run": chunk.run,
                "reset": chunk.reset,
            }
        )
    lines = strategies.tail(strategy_id, int_arg("lines", TAIL_DEFAULT_LINES, 0, 100_000), run_arg())
    return ok({"lines": lines.lines, "offset": lines.offset, "file": lines.file, "run": lines.run})


@bp.get("/<strategy_id>/stream")
@login_required
def stream(strategy_id: str) -> Any:
    the_host = host()
    the_host.strategies.get(strategy_id)
    resume = request.headers.get("Last-Event-ID") or request.args.get("last_event_id")
    position = parse_log_position(request.args.get("offset"), request.args.get("file"), resume)
    hosting = the_host.strategy_hosting
    ticket = the_host.live.slots.acquire()
    body = log_lines(
        the_host.strategies.reader,
        hosting.log_changes,
        strategy_id,
        position,
        config=the_host.live.config,
        clock=the_host.clock,
    )
    return sse_response(body, ticket.release)


@bp.get("/<strategy_id>/runs")
@login_required
def runs(strategy_id: str) -> Any:
    found = host().strategies.runs(strategy_id)
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
    name, paths = host().strategies.log_download(strategy_id, run_arg())

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
    host().strategies.clear_logs(strategy_id)
    return ok({"id": strategy_id}, "Log cleared.")
