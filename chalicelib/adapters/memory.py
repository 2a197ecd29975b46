"""In-memory twins of every port: the same behaviour as the DynamoDB, SNS and SES adapters (the contract suites
in tests/contract/ run against both), kept in one `MemoryTable` behind a lock, so that the service-level and API
tests run in milliseconds. Complaints are kept as the same records the DynamoDB adapter writes (`records`) and
parsed on every read, so a damaged record is as unreadable here as there (`MemoryTable.damage`)."""

from __future__ import annotations

import copy
import threading
import uuid
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from pydantic import ValidationError

from chalicelib.adapters import keys
from chalicelib.adapters.complaints import decode_cursor, encode_cursor
from chalicelib.adapters.dynamo import next_due
from chalicelib.adapters.records import complaint_from_record, complaint_record
from chalicelib.domain.channels.base import Answer, VendorRequest
from chalicelib.domain.errors import Unavailable
from chalicelib.domain.messages import Email
from chalicelib.domain.model import AuditEvent, Complaint
from chalicelib.domain.notices import NOTICE_TEXTS, ROLLUP_IDS, Notice, RollUp, Window
from chalicelib.domain.operator import OperatorNotice, Quarantine
from chalicelib.domain.report import contributions, customer_row, month_of, row_keys
from chalicelib.domain.vocabulary import NoticeType, Status
from chalicelib.ports import (
    LEASE,
    RECEIPT_SCOPE,
    Binding,
    Delivery,
    DeliveryKey,
    DueComplaint,
    DueItem,
    DueNotice,
    DueRollUp,
    DueUnreadable,
    DuplicateDelivery,
    Events,
    Facts,
    InvalidCursor,
    Listed,
    Moment,
    Notices,
    Outbox,
    Outgoing,
    Receipt,
    ReportRows,
    RolledUp,
    SendFailed,
    Tally,
    Timer,
    UnreadableComplaint,
)


def owed_marker(scope: str, name: str, facts: Mapping[str, object]) -> dict[str, str]:
    """A retry marker as the DynamoDB Claims adapter lays it out and its retry list gives it back (keys.py)."""
    return keys.owed_facts(keys.retry_marker(scope, name, keys.retry_facts(facts)))


@dataclass
class _Record:
    """A stored complaint: the JSON its model dumps, and when the due index brings it back."""

    raw: dict[str, Any]
    next_due: datetime | None


@dataclass
class _NoticeRecord:
    notice: dict[str, Any]
    attempts: int
    pending_until: datetime | None
    sent_at: datetime | None = None
    rollup: str | None = None


@dataclass
class _WindowRecord:
    """A storm-control window: slots taken, what its roll-up counts, and its delivery."""

    window: Window
    slots: int = 0
    count: int = 0
    by_level: dict[str, int] = field(default_factory=dict)
    ids: list[str] = field(default_factory=list)
    facets: dict[str, set[str]] = field(default_factory=dict)
    closed: bool = False
    next_due: datetime | None = None
    attempts: int = 0
    sent_at: datetime | None = None


