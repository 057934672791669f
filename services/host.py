"""The composition root of the domain: builds every service of one host from its Settings.

``create_app`` builds one ``Host`` and keeps it in ``app.extensions``; nothing else holds state.
Background components (supervisor, scheduler, order matcher, ...) register here and are started
and stopped in one explicit call each, never at import or construction time.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from database.engine import Database
from services.accounts import Accounts
from services.apikeys import ApiKeys
from services.broker.venue import build_venue
from services.calendar.live_calendar import LiveCalendar
from services.calendar.store import CalendarStore
from services.clock import Clock, SystemClock
from services.cron import Cron
from services.crypto import Passwords
from services.data_dir import open_data_dir
from services.execution.wiring import build_catalog, build_execution
from services.host_logging import SecretRedactor
from services.hosting.wiring import build_strategy_hosting
from services.leases import HostIdentity, Leases
from services.lifecycle import BackgroundService, Lifecycle
from services.live.streams import LiveStreams, StreamConfig, StreamSlots
from services.login_throttle import LoginThrottle
from services.orders.recovery import LeasedPresence
from services.orders.wiring import build_orders
from services.schedules.wiring import build_scheduling
from services.settings import Settings
from services.webhooks.wiring import build_webhooks

log = logging.getLogger(__name__)


class Host:
    """Every service of one running host, wired together."""

    def __init__(
        self,
        settings: Settings,
        clock: Clock | None = None,
        redactor: SecretRedactor | None = None,
        *,
        init: bool = False,
    ) -> None:
        """``init``: ``python app.py --init`` (a missing database may be created next to earlier
        data, see ``services/data_dir.py``)."""
        settings.ensure_dirs()
        self.settings = settings
        self.clock: Clock = clock or SystemClock()
        self.redactor = redactor or SecretRedactor()
        # The database and the keys are opened together: which key may be created depends on
        # what the database holds.
        data = open_data_dir(settings, init=init)
        self.db: Database = data.db
        self.box = data.box
        self.secret_key = data.secret_key
        self.passwords = Passwords(max_concurrent=settings.password_hash_concurrency)
        self.api_keys = ApiKeys(self.db, self.box)
        throttle = LoginThrottle(
            settings.login_rate_limit,
            settings.login_username_rate_limit,
            settings.ratelimit_storage_uri,
            settings.ratelimit_key_prefix,
        )
        self.accounts = Accounts(
            self.db, self.passwords, self.api_keys, settings.min_password_length, throttle
        )
        self.listen_url = self.url_for_address(settings.host_ip, settings.port)
        self._background: list[BackgroundService] = []
        self._shutdown_hooks: list[Callable[[], None]] = []
        self._closing_hooks: list[Callable[[], None]] = []
        self._started = False

        # Host-wide parts every feature uses: the exchange calendar, the one APScheduler
        # (namespaced jobs) and the one budget of live streams.
        self.calendar = _exchange_calendar(settings, self.db, self.clock)
        self.cron = Cron(settings.schedule_misfire_grace_s)
        # Which host looks after what, when several hosts share the database.
        self.identity = HostIdentity.of_this_process()
        self.leases = Leases(self.db, self.clock, self.identity, settings.strategy_lease_s)
        self.live = LiveStreams(
            StreamSlots(settings.stream_max_concurrent),
            StreamConfig(settings.stream_heartbeat_s, settings.stream_max_lifetime_s),
        )
        self._build_features(settings)

    def _build_features(self, settings: Settings) -> None:
        """Every feature, in start order (each stops in reverse)."""
        # The venue: the sandbox (or the upstream OpenAlgo server) and its master contract.
        self.venue = build_venue(settings, self.db, self.clock, self.redactor)
        # Orders: the one path to a broker (order limit per API key, a router per venue, the
        # journal, and the dispatcher that strategy features send their orders through).
        self.orders = build_orders(
            settings,
            db=self.db,
            clock=self.clock,
            venue=self.venue,
            leases=self.leases,
            api_key_of=self.api_keys.current,
            contract_wait_s=settings.order_dispatch_contract_wait_s,
            stop_timeout_s=settings.order_dispatch_stop_timeout_s,
            lane_idle_s=settings.order_dispatch_lane_idle_s,
        )
        # Python strategy hosting: strategies learn the URL the server really listens on and the
        # admin's API key at each start.
        self.hosting = build_strategy_hosting(
            settings,
            db=self.db,
            box=self.box,
            clock=self.clock,
            redactor=self.redactor,
            host_url=lambda: self.listen_url,
            api_key=self.api_keys.primary,
            live=self.live,
            leases=self.leases,
        )
        master_contract = self.venue.master_contract
        self.hosting.supervisor.set_master_contract_source(lambda: master_contract.state().as_dict())
        # Schedules: cron jobs at the exact instants + a reconcile loop; every start is gated on
        # the master contract and the schedule.
        self.schedules = build_scheduling(
            settings,
            db=self.db,
            clock=self.clock,
            calendar=self.calendar,
            cron=self.cron,
            hosting=self.hosting,
            master_contract=master_contract,
        )
        # Custom strategies' files, read without running them: the console checks a custom
        # strategy's definition against them.
        catalog = build_catalog(settings)
        # Webhook strategies (/strategy): TradingView alerts → the dispatcher; square-off jobs on
        # the host's scheduler, rebuilt from the table at every start.
        self.webhooks = build_webhooks(
            settings,
            db=self.db,
            clock=self.clock,
            box=self.box,
            calendar=self.calendar,
            cron=self.cron,
            dispatcher=self.orders.dispatcher,
            journal=self.orders.journal,
            host_id=self.identity.id,
            host_gone=LeasedPresence(self.leases).is_gone,
            index=lambda: master_contract.index,
            api_key_of=self.api_keys.current,
            check_custom=catalog.check,
        )
        # Custom strategies: run in isolated children of a warm zygote, their signals → orders.
        self.execution = build_execution(
            settings,
            db=self.db,
            clock=self.clock,
            catalog=catalog,
            strategies=self.webhooks.strategies,
            dispatcher=self.orders.dispatcher,
            index=lambda: master_contract.index,
            host_url=lambda: self.listen_url,
            api_key_of=self.api_keys.current,
            owner_of_key=self.api_keys.owner_of,
        )
        features = (self.venue, self.orders, self.hosting, self.schedules, self.webhooks, self.execution)
        for feature in features:
            self._adopt(feature.lifecycle)
        # Last to start and first to stop: no job fires into a service that is not running.
        self.add_background(self.cron)

    @staticmethod
    def url_for_address(host_ip: str, port: int) -> str:
        """The URL a local client (a strategy) uses to reach a server bound to this address."""
        if host_ip in {"0.0.0.0", "", "*"}:  # noqa: S104 - mapping a wildcard bind to loopback
            host_ip = "127.0.0.1"
        elif host_ip == "::":
            host_ip = "::1"
        if ":" in host_ip:
            host_ip = f"[{host_ip}]"
        return f"http://{host_ip}:{port}"

    def set_listen_address(self, host_ip: str, port: int) -> None:
        """Record where the server really listens (FLASK_PORT=0 picks a free port)."""
        self.listen_url = self.url_for_address(host_ip, port)

    def on_closing(self, hook: Callable[[], None]) -> None:
        """Run ``hook`` first when shutdown begins (end live streams, refuse new work)."""
        self._closing_hooks.append(hook)

    def begin_shutdown(self) -> None:
        """The first step of a shutdown, safe to call from a signal handler and more than once."""
        hooks, self._closing_hooks = self._closing_hooks, []
        for hook in hooks:
            hook()

    def on_shutdown(self, hook: Callable[[], None]) -> None:
        """Run ``hook`` last when the host shuts down (after background work has stopped)."""
        self._shutdown_hooks.append(hook)

    def add_background(self, service: BackgroundService) -> None:
        self._background.append(service)

    def _adopt(self, lifecycle: Lifecycle) -> None:
        for service in lifecycle.background:
            self.add_background(service)
        for hook in lifecycle.closing:
            self.on_closing(hook)
        for closer in lifecycle.closers:
            self.on_shutdown(closer)

    def start_background(self) -> None:
        if self._started:
            return
        self._started = True
        for service in self._background:
            log.info("Starting %s", service.name)
            service.start()

    def shutdown(self) -> None:
        """Stop background work in reverse start order, then release the database."""
        self.begin_shutdown()
        if self._started:
            for service in reversed(self._background):
                try:
                    log.info("Stopping %s", service.name)
                    service.stop()
                except Exception:
                    log.exception("Stopping %s failed", service.name)
            self._started = False
        self.db.dispose()
        for hook in reversed(self._shutdown_hooks):
            hook()
        self._shutdown_hooks.clear()


def _exchange_calendar(settings: Settings, db: Database, clock: Clock) -> LiveCalendar:
    """The shipped holiday lists are written into the database (only years that are missing or
    changed; a trader's imported year is kept) and read into one immutable calendar value,
    reloaded while running when a year is imported."""
    store = CalendarStore(db, clock)
    store.sync_shipped()
    return LiveCalendar(store, clock, settings.schedule_calendar_check_s)
