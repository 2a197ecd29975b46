"""The customer's receipt: a token only the customer holds (at least 128 bits, made by the intake service) -> its
digest (what is stored and looked up, never the token), the link to the status page, how long the link stays
open (90 days after the complaint is closed), the promises in words, the public timeline and the acknowledgement
email. Pure: the token is passed in, `now` is passed in.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from html import escape
from zoneinfo import ZoneInfo

from chalicelib.domain.durations import spoken
from chalicelib.domain.messages import Email
from chalicelib.domain.model import AuditEvent, Complaint
from chalicelib.domain.vocabulary import CUSTOMER, ClockName, ClockState, EventType, PauseReason, Status
from chalicelib.domain.words import Language, word

RECEIPT_PATH = "/r/"
TOKEN_BYTES = 18  # 144 bits; urlsafe base64 -> 24 characters
TOKEN_PATTERN = re.compile(r"^[A-Za-z0-9_-]{24,64}$")
LIFETIME = timedelta(days=90)
PUBLIC_EVENTS = (
    EventType.RECEIVED,
    EventType.RESPOND,
    EventType.SITE_VISIT,
    EventType.PROGRESS_UPDATE,
    EventType.PLAN,
    EventType.DISPATCH,
    EventType.REPLY,
    EventType.RESOLVE,
    EventType.CONFIRM,
    EventType.REOPEN,
    EventType.SATISFACTION,
)
"""What the customer's timeline shows: what was done for them, never who did it, notes, assignments or notices."""
PROMISED = (ClockName.FIRST_RESPONSE, ClockName.RESOLUTION, ClockName.SITE_VISIT, ClockName.PLAN, ClockName.REPLY)
"""The deadlines the status page and the acknowledgement promise the customer, in this order."""


def digest(token: str) -> str:
    """What is stored for a token (SHA-256, hex): a leaked table gives no working link."""
    return hashlib.sha256(token.encode("ascii")).hexdigest()


def well_formed(token: str) -> bool:
    """Whether a path segment could be a token at all (anything else is a 404 without a read)."""
    return bool(TOKEN_PATTERN.match(token))


def receipt_url(base_url: str, token: str) -> str:
    """The customer's status page."""
    return f"{base_url.rstrip('/')}{RECEIPT_PATH}{token}"


def expired(complaint: Complaint, now: datetime) -> bool:
    """A link works until 90 days after the complaint was closed (a reopened complaint's link works again)."""
    return (
        complaint.status is Status.CLOSED and complaint.closed_at is not None and now >= complaint.closed_at + LIFETIME
    )


@dataclass(frozen=True)
class Promise:
    """A deadline in words: what, within how long, by when (policy time zone); how it stands: `state` is the clock's
    (met in time, met after its deadline = breached, stopped without being judged, or still open), `overdue` when
    it is still open and its deadline is at or before the moment the words are made."""

    clock: ClockName
    within: str
    by: str | None
    state: ClockState
    overdue: bool = False
    paused_for: str | None = None  # why its clock is paused (a PauseReason value), while it is

    @property
    def kept(self) -> bool:
        """Met by its deadline: the only promise that earns a tick."""
        return self.state is ClockState.MET

    @property
    def late(self) -> bool:
        """Met, but after its deadline."""
        return self.state is ClockState.BREACHED


def _when(moment: datetime, zone: ZoneInfo, language: Language) -> str:
    local = moment.astimezone(zone)
    if language == "zh-CN":
        return f"{local.month}月{local.day}日 {local:%H:%M}"
    return f"{local:%d %b %H:%M}"


def promises(complaint: Complaint, zone: ZoneInfo, language: Language, now: datetime) -> list[Promise]:
    """The promises the customer is told at `now`, first response first."""
    found = []
    for name in PROMISED:
        clock = complaint.clocks.get(name.value)
        if clock is None or clock.cycle is None:
            continue
        deadline = clock.cycle.deadline
        by = _when(deadline, zone, language) if deadline is not None else None
        within = spoken(clock.target_seconds, language)
        if clock.calendar != "24x7":
            within = f"{within}（工作时间）" if language == "zh-CN" else f"{within} of working time"
        moment = clock.cycle.paused_at or now  # a paused clock stands still: its deadline moves on resume
        overdue = clock.active and deadline is not None and deadline <= moment
        paused_for = clock.cycle.pause_reason if clock.cycle.state is ClockState.PAUSED else None
        found.append(Promise(name, within, by, clock.cycle.state, overdue, paused_for))
    return found


