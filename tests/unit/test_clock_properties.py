"""Properties of clock thresholds for any start instant and target, on the office and 24x7 calendars; DST."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from chalicelib.domain import clocks as clock_rules
from chalicelib.domain.calendar import Calendar
from chalicelib.domain.clocks import Clock, Cycle, Escalation
from chalicelib.domain.policy import parse_policy
from chalicelib.settings import DEFAULT_POLICY_FILE

SHANGHAI = ZoneInfo("Asia/Shanghai")
BERLIN = ZoneInfo("Europe/Berlin")
ONE_US = timedelta(microseconds=1)
POLICIES = parse_policy(DEFAULT_POLICY_FILE.read_text(encoding="utf-8"), str(DEFAULT_POLICY_FILE))
CALENDARS = POLICIES.calendars
PROPERTY = settings(max_examples=100, deadline=None)

# The CN holiday data ends with 2026: starts, targets (up to 3 working days, twice that to a major breach)
# and pauses stay small enough that every threshold, escalation included, lands within 2026.
STARTS = st.datetimes(
    min_value=datetime(2026, 1, 1), max_value=datetime(2026, 11, 30, 23, 59, 59), timezones=st.just(SHANGHAI)
).map(lambda moment: moment.replace(microsecond=0))
TARGETS = st.integers(min_value=1, max_value=3 * 27000)
CALENDAR_NAMES = st.sampled_from(["office", "24x7"])


def clock(calendar: str, target_seconds: int) -> Clock:
    return Clock(
        name="resolution",
        target=f"{target_seconds}s",
        target_seconds=target_seconds,
        calendar=calendar,
        starts_on=("received",),
        stops_on=("resolve",),
        pauses_on=("force_majeure",),
        escalation=Escalation(after_seconds=27000, calendar="office"),
    )


def started(calendar: str, target_seconds: int, at: datetime) -> Cycle:
    cycle = clock_rules.apply_event(clock(calendar, target_seconds), "received", at, CALENDARS).cycle
    assert cycle is not None
    assert cycle.error is None, cycle.error
    return cycle


@PROPERTY
@given(
    name=CALENDAR_NAMES,
    start=STARTS,
    later=st.integers(min_value=0, max_value=5 * 86400),
    target=TARGETS,
)
def test_deadline_never_moves_earlier_when_the_start_grows(name: str, start: datetime, later: int, target: int) -> None:
    first = started(name, target, start).deadline
    second = started(name, target, start + timedelta(seconds=later)).deadline
    assert first is not None
    assert second is not None
    assert first <= second


@PROPERTY
@given(name=CALENDAR_NAMES, start=STARTS, target=TARGETS, more=st.integers(min_value=0, max_value=27000))
def test_deadline_never_moves_earlier_when_the_target_grows(name: str, start: datetime, target: int, more: int) -> None:
    first = started(name, target, start).deadline
    second = started(name, target + more, start).deadline
    assert first is not None
    assert second is not None
    assert first <= second


@PROPERTY
@given(
    name=CALENDAR_NAMES,
    start=STARTS,
    target=TARGETS,
    pause_after=st.integers(min_value=0, max_value=3 * 86400),
    pause_length=st.integers(min_value=0, max_value=4 * 86400),
)
def test_paused_working_time_extends_the_deadline_by_exactly_that_working_time(
    name: str, start: datetime, target: int, pause_after: int, pause_length: int
) -> None:
    calendar: Calendar = CALENDARS[name]
    paused_at = start + timedelta(seconds=pause_after)
    resumed_at = paused_at + timedelta(seconds=pause_length)
    running = clock_rules.apply_event(clock(name, target), "received", start, CALENDARS)
    paused = clock_rules.pause(running, "force_majeure", paused_at)
    cycle = clock_rules.resume(paused, resumed_at, CALENDARS).cycle
    assert cycle is not None
    assert cycle.deadline is not None
    working_pause = calendar.measure(paused_at, resumed_at)
    assert cycle.paused_seconds == working_pause
    assert calendar.measure(start, cycle.deadline) == target + working_pause
    assert calendar.is_open(cycle.deadline - ONE_US)


@PROPERTY
@given(name=CALENDAR_NAMES, start=STARTS, target=TARGETS)
def test_no_threshold_falls_inside_a_closed_period(name: str, start: datetime, target: int) -> None:
    calendar = CALENDARS[name]
    cycle = started(name, target, start)
    for threshold in (cycle.warning_at, cycle.deadline, cycle.major_at):
        assert threshold is not None
        assert calendar.is_open(threshold - ONE_US), threshold.astimezone(calendar.tz).isoformat()
    assert cycle.escalate_at is not None
    assert CALENDARS["office"].is_open(cycle.escalate_at - ONE_US)


@PROPERTY
@given(name=CALENDAR_NAMES, start=STARTS, target=TARGETS)
def test_thresholds_are_ordered_warning_deadline_major_escalation(name: str, start: datetime, target: int) -> None:
    cycle = started(name, target, start)
    assert cycle.warning_at is not None
    assert cycle.deadline is not None
    assert cycle.major_at is not None
    assert cycle.escalate_at is not None
    assert start <= cycle.warning_at <= cycle.deadline <= cycle.major_at < cycle.escalate_at
    calendar = CALENDARS[name]
    assert calendar.measure(start, cycle.deadline) == target
    assert calendar.measure(start, cycle.major_at) == 2 * target


# ----- DST: a 24x7 clock counts real elapsed time -----

BERLIN_POLICY = """
version: berlin
timezone: Europe/Berlin
calendars:
  24x7: {timezone: Europe/Berlin}
  office: {timezone: Europe/Berlin, hours: {mon: ["09:00-17:00"]}}
clocks:
  resolution: {starts_on: [received], stops_on: [resolve]}
policies:
  - name: only
    clocks: {resolution: {target: 2h}}
"""


@pytest.mark.parametrize(
    ("start", "deadline"),
    [
        ("2026-03-29T01:30:00+01:00", "2026-03-29T04:30:00+02:00"),  # spring forward: 02:00 -> 03:00
        ("2026-10-25T01:30:00+02:00", "2026-10-25T02:30:00+01:00"),  # fall back: 03:00 -> 02:00
    ],
)
def test_24x7_clock_across_a_dst_change_counts_real_elapsed_time(start: str, deadline: str) -> None:
    policies = parse_policy(BERLIN_POLICY, "berlin.yaml")
    resolution = policies.clocks_for(policies.select({}), {})["resolution"]
    begun = clock_rules.apply_event(resolution, "received", datetime.fromisoformat(start), policies.calendars)
    assert begun.cycle is not None
    assert begun.cycle.deadline == datetime.fromisoformat(deadline)
    assert begun.cycle.deadline - datetime.fromisoformat(start) == timedelta(hours=2)
    shown = clock_rules.view(begun, datetime.fromisoformat(start), policies.calendars, policies.display)
    assert shown["deadline"] == deadline
    assert shown["remaining_seconds"] == 7200
