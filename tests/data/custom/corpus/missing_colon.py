from custom_strategies.base_strategy import BaseStrategy

class Broken(BaseStrategy):
    def execute(self)
        return []
