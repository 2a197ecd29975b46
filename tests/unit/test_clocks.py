"""Clocks: targets, the state machine, grades at exact boundaries, notice levels, pauses, reopen, periodic
updates, and the worked examples of the brief through the whole intake path."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from chalicelib.domain import clocks as clock_rules
from chalicelib.domain.clocks import Clock, Escalation
from chalicelib.domain.intake import validate_submission
from chalicelib.domain.opening import build_complaint
from chalicelib.domain.policy import parse_policy
from chalicelib.domain.vocabulary import ClockState, Grade, Level
from chalicelib.settings import DEFAULT_POLICY_FILE
from chalicelib.views import complaint_view
from tests.facts import facts

SHANGHAI = ZoneInfo("Asia/Shanghai")
US = timedelta(microseconds=1)
HOUR = 3600
WORKING_DAY = 27000
POLICIES = parse_policy(DEFAULT_POLICY_FILE.read_text(encoding="utf-8"), str(DEFAULT_POLICY_FILE))
CALENDARS = POLICIES.calendars
OFFICE = CALENDARS["office"]


def sh(year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, second, tzinfo=SHANGHAI)


def default_clocks(**given: str) -> dict[str, Clock]:
    complaint = facts(**given)
    return POLICIES.clocks_for(POLICIES.select(complaint), complaint)


def received(clock: Clock, at: datetime) -> Clock:
    return clock_rules.apply_event(clock, "received", at, CALENDARS)


def two_hour_clock(escalation: bool = True) -> Clock:
    """A 2 h resolution clock on 24x7, as the default policy gives an urgent complaint."""
    clock = default_clocks(priority="urgent")["resolution"]
    assert clock.target_seconds == 2 * HOUR
    return clock if escalation else clock.model_copy(update={"escalation": None})


def cycle_of(clock: Clock) -> clock_rules.Cycle:
    assert clock.cycle is not None
    return clock.cycle


# ----- targets from seconds to days -----

TARGETS = """
version: targets
calendars:
  24x7: {}
  office:
    hours: {mon: ["09:00-12:00", "13:30-18:00"], tue: ["09:00-12:00", "13:30-18:00"],
            wed: ["09:00-12:00", "13:30-18:00"], thu: ["09:00-12:00", "13:30-18:00"],
            fri: ["09:00-12:00", "13:30-18:00"]}
    holidays: CN
clocks:
  resolution: {starts_on: [received], stops_on: [resolve]}
policies:
  - name: only
    clocks: {resolution: {target: TARGET, calendar: CALENDAR}}
