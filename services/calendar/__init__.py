"""The exchange calendar every feature asks: exchanges, their sessions, holidays and special days.

``exchanges``          exchange codes, regular sessions (IST), default schedule windows
``exchange_calendar``  ExchangeCalendar: trading days and sessions per exchange (holidays, specials)
``year_file``          strict reader of the shipped / imported yearly calendar files (JSON)
``store``              the calendar in the database: shipped data synced at start, yearly imports
``live_calendar``      the calendar a running host reads (``host.calendar``), reloaded on import
``import_calendar``    ``python -m services.calendar.import_calendar 2027.json``
``timefmt``            ``HH:MM`` and IST text forms, day names
"""
