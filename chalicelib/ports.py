"""Ports: what the services need from the world, in the domain's own terms. Each is a Protocol with two
implementations that one contract suite (tests/contract/) holds to the same behaviour: a DynamoDB/SNS/SES adapter
(chalicelib/adapters/) and an in-memory twin (chalicelib/adapters/memory.py). Services import only this module.

Storage terms (keys, indexes, transactions, cursors' contents) never cross a port: a cursor is an opaque string,
a due item carries an opaque `token` the adapter reads back.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from chalicelib.domain.channels.base import Answer, VendorRequest
from chalicelib.domain.messages import Email
from chalicelib.domain.model import AuditEvent, Complaint
from chalicelib.domain.notices import Notice, RollUp, Window
from chalicelib.domain.operator import OperatorNotice, Quarantine
from chalicelib.domain.vocabulary import Status

# ----- delivery keys (idempotency) -----


@dataclass(frozen=True)
class DeliveryKey:
    """A key that must lead to one complaint (or one staff event): its scope, its value and the fingerprint of
    the content it first came with."""

    scope: str
    value: str
    fingerprint: str


@dataclass(frozen=True)
class Binding:
    """What a delivery key is bound to: the complaint and the fingerprint of the first delivery."""

    complaint_id: str
    fingerprint: str


class DuplicateDelivery(Exception):
    """A key of this delivery is already bound (another delivery of the same thing got there first)."""

    def __init__(self, key: DeliveryKey) -> None:
        super().__init__(key.scope)
        self.key = key


class UnreadableComplaint(ValueError):
    """A stored complaint that does not parse into the model; `reason` says where, never quoting a value."""

    def __init__(self, complaint_id: str, reason: str) -> None:
        super().__init__(reason)
        self.complaint_id = complaint_id
        self.reason = reason


Moment = datetime | None
Listed = Iterator[tuple[Complaint, str]]
Notices = Sequence[Notice]
Events = Sequence[AuditEvent]
Facts = Mapping[str, str]
LEASE = timedelta(minutes=5)


class InvalidCursor(ValueError):
    """A listing cursor this store did not give out."""


@dataclass(frozen=True)
class Outbox:
    """Notices a change owes (a policy's notify rules on an event), stored pending with their audit events in the
    same write as the change itself, so that they are claimed exactly once and never lost: published right after
    the write, or by the scanner once `lease_until` has passed."""

    notices: Sequence[Notice]
    events: Sequence[AuditEvent]
    lease_until: datetime


@dataclass(frozen=True)
class Receipt:
    """The customer's receipt, written with the new complaint: the digest of its token (never the token), and, when
    an acknowledgement email is owed, the facts that let a later run send it (kept only until it is sent)."""

    digest: str
    acknowledgement: Facts | None = None


RECEIPT_SCOPE = "receipt"
"""The Claims scope of acknowledgement emails (name: the complaint id); `create` puts one on the retry list."""


# ----- the complaint store -----


class ComplaintStore(Protocol):
    """Complaints, their audit trails and delivery keys; each write is atomic, report counters included."""

    def create(
        self,
        complaint: Complaint,
        event: AuditEvent,
        keys: Sequence[DeliveryKey],
        outbox: Outbox | None = None,
        receipt: Receipt | None = None,
    ) -> None:
        """Store a new complaint, its first event, its delivery keys and the notices it owes (pending, with their
        audit events) at once; `DuplicateDelivery` naming the key when one is already bound (nothing is stored).
        With `receipt`, its digest leads to the complaint, and an owed acknowledgement is put on the Claims retry
        list (scope RECEIPT_SCOPE, name the complaint id), in the same write."""
        ...

    def by_receipt(self, digest: str) -> Complaint | None:
        """The complaint a receipt digest leads to, or None; `UnreadableComplaint` when its record does not parse."""
        ...

    def get(self, complaint_id: str) -> Complaint | None:
        """A complaint read consistently, or None; `UnreadableComplaint` when its record does not parse."""
        ...

    def bound(self, key: DeliveryKey) -> Binding | None:
        """What a delivery key is bound to, if anything."""
        ...

    def save(
        self,
        before: Complaint,
        after: Complaint,
        event: AuditEvent,
        key: DeliveryKey | None = None,
        outbox: Outbox | None = None,
    ) -> bool:
        """Store `after` (if the stored complaint is still at `before.version`), its audit event, the request's
        delivery key and the notices the change owes (pending, with their audit events), at once; False when the
        complaint changed meanwhile (nothing written). `DuplicateDelivery` when the key is already bound."""
        ...

    def trail(self, complaint_id: str) -> list[AuditEvent]:
        """The audit trail, oldest first."""
        ...

    def erase(self, before: Complaint, after: Complaint, event: AuditEvent, scrub: Callable[[str], str]) -> bool:
        """Erase a customer's details: first every text of the complaint's other items (its audit events' details,
        its notices' texts) is rewritten through `scrub`; then `after` (if the stored complaint is still at
        `before.version`) and its audit event are stored at once. False when the complaint changed meanwhile (the
        texts scrubbed stay scrubbed; retry)."""
        ...

    def browse(self, statuses: Sequence[Status], since: Moment, until: Moment, cursor: str | None = None) -> Listed:
        """Complaints of these statuses (in that order) received in [since, until], newest first within a status, each
        with the cursor that resumes after it; `InvalidCursor` for a cursor not given out here. An unreadable
        complaint is left out (and logged)."""
        ...


# ----- the due index -----


@dataclass(frozen=True)
class DueComplaint:
    """A complaint whose next threshold has come, with the version it had when read."""

    complaint: Complaint
    version: int
    due_at: datetime


@dataclass(frozen=True)
class DueNotice:
    """A notice claimed earlier but not delivered (a failed publish, or a lease that ran out)."""

    notice: Notice
    attempts: int
    due_at: datetime
    token: str


@dataclass(frozen=True)
class DueUnreadable:
    """A due item that does not parse: its id, why, and its quarantine so far (if that much could be read)."""

    complaint_id: str
    reason: str
    quarantine: Quarantine | None
    due_at: datetime
    token: str


@dataclass(frozen=True)
class DueRollUp:
    """A storm-control window whose roll-up is owed (its window has ended), or was not taken by SNS."""

    window: Window
    attempts: int
    due_at: datetime
    token: str


DueItem = DueComplaint | DueNotice | DueUnreadable | DueRollUp
Outgoing = tuple[Notice, int]
"""A notice being delivered, with the number of the attempt."""


class DueIndex(Protocol):
    """What is due, and the conditional writes that make each notice happen once."""

    def due(self, now: datetime, ahead: datetime | None = None) -> Iterator[DueItem]:
        """Everything due at `now` (in no promised order): cost follows what is due, not what is stored. With
        `ahead`, in the same reads, also what comes due by `ahead` (its `due_at` is after `now`)."""
        ...

    def claim(
        self, seen: DueComplaint, updated: Complaint, notices: Notices, events: Events, lease_until: datetime
    ) -> bool:
        """Store the complaint with its notified levels, and its new notices as pending until `lease_until`, with
        their audit events, at once; False (nothing written) when another run or a staff change came first."""
        ...

    def lease(self, pending: DueNotice, until: datetime) -> bool:
        """Take a stranded notice for this run; False when another run took it."""
        ...

    def settle(self, sent: Sequence[Outgoing], unsent: Sequence[Outgoing], now: datetime, retry_at: datetime) -> None:
        """Mark delivered notices sent; put failed ones back, due at `retry_at`."""
        ...

    def quarantine(self, seen: DueComplaint | DueUnreadable, quarantine: Quarantine) -> bool:
        """Record why a complaint cannot be evaluated and hold it until `quarantine.retry_at`; False when it
        changed meanwhile."""
        ...


# ----- storm control -----


@dataclass(frozen=True)
class RolledUp:
    """What `NoticeWindows.roll_up` did with each notice (by id): counted in the window's roll-up; found no
    longer pending (sent or rolled up already: left alone); or refused because the window's roll-up is already
    being published (still pending: deliver it again later)."""

    joined: frozenset[str]
    gone: frozenset[str]
    closed: frozenset[str]


@dataclass(frozen=True)
class Tally:
    """What a window's roll-up counts: its notices by level, the complaints of the first 50, and the categories,
    priorities and clocks among them."""

    count: int
    by_level: Mapping[str, int]
    complaint_ids: Sequence[str]
    facets: Mapping[str, Sequence[str]]


class NoticeWindows(Protocol):
    """Per-audience windows of storm control: individual slots taken with conditional writes, the rest counted
    into the window's one roll-up exactly once (each with its notice marked, at once), and the roll-up delivered
    once the window is over."""

    def take(self, window: Window, wanted: int, limit: int) -> int:
        """Take up to `wanted` of the window's `limit` slots for individual notices (conditional writes); how many
        were taken (0 when all are)."""
        ...

    def roll_up(self, window: Window, notices: Notices, publish_at: datetime) -> RolledUp:
        """Count each still-pending notice into the window's roll-up, marking it rolled up in the same write; the
        roll-up becomes due at `publish_at`."""
        ...

    def lease(self, due: DueRollUp, until: datetime) -> Tally | None:
        """Take an owed roll-up for this run and close its window to new notices; what it counts, or None when
        another run took it."""
        ...

    def settle(self, window: Window, sent: bool, now: datetime, retry_at: datetime) -> None:
        """The roll-up was published (done for good), or not (due again at `retry_at`)."""
        ...


# ----- what the digests and reports read -----


class NoticeLog(Protocol):
    """The notices an audience received, and the complaints they are about."""

    def notices_for(self, audience: str, since: datetime, until: datetime) -> list[Notice]:
        """Notices for `audience` detected in [since, until), oldest first."""
        ...

    def complaints(self, ids: Sequence[str]) -> dict[str, Complaint]:
        """The readable complaints among `ids`."""
        ...


ReportRows = Mapping[str, Mapping[str, int]]


class ReportStore(Protocol):
    """A month's report counters (kept by the complaint store's writes)."""

    def rows(self, month: str) -> dict[str, dict[str, int]]:
        """Row name -> counters of a month."""
        ...

    def replace(self, month: str, rows: ReportRows) -> None:
        """Replace a month's rows (a rebuild)."""
        ...


