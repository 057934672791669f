"""Its top level leaves a marker next to itself: listing must never run it."""

from pathlib import Path

Path(__file__).with_name("MARKER_CREATED").write_text("discovery ran me")

from custom_strategies.base_strategy import BaseStrategy  # noqa: E402


class Marker(BaseStrategy):
    def execute(self):
        return []
