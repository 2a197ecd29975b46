"""Resolved notices (pure): a staff event that ends a notified clock cycle owes one resolved notice per audience
that heard of it; a cycle nobody heard of, or one still running, owes none."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from chalicelib.bootstrap import load_policies
from chalicelib.domain.intake import validate_submission
from chalicelib.domain.model import Complaint
from chalicelib.domain.notices import owed_notices
from chalicelib.domain.opening import build_complaint
from chalicelib.domain.resolutions import resolved_notices
from chalicelib.domain.vocabulary import Level
from chalicelib.domain.workflow import apply_event, validate_event
from tests.conftest import settings_for_tests

SHANGHAI = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 11, 17, 10, 40, tzinfo=SHANGHAI)
BASE = "https://sla.example.com"
ID = "0123456789abcdef0123456789abcdef"
POLICIES = load_policies(settings_for_tests())


def received(minutes_ago: int, **fields: Any) -> Complaint:
    data = {
        "customer_name": "张三",
        "customer_phone": "13800138000",
        "category": "service",
        "priority": "urgent",
        "subject": "客服没有回电话",
        "received_at": (NOW - timedelta(minutes=minutes_ago)).isoformat(),
        **fields,
    }
    return build_complaint(validate_submission(data, NOW), POLICIES, ID, NOW, "test")


def scanned(complaint: Complaint, at: datetime) -> Complaint:
    updated, _ = owed_notices(complaint, at, POLICIES, BASE)
    return updated


def event(complaint: Complaint, kind: str, at: datetime, **fields: Any) -> Complaint:
    request, moment = validate_event(
        {"type": kind, "by": "li.lei", "at": at.isoformat(), **fields}, complaint, at, "li.lei"
    )
    updated, _ = apply_event(complaint, request, moment, at, POLICIES)
    return updated


def test_a_respond_after_a_minor_breach_resolves_the_first_response_for_everyone_who_heard() -> None:
    before = scanned(received(45), NOW)
    after = event(before, "respond", NOW + timedelta(minutes=2))
    found = resolved_notices(before, after, NOW + timedelta(minutes=2), POLICIES, BASE)
    assert {(n.clock, n.audience, n.level) for n in found} == {
        ("first_response", "assignee", Level.WARNING),
        ("first_response", "on_call", Level.MINOR),
        ("first_response", "regional_manager", Level.MINOR),
    }
    notice = found[0]
    assert (notice.type, notice.outcome, notice.cycle) == ("resolved", "breached", 1)
    assert notice.notice_id == f"{ID}.first_response.1.resolved.{notice.audience}"
    assert notice.overdue_seconds == 17 * 60
    assert notice.summary == "投诉「客服没有回电话」的首次响应时限已完成，但超时 17 分钟；此前的告警可以关闭。"
    assert notice.link == f"{BASE}/console/complaints/{ID}"


def test_a_cycle_nobody_was_told_of_owes_no_resolve() -> None:
    before = scanned(received(10), NOW)
    after = event(before, "respond", NOW)
    assert resolved_notices(before, after, NOW, POLICIES, BASE) == []


def test_a_warned_cycle_met_in_time_is_resolved_as_met() -> None:
    before = scanned(received(25), NOW)
    after = event(before, "respond", NOW)
    found = resolved_notices(before, after, NOW, POLICIES, BASE)
    assert {(n.audience, n.outcome, n.overdue_seconds) for n in found} == {
        ("assignee", "met", 0),
        ("on_call", "met", 0),
    }


def test_resolve_ends_resolution_and_first_response_but_not_a_clock_that_keeps_running() -> None:
    before = scanned(received(100, category="product_quality"), NOW)  # first response major, resolution warned
    after = event(before, "resolve", NOW)
    clocks = {n.clock for n in resolved_notices(before, after, NOW, POLICIES, BASE)}
    assert clocks == {"first_response", "resolution"}  # site_visit runs on until its visit (or confirm)
    later = scanned(after, NOW + timedelta(hours=5))
    confirmed = event(later, "confirm", NOW + timedelta(hours=5))
    found = resolved_notices(later, confirmed, NOW + timedelta(hours=5), POLICIES, BASE)
    assert {(n.clock, n.outcome) for n in found} >= {("site_visit", "stopped")}


def test_a_periodic_clock_resolves_the_period_that_ended_not_the_next() -> None:
    before = scanned(received(55, complexity="complex"), NOW)  # progress_update every hour: warned at 45 min
    after = event(before, "progress_update", NOW)
    found = [n for n in resolved_notices(before, after, NOW, POLICIES, BASE) if n.clock == "progress_update"]
    assert {(n.cycle, n.outcome) for n in found} == {(1, "met")}
    assert after.clocks["progress_update"].cycle is not None
    assert after.clocks["progress_update"].cycle.number == 2


def test_a_pause_resolves_nothing() -> None:
    before = scanned(received(45), NOW)
    after = event(before, "pause", NOW, reason="waiting_on_customer")
    assert resolved_notices(before, after, NOW, POLICIES, BASE) == []
