"""Webhook strategies: the ``strategies`` table's classic side — TradingView alerts become orders.

``alerts``      reading an alert as senders send it (JSON or text/plain, the SDK, the signal form)
``modes``       LONG / SHORT / BOTH and the signal form → the order an alert asks for (pure)
``windows``     intraday gating on the IST clock and the exchange calendar
``definition``  a strategy's fields as the trader sends them, checked
``strategies``  the table and its symbol mappings; webhook ids (digest + encrypted)
``deliveries``  every delivery recorded before it is acted on; dedupe keys
``throttle``    the alert rate per strategy
``receiver``    one alert from the raw body to the dispatcher, exactly once, in arrival order
``squareoff``   the square-off cron jobs, rebuilt at start, missed ones caught up
``console``     what the management routes ask, one call per route
``wiring``      build_webhooks: ``host.webhooks``
"""
