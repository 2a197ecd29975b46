"""Watch the calendars: the policy's calendars at `now` -> days left of confirmed holiday data per calendar
(a metric), a weekly operator notice from 60 days before the last confirmed day; and, when the set of confirmed
years has changed since the last run (a newer holidays package, or a year declared in the policy), the open
complaints' provisional deadlines computed again, each change in the complaint's audit trail.

Cost follows work: one marker read per run; the open complaints are read only when a confirmation changed.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import date, datetime

from chalicelib.domain.confirmation import confirm_provisional
from chalicelib.domain.operator import describe_failure, horizon_notice
from chalicelib.domain.policy import PolicySet
from chalicelib.domain.vocabulary import Status
from chalicelib.ports import ComplaintStore, Markers, UnreadableComplaint
from chalicelib.services.operator import OperatorAlerts

log = logging.getLogger(__name__)
WARN_DAYS = 60
MARKER = "confirmed-years"
ATTEMPTS = 3


@dataclass
class CalendarReport:
    """What one run found and did."""

    days_left: dict[str, int] = field(default_factory=dict)
    warned: list[str] = field(default_factory=list)
    recomputed: int = 0
    checked: int = 0
    failed: int = 0


@dataclass(eq=False)
class CalendarWatch:
    """One scheduled run over the policy's calendars."""

    store: ComplaintStore
    markers: Markers
    operator: OperatorAlerts
    policies: PolicySet

    def horizon(self, today: date) -> dict[str, tuple[date, int]]:
        """Per calendar with a holiday schedule: its last confirmed day and the days left until it."""
        found = {}
        for name, calendar in self.policies.calendars.items():
            last = calendar.confirmed_through(today)
            if last is not None:
                found[name] = (last, (last - today).days)
        return found

    def confirmed_years(self, today: date) -> str:
        """Which years around `today` each calendar counts as confirmed: the marker the recompute compares."""
        years = range(today.year - 1, today.year + 6)
        return ";".join(
            f"{name}:" + ",".join(str(year) for year in years if calendar.is_confirmed(year))
            for name, calendar in sorted(self.policies.calendars.items())
        )

    def run(self, now: datetime) -> CalendarReport:
        """Warn of the cliff (weekly) and recompute provisional deadlines once years are confirmed."""
        report = CalendarReport()
        now = now.astimezone(self.policies.display.tz)
        today = now.date()
        for name, (last, days_left) in self.horizon(today).items():
            report.days_left[name] = days_left
            if days_left <= WARN_DAYS:
                log.warning(
                    "calendar %s: confirmed holiday data ends %s, %d days from today; later deadlines are provisional",
                    name,
                    last.isoformat(),
                    days_left,
                )
                if self.operator.tell(horizon_notice(name, last, today, now, self.policies.file.language), now):
                    report.warned.append(name)
        confirmed = self.confirmed_years(today)
        if self.markers.get(MARKER) != confirmed:
            self._recompute(now, report)
            if not report.failed:
                self.markers.put(MARKER, confirmed)
        return report

    def _recompute(self, now: datetime, report: CalendarReport) -> None:
        for complaint, _ in self.store.browse((Status.OPEN, Status.RESOLVED), None, None):
            report.checked += 1
            try:
                if self._confirm(complaint.id, now):
                    report.recomputed += 1
            except UnreadableComplaint as exc:
                log.error("complaint %s not recomputed: %s", exc.complaint_id, exc.reason)
            except Exception as exc:  # noqa: BLE001 - one complaint never stops the others
                report.failed += 1
                log.error("complaint %s not recomputed: %s", complaint.id, describe_failure(exc))
        if report.recomputed:
            log.warning("provisional deadlines recomputed for %d complaints", report.recomputed)

    def _confirm(self, complaint_id: str, now: datetime) -> bool:
        """Recompute one complaint, re-reading it when a staff change or the scanner wrote it meanwhile."""
        for _ in range(ATTEMPTS):
            complaint = self.store.get(complaint_id)
            if complaint is None:
                return False
            changed = confirm_provisional(complaint, self.policies.calendars, self.policies.display, now)
            if changed is None:
                return False
            updated, event = changed
            if self.store.save(complaint, updated, event):
                log.info("complaint %s: provisional deadlines recomputed", complaint_id)
                return True
        raise RuntimeError("the complaint kept changing while it was recomputed")
