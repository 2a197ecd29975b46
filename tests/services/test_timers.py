"""Precision timers on the twins: a threshold already passed at intake is armed at once and notified when its timer
fires; the next threshold is armed from there; the scan arms each coming threshold once, and stays the safety net;
a timer that arrives before its threshold is armed again for it; nothing is notified twice."""

from __future__ import annotations

import json
from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import Any

from chalicelib.adapters.memory import MemoryTimerQueue
from chalicelib.domain.model import Complaint
from chalicelib.ports import Timer
from chalicelib.services.scanner import ScanReport
from tests.conftest import World
from tests.intake import relay
from tests.services.conftest import Add

NOW = datetime(2026, 11, 22, 4, 0, tzinfo=UTC)
PLENTY = 600.0
URGENT = {
    "customer_name": "测试客户",
    "customer_email": "customer@example.com",
    "category": "service",
    "priority": "urgent",
    "subject": "late relay",
}


def queue(world: World) -> MemoryTimerQueue:
    assert isinstance(world.adapters.timer_queue, MemoryTimerQueue)
    return world.adapters.timer_queue


def fire_due(world: World, now: datetime) -> ScanReport:
    """What the timers' function does with whatever the queue delivers at `now`."""
    return world.services.scanner.fire(queue(world).take(now), now)


def sent(world: World) -> Counter[tuple[str, str]]:
    return Counter((notice.level.value, notice.audience.value) for notice in world.notifier.published)


def open_late(api: Any, world: World, received_ago: timedelta) -> Complaint:
    world.at(NOW)
    payload = {**URGENT, "received_at": (NOW - received_ago).isoformat()}
    response = relay(api, payload)  # a trusted source relays a complaint received earlier
    assert response.status_code == 201, response.body
    return world.services.workflow.get(json.loads(response.body)["id"])


def test_a_threshold_passed_at_intake_is_notified_when_its_timer_fires_at_once(world: World, api: Any) -> None:
    complaint = open_late(api, world, timedelta(minutes=29, seconds=50))
    deadline = complaint.clocks["first_response"].cycle.deadline  # type: ignore[union-attr]
    assert deadline == NOW + timedelta(seconds=10)
    assert [timer.complaint_id for timer in queue(world).take(NOW)] == [complaint.id]  # delay 0
    assert world.notifier.published == []  # not at intake: by the timer

    queue(world).arm([Timer(complaint.id, NOW)], NOW)  # put back what the look took
    report = fire_due(world, NOW + timedelta(milliseconds=300))
    assert report.claimed == 1
    assert sent(world) == Counter({("warning", "assignee"): 1, ("warning", "on_call"): 1})
    [(visible, timer)] = queue(world).waiting  # the deadline, 10 s away, armed by the timer's own claim
    assert timer.at == deadline
    assert timedelta(0) <= deadline - visible < timedelta(seconds=1)  # within the second before it

    assert fire_due(world, deadline + timedelta(milliseconds=400)).claimed == 1
    assert sent(world) - Counter({("warning", "assignee"): 1, ("warning", "on_call"): 1}) == Counter(
        {("minor", "on_call"): 1, ("minor", "regional_manager"): 1}
    )
    after = world.services.scanner.run(NOW + timedelta(minutes=1), lambda: PLENTY)
    assert after.notices == 0
    assert max(Counter(notice.notice_id for notice in world.notifier.published).values()) == 1


def test_a_timer_at_the_deadline_instant_itself_comes_back_a_second_later_for_the_minor(world: World, api: Any) -> None:
    complaint = open_late(api, world, timedelta(minutes=29, seconds=50))
    fire_due(world, NOW)
    deadline = NOW + timedelta(seconds=10)
    assert fire_due(world, deadline).claimed == 0  # a minor breach is reached only after the deadline
    [(visible, timer)] = queue(world).waiting
    assert (timer.complaint_id, visible, timer.attempt) == (complaint.id, deadline + timedelta(seconds=1), 2)
    assert fire_due(world, visible).claimed == 1
    assert ("minor", "on_call") in sent(world)


