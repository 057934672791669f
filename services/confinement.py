"""Process confinement for user code: what a hosted script (and later a custom-strategy worker)
may touch, decided by the host and applied by the child to itself before any user code runs.

Layers, each used when the kernel and the install offer it (``detect``):

- **Landlock** (Linux ≥ 5.13): the child may read everything except the host's private paths
  (``keys/``, ``db/``, ``.env``, ``log/``, ``strategies/``...) and write only its work folder and
  the temporary folders. Landlock grants access by hierarchy and cannot carve a hole into a
  granted folder, so ``_granted`` walks from ``/`` down to each private path and grants the
  siblings at every level instead. Its ptrace rules also keep the child out of the host's
  ``/proc/<pid>/environ`` and memory; on ABI ≥ 6 it cannot signal processes outside its domain.
- **A separate unprivileged user** when the host runs as root and that user can run this Python
  (a pyenv under ``/root`` is not readable by ``nobody``: then the scripts stay root, under
  Landlock).
- **File modes**: the host's files are private (umask 077, folders 0700), which is what keeps
  other users of the machine out even without the two above.
- Always: an ``RLIMIT_DATA`` backstop under the memory limit, and the child is a child subreaper,
  so a descendant that double-forks stays in its tree, where the supervisor's sweep finds it.

This module imports only the standard library: the child runs it as its first code
(``python -u services/confinement.py <script> [args]``, the policy in ``POLICY_ENV``), before
importing anything of the trader's. Scripts keep subprocesses, threads and the network.
The child's side (``apply`` onwards) runs only in the child, so the coverage of the test process
cannot see it: tests/integration/test_script_confinement.py proves it from the outside.
"""

from __future__ import annotations

import ctypes
import json
import linecache
import os
import resource
import stat
import sys
import types
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

#: Where the host puts the policy for the child (removed before user code runs).
POLICY_ENV = "OPENALGO_CONFINEMENT"

# Landlock (include/uapi/linux/landlock.h): syscall numbers are the same on every architecture.
_SYS_CREATE_RULESET, _SYS_ADD_RULE, _SYS_RESTRICT_SELF = 444, 445, 446
_CREATE_RULESET_VERSION = 1
_RULE_PATH_BENEATH = 1
_PR_SET_NO_NEW_PRIVS = 38
_PR_SET_CHILD_SUBREAPER = 36
_PR_CAPBSET_DROP = 24
_SYS_CAPSET = 126 if os.uname().machine == "x86_64" else 91  # x86_64 / asm-generic (aarch64)
_CAPABILITY_VERSION_3 = 0x20080522
_EXECUTE, _WRITE_FILE, _READ_FILE, _READ_DIR = 1 << 0, 1 << 1, 1 << 2, 1 << 3
_REMOVE_DIR, _REMOVE_FILE, _MAKE_CHAR, _MAKE_DIR, _MAKE_REG = 1 << 4, 1 << 5, 1 << 6, 1 << 7, 1 << 8
_MAKE_SOCK, _MAKE_FIFO, _MAKE_BLOCK, _MAKE_SYM = 1 << 9, 1 << 10, 1 << 11, 1 << 12
_REFER, _TRUNCATE, _IOCTL_DEV = 1 << 13, 1 << 14, 1 << 15
_SCOPE_SIGNAL = 1 << 1
_FILE_RIGHTS = _EXECUTE | _WRITE_FILE | _READ_FILE | _TRUNCATE | _IOCTL_DEV
_READ = _EXECUTE | _READ_FILE | _READ_DIR
_DEVICES = _READ | _WRITE_FILE | _IOCTL_DEV


def _all_rights(abi: int) -> int:
    rights = (1 << 13) - 1  # ABI 1: EXECUTE .. MAKE_SYM
    if abi >= 2:
        rights |= _REFER
    if abi >= 3:
        rights |= _TRUNCATE
    if abi >= 5:
        rights |= _IOCTL_DEV
    return rights


class _RulesetAttr(ctypes.Structure):
    _fields_ = (
        ("handled_access_fs", ctypes.c_uint64),
        ("handled_access_net", ctypes.c_uint64),
        ("scoped", ctypes.c_uint64),
    )


