"""The audit hook (PEP 578) a child installs before the trader's code: a guard against mistakes,
NOT a security boundary.

It turns the things a custom strategy has no business doing into a readable ``PermissionError``:
starting programs or processes (``subprocess``, ``os.system``, ``os.exec*``, ``os.fork``,
``os.posix_spawn``), native code through ``ctypes``, peeking at other objects' memory (``gc``,
``/proc/<pid>/mem``), other processes' ``/proc`` entries, raw or listening sockets, connections to
anything but the host's port, signals to other processes, and touching any path under the host's
private folders. Code that wants to get round it can (``_posixsubprocess``, a C extension, ...):
the boundaries are Landlock and the limits (``sandbox``), which the kernel enforces, and the
connect check only repeats Landlock's port rule with a clearer message. Standard library only: it
runs in the child.
"""

from __future__ import annotations

import os
import socket
import sys
from collections.abc import Sequence
from typing import Any

_PROCESSES = "Custom strategies may not start programs or processes"
_NATIVE = "Custom strategies may not call native code through ctypes"
_MEMORY = "Custom strategies may not inspect the interpreter's memory"

#: Audit events refused outright, with the reason shown to the trader.
REFUSED: dict[str, str] = {
    "subprocess.Popen": _PROCESSES,
    "os.system": _PROCESSES,
    "os.exec": _PROCESSES,
    "os.spawn": _PROCESSES,
    "os.posix_spawn": _PROCESSES,
    "os.fork": _PROCESSES,
    "os.forkpty": _PROCESSES,
    "pty.spawn": _PROCESSES,
    "ctypes.dlopen": _NATIVE,
    "ctypes.dlsym": _NATIVE,
    "ctypes.dlsym/handle": _NATIVE,
    "ctypes.call_function": _NATIVE,
    "ctypes.string_at": _NATIVE,
    "ctypes.wstring_at": _NATIVE,
    "ctypes.cdata": _NATIVE,
    "ctypes.cdata/buffer": _NATIVE,
    "gc.get_objects": _MEMORY,
    "gc.get_referrers": _MEMORY,
    "gc.get_referents": _MEMORY,
    "socket.bind": "Custom strategies may not open listening sockets",
}

#: Events whose arguments at these positions are paths.
PATH_EVENTS: dict[str, tuple[int, ...]] = {
    "open": (0,),
    "os.listdir": (0,),
    "os.scandir": (0,),
    "os.remove": (0,),
    "os.rmdir": (0,),
    "os.mkdir": (0,),
    "os.rename": (0, 1),
    "os.link": (0, 1),
    "os.symlink": (0, 1),
    "os.truncate": (0,),
    "os.chmod": (0,),
    "os.chown": (0,),
    "os.utime": (0,),
    "os.chdir": (0,),
    "shutil.rmtree": (0,),
    "shutil.copyfile": (0, 1),
}

_RAW_FAMILIES = {getattr(socket, name) for name in ("AF_PACKET", "AF_NETLINK") if hasattr(socket, name)}


def _inside(path: str, folder: str) -> bool:
    return path == folder or path.startswith(folder.rstrip("/") + "/")


class Guard:
    """Decides, per audit event, whether to refuse it (``refusal``), and installs itself."""

    def __init__(self, private: Sequence[str], ports: Sequence[int] = (), pid: int | None = None) -> None:
        self._private = tuple(os.path.realpath(path) for path in private)
        #: TCP ports it may connect to (the host's); empty: any (the hook does not judge then).
        self._ports = frozenset(ports)
        self._pid = os.getpid() if pid is None else pid

    def refusal(self, event: str, args: tuple[Any, ...]) -> str | None:
        """Why ``event`` is refused, or None to let it through."""
        reason = REFUSED.get(event)
        if reason is not None:
            return f"{reason} ({event})"
        positions = PATH_EVENTS.get(event)
        if positions is not None:
            return self._paths_refusal(args, positions)
        if event == "socket.__new__":
            return self._socket_refusal(args)
        if event == "socket.connect":
            return self._connect_refusal(args)
        if event in {"os.kill", "os.killpg"} and args and args[0] not in {0, self._pid}:
            return "Custom strategies may not signal other processes"
        return None

    def _paths_refusal(self, args: tuple[Any, ...], positions: tuple[int, ...]) -> str | None:
        for position in positions:
            refused = self._path_refusal(args[position] if position < len(args) else None)
            if refused is not None:
                return refused
        return None

    def _path_refusal(self, raw: object) -> str | None:
        if raw is None or isinstance(raw, int):
            return None  # an open file descriptor: its path was checked when it was opened
        try:
            path = os.path.realpath(os.fsdecode(raw))  # type: ignore[arg-type]
        except (TypeError, ValueError, OSError):
            return None
        for folder in self._private:
            if _inside(path, folder):
                return f"Custom strategies may not access the host's private files ({path})"
        return self._proc_refusal(path)

    def _proc_refusal(self, path: str) -> str | None:
        if not path.startswith("/proc/"):
            return None
        parts = path.split("/")
        if len(parts) > 2 and parts[2].isdigit() and int(parts[2]) != self._pid:
            return f"Custom strategies may not look into other processes ({path})"
        if parts[-1] == "mem":
            return f"Custom strategies may not read process memory ({path})"
        return None

    @staticmethod
    def _socket_refusal(args: tuple[Any, ...]) -> str | None:
        family = args[1] if len(args) > 1 else None
        kind = args[2] if len(args) > 2 else None
        if kind == socket.SOCK_RAW or family in _RAW_FAMILIES:
            return "Custom strategies may not open raw sockets (use the OpenAlgo SDK)"
        return None

    def _connect_refusal(self, args: tuple[Any, ...]) -> str | None:
        address = args[1] if len(args) > 1 else None
        if isinstance(address, str | bytes):
            return self._path_refusal(address)  # a Unix socket
        if not self._ports or not isinstance(address, tuple) or len(address) < 2:
            return None
        if address[1] not in self._ports:
            allowed = ", ".join(str(port) for port in sorted(self._ports))
            return (
                f"Custom strategies may connect only to the OpenAlgo host (port {allowed}), "
                f"not {address[0]}:{address[1]}"
            )
        return None

    def hook(self, event: str, args: tuple[Any, ...]) -> None:
        # Fast path: most events (compile, exec, import, object.__getattr__...) are never refused.
        if event not in REFUSED and event not in PATH_EVENTS and not event.startswith(("socket.", "os.kill")):
            return
        reason = self.refusal(event, args)
        if reason is not None:
            raise PermissionError(reason)

    def install(self) -> None:  # pragma: no cover - only the child installs it (it cannot be removed)
        sys.addaudithook(self.hook)