_PROMISE_WORDS = {
    ClockName.FIRST_RESPONSE: ("我们将在 {within}内回复您", "We will reply within {within}"),
    ClockName.RESOLUTION: ("我们将在 {within}内解决您的问题", "We will solve the problem within {within}"),
    ClockName.SITE_VISIT: (
        "如需上门，我们将在 {within}内到达",
        "If a visit is needed, we will be there within {within}",
    ),
    ClockName.PLAN: ("我们将在 {within}内给出处理方案", "We will give you a plan within {within}"),
    ClockName.REPLY: ("我们将在 {within}内答复您", "We will answer you within {within}"),
}
_OVERDUE_WORDS = {
    ClockName.FIRST_RESPONSE: (
        "我们已超过承诺的 {within}回复时限，正在尽快处理",
        "We have gone past the {within} we promised for our reply, and are dealing with it as fast as we can",
    ),
    ClockName.RESOLUTION: (
        "我们已超过承诺的 {within}解决时限，正在尽快处理",
        "We have gone past the {within} we promised for solving the problem, and are dealing with it as fast as we can",
    ),
    ClockName.SITE_VISIT: (
        "如需上门，我们已超过承诺的 {within}到达时限，正在尽快安排",
        "If a visit is needed, we have gone past the {within} we promised for being there, and are arranging it as "
        "fast as we can",
    ),
    ClockName.PLAN: (
        "我们已超过承诺的 {within}方案时限，正在尽快处理",
        "We have gone past the {within} we promised for giving you a plan, and are dealing with it as fast as we can",
    ),
    ClockName.REPLY: (
        "我们已超过承诺的 {within}答复时限，正在尽快处理",
        "We have gone past the {within} we promised for our answer, and are dealing with it as fast as we can",
    ),
}
_PAUSED_WORDS = {
    PauseReason.WAITING_ON_CUSTOMER.value: ("等待您提供信息期间", "while we wait for you"),
    PauseReason.FORCE_MAJEURE.value: ("因不可抗力", "by force majeure"),
}
_OUTCOME_WORDS = {
    ClockState.MET: ("✓ 已做到", "✓ Done"),
    ClockState.BREACHED: ("已完成（晚于承诺）", "Done, later than promised"),
}
"""How an ended promise turned out; a promise stopped without being met (no longer needed, or the complaint closed
first) says nothing rather than claim either."""


def promise_sentence(promise: Promise, language: Language) -> str:
    """`我们将在 30 分钟内回复您（最迟 11月22日 12:31）`; once its deadline has passed while it is still open,
    `我们已超过承诺的 30 分钟回复时限，正在尽快处理` (never a promise of a time already past)."""
    if promise.overdue:
        chinese, english = _OVERDUE_WORDS[promise.clock]
        return (chinese if language == "zh-CN" else english).format(within=promise.within)
    chinese, english = _PROMISE_WORDS[promise.clock]
    text = (chinese if language == "zh-CN" else english).format(within=promise.within)
    if promise.paused_for is not None:  # its deadline stands still, and moves on when the clock resumes
        why_zh, why_en = _PAUSED_WORDS.get(promise.paused_for, ("暂停", "paused"))
        if language == "zh-CN":
            return f"{text}（{why_zh}，计时暂停，恢复后时限顺延）"
        return f"{text} (the clock is paused {why_en}; the time is extended when it resumes)"
    if promise.by is None:
        return text
    return f"{text}（最迟 {promise.by}）" if language == "zh-CN" else f"{text} (by {promise.by})"


def outcome(promise: Promise, language: Language) -> str | None:
    """`✓ 已做到` only for a promise met in time, `已完成（晚于承诺）` for one met late, nothing otherwise."""
    words = _OUTCOME_WORDS.get(promise.state)
    if words is None:
        return None
    return words[0] if language == "zh-CN" else words[1]


