"""Square-off: at an intraday strategy's ``squareoff_time``, every mapped position goes flat.

One cron job per active intraday strategy (``squareoff:<id>`` on the host's one scheduler), rebuilt
from the table at every start and after every change, so a reboot never forgets one (upstream
keeps them only in memory). The job fires every day and asks the exchange calendar: weekends and
holidays of the strategy's exchange do nothing. A square-off missed while the host was down runs
at the next start if that exchange's session is still open. Each run is recorded as a delivery
from ``square-off`` with the orders it sent, and the day is remembered so it runs once.
"""

from __future__ import annotations

import functools
import json
import logging
from collections.abc import Callable
from datetime import date, datetime

from apscheduler.triggers.cron import CronTrigger

from services.broker.types import OrderRequest
from services.calendar.live_calendar import LiveCalendar
from services.clock import IST, Clock, to_ist
from services.cron import Cron
from services.orders.dispatch import Intent, OrderDispatcher
from services.orders.router import Caller
from services.webhooks.deliveries import Deliveries
from services.webhooks.strategies import Strategy, WebhookStrategies

log = logging.getLogger(__name__)

JOB_PREFIX = "squareoff:"
SENDER = "square-off"


def job_id(strategy_id: int) -> str:
    return f"{JOB_PREFIX}{strategy_id}"


class SquareOff:
    """The square-off jobs (a BackgroundService: ``start`` rebuilds them and catches up)."""

    name = "webhook square-off"

    def __init__(
        self,
        *,
        strategies: WebhookStrategies,
        deliveries: Deliveries,
        dispatcher: OrderDispatcher,
        calendar: LiveCalendar,
        cron: Cron,
        clock: Clock,
        api_key_of: Callable[[int], str | None],
    ) -> None:
        self._strategies = strategies
        self._deliveries = deliveries
        self._dispatcher = dispatcher
        self._calendar = calendar
        self._cron = cron
        self._clock = clock
        self._api_key_of = api_key_of

    def start(self) -> None:
        self.rebuild()
        self.catch_up()

    def stop(self) -> None:
        """Nothing to stop: the jobs live on the host's scheduler, which stops itself."""

    def rebuild(self) -> None:
        """Exactly one job per active intraday strategy; no job for any other."""
        wanted = {s.id: s for s in self._strategies.all() if _needs_job(s)}
        for stale in self._cron.job_ids(JOB_PREFIX):
            if int(stale.removeprefix(JOB_PREFIX)) not in wanted:
                self._cron.remove(stale)
        for strategy in wanted.values():
            self._put(strategy)

    def refresh(self, strategy_id: int, strategy: Strategy | None) -> None:
        """After a strategy was created, changed, toggled (``strategy``) or deleted (None)."""
        if strategy is not None and _needs_job(strategy):
            self._put(strategy)
        else:
            self._cron.remove(job_id(strategy_id))

    def next_run(self, strategy_id: int) -> datetime | None:
        return self._cron.next_fire(job_id(strategy_id), self._clock.now())

    def catch_up(self) -> None:
        """Run the square-offs missed while the host was down, where the session is still open."""
        now = to_ist(self._clock.now())
        for strategy in self._strategies.all():
            if not _needs_job(strategy) or strategy.last_squareoff_on == now.date():
                continue
            if now.time() < strategy.definition.window.squareoff:
                continue
            sessions = self._calendar.current().session_on(strategy.definition.exchange, now.date())
            if any(open_ <= now.time() < close for open_, close in sessions):
                log.info("Running the square-off of strategy %s missed while the host was down", strategy.id)
                self.run(strategy.id)

    def run(self, strategy_id: int) -> int | None:
        """Square off the strategy now (today's run, once); the delivery id, None when nothing ran."""
        try:
            strategy = self._strategies.get(strategy_id)
        except Exception:
            log.warning("Square-off job of a strategy that is gone (%s)", strategy_id)
            return None
        today = to_ist(self._clock.now()).date()
        if not _needs_job(strategy) or strategy.last_squareoff_on == today:
            return None
        if not self._calendar.current().is_trading_day(strategy.definition.exchange, today):
            return None
        return self._square_off(strategy, today)

    def _square_off(self, strategy: Strategy, today: date) -> int:
        body = json.dumps({"squareoff": strategy.definition.window.squareoff.strftime("%H:%M")})
        delivery_id, _ = self._deliveries.record(strategy.id, SENDER, {}, body)
        mappings = self._strategies.mappings(strategy.id)
        api_key = self._api_key_of(strategy.user_id)
        if api_key is None or not mappings:
            why = "no symbols mapped" if api_key is not None else "the host has no API key"
            self._deliveries.finish(delivery_id, "accepted", f"Square-off: nothing sent ({why}).")
        else:
            intents = [
                Intent(
                    OrderRequest(m.symbol, m.exchange, "SELL", 0, product=m.product, strategy=strategy.name),
                    position_size=0,
                )
                for m in mappings
            ]
            caller = Caller(account=strategy.user_id, api_key=api_key, source=strategy.source(delivery_id))
            ids = self._dispatcher.submit(caller, intents, venue=strategy.definition.trading_venue)
            message = f"Square-off: {len(ids)} position{'s' if len(ids) != 1 else ''} to flat."
            self._deliveries.finish(delivery_id, "accepted", message, ids)
        self._strategies.mark_squared_off(strategy.id, today)
        return delivery_id

    def _put(self, strategy: Strategy) -> None:
        at = strategy.definition.window.squareoff
        trigger = CronTrigger(hour=at.hour, minute=at.minute, timezone=IST)
        self._cron.put(job_id(strategy.id), trigger, functools.partial(self._fire, strategy.id))

    def _fire(self, strategy_id: int) -> None:
        try:
            self.run(strategy_id)
        except Exception:  # a job must never die silently: log it, the next day runs again
            log.exception("Square-off of strategy %s failed", strategy_id)


def _needs_job(strategy: Strategy) -> bool:
    return strategy.is_active and strategy.definition.is_intraday