@dataclass
class MemoryTable:
    """Everything the twins store, with one lock (each twin method is atomic, as each DynamoDB request is)."""

    zone: ZoneInfo = field(default_factory=lambda: ZoneInfo("Asia/Shanghai"))
    complaints: dict[str, _Record] = field(default_factory=dict)
    events: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    bindings: dict[tuple[str, str], Binding] = field(default_factory=dict)
    notices: dict[str, _NoticeRecord] = field(default_factory=dict)
    reports: dict[str, dict[str, dict[str, int]]] = field(default_factory=dict)
    claims: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)
    retries: dict[tuple[str, str], dict[str, str]] = field(default_factory=dict)
    markers: dict[str, str] = field(default_factory=dict)
    windows: dict[tuple[str, datetime], _WindowRecord] = field(default_factory=dict)
    receipts: dict[str, str] = field(default_factory=dict)
    lock: threading.RLock = field(default_factory=threading.RLock)
    unavailable: bool = False

    @contextmanager
    def access(self) -> Iterator[None]:
        """One atomic request; `Unavailable` while the table is set `unavailable` (as the DynamoDB adapters raise
        when DynamoDB keeps throttling or failing)."""
        if self.unavailable:
            raise Unavailable("The complaint store is busy. Please retry.", retry_after=2)
        with self.lock:
            yield

    def snapshot(self) -> dict[str, Any]:
        """Everything stored, as plain data (tests compare it before and after a refused request)."""
        with self.lock:
            return copy.deepcopy(
                {
                    "complaints": {i: r.raw for i, r in self.complaints.items()},
                    "events": self.events,
                    "bindings": self.bindings,
                    "notices": {i: r.notice for i, r in self.notices.items()},
                    "reports": self.reports,
                    "claims": self.claims,
                    "retries": self.retries,
                    "markers": self.markers,
                    "windows": self.windows,
                    "receipts": self.receipts,
                }
            )

    def damage(self, complaint_id: str, **attributes: Any) -> None:
        """Overwrite attributes of a stored complaint, as an older version or a bad manual edit might."""
        with self.lock:
            self.complaints[complaint_id].raw.update(attributes)

    # ----- shared by the twins -----

    def read(self, complaint_id: str) -> Complaint:
        return complaint_from_record(complaint_id, self.complaints[complaint_id].raw)

    def write(self, complaint: Complaint) -> None:
        self.complaints[complaint.id] = _Record(complaint_record(complaint), next_due(complaint))

    def append(self, complaint: Complaint, events: Sequence[AuditEvent]) -> None:
        self.events.setdefault(complaint.id, []).extend(event.model_dump(mode="json") for event in events)
        for event in events:
            counts = contributions(event)
            if not counts:
                continue
            month = self.reports.setdefault(month_of(complaint.received_at, self.zone), {})
            customer = customer_row(complaint)
            rows = row_keys(complaint) + ([customer] if "surveys" in counts and customer is not None else [])
            for row in rows:
                totals = month.setdefault(row, {})
                for name, value in counts.items():
                    totals[name] = totals.get(name, 0) + value

    def add_outbox(self, complaint: Complaint, outbox: Outbox | None) -> None:
        """Store an outbox's notices, pending until its lease ends, and their audit events."""
        if outbox is None:
            return
        for notice in outbox.notices:
            self.notices[notice.notice_id] = _NoticeRecord(notice.model_dump(mode="json"), 1, outbox.lease_until)
        self.append(complaint, outbox.events)

    def outbox_taken(self, outbox: Outbox | None) -> bool:
        """Whether a notice of the outbox is stored already (the write would be refused)."""
        return outbox is not None and any(notice.notice_id in self.notices for notice in outbox.notices)

    def version(self, complaint_id: str) -> int | None:
        record = self.complaints.get(complaint_id)
        return None if record is None else int(record.raw.get("version", 0))


