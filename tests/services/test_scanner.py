"""The scanner on the twins: one complaint that cannot be read or evaluated never stops the others; quarantine is
retried with backoff and told once; each notice exactly once under overlapping runs; failed publishes retried."""

from __future__ import annotations

import json
from collections import Counter
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from tests.conftest import World
from tests.services.conftest import Add

pytestmark = pytest.mark.usefixtures("no_storm_limit")  # storm control has tests of its own (test_storm.py)
NOW = datetime(2026, 11, 17, 10, 40, tzinfo=ZoneInfo("Asia/Shanghai"))
PLENTY = 600.0


def test_one_poison_complaint_among_a_thousand_due_and_the_other_999_get_their_notices_in_the_same_run(
    world: World, add: Add
) -> None:
    due = add(NOW, count=1_000)
    unreadable = due[10]
    world.memory.damage(unreadable, clocks="{not json")  # type: ignore[union-attr]
    report = world.services.scanner.run(NOW, lambda: PLENTY)
    assert (report.complaints, report.claimed, report.quarantined) == (1_000, 999, 1)
    sent = Counter(notice.complaint_id for notice in world.notifier.published)
    assert len(sent) == 999
    assert unreadable not in sent
    assert set(sent.values()) == {2}  # the warning, to the assignee and on call
    [told] = world.ops.published
    assert (told.topic, told.complaint_id) == ("quarantine", unreadable)


def test_a_complaint_that_cannot_be_evaluated_is_held_and_the_others_go_on(world: World, add: Add) -> None:
    good, bad = add(NOW, count=2)
    record = world.memory.complaints[bad]  # type: ignore[union-attr]
    clocks = json.loads(record.raw["clocks"])
    long_ago = "1900-01-01T01:00:00Z"  # before any holiday data: the office calendar cannot measure from it
    clocks["first_response"]["calendar"] = "office"
    clocks["first_response"]["cycle"].update(warning_at=long_ago, deadline=long_ago, major_at=long_ago)
    world.memory.damage(bad, clocks=json.dumps(clocks))  # type: ignore[union-attr]
    report = world.services.scanner.run(NOW, lambda: PLENTY)
    assert (report.claimed, report.quarantined) == (1, 1)
    assert {n.complaint_id for n in world.notifier.published} == {good}
    held = world.adapters.complaints.get(bad)
    assert held is not None
    assert held.quarantine is not None
    assert "no holiday data for 1900" in held.quarantine.error


def test_a_quarantined_complaint_is_retried_with_backoff_and_the_operator_told_once(world: World, add: Add) -> None:
    [poison] = add(NOW)
    world.memory.damage(poison, clocks="{not json")  # type: ignore[union-attr]
    scanner = world.services.scanner
    attempts = []
    for minutes in (0, 2, 5, 19, 20, 79, 80):
        attempts.append(scanner.run(NOW + timedelta(minutes=minutes), lambda: PLENTY).quarantined)
    assert attempts == [1, 0, 1, 0, 1, 0, 1]  # retried after 5, 15, then 60 minutes
    assert len(world.ops.published) == 1


def test_a_quarantined_complaint_that_evaluates_again_is_released_and_notified(world: World, add: Add) -> None:
    [poison] = add(NOW)
    record = world.memory.complaints[poison]  # type: ignore[union-attr]
    good_clocks = record.raw["clocks"]
    world.memory.damage(poison, clocks="{not json")  # type: ignore[union-attr]
    world.services.scanner.run(NOW, lambda: PLENTY)
    world.memory.damage(poison, clocks=good_clocks)  # type: ignore[union-attr]
    report = world.services.scanner.run(NOW + timedelta(minutes=5), lambda: PLENTY)
    assert report.claimed == 1
    released = world.adapters.complaints.get(poison)
    assert released is not None
    assert released.quarantine is None
    assert {n.complaint_id for n in world.notifier.published} == {poison}


def test_publishes_that_fail_stay_pending_and_a_later_run_delivers_them_once(world: World, add: Add) -> None:
    add(NOW, count=30)
    world.notifier.failing = True
    failed = world.services.scanner.run(NOW, lambda: PLENTY)
    world.notifier.failing = False
    assert (failed.notices, failed.delivered, failed.failed) == (60, 0, 60)
    later = world.services.scanner.run(NOW + timedelta(minutes=1), lambda: PLENTY)
    assert (later.retried, later.delivered, later.pending_notices) == (60, 60, 60)
    assert later.oldest_pending_seconds == 60
    sent = Counter(notice.notice_id for notice in world.notifier.published)
    assert len(sent) == 60
    assert set(sent.values()) == {1}


def test_a_run_out_of_time_stops_cleanly_and_the_next_finishes(world: World, add: Add) -> None:
    add(NOW, count=40)
    budget = iter([60.0] + [60.0] * 15 + [1.0] * 1000)
    first = world.services.scanner.run(NOW, lambda: next(budget))
    assert first.stopped_early
    assert 0 < first.claimed < 40
    second = world.services.scanner.run(NOW + timedelta(minutes=1), lambda: PLENTY)
    assert first.claimed + second.claimed == 40
    assert len({notice.notice_id for notice in world.notifier.published}) == 80


def test_the_scan_reports_its_lag_behind_the_oldest_due_item(world: World, add: Add) -> None:
    add(NOW, minutes_ago=25)
    report = world.services.scanner.run(NOW.astimezone(UTC), lambda: PLENTY)
    assert report.lag_seconds == 2.5 * 60  # the warning fell due at 22.5 minutes
