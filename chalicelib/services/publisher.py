"""The one way notices leave. Notices (each with its attempt number) -> published to the alerts topic -> the
delivered ones marked sent, the others due again a second later for the next scan. The scanner's breaches go out
through `deliver`; intake and staff events first ask `owed_on` what their change owes (the policy's notify rules on
the event, the resolve of each notified clock cycle it ended), write that outbox with the change itself, then
`deliver` it: a notice is stored before it is published, and published and settled the same way whoever owes it."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime, timedelta

from chalicelib.domain.errors import Unavailable
from chalicelib.domain.model import AuditEvent, Complaint
from chalicelib.domain.notices import event_notices, notice_events
from chalicelib.domain.policy import PolicySet
from chalicelib.domain.resolutions import resolved_notices
from chalicelib.domain.vocabulary import EventType
from chalicelib.ports import LEASE, Delivery, DueIndex, Notifier, Outbox, Outgoing

log = logging.getLogger(__name__)
RETRY_AFTER = timedelta(seconds=1)


class Publisher:
    """Says what a change owes, publishes notices that are stored pending, and settles them."""

    def __init__(self, notifier: Notifier, due: DueIndex, policies: PolicySet, base_url: str) -> None:
        self._notifier = notifier
        self._due = due
        self._policies = policies
        self._base_url = base_url

    def owed_on(
        self, after: Complaint, event: AuditEvent, now: datetime, before: Complaint | None = None
    ) -> tuple[Complaint, Outbox | None]:
        """The notices the change to `after` by `event` owes (from `before`, for a staff event): the policy's notify
        rules on the event (a triage that newly matches a rule counts as its receipt) and a resolve per audience of
        each notified clock cycle the change ended. As an outbox for the change's own write, with their audit
        entries, leased until they are delivered; and the complaint counting those entries. None when nothing is
        owed."""
        facts_before = before.facts() if before is not None and event.type is EventType.TRIAGE else None
        notices = event_notices(after, event, self._policies, self._base_url, facts_before)
        if before is not None:
            notices += resolved_notices(before, after, now, self._policies, self._base_url)
        if not notices:
            return after, None
        events = notice_events(after, notices)
        counted = after.model_copy(update={"event_count": after.event_count + len(events)})
        return counted, Outbox(notices, events, now + LEASE)

    def deliver(self, outgoing: Sequence[Outgoing], now: datetime) -> Delivery:
        """Publish and settle; what could not be settled stays pending under its lease, and a later scan delivers
        it again (the relay and the subscribers see a notice id at most once more, never zero times)."""
        if not outgoing:
            return Delivery(frozenset(), frozenset())
        outcome = self._notifier.publish([notice for notice, _ in outgoing])
        try:
            self._due.settle(
                [(notice, attempt) for notice, attempt in outgoing if notice.notice_id in outcome.delivered],
                [(notice, attempt) for notice, attempt in outgoing if notice.notice_id not in outcome.delivered],
                now,
                now + RETRY_AFTER,
            )
        except Unavailable:
            log.warning("%d notices published but not settled; a scan settles them after their lease", len(outgoing))
        if outcome.failed:
            log.warning("%d notices not published; a scan retries them", len(outcome.failed))
        return outcome

    def deliver_written(self, outbox: Outbox | None, now: datetime) -> None:
        """Deliver the outbox a change has just written (nothing when it owed nothing)."""
        if outbox is not None:
            self.deliver([(notice, 1) for notice in outbox.notices], now)
