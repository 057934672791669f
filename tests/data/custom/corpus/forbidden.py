import os
import subprocess
from ctypes import CDLL

from custom_strategies.base_strategy import BaseStrategy


class Sneaky(BaseStrategy):
    def execute(self):
        subprocess.run(["true"])
        os.system("true")
        return []
