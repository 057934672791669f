"""The ``/python`` JSON API: upload, start/stop, scripts, variables, settings, logs, status, events.

HTTP only: parse the request, make one service call, answer with the host's JSON envelope. The
HTML pages under ``/python`` belong to another blueprint; schedules to the scheduler's.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from flask import Blueprint, Response, request, send_file
from flask_login import login_required

from blueprints.web import host, json_body, ok
from services.errors import InvalidInput
from services.strategies.catalog import Upload
from services.strategies.state import Status
from services.strategies.streams import (
    StreamTicket,
    log_lines,
    parse_event_id,
    parse_log_position,
    status_events,
)
from services.strategies.validation import check_id

bp = Blueprint("python_api", __name__, url_prefix="/python")

TAIL_DEFAULT_LINES = 200


def _int_arg(name: str, default: int, low: int, high: int) -> int:
    raw = request.args.get(name)
    if raw is None or raw == "":
        return default
    if not raw.isdigit() or not low <= int(raw) <= high:
        raise InvalidInput(
            f"{name} must be a whole number from {low} to {high}.", fields={name: "Out of range."}
        )
    return int(raw)


def _run_arg() -> str | None:
    return request.args.get("run") or None


def _sse(body: Iterator[str], ticket: StreamTicket) -> Response:
    response = Response(body, mimetype="text/event-stream")
    response.headers["Cache-Control"] = "no-cache"
    response.headers["X-Accel-Buffering"] = "no"  # no proxy buffering either
    response.call_on_close(ticket.release)
    return response


def _entry(strategy_id: str) -> dict[str, Any]:
    return host().supervisor.status_entry(strategy_id)


# Strategies --------------------------------------------------------------------------------------
@bp.post("/upload")
@login_required
def upload() -> Any:
    strategies = host().strategies
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
    return ok(_entry(record.id), "Strategy uploaded.", 201)


@bp.post("/start/<strategy_id>")
@login_required
def start(strategy_id: str) -> Any:
    # The supervisor's loop spawns at once; the outcome (running, or error with the OS text)
    # arrives as a status event and in /python/status.
    runtime = host().supervisor.start(check_id(strategy_id), reason="manual")
    if runtime.status is Status.WAITING:
        return ok(_entry(strategy_id), f"Waiting to start: {runtime.reason}")
    return ok(_entry(strategy_id), "Starting the strategy.")


@bp.post("/stop/<strategy_id>")
@login_required
def stop(strategy_id: str) -> Any:
    runtime = host().supervisor.stop(check_id(strategy_id), reason="manual")
    message = "Stopping the strategy." if runtime.status is Status.STOPPING else "Strategy stopped."
    return ok(_entry(strategy_id), message)


@bp.post("/stop-all")
@login_required
def stop_all() -> Any:
    count = host().supervisor.stop_all()
    return ok({"stopped": count}, f"Stopping {count} strateg{'y' if count == 1 else 'ies'}.")


@bp.post("/delete/<strategy_id>")
@login_required
def delete(strategy_id: str) -> Any:
    host().strategies.delete(strategy_id)
    return ok({"id": strategy_id}, "Strategy deleted.")


@bp.post("/clear-error/<strategy_id>")
@login_required
def clear_error(strategy_id: str) -> Any:
    host().strategies.clear_error(strategy_id)
    return ok(_entry(strategy_id), "Error cleared.")


@bp.get("/status")
@login_required
def status() -> Any:
    return ok(host().supervisor.status())


# Script ------------------------------------------------------------------------------------------
@bp.get("/script/<strategy_id>")
@login_required
def script(strategy_id: str) -> Any:
    strategies = host().strategies
    record = strategies.get(strategy_id)
    content = strategies.script(strategy_id)
    running = host().supervisor.is_active(strategy_id)
    return ok({"id": record.id, "file_name": record.file_name, "content": content, "read_only": running})


@bp.post("/save/<strategy_id>")
@login_required
def save(strategy_id: str) -> Any:
    host().strategies.save_script(strategy_id, json_body().get("content"))
    return ok({"id": strategy_id}, "Saved. The previous version was kept as a backup.")


@bp.get("/export/<strategy_id>")
@login_required
def export(strategy_id: str) -> Any:
    strategies = host().strategies
    record = strategies.get(strategy_id)
    return send_file(
        strategies.script_path(strategy_id),
        mimetype="text/x-python",
        as_attachment=True,
        download_name=record.file_name,
        max_age=0,
    )


# Variables and settings --------------------------------------------------------------------------
@bp.get("/env/<strategy_id>")
@login_required
def get_env(strategy_id: str) -> Any:
    view = host().strategies.variables(strategy_id)
    return ok({"regular": view.regular, "secure": view.secure})


@bp.post("/env/<strategy_id>")
@login_required
def set_env(strategy_id: str) -> Any:
    view = host().strategies.set_variables(strategy_id, json_body())
    return ok({"regular": view.regular, "secure": view.secure}, "Variables saved.")


@bp.get("/settings/<strategy_id>")
@login_required
def get_settings(strategy_id: str) -> Any:
    return ok(host().strategies.settings(strategy_id))


@bp.post("/settings/<strategy_id>")
@login_required
def set_settings(strategy_id: str) -> Any:
    return ok(host().strategies.update_settings(strategy_id, json_body()), "Settings saved.")


# Logs --------------------------------------------------------------------------------------------
@bp.get("/logs/<strategy_id>/tail")
@login_required
def log_tail(strategy_id: str) -> Any:
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
    tail = strategies.tail(strategy_id, _int_arg("lines", TAIL_DEFAULT_LINES, 0, 100_000), _run_arg())
    return ok({"lines": tail.lines, "offset": tail.offset, "file": tail.file, "run": tail.run})


@bp.get("/logs/<strategy_id>/stream")
@login_required
def log_stream(strategy_id: str) -> Any:
    the_host = host()
    the_host.strategies.get(strategy_id)
    resume = request.headers.get("Last-Event-ID") or request.args.get("last_event_id")
    position = parse_log_position(request.args.get("offset"), request.args.get("file"), resume)
    hosting = the_host.strategy_hosting
    ticket = hosting.stream_slots.acquire()
    body = log_lines(
        the_host.strategies.reader,
        hosting.log_changes,
        strategy_id,
        position,
        config=hosting.stream_config,
        clock=the_host.clock,
    )
    return _sse(body, ticket)


@bp.get("/logs/<strategy_id>/runs")
@login_required
def log_runs(strategy_id: str) -> Any:
    runs = host().strategies.runs(strategy_id)
    return ok(
        {
            "runs": [
                {"run": r.run, "started": r.started, "files": r.files, "size": r.size, "current": r.current}
                for r in runs
            ]
        }
    )


@bp.get("/logs/<strategy_id>/download")
@login_required
def log_download(strategy_id: str) -> Any:
    name, paths = host().strategies.log_download(strategy_id, _run_arg())

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


@bp.post("/logs/<strategy_id>/clear")
@login_required
def log_clear(strategy_id: str) -> Any:
    host().strategies.clear_logs(strategy_id)
    return ok({"id": strategy_id}, "Log cleared.")


# Live status events ------------------------------------------------------------------------------
@bp.get("/events")
@login_required
def events() -> Any:
    the_host = host()
    hosting = the_host.strategy_hosting
    last_id = parse_event_id(request.headers.get("Last-Event-ID") or request.args.get("last_event_id"))
    ticket = hosting.stream_slots.acquire()
    body = status_events(
        hosting.events,
        the_host.supervisor.status,
        last_id,
        config=hosting.stream_config,
        clock=the_host.clock,
    )
    return _sse(body, ticket)
