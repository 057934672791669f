"""What the HTTP/DB side hands the engine and gets back (``ExecutionEngine.run`` / ``validate``).

Plain frozen dataclasses with no behaviour beyond checking their own limits, so the wiring
(``/strategy/execute``, the ``strategy_executions`` records, the queue) can be written against
them without knowing how the engine works.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Literal

from services.errors import InvalidInput

DEFAULT_TIMEOUT_S = 30.0
MAX_TIMEOUT_S = 300.0
DEFAULT_MEMORY_MB = 512
MIN_MEMORY_MB = 128  # the warm parent's pages alone are ~80 MB of every child's resident memory
MAX_MEMORY_MB = 65_536

Status = Literal["succeeded", "failed", "timed_out"]


@dataclass(frozen=True)
class ExecutionRequest:
    """One run of ``execute()`` of one strategy class.

    ``file`` is the real path that ``paths.StrategyRoots.resolve`` returned (never a raw user
    string). ``api_token`` is what the strategy receives as its ``api_key`` and in
    ``OPENALGO_API_KEY``: the per-execution read-only token, never the trader's key. The child may
    write only to ``scratch_dir`` (None: the engine makes one under its ``scratch_root``); the
    engine creates it before and deletes it after the run. ``private_paths`` are the host's folders
    the child may not touch (``Settings.private_paths``). ``tcp_ports``: ports it may connect to
    besides ``host_url``'s (Landlock ABI ≥ 4; empty: only the host).
    """

    execution_id: str
    file: Path
    strategy_class: str | None
    config: Mapping[str, Any]
    payload: Mapping[str, Any]
    api_token: str = field(repr=False)
    host_url: str
    timeout_s: float = DEFAULT_TIMEOUT_S
    memory_mb: int = DEFAULT_MEMORY_MB
    private_paths: tuple[Path, ...] = ()
    scratch_dir: Path | None = None
    tcp_ports: tuple[int, ...] = ()

    def check(self) -> None:
        """``InvalidInput`` naming the field for a limit outside its range."""
        if not (0 < self.timeout_s <= MAX_TIMEOUT_S) or not math.isfinite(self.timeout_s):
            raise InvalidInput(
                "Invalid timeout.", fields={"timeout_s": f"between 0 and {MAX_TIMEOUT_S:g} seconds"}
            )
        if not MIN_MEMORY_MB <= self.memory_mb <= MAX_MEMORY_MB:
            raise InvalidInput(
                "Invalid memory limit.",
                fields={"memory_mb": f"between {MIN_MEMORY_MB} and {MAX_MEMORY_MB} MB"},
            )
        if not self.execution_id or "\x00" in self.execution_id:
            raise InvalidInput("Invalid execution id.", fields={"execution_id": "required"})
        if not self.file.is_absolute():
            raise InvalidInput("Invalid strategy file.", fields={"strategy_file": "must be resolved first"})


@dataclass(frozen=True)
class ExecutionResult:
    """How one execution ended.

    ``status``: ``succeeded`` (``signals`` as ``execute()`` returned them: symbol strings and
    dicts), ``failed`` (raised, exited, crashed, memory limit, policy refusal, bad return value) or
    ``timed_out``. ``error``: None on success, else ``{"type", "message", "traceback_tail"}``.
    ``logs``: stdout, stderr and ``self.log`` lines, first and last 64 KB kept. ``duration_s``:
    fork to exit. ``peak_rss_mb``: the highest resident memory seen (the warm parent's shared
    pages included).
    """

    execution_id: str
    status: Status
    signals: list[str | dict[str, Any]]
    logs: str
    error: dict[str, str] | None
    duration_s: float
    peak_rss_mb: float

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class Validation:
    """Whether a strategy file imports and its class instantiates with its default parameters
    (``execute()`` is not called). Cached by the file's content hash and the class asked for.

    ``strategy_class``: the class checked (None when none could be chosen); ``error`` as in
    ``ExecutionResult``; ``sha256`` of the content that was checked.
    """

    valid: bool
    strategy_class: str | None
    error: dict[str, str] | None
    sha256: str

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)