class _PathBeneathAttr(ctypes.Structure):
    _pack_ = 1
    _fields_ = (("allowed_access", ctypes.c_uint64), ("parent_fd", ctypes.c_int32))


def _libc() -> ctypes.CDLL:
    return ctypes.CDLL(None, use_errno=True)


def landlock_abi() -> int:
    """The kernel's Landlock ABI version, 0 when Landlock is missing or disabled."""
    if not sys.platform.startswith("linux"):
        return 0
    try:
        version = _libc().syscall(_SYS_CREATE_RULESET, None, ctypes.c_size_t(0), _CREATE_RULESET_VERSION)
    except (OSError, AttributeError):
        return 0
    return max(0, int(version))


@dataclass(frozen=True)
class Policy:
    """What one child may do; JSON-serialisable so the host can hand it over in the environment."""

    #: Folders and files it must never read (the host's private paths).
    private: tuple[str, ...] = ()
    #: Its own folders: read and write (its work folder, the temporary folders).
    writable: tuple[str, ...] = ()
    #: Files under a private folder it may still read (its own script).
    readable_files: tuple[str, ...] = ()
    landlock: bool = False
    #: Run as this uid/gid (the host runs as root and a separate user is usable); None: as is.
    uid: int | None = None
    gid: int | None = None
    #: ``RLIMIT_DATA`` in bytes (a backstop under the supervisor's memory limit); None: none.
    data_limit: int | None = None
    umask: int = 0o077

    def to_json(self) -> str:
        return json.dumps(asdict(self), separators=(",", ":"))

    @classmethod
    def from_json(cls, text: str) -> Policy:
        raw = json.loads(text)
        for key in ("private", "writable", "readable_files"):
            raw[key] = tuple(raw[key])
        return cls(**raw)


@dataclass(frozen=True)
class Capabilities:
    """What this machine offers, detected once at host start (shown on the dashboard)."""

    landlock_abi: int
    running_as_root: bool
    #: (name, uid, gid) of the user scripts run as, when the host is root and it is usable
    separate_user: tuple[str, int, int] | None = None
    #: Why there is no separate user although the host runs as root.
    user_note: str | None = None
    layers: tuple[str, ...] = field(default=())

    def describe(self) -> str:
        """One line for the trader: how hosted scripts are kept away from the host's secrets."""
        parts = []
        if self.landlock_abi:
            parts.append(f"Landlock (ABI {self.landlock_abi}) denies the host's keys, database and logs")
        if self.separate_user is not None:
            parts.append(f"scripts run as the user '{self.separate_user[0]}'")
        elif self.running_as_root:
            parts.append(f"scripts run as root ({self.user_note or 'no separate user'})")
        parts.append("the host's files are private (mode 0700/0600)")
        if not self.landlock_abi and self.separate_user is None:
            parts.append("without Landlock or a separate user a script can read what the host can")
        return "; ".join(parts) + "."


def detect(python: str, probe_user: str | None = "nobody") -> Capabilities:
    """Landlock's ABI, and whether scripts can run as ``probe_user`` (only when we are root;
    None: they never switch users)."""
    abi = landlock_abi()
    root = hasattr(os, "geteuid") and os.geteuid() == 0
    user, note = None, None
    if root and probe_user is None:
        note = "STRATEGY_USER=none"
    elif root and probe_user is not None:
        user, note = _usable_user(python, probe_user)
    layers = tuple(
        name
        for name, on in (("landlock", abi > 0), ("separate user", user is not None), ("file modes", True))
        if on
    )
    return Capabilities(abi, root, user, note, layers)


