"""The strategy catalogue (``host.strategies``): what the web layer asks of hosted strategies.

Upload, read, save, export and delete scripts; read and change variables and settings; read,
list, download and clear logs. Every change that must not happen under a running process goes
through the supervisor's per-strategy lock (``editing`` / ``retiring``), so a start can never
slip in between the "is it running?" check and the change. Input is validated before anything
is touched, so a refused request changes nothing.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from services.clock import Clock
from services.errors import Unavailable
from services.hosting.env_vars import EnvVars, VariablesView, parse_update
from services.hosting.log_query import TAIL_MAX_LINES, LogQuery
from services.hosting.log_reader import LogReader, RunInfo, Tail
from services.hosting.logs import StrategyLogs
from services.hosting.repository import StrategyRecord, StrategyRepository
from services.hosting.store import ScriptStore
from services.hosting.supervisor import Supervisor
from services.hosting.validation import (
    check_content,
    check_exchange,
    check_id,
    check_upload_file_name,
    clean_name,
    decode_script,
    parse_settings,
    slug_of,
)

log = logging.getLogger(__name__)

DeleteListener = Callable[[str], None]


@dataclass(frozen=True)
class Upload:
    """An uploaded script as the web layer received it."""

    name: object
    file_name: object
    data: bytes
    exchange: object = None


def settings_of(record: StrategyRecord) -> dict[str, Any]:
    return {
        "id": record.id,
        "name": record.name,
        "exchange": record.exchange,
        "restart_on_crash": record.restart_on_crash,
        "stop_signal": record.stop_signal,
        "memory_limit_mb": record.memory_limit_mb,
    }


class Strategies:
    def __init__(
        self,
        *,
        repository: StrategyRepository,
        store: ScriptStore,
        env_vars: EnvVars,
        logs: StrategyLogs,
        reader: LogReader,
        supervisor: Supervisor,
        clock: Clock,
        max_script_bytes: int,
    ) -> None:
        self._repository = repository
        self._store = store
        self._env_vars = env_vars
        self._logs = logs
        self.reader = reader
        self._supervisor = supervisor
        self._clock = clock
        self.max_script_bytes = max_script_bytes
        self._delete_listeners: list[DeleteListener] = []

    def add_delete_listener(self, listener: DeleteListener) -> None:
        """``listener(strategy_id)`` runs inside a delete, before the files go (e.g. drop a schedule)."""
        self._delete_listeners.append(listener)

    # Records ------------------------------------------------------------------------------------
    def get(self, strategy_id: str) -> StrategyRecord:
        return self._repository.get(check_id(strategy_id))

    def all(self) -> list[StrategyRecord]:
        return self._repository.all()

    def create(self, upload: Upload) -> StrategyRecord:
        """Validate and store a new strategy under a fresh, server-made id."""
        name = clean_name(upload.name)
        file_name = check_upload_file_name(upload.file_name)
        exchange = check_exchange(upload.exchange) if upload.exchange not in (None, "") else "NSE"
        source = decode_script(upload.data, self.max_script_bytes)
        slug = slug_of(name) or slug_of(file_name.removesuffix(".py")) or "strategy"
        for _attempt in range(10):
            strategy_id = f"{slug}-{secrets.token_hex(5)}"
            if self._repository.add(strategy_id, name, file_name, exchange, self._clock.now()):
                break
        else:  # ten collisions of 40 random bits: something is badly wrong
            raise Unavailable("Could not allocate a strategy id; try again.")
        try:
            self._store.create(strategy_id, source)
        except OSError:
            self._repository.delete(strategy_id)
            raise
        record = self._repository.get(strategy_id)
        self._supervisor.edits.register(record)
        log.info("Strategy %s uploaded (%s, %d bytes)", strategy_id, file_name, len(upload.data))
        return record

    def delete(self, strategy_id: str) -> None:
        """Remove the strategy, its script, backups, variables, schedule and logs (409 while running)."""
        with self._supervisor.edits.retiring(check_id(strategy_id)):
            for listener in self._delete_listeners:
                listener(strategy_id)
            self._repository.delete(strategy_id)  # variables go with it (ON DELETE CASCADE)
            self._store.delete(strategy_id)
            self._logs.delete(strategy_id)
        log.info("Strategy %s deleted", strategy_id)

    # Script -------------------------------------------------------------------------------------
    def script(self, strategy_id: str) -> str:
        self.get(strategy_id)
        return self._store.read(strategy_id)

    def script_path(self, strategy_id: str) -> Path:
        self.script(strategy_id)  # NotFound if the strategy or its file is missing
        return self._store.path_for(strategy_id)

    def save_script(self, strategy_id: str, content: object) -> StrategyRecord:
        """Replace the script (syntax-checked, previous version kept); 409 while running."""
        source = check_content(content, self.max_script_bytes)
        with self._supervisor.edits.editing(check_id(strategy_id)) as record:
            self._store.save(strategy_id, source, self._clock.now())
        log.info("Strategy %s script saved (%d characters)", strategy_id, len(source))
        return record

    # Variables ----------------------------------------------------------------------------------
    def variables(self, strategy_id: str) -> VariablesView:
        self.get(strategy_id)
        return self._env_vars.view(strategy_id)

    def set_variables(self, strategy_id: str, payload: dict[str, Any]) -> VariablesView:
        update = parse_update(payload)
        with self._supervisor.edits.editing(check_id(strategy_id)):
            return self._env_vars.apply(strategy_id, update)

    # Settings -----------------------------------------------------------------------------------
    def settings(self, strategy_id: str) -> dict[str, Any]:
        return settings_of(self.get(strategy_id))

    def update_settings(self, strategy_id: str, payload: dict[str, Any]) -> dict[str, Any]:
        change = parse_settings(payload)
        return settings_of(self._supervisor.edits.update_settings(check_id(strategy_id), change))

    def clear_error(self, strategy_id: str) -> None:
        """Acknowledge a strategy's error (409 when there is none)."""
        self._supervisor.edits.clear_error(check_id(strategy_id))

    # Logs ---------------------------------------------------------------------------------------
    def tail(self, strategy_id: str, lines: int, run: str | None = None) -> Tail:
        self.get(strategy_id)
        return self.reader.tail(strategy_id, max(0, min(lines, TAIL_MAX_LINES)), run)

    def read_log(self, strategy_id: str, query: LogQuery) -> dict[str, Any]:
        """The tail of a run, or the lines after a position (``reset``: that position is gone)."""
        if query.start is None:
            tail = self.tail(strategy_id, query.lines, query.run)
            return {"lines": tail.lines, "offset": tail.offset, "file": tail.file, "run": tail.run}
        self.get(strategy_id)
        chunk = self.reader.read_from(strategy_id, *query.start)
        return {
            "lines": chunk.lines,
            "offset": chunk.offset,
            "file": chunk.file,
            "run": chunk.run,
            "reset": chunk.reset,
        }

    def runs(self, strategy_id: str) -> list[RunInfo]:
        self.get(strategy_id)
        return self.reader.runs(strategy_id)

    def log_download(self, strategy_id: str, run: str | None) -> tuple[str, list[Path]]:
        record = self.get(strategy_id)
        run_name, paths = self.reader.run_paths(strategy_id, run)
        return f"{slug_of(record.name) or record.id}-{run_name}.log", paths

    def clear_logs(self, strategy_id: str) -> None:
        self.get(strategy_id)
        self._logs.clear(strategy_id)
        log.info("Logs of strategy %s cleared", strategy_id)
