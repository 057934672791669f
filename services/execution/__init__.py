"""Custom strategies: discovery, the isolated warm-fork engine, executions, signals → orders.

``tokens``   the per-execution read-only ``/api/v1`` token
``records``  ``strategy_executions``: one row per run, the source of truth for its status
``signals``  what ``execute()`` returned → validated orders for the dispatcher (all or nothing)
"""