def _usable_user(python: str, name: str) -> tuple[tuple[str, int, int] | None, str | None]:
    import pwd  # noqa: PLC0415 - POSIX only, and only when the host runs as root
    import subprocess  # noqa: PLC0415

    try:
        entry = pwd.getpwnam(name)
    except KeyError:
        return None, f"there is no user '{name}'"
    try:
        subprocess.run(
            [python, "-c", "import json, encodings.idna"],
            user=entry.pw_uid,
            group=entry.pw_gid,
            extra_groups=[],
            cwd="/",
            env={"PATH": "/usr/bin:/bin"},
            check=True,
            capture_output=True,
            timeout=30,
        )
    except (OSError, subprocess.SubprocessError):
        return None, f"the user '{name}' cannot run {python}"
    return (name, entry.pw_uid, entry.pw_gid), None


# The child's side ------------------------------------------------------------------------------------
def apply(
    policy: Policy,
) -> None:  # pragma: no cover - the child runs it
    """Confine the calling process for good (and everything it starts from now on)."""
    os.umask(policy.umask)
    if policy.data_limit is not None:
        resource.setrlimit(resource.RLIMIT_DATA, (policy.data_limit, policy.data_limit))
    libc = _libc()
    if sys.platform.startswith("linux"):
        libc.prctl(_PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)
    if policy.landlock:
        _landlock(libc, policy)
    if policy.uid is not None and policy.gid is not None:
        os.setgroups([])
        os.setgid(policy.gid)
        os.setuid(policy.uid)
    elif os.geteuid() == 0 and sys.platform.startswith("linux"):
        # Still root: without capabilities it cannot read the host's /proc/<pid>/environ or
        # memory (CAP_SYS_PTRACE), bypass file modes (CAP_DAC_*), or regain any of them.
        _drop_capabilities(libc)


class _CapHeader(ctypes.Structure):
    _fields_ = (("version", ctypes.c_uint32), ("pid", ctypes.c_int))


class _CapData(ctypes.Structure):
    _fields_ = (
        ("effective", ctypes.c_uint32),
        ("permitted", ctypes.c_uint32),
        ("inheritable", ctypes.c_uint32),
    )


def _drop_capabilities(
    libc: ctypes.CDLL,
) -> None:  # pragma: no cover - the child runs it
    for capability in range(64):
        if libc.prctl(_PR_CAPBSET_DROP, capability, 0, 0, 0) != 0:
            break  # past the last capability this kernel knows
    header = _CapHeader(_CAPABILITY_VERSION_3, 0)
    data = (_CapData * 2)()  # all zero: no effective, permitted or inheritable capability
    if libc.syscall(_SYS_CAPSET, ctypes.byref(header), data) != 0:
        raise OSError(ctypes.get_errno(), "capset failed")


