"""Schedules of hosted strategies: the exchange calendar, schedule validation and the pure policy.

``calendar``        ExchangeCalendar: trading days and sessions per exchange (holidays, specials)
``calendar_file``   strict reader of the shipped / imported yearly calendar files (JSON)
``calendar_store``  the calendar in the database: shipped data synced at start, yearly imports
``import_calendar`` ``python -m services.schedules.import_calendar 2027.json``
``schedule``        Schedule and parse_schedule (validation of the trader's input)
``windows``         when a schedule runs on the calendar: next start / stop, current window
``policy``          should_run(strategy, now, calendar, contracts) -> Decision
"""
