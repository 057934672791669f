from custom_strategies.base_strategy import BaseStrategy as Base


class Momentum(Base):
    """Momentum."""

    def execute(self):
        return ["INFY"]
