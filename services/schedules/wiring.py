"""Builds ``host.schedules`` from the host's settings and services (``Host`` calls this once).

Nothing starts here: the scheduler is a background service started with the host. Its seams are
plugged in at once, so the supervisor's very first pass already asks the start gate.
"""

from __future__ import annotations

from database.engine import Database
from services.calendar.live_calendar import LiveCalendar
from services.clock import Clock
from services.cron import Cron
from services.hosting.wiring import StrategyHosting
from services.market.master_contract import MasterContract
from services.schedules.plans import PlanBook
from services.schedules.service import Scheduling, SchedulingConfig
from services.settings import Settings


def build_scheduling(
    settings: Settings,
    *,
    db: Database,
    clock: Clock,
    calendar: LiveCalendar,
    cron: Cron,
    hosting: StrategyHosting,
    master_contract: MasterContract,
) -> Scheduling:
    def contracts_ready() -> bool:
        # A reload keeps the previous list usable (issue 3), so it does not hold starts back.
        return master_contract.is_ready() or len(master_contract.index) > 0

    scheduling = Scheduling(
        plans=PlanBook(db, clock),
        calendar=calendar,
        cron=cron,
        supervisor=hosting.supervisor,
        strategies=hosting.strategies,
        events=hosting.events,
        contracts_ready=contracts_ready,
        contract_state=lambda: master_contract.state().as_dict(),
        clock=clock,
        config=SchedulingConfig(
            reconcile_s=settings.schedule_reconcile_s,
        ),
    )
    scheduling.attach()
    master_contract.add_listener(lambda _state: scheduling.contracts_changed())
    return scheduling
