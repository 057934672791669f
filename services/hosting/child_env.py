"""The environment a strategy process gets: built from scratch, never copied from the host.

A small allowlist of the host's variables (so ``PATH``, locale and time zone work), then the
trader's own variables, then the injected ones, which always win. Nothing else of the host's
environment, in particular none of its secrets (``SECRET_KEY``, ``DATABASE_URL``, upstream keys),
reaches a strategy.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

#: Host variables a strategy may inherit: enough for Python, locale, time zone and temp files.
INHERITED = (
    "PATH",
    "HOME",
    "USER",
    "LOGNAME",
    "LANG",
    "LANGUAGE",
    "LC_ALL",
    "LC_CTYPE",
    "TZ",
    "TMPDIR",
    "TEMP",
    "TMP",
    "SYSTEMROOT",  # Windows: Python cannot start without it
    "SSL_CERT_FILE",
    "SSL_CERT_DIR",
)

STRATEGY_ID = "STRATEGY_ID"
STRATEGY_NAME = "STRATEGY_NAME"
OPENALGO_HOST = "OPENALGO_HOST"
OPENALGO_API_KEY = "OPENALGO_API_KEY"
OPENALGO_STRATEGY_EXCHANGE = "OPENALGO_STRATEGY_EXCHANGE"
#: Marks every process of one run (children inherit it), so leftovers can be recognised.
RUN_TOKEN = "OPENALGO_RUN_TOKEN"  # noqa: S105 - a variable name, not a secret

INJECTED = frozenset(
    {STRATEGY_ID, STRATEGY_NAME, OPENALGO_HOST, OPENALGO_API_KEY, OPENALGO_STRATEGY_EXCHANGE}
)
_RESERVED_EXACT = INJECTED | {RUN_TOKEN, "PATH", "HOME"}
_RESERVED_PREFIXES = ("PYTHON", "LD_", "DYLD_")
NAME_PATTERN = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,63}$")


def reserved_reason(name: str) -> str | None:
    """Why a trader may not set ``name`` (None when allowed)."""
    upper = name.upper()
    if upper in _RESERVED_EXACT:
        return f"{name} is set by the host and cannot be overridden."
    for prefix in _RESERVED_PREFIXES:
        if upper.startswith(prefix):
            return f"Names starting with {prefix} are reserved (they change how programs load)."
    return None


@dataclass(frozen=True)
class Injected:
    """What the host tells every strategy about itself and how to reach the host."""

    strategy_id: str
    strategy_name: str
    host_url: str
    api_key: str | None
    exchange: str
    run_token: str


def build_child_environment(
    host_environ: Mapping[str, str], user_variables: Mapping[str, str], injected: Injected
) -> dict[str, str]:
    """The complete environment of a strategy process."""
    env = {name: host_environ[name] for name in INHERITED if name in host_environ}
    env.setdefault("PATH", "/usr/local/bin:/usr/bin:/bin")
    env.setdefault("LANG", "C.UTF-8")
    env.update(user_variables)
    env.update(
        {
            STRATEGY_ID: injected.strategy_id,
            STRATEGY_NAME: injected.strategy_name,
            OPENALGO_HOST: injected.host_url,
            OPENALGO_STRATEGY_EXCHANGE: injected.exchange,
            RUN_TOKEN: injected.run_token,
            # Python children of the strategy flush each line too, so the log stays live.
            "PYTHONUNBUFFERED": "1",
            "PYTHONIOENCODING": "utf-8",
        }
    )
    if injected.api_key is not None:
        env[OPENALGO_API_KEY] = injected.api_key
    return env
