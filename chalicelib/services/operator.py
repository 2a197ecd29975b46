"""Tell the operator: an operator notice -> claimed once by its id -> published on the ops topic -> recorded as
done; a failed publish releases the claim so that the next run that has the same news tries again."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from chalicelib.domain.operator import OperatorNotice
from chalicelib.ports import Claims, OpsNotifier

log = logging.getLogger(__name__)


@dataclass(eq=False)
class OperatorAlerts:
    """Operator notices, each sent once."""

    claims: Claims
    notifier: OpsNotifier

    def tell(self, notice: OperatorNotice, now: datetime) -> bool:
        """Send the notice unless it was sent already (or is being sent); True when this call sent it."""
        if not self.claims.claim("operator", notice.notice_id, now):
            return False
        if not self.notifier.publish(notice):
            self.claims.release("operator", notice.notice_id)
            return False
        self.claims.done("operator", notice.notice_id, now, {"topic": notice.topic})
        log.warning("operator notice %s sent: %s", notice.notice_id, notice.subject)
        return True

    def told(self, notice: OperatorNotice) -> bool:
        """Whether the notice was sent already (by this run or an earlier one)."""
        return self.claims.happened("operator", notice.notice_id)
