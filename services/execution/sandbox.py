"""Limits and kernel confinement a child applies to itself before the trader's code (the boundary;
``guard`` is only a guard rail). Standard library only: it runs in the child.

- ``RLIMIT_CPU`` a little over the wall-clock timeout: a backstop should the zygote fail to kill.
- ``RLIMIT_DATA`` (through ``services.confinement``) well above the memory limit the zygote polls:
  numpy and its BLAS reserve address space they never touch. Never ``RLIMIT_AS`` (breaks threads
  and numpy) nor ``RLIMIT_NPROC`` (per user; root ignores it). No core files.
- ``services.confinement.apply``: private umask, no capabilities when the host runs as root (the
  child cannot read the host's ``/proc/<pid>/environ``), and Landlock when the kernel has it:
  reads everywhere except the host's private folders, writes only to the execution's scratch dir.
- seccomp (``filters``): no fork, vfork, execve or ptrace; threads still start.
- A second Landlock layer of our own: no ``execve`` at all (fork-and-exec through
  ``_posixsubprocess`` gets round the audit hook, not round this), TCP ``connect`` only to the
  host's port (ABI ≥ 4), no ``bind``, and (ABI ≥ 6) no signals or abstract Unix sockets outside
  the execution.
"""

from __future__ import annotations

import ctypes
import math
import os
import resource
from collections.abc import Sequence

from services import confinement
from services.execution import filters

MB = 1024 * 1024
#: RLIMIT_DATA = memory limit + max(memory limit, this): address space reserved, not used.
DATA_SLACK_MB = 512
#: RLIMIT_CPU = the wall-clock timeout + this (the zygote's kill comes first).
CPU_SLACK_S = 2

_SYS_CREATE_RULESET, _SYS_ADD_RULE, _SYS_RESTRICT_SELF = 444, 445, 446
_RULE_NET_PORT = 2
_FS_EXECUTE = 1 << 0
_NET_BIND_TCP, _NET_CONNECT_TCP = 1 << 0, 1 << 1
_SCOPE_ABSTRACT_UNIX, _SCOPE_SIGNAL = 1 << 0, 1 << 1
_PR_SET_NO_NEW_PRIVS = 38


def data_limit_bytes(memory_mb: int) -> int:
    return (memory_mb + max(memory_mb, DATA_SLACK_MB)) * MB


def cpu_limit_seconds(timeout_s: float) -> int:
    return math.ceil(timeout_s) + CPU_SLACK_S


class _RulesetAttr(ctypes.Structure):
    _fields_ = (
        ("handled_access_fs", ctypes.c_uint64),
        ("handled_access_net", ctypes.c_uint64),
        ("scoped", ctypes.c_uint64),
    )


class _NetPortAttr(ctypes.Structure):
    _pack_ = 1
    _fields_ = (("allowed_access", ctypes.c_uint64), ("port", ctypes.c_uint64))


def apply_limits(timeout_s: float) -> None:  # pragma: no cover - the child runs it
    cpu = cpu_limit_seconds(timeout_s)
    resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 1))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))


def confine(
    private: Sequence[str],
    scratch: str,
    *,
    memory_mb: int,
    landlock: bool,
    tcp_ports: Sequence[int],
    seccomp: bool,
) -> None:  # pragma: no cover - the child runs it
    """Confine the calling process for good. ``landlock`` and ``seccomp`` only when the host found
    them usable (``confinement.landlock_abi()``, ``seccomp_supported()``) and says so in the job."""
    abi = confinement.landlock_abi() if landlock else 0
    policy = confinement.Policy(
        private=tuple(private),
        writable=(scratch,),
        landlock=abi > 0,
        data_limit=data_limit_bytes(memory_mb),
    )
    confinement.apply(policy)
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(_PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0:
        raise OSError(ctypes.get_errno(), "prctl(PR_SET_NO_NEW_PRIVS) failed")
    if abi > 0:
        _no_exec_and_net(libc, abi, tcp_ports)
    if seccomp:
        filters.install_seccomp(libc)


def _no_exec_and_net(
    libc: ctypes.CDLL, abi: int, tcp_ports: Sequence[int]
) -> None:  # pragma: no cover - the child runs it
    net = _NET_BIND_TCP | _NET_CONNECT_TCP if abi >= 4 else 0
    scoped = _SCOPE_ABSTRACT_UNIX | _SCOPE_SIGNAL if abi >= 6 else 0
    attr = _RulesetAttr(_FS_EXECUTE, net, scoped)
    size = ctypes.sizeof(_RulesetAttr) if abi >= 6 else (16 if abi >= 4 else 8)
    ruleset = libc.syscall(_SYS_CREATE_RULESET, ctypes.byref(attr), ctypes.c_size_t(size), 0)
    if ruleset < 0:
        raise OSError(ctypes.get_errno(), "landlock_create_ruleset failed")
    try:
        # EXECUTE is handled with no rule: no file may be executed (mapping libraries still works).
        if net:
            for port in sorted(set(tcp_ports)):
                rule = _NetPortAttr(_NET_CONNECT_TCP, port)
                if libc.syscall(_SYS_ADD_RULE, ruleset, _RULE_NET_PORT, ctypes.byref(rule), 0) != 0:
                    raise OSError(ctypes.get_errno(), f"landlock_add_rule failed for port {port}")
        if libc.syscall(_SYS_RESTRICT_SELF, ruleset, 0) != 0:
            raise OSError(ctypes.get_errno(), "landlock_restrict_self failed")
    finally:
        os.close(ruleset)
