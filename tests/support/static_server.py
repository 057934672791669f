"""A tiny threaded HTTP server for the front-end component harness (no Flask, no database).

Serves ``static/`` at ``/static/`` and ``tests/e2e/fixtures/`` at ``/fixtures/`` with the host's
Content-Security-Policy, so the components are proven under the same rules as the real pages, plus a
few endpoints to exercise ``static/js/live.js``:

- ``GET /sse/ok``      an event stream: three ``line`` events with ids 1..3, then heartbeats
- ``GET /sse/refuse``  503 (the browser's EventSource gives up: ``live.js`` must fall back to polling)
- ``GET /poll``        ``{"success": true, "data": {"polls": n, "query": {...}}}``
"""

from __future__ import annotations

import json
import mimetypes
import threading
import time
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import TracebackType
from urllib.parse import parse_qs, urlsplit

PROJECT_ROOT = Path(__file__).resolve().parents[2]
FIXTURES = PROJECT_ROOT / "tests" / "e2e" / "fixtures"
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; connect-src 'self'"
)
ROOTS = {"/static/": PROJECT_ROOT / "static", "/fixtures/": FIXTURES}
TYPES = {".js": "text/javascript", ".mjs": "text/javascript", ".css": "text/css", ".html": "text/html"}


class _State:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.requests: list[str] = []
        self.polls = 0
        self.stop = threading.Event()


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: object) -> None:
        return

    def _headers(self, status: int, content_type: str, length: int | None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Security-Policy", CSP)
        self.send_header("Cache-Control", "no-store")
        self.send_header("X-Content-Type-Options", "nosniff")
        if length is not None:
            self.send_header("Content-Length", str(length))
        self.end_headers()

    def _send(self, status: int, body: bytes, content_type: str) -> None:
        self._headers(status, content_type, len(body))
        self.wfile.write(body)

    def do_GET(self) -> None:
        parts = urlsplit(self.path)
        state = self.server.state
        with state.lock:
            state.requests.append(self.path)
        if parts.path == "/sse/ok":
            self._stream()
        elif parts.path == "/sse/refuse":
            self._send(HTTPStatus.SERVICE_UNAVAILABLE, b"no streams today", "text/plain")
        elif parts.path == "/poll":
            with state.lock:
                state.polls += 1
                polls = state.polls
            data = {"polls": polls, "query": parse_qs(parts.query)}
            payload = {"success": True, "message": "", "data": data}
            self._send(HTTPStatus.OK, json.dumps(payload).encode(), "application/json")
        else:
            self._file(parts.path)

    def _file(self, path: str) -> None:
        for prefix, root in ROOTS.items():
            if path.startswith(prefix):
                target = (root / path[len(prefix) :]).resolve()
                if target.is_relative_to(root) and target.is_file():
                    content_type = TYPES.get(target.suffix) or mimetypes.guess_type(target.name)[0]
                    self._send(HTTPStatus.OK, target.read_bytes(), content_type or "application/octet-stream")
                    return
        self._send(HTTPStatus.NOT_FOUND, b"not found", "text/plain")

    def _stream(self) -> None:
        self._headers(HTTPStatus.OK, "text/event-stream", None)
        self.close_connection = True
        try:
            for number in (1, 2, 3):
                event = f"id: {number}\nevent: line\ndata: {json.dumps({'n': number})}\n\n"
                self.wfile.write(event.encode())
                self.wfile.flush()
            deadline = time.monotonic() + 20
            while time.monotonic() < deadline and not self.server.state.stop.is_set():
                self.wfile.write(b": heartbeat\n\n")
                self.wfile.flush()
                self.server.state.stop.wait(0.5)
        except (BrokenPipeError, ConnectionResetError):
            return


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    state: _State


class StaticServer:
    """``with StaticServer() as server: page.goto(server.url + "/fixtures/editor.html")``."""

    def __init__(self, port: int = 0) -> None:
        self._server = _Server(("127.0.0.1", port), _Handler)
        self._server.state = _State()
        self._thread = threading.Thread(target=self._server.serve_forever, name="static-server", daemon=True)

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    @property
    def requests(self) -> list[str]:
        with self._server.state.lock:
            return list(self._server.state.requests)

    def start(self) -> StaticServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.state.stop.set()
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def __enter__(self) -> StaticServer:
        return self.start()

    def __exit__(
        self, kind: type[BaseException] | None, value: BaseException | None, trace: TracebackType | None
    ) -> None:
        self.stop()
