"""Storm control on the twins: per audience at most `storm.limit` individual notices in a window, the rest as one
roll-up per audience per window, published once the window is over; every (complaint, clock, cycle, level,
audience) notice accounted for exactly once — on its own or in exactly one roll-up — and in its complaint's audit
trail either way. (The counter's conditional writes on DynamoDB: tests/contract/test_notice_windows.py.)"""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from chalicelib.domain.notices import window_of
from chalicelib.domain.vocabulary import Audience, EventType
from chalicelib.settings import DEFAULT_POLICY_FILE
from tests.conftest import World
from tests.services.conftest import Add

SHANGHAI = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 11, 17, 10, 41, tzinfo=SHANGHAI)  # inside the window 10:40-10:45
WINDOW_END = NOW.replace(minute=45)
PLENTY = 600.0
AUDIENCES = (Audience.ON_CALL, Audience.REGIONAL_MANAGER)  # a minor breach's


def scan(world: World, at: datetime) -> None:
    world.services.scanner.run(at, lambda: PLENTY)


def accounted(world: World) -> tuple[Counter[str], Counter[str]]:
    """Per audience: notices sent on their own, and notices counted in roll-ups (from the stored records)."""
    assert world.memory is not None
    own: Counter[str] = Counter()
    rolled: Counter[str] = Counter()
    for record in world.memory.notices.values():
        audience = record.notice["audience"]
        assert (record.sent_at is None) != (record.rollup is None), "each notice is sent or rolled up, not both"
        (rolled if record.rollup else own)[audience] += 1
    return own, rolled


def test_five_hundred_breaches_in_one_minute_reach_each_audience_as_at_most_twenty_one_messages(
    world: World, add: Add
) -> None:
    ids = add(NOW, count=500, minutes_ago=31)  # urgent: first response due after 30 minutes -> a minor breach
    scan(world, NOW)
    scan(world, NOW + timedelta(minutes=1))  # later runs in the same window send nothing more
    assert world.notifier.rollups == []  # a roll-up waits for its window to end
    scan(world, WINDOW_END)
    scan(world, WINDOW_END + timedelta(minutes=1))
    notices = Counter(n.audience for n in world.notifier.published)
    rollups = Counter(r.audience for r in world.notifier.rollups)
    for audience in AUDIENCES:
        assert notices[audience] == 20
        assert rollups[audience] == 1
        assert notices[audience] + rollups[audience] <= 21
    for rollup in world.notifier.rollups:
        assert rollup.count == 480
        assert sum(rollup.by_level.values()) == rollup.count
        assert rollup.by_level == {"minor": 480}
        assert len(rollup.complaint_ids) == 50 == len(set(rollup.complaint_ids))
        assert set(rollup.complaint_ids) <= set(ids)
        assert rollup.kind == "rollup"
        assert rollup.link == "http://127.0.0.1:8000/console"  # the board, where the rolled-up complaints are
        window = window_of(rollup.audience, NOW, 300)
        assert (rollup.window_start, rollup.window_end) == (
            window.start.astimezone(SHANGHAI).isoformat(),
            window.end.astimezone(SHANGHAI).isoformat(),
        )
        individually = {n.complaint_id for n in world.notifier.published if n.audience == rollup.audience}
        assert not individually & set(rollup.complaint_ids)
    assert {n.kind for n in world.notifier.published} == {"notice"}
    own, rolled = accounted(world)
    for audience in AUDIENCES:
        assert own[audience] + rolled[audience] == 500
        assert (own[audience], rolled[audience]) == (20, 480)
    for complaint_id in ids[::50]:
        trail = world.adapters.complaints.trail(complaint_id)
        heard = {e.details["audience"] for e in trail if e.type is EventType.NOTICE}
        assert heard == {a.value for a in AUDIENCES}, "in the audit trail, on its own or rolled up"


