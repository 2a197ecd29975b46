"""Escalation digests: the notices an audience received in a window + their complaints now -> the entries
still worth a manager's attention (breaches first by severity and lateness, then warnings by deadline) ->
an email's subject, plain text and HTML. Pure; customer details appear only masked, all text is escaped."""

from __future__ import annotations

import html
import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from chalicelib.domain.calendar import Calendar, CalendarNotCovered
from chalicelib.domain.clocks import LEVEL_ORDER, Clock, Level, current_level
from chalicelib.domain.model import Complaint
from chalicelib.domain.notices import Notice
from chalicelib.domain.operator import describe_failure
from chalicelib.domain.policy import PolicySet

log = logging.getLogger(__name__)
MAX_ENTRIES = 50
_SEVERITY = {Level.ESCALATION: 3, Level.MAJOR: 2, Level.MINOR: 1, Level.WARNING: 0}
_LEVEL_LABEL = {
    Level.ESCALATION: "ESCALATED",
    Level.MAJOR: "MAJOR breach",
    Level.MINOR: "minor breach",
    Level.WARNING: "warning",
}


def mask_name(name: str) -> str:
    """张三 -> 张*, John Smith -> J*** S****: the first letter of each part."""
    parts = name.split()
    if len(parts) > 1:
        return " ".join(part[0] + "*" * (len(part) - 1) for part in parts)
    return name[:1] + "*" * max(1, len(name) - 1) if name else ""


def mask_phone(phone: str) -> str:
    """13800138000 -> 138****8000: the first three and last four digits."""
    digits = [c for c in phone if c.isdigit()]
    if len(digits) < 8:
        return "*" * len(digits)
    return "".join(digits[:3]) + "*" * (len(digits) - 7) + "".join(digits[-4:])


def mask_email(email: str) -> str:
    """zhang.san@example.com -> z***@example.com."""
    local, _, domain = email.partition("@")
    return f"{local[:1]}***@{domain}"


@dataclass(frozen=True)
class DigestEntry:
    """One (complaint, clock) in a digest, as it stands when the digest is written."""

    complaint_id: str
    subject: str
    customer: str
    priority: str
    category: str
    clock: str
    level: Level
    deadline: datetime
    overdue_seconds: int
    remaining_seconds: int
    link: str

    @property
    def is_breach(self) -> bool:
        return self.level is not Level.WARNING


@dataclass(frozen=True)
class Digest:
    """A rendered digest email."""

    subject: str
    text: str
    html: str
    entries: tuple[DigestEntry, ...]


def _customer(complaint: Complaint) -> str:
    contact = complaint.customer
    parts = [mask_name(contact.name)]
    if contact.phone:
        parts.append(mask_phone(contact.phone))
    if contact.email:
        parts.append(mask_email(contact.email))
    return ", ".join(parts)


def _working_seconds(calendar: Calendar, start: datetime, end: datetime) -> int:
    try:
        return round(calendar.measure(start, end))
    except CalendarNotCovered:
        return round((end - start).total_seconds())


def digest_entries(
    notices: Iterable[Notice], complaints: Mapping[str, Complaint], now: datetime, policies: PolicySet, base_url: str
) -> list[DigestEntry]:
    """The entries of a digest: per (complaint, clock) noticed, the level it stands at now, if the clock is
    still running or paused in that cycle; breaches first (most severe, then most overdue), then warnings
    (soonest deadline first)."""
    highest: dict[tuple[str, str, int], Notice] = {}
    for notice in notices:
        key = (notice.complaint_id, notice.clock, notice.cycle)
        known = highest.get(key)
        if known is None or LEVEL_ORDER.index(notice.level) > LEVEL_ORDER.index(known.level):
            highest[key] = notice
    entries = []
    for (complaint_id, clock_name, cycle_number), notice in highest.items():
        complaint = complaints.get(complaint_id)
        clock = complaint.clocks.get(clock_name) if complaint else None
        if complaint is None or clock is None or clock.cycle is None or clock.cycle.number != cycle_number:
            continue
        try:
            entry = _entry(complaint, clock, notice.level, now, policies, base_url)
        except Exception as exc:  # noqa: BLE001 - one complaint that cannot be evaluated never stops the digest
            log.error("complaint %s left out of a digest: %s", complaint_id, describe_failure(exc))
            continue
        if entry is not None:
            entries.append(entry)
    entries.sort(key=lambda e: (-_SEVERITY[e.level], -e.overdue_seconds, e.deadline, e.complaint_id))
    return entries


