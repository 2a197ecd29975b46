"""The board's order and grades: breached first (most overdue first), then by time left; paused after running;
the clock at stake is the worst running one; filters; counts per grade; a deadline that could not be worked out
is never silent."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from chalicelib.domain.board import BoardQuery, at_stake, board
from chalicelib.domain.intake import validate_submission
from chalicelib.domain.model import Complaint
from chalicelib.domain.opening import build_complaint
from chalicelib.domain.policy import parse_policy
from chalicelib.domain.vocabulary import ClockName, ClockState, Grade, Status
from chalicelib.domain.workflow import apply_event, validate_event
from chalicelib.settings import DEFAULT_POLICY_FILE

POLICIES = parse_policy(DEFAULT_POLICY_FILE.read_text(encoding="utf-8"), str(DEFAULT_POLICY_FILE))
NOW = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)  # Monday 10:00 in Shanghai


def complaint(minutes_ago: float, **fields: Any) -> Complaint:
    received = NOW - timedelta(minutes=minutes_ago)
    data = {
        "customer_name": "测试客户",
        "customer_email": "customer@example.com",
        "category": "service",
        "priority": "urgent",
        "subject": f"{minutes_ago} minutes ago",
        "received_at": received.isoformat(),
        **fields,
    }
    return build_complaint(validate_submission(data, received), POLICIES, uuid.uuid4().hex, received, "test")


def after(item: Complaint, minutes_ago: float, **event: Any) -> Complaint:
    at = NOW - timedelta(minutes=minutes_ago)
    request, moment = validate_event({"by": "li.lei", **event}, item, at, "li.lei")
    updated, _ = apply_event(item, request, moment, at, POLICIES)
    return updated


def test_breached_come_first_most_overdue_first_then_by_time_left() -> None:
    ok_later = complaint(5, priority="general")
    ok_sooner = complaint(10, priority="important")
    warning = complaint(25)
    minor = complaint(45)
    major = complaint(75)
    shown = board([ok_later, warning, major, ok_sooner, minor], NOW, BoardQuery(), "li.lei")
    assert [row.complaint for row in shown.rows] == [major, minor, warning, ok_sooner, ok_later]
    assert [row.grade for row in shown.rows] == [Grade.MAJOR, Grade.MINOR, Grade.WARNING, Grade.OK, Grade.OK]
    assert shown.counts == {Grade.OK: 2, Grade.WARNING: 1, Grade.MINOR: 1, Grade.MAJOR: 1}


def test_the_clock_at_stake_is_the_worst_running_one() -> None:
    responded = after(complaint(100), 90, type="respond")  # first response met; resolution (2 h) 100 min in
    stake = at_stake(responded, NOW)
    assert stake is not None
    assert stake.clock is ClockName.RESOLUTION
    assert stake.grade is Grade.WARNING
    assert stake.deadline == NOW + timedelta(minutes=20)
    overdue = at_stake(complaint(45), NOW)
    assert overdue is not None
    assert (overdue.clock, overdue.grade) == (ClockName.FIRST_RESPONSE, Grade.MINOR)


def test_paused_complaints_come_after_running_ones_and_closed_ones_are_left_out() -> None:
    paused = after(after(complaint(60), 50, type="respond"), 40, type="pause", reason="waiting_on_customer")
    running = complaint(1, priority="general")  # first response within 2 h
    resolved = after(after(complaint(30), 20, type="respond"), 10, type="resolve")  # follow-up within a working day
    closed = after(resolved, 5, type="confirm")
    shown = board([paused, closed, running, resolved], NOW, BoardQuery(), "li.lei")
    assert [row.complaint for row in shown.rows] == [running, resolved, paused]
    follow_up = shown.rows[1].stake
    assert follow_up is not None
    assert follow_up.clock is ClockName.FOLLOW_UP
    assert resolved.status is Status.RESOLVED
    paused_stake = shown.rows[2].stake
    assert paused_stake is not None
    assert paused_stake.state is ClockState.PAUSED


def test_filters_and_counts_that_say_what_the_grade_filter_would_show() -> None:
    mine = after(complaint(45), 44, type="assign", assignee="li.lei")
    theirs = after(complaint(75, category="staff"), 70, type="assign", assignee="han.mei")
    nobodys = complaint(10, priority="important")
    everything = [mine, theirs, nobodys]

    def shown(**query: Any) -> list[Complaint]:
        return [row.complaint for row in board(everything, NOW, BoardQuery(**query), "li.lei").rows]

    assert shown(who="mine") == [mine]
    assert shown(who="unassigned") == [nobodys]
    assert shown(priority="important") == [nobodys]
    assert shown(category="staff") == [theirs]
    assert shown(grade="minor") == [mine]
    graded = board(everything, NOW, BoardQuery(grade="major"), "li.lei")
    assert graded.counts == {Grade.OK: 1, Grade.WARNING: 0, Grade.MINOR: 1, Grade.MAJOR: 1}


def test_a_deadline_that_could_not_be_worked_out_comes_first() -> None:
    unknown = complaint(1, priority="general")
    clock = unknown.clocks["first_response"]
    assert clock.cycle is not None
    broken = clock.model_copy(update={"cycle": clock.cycle.model_copy(update={"deadline": None, "error": "x"})})
    unknown = unknown.model_copy(update={"clocks": {**unknown.clocks, "first_response": broken}})
    shown = board([complaint(75), unknown], NOW, BoardQuery(), "li.lei")
    assert shown.rows[0].complaint is unknown
    stake = shown.rows[0].stake
    assert stake is not None
    assert stake.deadline is None
