"""A deadline agreed with the customer (the `agree` event, 001 part 1 5.3.3(4)): it replaces the clock's deadline,
exactly, even outside office hours; the warning comes at 75% of the way from the agreement to it and the major
breach as long after it as the clock's own target allows; a pause after it pushes it out, one before does not;
a triage keeps it; the cycle is judged against it."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from chalicelib.domain import clocks as clock_rules
from chalicelib.domain.clocks import Clock
from chalicelib.domain.policy import parse_policy
from chalicelib.domain.vocabulary import ClockState
from tests.facts import facts

SH = ZoneInfo("Asia/Shanghai")
PATH = Path(__file__).resolve().parents[2] / "chalicelib" / "policy" / "letters" / "complaint-handling.yaml"
POLICIES = parse_policy(PATH.read_text(encoding="utf-8"), str(PATH))
CALENDARS = POLICIES.calendars


def sh(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 11, day, hour, minute, tzinfo=SH)


def site_visit(received: datetime) -> Clock:
    """The regional manager's visit: 3 working hours on the office calendar, started at `received`."""
    complaint = facts(category="product_quality", channel="phone")
    clock = POLICIES.clocks_for(POLICIES.select(complaint), complaint)["site_visit"]
    return clock_rules.apply_event(clock, "received", received, CALENDARS)


def cycle(clock: Clock) -> clock_rules.Cycle:
    assert clock.cycle is not None
    return clock.cycle


def test_an_agreed_time_replaces_the_deadline_and_moves_the_other_thresholds_with_it() -> None:
    clock = site_visit(sh(17, 14))  # Tue 14:00, due 17:00
    assert cycle(clock).deadline == sh(17, 17)
    agreed = clock_rules.agree(clock, sh(18, 10), sh(17, 15), CALENDARS)  # at 15:00: Wednesday 10:00
    thresholds = cycle(agreed)
    assert thresholds.deadline == sh(18, 10)
    assert thresholds.warning_at == sh(17, 18)  # 3 of the 4 working hours from 15:00 Tue to 10:00 Wed
    assert thresholds.major_at == sh(18, 14, 30)  # 3 working hours (100% of the target) after: 10-12, 13:30-14:30
    assert thresholds.escalate_at == sh(19, 14, 30)  # one working day later
    assert cycle(agreed).agreement is not None
    shown = clock_rules.view(agreed, sh(17, 16), CALENDARS, POLICIES.display)
    assert shown["agreed"] is True
    assert shown["deadline"] == "2026-11-18T10:00:00+08:00"
    assert shown["grade"] == "ok"  # past the old deadline's warning, well before the agreed one's
    assert clock_rules.view(clock, sh(17, 16), CALENDARS, POLICIES.display)["agreed"] is False


def test_an_agreed_time_outside_office_hours_is_kept_exactly() -> None:
    clock = site_visit(sh(20, 16))  # Fri 16:00, due Mon 09:00
    agreed = clock_rules.agree(clock, sh(21, 10), sh(20, 16, 30), CALENDARS)  # Saturday 10:00, as agreed
    assert cycle(agreed).deadline == sh(21, 10)
    visited = clock_rules.apply_event(agreed, "site_visit", sh(21, 9, 45), CALENDARS)
    assert cycle(visited).state is ClockState.MET
    late = clock_rules.apply_event(agreed, "site_visit", sh(21, 10, 30), CALENDARS)
    assert cycle(late).state is ClockState.BREACHED  # met against the agreed time, not the office's


def test_a_pause_after_the_agreement_pushes_it_out_and_one_before_does_not() -> None:
    clock = site_visit(sh(17, 9))  # Tue 09:00, due 12:00
    paused = clock_rules.pause(clock, "force_majeure", sh(17, 10))
    agreed = clock_rules.agree(paused, sh(18, 11), sh(17, 11), CALENDARS)  # agreed while paused (10:00-11:00)
    resumed = clock_rules.resume(agreed, sh(17, 11), CALENDARS)
    assert cycle(resumed).deadline == sh(18, 11)  # the hour paused before the agreement is not counted again
    again = clock_rules.pause(resumed, "force_majeure", sh(18, 9))
    resumed_again = clock_rules.resume(again, sh(18, 10, 30), CALENDARS)  # 1.5 working hours paused after it
    assert cycle(resumed_again).deadline == sh(18, 14)  # 11:00 + 1.5 h: 11:00-12:00, then 13:30-14:00


def test_a_triage_keeps_the_agreed_time() -> None:
    clock = clock_rules.agree(site_visit(sh(17, 14)), sh(18, 10), sh(17, 15), CALENDARS)
    wider = clock.model_copy(update={"target_seconds": 6 * 3600, "target": "6h", "cycle": None, "history": ()})
    moved = clock_rules.retarget(clock, wider, CALENDARS)
    assert cycle(moved).deadline == sh(18, 10)
    assert cycle(moved).major_at == sh(18, 17, 30)  # 6 working hours after 10:00: 10-12, 13:30-17:30
    assert moved.target == "6h"


def test_agreeing_on_a_clock_that_is_not_running_is_refused() -> None:
    visited = clock_rules.apply_event(site_visit(sh(17, 14)), "site_visit", sh(17, 15), CALENDARS)
    with pytest.raises(ValueError, match="not running"):
        clock_rules.agree(visited, sh(18, 10), sh(17, 16), CALENDARS)
    assert cycle(visited).deadline == sh(17, 17)
