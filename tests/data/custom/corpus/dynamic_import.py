import importlib

from custom_strategies.base_strategy import BaseStrategy


class Dynamic(BaseStrategy):
    def execute(self):
        name = "sub" + "process"
        importlib.import_module(name)
        return []
