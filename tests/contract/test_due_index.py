"""The DueIndex contract, held by the twin and the DynamoDB adapter alike: what is due and only that, claims that
hold once, leases, settling delivered and failed notices, quarantine of readable and unreadable complaints."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from chalicelib.domain.intake import validate_submission
from chalicelib.domain.model import Complaint
from chalicelib.domain.notices import notice_events, owed_notices
from chalicelib.domain.opening import build_complaint, received_event
from chalicelib.domain.operator import quarantined
from chalicelib.ports import DueComplaint, DueItem, DueNotice, DueUnreadable
from tests.contract.conftest import Backend
from tests.intake import URGENT

NOW = datetime(2026, 11, 17, 2, 40, tzinfo=UTC)
LEASE = NOW + timedelta(minutes=5)


def stored(backend: Backend, minutes_ago: float) -> Complaint:
    received = NOW - timedelta(minutes=minutes_ago)
    submission = validate_submission({**URGENT, "received_at": received.isoformat()}, NOW)
    made = build_complaint(submission, backend.policies, uuid.uuid4().hex, NOW, "contract")
    backend.adapters.complaints.create(made, received_event(made, NOW, "contract"), [])
    return made


def due(backend: Backend, at: datetime = NOW) -> list[DueItem]:
    return list(backend.adapters.due.due(at))


def claim(backend: Backend, seen: DueComplaint) -> bool:
    updated, notices = owed_notices(seen.complaint, NOW, backend.policies, "https://sla.example.com")
    events = notice_events(updated, notices)
    updated = updated.model_copy(update={"event_count": updated.event_count + len(events)})
    return backend.adapters.due.claim(seen, updated, notices, events, LEASE)


def test_only_what_is_due_comes_back(backend: Backend) -> None:
    late, later, _fresh = stored(backend, 40), stored(backend, 25), stored(backend, 1)
    found = due(backend)
    assert all(isinstance(item, DueComplaint) for item in found)
    assert {item.complaint.id for item in found if isinstance(item, DueComplaint)} == {late.id, later.id}
    assert all(item.due_at <= NOW for item in found)


def test_with_ahead_the_same_reads_bring_what_comes_due_by_then_and_nothing_later(backend: Backend) -> None:
    late = stored(backend, 40)
    soon = stored(backend, 22.5 - 1)  # its warning (75% of 30 minutes) comes in a minute
    stored(backend, 22.5 - 5)  # in five minutes: beyond
    found = list(backend.adapters.due.due(NOW, NOW + timedelta(minutes=2)))
    by_id = {item.complaint.id: item.due_at for item in found if isinstance(item, DueComplaint)}
    assert set(by_id) == {late.id, soon.id}
    assert by_id[late.id] <= NOW < by_id[soon.id] == NOW + timedelta(minutes=1)


def test_a_claim_holds_once_and_its_notices_are_pending_until_the_lease_ends(backend: Backend) -> None:
    stored(backend, 25)
    [seen] = due(backend)
    assert isinstance(seen, DueComplaint)
    assert claim(backend, seen)
    assert not claim(backend, seen)
    assert due(backend) == []  # warned: next threshold is the deadline; notices leased
    pending = [item for item in due(backend, LEASE) if isinstance(item, DueNotice)]
    assert sorted(item.notice.audience for item in pending) == ["assignee", "on_call"]
    assert all(item.attempts == 1 for item in pending)
    assert [e.type for e in backend.adapters.complaints.trail(seen.complaint.id)][1:] == ["notice", "notice"]


def test_a_lease_is_taken_once_and_settling_ends_or_reschedules_a_notice(backend: Backend) -> None:
    stored(backend, 25)
    [seen] = due(backend)
    assert isinstance(seen, DueComplaint)
    assert claim(backend, seen)
    first, second = [item for item in due(backend, LEASE) if isinstance(item, DueNotice)]
    again = LEASE + timedelta(minutes=5)
    assert backend.adapters.due.lease(first, again)
    assert not backend.adapters.due.lease(first, again)
    backend.adapters.due.settle([(first.notice, 2)], [(second.notice, 2)], LEASE, LEASE + timedelta(seconds=1))
    retried = [item for item in due(backend, LEASE + timedelta(seconds=1)) if isinstance(item, DueNotice)]
    assert [(item.notice.notice_id, item.attempts) for item in retried] == [(second.notice.notice_id, 2)]
    assert backend.adapters.notice_log.notices_for("on_call", NOW - timedelta(hours=1), NOW + timedelta(hours=1))


def test_a_readable_complaint_is_quarantined_at_its_version_and_comes_back_at_the_retry(backend: Backend) -> None:
    made = stored(backend, 25)
    [seen] = due(backend)
    assert isinstance(seen, DueComplaint)
    held = quarantined(None, "broken", NOW)
    assert backend.adapters.due.quarantine(seen, held)
    assert not backend.adapters.due.quarantine(seen, held)
    assert due(backend) == []
    [back] = due(backend, held.retry_at)
    assert isinstance(back, DueComplaint)
    assert back.complaint.quarantine == held
    assert backend.adapters.complaints.get(made.id).quarantine == held  # type: ignore[union-attr]


def test_an_unreadable_complaint_is_due_as_such_and_quarantined_by_the_item_read(backend: Backend) -> None:
    made = stored(backend, 25)
    backend.damage(made.id, clocks="{not json")
    [seen] = due(backend)
    assert isinstance(seen, DueUnreadable)
    assert seen.complaint_id == made.id
    assert "malformed JSON" in seen.reason
    held = quarantined(None, seen.reason, NOW)
    assert backend.adapters.due.quarantine(seen, held)
    assert not backend.adapters.due.quarantine(seen, held)
    [back] = due(backend, held.retry_at)
    assert isinstance(back, DueUnreadable)
    assert back.quarantine == held
