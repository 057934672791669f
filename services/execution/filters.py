"""A seccomp filter for the child: no new processes, no programs, no ptrace; threads still work.

Written by hand (classic BPF through ``prctl``, no libseccomp), so it is kept small and applied
only on the two architectures whose numbers are below (``seccomp_supported``):

- ``clone`` without ``CLONE_THREAD`` (a fork, ``posix_spawn``'s vfork) → ``EPERM``; ``clone`` with
  it (a thread: Python's, BLAS's) is allowed. ``clone3`` passes its flags in memory the filter cannot
  read, so it answers ``ENOSYS`` and glibc (≥ 2.34) falls back to ``clone`` for threads.
- ``fork``, ``vfork`` (x86_64 only), ``execve``, ``execveat``, ``ptrace`` → ``EPERM``.
- Any other architecture's calls (i386 or x32 on x86_64) → the process is killed.

This closes what the audit hook cannot: ``_posixsubprocess.fork_exec`` with a ``preexec_fn`` forks
a Python child without an audit event. Standard library only: it runs in the child.
"""

from __future__ import annotations

import ctypes
import errno
import os
import struct
from pathlib import Path

# linux/audit.h, per-architecture syscall numbers (asm/unistd.h)
_ARCHES: dict[str, tuple[int, dict[str, int]]] = {
    "x86_64": (
        0xC000003E,
        {"clone": 56, "fork": 57, "vfork": 58, "execve": 59, "ptrace": 101, "execveat": 322, "clone3": 435},
    ),
    "aarch64": (
        0xC00000B7,
        {"clone": 220, "execve": 221, "ptrace": 117, "execveat": 281, "clone3": 435},
    ),
}
_X32_BIT = 0x40000000
_CLONE_THREAD = 0x00010000

# BPF opcodes (linux/filter.h) and seccomp return values (linux/seccomp.h)
_LD_W_ABS = 0x20
_JEQ_K = 0x15
_JGE_K = 0x35
_JSET_K = 0x45
_RET_K = 0x06
_RET_KILL_PROCESS = 0x80000000
_RET_ERRNO = 0x00050000
_RET_ALLOW = 0x7FFF0000
_OFFSET_NR, _OFFSET_ARCH, _OFFSET_ARG0 = 0, 4, 16  # struct seccomp_data (arg0's low half: little-endian)
_PR_SET_SECCOMP, _SECCOMP_MODE_FILTER = 22, 2


def seccomp_supported() -> bool:
    """This kernel filters system calls and this architecture's numbers are known here."""
    if os.uname().machine not in _ARCHES or struct.pack("=H", 1) != b"\x01\x00":
        return False
    try:
        status = Path("/proc/self/status").read_text()
    except OSError:
        return False
    return "\nSeccomp:" in status


def program(machine: str) -> list[tuple[int, int, int, int]]:
    """The filter as (code, jump if true, jump if false, k) instructions."""
    arch, numbers = _ARCHES[machine]
    denied = [numbers[name] for name in ("fork", "vfork", "execve", "execveat", "ptrace") if name in numbers]
    eperm = _RET_ERRNO | errno.EPERM
    code: list[tuple[int, int, int, int]] = [
        (_LD_W_ABS, 0, 0, _OFFSET_ARCH),
        (_JEQ_K, 1, 0, arch),
        (_RET_K, 0, 0, _RET_KILL_PROCESS),
        (_LD_W_ABS, 0, 0, _OFFSET_NR),
    ]
    if machine == "x86_64":
        code += [(_JGE_K, 0, 1, _X32_BIT), (_RET_K, 0, 0, _RET_KILL_PROCESS)]
    code += [(_JEQ_K, 0, 1, numbers["clone3"]), (_RET_K, 0, 0, _RET_ERRNO | errno.ENOSYS)]
    for number in denied:
        code += [(_JEQ_K, 0, 1, number), (_RET_K, 0, 0, eperm)]
    code += [
        (_JEQ_K, 0, 3, numbers["clone"]),
        (_LD_W_ABS, 0, 0, _OFFSET_ARG0),
        (_JSET_K, 1, 0, _CLONE_THREAD),
        (_RET_K, 0, 0, eperm),
        (_RET_K, 0, 0, _RET_ALLOW),
    ]
    return code


class _Filter(ctypes.Structure):
    _fields_ = (
        ("code", ctypes.c_uint16),
        ("jt", ctypes.c_uint8),
        ("jf", ctypes.c_uint8),
        ("k", ctypes.c_uint32),
    )


class _Program(ctypes.Structure):
    _fields_ = (("len", ctypes.c_ushort), ("filter", ctypes.POINTER(_Filter)))


def install_seccomp(libc: ctypes.CDLL) -> None:  # pragma: no cover - the child runs it
    """Apply the filter to the calling thread for good (needs no_new_privs, set before)."""
    code = program(os.uname().machine)
    filters = (_Filter * len(code))(*(_Filter(*instruction) for instruction in code))
    prog = _Program(len(code), filters)
    if libc.prctl(_PR_SET_SECCOMP, _SECCOMP_MODE_FILTER, ctypes.byref(prog), 0, 0) != 0:
        raise OSError(ctypes.get_errno(), "prctl(PR_SET_SECCOMP) failed")