"""


@pytest.mark.parametrize(
    ("target", "calendar", "start", "deadline"),
    [
        ("45s", "24x7", sh(2026, 11, 20, 17), sh(2026, 11, 20, 17) + timedelta(seconds=45)),
        ("30m", "24x7", sh(2026, 11, 20, 17), sh(2026, 11, 20, 17, 30)),
        ("2h", "24x7", sh(2026, 11, 20, 23), sh(2026, 11, 21, 1)),
        ("1h30m", "24x7", sh(2026, 11, 20, 17), sh(2026, 11, 20, 18, 30)),
        ("15d", "24x7", sh(2026, 11, 1, 9), sh(2026, 11, 16, 9)),  # a day is 24 h on 24x7
        ("45s", "office", sh(2026, 11, 20, 17, 59, 30), sh(2026, 11, 23, 9) + timedelta(seconds=15)),
        ("30m", "office", sh(2026, 11, 23, 11, 45), sh(2026, 11, 23, 13, 45)),
        ("2h", "office", sh(2026, 11, 20, 17), sh(2026, 11, 23, 10)),
        # a day is one working day on a business calendar: 15 of them from Monday 09:00 end on the third
        # Friday after, at closing time
        ("15d", "office", sh(2026, 11, 2, 9), sh(2026, 11, 20, 18)),
        ("1d", "office", sh(2026, 9, 30, 17), sh(2026, 10, 8, 17)),  # over National Day
    ],
)
def test_targets_from_seconds_to_days_give_deadlines_on_their_calendar(
    target: str, calendar: str, start: datetime, deadline: datetime
) -> None:
    policies = parse_policy(TARGETS.replace("TARGET", target).replace("CALENDAR", calendar), "targets.yaml")
    clock = policies.clocks_for(policies.select({}), {})["resolution"]
    started = clock_rules.apply_event(clock, "received", start, policies.calendars)
    assert clock.target == target
    assert cycle_of(started).deadline == deadline


# ----- the state machine -----


def test_unstarted_clock_has_no_cycle_grade_ok_and_no_level() -> None:
    clock = two_hour_clock()
    assert clock.cycle is None
    assert not clock.active
    assert clock_rules.grade(clock, sh(2026, 11, 20)) is Grade.OK
    assert clock_rules.current_level(clock, sh(2026, 11, 20)) is None
    assert clock_rules.next_threshold(clock) is None
    with pytest.raises(ValueError, match="has not started"):
        clock_rules.mark_notified(clock, Level.WARNING)


def test_start_event_starts_cycle_one_with_thresholds_from_the_start() -> None:
    start = sh(2026, 11, 20, 17)
    cycle = cycle_of(received(two_hour_clock(), start))
    assert cycle.number == 1
    assert cycle.state is ClockState.RUNNING
    assert cycle.started_at == start
    assert cycle.started_at.tzinfo is UTC
    assert cycle.warning_at == start + timedelta(minutes=90)
    assert cycle.deadline == start + timedelta(hours=2)
    assert cycle.major_at == start + timedelta(hours=4)
    # escalation: one office working day after the major breach (Fri 21:00 -> Mon 09:00 + 7.5 h)
    assert cycle.escalate_at == sh(2026, 11, 23, 18)
    assert (cycle.paused_seconds, cycle.notified, cycle.error) == (0, None, None)


def test_repeated_start_event_does_not_restart_a_running_clock() -> None:
    clock = received(two_hour_clock(), sh(2026, 11, 20, 17))
    assert received(clock, sh(2026, 11, 20, 18)) == clock


def test_events_a_clock_has_no_rule_for_change_nothing() -> None:
    clock = received(two_hour_clock(), sh(2026, 11, 20, 17))
    for event in ("respond", "site_visit", "confirm", "progress_update"):
        assert clock_rules.apply_event(clock, event, sh(2026, 11, 20, 17, 30), CALENDARS) == clock
    unstarted = two_hour_clock()
    assert clock_rules.apply_event(unstarted, "resolve", sh(2026, 11, 20, 17), CALENDARS) == unstarted


def test_stop_event_by_the_deadline_ends_the_cycle_met() -> None:
    start = sh(2026, 11, 20, 17)
    clock = clock_rules.apply_event(received(two_hour_clock(), start), "resolve", start + timedelta(hours=2), CALENDARS)
    cycle = cycle_of(clock)
    assert cycle.state is ClockState.MET
    assert cycle.ended_at == start + timedelta(hours=2)
    assert cycle.final_grade is Grade.WARNING
    assert not clock.active


def test_stop_event_after_the_deadline_ends_the_cycle_breached_with_its_grade_frozen() -> None:
    start = sh(2026, 11, 20, 17)
    clock = clock_rules.apply_event(
        received(two_hour_clock(), start), "resolve", start + timedelta(hours=2) + US, CALENDARS
    )
    assert cycle_of(clock).state is ClockState.BREACHED
    assert clock_rules.grade(clock, start + timedelta(days=30)) is Grade.MINOR
    assert clock_rules.current_level(clock, start + timedelta(days=30)) is None
    assert clock_rules.next_threshold(clock) is None


def test_end_event_stops_the_cycle_without_judging_it() -> None:
    start = sh(2026, 11, 20, 17)
    clock = received(default_clocks(priority="urgent", complexity="complex")["progress_update"], start)
    ended = clock_rules.apply_event(clock, "resolve", start + timedelta(hours=5), CALENDARS)
    assert cycle_of(ended).state is ClockState.STOPPED
    assert cycle_of(ended).final_grade is Grade.MAJOR
    assert clock_rules.apply_event(ended, "resolve", start + timedelta(hours=6), CALENDARS) == ended


def test_stop_unjudged_stops_a_running_clock_and_leaves_a_finished_one() -> None:
    start = sh(2026, 11, 20, 17)
    running = received(two_hour_clock(), start)
    stopped = clock_rules.stop_unjudged(running, start + timedelta(minutes=10), CALENDARS)
    assert cycle_of(stopped).state is ClockState.STOPPED
    assert cycle_of(stopped).ended_at == start + timedelta(minutes=10)
    met = clock_rules.apply_event(running, "resolve", start + timedelta(minutes=5), CALENDARS)
    assert clock_rules.stop_unjudged(met, start + timedelta(minutes=10), CALENDARS) == met
    assert clock_rules.stop_unjudged(two_hour_clock(), start, CALENDARS) == two_hour_clock()


def test_naive_times_are_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        received(two_hour_clock(), datetime(2026, 11, 20, 17))


# ----- grades at the exact boundaries -----


@pytest.mark.parametrize(
    ("elapsed", "expected"),
    [
        (timedelta(0), Grade.OK),
        (timedelta(minutes=90) - US, Grade.OK),
        (timedelta(minutes=90), Grade.WARNING),  # 75% of 2 h
        (timedelta(hours=2), Grade.WARNING),  # at the deadline: not yet breached
        (timedelta(hours=2) + US, Grade.MINOR),
        (timedelta(hours=4), Grade.MINOR),  # up to twice the target
        (timedelta(hours=4) + US, Grade.MAJOR),
        (timedelta(days=10), Grade.MAJOR),
    ],
)
def test_grade_warning_at_75_percent_minor_after_deadline_major_beyond_twice_target(
    elapsed: timedelta, expected: Grade
) -> None:
    start = sh(2026, 11, 20, 17)
    assert clock_rules.grade(received(two_hour_clock(), start), start + elapsed) is expected


def test_grade_boundaries_count_working_time_on_a_business_calendar() -> None:
    clock = received(default_clocks(category="product_quality")["site_visit"], sh(2026, 11, 20, 17))
    # 3 working hours from Fri 17:00: warning after 2h15m (Mon 10:15), due Mon 11:00, major after 6 h (15:30)
    assert clock_rules.grade(clock, sh(2026, 11, 23, 10, 15) - US) is Grade.OK
    assert clock_rules.grade(clock, sh(2026, 11, 23, 10, 15)) is Grade.WARNING
    assert clock_rules.grade(clock, sh(2026, 11, 23, 11)) is Grade.WARNING
    assert clock_rules.grade(clock, sh(2026, 11, 23, 11) + US) is Grade.MINOR
    assert clock_rules.grade(clock, sh(2026, 11, 23, 15, 30)) is Grade.MINOR
    assert clock_rules.grade(clock, sh(2026, 11, 23, 15, 30) + US) is Grade.MAJOR


# ----- notice levels: current_level, next_threshold, mark_notified -----


@pytest.mark.parametrize(
    ("elapsed", "expected"),
    [
        (timedelta(minutes=90) - US, None),
        (timedelta(minutes=90), Level.WARNING),
        (timedelta(hours=2), Level.WARNING),
        (timedelta(hours=2) + US, Level.MINOR),
        (timedelta(hours=4), Level.MINOR),
        (timedelta(hours=4) + US, Level.MAJOR),
    ],
)
def test_current_level_is_the_highest_level_reached(elapsed: timedelta, expected: Level | None) -> None:
    start = sh(2026, 11, 20, 17)
    assert clock_rules.current_level(received(two_hour_clock(), start), start + elapsed) is expected


def test_clock_first_seen_at_major_is_at_major_level_then_escalation_after_a_working_day() -> None:
    start = sh(2026, 11, 20, 17)
    clock = received(two_hour_clock(), start)
    assert clock_rules.current_level(clock, sh(2026, 11, 21, 10)) is Level.MAJOR
    assert clock_rules.current_level(clock, sh(2026, 11, 23, 18) - US) is Level.MAJOR
    assert clock_rules.current_level(clock, sh(2026, 11, 23, 18)) is Level.ESCALATION


def test_next_threshold_walks_the_levels_as_they_are_notified() -> None:
    start = sh(2026, 11, 20, 17)
    clock = received(two_hour_clock(), start)
    assert clock_rules.next_threshold(clock) == (start + timedelta(minutes=90), Level.WARNING)
    clock = clock_rules.mark_notified(clock, Level.WARNING)
    assert cycle_of(clock).notified is Level.WARNING
    assert clock_rules.next_threshold(clock) == (start + timedelta(hours=2), Level.MINOR)
    clock = clock_rules.mark_notified(clock, Level.MINOR)
    assert clock_rules.next_threshold(clock) == (start + timedelta(hours=4), Level.MAJOR)


def test_after_a_major_notice_the_next_threshold_is_the_escalation_step_then_nothing() -> None:
    start = sh(2026, 11, 20, 17)
    clock = clock_rules.mark_notified(received(two_hour_clock(), start), Level.MAJOR)  # lower levels skipped
    assert clock_rules.next_threshold(clock) == (sh(2026, 11, 23, 18), Level.ESCALATION)
    clock = clock_rules.mark_notified(clock, Level.ESCALATION)
    assert clock_rules.next_threshold(clock) is None


def test_without_an_escalation_step_nothing_follows_a_major_notice() -> None:
    clock = received(two_hour_clock(escalation=False), sh(2026, 11, 20, 17))
    assert cycle_of(clock).escalate_at is None
    assert clock_rules.next_threshold(clock_rules.mark_notified(clock, Level.MAJOR)) is None
    assert clock_rules.current_level(clock, sh(2027, 1, 1)) is Level.MAJOR


def test_next_due_of_a_complaint_is_the_earliest_pending_threshold() -> None:
    now = sh(2026, 11, 20, 17)
    submission = validate_submission(
        {"customer_name": "n", "customer_email": "a@b.cn", "category": "staff", "priority": "urgent", "subject": "s"},
        now,
    )
    complaint = build_complaint(submission, POLICIES, "c" * 32, now, "test")
    assert complaint.next_due() == now + timedelta(minutes=22, seconds=30)  # first_response warning at 22.5 min


# ----- pauses extend a clock by the working time paused -----


def test_pause_for_force_majeure_over_national_day_extends_site_visit_by_the_working_time_paused() -> None:
    clock = received(default_clocks(category="product_quality")["site_visit"], sh(2026, 9, 30, 16))
    assert cycle_of(clock).deadline == sh(2026, 10, 8, 10)  # 2 h on Sep 30, then Oct 1-7 off
    paused = clock_rules.pause(clock, "force_majeure", sh(2026, 9, 30, 17))
    assert cycle_of(paused).state is ClockState.PAUSED
    assert cycle_of(paused).pause_reason == "force_majeure"
    resumed = clock_rules.resume(paused, sh(2026, 10, 9, 10), CALENDARS)
    cycle = cycle_of(resumed)
    # working time of the pause: Sep 30 17:00-18:00, all of Thu Oct 8 (a working day), Oct 9 09:00-10:00
    assert cycle.paused_seconds == 1 * HOUR + WORKING_DAY + 1 * HOUR
    assert cycle.paused_seconds == OFFICE.measure(sh(2026, 9, 30, 17), sh(2026, 10, 9, 10))
    assert cycle.state is ClockState.RUNNING
    assert (cycle.paused_at, cycle.pause_reason) == (None, None)
    assert cycle.deadline == sh(2026, 10, 9, 12)  # the 2 h left run from 10:00 on Friday
    assert cycle.warning_at is not None
    assert cycle.major_at is not None
    assert OFFICE.measure(sh(2026, 9, 30, 16), cycle.deadline) == 3 * HOUR + cycle.paused_seconds
    assert OFFICE.measure(sh(2026, 9, 30, 16), cycle.warning_at) == 0.75 * 3 * HOUR + cycle.paused_seconds
    assert OFFICE.measure(sh(2026, 9, 30, 16), cycle.major_at) == 6 * HOUR + cycle.paused_seconds


def test_pause_for_a_reason_the_clock_does_not_pause_for_changes_nothing() -> None:
    clocks = default_clocks(category="product_quality")
    site_visit = received(clocks["site_visit"], sh(2026, 9, 30, 16))
    first_response = received(clocks["first_response"], sh(2026, 9, 30, 16))
    assert clock_rules.pause(site_visit, "waiting_on_customer", sh(2026, 9, 30, 17)) == site_visit
    assert clock_rules.pause(first_response, "force_majeure", sh(2026, 9, 30, 17)) == first_response
    assert clock_rules.pause(first_response, "waiting_on_customer", sh(2026, 9, 30, 17)) == first_response


def test_paused_seconds_accumulate_over_two_pauses() -> None:
    start = sh(2026, 11, 20, 17)
    clock = received(two_hour_clock(), start)
    clock = clock_rules.pause(clock, "waiting_on_customer", start + timedelta(minutes=10))
    clock = clock_rules.resume(clock, start + timedelta(minutes=70), CALENDARS)
    assert cycle_of(clock).paused_seconds == HOUR
    clock = clock_rules.pause(clock, "force_majeure", start + timedelta(minutes=80))
    clock = clock_rules.resume(clock, start + timedelta(minutes=110), CALENDARS)
    cycle = cycle_of(clock)
    assert cycle.paused_seconds == HOUR + 30 * 60
    assert cycle.deadline == start + timedelta(hours=3, minutes=30)
    assert cycle.warning_at == start + timedelta(hours=3)
    assert cycle.major_at == start + timedelta(hours=5, minutes=30)


def test_grade_is_frozen_while_paused_and_no_level_is_due() -> None:
    start = sh(2026, 11, 20, 17)
    clock = clock_rules.pause(received(two_hour_clock(), start), "waiting_on_customer", start + timedelta(minutes=89))
    later = start + timedelta(days=3)
    assert clock_rules.grade(clock, later) is Grade.OK
    assert clock_rules.current_level(clock, later) is None
    assert clock_rules.next_threshold(clock) is None
    resumed = clock_rules.resume(clock, later, CALENDARS)
    assert clock_rules.grade(resumed, later) is Grade.OK
    assert clock_rules.grade(resumed, later + timedelta(minutes=1)) is Grade.WARNING


def test_pausing_a_paused_clock_and_resuming_a_running_one_change_nothing() -> None:
    start = sh(2026, 11, 20, 17)
    running = received(two_hour_clock(), start)
    assert clock_rules.resume(running, start + timedelta(minutes=5), CALENDARS) == running
    paused = clock_rules.pause(running, "waiting_on_customer", start + timedelta(minutes=5))
    assert clock_rules.pause(paused, "force_majeure", start + timedelta(minutes=6)) == paused


def test_stop_event_during_a_pause_counts_the_pause_before_judging() -> None:
    start = sh(2026, 11, 20, 17)
    clock = clock_rules.pause(received(two_hour_clock(), start), "waiting_on_customer", start + timedelta(hours=1))
    resolved = clock_rules.apply_event(clock, "resolve", start + timedelta(hours=5), CALENDARS)
    cycle = cycle_of(resolved)
    assert cycle.paused_seconds == 4 * HOUR
    assert cycle.state is ClockState.MET  # one running hour of two used
    assert cycle.ended_at == start + timedelta(hours=5)


def test_view_of_a_paused_clock_counts_the_pause_so_far_and_keeps_the_grade() -> None:
    start = sh(2026, 11, 20, 17)
    clock = clock_rules.pause(received(two_hour_clock(), start), "force_majeure", start + timedelta(hours=1))
    shown = clock_rules.view(clock, start + timedelta(hours=4), CALENDARS, POLICIES.display)
    assert shown["state"] == "paused"
    assert shown["pause_reason"] == "force_majeure"
    assert shown["paused_seconds"] == 3 * HOUR
    assert shown["remaining_seconds"] == HOUR
    assert shown["grade"] == "ok"


# ----- reopen starts a new resolution cycle; progress updates are periodic -----


def test_reopen_starts_resolution_cycle_two_from_the_reopen_time_and_keeps_cycle_one() -> None:
    start = sh(2026, 11, 20, 17)
    clock = received(two_hour_clock(), start)
    clock = clock_rules.mark_notified(clock, Level.WARNING)
    clock = clock_rules.apply_event(clock, "resolve", start + timedelta(minutes=100), CALENDARS)
    first = cycle_of(clock)
    reopen = start + timedelta(days=2)
    reopened = clock_rules.apply_event(clock, "reopen", reopen, CALENDARS)
    cycle = cycle_of(reopened)
    assert reopened.history == (first,)
    assert first.state is ClockState.MET
    assert (cycle.number, cycle.state, cycle.started_at, cycle.notified) == (2, ClockState.RUNNING, reopen, None)
    assert cycle.deadline == reopen + timedelta(hours=2)
    assert cycle.warning_at == reopen + timedelta(minutes=90)
    assert cycle.major_at == reopen + timedelta(hours=4)


def test_reopen_after_a_major_breach_is_not_immediately_overdue() -> None:
    """osTicket #5955: a reopened ticket must not be overdue at once from its old due date."""
    start = sh(2026, 11, 20, 17)
    clock = clock_rules.mark_notified(received(two_hour_clock(), start), Level.MAJOR)
    clock = clock_rules.apply_event(clock, "resolve", start + timedelta(hours=10), CALENDARS)
    assert cycle_of(clock).state is ClockState.BREACHED
    reopen = start + timedelta(days=5)
    reopened = clock_rules.apply_event(clock, "reopen", reopen, CALENDARS)
    assert clock_rules.current_level(reopened, reopen) is None
    assert clock_rules.grade(reopened, reopen) is Grade.OK
    assert clock_rules.next_threshold(reopened) == (reopen + timedelta(minutes=90), Level.WARNING)
    assert reopened.history[0].final_grade is Grade.MAJOR


