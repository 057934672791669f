"""Exchange codes and their regular trading sessions in IST.

Shared by the sandbox broker (candles only inside a session) and the scheduler (default windows
and the exchange calendar). Holidays and special sessions live in the exchange calendar, not here.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import time
from types import MappingProxyType

WEEKDAYS = frozenset(range(5))  # Monday=0 .. Friday=4
EVERY_DAY = frozenset(range(7))


@dataclass(frozen=True)
class Session:
    """A regular session: ``open``–``close`` IST on ``weekdays`` (0 = Monday)."""

    open: time
    close: time
    weekdays: frozenset[int] = WEEKDAYS

    @property
    def always_open(self) -> bool:
        return self.open == time(0, 0) and self.close == time(23, 59, 59) and self.weekdays == EVERY_DAY


_EQUITY = Session(time(9, 15), time(15, 30))
_DERIVATIVES = Session(time(9, 15), time(15, 30))
_CURRENCY = Session(time(9, 0), time(17, 0))
_COMMODITY = Session(time(9, 0), time(23, 55))
_CRYPTO = Session(time(0, 0), time(23, 59, 59), EVERY_DAY)

#: Trading sessions by exchange code, as OpenAlgo names the exchanges.
SESSIONS = MappingProxyType(
    {
        "NSE": _EQUITY,
        "BSE": _EQUITY,
        "NSE_INDEX": _EQUITY,
        "BSE_INDEX": _EQUITY,
        "NFO": _DERIVATIVES,
        "BFO": _DERIVATIVES,
        "CDS": _CURRENCY,
        "BCD": _CURRENCY,
        "MCX": _COMMODITY,
        "NCO": _COMMODITY,
        "CRYPTO": _CRYPTO,
    }
)

#: Exchanges a hosted strategy can be attached to (its schedule follows this exchange's calendar).
STRATEGY_EXCHANGES = ("NSE", "BSE", "NFO", "BFO", "CDS", "BCD", "MCX", "NCO", "CRYPTO")

#: Default schedule window per strategy exchange (F&O strategies run through the closing session).
DEFAULT_SCHEDULE_WINDOWS = MappingProxyType(
    {
        "NSE": (time(9, 15), time(15, 30)),
        "BSE": (time(9, 15), time(15, 30)),
        "NFO": (time(9, 15), time(15, 40)),
        "BFO": (time(9, 15), time(15, 40)),
        "CDS": (time(9, 0), time(17, 0)),
        "BCD": (time(9, 0), time(17, 0)),
        "MCX": (time(9, 0), time(23, 55)),
        "NCO": (time(9, 0), time(23, 55)),
        "CRYPTO": (time(0, 0), time(23, 59)),
    }
)


def session_for(exchange: str) -> Session:
    """The regular session of ``exchange`` (KeyError for an unknown code)."""
    return SESSIONS[exchange.upper()]