@dataclass(frozen=True)
class Step:
    """One line of the public timeline: when and what (in words); a survey shows its stars, a reopen its cycle."""

    at: str
    what: str


def timeline(events: list[AuditEvent], zone: ZoneInfo, language: Language) -> list[Step]:
    """The public timeline: only the events the customer may see, with no name, note or notice."""
    steps = []
    for event in events:
        if event.type not in PUBLIC_EVENTS:
            continue
        what = word(event.type, language)
        if event.type is EventType.CONFIRM and event.by == CUSTOMER:
            what = "您确认问题已解决" if language == "zh-CN" else "You confirmed it is solved"
        elif event.type is EventType.REOPEN and event.by == CUSTOMER:
            what = "您反馈问题未解决，已重新处理" if language == "zh-CN" else "You said it is not solved; reopened"
        elif event.type is EventType.SATISFACTION and event.by == CUSTOMER:
            what = ("您的评价" if language == "zh-CN" else "Your rating") + " " + "★" * int(event.details["score"])
        elif event.type is EventType.SATISFACTION:
            continue  # a survey staff typed in is theirs, not the customer's own answer
        steps.append(Step(_when(event.at, zone, language), what))
    return steps


def acknowledgement(complaint: Complaint, url: str, zone: ZoneInfo, language: Language, now: datetime) -> Email:
    """The email the customer gets when the complaint is received: the promises in words as they stand at `now`
    (the email is made then: a relayed-late complaint's passed deadline is owned, not promised) and the link."""
    zh = language == "zh-CN"
    lines = [_line(promise, language) for promise in promises(complaint, zone, language, now)]
    greeting = f"{complaint.customer.name}，您好：" if zh else f"Dear {complaint.customer.name},"
    received = (
        f"我们已收到您的投诉「{complaint.subject}」（{_when(complaint.received_at, zone, language)}）。"
        if zh
        else f"We have received your complaint “{complaint.subject}” ({_when(complaint.received_at, zone, language)})."
    )
    follow = "随时查看处理进度：" if zh else "See where it stands at any time:"
    keep = (
        "请保留此链接，它只属于您；问题解决后，您也可以在该页面确认并评价。"
        if zh
        else "Keep this link: it is yours alone. When it is solved you can confirm it and rate us there."
    )
    subject = f"我们已收到您的投诉：{complaint.subject}" if zh else f"We received your complaint: {complaint.subject}"
    text = "\n".join([greeting, "", received, *lines, "", follow, url, "", keep])
    items = "".join(f'<li style="margin:4px 0">{escape(line)}</li>' for line in lines)
    html = (
        '<!DOCTYPE html><html><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1"></head>'
        "<body style=\"margin:0;padding:16px;font-family:-apple-system,'PingFang SC','Microsoft YaHei',sans-serif;"
        'font-size:16px;line-height:1.6;color:#1a1a1a">'
        '<table role="presentation" width="100%" style="max-width:560px;border-collapse:collapse"><tr><td>'
        f"<p>{escape(greeting)}</p><p>{escape(received)}</p>"
        f'<ul style="padding-left:20px">{items}</ul>'
        f"<p>{escape(follow)}</p>"
        f'<p><a href="{escape(url)}" style="display:inline-block;padding:10px 16px;background:#0b57d0;color:#fff;'
        f'text-decoration:none;border-radius:6px">{"查看处理进度" if zh else "See the status"}</a></p>'
        f'<p style="font-size:13px;color:#555;word-break:break-all">{escape(url)}</p>'
        f'<p style="font-size:14px;color:#444">{escape(keep)}</p>'
        "</td></tr></table></body></html>"
    )
    return Email(subject=subject, text=text, html=html)


def _line(promise: Promise, language: Language) -> str:
    said = outcome(promise, language)
    sentence = promise_sentence(promise, language)
    return f"{sentence} {said}" if said else sentence


def needs_acknowledgement(complaint: Complaint) -> bool:
    """An acknowledgement goes out when the customer gave an email address."""
    return bool(complaint.customer.email)
