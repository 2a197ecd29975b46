"""Monthly service-quality report: read (the month's counter rows -> report), rebuild (audit trails -> rows),
and the monthly email to management (one screen wide, in the policy's language, the customers who may terminate
named by links to their complaints in the console; CSV attached), sent once per month."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from chalicelib.domain.errors import FieldError, InvalidFields, Unavailable
from chalicelib.domain.links import console_link
from chalicelib.domain.model import AuditEvent, Complaint
from chalicelib.domain.notice_texts import notice_subject
from chalicelib.domain.operator import describe_failure
from chalicelib.domain.policy import PolicySet
from chalicelib.domain.report import build_report, rebuild
from chalicelib.domain.report_render import ComplaintLink, render_report, to_csv
from chalicelib.domain.vocabulary import Status
from chalicelib.ports import Claims, ComplaintStore, Mailer, ReportStore

log = logging.getLogger(__name__)
RETRY_DAYS = 7
MONTH = re.compile(r"^(?P<year>20[0-9]{2})-(?P<month>0[1-9]|1[0-2])$")


def month_bounds(month: str, policies: PolicySet) -> tuple[datetime, datetime]:
    """The instants a month (in the policy's zone) starts and ends."""
    year, number = int(month[:4]), int(month[5:])
    zone = policies.display.tz
    start = datetime(year, number, 1, tzinfo=zone)
    end = datetime(year + (number == 12), number % 12 + 1, 1, tzinfo=zone)
    return start, end


def previous_month(now: datetime, policies: PolicySet) -> str:
    local = now.astimezone(policies.display.tz)
    year, number = (local.year, local.month - 1) if local.month > 1 else (local.year - 1, 12)
    return f"{year:04d}-{number:02d}"


@dataclass(eq=False)
class ReportService:
    """Serves, rebuilds and emails monthly reports."""

    store: ReportStore
    complaints: ComplaintStore
    claims: Claims
    mailer: Mailer
    policies: PolicySet
    base_url: str = ""

    def check_month(self, month: str | None, now: datetime) -> str:
        """A YYYY-MM month that has begun, or InvalidFields."""
        if month is None or not MONTH.match(month):
            raise InvalidFields([FieldError("month", "must be a month like 2026-11")])
        if month_bounds(month, self.policies)[0] > now:
            raise InvalidFields([FieldError("month", "is in the future")])
        return month

    def report(self, month: str) -> dict[str, Any]:
        """The month's report from its live counters."""
        return build_report(month, self.store.rows(month), self.policies.file.satisfaction)

    def recompute(self, month: str) -> dict[str, Any]:
        """Rebuild the month's counters from the audit trails of the complaints received in it."""
        start, end = month_bounds(month, self.policies)
        rows = rebuild(self._received(start, end))
        self.store.replace(month, rows)
        return build_report(month, rows, self.policies.file.satisfaction)

    def _received(self, start: datetime, end: datetime) -> Iterator[tuple[Complaint, list[AuditEvent]]]:
        """Every complaint received in [start, end), with its audit trail; one whose trail cannot be read is left
        out (and logged)."""
        for complaint, _ in self.complaints.browse(tuple(Status), start, end):
            if complaint.received_at >= end:
                continue
            try:
                yield complaint, self.complaints.trail(complaint.id)
            except ValueError as exc:
                log.error("complaint %s left out of the rebuild: %s", complaint.id, describe_failure(exc))

    def _flagged_complaints(self, month: str, report: dict[str, Any]) -> dict[str, list[ComplaintLink]]:
        """Per customer the report flags (by pseudonym), the complaints received that month, as console links."""
        keys = {str(customer["customer"]) for customer in report["customers_flagged"]}
        if not keys:
            return {}
        start, end = month_bounds(month, self.policies)
        found: dict[str, list[ComplaintLink]] = {}
        for complaint, _ in self.complaints.browse(tuple(Status), start, end):
            if complaint.customer_key in keys and complaint.received_at < end:
                link = ComplaintLink(notice_subject(complaint), console_link(self.base_url, complaint.id))
                found.setdefault(complaint.customer_key, []).append(link)
        return found

    def send_monthly(self, now: datetime) -> str | None:
        """Email last month's report to management, once, in the first week of the month (a day that failed
        is made good by the next); returns the month sent, if any."""
        recipients = self.policies.file.digests.monthly_report_to
        if not recipients or now.astimezone(self.policies.display.tz).day > RETRY_DAYS:
            return None
        month = previous_month(now, self.policies)
        window = f"monthly#{month}"
        if not self.claims.claim("management", window, now):
            return None
        report = self.report(month)
        total = report["total"]
        email = render_report(report, self._flagged_complaints(month, report), self.policies.file.language)
        attachment = (f"service-quality-{month}.csv", to_csv(report).encode("utf-8"))
        try:
            message_id = self.mailer.send(recipients, email, window, now, attachments=[attachment])
        except Unavailable:
            self.claims.release("management", window)
            raise
        self.claims.done("management", window, now, {"message_id": message_id, "entries": int(total["received"])})
        return month
