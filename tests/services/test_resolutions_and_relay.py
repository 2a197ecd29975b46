"""Resolved notices and the relay on the twins: a staff event that ends a notified cycle publishes one resolved
notice per audience that heard of it, settled, or pending for the scanner when the topic fails; the relay sends
each delivery once per channel, skips a breach whose cycle was resolved there first, and retries only the channel
that failed; a storm's roll-up goes once to each chat channel that takes its audience, never to a pager."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from chalicelib.domain.channels.base import Answer
from chalicelib.domain.errors import Unavailable
from chalicelib.domain.notices import Notice, RollUp, rollup, window_of
from chalicelib.domain.vocabulary import Audience, ClockState, Level, NoticeType
from chalicelib.ports import LEASE
from chalicelib.services.relay import RelayMessage
from tests.conftest import World
from tests.services.conftest import Add

SHANGHAI = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 11, 17, 10, 40, tzinfo=SHANGHAI)
BOARD = "http://127.0.0.1:8000/console"
PLENTY = 600.0
PAGER = "https://events.pagerduty.example/v2/enqueue"
CHAT = "https://qyapi.weixin.example/cgi-bin/webhook/send"


def breached(world: World, add: Add) -> str:
    """An urgent complaint 45 minutes old, scanned: a minor breach of its first response."""
    [complaint_id] = add(NOW, minutes_ago=45)
    world.services.scanner.run(NOW, lambda: PLENTY)
    return complaint_id


def respond(world: World, complaint_id: str, at: datetime) -> None:
    world.services.workflow.record(complaint_id, {"type": "respond", "by": "li.lei"}, None, at, "li.lei")


def resolved(world: World) -> list[Notice]:
    return [n for n in world.notifier.published if n.type == NoticeType.RESOLVED]


def with_channels(world: World, tmp_path: Path) -> None:
    path = tmp_path / "channels.yaml"
    path.write_text(
        f"channels:\n  - {{name: pager, kind: pagerduty, url: '{PAGER}', secret_env: PD}}\n"
        f"  - {{name: chat, kind: wecom, url: '{CHAT}'}}\n",
        encoding="utf-8",
    )
    world.reconfigure(channels_file=path, channel_values={"PD": "k" * 32})


def messages(notices: list[Notice]) -> list[RelayMessage]:
    return [RelayMessage(f"m{i}", f"r{i}", json.dumps(n.message())) for i, n in enumerate(notices)]


def test_a_respond_after_a_breach_publishes_a_resolve_to_everyone_who_heard_and_settles_it(
    world: World, add: Add
) -> None:
    complaint_id = breached(world, add)
    heard = {n.audience for n in world.notifier.published}
    respond(world, complaint_id, NOW + timedelta(minutes=1))
    found = resolved(world)
    assert {n.audience for n in found} >= heard
    assert {(n.clock, n.outcome) for n in found} == {("first_response", ClockState.BREACHED)}
    before = len(world.notifier.published)
    world.services.scanner.run(NOW + timedelta(minutes=10), lambda: PLENTY)
    assert len(world.notifier.published) == before  # settled: nothing pending, nothing sent twice


def test_a_resolve_the_topic_refuses_waits_pending_and_the_scanner_publishes_it(world: World, add: Add) -> None:
    complaint_id = breached(world, add)
    world.notifier.failing = True
    respond(world, complaint_id, NOW + timedelta(minutes=1))
    world.notifier.failing = False
    assert resolved(world) == []
    world.services.scanner.run(NOW + timedelta(minutes=2), lambda: PLENTY)
    assert {n.clock for n in resolved(world)} == {"first_response"}


def test_a_cycle_nobody_heard_of_owes_no_resolve(world: World, add: Add) -> None:
    [complaint_id] = add(NOW, minutes_ago=5)
    world.services.scanner.run(NOW, lambda: PLENTY)
    respond(world, complaint_id, NOW)
    assert world.notifier.published == []


def test_the_relay_sends_each_delivery_once_per_channel_and_a_breach_after_its_resolve_nowhere(
    world: World, add: Add, tmp_path: Path
) -> None:
    with_channels(world, tmp_path)
    complaint_id = breached(world, add)
    breaches = list(world.notifier.published)
    respond(world, complaint_id, NOW + timedelta(minutes=1))
    relay = world.services.relay
    first = relay.handle(messages(resolved(world)), NOW, lambda: PLENTY)  # the resolve overtook the breach
    assert (len(first.delivered), first.failures) == (2, [])
    late = relay.handle(messages(breaches), NOW, lambda: PLENTY)
    assert (late.delivered, late.failures) == ([], [])
    again = relay.handle(messages(resolved(world)), NOW, lambda: PLENTY)  # a duplicated SQS delivery
    assert again.delivered == []
    pages = [json.loads(r.body) for r in world.http.requests if r.url == PAGER]
    assert [p["event_action"] for p in pages] == ["resolve"]


def test_a_failing_channel_is_retried_alone_with_its_backoff(world: World, add: Add, tmp_path: Path) -> None:
    with_channels(world, tmp_path)
    breached(world, add)
    world.http.answers[PAGER] = Answer(503, {"Retry-After": "40"}, b"")
    relay = world.services.relay
    report = relay.handle(messages(world.notifier.published), NOW, lambda: PLENTY)
    assert [(channel, reason) for _, channel, reason in report.failures] == [("pager", "HTTP 503")]
    assert list(report.delays.values()) == [40]
    del world.http.answers[PAGER]
    retry = relay.handle([report.failed[m] for m in report.failed], NOW, lambda: PLENTY)
    assert [channel for _, channel in retry.delivered] == ["pager"]
    assert sum(1 for r in world.http.requests if r.url.startswith(CHAT)) == 1


def storm_rollup(audience: Audience = Audience.ON_CALL) -> RollUp:
    window = window_of(audience, NOW, 300)
    facets = {"clocks": ["first_response"], "categories": ["service"], "priorities": ["urgent"]}
    return rollup(window, 480, {Level.MINOR: 470, Level.MAJOR: 10}, ["a" * 32], facets, SHANGHAI, "zh-CN", BOARD)


def test_a_roll_up_reaches_each_chat_channel_once_as_a_card_and_no_pager(
    world: World, add: Add, tmp_path: Path
) -> None:
    with_channels(world, tmp_path)
    message = storm_rollup()
    body = json.dumps(message.message(), ensure_ascii=False)
    relay = world.services.relay
    first = relay.handle([RelayMessage("m1", "r1", body)], NOW, lambda: PLENTY)
    assert (first.delivered, first.failures) == ([(message.rollup_id, "chat")], [])
    again = relay.handle([RelayMessage("m2", "r2", body)], NOW, lambda: PLENTY)  # a duplicated SQS delivery
    assert (again.delivered, again.failures, again.skipped) == ([], [], 1)
    assert [r.url for r in world.http.requests] == [CHAT]
    card = json.loads(world.http.requests[0].body)["markdown"]["content"]
    assert "【提醒汇总】值班人员" in card
    assert "其余 480 条汇总于此" in card
    assert "级别：轻微违约 470，重大违约 10" in card
    assert "首次响应" in card
    assert f"[打开控制台]({BOARD})" in card
    assert "minor" not in card
    assert "on_call" not in card


def test_a_message_that_is_neither_a_notice_nor_a_roll_up_is_failed_for_the_dead_letter_queue(world: World) -> None:
    body = json.dumps({**storm_rollup().message(), "kind": "digest"})
    report = world.services.relay.handle([RelayMessage("m1", "r1", body)], NOW, lambda: PLENTY)
    assert (report.delivered, list(report.failed)) == ([], ["m1"])


def test_a_storm_window_that_fails_after_a_staff_event_leaves_its_notices_for_the_scan_not_the_caller(
    world: World, add: Add, monkeypatch: pytest.MonkeyPatch
) -> None:
    complaint_id = breached(world, add)

    def unavailable(*_: object) -> int:
        raise Unavailable("throttled")

    with monkeypatch.context() as patched:
        patched.setattr(world.adapters.windows, "take", unavailable)
        respond(world, complaint_id, NOW + timedelta(minutes=1))  # recorded: no error after the write
    assert "respond" in [e.type for e in world.adapters.complaints.trail(complaint_id)]
    assert resolved(world) == []
    world.services.scanner.run(NOW + timedelta(minutes=1) + LEASE + timedelta(seconds=1), lambda: PLENTY)
    assert {n.clock for n in resolved(world)} == {"first_response"}
    assert len(resolved(world)) == len({n.notice_id for n in resolved(world)})
