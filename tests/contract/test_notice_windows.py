"""The NoticeWindows contract (storm control), held by the twin and the DynamoDB adapter alike: slots taken with
conditional writes never exceed the limit, also when several runs take at once; a notice joins its window's roll-up
once, marked rolled up in the same write, never if it is no longer pending; the roll-up is due when its window
ends, leased by one run, closed to late notices, and done once."""

from __future__ import annotations

import threading
import uuid
from datetime import UTC, datetime, timedelta

from chalicelib.bootstrap import Adapters
from chalicelib.domain.intake import validate_submission
from chalicelib.domain.notices import Notice, notice_events, owed_notices, window_of
from chalicelib.domain.opening import build_complaint, received_event
from chalicelib.domain.policy import PolicySet
from chalicelib.domain.vocabulary import Audience
from chalicelib.ports import DueComplaint, DueNotice, DueRollUp
from tests.contract.conftest import Backend

NOW = datetime(2026, 11, 17, 2, 41, tzinfo=UTC)
LEASE = NOW + timedelta(minutes=5)
WINDOW = window_of(Audience.ON_CALL, NOW, 300)
SUBMISSION = {
    "customer_name": "测试客户",
    "customer_email": "customer@example.com",
    "category": "service",
    "priority": "urgent",
    "subject": "storm",
}


def claimed_notices(adapters: Adapters, policies: PolicySet, count: int) -> list[Notice]:
    """`count` complaints breached (minor), their notices claimed: pending, as the scanner leaves them."""
    submission = validate_submission({**SUBMISSION, "received_at": (NOW - timedelta(minutes=31)).isoformat()}, NOW)
    for _ in range(count):
        made = build_complaint(submission, policies, uuid.uuid4().hex, NOW, "contract")
        adapters.complaints.create(made, received_event(made, NOW, "contract"), [])
    found: list[Notice] = []
    for item in list(adapters.due.due(NOW)):
        assert isinstance(item, DueComplaint)
        updated, notices = owed_notices(item.complaint, NOW, policies, "https://sla.example.com")
        events = notice_events(updated, notices)
        updated = updated.model_copy(update={"event_count": updated.event_count + len(events)})
        assert adapters.due.claim(item, updated, notices, events, LEASE)
        found.extend(n for n in notices if n.audience is Audience.ON_CALL)
    return found


def test_slots_are_taken_up_to_the_limit_and_no_further(backend: Backend) -> None:
    windows = backend.adapters.windows
    assert windows.take(WINDOW, 15, 20) == 15
    assert windows.take(WINDOW, 10, 20) == 5
    assert windows.take(WINDOW, 1, 20) == 0
    other = window_of(Audience.REGIONAL_MANAGER, NOW, 300)
    assert windows.take(other, 30, 20) == 20
    later = window_of(Audience.ON_CALL, NOW + timedelta(minutes=5), 300)
    assert windows.take(later, 3, 20) == 3


def test_runs_taking_slots_at_once_never_get_more_than_the_limit_between_them(backend: Backend) -> None:
    windows = backend.adapters.windows
    granted: list[int] = []
    lock = threading.Lock()
    start = threading.Barrier(6)

    def run() -> None:
        start.wait()
        for _ in range(5):
            got = windows.take(WINDOW, 3, 20)
            with lock:
                granted.append(got)

    threads = [threading.Thread(target=run) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sum(granted) == 20


def test_notices_join_the_roll_up_once_and_leave_the_due_index(backend: Backend) -> None:
    notices = claimed_notices(backend.adapters, backend.policies, 60)
    windows = backend.adapters.windows
    first = windows.roll_up(WINDOW, notices[:40], WINDOW.end)
    assert (len(first.joined), first.gone, first.closed) == (40, frozenset(), frozenset())
    again = windows.roll_up(WINDOW, notices[30:], WINDOW.end)
    assert again.gone == {n.notice_id for n in notices[30:40]}
    assert again.joined == {n.notice_id for n in notices[40:]}
    pending = [item for item in backend.adapters.due.due(LEASE) if isinstance(item, DueNotice)]
    assert not {item.notice.notice_id for item in pending} & {n.notice_id for n in notices}
    assert [
        item for item in backend.adapters.due.due(WINDOW.end - timedelta(seconds=1)) if isinstance(item, DueRollUp)
    ] == []
    [rollup] = [item for item in backend.adapters.due.due(WINDOW.end) if isinstance(item, DueRollUp)]
    assert rollup.window == WINDOW
    tally = windows.lease(rollup, WINDOW.end + timedelta(minutes=5))
    assert tally is not None
    assert tally.count == 60
    assert dict(tally.by_level) == {"minor": 60}
    assert len(tally.complaint_ids) == 50 == len(set(tally.complaint_ids))
    assert set(tally.complaint_ids) == {n.complaint_id for n in notices[:50]}
    assert {facet: list(values) for facet, values in tally.facets.items()} == {
        "categories": ["service"],
        "priorities": ["urgent"],
        "clocks": ["first_response"],
    }


def test_a_roll_up_is_leased_by_one_run_closed_to_late_notices_and_done_once(backend: Backend) -> None:
    notices = claimed_notices(backend.adapters, backend.policies, 3)
    windows = backend.adapters.windows
    windows.roll_up(WINDOW, notices[:2], WINDOW.end)
    [due] = [item for item in backend.adapters.due.due(WINDOW.end) if isinstance(item, DueRollUp)]
    assert windows.lease(due, WINDOW.end + timedelta(minutes=5)) is not None
    assert windows.lease(due, WINDOW.end + timedelta(minutes=5)) is None  # another run
    late = windows.roll_up(WINDOW, notices[2:], WINDOW.end)
    assert late.joined == frozenset()
    assert late.closed == {notices[2].notice_id}
    windows.settle(WINDOW, False, WINDOW.end, WINDOW.end + timedelta(seconds=1))
    [retry] = [
        item for item in backend.adapters.due.due(WINDOW.end + timedelta(seconds=1)) if isinstance(item, DueRollUp)
    ]
    tally = windows.lease(retry, WINDOW.end + timedelta(minutes=6))
    assert tally is not None
    assert tally.count == 2
    windows.settle(WINDOW, True, WINDOW.end, WINDOW.end)
    assert [i for i in backend.adapters.due.due(WINDOW.end + timedelta(days=1)) if isinstance(i, DueRollUp)] == []


def test_a_roll_up_naming_all_its_complaints_still_turns_late_notices_away_once_leased(backend: Backend) -> None:
    notices = claimed_notices(backend.adapters, backend.policies, 55)
    windows = backend.adapters.windows
    assert len(windows.roll_up(WINDOW, notices[:50], WINDOW.end).joined) == 50  # names all the complaints it can
    assert len(windows.roll_up(WINDOW, notices[50:52], WINDOW.end).joined) == 2
    [due] = [item for item in backend.adapters.due.due(WINDOW.end) if isinstance(item, DueRollUp)]
    tally = windows.lease(due, WINDOW.end + timedelta(minutes=5))
    assert tally is not None
    assert (tally.count, len(tally.complaint_ids)) == (52, 50)
    late = windows.roll_up(WINDOW, notices[52:], WINDOW.end)
    assert late.joined == frozenset()
    assert late.closed == {notice.notice_id for notice in notices[52:]}