# ----- doing things once -----


class Claims(Protocol):
    """Side effects that must happen once: claim -> do -> done, or release for a retry."""

    def claim(self, scope: str, name: str, now: datetime, lease: timedelta = LEASE, retry: Facts | None = None) -> bool:
        """Take (scope, name) for this run (a claim older than its lease may be taken again); with `retry`, keep
        those facts on the retry list until `done`."""
        ...

    def done(self, scope: str, name: str, now: datetime, facts: Mapping[str, object] | None = None) -> None:
        """It happened: never again, and off the retry list."""
        ...

    def release(self, scope: str, name: str, retry: Facts | None = None) -> None:
        """It failed: the next run may claim it again (it stays on the retry list; with `retry`, those facts are
        added to its entry there, e.g. the last failure, unless it is off the list already)."""
        ...

    def happened(self, scope: str, name: str) -> bool:
        """Whether (scope, name) is done (read consistently)."""
        ...

    def forget(self, scope: str, name: str) -> None:
        """Off the retry list: it turned out to be owed no longer."""
        ...

    def owed(self) -> list[dict[str, str]]:
        """The retry list: scope, name and the facts given with each claim."""
        ...


class Markers(Protocol):
    """Small named values the scheduled jobs keep between runs."""

    def get(self, name: str) -> str | None: ...

    def put(self, name: str, value: str) -> None: ...


