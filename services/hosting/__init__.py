"""Python strategy hosting: scripts on disk, records, variables, logs and the process supervisor.

Modules, one noun each: ``validation`` (what input is acceptable), ``store`` (script files and
backups), ``repository`` (strategy rows), ``env_vars`` and ``child_env`` (a strategy's
environment), ``logs`` / ``log_reader`` (per-run log files), ``capture`` and ``launcher`` (every OS
call on strategy processes), ``state`` (the status machine), ``restart_policy``, ``slots``
(runtime state of one strategy), ``supervisor`` (the reconcile loop), ``recovery`` (leftovers after
a host crash), ``status`` (the status board), ``events`` (the in-memory event bus), ``streams``
(Server-Sent Event streams), ``catalog`` (the facade the web layer calls) and ``wiring`` (how the
host builds them).
"""
