"""Listing custom strategy files reads them with ``ast`` and never runs them; a ``strategy_file``
string reaches a file only through ``StrategyRoots.resolve`` (tests/data/custom/corpus/)."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from services.errors import InvalidInput
from services.execution.discovery import Discovery, analyse
from services.execution.paths import StrategyRoot, StrategyRoots

CORPUS = Path(__file__).resolve().parents[1] / "data" / "custom" / "corpus"


@pytest.fixture
def roots(tmp_path: Path) -> StrategyRoots:
    examples = tmp_path / "project" / "custom_strategies" / "examples"
    user = tmp_path / "data" / "custom_strategies" / "user_strategies"
    examples.mkdir(parents=True)
    user.mkdir(parents=True)
    shutil.copy(CORPUS / "ema_cross.py", examples)
    (examples / "__init__.py").write_text("")
    for path in CORPUS.iterdir():
        if path.name != "ema_cross.py":
            shutil.copy(path, user)
    return StrategyRoots(
        (
            StrategyRoot("examples", examples, read_only=True),
            StrategyRoot("user_strategies", user, read_only=False),
        )
    )


def _by_file(discovery: Discovery) -> dict[str, dict[str, object]]:
    return {entry.file: entry.as_dict() for entry in discovery.list()}


def test_lists_every_strategy_file_with_its_classes_and_verdict(roots: StrategyRoots) -> None:
    listed = _by_file(Discovery(roots))

    assert sorted(listed) == [
        "examples/ema_cross.py",
        "user_strategies/aliased.py",
        "user_strategies/computed_parameters.py",
        "user_strategies/dynamic_import.py",
        "user_strategies/forbidden.py",
        "user_strategies/marker.py",
        "user_strategies/missing_colon.py",
        "user_strategies/no_subclass.py",
        "user_strategies/syntax_error.py",
        "user_strategies/two_strategies.py",
    ]  # no __init__.py, no notes.txt
    assert listed["examples/ema_cross.py"] == {
        "file": "examples/ema_cross.py",
        "classes": [
            {
                "class": "EmaCross",
                "name": "EMA cross",
                "description": "Fast EMA over slow EMA",
                "parameters": {"fast": 9, "slow": 21, "symbols": ["RELIANCE", "TCS"], "exchange": "NSE"},
            }
        ],
        "valid": True,
        "error": None,
        "read_only": True,
    }
    assert listed["user_strategies/aliased.py"]["classes"] == [
        {"class": "Momentum", "name": "Momentum", "description": "Momentum.", "parameters": {}}
    ]
    assert listed["user_strategies/aliased.py"]["read_only"] is False


def test_a_syntax_error_is_reported_with_its_line_and_column(roots: StrategyRoots) -> None:
    listed = _by_file(Discovery(roots))

    assert listed["user_strategies/syntax_error.py"]["valid"] is False
    assert listed["user_strategies/syntax_error.py"]["error"] == {
        "message": "syntax error: '[' was never closed",
        "line": 6,
        "column": 16,
    }
    assert listed["user_strategies/missing_colon.py"]["error"] == {
        "message": "syntax error: expected ':'",
        "line": 4,
        "column": 22,
    }


def test_a_file_without_a_subclass_is_invalid(roots: StrategyRoots) -> None:
    entry = _by_file(Discovery(roots))["user_strategies/no_subclass.py"]

    assert entry["valid"] is False and entry["classes"] == []
    assert "no BaseStrategy subclass" in str(entry["error"])


def test_two_subclasses_are_listed_and_running_one_needs_its_name(roots: StrategyRoots) -> None:
    discovery = Discovery(roots)
    entry = discovery.inspect(roots.resolve("user_strategies/two_strategies.py"))

    assert entry.valid
    assert [found.as_dict() for found in entry.classes] == [
        {
            "class": "Breakout",
            "name": "Breakout",
            "description": "Range breakout.",
            "parameters": {"lookback": 20},
        },
        # A subclass of a strategy of the same file is one too, and inherits its metadata.
        {
            "class": "FastBreakout",
            "name": "Fast breakout",
            "description": "Range breakout.",
            "parameters": {"lookback": 20},
        },
    ]
    with pytest.raises(InvalidInput) as refused:
        entry.pick(None)
    assert refused.value.fields == {"strategy_class": "choose one of: Breakout, FastBreakout"}
    assert entry.pick("FastBreakout").name == "Fast breakout"
    with pytest.raises(InvalidInput) as unknown:
        entry.pick("Helper")  # a class of the file, but not a strategy
    assert unknown.value.fields == {"strategy_class": "one of: Breakout, FastBreakout"}


def test_forbidden_imports_and_calls_are_named_with_their_lines(roots: StrategyRoots) -> None:
    discovery = Discovery(roots)
    entry = discovery.inspect(roots.resolve("user_strategies/forbidden.py"))

    assert not entry.valid
    assert [(found.name, found.line) for found in entry.findings] == [
        ("subprocess", 2),
        ("ctypes.CDLL", 3),
        ("os.system", 11),
    ]
    assert entry.error is not None and (entry.error.line, entry.error.column) == (2, 1)
    assert entry.error.message.startswith("forbidden: subprocess (line 2): starts programs or processes")
    dynamic = discovery.inspect(roots.resolve("user_strategies/dynamic_import.py"))
    assert not dynamic.valid and "importlib.import_module (line 9)" in str(dynamic.error)
    with pytest.raises(InvalidInput):
        entry.pick(None)  # an invalid file is never chosen to run


def test_metadata_must_be_literals(roots: StrategyRoots) -> None:
    entry = Discovery(roots).inspect(roots.resolve("user_strategies/computed_parameters.py"))

    assert not entry.valid
    assert entry.error is not None
    assert entry.error.message == (
        "Computed.parameters must be a literal, so the host can read it without running the file"
    )
    assert (entry.error.line, entry.error.column) == (7, 18)
    wrong_type = analyse(
        b"from b import BaseStrategy\nclass S(BaseStrategy):\n    parameters = [1]\n    name = 3\n",
        "user_strategies/s.py",
        False,
    )
    assert wrong_type.error is not None and "parameters must be a dict" in wrong_type.error.message


def test_listing_never_runs_a_file(roots: StrategyRoots) -> None:
    marker_file = roots.resolve("user_strategies/marker.py").path
    discovery = Discovery(roots)

    for _ in range(2):
        entry = _by_file(discovery)["user_strategies/marker.py"]
        assert entry["valid"] is True and entry["classes"][0]["class"] == "Marker"  # type: ignore[index]

    assert not marker_file.with_name("MARKER_CREATED").exists()


def test_bytes_that_are_not_a_python_source_are_refused(roots: StrategyRoots) -> None:
    def message(source: bytes) -> str | None:
        error = analyse(source, "user_strategies/a.py", False).error
        return None if error is None else error.message

    assert message(b"x = '\xff'\n") == "the file is not valid UTF-8 (byte 5)"
    assert message(b"x = 1\x00\n") == "the file contains a NUL byte"
    assert message(b"#" * (1024 * 1024 + 1)) == "the file is larger than 1024 KB"


def test_a_changed_file_is_analysed_again_and_an_unchanged_one_is_not(roots: StrategyRoots) -> None:
    discovery = Discovery(roots)
    ref = roots.resolve("user_strategies/aliased.py")
    first = discovery.inspect(ref)

    assert discovery.inspect(ref) is first  # same size, times and inode: from the cache
    os.utime(ref.path, ns=(1, 1))
    assert discovery.inspect(ref) is first  # touched only: same content hash, same analysis
    ref.path.write_text(ref.path.read_text().replace('["INFY"]', '["TCS"]').replace("Momentum", "Trend"))
    changed = discovery.inspect(ref)
    assert changed is not first and changed.classes[0].class_name == "Trend"
    ref.path.unlink()
    assert "user_strategies/aliased.py" not in _by_file(discovery)


def test_a_save_in_the_same_clock_tick_is_seen_after_forget(roots: StrategyRoots) -> None:
    discovery = Discovery(roots)
    ref = roots.resolve("user_strategies/aliased.py")
    status = ref.path.stat()
    first = discovery.inspect(ref)
    ref.path.write_text(ref.path.read_text().replace("Momentum(Base)", "Mom12345(Base)"))
    os.utime(ref.path, ns=(status.st_atime_ns, status.st_mtime_ns))
    discovery.forget(ref.path)
    assert discovery.inspect(ref) is not first


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        (None, "a path such as examples/ema_crossover.py is required"),
        (42, "a path such as examples/ema_crossover.py is required"),
        ("", "a path such as examples/ema_crossover.py is required"),
        ("/etc/passwd", "give the path relative to custom_strategies/, e.g. examples/ema_crossover.py"),
        ("~/x.py", "give the path relative to custom_strategies/, e.g. examples/ema_crossover.py"),
        ("C:/x.py", "give the path relative to custom_strategies/, e.g. examples/ema_crossover.py"),
        (
            "user_strategies\\aliased.py",
            "give the path relative to custom_strategies/, e.g. examples/ema_crossover.py",
        ),
        ("../../etc/passwd", "'..' and '.' are not allowed"),
        ("examples/../user_strategies/aliased.py", "'..' and '.' are not allowed"),
        ("user_strategies/./aliased.py", "'..' and '.' are not allowed"),
        ("user_strategies/aliased.py\x00.txt", "it contains a NUL byte"),
        ("user_strategies/notes.txt", "only .py files are strategy files"),
        (
            "user_strategies/__init__.py",
            "letters, digits, '_', '-' and '.' only, ending in .py (not __init__.py)",
        ),
        (
            "user_strategies/.hidden.py",
            "letters, digits, '_', '-' and '.' only, ending in .py (not __init__.py)",
        ),
        ("user_strategies/sub/x.py", "a strategy file lies directly in examples/ or user_strategies/"),
        ("strategies/x.py", "a strategy file lies directly in examples/ or user_strategies/"),
        ("aliased.py", "a strategy file lies directly in examples/ or user_strategies/"),
        ("user_strategies/missing.py", "there is no strategy file user_strategies/missing.py"),
        ("x" * 300 + ".py", "at most 255 characters"),
    ],
)
def test_path_tricks_are_refused_naming_the_field(roots: StrategyRoots, value: object, reason: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        roots.resolve(value)
    assert refused.value.fields == {"strategy_file": reason}


def test_symlinks_may_not_point_out_of_their_root(roots: StrategyRoots, tmp_path: Path) -> None:
    user = roots.resolve("user_strategies/aliased.py").path.parent
    outside = tmp_path / "outside.py"
    outside.write_text(CORPUS.joinpath("aliased.py").read_text())
    (user / "link_out.py").symlink_to(outside)
    (user / "link_in.py").symlink_to(user / "aliased.py")
    (user / "dir.py").mkdir()

    with pytest.raises(InvalidInput) as refused:
        roots.resolve("user_strategies/link_out.py")
    assert "leads outside custom_strategies/" in refused.value.fields["strategy_file"]
    assert roots.resolve("user_strategies/link_in.py").path == user / "aliased.py"
    with pytest.raises(InvalidInput):
        roots.resolve("user_strategies/dir.py")
    listed = _by_file(Discovery(roots))
    assert listed["user_strategies/link_out.py"]["valid"] is False
    assert listed["user_strategies/link_in.py"]["valid"] is True


def test_a_new_file_may_be_named_before_it_exists(roots: StrategyRoots) -> None:
    ref = roots.resolve("user_strategies/new_one.py", must_exist=False)

    assert ref.file == "user_strategies/new_one.py" and not ref.read_only and not ref.path.exists()
    assert roots.resolve("examples/ema_cross.py").read_only
    with pytest.raises(InvalidInput) as refused:
        roots.resolve("user_strategies/../x.py", field="path", must_exist=False)
    assert list(refused.value.fields) == ["path"]