def test_follow_up_starts_on_resolve_and_is_stopped_by_a_reopen() -> None:
    resolve = sh(2026, 11, 20, 17)
    follow_up = clock_rules.apply_event(default_clocks()["follow_up"], "resolve", resolve, CALENDARS)
    assert cycle_of(follow_up).deadline == sh(2026, 11, 23, 17)  # one working day: Fri 17-18, Mon 9-17
    reopened = clock_rules.apply_event(follow_up, "reopen", sh(2026, 11, 21, 10), CALENDARS)
    assert cycle_of(reopened).state is ClockState.STOPPED
    confirmed = clock_rules.apply_event(follow_up, "confirm", sh(2026, 11, 23, 9), CALENDARS)
    assert cycle_of(confirmed).state is ClockState.MET


def test_progress_update_is_periodic_each_update_closes_a_period_and_starts_the_next() -> None:
    start = sh(2026, 11, 20, 17)
    clock = received(default_clocks(priority="urgent", complexity="complex")["progress_update"], start)
    assert cycle_of(clock).deadline == start + timedelta(hours=1)
    first_update = start + timedelta(minutes=50)
    clock = clock_rules.apply_event(clock, "progress_update", first_update, CALENDARS)
    assert [c.state for c in clock.history] == [ClockState.MET]
    assert cycle_of(clock).number == 2
    assert cycle_of(clock).state is ClockState.RUNNING
    assert cycle_of(clock).deadline == first_update + timedelta(hours=1)
    late_update = first_update + timedelta(hours=3)  # more than twice the period
    clock = clock_rules.apply_event(clock, "progress_update", late_update, CALENDARS)
    assert [c.state for c in clock.history] == [ClockState.MET, ClockState.BREACHED]
    assert clock.history[1].final_grade is Grade.MAJOR
    assert cycle_of(clock).number == 3
    assert cycle_of(clock).deadline == late_update + timedelta(hours=1)
    resolved = clock_rules.apply_event(clock, "resolve", late_update + timedelta(minutes=20), CALENDARS)
    assert cycle_of(resolved).state is ClockState.STOPPED
    assert cycle_of(resolved).number == 3
    assert not resolved.active
    assert clock_rules.next_threshold(resolved) is None


