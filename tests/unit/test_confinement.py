"""The confinement policy: what a hosted script may reach, decided by the host and handed to the
child. Landlock itself is exercised by tests/integration/test_script_confinement.py (in a real
child); here the parts that decide what to grant."""

from __future__ import annotations

import os
from pathlib import Path

from services.confinement import Capabilities, Policy, _granted, landlock_abi


def _tree(root: Path) -> Path:
    data = root / "srv" / "data"
    for folder in ("keys", "db", "log", "strategies/scripts", "public"):
        (data / folder).mkdir(parents=True)
    (data / "keys" / ".secret_key").write_text("k")
    (root / "srv" / "other").mkdir()
    (root / "srv" / "readme").write_text("r")
    return data


def test_everything_is_granted_but_the_private_paths(tmp_path: Path) -> None:
    data = _tree(tmp_path)
    private = [(data / name).resolve() for name in ("keys", "db", "log", "strategies")]
    granted = set(_granted(tmp_path.resolve(), private))
    assert (data / "public").resolve() in granted
    assert (tmp_path / "srv" / "other").resolve() in granted
    assert (tmp_path / "srv" / "readme").resolve() in granted
    # Nothing granted contains a private path, nor lies inside one.
    for path in granted:
        assert not any(path == p or path in p.parents or p in path.parents for p in private), path
    # The ancestors of DATA_DIR are walked, not granted.
    assert data.resolve() not in granted and (tmp_path / "srv").resolve() not in granted


def test_a_symlink_to_an_ancestor_of_a_private_path_is_walked_not_granted(tmp_path: Path) -> None:
    data = _tree(tmp_path)
    (tmp_path / "current").symlink_to(tmp_path / "srv")  # like pytest's pytest-current
    private = [(data / "keys").resolve()]
    granted = set(_granted(tmp_path.resolve(), private))
    assert not any(path == (tmp_path / "srv").resolve() for path in granted)
    assert all((data / "keys").resolve() not in (path, *path.parents) for path in granted)


def test_a_private_root_grants_nothing(tmp_path: Path) -> None:
    assert list(_granted(tmp_path, [tmp_path.resolve()])) == []
    assert list(_granted(tmp_path / "inside", [tmp_path.resolve()])) == []


def test_the_policy_travels_as_json() -> None:
    policy = Policy(
        private=("/data/keys",),
        writable=("/work/x", "/tmp"),
        readable_files=("/data/strategies/scripts/x.py",),
        landlock=True,
        uid=65534,
        gid=65534,
        data_limit=700 * 1024 * 1024,
    )
    assert Policy.from_json(policy.to_json()) == policy


def test_the_dashboard_sentence_says_what_protects_and_what_does_not() -> None:
    full = Capabilities(7, True, ("nobody", 65534, 65534), None, ("landlock", "separate user", "file modes"))
    assert "Landlock (ABI 7)" in full.describe() and "'nobody'" in full.describe()
    root = Capabilities(0, True, None, "the user 'nobody' cannot run python", ("file modes",))
    text = root.describe()
    assert "scripts run as root (the user 'nobody' cannot run python)" in text
    assert "a script can read what the host can" in text


def test_landlock_is_detected_as_a_version_number() -> None:
    abi = landlock_abi()
    assert isinstance(abi, int) and abi >= 0
    if os.uname().sysname != "Linux":
        assert abi == 0
