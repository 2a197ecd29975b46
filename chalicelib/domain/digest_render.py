"""Digest rendering: the entries of a digest -> the email (subject, plain text, HTML; every value escaped), at most
`MAX_ENTRIES` entries and then how many more there are. Pure."""

from __future__ import annotations

import html
from datetime import datetime

from chalicelib.domain.digest import DigestEntry
from chalicelib.domain.durations import spoken
from chalicelib.domain.messages import Email
from chalicelib.domain.vocabulary import Level

MAX_ENTRIES = 50
_LEVEL_LABEL = {
    Level.ESCALATION: "ESCALATED",
    Level.MAJOR: "MAJOR breach",
    Level.MINOR: "minor breach",
    Level.WARNING: "warning",
}


def render(audience: str, title: str, entries: list[DigestEntry], window: tuple[datetime, datetime]) -> Email:
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
            f"{spoken(entry.overdue_seconds)} overdue"
            if entry.overdue_seconds
            else f"{spoken(entry.remaining_seconds)} left"
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
    return Email(subject=subject, text="\n".join(lines) + "\n", html=body)