# ----- the worked examples through the whole intake path -----


def product_quality_complaint(received_at: datetime, **extra: Any) -> Any:
    now = received_at + timedelta(minutes=1)
    data = {
        "customer_name": "王五",
        "customer_phone": "+86 138 0013 8000",
        "category": "product_quality",
        "priority": "general",
        "subject": "产品质量问题",
        "received_at": received_at.isoformat(),
        **extra,
    }
    return build_complaint(validate_submission(data, now), POLICIES, "a" * 32, now, "test")


@pytest.mark.parametrize(
    ("received_at", "due"),
    [
        (sh(2026, 11, 20, 17), sh(2026, 11, 23, 11)),  # over the weekend
        (sh(2026, 11, 23, 11), sh(2026, 11, 23, 15, 30)),  # lunch break skipped
        (sh(2026, 9, 30, 17), sh(2026, 10, 8, 11)),  # National Day holiday 1-7 October
        (sh(2026, 10, 9, 16, 30), sh(2026, 10, 10, 10, 30)),  # 10 October 2026 is an adjusted working Saturday
    ],
)
def test_worked_examples_give_site_visit_deadlines_through_build_complaint(
    received_at: datetime, due: datetime
) -> None:
    complaint = product_quality_complaint(received_at)
    assert complaint.received_at == received_at
    cycle = cycle_of(complaint.clocks["site_visit"])
    assert cycle.started_at == received_at
    assert cycle.deadline == due
    shown = complaint_view(complaint, received_at, POLICIES, staff=True).model_dump(mode="json", exclude_unset=True)[
        "clocks"
    ]["site_visit"]
    assert shown["deadline"] == due.isoformat()
    assert shown["target"] == "3h"
    assert shown["remaining_seconds"] == 3 * HOUR


