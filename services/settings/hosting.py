"""Hosted Python scripts (/python): stopping, logs, restarts, memory, confinement, live streams."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from services.settings.fields import setting as _setting
from services.settings.parsers import boolean as _bool
from services.settings.parsers import float_range as _float_range
from services.settings.parsers import int_range as _int_range
from services.settings.parsers import optional_path as _optional_path
from services.settings.parsers import text as _text


@dataclass(frozen=True)
class HostingSettings:
    strategy_stop_grace_s: float = _setting(
        "STRATEGY_STOP_GRACE_S",
        _float_range(0.05, 600),
        5.0,
        "Seconds a stopping strategy gets after its stop signal before SIGKILL",
    )
    strategy_max_script_bytes: int = _setting(
        "STRATEGY_MAX_SCRIPT_BYTES",
        _int_range(1024, 16 * 1024 * 1024),
        1024 * 1024,
        "Largest strategy script accepted by upload and save, in bytes",
    )
    strategy_log_max_bytes: int = _setting(
        "STRATEGY_LOG_MAX_BYTES",
        _int_range(10_000, 1_000_000_000),
        10_000_000,
        "Size at which a strategy's run log continues in a new file",
    )
    strategy_log_max_files: int = _setting(
        "STRATEGY_LOG_MAX_FILES",
        _int_range(2, 10_000),
        20,
        "Log files kept per strategy (oldest deleted first; bounds a strategy's log size)",
    )
    strategy_tick_s: float = _setting(
        "STRATEGY_TICK_S", _float_range(0.05, 2.0), 1.0, "Seconds between supervisor reconcile passes"
    )
    strategy_sample_s: float = _setting(
        "STRATEGY_SAMPLE_S",
        _float_range(0.2, 60.0),
        5.0,
        "Seconds between CPU/memory samples of running strategies (memory limits use them)",
    )
    strategy_restart_initial_s: float = _setting(
        "STRATEGY_RESTART_INITIAL_S",
        _float_range(0.05, 60.0),
        1.0,
        "First delay of the opt-in restart after a crash (doubles per failure)",
    )
    strategy_restart_max_s: float = _setting(
        "STRATEGY_RESTART_MAX_S", _float_range(0.05, 3600.0), 60.0, "Longest delay between crash restarts"
    )
    strategy_restart_max_failures: int = _setting(
        "STRATEGY_RESTART_MAX_FAILURES",
        _int_range(1, 100),
        5,
        "Crashes in a row after which a strategy stays in error",
    )
    strategy_memory_check_s: float = _setting(
        "STRATEGY_MEMORY_CHECK_S",
        _float_range(0.05, 10.0),
        0.5,
        "Seconds between memory checks of strategies that have a memory limit (the whole process tree)",
    )
    strategy_lease_s: float = _setting(
        "STRATEGY_LEASE_S",
        _float_range(3.0, 600.0),
        15.0,
        "Hosts sharing a database: how long a host's claim on a strategy lasts without renewal",
    )
    strategy_work_dir: Path | None = _setting(
        "STRATEGY_WORK_DIR",
        _optional_path,
        None,
        "Parent of each hosted script's working folder (default: <DATA_DIR>-work, outside DATA_DIR)",
    )
    strategy_user: str = _setting(
        "STRATEGY_USER",
        _text,
        "auto",
        "When the host runs as root, run scripts as this user (auto: nobody if it can run this Python; "
        "none: as root)",
    )
    strategy_landlock: bool = _setting(
        "STRATEGY_LANDLOCK",
        _bool,
        True,
        "Confine hosted scripts with Landlock where the kernel offers it (no reads of keys/, db/, log/...)",
    )
    strategy_restart_healthy_s: float = _setting(
        "STRATEGY_RESTART_HEALTHY_S",
        _float_range(1.0, 86_400.0),
        300.0,
        "A run at least this long does not count as a failed start",
    )
    stream_heartbeat_s: float = _setting(
        "STREAM_HEARTBEAT_S", _float_range(0.05, 120.0), 15.0, "Seconds between live-stream heartbeats"
    )
    stream_max_lifetime_s: float = _setting(
        "STREAM_MAX_LIFETIME_S",
        _float_range(1.0, 86_400.0),
        300.0,
        "A live stream ends after this long; the browser reconnects and resumes",
    )
    stream_max_concurrent: int = _setting(
        "STREAM_MAX_CONCURRENT",
        _int_range(1, 1000),
        16,
        "Open live streams allowed at once (each holds a server thread; keep below WAITRESS_THREADS)",
    )
