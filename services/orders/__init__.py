"""The ONE path to a broker: the per-API-key order limit, the routers, the dispatcher and the journal.

``throttle``  the order rate limit per API key (``ORDER_RATE_LIMIT``; memory:// or redis://)
``router``    OrderRouter (one per venue): place, place_smart, place_opened, modify, cancel...
``journal``   OrderJournal: every order a router sent, with its source, venue and fate
``dispatch``  OrderDispatcher: strategy features' orders, journaled first, paced per API key
``lanes``     the dispatcher's FIFO worker thread per API key
``gates``     what a dispatched order waits for: a rate slot (Pacer), the master contract
``recovery``  pending entries a stopped or crashed host left: settled or sent again, once
``wiring``    build_orders: how the host puts them together (``host.orders``)
"""
