from custom_strategies import base_strategy


class Breakout(base_strategy.BaseStrategy):
    """Range breakout."""

    parameters: dict = {"lookback": 20}

    def execute(self):
        return []


class FastBreakout(Breakout):
    name = "Fast breakout"

    def execute(self):
        return []


class Helper:
    pass
