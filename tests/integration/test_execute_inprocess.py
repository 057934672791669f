"""A custom strategy's run never loads user code into the web process: run one through
``/strategy/execute`` in this very process and compare ``sys.modules`` before and after."""

from __future__ import annotations

import sys
from pathlib import Path

from app import create_app
from tests.support.apps import api_key_of, host_of, make_settings, post_json, set_up_admin
from tests.support.clocks import ShiftedClock, next_trading_moment

USER = """
from custom_strategies.base_strategy import BaseStrategy


class Mine(BaseStrategy):
    def execute(self):
        return ["SBIN"]
"""


def test_no_user_module_is_ever_imported_by_the_web_process(data_dir: Path) -> None:
    folder = data_dir / "custom_strategies" / "user_strategies"
    folder.mkdir(parents=True)
    (folder / "mine.py").write_text(USER)
    app = create_app(
        make_settings(data_dir, start_background=True), clock=ShiftedClock(next_trading_moment(10))
    )
    host = host_of(app)
    try:
        assert host.venue.master_contract.wait_ready(60)
        client = app.test_client()
        set_up_admin(client)
        before = set(sys.modules)
        for file in ("user_strategies/mine.py", "examples/ema_crossover.py"):
            created = post_json(
                client,
                "/strategy/api/strategies",
                {"name": file, "strategy_type": "custom", "strategy_file": file, "strategy_config": {}},
            )
            assert created.status_code == 201, created.get_data(as_text=True)
            assert client.get("/strategy/api/custom").status_code == 200
            reply = client.post(
                f"/strategy/execute/{created.get_json()['data']['webhook_id']}",
                json={"apikey": api_key_of(app)},
            )
            assert reply.status_code in (200, 422), reply.get_data(as_text=True)
            assert reply.get_json()["execution_id"]
        loaded = set(sys.modules) - before
        user_code = [
            name
            for name in loaded
            if "user_strategies" in str(getattr(sys.modules[name], "__file__", "") or "")
            or name.startswith("custom_strategies.examples")
            or name == "mine"
        ]
        assert user_code == []
    finally:
        host.shutdown()
