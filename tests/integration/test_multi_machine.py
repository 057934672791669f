"""Multi-machine mode: several hosts share one PostgreSQL database and one Redis for rate limits.

Runs against the CI services (PostgreSQL 127.0.0.1:5432, Redis 127.0.0.1:6379); each test skips
with a message where its server does not answer.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import select, text

from database.engine import make_engine
from services.errors import ConfigurationError
from tests.support.apps import ADMIN_PASSWORD, ADMIN_USER, build_app, csrf_token, host_of, set_up_admin
from tests.support.live_server import LiveServer, LoggedInSession
from tests.support.net import free_port, postgres_url, redis_url
from tests.support.strategies import strategy_processes, wait_until


@pytest.fixture
def pg_url() -> Iterator[str]:
    """A PostgreSQL URL whose connections use a fresh, private schema."""
    base = postgres_url()
    if base is None:
        pytest.skip(
            "PostgreSQL is not running on 127.0.0.1:5432 (CI provides it); multi-machine test skipped"
        )
    schema = f"mm_{uuid.uuid4().hex[:10]}"
    admin = make_engine(base)
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield f"{base}?options=-csearch_path%3D{schema}"
    finally:
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture
def shared_redis() -> str:
    url = redis_url()
    if url is None:
        pytest.skip("Redis is not running on 127.0.0.1:6379 (CI provides it); multi-machine test skipped")
    return url


def _two_hosts(data_dir: Path, **settings: object) -> tuple[Flask, Flask]:
    # Hosts of one installation share keys/ (the Fernet key) and the database.
    return build_app(data_dir, **settings), build_app(data_dir, **settings)


def _login(app: Flask, password: str) -> int:
    client = app.test_client()
    response = client.post(
        "/auth/login",
        json={"username": ADMIN_USER, "password": password},
        headers={"X-CSRFToken": csrf_token(client)},
    )
    return response.status_code


@pytest.mark.postgres
def test_hosts_on_one_postgresql_database_share_the_account_and_key(tmp_path: Path, pg_url: str) -> None:
    first, second = _two_hosts(tmp_path, database_url=pg_url)
    try:
        set_up_admin(first.test_client())
        # The second host sees the same admin: setup is closed and the password works there.
        assert first.test_client().get("/auth/setup", headers={"Accept": "text/html"}).status_code == 302
        assert _login(second, ADMIN_PASSWORD) == 200
        key = host_of(first).api_keys.primary()
        assert key is not None
        assert host_of(second).api_keys.owner_of(key) is not None
        # A key regenerated on one host stops working on the other at once.
        user_id = host_of(first).api_keys.owner_of(key)
        assert user_id is not None
        host_of(first).api_keys.regenerate(user_id)
        assert host_of(second).api_keys.owner_of(key) is None
    finally:
        host_of(first).shutdown()
        host_of(second).shutdown()


@pytest.mark.postgres
def test_a_machine_without_the_installs_keys_refuses_the_shared_database(tmp_path: Path, pg_url: str) -> None:
    first = build_app(tmp_path / "first", database_url=pg_url)
    try:
        set_up_admin(first.test_client())  # an account and an encrypted API key in PostgreSQL
    finally:
        host_of(first).shutdown()
    # keys/ was not copied to the second machine: a new key could read none of those secrets.
    with pytest.raises(ConfigurationError, match="copy keys/ from the first machine"):
        build_app(tmp_path / "second", database_url=pg_url)
    assert not (tmp_path / "second" / "keys" / ".encryption_key").exists()


@pytest.mark.postgres
def test_an_empty_database_next_to_earlier_keys_does_not_reopen_setup(tmp_path: Path, pg_url: str) -> None:
    host_of(build_app(tmp_path / "machine")).shutdown()  # keys/ from an earlier run on SQLite
    with pytest.raises(ConfigurationError, match="database at DATABASE_URL is missing or empty"):
        build_app(tmp_path / "machine", database_url=pg_url)


@pytest.mark.postgres
@pytest.mark.redis
def test_failed_logins_are_counted_across_hosts_in_redis(
    tmp_path: Path, pg_url: str, shared_redis: str
) -> None:
    first, second = _two_hosts(
        tmp_path,
        database_url=pg_url,
        ratelimit_storage_uri=shared_redis,
        ratelimit_key_prefix=f"test-{uuid.uuid4().hex[:10]}",  # this run's counters only
    )
    try:
        set_up_admin(first.test_client())
        statuses = [_login(first if n % 2 else second, f"wrong-{n}") for n in range(6)]
        assert statuses == [401, 401, 401, 401, 401, 429]
    finally:
        host_of(first).shutdown()
        host_of(second).shutdown()


@pytest.mark.redis
def test_the_order_rate_limit_of_one_key_is_shared_by_hosts_through_redis(shared_redis: str) -> None:
    from services.errors import RateLimited
    from services.orders.throttle import OrderThrottle

    prefix = f"test-{uuid.uuid4().hex[:10]}"
    first = OrderThrottle("3 per minute", shared_redis, prefix)
    second = OrderThrottle("3 per minute", shared_redis, prefix)
    for throttle in (first, second, first):
        throttle.hit("key-A")
    with pytest.raises(RateLimited):
        second.hit("key-A")
    second.hit("key-B")  # another API key has its own budget


LOOPING = "import time\nprint('up', flush=True)\nwhile True:\n    time.sleep(0.1)\n"


def _upload(session: LoggedInSession, name: str) -> str:
    response = session.client.post(
        "/python/upload",
        files={"file": ("loop.py", LOOPING.encode())},
        data={"name": name},
        headers={"X-CSRFToken": session.csrf()},
    )
    assert response.status_code == 201, response.text
    return str(response.json()["data"]["id"])


def _entries(session: LoggedInSession) -> dict[str, dict[str, object]]:
    return {entry["id"]: entry for entry in session.get("/python/status").json()["data"]["strategies"]}


@pytest.mark.postgres
def test_two_hosts_on_one_database_never_run_a_strategy_twice(tmp_path: Path, pg_url: str) -> None:
    """10 strategies started through host A; host B joins and waits three lease periods: still
    exactly one process each, and B refuses to act on A's strategies. A is killed (-9): B takes
    them over (it adopts A's processes: same machine) and there are never two."""
    data_dir = tmp_path / "data"  # one installation: shared keys/ and scripts, one database
    env = {"DATABASE_URL": pg_url, "STRATEGY_LEASE_S": "3", "STRATEGY_TICK_S": "0.2"}
    host_a = LiveServer(data_dir, free_port(), env).start()
    host_b: LiveServer | None = None
    try:
        a = LoggedInSession(host_a.url)
        a.setup_or_login(ADMIN_USER, ADMIN_PASSWORD)
        ids = [_upload(a, f"Loop {n}") for n in range(10)]
        for strategy_id in ids:
            assert a.post(f"/python/start/{strategy_id}").status_code == 200
        wait_until(lambda: all(e["status"] == "running" for e in _entries(a).values()), 30, what="10 runs")
        pids = {sid: entry["pid"] for sid, entry in _entries(a).items()}

        host_b = LiveServer(data_dir, free_port(), env).start()
        b = LoggedInSession(host_b.url)
        b.setup_or_login(ADMIN_USER, ADMIN_PASSWORD)
        time.sleep(3 * 3)  # three lease periods
        for strategy_id in ids:
            assert [p.pid for p in strategy_processes(strategy_id)] == [pids[strategy_id]]
        seen_by_b = _entries(b)[ids[0]]
        assert seen_by_b["supervised_by"], seen_by_b  # B shows that another host has it
        refused = b.post(f"/python/stop/{ids[0]}")
        assert refused.status_code == 409 and "another host" in refused.json()["message"]

        host_a.kill()  # kill -9: A's strategies keep running, unsupervised for a moment
        wait_until(
            lambda: all(e["status"] == "running" and not e["supervised_by"] for e in _entries(b).values()),
            30,
            what="host B to take every strategy over",
        )
        for strategy_id in ids:
            assert [p.pid for p in strategy_processes(strategy_id)] == [pids[strategy_id]]  # adopted
        assert b.post(f"/python/stop/{ids[0]}").status_code == 200
        wait_until(lambda: strategy_processes(ids[0]) == [], 15, what="the stop through host B")
    finally:
        if host_b is not None:
            host_b.stop()
        host_a.kill()
        for strategy_id in ids if "ids" in locals() else []:
            for process in strategy_processes(strategy_id):
                process.kill()


@pytest.mark.postgres
def test_smart_orders_through_two_hosts_never_stack_on_one_account(tmp_path: Path, pg_url: str) -> None:
    """Both hosts place the same smart order at once: the account's lock holds across hosts (a
    PostgreSQL advisory lock), so the position ends at the target, not at twice the target."""
    first, second = _two_hosts(
        tmp_path, database_url=pg_url, start_background=True, order_rate_limit="1000 per second"
    )
    try:
        for app in (first, second):
            assert host_of(app).venue.master_contract.wait_ready(60)
        set_up_admin(first.test_client())
        key = host_of(first).api_keys.primary()
        order = {"apikey": key, "symbol": "SBIN", "exchange": "NSE", "action": "BUY", "product": "MIS"}
        barrier = threading.Barrier(8)

        def place(app: Flask) -> int:
            client = app.test_client()
            barrier.wait()
            body = {**order, "quantity": 0, "position_size": 10, "strategy": "race"}
            return int(client.post("/api/v1/placesmartorder", json=body).status_code)

        with ThreadPoolExecutor(8) as pool:
            statuses = list(pool.map(place, [first, second] * 4))
        assert statuses == [200] * 8
        position = first.test_client().post("/api/v1/openposition", json={**order, "product": "MIS"})
        assert position.get_json()["quantity"] == "10"
    finally:
        host_of(first).shutdown()
        host_of(second).shutdown()


@pytest.mark.postgres
@pytest.mark.redis
def test_two_hosts_dispatch_on_one_key_at_the_shared_pace_each_order_once(
    tmp_path: Path, pg_url: str, shared_redis: str
) -> None:
    """Both hosts' dispatchers send 15 orders of one API key at once: Redis holds the one order
    limit (10 per second) for both, every order is placed exactly once, by the host it was
    submitted to (neither takes the other's pending entries for a dead host's)."""
    from services.broker.types import OrderRequest
    from services.orders.dispatch import Intent
    from services.orders.router import Caller

    first, second = _two_hosts(
        tmp_path,
        database_url=pg_url,
        start_background=True,
        order_rate_limit="10 per second",
        ratelimit_storage_uri=shared_redis,
        ratelimit_key_prefix=f"test-{uuid.uuid4().hex[:10]}",
    )
    try:
        for app in (first, second):
            assert host_of(app).venue.master_contract.wait_ready(60)
        set_up_admin(first.test_client())
        key = host_of(first).api_keys.primary()
        assert key is not None
        account = host_of(first).api_keys.owner_of(key)
        assert account is not None
        caller = Caller(account, key, "webhook:mm")
        intents = [Intent(OrderRequest("SBIN", "NSE", "BUY", 1, strategy="mm")) for _ in range(15)]
        started = time.monotonic()
        with ThreadPoolExecutor(2) as pool:
            ids = list(
                pool.map(lambda app: host_of(app).orders.dispatcher.submit(caller, intents), [first, second])
            )
        entries = [
            host_of(app).orders.dispatcher.wait(batch, 60)
            for app, batch in zip((first, second), ids, strict=True)
        ]
        elapsed = time.monotonic() - started
        for app, batch in zip((first, second), entries, strict=True):
            assert [e.status for e in batch] == ["placed"] * 15
            assert {e.dispatcher for e in batch} == {host_of(app).identity.id}
        assert elapsed >= 1.9  # 30 orders at 10 per second, whichever host sends them
        from database.models import SandboxOrder

        with host_of(first).db.session() as session:  # every paper order (a run may cross midnight)
            placed = set(session.scalars(select(SandboxOrder.orderid)))
        assert placed == {e.orderid for batch in entries for e in batch} and len(placed) == 30
    finally:
        host_of(first).shutdown()
        host_of(second).shutdown()
