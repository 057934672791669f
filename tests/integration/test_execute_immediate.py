"""``/strategy/execute`` immediate on a real host: a custom strategy's run in the isolated engine,
its signals turned into sandbox orders, the read-only token, one run at a time, and every bad
input refused with its status and nothing run."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.support.clocks import next_trading_moment
from tests.support.sdk import LiveHost, start_live_host
from tests.support.strategies import wait_until
from tests.support.webhooks import create_strategy, orders_of, position_of

BUYER = '''
from custom_strategies.base_strategy import BaseStrategy


class Buyer(BaseStrategy):
    """Buys what the trigger names, after reading a quote with its read-only key."""

    name = "Buyer"
    parameters = {"quantity": 2}

    def execute(self):
        quote = self.get_quotes("SBIN", "NSE")
        self.log(f"SBIN ltp {quote['ltp']}")
        symbol = self.payload.get("symbol", "SBIN")
        return [{"symbol": symbol, "action": "BUY", "quantity": self.get_config_value("quantity")}]
'''

TRADER = """
import httpx, os
from custom_strategies.base_strategy import BaseStrategy


class Trader(BaseStrategy):
    def execute(self):
        reply = httpx.post(self.host + "/api/v1/placeorder", json={"apikey": self.api_key,
            "symbol": "SBIN", "exchange": "NSE", "action": "BUY", "quantity": 1, "product": "MIS"})
        self.log(f"placeorder answered {reply.status_code}: {reply.json()['message']}")
        return []
"""

SLOW = """
import time
from custom_strategies.base_strategy import BaseStrategy


class Slow(BaseStrategy):
    def execute(self):
        time.sleep(30)
        return []