def test_received_at_in_another_offset_gives_the_same_deadline() -> None:
    complaint = product_quality_complaint(datetime(2026, 11, 20, 9, tzinfo=UTC))  # Fri 17:00 in Shanghai
    assert cycle_of(complaint.clocks["site_visit"]).deadline == sh(2026, 11, 23, 11)


# ----- a year without confirmed adjusted working days gives provisional deadlines, never none -----


def provisional_policies(**confirmed: object) -> Any:
    """The default policy with the office calendar's 2027 declared (`confirmed_years`) as given."""
    text = DEFAULT_POLICY_FILE.read_text(encoding="utf-8")
    declared = "".join(
        f"\n    confirmed_years:\n      2027: {{days_off: {days_off}, working_days: []}}"
        for days_off in confirmed.values()
    )
    text = text.replace("    extra_working_days: []", "    extra_working_days: []" + declared, 1)
    return parse_policy(text, "policy-with-2027.yaml")


def test_a_deadline_in_an_unconfirmed_year_is_provisional_on_the_statutory_holidays() -> None:
    complaint = product_quality_complaint(sh(2026, 12, 31, 17, 30))
    site_visit = cycle_of(complaint.clocks["site_visit"])
    assert site_visit.deadline == sh(2027, 1, 4, 11, 30)  # the brief's example: 1 Jan is a statutory holiday
    assert site_visit.warning_at is not None
    assert site_visit.major_at is not None
    assert site_visit.error is None
    assert site_visit.provisional
    assert site_visit.provisional_years == (2027,)
    assert clock_rules.current_level(complaint.clocks["site_visit"], sh(2027, 1, 4, 12)) is Level.MINOR
    shown = complaint_view(complaint, sh(2026, 12, 31, 17, 35), POLICIES, staff=False).model_dump(
        mode="json", exclude_unset=True
    )["clocks"]["site_visit"]
    assert shown["deadline"] == "2027-01-04T11:30:00+08:00"
    assert shown["provisional"] is True
    assert "error" not in shown
    assert shown["remaining_seconds"] == 3 * HOUR - 5 * 60