def test_the_next_window_has_its_own_limit_and_its_own_roll_up(world: World, add: Add) -> None:
    add(NOW, count=30, minutes_ago=31)
    scan(world, NOW)
    add(WINDOW_END + timedelta(minutes=1), count=30, minutes_ago=31)
    scan(world, WINDOW_END + timedelta(minutes=1))  # the first window's roll-up, and the second window's 30
    scan(world, WINDOW_END + timedelta(minutes=5))
    for audience in AUDIENCES:
        assert Counter(n.audience for n in world.notifier.published)[audience] == 40
        assert sorted(r.count for r in world.notifier.rollups if r.audience == audience) == [10, 10]
    own, rolled = accounted(world)
    assert all(own[a] + rolled[a] == 60 for a in AUDIENCES)


def test_the_limit_and_the_window_come_from_the_policy(world: World, add: Add, tmp_path: Path) -> None:
    text = DEFAULT_POLICY_FILE.read_text(encoding="utf-8").replace("  limit: 20 ", "  limit: 3 ")
    path = tmp_path / "policy.yaml"
    path.write_text(text.replace("  window: 5m", "  window: 10m"), encoding="utf-8")
    world.reconfigure(sla_policy_file=path)
    add(NOW, count=10, minutes_ago=31)
    scan(world, NOW)
    scan(world, NOW.replace(minute=49))
    assert world.notifier.rollups == []  # a 10-minute window: 10:40-10:50
    scan(world, NOW.replace(minute=50))
    assert Counter(n.audience for n in world.notifier.published) == {a: 3 for a in AUDIENCES}
    assert [r.count for r in world.notifier.rollups] == [7, 7]


def test_a_roll_up_sns_does_not_take_is_published_by_a_later_run_once(world: World, add: Add) -> None:
    add(NOW, count=25, minutes_ago=31)
    scan(world, NOW)
    world.notifier.failing = True
    report = world.services.scanner.run(WINDOW_END, lambda: PLENTY)
    assert report.rollups_failed == 2
    world.notifier.failing = False
    later = world.services.scanner.run(WINDOW_END + timedelta(minutes=1), lambda: PLENTY)
    assert later.rollups == 2
    scan(world, WINDOW_END + timedelta(minutes=2))
    assert sorted((r.audience, r.count) for r in world.notifier.rollups) == sorted((a, 5) for a in AUDIENCES)


def test_notices_sns_refuses_are_retried_in_a_later_window_under_its_limit(world: World, add: Add) -> None:
    add(NOW, count=10, minutes_ago=31)
    world.notifier.failing = True
    scan(world, NOW)
    world.notifier.failing = False
    scan(world, WINDOW_END + timedelta(minutes=1))
    assert Counter(n.audience for n in world.notifier.published) == {a: 10 for a in AUDIENCES}
    assert len({n.notice_id for n in world.notifier.published}) == 20
    assert world.notifier.rollups == []


def test_a_notice_delivered_after_its_windows_roll_up_went_out_goes_into_the_next_window(
    world: World, add: Add
) -> None:
    add(NOW, count=21, minutes_ago=31)
    scan(world, NOW)
    scan(world, WINDOW_END)  # the roll-up of 10:40-10:45 is published: the window is closed
    [late] = add(NOW, count=1, minutes_ago=31)
    slow = world.services.scanner.run(NOW + timedelta(minutes=3), lambda: PLENTY)  # a slow run, still in 10:40
    assert slow.rolled_up == 0
    scan(world, WINDOW_END + timedelta(minutes=1))
    assert {n.complaint_id for n in world.notifier.published if n.complaint_id == late} == {late}
    assert [r.count for r in world.notifier.rollups] == [1, 1]
    own, rolled = accounted(world)
    assert all(own[a] + rolled[a] == 22 for a in AUDIENCES)


@pytest.mark.parametrize("runs", [2, 3])
def test_overlapping_runs_account_for_every_notice_exactly_once(world: World, add: Add, runs: int) -> None:
    add(NOW, count=60, minutes_ago=31)
    for _ in range(runs):
        scan(world, NOW)
    scan(world, WINDOW_END)
    scan(world, WINDOW_END)
    own, rolled = accounted(world)
    for audience in AUDIENCES:
        assert (own[audience], rolled[audience]) == (20, 40)
        assert [r.count for r in world.notifier.rollups if r.audience == audience] == [40]
    assert len(world.notifier.published) == len({n.notice_id for n in world.notifier.published}) == 40