def _entry(
    complaint: Complaint, clock: Clock, noticed: Level, now: datetime, policies: PolicySet, base_url: str
) -> DigestEntry | None:
    cycle = clock.cycle
    if cycle is None or not clock.active or cycle.deadline is None:
        return None
    calendar = policies.calendar(clock.calendar)
    moment = cycle.paused_at or now
    level = noticed
    reached = current_level(clock, now)
    if reached is not None and LEVEL_ORDER.index(reached) > LEVEL_ORDER.index(level):
        level = reached
    return DigestEntry(
        complaint_id=complaint.id,
        subject=complaint.subject,
        customer=_customer(complaint),
        priority=complaint.priority.value,
        category=complaint.category.value,
        clock=clock.name,
        level=level,
        deadline=cycle.deadline.astimezone(policies.display.tz),
        overdue_seconds=_working_seconds(calendar, cycle.deadline, moment) if moment > cycle.deadline else 0,
        remaining_seconds=_working_seconds(calendar, moment, cycle.deadline) if moment < cycle.deadline else 0,
        link=f"{base_url.rstrip('/')}/complaints/{complaint.id}",
    )


def _span(seconds: int) -> str:
    hours, rest = divmod(seconds // 60, 60)
    return f"{hours} h {rest:02d} min" if hours else f"{rest} min"


def render(audience: str, title: str, entries: list[DigestEntry], window: tuple[datetime, datetime]) -> Digest:
    """The email for `audience`: subject, plain text and HTML (every value escaped); at most `MAX_ENTRIES`
    entries (the most severe, as `digest_entries` orders them), then how many more there are."""
    breaches = sum(1 for e in entries if e.is_breach)
    warnings = len(entries) - breaches
    more = max(0, len(entries) - MAX_ENTRIES)
    entries = entries[:MAX_ENTRIES]
    subject = f"[complaint SLA] {title} for {audience}: {breaches} breached, {warnings} about to breach"
    start, end = window
    heading = f"{title} for {audience}, {start:%Y-%m-%d %H:%M} to {end:%Y-%m-%d %H:%M %z}"
    lines = [heading, ""]
    rows = []
    for entry in entries:
        timing = (
            f"{_span(entry.overdue_seconds)} overdue"
            if entry.overdue_seconds
            else f"{_span(entry.remaining_seconds)} left"
        )
        what = f"{entry.clock} of {entry.complaint_id} ({entry.priority}, {entry.category})"
        lines.append(f"- {_LEVEL_LABEL[entry.level]}: {what} deadline {entry.deadline:%Y-%m-%d %H:%M}, {timing}")
        lines.append(f"  {entry.subject} / {entry.customer}")
        lines.append(f"  {entry.link}")
        cells = [
            _LEVEL_LABEL[entry.level],
            entry.clock,
            f"{entry.deadline:%Y-%m-%d %H:%M}",
            timing,
            f"{entry.priority} / {entry.category}",
            entry.subject,
            entry.customer,
        ]
        row = "".join(f"<td>{html.escape(cell)}</td>" for cell in cells)
        link = f'<td><a href="{html.escape(entry.link, quote=True)}">{html.escape(entry.complaint_id[:8])}</a></td>'
        rows.append(f"<tr>{link}{row}</tr>")
    header = "".join(
        f"<th>{name}</th>"
        for name in ("Complaint", "Level", "Clock", "Deadline", "Timing", "Priority / category", "Subject", "Customer")
    )
    tail = f"... and {more} more, not listed here: see the console." if more else ""
    if tail:
        lines.append(tail)
    body = (
        '<!DOCTYPE html><html><head><meta charset="utf-8"></head><body>'
        f"<h2>{html.escape(heading)}</h2>"
        f"<p>{breaches} breached, {warnings} about to breach.</p>"
        f'<table border="1" cellpadding="4" cellspacing="0"><tr>{header}</tr>{"".join(rows)}</table>'
        + (f"<p>{html.escape(tail)}</p>" if tail else "")
        + "</body></html>"
    )
    return Digest(subject=subject, text="\n".join(lines) + "\n", html=body, entries=tuple(entries))


def hourly_slots(calendar: Calendar, hour_end: datetime, lookback_hours: int = 96) -> tuple[bool, datetime]:
    """Whether the hour ending at `hour_end` gets an hourly digest (the calendar was open in it), and where its
    window starts: the end of the previous hour that got one, so closed hours' notices are not skipped."""

    def had_open_time(end: datetime) -> bool:
        try:
            return calendar.measure(end - timedelta(hours=1), end) > 0
        except CalendarNotCovered:
            return True

    if not had_open_time(hour_end):
        return False, hour_end
    start = hour_end - timedelta(hours=1)
    for _ in range(lookback_hours):
        if had_open_time(start):
            break
        start -= timedelta(hours=1)
    return True, start
