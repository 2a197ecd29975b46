"""The one way notices leave: notices (each with its attempt number) -> published to the alerts topic -> the
delivered ones marked sent, the others due again a second later for the next scan. The scanner's breaches and the
workflow's resolved notices both go out through here, so a notice is published and settled the same way."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime, timedelta

from chalicelib.domain.errors import Unavailable
from chalicelib.ports import Delivery, DueIndex, Notifier, Outgoing

log = logging.getLogger(__name__)
RETRY_AFTER = timedelta(seconds=1)


class Outbox:
    """Publishes notices that are stored pending, and settles them."""

    def __init__(self, notifier: Notifier, due: DueIndex) -> None:
        self._notifier = notifier
        self._due = due

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
        return outcome
