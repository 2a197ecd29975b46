"""The ComplaintStore contract, held by the twin and the DynamoDB adapter alike: atomic creates bound to delivery
keys, optimistic saves, the audit trail, listing with opaque cursors, unreadable records, report counters."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest

from chalicelib.domain.errors import Unavailable
from chalicelib.domain.intake import validate_submission
from chalicelib.domain.model import AuditEvent, Complaint
from chalicelib.domain.notices import event_notices, notice_events
from chalicelib.domain.opening import build_complaint, received_event
from chalicelib.domain.vocabulary import EventType, Status
from chalicelib.domain.workflow import EventRequest, apply_event
from chalicelib.ports import DeliveryKey, DueNotice, DuplicateDelivery, InvalidCursor, Outbox, UnreadableComplaint
from tests.contract.conftest import Backend

NOW = datetime(2026, 11, 17, 2, 40, tzinfo=UTC)
SUBMISSION = {
    "customer_name": "测试客户",
    "customer_email": "customer@example.com",
    "category": "service",
    "priority": "urgent",
    "subject": "contract",
}


def complaint(backend: Backend, minutes_ago: float = 5, **fields: str) -> Complaint:
    received = NOW - timedelta(minutes=minutes_ago)
    submission = validate_submission({**SUBMISSION, **fields, "received_at": received.isoformat()}, NOW)
    return build_complaint(submission, backend.policies, uuid.uuid4().hex, NOW, "contract")


def stored(backend: Backend, minutes_ago: float = 5, keys: tuple[DeliveryKey, ...] = (), **fields: str) -> Complaint:
    made = complaint(backend, minutes_ago, **fields)
    backend.adapters.complaints.create(made, received_event(made, NOW, "contract"), keys)
    return made


def event(backend: Backend, before: Complaint, kind: str) -> tuple[Complaint, object]:
    request = EventRequest.model_validate({"type": kind, "by": "li.lei", "note": "n"})
    return apply_event(before, request, NOW, NOW, backend.policies)


def test_a_created_complaint_reads_back_whole_with_its_first_event(backend: Backend) -> None:
    made = stored(backend)
    store = backend.adapters.complaints
    assert store.get(made.id) == made
    assert [e.type for e in store.trail(made.id)] == [EventType.RECEIVED]
    assert store.get(uuid.uuid4().hex) is None


def test_a_create_whose_key_is_bound_stores_nothing_and_names_the_key(backend: Backend) -> None:
    key = DeliveryKey("webhook#contract", "msg_1", "f1")
    first = stored(backend, keys=(key,))
    binding = backend.adapters.complaints.bound(key)
    assert binding is not None
    assert (binding.complaint_id, binding.fingerprint) == (first.id, "f1")
    second = complaint(backend)
    other = DeliveryKey("key", "fresh", "f2")
    with pytest.raises(DuplicateDelivery) as caught:
        backend.adapters.complaints.create(second, received_event(second, NOW, "contract"), [other, key])
    assert caught.value.key == key
    assert backend.adapters.complaints.get(second.id) is None
    assert backend.adapters.complaints.bound(other) is None


def test_a_save_holds_only_at_the_version_read(backend: Backend) -> None:
    store = backend.adapters.complaints
    made = stored(backend)
    updated, audit = event(backend, made, "respond")
    assert store.save(made, updated, audit)  # type: ignore[arg-type]
    assert store.get(made.id).version == 2  # type: ignore[union-attr]
    again, second = event(backend, made, "note")
    assert not store.save(made, again, second)  # type: ignore[arg-type]
    assert [e.type for e in store.trail(made.id)] == [EventType.RECEIVED, EventType.RESPOND]


def test_a_save_with_a_bound_request_key_is_a_duplicate(backend: Backend) -> None:
    store = backend.adapters.complaints
    made = stored(backend)
    key = DeliveryKey(f"event#{made.id}", "note-1", "f")
    updated, audit = event(backend, made, "note")
    assert store.save(made, updated, audit, key)  # type: ignore[arg-type]
    current = store.get(made.id)
    assert current is not None
    again, second = event(backend, current, "note")
    with pytest.raises(DuplicateDelivery):
        store.save(current, again, second, key)  # type: ignore[arg-type]
    assert len(store.trail(made.id)) == 2


def test_browse_lists_by_status_newest_first_and_resumes_after_a_cursor(backend: Backend) -> None:
    store = backend.adapters.complaints
    made = [stored(backend, minutes_ago=minutes) for minutes in (1, 2, 3, 4)]
    resolved = made[1]
    updated, audit = event(backend, resolved, "resolve")
    assert store.save(resolved, updated, audit)  # type: ignore[arg-type]
    listed = list(store.browse((Status.OPEN, Status.RESOLVED), None, None))
    assert [c.id for c, _ in listed] == [made[0].id, made[2].id, made[3].id, resolved.id]
    resumed = list(store.browse((Status.OPEN, Status.RESOLVED), None, None, listed[1][1]))
    assert [c.id for c, _ in resumed] == [made[3].id, resolved.id]
    since = NOW - timedelta(minutes=3, seconds=30)
    assert [c.id for c, _ in store.browse((Status.OPEN,), since, None)] == [made[0].id, made[2].id]
    with pytest.raises(InvalidCursor):
        list(store.browse((Status.OPEN,), None, None, "bm9wZQ"))


def test_a_damaged_record_is_unreadable_by_place_not_value_and_left_out_of_listings(backend: Backend) -> None:
    store = backend.adapters.complaints
    good, bad = stored(backend, minutes_ago=1), stored(backend, minutes_ago=2)
    backend.damage(bad.id, priority="whatever")
    with pytest.raises(UnreadableComplaint) as caught:
        store.get(bad.id)
    assert caught.value.complaint_id == bad.id
    assert "priority" in caught.value.reason
    assert "whatever" not in caught.value.reason
    assert [c.id for c, _ in store.browse((Status.OPEN,), None, None)] == [good.id]


def test_writes_feed_the_month_report_in_the_same_request(backend: Backend) -> None:
    made = stored(backend)
    updated, audit = event(backend, made, "respond")
    assert backend.adapters.complaints.save(made, updated, audit)  # type: ignore[arg-type]
    rows = backend.adapters.reports.rows("2026-11")
    assert rows["all#all"]["received"] == 1
    assert rows["all#all"]["fr_total"] == 1
    assert rows["priority#urgent"]["fr_within"] == 1


def test_a_store_that_keeps_failing_is_unavailable_and_nothing_is_stored(backend: Backend) -> None:
    made = complaint(backend)
    with backend.store_down(), pytest.raises(Unavailable):
        backend.adapters.complaints.create(made, received_event(made, NOW, "contract"), [])
    assert backend.adapters.complaints.get(made.id) is None


def test_a_save_stores_the_notices_it_owes_pending_until_they_are_settled(backend: Backend) -> None:
    """A staff event's resolved notices are written with it: due (for a scan to deliver) once their lease ends,
    and never digested (the notice log holds breaches only)."""
    from chalicelib.domain.notices import owed_notices
    from chalicelib.domain.resolutions import resolved_notices

    store = backend.adapters.complaints
    made = stored(backend, minutes_ago=45)
    scanned, breaches = owed_notices(made, NOW, backend.policies, "https://sla.example.com")
    noted, audit = event(backend, scanned, "note")
    assert store.save(made, noted, audit)  # type: ignore[arg-type]
    current = store.get(made.id)
    assert current is not None
    answered, audit = event(backend, current, "respond")
    notices = resolved_notices(current, answered, NOW, backend.policies, "https://sla.example.com")
    assert {n.audience for n in notices} >= {b.audience for b in breaches}  # and those warned before
    lease = NOW + timedelta(minutes=5)
    outbox = Outbox(notices, [], lease)
    assert store.save(current, answered, audit, None, outbox)  # type: ignore[arg-type]
    assert [item for item in backend.adapters.due.due(NOW) if isinstance(item, DueNotice)] == []
    pending = [item for item in backend.adapters.due.due(lease) if isinstance(item, DueNotice)]
    assert sorted(item.notice.notice_id for item in pending) == sorted(n.notice_id for n in notices)
    for audience in {n.audience for n in notices}:
        assert backend.adapters.notice_log.notices_for(audience, NOW - timedelta(days=1), lease) == []
    again = store.get(made.id)
    assert again is not None
    assert not store.save(again, answered, audit, None, outbox)  # type: ignore[arg-type]


def test_a_save_whose_event_number_is_taken_stores_nothing(backend: Backend) -> None:
    store = backend.adapters.complaints
    made = stored(backend)
    updated, audit = event(backend, made, "note")
    assert store.save(made, updated, audit)  # type: ignore[arg-type]
    current = store.get(made.id)
    assert current is not None
    stale = current.model_copy(update={"event_count": made.event_count})
    again, repeated = event(backend, stale, "note")
    assert not store.save(current, again, repeated)  # type: ignore[arg-type]
    assert len(store.trail(made.id)) == 2


def reported(backend: Backend, made: Complaint, event: AuditEvent) -> tuple[Complaint, Outbox]:
    """The complaint with the report notices a product-quality rule owes on `event`, and their outbox."""
    notices = event_notices(made, event, backend.policies, "https://sla.example.com")
    assert len(notices) == 2
    events = notice_events(made, notices)
    counted = made.model_copy(update={"event_count": made.event_count + len(events)})
    return counted, Outbox(notices, events, NOW + timedelta(minutes=5))


def test_a_create_stores_the_notices_it_owes_pending_with_their_events(backend: Backend) -> None:
    made = complaint(backend, category="product_quality")
    first = received_event(made, NOW, "contract")
    made, outbox = reported(backend, made, first)
    backend.adapters.complaints.create(made, first, [], outbox)
    trail = backend.adapters.complaints.trail(made.id)
    assert [(e.sequence, e.type) for e in trail] == [(1, "received"), (2, "notice"), (3, "notice")]
    assert not [item for item in backend.adapters.due.due(NOW) if isinstance(item, DueNotice)]  # leased
    pending = [item for item in backend.adapters.due.due(NOW + timedelta(minutes=5)) if isinstance(item, DueNotice)]
    assert {item.notice.notice_id for item in pending} == {notice.notice_id for notice in outbox.notices}
    assert backend.adapters.reports.rows("2026-11")["all#all"] == {"received": 1}  # a report is no breach


def test_a_save_stores_the_notices_it_owes_or_nothing_when_the_complaint_moved(backend: Backend) -> None:
    store = backend.adapters.complaints
    made = stored(backend, category="product_quality")
    updated, audit = event(backend, made, "note")
    changed, outbox = reported(backend, updated, received_event(made, NOW, "contract"))  # any notices will do
    stale = made.model_copy(update={"version": made.version + 7})
    assert not store.save(stale, changed, audit, None, outbox)  # type: ignore[arg-type]
    assert not [item for item in backend.adapters.due.due(NOW + timedelta(minutes=5)) if isinstance(item, DueNotice)]
    assert store.save(made, changed, audit, None, outbox)  # type: ignore[arg-type]
    assert [e.sequence for e in store.trail(made.id)] == [1, 2, 3, 4]
    pending = [item for item in backend.adapters.due.due(NOW + timedelta(minutes=5)) if isinstance(item, DueNotice)]
    assert len(pending) == 2