class MemoryComplaintStore:
    """The `ComplaintStore` port in memory."""

    def __init__(self, table: MemoryTable) -> None:
        self._table = table

    def create(
        self,
        complaint: Complaint,
        event: AuditEvent,
        keys_: Sequence[DeliveryKey],
        outbox: Outbox | None = None,
        receipt: Receipt | None = None,
    ) -> None:
        with self._table.access():
            for key in keys_:
                if (key.scope, key.value) in self._table.bindings:
                    raise DuplicateDelivery(key)
            if complaint.id in self._table.complaints or self._table.outbox_taken(outbox):
                raise ValueError(f"complaint {complaint.id} exists")
            if receipt is not None and receipt.digest in self._table.receipts:
                raise ValueError("receipt exists")
            self._table.write(complaint)
            for key in keys_:
                self._table.bindings[(key.scope, key.value)] = Binding(complaint.id, key.fingerprint)
            self._table.append(complaint, [event])
            self._table.add_outbox(complaint, outbox)
            if receipt is not None:
                self._table.receipts[receipt.digest] = complaint.id
                if receipt.acknowledgement is not None:
                    marker = owed_marker(RECEIPT_SCOPE, complaint.id, receipt.acknowledgement)
                    self._table.retries[(RECEIPT_SCOPE, complaint.id)] = marker

    def by_receipt(self, digest: str) -> Complaint | None:
        with self._table.access():
            complaint_id = self._table.receipts.get(digest)
            return None if complaint_id is None else self._table.read(complaint_id)

    def get(self, complaint_id: str) -> Complaint | None:
        with self._table.access():
            return self._table.read(complaint_id) if complaint_id in self._table.complaints else None

    def bound(self, key: DeliveryKey) -> Binding | None:
        with self._table.access():
            return self._table.bindings.get((key.scope, key.value))

    def save(
        self,
        before: Complaint,
        after: Complaint,
        event: AuditEvent,
        key: DeliveryKey | None = None,
        outbox: Outbox | None = None,
    ) -> bool:
        with self._table.access():
            if self._table.version(after.id) != before.version or self._table.outbox_taken(outbox):
                return False
            if key is not None and (key.scope, key.value) in self._table.bindings:
                raise DuplicateDelivery(key)
            taken = {stored["sequence"] for stored in self._table.events.get(after.id, [])}
            written = [event, *(outbox.events if outbox is not None else ())]
            if any(entry.sequence in taken for entry in written):
                return False  # as DynamoDB refuses a second event item with the same key
            self._table.write(after.model_copy(update={"version": before.version + 1}))
            if key is not None:
                self._table.bindings[(key.scope, key.value)] = Binding(after.id, key.fingerprint)
            self._table.append(after, [event])
            self._table.add_outbox(after, outbox)
            return True

    def trail(self, complaint_id: str) -> list[AuditEvent]:
        with self._table.access():
            return [AuditEvent.model_validate(raw) for raw in self._table.events.get(complaint_id, [])]

    def erase(self, before: Complaint, after: Complaint, event: AuditEvent, scrub: Callable[[str], str]) -> bool:
        with self._table.access():
            for raw in self._table.events.get(after.id, []):
                raw["details"] = {name: scrub(value) for name, value in raw.get("details", {}).items()}
            for record in self._table.notices.values():
                if record.notice.get("complaint_id") == after.id:
                    for name in NOTICE_TEXTS:
                        if isinstance(record.notice.get(name), str):
                            record.notice[name] = scrub(record.notice[name])
            if self._table.version(after.id) != before.version:
                return False
            self._table.write(after.model_copy(update={"version": before.version + 1}))
            self._table.append(after, [event])
            return True

    def browse(self, statuses: Sequence[Status], since: Moment, until: Moment, cursor: str | None = None) -> Listed:
        position, after = (0, None) if cursor is None else decode_cursor(cursor, len(statuses))
        with self._table.access():
            readable = []
            for complaint_id in list(self._table.complaints):
                try:
                    readable.append(self._table.read(complaint_id))
                except UnreadableComplaint:
                    continue
        for index in range(position, len(statuses)):
            chosen = [
                c
                for c in readable
                if c.status is statuses[index]
                and (since is None or c.received_at >= since)
                and (until is None or c.received_at <= until)
            ]
            chosen.sort(key=lambda c: keys.list_received(c.received_at, c.id), reverse=True)
            for complaint in chosen:
                position_key = keys.list_received(complaint.received_at, complaint.id)
                if index == position and after is not None and position_key >= after["received"]:
                    continue
                yield complaint, encode_cursor(index, complaint)