# ----- the outside world -----


@dataclass(frozen=True)
class Delivery:
    """What a notifier did with a batch: the ids it delivered and those it did not."""

    delivered: frozenset[str]
    failed: frozenset[str]


class Notifier(Protocol):
    """Notices and roll-ups to the alerts topic."""

    def publish(self, notices: Sequence[Notice]) -> Delivery:
        """Publish every notice; never raises for a failure, it reports it."""
        ...

    def publish_rollup(self, rollup: RollUp) -> bool:
        """Publish one roll-up; False (never raises) when it was not taken."""
        ...


class OpsNotifier(Protocol):
    """Operator notices to the ops topic."""

    def publish(self, notice: OperatorNotice) -> bool:
        """Publish one operator notice; False when it was not taken."""
        ...


class SendFailed(Exception):
    """An HTTP request got no answer; `reason` names the kind of failure (ReadTimeoutError, ...), never the URL."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class HttpSender(Protocol):
    """POSTs to the channels' vendors (chat robots, PagerDuty, webhooks)."""

    def post(self, request: VendorRequest) -> Answer:
        """Send one request and return the answer; `SendFailed` when there is none. Never retries by itself."""
        ...


class RelayQueue(Protocol):
    """The queue the relay reads the alerts topic from."""

    def delay(self, delays: Mapping[str, int]) -> None:
        """Hide each received message (receipt handle -> seconds) for that long before its retry; a failure is
        logged, never raised (the message then comes back after the queue's visibility timeout)."""
        ...