def test_a_confirmed_deadline_is_not_provisional() -> None:
    complaint = product_quality_complaint(sh(2026, 11, 20, 17))
    shown = complaint_view(complaint, sh(2026, 11, 20, 17), POLICIES, staff=False).model_dump(
        mode="json", exclude_unset=True
    )["clocks"]["site_visit"]
    assert shown["provisional"] is False


def test_a_24x7_clock_is_provisional_when_only_its_escalation_step_reaches_into_2027() -> None:
    complaint = product_quality_complaint(sh(2026, 12, 31, 17), priority="important")
    first_response = cycle_of(complaint.clocks["resolution"])  # 24 h
    assert first_response.deadline == sh(2027, 1, 1, 17)  # 24 h on 24x7 needs no holiday data
    assert first_response.major_at == sh(2027, 1, 2, 17)
    assert first_response.escalate_at == sh(2027, 1, 4, 18)  # 1 working day after Sat 17:00: all of Mon 4 Jan
    assert first_response.error is None
    assert first_response.provisional_years == (2027,)  # recomputed on confirmation
    assert not first_response.provisional  # but the deadline itself is firm


def test_recompute_after_confirmation_moves_the_deadline_and_clears_provisional() -> None:
    clock = received(default_clocks(category="product_quality")["site_visit"], sh(2026, 12, 31, 17, 30))
    assert cycle_of(clock).deadline == sh(2027, 1, 4, 11, 30)
    assert not clock_rules.confirmed_since(clock, CALENDARS)
    confirmed = provisional_policies(office=["2027-01-04"]).calendars
    assert clock_rules.confirmed_since(clock, confirmed)
    updated = clock_rules.recompute(clock, confirmed)
    assert cycle_of(updated).deadline == sh(2027, 1, 5, 11, 30)
    assert cycle_of(updated).provisional_years == ()
    assert not cycle_of(updated).provisional
    assert not clock_rules.confirmed_since(updated, confirmed)


