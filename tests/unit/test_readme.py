"""The README is the trader's manual: it must keep up with the code."""

from __future__ import annotations

from services.settings import PROJECT_ROOT, Settings

README = (PROJECT_ROOT / "README.md").read_text(encoding="utf-8")


def test_readme_opens_with_the_two_commands() -> None:
    opening = README.split("\n## ", 1)[0]
    assert "make run" in opening
    assert "make test" in opening


def test_every_setting_is_in_the_readme_table() -> None:
    missing = [name for name, _default, _doc in Settings.documented() if f"| `{name}` |" not in README]
    assert missing == []


def test_ci_runs_exactly_the_readme_test_command() -> None:
    ci = (PROJECT_ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert ci.rstrip().splitlines()[-1] == "make test"
