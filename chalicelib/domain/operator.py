"""Operator notices: what the people who run the system must hear (a complaint quarantined because it cannot be
evaluated, a calendar about to run out of confirmed holiday data) -> one message for the ops topic. Pure; a
failure is described by its kind and place only, never by a value it quoted (values can be customer details).
"""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta

from pydantic import BaseModel, ConfigDict, ValidationError

from chalicelib.domain.calendar import CalendarNotCovered
from chalicelib.domain.links import console_link

RETRY_MINUTES = (5, 15, 60)


class Quarantine(BaseModel):
    """A complaint the scanner could not evaluate: why (no customer data), since when, how often, next try."""

    model_config = ConfigDict(frozen=True)

    error: str
    since: datetime
    attempts: int
    retry_at: datetime


def quarantined(previous: Quarantine | None, error: str, now: datetime) -> Quarantine:
    """The quarantine after one more failed evaluation at `now`: retried after 5, 15, then every 60 minutes."""
    attempts = 1 if previous is None else previous.attempts + 1
    wait = RETRY_MINUTES[min(attempts, len(RETRY_MINUTES)) - 1]
    since = now if previous is None else previous.since
    return Quarantine(error=error, since=since, attempts=attempts, retry_at=now + timedelta(minutes=wait))


def describe_failure(error: BaseException) -> str:
    """What went wrong, fit for a log line, a notice and the API: the kind of error and where, no values."""
    if isinstance(error, CalendarNotCovered):
        return str(error)
    if isinstance(error, ValidationError):
        places = sorted({".".join(str(part) for part in item["loc"]) or "(item)" for item in error.errors()})
        shown = ", ".join(places[:5]) + (f" and {len(places) - 5} more" if len(places) > 5 else "")
        return f"the stored complaint does not match the current model at {shown}"
    if isinstance(error, json.JSONDecodeError):
        return "the stored complaint holds malformed JSON"
    return f"{type(error).__name__} while evaluating the complaint's clocks"


class OperatorNotice(BaseModel):
    """One message to the ops topic; `notice_id` is stable, so a retried publish is recognisable."""

    model_config = ConfigDict(frozen=True)

    kind: str = "operator"
    notice_id: str
    topic: str
    subject: str
    summary: str
    detected_at: str
    complaint_id: str | None = None
    calendar: str | None = None
    days_left: int | None = None
    link: str | None = None

    def message(self) -> dict[str, object]:
        """The SNS message body (JSON)."""
        return self.model_dump(mode="json", exclude_none=True)

    def attributes(self) -> dict[str, str]:
        """SNS message attributes subscriptions filter on."""
        return {"kind": self.kind, "topic": self.topic}


def quarantine_notice(complaint_id: str, quarantine: Quarantine, base_url: str) -> OperatorNotice:
    """The operator notice sent once when a complaint is first quarantined."""
    return OperatorNotice(
        notice_id=f"{complaint_id}.quarantine",
        topic="quarantine",
        subject=f"[complaint SLA] complaint {complaint_id[:8]} cannot be evaluated and is quarantined",
        summary=(
            f"Complaint {complaint_id} could not be evaluated ({quarantine.error}). Its notices are held; the "
            f"scanner retries it (next at {quarantine.retry_at.isoformat()}) and every other complaint goes on."
        ),
        detected_at=quarantine.since.isoformat(),
        complaint_id=complaint_id,
        link=console_link(base_url, complaint_id),
    )


def horizon_notice(calendar: str, last_confirmed: date, today: date, now: datetime) -> OperatorNotice:
    """The weekly operator notice while a calendar is within 60 days of its last confirmed day."""
    days_left = (last_confirmed - today).days
    year = last_confirmed.year + 1
    when = f"in {days_left} days" if days_left > 0 else "now" if days_left == 0 else f"{-days_left} days ago"
    return OperatorNotice(
        notice_id=f"calendar.{calendar}.{today.isocalendar().year}-W{today.isocalendar().week:02d}",
        topic="calendar_horizon",
        subject=f"[complaint SLA] calendar {calendar}: confirmed holiday data ends {last_confirmed.isoformat()}",
        summary=(
            f"Calendar {calendar!r} has confirmed working days through {last_confirmed.isoformat()} ({when}). "
            f"Deadlines in {year} are provisional (statutory holidays only) until {year}'s adjusted working days "
            f"are confirmed: upgrade the holidays package once it has them, or declare {year} under "
            f"calendars.{calendar}.confirmed_years in the policy file. Open complaints are then recomputed."
        ),
        detected_at=now.isoformat(),
        calendar=calendar,
        days_left=days_left,
    )
