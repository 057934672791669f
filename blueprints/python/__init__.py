"""``/python``: hosted Python strategies over HTTP, one module per noun.

``pages``      the HTML pages (dashboard, upload form, editor, log viewer)
``runs``       start, stop, stop all, clear an error, the status board and its live events
``scripts``    upload, read, save, export, delete a strategy's script
``variables``  a strategy's environment variables and run settings
``logs``       tail, live stream, runs, download, clear
``schedule``   schedule, unschedule, re-check the master contract
``format``     display text shared by the pages (mirrored by static/js/format.js)

Each noun is a blueprint nested in ``bp`` (endpoints read ``python.<noun>.<view>``): HTTP only,
one service call per view, the host's JSON envelope.
"""

from __future__ import annotations

from flask import Blueprint

from blueprints.python import logs, pages, runs, schedule, scripts, variables

bp = Blueprint("python", __name__, url_prefix="/python")
for _noun in (pages, runs, scripts, variables, logs, schedule):
    bp.register_blueprint(_noun.bp)
