from custom_strategies.base_strategy import BaseStrategy

PERIOD = 14


class Computed(BaseStrategy):
    parameters = {"period": PERIOD}

    def execute(self):
        return []