def test_the_scan_arms_each_coming_threshold_once(world: World, add: Add) -> None:
    world.at(NOW)
    lookahead = timedelta(seconds=world.services.settings.timer_lookahead_seconds)
    in_30s = add(NOW, minutes_ago=22.5 - 0.5)[0]  # warnings (75% of 30 minutes) in 30 s, 90 s and 10 minutes
    in_90s = add(NOW, minutes_ago=22.5 - 1.5)[0]
    add(NOW, minutes_ago=22.5 - 10)
    first = world.services.scanner.run(NOW, lambda: PLENTY)
    assert (first.notices, first.armed) == (0, 2)
    armed = {timer.complaint_id: timer.at for _, timer in queue(world).waiting}
    assert armed == {in_30s: NOW + timedelta(seconds=30), in_90s: NOW + timedelta(seconds=90)}
    later = NOW + timedelta(seconds=20)
    in_110s = add(later, minutes_ago=22.5 - 110 / 60)[0]  # within the next scan's lookahead, not this one's
    assert NOW + lookahead < later + timedelta(seconds=110) <= later + lookahead
    second = world.services.scanner.run(later, lambda: PLENTY)
    assert second.armed == 1  # only the new one: the others were armed by the first scan
    assert queue(world).waiting[-1][1] == Timer(in_110s, later + timedelta(seconds=110))


def test_a_timer_and_the_scan_at_the_same_threshold_notify_it_once(world: World, add: Add) -> None:
    world.at(NOW)
    [complaint_id] = add(NOW, minutes_ago=23)
    scan = world.services.scanner.run(NOW, lambda: PLENTY)
    timer = world.services.scanner.fire([Timer(complaint_id, NOW - timedelta(seconds=30))], NOW)
    assert (scan.claimed, timer.claimed) == (1, 0)
    assert len(world.notifier.published) == 2
    assert len({notice.notice_id for notice in world.notifier.published}) == 2


def test_a_timer_that_arrives_before_its_threshold_is_armed_again_for_it(world: World, add: Add) -> None:
    world.at(NOW)
    [complaint_id] = add(NOW, minutes_ago=22.5 - 1)  # warning in 60 s
    report = world.services.scanner.fire([Timer(complaint_id, NOW)], NOW)
    assert (report.claimed, report.armed) == (0, 1)
    [(visible, timer)] = queue(world).waiting
    assert (timer.at, visible, timer.attempt) == (NOW + timedelta(seconds=60), NOW + timedelta(seconds=60), 2)
    assert world.notifier.published == []


def test_a_staff_event_arms_its_complaints_threshold_when_it_is_near(world: World, add: Add) -> None:
    world.at(NOW)
    [near] = add(NOW, minutes_ago=22.5 - 0.5)  # stored as a scan has not seen it yet: warning in 30 s
    [far] = add(NOW, minutes_ago=1)
    for complaint_id in (near, far):
        world.services.workflow.record(complaint_id, {"type": "note", "note": "called"}, None, NOW, "li.lei")
    assert [timer for _, timer in queue(world).waiting] == [Timer(near, NOW + timedelta(seconds=30))]
    assert fire_due(world, NOW + timedelta(seconds=30)).claimed == 1
    assert sent(world) == Counter({("warning", "assignee"): 1, ("warning", "on_call"): 1})


def test_a_batch_fires_its_due_timers_first_then_waits_out_an_early_ones_fraction_of_a_second(
    world: World, add: Add
) -> None:
    world.at(NOW)
    [due] = add(NOW, minutes_ago=23)  # its warning passed 30 s ago
    [early] = add(NOW, minutes_ago=22.5 - 0.6 / 60)  # its warning in 0.6 s (the delay was rounded down)
    published_before_waiting: list[int] = []

    def sleep(seconds: float) -> None:
        published_before_waiting.append(len(world.notifier.published))
        world.at(NOW + timedelta(seconds=seconds))

    report = world.services.scanner.fire_when_due(
        [Timer(early, NOW + timedelta(seconds=0.6)), Timer(due, NOW)], world.clock, sleep
    )
    assert published_before_waiting == [2]  # the due one did not wait for the early one
    assert (report.timers, report.claimed) == (2, 2)
    assert {notice.complaint_id for notice in world.notifier.published} == {due, early}