class MemoryDueIndex:
    """The `DueIndex` port in memory."""

    def __init__(self, table: MemoryTable) -> None:
        self._table = table

    def due(self, now: datetime, ahead: datetime | None = None) -> Iterator[DueItem]:
        until = max(now, ahead) if ahead is not None else now
        with self._table.access():
            found: list[DueItem] = []
            for held in self._table.windows.values():
                if held.next_due is not None and held.next_due <= now:
                    token = keys.sortable_time(held.next_due)
                    found.append(DueRollUp(held.window, held.attempts, held.next_due, token))
            for complaint_id, record in self._table.complaints.items():
                if record.next_due is None or record.next_due > until:
                    continue
                try:
                    complaint = self._table.read(complaint_id)
                except UnreadableComplaint as exc:
                    raw_quarantine = record.raw.get("quarantine")
                    try:
                        previous = Quarantine.model_validate(raw_quarantine) if raw_quarantine else None
                    except ValidationError:
                        previous = None
                    token = keys.sortable_time(record.next_due)
                    found.append(DueUnreadable(complaint_id, exc.reason, previous, record.next_due, token))
                    continue
                found.append(DueComplaint(complaint, complaint.version, record.next_due))
            for notice in self._table.notices.values():
                if notice.pending_until is not None and notice.pending_until <= until:
                    token = keys.sortable_time(notice.pending_until)
                    found.append(
                        DueNotice(Notice.model_validate(notice.notice), notice.attempts, notice.pending_until, token)
                    )
        found.sort(key=lambda item: item.due_at)
        yield from found

    def claim(
        self, seen: DueComplaint, updated: Complaint, notices: Notices, events: Events, lease_until: datetime
    ) -> bool:
        with self._table.access():
            if self._table.version(updated.id) != seen.version:
                return False
            if any(notice.notice_id in self._table.notices for notice in notices):
                return False
            self._table.write(updated.model_copy(update={"version": seen.version + 1}))
            for notice in notices:
                self._table.notices[notice.notice_id] = _NoticeRecord(notice.model_dump(mode="json"), 1, lease_until)
            self._table.append(updated, events)
            return True

    def lease(self, pending: DueNotice, until: datetime) -> bool:
        with self._table.access():
            record = self._table.notices.get(pending.notice.notice_id)
            if record is None or record.pending_until is None:
                return False
            if keys.sortable_time(record.pending_until) != pending.token:
                return False
            record.pending_until = until
            record.attempts += 1
            return True

    def settle(self, sent: Sequence[Outgoing], unsent: Sequence[Outgoing], now: datetime, retry_at: datetime) -> None:
        with self._table.access():
            for notice, attempts in sent:
                self._table.notices[notice.notice_id] = _NoticeRecord(
                    notice.model_dump(mode="json"), attempts, None, now
                )
            for notice, attempts in unsent:
                self._table.notices[notice.notice_id] = _NoticeRecord(
                    notice.model_dump(mode="json"), attempts, retry_at
                )

    def quarantine(self, seen: DueComplaint | DueUnreadable, quarantine: Quarantine) -> bool:
        with self._table.access():
            if isinstance(seen, DueComplaint):
                if self._table.version(seen.complaint.id) != seen.version:
                    return False
                held = seen.complaint.model_copy(update={"quarantine": quarantine, "version": seen.version + 1})
                self._table.write(held)
                return True
            record = self._table.complaints.get(seen.complaint_id)
            if record is None or record.next_due is None or keys.sortable_time(record.next_due) != seen.token:
                return False
            record.raw["quarantine"] = quarantine.model_dump(mode="json")
            record.raw["version"] = int(record.raw.get("version", 0)) + 1
            record.next_due = quarantine.retry_at
            return True


class MemoryNoticeWindows:
    """The `NoticeWindows` port in memory."""

    def __init__(self, table: MemoryTable) -> None:
        self._table = table

    def _held(self, window: Window) -> _WindowRecord:
        return self._table.windows.setdefault((window.audience.value, window.start), _WindowRecord(window))

    def take(self, window: Window, wanted: int, limit: int) -> int:
        with self._table.access():
            held = self._held(window)
            granted = max(0, min(wanted, limit - held.slots))
            held.slots += granted
            return granted

    def roll_up(self, window: Window, notices: Notices, publish_at: datetime) -> RolledUp:
        with self._table.access():
            held = self._held(window)
            if held.closed:
                return RolledUp(frozenset(), frozenset(), frozenset(n.notice_id for n in notices))
            joined, gone = set(), set()
            for notice in notices:
                record = self._table.notices.get(notice.notice_id)
                if record is None or record.pending_until is None:
                    gone.add(notice.notice_id)
                    continue
                record.pending_until = None
                record.rollup = window.rollup_id
                held.count += 1
                held.by_level[notice.level.value] = held.by_level.get(notice.level.value, 0) + 1
                if notice.complaint_id not in held.ids and len(held.ids) < ROLLUP_IDS:
                    held.ids.append(notice.complaint_id)
                for facet, value in (("categories", notice.category), ("priorities", notice.priority)):
                    held.facets.setdefault(facet, set()).add(value)
                held.facets.setdefault("clocks", set()).add(notice.about)
                held.next_due = publish_at
                joined.add(notice.notice_id)
            return RolledUp(frozenset(joined), frozenset(gone), frozenset())

    def lease(self, due: DueRollUp, until: datetime) -> Tally | None:
        with self._table.access():
            held = self._table.windows.get((due.window.audience.value, due.window.start))
            if held is None or held.next_due is None or keys.sortable_time(held.next_due) != due.token:
                return None
            held.closed = True
            held.next_due = until
            held.attempts += 1
            facets = {facet: sorted(values) for facet, values in held.facets.items()}
            return Tally(held.count, dict(held.by_level), list(held.ids), facets)

    def settle(self, window: Window, sent: bool, now: datetime, retry_at: datetime) -> None:
        with self._table.access():
            held = self._held(window)
            if sent:
                held.next_due, held.sent_at = None, now
            else:
                held.next_due = retry_at


