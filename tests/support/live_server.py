"""Runs the real host (``python app.py``) as a subprocess on a free port, as a trader would."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Mapping, Sequence
from datetime import datetime
from pathlib import Path

import httpx

PROJECT_ROOT = Path(__file__).resolve().parents[2]
#: libfaketime's settings, passed on to the served host (see scripts/test-at-clocks.sh).
SHIFTED_CLOCK_VARIABLES = frozenset({"LD_PRELOAD", "FAKETIME", "FAKETIME_DONT_FAKE_MONOTONIC", "TZ"})


class LiveServer:
    """One ``python app.py`` process with its own DATA_DIR.

    ``clock_at`` serves the same host on a clock that starts at that moment (``serve_at``);
    ``args`` are app.py's options (``--init``); ``program`` replaces ``python app.py`` (a
    benchmark's variant of the host).
    """

    def __init__(
        self,
        data_dir: Path,
        port: int,
        env: Mapping[str, str] | None = None,
        clock_at: datetime | None = None,
        *,
        args: Sequence[str] = (),
        program: Sequence[str] | None = None,
    ) -> None:
        self.data_dir = data_dir
        self.clock_at = clock_at
        self.args = list(args)
        self.program = list(program) if program is not None else None
        self.port = port
        self.url = f"http://127.0.0.1:{port}"
        self._extra_env = dict(env or {})
        self.process: subprocess.Popen[bytes] | None = None
        self.output_path = data_dir / "server-output.log"

    def start(self, timeout: float = 30.0) -> LiveServer:
        self.process = self._spawn()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"host exited with {self.process.returncode}:\n{self.output()}")
            try:
                httpx.get(self.url + "/auth/csrf-token", timeout=1.0)
                return self
            except httpx.HTTPError:
                time.sleep(0.05)
        raise RuntimeError(f"host did not answer within {timeout}s:\n{self.output()}")

    def run_until_exit(self, timeout: float = 30.0) -> int:
        """Run a host that is expected to refuse to start; returns its exit code."""
        self.process = self._spawn()
        try:
            return self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.stop()
            raise AssertionError(f"the host started instead of refusing:\n{self.output()}") from None

    def _command(self) -> list[str]:
        if self.program is not None:
            command = list(self.program)
        elif self.clock_at is not None:
            command = [sys.executable, "-m", "tests.support.serve_at", self.clock_at.isoformat()]
        else:
            command = [sys.executable, str(PROJECT_ROOT / "app.py")]
        return command + self.args

    def _spawn(self) -> subprocess.Popen[bytes]:
        env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "HOME": os.environ.get("HOME", "/tmp"),
            "LANG": "C.UTF-8",
            "DATA_DIR": str(self.data_dir),
            "FLASK_HOST_IP": "127.0.0.1",
            "FLASK_PORT": str(self.port),
            "PYTHONUNBUFFERED": "1",
            # Under scripts/test-at-clocks.sh the host must read the same shifted clock as the
            # test (a session cookie's expiry is judged by the client's clock).
            **{name: value for name, value in os.environ.items() if name in SHIFTED_CLOCK_VARIABLES},
            **self._extra_env,
        }
        self.data_dir.mkdir(parents=True, exist_ok=True)
        with self.output_path.open("ab") as output:
            return subprocess.Popen(
                self._command(), cwd=PROJECT_ROOT, env=env, stdout=output, stderr=subprocess.STDOUT
            )

    def output(self) -> str:
        return self.output_path.read_text(errors="replace") if self.output_path.exists() else ""

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 30.0) -> int | None:
        """Stop the host with ``sig`` and return its exit code."""
        if self.process is None or self.process.poll() is not None:
            return None if self.process is None else self.process.returncode
        self.process.send_signal(sig)
        try:
            return self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
            raise

    def kill(self) -> None:
        """kill -9, as a crash would."""
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait()


class LoggedInSession:
    """An httpx client that set up the admin (or logged in) on a live server."""

    def __init__(self, base_url: str) -> None:
        self.client = httpx.Client(base_url=base_url, timeout=30.0, follow_redirects=False)

    def csrf(self) -> str:
        return str(self.client.get("/auth/csrf-token").json()["csrf_token"])

    def setup_or_login(self, username: str, password: str) -> None:
        token = self.csrf()
        headers = {"X-CSRFToken": token, "Accept": "application/json"}
        response = self.client.post(
            "/auth/setup", json={"username": username, "password": password}, headers=headers
        )
        if response.status_code == 409:
            response = self.client.post(
                "/auth/login", json={"username": username, "password": password}, headers=headers
            )
        response.raise_for_status()

    def post(self, url: str, payload: object = None) -> httpx.Response:
        return self.client.post(
            url, json=payload if payload is not None else {}, headers={"X-CSRFToken": self.csrf()}
        )

    def get(self, url: str) -> httpx.Response:
        return self.client.get(url, headers={"Accept": "application/json"})

    def close(self) -> None:
        self.client.close()
