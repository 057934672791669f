"""Custom strategies: discovery, isolated execution, executions, signals → orders (issue 12;
docs/DEVELOPING.md, "The execution room").

Nothing here runs user code in the web process. The modules, by side:

- the host's: ``discovery`` (``ast`` listing, cached), ``paths`` (the two roots and the one way from a
  ``strategy_file`` string to a file), ``lint`` (forbidden imports: a hint), ``contract``
  (``ExecutionRequest``, ``ExecutionResult``, ``Validation``), ``engine`` (``ExecutionEngine``),
  ``worker`` (the host's handle on one zygote process), ``tokens`` (the per-run read-only API
  token), ``records`` (``strategy_executions``), ``signals`` (what ``execute()`` returned →
  validated orders, all or nothing);
- the zygote's (standard library only, never Flask or the host's services): ``zygote`` (the warm
  parent), ``processes`` (what it reads from /proc, and its kills), ``child`` (one execution in a
  forked child), ``sandbox`` (limits, Landlock), ``filters`` (seccomp), ``guard`` (the audit hook),
  ``outcome`` (what ``execute()`` returned, as JSON), ``verdict`` (how a run ended, in words),
  ``output`` (capped capture), ``protocol`` (frames between host and zygote; both sides).

This package's ``__init__`` imports nothing, so the zygote stays import-light.
"""
