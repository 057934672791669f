"""Live views: the in-memory event bus and change notifier, and the one budget of SSE streams.

``events``   EventBus (numbered events kept in a ring for resumption), ChangeNotifier (per-key
             versions readers block on)
``streams``  StreamSlots (the host's ONE stream budget), StreamConfig, ``sse()``, heartbeat,
             Last-Event-ID parsing

Every live stream of every feature takes its slot from ``host.live.slots``: never a second budget.
"""