class MemoryNoticeLog:
    """The `NoticeLog` port in memory."""

    def __init__(self, table: MemoryTable) -> None:
        self._table = table

    def notices_for(self, audience: str, since: datetime, until: datetime) -> list[Notice]:
        with self._table.access():
            notices = [Notice.model_validate(record.notice) for record in self._table.notices.values()]
        found = [
            n for n in notices if n.type == NoticeType.BREACH and n.audience == audience and since <= n.detected < until
        ]
        return sorted(found, key=lambda n: n.detected)

    def complaints(self, ids: Sequence[str]) -> dict[str, Complaint]:
        found = {}
        with self._table.access():
            for complaint_id in ids:
                if complaint_id not in self._table.complaints:
                    continue
                try:
                    found[complaint_id] = self._table.read(complaint_id)
                except UnreadableComplaint:
                    continue
        return found


class MemoryReportStore:
    """The `ReportStore` port in memory."""

    def __init__(self, table: MemoryTable) -> None:
        self._table = table

    def rows(self, month: str) -> dict[str, dict[str, int]]:
        with self._table.access():
            return copy.deepcopy(self._table.reports.get(month, {}))

    def replace(self, month: str, rows: ReportRows) -> None:
        with self._table.access():
            self._table.reports[month] = {row: dict(counters) for row, counters in rows.items()}


class MemoryClaims:
    """The `Claims` port in memory."""

    def __init__(self, table: MemoryTable) -> None:
        self._table = table

    def claim(self, scope: str, name: str, now: datetime, lease: timedelta = LEASE, retry: Facts | None = None) -> bool:
        with self._table.access():
            held = self._table.claims.get((scope, name))
            if held is not None and not (held["status"] == "claimed" and held["claimed_at"] < now - lease):
                return False
            self._table.claims[(scope, name)] = {"status": "claimed", "claimed_at": now}
            if retry is not None:
                self._table.retries[(scope, name)] = owed_marker(scope, name, retry)
            return True

    def done(self, scope: str, name: str, now: datetime, facts: Mapping[str, object] | None = None) -> None:
        with self._table.access():
            self._table.claims[(scope, name)] = {"status": "sent", "sent_at": now, **(facts or {})}
            self._table.retries.pop((scope, name), None)

    def release(self, scope: str, name: str, retry: Facts | None = None) -> None:
        with self._table.access():
            held = self._table.claims.get((scope, name))
            if held is not None and held["status"] == "claimed":
                del self._table.claims[(scope, name)]
            marker = self._table.retries.get((scope, name))
            if retry is not None and marker is not None:
                self._table.retries[(scope, name)] = owed_marker(scope, name, {**marker, **retry})

    def forget(self, scope: str, name: str) -> None:
        with self._table.access():
            self._table.retries.pop((scope, name), None)

    def happened(self, scope: str, name: str) -> bool:
        with self._table.access():
            held = self._table.claims.get((scope, name))
            return held is not None and held["status"] == "sent"

    def owed(self) -> list[dict[str, str]]:
        with self._table.access():
            return [dict(facts) for facts in self._table.retries.values()]


class MemoryMarkers:
    """The `Markers` port in memory."""

    def __init__(self, table: MemoryTable) -> None:
        self._table = table

    def get(self, name: str) -> str | None:
        with self._table.access():
            return self._table.markers.get(name)

    def put(self, name: str, value: str) -> None:
        with self._table.access():
            self._table.markers[name] = value


