"""What a status entry says the trader may do, and the badge it shows."""

from __future__ import annotations

import pytest

from services.hosting.actions import ACTION_KEYS, allowed_actions, badge_of, note_of, presentation
from services.hosting.state import ACTIVE, Status


@pytest.mark.parametrize("status", list(Status))
def test_edits_and_delete_are_offered_only_without_a_process(status: Status) -> None:
    actions = allowed_actions(status, scheduled=False)
    idle = status not in ACTIVE  # the statuses in which the services answer 409
    assert actions["edit"] is idle
    assert actions["variables"] is idle
    assert actions["delete"] is idle
    assert list(actions) == list(ACTION_KEYS)


def test_start_and_stop_follow_the_status() -> None:
    starts = {status for status in Status if allowed_actions(status, False)["start"]}
    stops = {status for status in Status if allowed_actions(status, False)["stop"]}
    assert starts == {Status.STOPPED, Status.ERROR}
    assert stops == {Status.STARTING, Status.RUNNING, Status.WAITING}
    assert not starts & stops
    assert Status.STOPPING not in starts | stops  # a stop in progress takes no new request


def test_clear_error_and_unschedule_are_offered_only_when_they_apply() -> None:
    assert allowed_actions(Status.ERROR, False)["clear_error"] is True
    assert allowed_actions(Status.STOPPED, False)["clear_error"] is False
    assert allowed_actions(Status.STOPPED, True)["unschedule"] is True
    assert allowed_actions(Status.RUNNING, False)["unschedule"] is False
    assert all(allowed_actions(status, False)["schedule"] for status in Status)


def test_a_stopped_strategy_with_a_schedule_is_shown_as_scheduled() -> None:
    assert badge_of(Status.STOPPED, scheduled=True) == "scheduled"
    assert badge_of(Status.STOPPED, scheduled=False) == "stopped"
    assert badge_of(Status.RUNNING, scheduled=True) == "running"
    assert badge_of(Status.ERROR, scheduled=True) == "error"


def test_presentation_reads_a_status_entry_without_a_schedule_field() -> None:
    shown = presentation({"status": "running"})
    assert shown["badge"] == "running"
    assert shown["actions"]["stop"] is True
    assert shown["actions"]["unschedule"] is False


def test_the_note_says_why_a_strategy_is_where_it_is() -> None:
    crashed = {"error": "Crashed: exit code 3", "reason": "crashed", "status_reason": None}
    assert note_of(Status.ERROR, crashed) == "Crashed: exit code 3"
    assert note_of(Status.ERROR, {}) == "Stopped with an error."
    waiting = {"reason": "waiting for master contract", "status_reason": None}
    assert note_of(Status.WAITING, waiting) == "waiting for master contract"
    holiday = {"reason": "schedule", "status_reason": "NSE holiday: Guru Nanak Jayanti"}
    assert note_of(Status.STOPPED, holiday) == "NSE holiday: Guru Nanak Jayanti"
    assert note_of(Status.STOPPED, {"stop_reason": "ended by itself"}) == "ended by itself"
    assert note_of(Status.RUNNING, {"stop_reason": "ended by itself", "reason": "manual"}) is None
    assert presentation({"status": "stopped", "stop_reason": "stopped by user"})["note"] == "stopped by user"