# ----- precision timers -----

MAX_TIMER_DELAY = timedelta(seconds=900)
"""How far ahead one timer can be set (SQS's longest DelaySeconds)."""
TIMER_EARLY = timedelta(seconds=1)
"""How early a timer may arrive (its delay is rounded down to whole seconds): its consumer waits for the instant."""


@dataclass(frozen=True)
class Timer:
    """A reminder to look at one complaint at `at` (the instant its next threshold comes); `attempt` counts the
    times it was armed again because it arrived before its threshold was reached."""

    complaint_id: str
    at: datetime
    attempt: int = 1

    def delay(self, now: datetime) -> int:
        """The whole seconds the timer waits after `now` (SQS counts whole seconds): rounded down, so it arrives
        within the second before its instant and the consumer waits out the rest (`TIMER_EARLY`) rather than
        up to a second late; at most `MAX_TIMER_DELAY`, none when its instant has passed."""
        seconds = (self.at - now).total_seconds()
        return max(0, min(int(seconds), int(MAX_TIMER_DELAY.total_seconds())))

    def body(self) -> str:
        """The message body that carries this timer."""
        return json.dumps({"complaint_id": self.complaint_id, "at": self.at.isoformat(), "attempt": self.attempt})

    @classmethod
    def from_body(cls, body: str) -> Timer | None:
        """The timer a message body carries; None for a body that is not one (it is dropped: the scan covers it)."""
        try:
            data = json.loads(body)
            at = datetime.fromisoformat(str(data["at"]))
            timer = cls(str(data["complaint_id"]), at, int(data.get("attempt", 1)))
        except (ValueError, KeyError, TypeError):
            return None
        return timer if at.tzinfo is not None and timer.complaint_id else None


class TimerQueue(Protocol):
    """Delayed messages that bring a complaint back at its next threshold (the timers function consumes them)."""

    def arm(self, timers: Sequence[Timer], now: datetime) -> int:
        """Deliver each timer once its `at` has come (at most `MAX_TIMER_DELAY` after `now`; right away when it has
        passed); returns how many were taken. A failure is logged, never raised: the minute scan covers it."""
        ...


class Mailer(Protocol):
    """Emails through SES."""

    def send(
        self,
        recipients: Sequence[str],
        email: Email,
        reference: str,
        written_at: datetime,
        attachments: Sequence[tuple[str, bytes]] = (),
    ) -> str:
        """Send, dated `written_at` (the app's clock: a rehearsed date on the local stack); returns the message id.
        `Unavailable` when the mail service fails (nothing was sent)."""
        ...


class Clock(Protocol):
    """Where `now` comes from."""

    def now(self) -> datetime:
        """The current instant, timezone-aware."""
        ...
