"""Schedules of hosted strategies: schedule validation, the pure policy and the scheduler that
applies it (``host.schedules``). The exchange calendar they follow is ``services.calendar``; the
APScheduler they put their jobs in is ``services.cron``.

``schedule``        Schedule and parse_schedule (validation of the trader's input)
``windows``         when a schedule runs on the calendar: next start / stop, current window
``policy``          should_run(strategy, now, calendar, contracts) -> Decision
``plans``           each strategy's schedule, manual override and started window (memory + DB)
``reconcile``       the scheduler's move for one strategy (pure) and the status reason
``reconciler``      reconcile passes through the supervisor; start gate; status fields
``jobs``            APScheduler cron / one-off jobs at the exact start and stop instants
``service``         Scheduling: edits, check-contracts, the background service (loop + jobs)
``view``            the schedule's summary (``09:15–15:30 IST, Mon–Fri``) and JSON form
``wiring``          build_scheduling: how the host puts it together
"""
