"""The ONE path to a broker: the per-API-key order limit, the router and the order journal.

``throttle``  the order rate limit per API key (``ORDER_RATE_LIMIT``; memory:// or redis://)
``router``    OrderRouter: place, place_smart, modify, cancel, cancel_all, close_position
``journal``   OrderJournal: every order the router sent, with its source and its fate
``wiring``    build_orders: how the host puts them together (``host.orders``)
"""