def _landlock(libc: ctypes.CDLL, policy: Policy) -> None:  # pragma: no cover - the child runs it
    abi = max(0, int(libc.syscall(_SYS_CREATE_RULESET, None, ctypes.c_size_t(0), _CREATE_RULESET_VERSION)))
    if abi == 0:
        raise OSError("Landlock was detected at host start but is not available now")
    handled = _all_rights(abi)
    attr = _RulesetAttr(handled, 0, _SCOPE_SIGNAL if abi >= 6 else 0)
    size = ctypes.sizeof(_RulesetAttr) if abi >= 6 else 8  # older kernels know only the first field
    ruleset = libc.syscall(_SYS_CREATE_RULESET, ctypes.byref(attr), ctypes.c_size_t(size), 0)
    if ruleset < 0:
        raise OSError(ctypes.get_errno(), "landlock_create_ruleset failed")
    try:
        private = [Path(p).resolve() for p in policy.private]
        for path in _granted(Path("/"), private):
            _rule(libc, ruleset, path, _READ & handled)
        _rule(libc, ruleset, Path("/dev"), _DEVICES & handled)
        for writable in policy.writable:
            for path in _granted(Path(writable), private):
                _rule(libc, ruleset, path, handled)
        for readable in policy.readable_files:
            _rule(libc, ruleset, Path(readable), _EXECUTE | _READ_FILE)
        if libc.prctl(_PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0:
            raise OSError(ctypes.get_errno(), "prctl(PR_SET_NO_NEW_PRIVS) failed")
        if libc.syscall(_SYS_RESTRICT_SELF, ruleset, 0) != 0:
            raise OSError(ctypes.get_errno(), "landlock_restrict_self failed")
    finally:
        os.close(ruleset)


def _granted(root: Path, private: Sequence[Path]) -> Iterable[Path]:
    """The folders and files under ``root`` to grant so that nothing in ``private`` is granted:
    ``root`` itself when no private path lies inside it, else its children, recursively.

    Paths are compared resolved: a rule follows symlinks, so a link to an ancestor of a private
    path (pytest's ``pytest-current``, ``/srv/app -> /home/me/app``) must be walked, not granted.
    This runs in every child before its script, so it compares strings and resolves only links."""
    try:
        start = str(root.resolve())
    except (OSError, RuntimeError):  # a symlink loop: nothing to grant there
        return []
    return [Path(path) for path in _walk(start, tuple(str(p) for p in private))]


def _inside(path: str, folder: str) -> bool:
    """``path`` is ``folder`` or lies below it (both absolute and resolved)."""
    return path == folder or path.startswith(folder.rstrip("/") + "/")


def _walk(root: str, private: tuple[str, ...]) -> Iterable[str]:
    if any(_inside(root, p) for p in private):
        return  # root is private, or inside a private folder
    if not any(_inside(p, root) for p in private):
        yield root
        return
    try:
        entries = sorted(os.scandir(root), key=lambda entry: entry.name)
    except OSError:
        return
    for entry in entries:
        child = entry.path
        if entry.is_symlink():
            try:
                child = os.path.realpath(child, strict=True)
            except (OSError, RuntimeError):
                continue
        yield from _walk(child, private)


def _rule(
    libc: ctypes.CDLL, ruleset: int, path: Path, rights: int
) -> None:  # pragma: no cover - the child runs it
    try:
        fd = os.open(path, os.O_PATH | os.O_CLOEXEC)
    except OSError:
        return  # gone (a temporary folder that does not exist here): nothing to grant
    try:
        if not stat.S_ISDIR(os.fstat(fd).st_mode):
            rights &= _FILE_RIGHTS
        attr = _PathBeneathAttr(rights, fd)
        if libc.syscall(_SYS_ADD_RULE, ruleset, _RULE_PATH_BENEATH, ctypes.byref(attr), 0) != 0:
            errno = ctypes.get_errno()
            raise OSError(errno, f"landlock_add_rule failed for {path}: {os.strerror(errno)}")
    finally:
        os.close(fd)


def run_script(
    argv: Sequence[str],
) -> None:  # pragma: no cover - the child runs it
    """The child's entry point: read the script, confine this process, then run the script as
    ``python -u script args`` would (``__main__``, ``sys.argv``, ``sys.path[0]``)."""
    script = str(Path(argv[0]).absolute())
    source = Path(script).read_bytes()  # read before confining: its folder is private
    raw = os.environ.pop(POLICY_ENV, None)
    if raw is not None:
        apply(Policy.from_json(raw))
    sys.argv = [script, *argv[1:]]
    sys.path[0] = str(Path(script).parent)
    text = source.decode("utf-8", "replace")
    linecache.cache[script] = (len(text), None, text.splitlines(keepends=True), script)
    code = compile(source, script, "exec", dont_inherit=True)
    # This module stays loaded under another name (its globals serve the hook below).
    sys.modules.setdefault("openalgo_confinement", sys.modules[__name__])
    sys.excepthook = _user_traceback
    main = types.ModuleType("__main__")
    main.__file__ = script
    sys.modules["__main__"] = main
    exec(code, main.__dict__)  # noqa: S102 - running the trader's own script is the point


def _user_traceback(  # pragma: no cover - runs in the child
    kind: type[BaseException], error: BaseException, tb: types.TracebackType | None
) -> None:
    """Print an uncaught error as plain ``python script.py`` would: without this module's frames."""
    here = str(Path(__file__).resolve())
    while tb is not None and str(Path(tb.tb_frame.f_code.co_filename).resolve()) == here:
        tb = tb.tb_next
    sys.__excepthook__(kind, error.with_traceback(tb), tb)


if __name__ == "__main__":  # pragma: no cover - the child's entry point
    run_script(sys.argv[1:])
