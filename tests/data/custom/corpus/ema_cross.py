"""A good strategy: one class, literal metadata."""

from custom_strategies.base_strategy import BaseStrategy


class EmaCross(BaseStrategy):
    """Buys when the fast EMA crosses above the slow one.

    More words that are not the description.
    """

    name = "EMA cross"
    description = "Fast EMA over slow EMA"
    parameters = {"fast": 9, "slow": 21, "symbols": ["RELIANCE", "TCS"], "exchange": "NSE"}

    def execute(self):
        return list(self.config["symbols"])
