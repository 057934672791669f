"""Counter-based random numbers: the same (seed, counter) always gives the same number.

The simulated market must be a pure function of symbol and time, computable for any date range
without replaying history and vectorised over millions of minutes. A stateful generator cannot do
that; hashing the counter (SplitMix64's finaliser) can, and never changes between numpy versions.
"""

from __future__ import annotations

import hashlib

import numpy as np
import numpy.typing as npt

U64 = npt.NDArray[np.uint64]
F64 = npt.NDArray[np.float64]

_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_MUL1 = np.uint64(0xBF58476D1CE4E5B9)
_MUL2 = np.uint64(0x94D049BB133111EB)
_TWO_POW_MINUS_32 = 1.0 / 4294967296.0
_LOW32 = np.uint64(0xFFFFFFFF)


def symbol_seed(*parts: str) -> int:
    """A stable 64-bit seed for a symbol (Python's hash() changes between runs; sha256 does not)."""
    digest = hashlib.sha256(":".join(parts).encode()).digest()
    return int.from_bytes(digest[:8], "little")


def stream_seed(seed: int, stream: int) -> int:
    """Independent sub-streams of one seed (daily moves, gaps, minute moves...)."""
    return symbol_seed(str(seed), str(stream))


def _mix(values: U64) -> U64:
    z = values + _GOLDEN
    z = (z ^ (z >> np.uint64(30))) * _MUL1
    z = (z ^ (z >> np.uint64(27))) * _MUL2
    return z ^ (z >> np.uint64(31))


def hashes(seed: int, counters: npt.ArrayLike) -> U64:
    """One well-mixed 64-bit value per counter."""
    with np.errstate(over="ignore"):
        return _mix(np.asarray(counters, dtype=np.uint64) ^ np.uint64(seed))


def uniform_pair(seed: int, counters: npt.ArrayLike) -> tuple[F64, F64]:
    """Two independent uniforms in (0, 1) per counter, from the two halves of one hash."""
    h = hashes(seed, counters)
    high = ((h >> np.uint64(32)).astype(np.float64) + 0.5) * _TWO_POW_MINUS_32
    low = ((h & _LOW32).astype(np.float64) + 0.5) * _TWO_POW_MINUS_32
    return high, low


def normal(seed: int, counters: npt.ArrayLike) -> F64:
    """One standard normal per counter (Box-Muller on one hash)."""
    u1, u2 = uniform_pair(seed, counters)
    return np.sqrt(-2.0 * np.log(u1)) * np.cos(2.0 * np.pi * u2)