@dataclass
class MemoryNotifier:
    """The `Notifier` port in memory: keeps what it published; `failing` makes every publish fail."""

    published: list[Notice] = field(default_factory=list)
    rollups: list[RollUp] = field(default_factory=list)
    failing: bool = False

    def publish(self, notices: Sequence[Notice]) -> Delivery:
        if self.failing:
            return Delivery(frozenset(), frozenset(n.notice_id for n in notices))
        self.published.extend(notices)
        return Delivery(frozenset(n.notice_id for n in notices), frozenset())

    def publish_rollup(self, rollup: RollUp) -> bool:
        if self.failing:
            return False
        self.rollups.append(rollup)
        return True


@dataclass
class MemoryOpsNotifier:
    """The `OpsNotifier` port in memory."""

    published: list[OperatorNotice] = field(default_factory=list)
    failing: bool = False

    def publish(self, notice: OperatorNotice) -> bool:
        if self.failing:
            return False
        self.published.append(notice)
        return True


@dataclass(frozen=True)
class SentEmail:
    """An email the memory mailer took."""

    recipients: tuple[str, ...]
    email: Email
    reference: str
    attachments: tuple[tuple[str, bytes], ...]
    message_id: str
    written_at: datetime


@dataclass
class MemoryMailer:
    """The `Mailer` port in memory: keeps what it sent; `failing` makes every send fail."""

    sent: list[SentEmail] = field(default_factory=list)
    failing: bool = False

    def send(
        self,
        recipients: Sequence[str],
        email: Email,
        reference: str,
        written_at: datetime,
        attachments: Sequence[tuple[str, bytes]] = (),
    ) -> str:
        if self.failing:
            raise Unavailable("The mail service did not take the email.")
        message_id = uuid.uuid4().hex
        sent = SentEmail(tuple(recipients), email, reference, tuple(attachments), message_id, written_at)
        self.sent.append(sent)
        return message_id


@dataclass
class MemoryHttpSender:
    """The `HttpSender` port in memory: keeps every request; answers from `answers` by URL (an exception instance
    is raised, as a timeout would be), 200 with `{"errcode":0,"code":0}` otherwise."""

    requests: list[VendorRequest] = field(default_factory=list)
    answers: dict[str, Answer | SendFailed] = field(default_factory=dict)

    def post(self, request: VendorRequest) -> Answer:
        self.requests.append(request)
        answer = self.answers.get(request.url.split("?", 1)[0])
        if isinstance(answer, SendFailed):
            raise answer
        return answer or Answer(200, {"Content-Type": "application/json"}, b'{"errcode":0,"code":0}')


@dataclass
class MemoryRelayQueue:
    """The `RelayQueue` port in memory: keeps the delays asked for."""

    delays: dict[str, int] = field(default_factory=dict)

    def delay(self, delays: Mapping[str, int]) -> None:
        self.delays.update(delays)


@dataclass
class MemoryTimerQueue:
    """The `TimerQueue` port in memory: each timer kept with the instant it becomes visible (SQS's whole-second
    delay, at most 900 s); `take(now)` hands out those visible at `now`, as a receive would; `failing`
    makes every arm fail."""

    waiting: list[tuple[datetime, Timer]] = field(default_factory=list)
    failing: bool = False
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def arm(self, timers: Sequence[Timer], now: datetime) -> int:
        if self.failing:
            return 0
        with self._lock:
            for timer in timers:
                self.waiting.append((now + timedelta(seconds=timer.delay(now)), timer))
        return len(timers)

    def take(self, now: datetime) -> list[Timer]:
        """The timers visible at `now` (removed from the queue), earliest first."""
        with self._lock:
            ready = sorted((item for item in self.waiting if item[0] <= now), key=lambda item: (item[0], item[1].at))
            self.waiting = [item for item in self.waiting if item[0] > now]
        return [timer for _, timer in ready]

    def delayed(self, now: datetime) -> int:
        """How many timers are not visible yet at `now`."""
        with self._lock:
            return sum(1 for visible, _ in self.waiting if visible > now)


__all__ = [
    "InvalidCursor",
    "MemoryClaims",
    "MemoryComplaintStore",
    "MemoryDueIndex",
    "MemoryHttpSender",
    "MemoryMailer",
    "MemoryMarkers",
    "MemoryNoticeLog",
    "MemoryNoticeWindows",
    "MemoryNotifier",
    "MemoryOpsNotifier",
    "MemoryRelayQueue",
    "MemoryReportStore",
    "MemoryTable",
    "MemoryTimerQueue",
    "SentEmail",
]