"""


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveHost]:
    data = tmp_path_factory.mktemp("execute") / "data"
    folder = data / "custom_strategies" / "user_strategies"
    folder.mkdir(parents=True)
    for name, source in (("buyer.py", BUYER), ("trader.py", TRADER), ("slow.py", SLOW)):
        (folder / name).write_text(source)
    host = start_live_host(data, {"ORDER_RATE_LIMIT": "100 per second"}, clock_at=next_trading_moment(10))
    yield host
    host.stop()


def custom(live: LiveHost, file: str, **fields: Any) -> dict[str, Any]:
    mapping = {"symbol": "INFY", "exchange": "NSE", "quantity": 1, "product": "MIS"}
    fields.setdefault("name", f"Custom {file}")
    return create_strategy(live, [mapping], strategy_type="custom", strategy_file=file, **fields)


def execute(
    live: LiveHost, strategy: dict[str, Any], body: dict[str, Any] | None = None, query: str = ""
) -> httpx.Response:
    payload = {"apikey": live.api_key, **(body or {})}
    return httpx.post(
        f"{live.url}/strategy/execute/{strategy['webhook_id']}{query}", json=payload, timeout=60
    )


def test_a_run_trades_its_signals_and_answers_with_them(live: LiveHost) -> None:
    strategy = custom(live, "user_strategies/buyer.py", strategy_config={"quantity": 3})
    reply = execute(live, strategy, {"symbol": "ITC"})
    assert reply.status_code == 200, reply.text
    body = reply.json()
    assert body["status"] == "success" and body["execution_status"] == "succeeded"
    assert body["signals"] == [{"symbol": "ITC", "action": "BUY", "quantity": 3}]
    assert "SBIN ltp" in body["logs"]
    wait_until(lambda: position_of(live, "ITC") == 3, 10, what="the signal's order")
    record = live.session.get(f"/strategy/api/executions/{body['execution_id']}")
    assert record.status_code == 200 and record.json()["data"]["status"] == "succeeded"


def test_the_runs_key_is_read_only(live: LiveHost) -> None:
    strategy = custom(live, "user_strategies/trader.py")
    body = execute(live, strategy).json()
    assert body["execution_status"] == "succeeded", body
    assert "placeorder answered 403" in body["logs"] and "read-only" in body["logs"]
    assert live.api_key not in body["logs"]
    assert orders_of(live, "SBIN") == []


def test_one_run_at_a_time_and_wait_answers_202(live: LiveHost) -> None:
    strategy = custom(live, "user_strategies/slow.py", limits={"timeout_s": 3})
    first = execute(live, strategy, query="?mode=immediate&wait=0.5")
    assert first.status_code == 202 and first.json()["execution_status"] == "running"
    second = execute(live, strategy)
    assert second.status_code == 409 and second.json()["execution_id"] == first.json()["execution_id"]
    execution_id = first.json()["execution_id"]
    wait_until(
        lambda: (
            live.session.get(f"/strategy/api/executions/{execution_id}").json()["data"]["status"]
            == "timed_out"
        ),
        20,
        what="the timeout",
    )


def test_bad_input_is_refused_and_nothing_runs(live: LiveHost) -> None:
    strategy = custom(live, "user_strategies/buyer.py", name="Bad input")
    webhook = create_strategy(live, [], name="Plain webhook")
    url = f"{live.url}/strategy/execute/"
    cases: list[tuple[str, dict[str, Any] | bytes, dict[str, str], int]] = [
        (strategy["webhook_id"], {}, {}, 401),
        (strategy["webhook_id"], {"apikey": "0" * 64}, {}, 403),
        ("x" * 32, {"apikey": live.api_key}, {}, 404),
        (webhook["webhook_id"], {"apikey": live.api_key}, {}, 409),
        (strategy["webhook_id"] + "?mode=later", {"apikey": live.api_key}, {}, 400),
        (strategy["webhook_id"], b"{oops", {"X-API-KEY": live.api_key}, 400),
        (strategy["webhook_id"], {"apikey": live.api_key, "pad": "x" * 70_000}, {}, 413),
    ]
    for target, body, headers, status in cases:
        if isinstance(body, bytes):
            reply = httpx.post(
                url + target, content=body, headers={"Content-Type": "application/json", **headers}
            )
        else:
            reply = httpx.post(url + target, json=body, headers=headers)
        assert reply.status_code == status, (target, reply.text)
        assert reply.json()["status"] == "error"
    listed = live.session.get(f"/strategy/api/strategies/{strategy['id']}/executions")
    assert listed.status_code == 200 and listed.json()["data"]["executions"] == []


def test_a_file_outside_custom_strategies_is_refused(live: LiveHost, tmp_path: Path) -> None:
    for file in (
        "../keys/.secret_key",
        "/etc/passwd",
        "user_strategies/../../x.py",
        "user_strategies/nope.py",
    ):
        response = live.session.post(
            "/strategy/api/strategies",
            {"name": f"Tricky {file}", "strategy_type": "custom", "strategy_file": file},
        )
        assert response.status_code == 400, (file, response.text)
        assert "strategy_file" in response.json()["data"]["fields"]


def upload(live: LiveHost, name: str, content: bytes) -> httpx.Response:
    return live.session.client.post(
        "/strategy/api/custom/upload",
        files={"file": (name, content, "text/x-python")},
        headers={"X-CSRFToken": live.session.csrf(), "Accept": "application/json"},
    )


def test_strategy_files_are_listed_uploaded_saved_and_deleted_without_running_here(live: LiveHost) -> None:
    marker = live.server.data_dir / "marker-from-top-level"
    planted = live.server.data_dir / "custom_strategies" / "user_strategies" / "planted.py"
    planted.write_text(f"open({str(marker)!r}, 'w').write('ran')\n")
    data = live.session.get("/strategy/api/custom").json()["data"]
    assert "audit hook (a guard, not a boundary)" in data["isolation"]["layers"]
    listed = {e["file"]: e for e in data["strategies"]}
    assert (
        listed["user_strategies/buyer.py"]["valid"]
        and listed["user_strategies/buyer.py"]["classes"][0]["class"] == "Buyer"
    )
    assert listed["examples/ema_crossover.py"]["read_only"] is True
    assert listed["user_strategies/planted.py"]["valid"] is False  # no BaseStrategy subclass
    assert not marker.exists()  # listing never ran it

    good = BUYER.replace("Buyer", "Uploaded").encode()
    reply = upload(live, "uploaded.py", good)
    assert reply.status_code == 201 and reply.json()["data"]["file"]["valid"] is True, reply.text
    assert upload(live, "uploaded.py", good).status_code == 409
    broken_import = b"import no_such_module\n" + good
    assert upload(live, "broken.py", broken_import).json()["data"]["file"]["valid"] is False
    bad = [
        ("notes.txt", good, 400),
        ("syntax.py", b"def (:\n", 400),
        ("nul.py", b"x = 1\x00", 400),
        ("big.py", b"#" * (1024 * 1024 + 1), 413),
        ("latin.py", b"x = '\xe9'\n", 400),
    ]
    for name, content, status in bad:
        assert upload(live, name, content).status_code == status, name
    syntax = upload(live, "syntax2.py", b"x = (\n")
    assert syntax.json()["data"]["line"] >= 1

    read = live.session.get("/strategy/api/custom/file?path=user_strategies/uploaded.py").json()["data"]
    assert read["content"] == good.decode() and read["read_only"] is False
    saved = live.session.post(
        "/strategy/api/custom/file?path=user_strategies/uploaded.py", {"content": "x = ("}
    )
    assert saved.status_code == 400 and "line" in saved.json()["data"]
    example = live.session.post(
        "/strategy/api/custom/file?path=examples/rsi_strategy.py", {"content": "x = 1\n"}
    )
    assert example.status_code == 409
    custom(live, "user_strategies/uploaded.py", name="Uses the upload")
    in_use = live.session.post("/strategy/api/custom/delete?path=user_strategies/uploaded.py")
    assert in_use.status_code == 409 and "Uses the upload" in in_use.json()["message"]
    assert live.session.post("/strategy/api/custom/delete?path=user_strategies/broken.py").status_code == 200
    assert live.session.get("/strategy/api/custom/file?path=../keys/.secret_key").status_code == 400


def test_an_edited_file_is_seen_by_the_next_run(live: LiveHost) -> None:
    path = live.server.data_dir / "custom_strategies" / "user_strategies" / "edited.py"
    path.write_text(BUYER.replace("Buyer", "Edited"))
    strategy = custom(live, "user_strategies/edited.py")
    assert execute(live, strategy, {"symbol": "WIPRO"}).json()["signals"][0]["symbol"] == "WIPRO"
    saved = live.session.post(
        "/strategy/api/custom/file?path=user_strategies/edited.py",
        {"content": BUYER.replace("Buyer", "Edited").replace('"action": "BUY"', '"action": "SELL"')},
    )
    assert saved.status_code == 200, saved.text
    assert execute(live, strategy, {"symbol": "WIPRO"}).json()["signals"][0]["action"] == "SELL"


@pytest.mark.parametrize(
    ("file", "as_of", "position"),
    [
        ("examples/ema_crossover.py", "2025-06-24", 1),  # bullish cross (test_custom_examples_sandbox)
        ("examples/rsi_strategy.py", "2025-08-22", 0),  # overbought: exit
        ("examples/momentum_strategy.py", "2025-06-23", 1),  # ROC +6.17 %: buy
        ("examples/mean_reversion.py", "2025-01-17", 0),  # back at the mean: exit
    ],
)
def test_each_example_runs_end_to_end_to_orders(live: LiveHost, file: str, as_of: str, position: int) -> None:
    strategy = custom(live, file, name=f"Example {file}", strategy_config={"as_of": as_of})
    reply = execute(live, strategy)
    body = reply.json()
    assert reply.status_code == 200 and body["execution_status"] == "succeeded", body
    assert body["signals"][0]["position_size"] == position
    [order] = body["orders"]
    assert order["status"] == "placed" and order["orderid"], order
    wait_until(lambda: position_of(live, "RELIANCE") == position, 10, what=f"RELIANCE at {position}")


def test_a_custom_strategys_webhook_runs_it_and_answers_within_two_seconds(live: LiveHost) -> None:
    strategy = custom(live, "user_strategies/buyer.py", name="Custom by webhook")
    reply = httpx.post(
        f"{live.url}/strategy/webhook/{strategy['webhook_id']}",
        content=b'{"symbol": "TCS"}',
        headers={"Content-Type": "text/plain"},
        timeout=10,
    )
    assert reply.status_code == 200, reply.text
    assert reply.json()["execution_status"] == "succeeded" and reply.json()["signals"][0]["symbol"] == "TCS"
    slow = custom(live, "user_strategies/slow.py", name="Slow by webhook", limits={"timeout_s": 5})
    started = time.monotonic()
    pending = httpx.post(f"{live.url}/strategy/webhook/{slow['webhook_id']}", json={}, timeout=10)
    assert time.monotonic() - started < 2.5
    assert pending.status_code == 202 and pending.json()["execution_status"] == "running"
    listed = live.session.get(f"/strategy/api/strategies/{slow['id']}/executions").json()["data"][
        "executions"
    ]
    assert [(e["trigger"], e["mode"]) for e in listed] == [("webhook", "immediate")]
    bad = httpx.post(f"{live.url}/strategy/webhook/{strategy['webhook_id']}", content=b"{nope")
    assert bad.status_code == 400


def test_run_now_from_the_page_runs_it_with_the_session(live: LiveHost) -> None:
    strategy = custom(live, "user_strategies/buyer.py", name="Run now")
    reply = live.session.post(f"/strategy/api/strategies/{strategy['id']}/run", {"symbol": "LT"})
    assert reply.status_code == 200, reply.text
    data = reply.json()["data"]
    assert data["execution_status"] == "succeeded" and data["signals"][0]["symbol"] == "LT"
    listed = live.session.get(f"/strategy/api/strategies/{strategy['id']}/executions").json()["data"][
        "executions"
    ]
    assert listed[0]["trigger"] == "run-now"
    webhook = create_strategy(live, [], name="Not custom")
    assert live.session.post(f"/strategy/api/strategies/{webhook['id']}/run").status_code == 409
