"""Builds ``host.execution`` (custom strategies: the catalog of strategy files, the isolated
engine, the run records and tokens, the runner) from the host's settings."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from database.engine import Database
from services.clock import Clock
from services.execution.catalog import Catalog
from services.execution.desk import ExecutionDesk
from services.execution.discovery import Discovery
from services.execution.engine import EngineConfig, ExecutionEngine
from services.execution.files import StrategyFiles
from services.execution.paths import StrategyRoots
from services.execution.records import ExecutionRecords
from services.execution.runner import RunDefaults, Runner
from services.execution.tokens import ExecutionTokens
from services.lifecycle import Lifecycle
from services.market.instruments import InstrumentIndex
from services.orders.dispatch import OrderDispatcher
from services.settings import PROJECT_ROOT, Settings
from services.webhooks.strategies import WebhookStrategies
from services.webhooks.throttle import WebhookThrottle


@dataclass(frozen=True)
class Execution:
    """``host.execution``."""

    catalog: Catalog
    discovery: Discovery
    roots: StrategyRoots
    engine: ExecutionEngine
    records: ExecutionRecords
    tokens: ExecutionTokens
    runner: Runner
    desk: ExecutionDesk
    files: StrategyFiles
    lifecycle: Lifecycle


def build_catalog(settings: Settings) -> Catalog:
    """The strategy files (examples in the project, the trader's under DATA_DIR): what the
    webhook console checks a custom strategy's definition against, before the rest is built."""
    roots = StrategyRoots.standard(PROJECT_ROOT, settings.data_dir)
    roots.roots[-1].path.mkdir(parents=True, exist_ok=True)
    return Catalog(Discovery(roots))


def build_execution(
    settings: Settings,
    *,
    db: Database,
    clock: Clock,
    catalog: Catalog,
    strategies: WebhookStrategies,
    dispatcher: OrderDispatcher,
    index: Callable[[], InstrumentIndex],
    host_url: Callable[[], str],
    api_key_of: Callable[[int], str | None],
    owner_of_key: Callable[[str], int | None],
) -> Execution:
    discovery = catalog.discovery
    engine = ExecutionEngine(
        EngineConfig(
            scratch_root=settings.work_dir / "executions",
            private_paths=settings.private_paths,
            landlock=settings.strategy_landlock,
        ),
        clock,
    )
    records = ExecutionRecords(db, clock, settings.execution_kept)
    defaults = RunDefaults(settings.execution_timeout_s, settings.execution_memory_mb)
    tokens = ExecutionTokens(db)
    runner = Runner(
        records=records,
        tokens=tokens,
        engine=engine,
        roots=discovery.roots,
        strategies=strategies,
        dispatcher=dispatcher,
        index=index,
        host_url=host_url,
        api_key_of=api_key_of,
        private_paths=settings.private_paths,
        defaults=defaults,
        workers=8,
    )
    throttle = WebhookThrottle(
        settings.execute_rate_limit, settings.ratelimit_storage_uri, settings.ratelimit_key_prefix, "execute"
    )
    desk = ExecutionDesk(
        runner=runner,
        records=records,
        strategies=strategies,
        dispatcher=dispatcher,
        owner_of_key=owner_of_key,
        throttle=throttle,
        defaults=defaults,
    )
    # The runner starts the engine (at start when a custom strategy exists, else on first use)
    # and stops it.
    lifecycle = Lifecycle(background=(runner,))
    files = StrategyFiles(catalog, runner.ensure_engine, strategies)
    return Execution(
        catalog, discovery, discovery.roots, engine, records, tokens, runner, desk, files, lifecycle
    )