def test_recompute_keeps_what_was_notified_and_remeasures_pauses() -> None:
    clock = received(default_clocks(category="product_quality")["site_visit"], sh(2026, 12, 31, 9))
    paused = clock_rules.pause(clock, "force_majeure", sh(2026, 12, 31, 10))
    resumed = clock_rules.resume(paused, sh(2027, 1, 4, 10), CALENDARS)
    cycle = cycle_of(resumed)
    assert cycle.state is ClockState.RUNNING
    assert cycle.paused_seconds == WORKING_DAY - HOUR + HOUR  # rest of 31 Dec, then 09:00-10:00 on 4 Jan
    assert cycle.deadline == sh(2027, 1, 4, 12)
    assert cycle.provisional_years == (2027,)
    notified = clock_rules.mark_notified(resumed, Level.WARNING)
    confirmed = provisional_policies(office=["2027-01-04"]).calendars
    updated = cycle_of(clock_rules.recompute(notified, confirmed))
    assert updated.paused_seconds == WORKING_DAY - HOUR  # 4 Jan is off: only the rest of 31 Dec
    assert updated.deadline == sh(2027, 1, 5, 11)  # 1 h left after the pause -> Tue 5 Jan 09:00 + 2 h
    assert updated.notified is Level.WARNING


def test_overdue_time_into_an_unconfirmed_year_is_measured_not_an_error() -> None:
    clock = received(default_clocks(category="product_quality")["site_visit"], sh(2026, 12, 31, 9))
    shown = clock_rules.view(clock, sh(2027, 1, 5, 10), CALENDARS, POLICIES.display)
    assert shown["deadline"] == "2026-12-31T12:00:00+08:00"
    assert shown["overdue_seconds"] == 4.5 * HOUR + WORKING_DAY + HOUR  # 31 Dec 13:30-18:00, 4 Jan, 5 Jan 09-10
    assert "error" not in shown


def test_view_of_a_clock_whose_calendar_left_the_policy_keeps_its_deadline_and_says_why() -> None:
    clock = received(default_clocks(category="product_quality")["site_visit"], sh(2026, 11, 20, 17))
    calendars = {"24x7": CALENDARS["24x7"]}
    shown = clock_rules.view(clock, sh(2026, 11, 20, 18), calendars, POLICIES.display)
    assert shown["deadline"] == "2026-11-23T11:00:00+08:00"
    assert "'office'" in str(shown["error"])


def test_escalation_step_is_counted_on_its_own_calendar() -> None:
    clock = Clock(
        name="resolution",
        target="1h",
        target_seconds=HOUR,
        calendar="24x7",
        starts_on=("received",),
        escalation=Escalation(after_seconds=WORKING_DAY, calendar="office"),
    )
    cycle = cycle_of(received(clock, sh(2026, 9, 30, 15)))  # major at 17:00, then 1 h + Oct 8 09:00-17:00
    assert cycle.major_at == sh(2026, 9, 30, 17)
    assert cycle.escalate_at == sh(2026, 10, 8, 17)
