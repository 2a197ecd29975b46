"""The vocabulary: every enumerated value of the domain, written once. Models, validation, views, the policy file
and the OpenAPI document all take their values from here (the Chinese words in parentheses are the letters')."""

from __future__ import annotations

from collections.abc import Callable
from enum import StrEnum


class Category(StrEnum):
    """Complaint categories of the letters: policy & service behaviour, staff conduct, product quality; and a
    customer's suggestion for improvement (000 letter 5: evaluated and answered within 30 days)."""

    SERVICE = "service"
    STAFF = "staff"
    PRODUCT_QUALITY = "product_quality"
    SUGGESTION = "suggestion"


class Priority(StrEnum):
    """紧急 / 重要 / 一般."""

    URGENT = "urgent"
    IMPORTANT = "important"
    GENERAL = "general"


class Complexity(StrEnum):
    GENERAL = "general"
    COMPLEX = "complex"


class Channel(StrEnum):
    """How the complaint reached us."""

    WEB_FORM = "web_form"
    PHONE = "phone"
    EMAIL = "email"
    CHAT = "chat"
    IN_PERSON = "in_person"
    OTHER = "other"


class Status(StrEnum):
    """Where a complaint is in its life: open until resolved, closed on the customer's confirmation."""

    OPEN = "open"
    RESOLVED = "resolved"
    CLOSED = "closed"


class ClockName(StrEnum):
    """The deadlines a policy can give a complaint."""

    FIRST_RESPONSE = "first_response"
    RESOLUTION = "resolution"
    PROGRESS_UPDATE = "progress_update"
    SITE_VISIT = "site_visit"
    FOLLOW_UP = "follow_up"
    HANDOFF = "handoff"
    APPROVAL = "approval"
    ANSWER = "answer"
    REPLY = "reply"
    PLAN = "plan"
    DISPATCH = "dispatch"


class Flag(StrEnum):
    """Yes/no facts of a complaint, set at intake (signed sources) or by `triage`; policies match on them."""

    CROSS_DEPARTMENT = "cross_department"
    WARRANTY = "warranty"
    REMOTE_AREA = "remote_area"


class EventType(StrEnum):
    """Everything an audit trail records: intake, staff events, notices and recomputed deadlines."""

    RECEIVED = "received"
    RESPOND = "respond"
    PROGRESS_UPDATE = "progress_update"
    SITE_VISIT = "site_visit"
    ASSIGN = "assign"
    RESOLVE = "resolve"
    CONFIRM = "confirm"
    REOPEN = "reopen"
    PAUSE = "pause"
    RESUME = "resume"
    SATISFACTION = "satisfaction"
    NOTE = "note"
    NOTICE = "notice"
    RECOMPUTED = "recomputed"
    HANDOFF = "handoff"
    APPROVE = "approve"
    PLAN = "plan"
    DISPATCH = "dispatch"
    REPLY = "reply"
    AGREE = "agree"
    TRIAGE = "triage"
    ERASE = "erase"


CLOCK_EVENTS: tuple[EventType, ...] = (
    EventType.RECEIVED,
    EventType.RESPOND,
    EventType.PROGRESS_UPDATE,
    EventType.SITE_VISIT,
    EventType.RESOLVE,
    EventType.CONFIRM,
    EventType.REOPEN,
    EventType.HANDOFF,
    EventType.APPROVE,
    EventType.PLAN,
    EventType.DISPATCH,
    EventType.REPLY,
)
"""The events a policy's clock rules can name (they start, stop or end clocks)."""

NOTIFY_EVENTS: tuple[EventType, ...] = (*CLOCK_EVENTS, EventType.AGREE)
"""The events a policy's `notify` rules can name (a notice on the event itself, not on a breach)."""

STAFF_EVENTS: tuple[EventType, ...] = (
    EventType.RESPOND,
    EventType.PROGRESS_UPDATE,
    EventType.SITE_VISIT,
    EventType.HANDOFF,
    EventType.APPROVE,
    EventType.PLAN,
    EventType.DISPATCH,
    EventType.REPLY,
    EventType.ASSIGN,
    EventType.RESOLVE,
    EventType.CONFIRM,
    EventType.REOPEN,
    EventType.PAUSE,
    EventType.RESUME,
    EventType.AGREE,
    EventType.TRIAGE,
    EventType.SATISFACTION,
    EventType.NOTE,
)
"""The events staff post to a complaint."""


