"""Custom strategies: ``BaseStrategy`` subclasses that the host runs and whose signals it trades.

``from custom_strategies import BaseStrategy, Signal`` is all a strategy file needs.
``examples/`` holds four ready strategies (read-only in the UI), ``user_strategies/`` the trader's
own files. This package imports only the standard library, pandas, numpy and the ``openalgo`` SDK.
"""

from custom_strategies.base_strategy import (
    BaseStrategy,
    Signal,
    SignalLike,
    StrategyDataError,
    history_window,
)
from custom_strategies.parameters import ParameterError, coerce_parameters

__all__ = [
    "BaseStrategy",
    "ParameterError",
    "Signal",
    "SignalLike",
    "StrategyDataError",
    "coerce_parameters",
    "history_window",
]