class PauseReason(StrEnum):
    WAITING_ON_CUSTOMER = "waiting_on_customer"
    FORCE_MAJEURE = "force_majeure"


class Audience(StrEnum):
    """Who hears of a notice (SNS subscriptions filter on it)."""

    ASSIGNEE = "assignee"
    ON_CALL = "on_call"
    REGIONAL_MANAGER = "regional_manager"
    MARKETING_DIRECTOR = "marketing_director"
    GENERAL_MANAGER = "general_manager"
    MANAGEMENT_REP = "management_rep"


class Level(StrEnum):
    """Notice levels: those a running clock reaches, in that order; and `report`, a notice on an event (a policy's
    `notify` rule), which is no breach."""

    WARNING = "warning"
    MINOR = "minor"
    MAJOR = "major"
    ESCALATION = "escalation"
    REPORT = "report"


class NoticeType(StrEnum):
    """What a notice is about: a clock reaching a level, the end of a notified clock cycle, or an event the policy
    asks to be told of."""

    BREACH = "breach"
    RESOLVED = "resolved"
    EVENT = "event"


class AlertChannelKind(StrEnum):
    """Where the relay delivers notices besides SNS subscriptions: chat robots, a pager, any webhook."""

    WECOM = "wecom"
    DINGTALK = "dingtalk"
    FEISHU = "feishu"
    SLACK = "slack"
    PAGERDUTY = "pagerduty"
    WEBHOOK = "webhook"


class DigestKind(StrEnum):
    """The escalation digests: the hourly digest (each hour the office calendar was open) and the daily summary
    (the last day, at the policy's daily hour). The value also begins the digest window's claim name."""

    HOURLY = "hourly"
    DAILY = "daily"


class SendFailure(StrEnum):
    """Why a customer's email (the acknowledgement) did not go out, as the operator is told when it is given up."""

    MAIL_REFUSED = "mail_refused"
    COMPLAINT_UNREADABLE = "complaint_unreadable"


class Grade(StrEnum):
    """How a clock stands: within its time, warned, breached (minor), breached (major)."""

    OK = "ok"
    WARNING = "warning"
    MINOR = "minor"
    MAJOR = "major"


class ClockState(StrEnum):
    RUNNING = "running"
    PAUSED = "paused"
    MET = "met"
    BREACHED = "breached"
    STOPPED = "stopped"


class Weekday(StrEnum):
    """Weekdays as the policy file writes them, Monday first (the index is Python's weekday())."""

    MON = "mon"
    TUE = "tue"
    WED = "wed"
    THU = "thu"
    FRI = "fri"
    SAT = "sat"
    SUN = "sun"

    @property
    def number(self) -> int:
        """0 for Monday .. 6 for Sunday, as `date.weekday()` counts."""
        return list(Weekday).index(self)


def choices(members: tuple[StrEnum, ...]) -> str:
    """The values of `members` as a message lists them: `a, b or c`."""
    values = [member.value for member in members]
    return values[0] if len(values) == 1 else ", ".join(values[:-1]) + " or " + values[-1]


def member_of(members: tuple[EventType, ...]) -> Callable[[object], object]:
    """A validator for a subset of the event types: the value must be one of `members` (as text)."""
    allowed = {member.value for member in members}

    def check(value: object) -> object:
        if not isinstance(value, str) or value not in allowed:
            raise ValueError(f"must be {choices(members)}")
        return value

    return check


def enum_schema(members: tuple[StrEnum, ...]) -> dict[str, object]:
    """The JSON schema of a subset of an enum's values."""
    return {"type": "string", "enum": [member.value for member in members]}


CUSTOMER = "customer"
"""Who the audit trail names for what the customer did on the status page (confirm, reopen, survey): a name no
staff token may carry."""
