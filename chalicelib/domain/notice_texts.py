"""Notice texts: a notice + a language -> what people read: the SNS Subject, a headline, the facts (label,
value) a chat card shows, the email body and a one-segment SMS; plus the links they carry.

zh-CN by default, English available (`language` in the policy file). Clocks, levels, priorities, categories,
audiences and outcomes are shown in words (`chalicelib.domain.words`), never as internal codes. Pure.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from chalicelib.domain.durations import spoken
from chalicelib.domain.links import CONSOLE_PATH, short_code
from chalicelib.domain.masking import scrubbed_subject
from chalicelib.domain.vocabulary import Category, ClockName, ClockState, Level, NoticeType, Priority
from chalicelib.domain.words import Language, word

if TYPE_CHECKING:
    from chalicelib.domain.model import Complaint
    from chalicelib.domain.notices import Notice, RollUp

SUBJECT_LIMIT = 80  # characters of the complaint's subject a notice carries
SNS_SUBJECT_LIMIT = 99  # SNS: "less than 100 characters long", UTF-8, no line breaks or control characters
SMS_UCS2_LIMIT = 70  # one SMS segment holds 70 UCS-2 characters (any Chinese character forces UCS-2) ...
SMS_GSM_LIMIT = 160  # ... or 160 characters of the GSM 03.38 basic alphabet

# ---- links ------------------------------------------------------------------------------------------------------


def short_link(notice: Notice) -> str:
    """`{base}/c/{code}`: redirects to the console page (an SMS cannot hold the full link in one segment)."""
    base, found, _ = notice.link.partition(CONSOLE_PATH)
    return f"{base}/c/{short_code(notice.complaint_id)}" if found else notice.link


# ---- cleaning what the customer wrote ---------------------------------------------------------------------------


def one_line(text: str) -> str:
    """Line breaks, control and format characters become spaces; runs of spaces one space."""
    cleaned = "".join(" " if unicodedata.category(char) in ("Cc", "Cf", "Zl", "Zp") else char for char in text)
    return " ".join(cleaned.split())


def cut(text: str, limit: int, ellipsis: str = "…") -> str:
    """`text` in at most `limit` characters, ending in `ellipsis` when it was cut."""
    return text if len(text) <= limit else text[: max(0, limit - len(ellipsis))] + ellipsis


def notice_subject(complaint: Complaint) -> str:
    """The complaint's subject as a notice carries it: contact details masked, one line, at most 80 characters."""
    return cut(one_line(scrubbed_subject(complaint)), SUBJECT_LIMIT)


# ---- times ----------------------------------------------------------------------------------------


def moment(value: str | None) -> str:
    """An ISO 8601 instant as `2026-11-22 12:31 (+08:00)`, in the zone it was written in."""
    if not value:
        return "-"
    parsed = datetime.fromisoformat(value)
    return f"{parsed:%Y-%m-%d %H:%M} ({_offset(parsed)})"


def _offset(moment: datetime) -> str:
    """The instant's UTC offset as `+08:00`."""
    offset = moment.strftime("%z")
    return f"{offset[:3]}:{offset[3:]}"


# ---- the texts --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class NoticeText:
    """Everything people read of one notice, in one language."""

    language: Language
    subject: str  # SNS Subject (email subject): words, not codes; under 100 characters, one line
    title: str  # a chat card's title: `【轻微违约】首次响应`
    headline: str  # one sentence: what slipped, how late, for which complaint
    facts: tuple[tuple[str, str], ...]  # (label, value) pairs a card or an email lists
    note: str | None  # the provisional-deadline remark, when there is one
    link: str  # the console page
    link_text: str  # what a link button says
    email: str  # the plain-text email body
    sms: str  # one SMS segment, the short link included


def clock_words(notice: Notice, language: Language) -> str:
    """The clock a notice is about, or (an event notice) the event, in words."""
    if notice.clock is None:
        return word(notice.event, language) if notice.event is not None else ""
    return word(ClockName(notice.clock), language)


def _reported(notice: Notice) -> bool:
    return notice.type == NoticeType.EVENT


def _level(notice: Notice, language: Language) -> str:
    return word(notice.level, language)


def _resolved(notice: Notice) -> bool:
    return notice.type == NoticeType.RESOLVED


def _subject_or_id(notice: Notice, language: Language) -> str:
    if notice.subject:
        return notice.subject
    return f"投诉 {notice.complaint_id[:8]}" if language == "zh-CN" else f"complaint {notice.complaint_id[:8]}"


def _headline(notice: Notice, language: Language) -> str:
    clock = clock_words(notice, language)
    subject = _subject_or_id(notice, language)
    if _reported(notice):
        kind = f"{word(Priority(notice.priority), language)}，{word(Category(notice.category), language)}"
        if language == "zh-CN":
            reason = f"缘由：{notice.reason}。" if notice.reason else ""
            return f"知会：投诉「{subject}」（{kind}）{clock}。{reason}无需回复，请知悉。"
        reason = f" Why: {notice.reason}." if notice.reason else ""
        kind = kind.replace("，", ", ")
        return f"For your information: complaint “{subject}” ({kind}): {clock.lower()}.{reason}"
    deadline = moment(notice.deadline)
    late = spoken(notice.overdue_seconds, language)
    left = spoken(notice.remaining_seconds, language)
    level = notice.level
    outcome = notice.outcome or ClockState.STOPPED
    if language == "zh-CN":
        about = f"投诉「{subject}」的{clock}时限"
        if _resolved(notice):
            return {
                ClockState.MET: f"{about}已按时完成，此前的告警可以关闭。",
                ClockState.BREACHED: f"{about}已完成，但{_amount('超时', late)}；此前的告警可以关闭。",
                ClockState.STOPPED: f"{about}已结束，无需再处理；此前的告警可以关闭。",
            }[outcome]
        if level == Level.WARNING:
            return f"{about}即将到期：截止 {deadline}，{_amount('还剩', left)}。"
        if level == Level.ESCALATION:
            return f"{about}重大违约一个工作日后仍未处理，已升级：截止 {deadline}，{_amount('已超时', late)}。"
        return f"{about}已{word(level, language)}：截止 {deadline}，{_amount('已超时', late)}。"
    about = f"{clock} of complaint “{subject}”"
    if _resolved(notice):
        return {
            ClockState.MET: f"{about} was met on time; earlier alerts can be closed.",
            ClockState.BREACHED: f"{about} was met late, {late} overdue; earlier alerts can be closed.",
            ClockState.STOPPED: f"{about} has ended and needs nothing more; earlier alerts can be closed.",
        }[outcome]
    if level == Level.WARNING:
        return f"{about} is about to breach: due {deadline}, {left} left."
    if level == Level.ESCALATION:
        still = "is still breached a working day after its major breach (escalated)"
        return f"{about} {still}: due {deadline}, {late} overdue."
    return f"{about} is a {word(level, language).lower()}: due {deadline}, {late} overdue."


def summary(notice: Notice, language: Language) -> str:
    """The notice's one-sentence summary (the JSON notice's `summary`)."""
    text = _headline(notice, language)
    if notice.provisional:
        text += " " + _provisional(language)
    return text


def _provisional(language: Language) -> str:
    if language == "zh-CN":
        return "注意：截止时间按暂定的节假日安排计算（当年调休尚未公布）。"
    return "The deadline is provisional: the year's adjusted working days are not yet confirmed."


def _title(notice: Notice, language: Language) -> str:
    clock = clock_words(notice, language)
    if _reported(notice):
        return f"【知会】{clock}" if language == "zh-CN" else f"[For information] {clock}"
    if _resolved(notice):
        return f"【已恢复】{clock}" if language == "zh-CN" else f"[Resolved] {clock}"
    level = _level(notice, language)
    return f"【{level}】{clock}" if language == "zh-CN" else f"[{level}] {clock}"


def _amount(words: str, amount: str) -> str:
    """Chinese words before a duration: a space before its digits (超时 15 分钟), none before a word or in the compact
    form of a title (还剩不到 1 分钟, 超时15分钟)."""
    return f"{words} {amount}" if amount[:1].isdigit() and " " in amount else f"{words}{amount}"


def _lateness(notice: Notice, language: Language, compact: bool) -> str:
    """How late (or how close), as a title goes on: 超时 15 分钟 / 还剩 7 分钟 / 15 min overdue / 7 min left."""
    if _reported(notice):
        return ""
    if _resolved(notice):
        if notice.outcome == ClockState.BREACHED:
            late = spoken(notice.overdue_seconds, language, compact)
            return f"已完成（{_amount('超时', late)}）" if language == "zh-CN" else f"met late, {late} overdue"
        return word(notice.outcome or ClockState.STOPPED, language)
    if notice.level == Level.WARNING:
        left = spoken(notice.remaining_seconds, language, compact)
        return _amount("还剩", left) if language == "zh-CN" else f"{left} left"
    late = spoken(notice.overdue_seconds, language, compact)
    return _amount("超时", late) if language == "zh-CN" else f"{late} overdue"


def _sns_subject(notice: Notice, language: Language) -> str:
    subject = _subject_or_id(notice, language)
    lateness = _lateness(notice, language, compact=language == "zh-CN")
    if _reported(notice):
        text = f"{_title(notice, language)}{'：' if language == 'zh-CN' else ': '}{subject}"
    elif language == "zh-CN":
        text = f"{_title(notice, language)}时限{lateness}：{subject}"
    else:
        text = f"{_title(notice, language)} {lateness}: {subject}"
    return cut(one_line(text), SNS_SUBJECT_LIMIT)


def _facts(notice: Notice, language: Language) -> tuple[tuple[str, str], ...]:
    zh = language == "zh-CN"
    clock = clock_words(notice, language)
    if notice.cycle > 1 and not _reported(notice):
        clock += f"（第 {notice.cycle} 轮）" if zh else f" (cycle {notice.cycle})"
    facts: list[tuple[str, str]] = [
        ("投诉" if zh else "Complaint", _subject_or_id(notice, language)),
        ("优先级" if zh else "Priority", word(Priority(notice.priority), language)),
        ("类别" if zh else "Category", word(Category(notice.category), language)),
        ("事件" if zh else "Event", clock) if _reported(notice) else ("时限" if zh else "Deadline of", clock),
    ]
    if _reported(notice):
        if notice.reason:
            facts.append(("缘由" if zh else "Why", notice.reason))
    elif _resolved(notice):
        facts.append(("结果" if zh else "Outcome", _lateness(notice, language, compact=False)))
        facts.append(("此前级别" if zh else "Level reached", _level(notice, language)))
        facts.append(("截止时间" if zh else "Deadline", moment(notice.deadline)))
        facts.append(("结束时间" if zh else "Ended", moment(notice.ended_at)))
    else:
        facts.append(("级别" if zh else "Level", _level(notice, language)))
        facts.append(("截止时间" if zh else "Deadline", moment(notice.deadline)))
        if notice.level == Level.WARNING:
            facts.append(("剩余" if zh else "Left", spoken(notice.remaining_seconds, language)))
        else:
            facts.append(("超时" if zh else "Overdue", spoken(notice.overdue_seconds, language)))
    facts.append(("负责人" if zh else "Owner", notice.assignee or ("未指派" if zh else "not assigned")))
    facts.append(("通知对象" if zh else "Sent to", word(notice.audience, language)))
    facts.append(("投诉编号" if zh else "Complaint id", notice.complaint_id))
    return tuple(facts)


def _email(notice: Notice, language: Language, facts: tuple[tuple[str, str], ...], note: str | None) -> str:
    zh = language == "zh-CN"
    colon = "：" if zh else ": "
    lines = [_headline(notice, language), ""]
    lines += [f"{label}{colon}{value}" for label, value in facts]
    lines.append("")
    if note:
        lines += [note, ""]
    lines.append(f"{'查看和处理' if zh else 'Open it'}{colon}{notice.link}")
    lines.append("")
    lines.append(
        "—— 投诉时限监控自动发送，请勿直接回复。" if zh else "-- Sent by the complaint SLA monitor; do not reply."
    )
    return "\n".join(lines)


_GSM_BASIC = set(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§"
    "¿abcdefghijklmnopqrstuvwxyzäöñüà"
)


def sms_limit(text: str) -> int:
    """Characters one SMS segment holds for `text`: 160 in the GSM basic alphabet, else 70 (UCS-2)."""
    return SMS_GSM_LIMIT if all(char in _GSM_BASIC for char in text) else SMS_UCS2_LIMIT


def _fits(text: str) -> bool:
    return len(text) <= sms_limit(text)


def _sms(notice: Notice, language: Language) -> str:
    """One segment: what slipped and how late, as much of the subject as fits, and the short link; when the base
    URL is too long for the link to fit (over about 25 characters), the complaint's short id instead."""
    zh = language == "zh-CN"
    clock = clock_words(notice, language)
    lateness = _lateness(notice, language, compact=True)
    if _reported(notice):
        category = word(Category(notice.category), language)
        if zh:
            heads = [f"知会：{category}投诉{clock}", f"知会：{clock}"]
        else:
            heads = [
                f"For information: {category.lower()} complaint, {clock.lower()}",
                f"For information: {clock.lower()}",
            ]
    elif _resolved(notice):
        if zh:
            heads = [f"已恢复：投诉{clock}{lateness}", f"已恢复：{clock}{lateness}", f"已恢复：{clock}"]
        else:
            heads = [f"Resolved: complaint {clock.lower()} {lateness}", f"Resolved: {clock.lower()}"]
    else:
        level = _level(notice, language)
        priority = word(Priority(notice.priority), language)
        if zh:
            heads = [f"{level}：{priority}投诉{clock}{lateness}", f"{level}：{clock}{lateness}", f"{level}：{clock}"]
        else:
            heads = [
                f"{level}: {priority.lower()} complaint, {clock.lower()} {lateness}",
                f"{level}: {clock.lower()} {lateness}",
                f"{level}: {clock.lower()}",
            ]
    subject = notice.subject
    for tail in (f" {short_link(notice)}", f" 投诉{notice.complaint_id[:8]}" if zh else f" #{notice.complaint_id[:8]}"):
        for head in heads:
            for length in range(len(subject), 3, -1):
                shown = cut(subject, length, "…" if zh else "...")
                candidate = f"{head}「{shown}」{tail}" if zh else f'{head} "{shown}"{tail}'
                if _fits(candidate):
                    return candidate
            if _fits(head + tail):
                return head + tail
    head = heads[-1]
    return head[: sms_limit(head)]


def render(notice: Notice, language: Language) -> NoticeText:
    """All the texts of a notice in `language`."""
    facts = _facts(notice, language)
    note = _provisional(language) if notice.provisional else None
    return NoticeText(
        language=language,
        subject=_sns_subject(notice, language),
        title=_title(notice, language),
        headline=_headline(notice, language),
        facts=facts,
        note=note,
        link=notice.link,
        link_text="查看投诉" if language == "zh-CN" else "Open the complaint",
        email=_email(notice, language, facts, note),
        sms=_sms(notice, language),
    )


def in_level_order(by_level: Mapping[Level, int]) -> dict[Level, int]:
    """Counts by level in the levels' order (warning, minor, major, escalation, then event reports), whatever order
    they were read in."""
    return {level: by_level[level] for level in sorted(by_level, key=list(Level).index)}


def level_counts(by_level: Mapping[Level, int], language: Language, sentence: bool = False) -> str:
    """How many notices of each level, in the levels' order (warning, minor, major, escalation, then event
    reports): `轻微违约 3，重大违约 1`, `Minor breach 3, Major breach 1` (in a sentence: `minor breach 3, ...`)."""
    separator = "，" if language == "zh-CN" else ", "
    shown = ((word(level, language), count) for level, count in in_level_order(by_level).items())
    return separator.join(f"{name.lower() if sentence else name} {count}" for name, count in shown)


def rollup_texts(rollup: RollUp, language: Language) -> NoticeText:
    """What people read of a storm's roll-up in a chat channel (the subject and summary are the roll-up's own,
    made in the policy's language): how many notices of which levels, clocks and categories, and the board."""
    zh = language == "zh-CN"
    counted = level_counts(rollup.by_level, language)
    start, end = datetime.fromisoformat(rollup.window_start), datetime.fromisoformat(rollup.window_end)
    window = f"{start:%Y-%m-%d %H:%M}-{end:%H:%M} ({_offset(start)})"
    facts: list[tuple[str, str]] = [
        ("时段" if zh else "Window", window),
        ("其余提醒" if zh else "More notices", f"{rollup.count} 条" if zh else f"{rollup.count}"),
        ("级别" if zh else "Levels", counted),
    ]
    if rollup.clocks:
        clocks = [word(ClockName(clock), language) for clock in rollup.clocks if clock in set(ClockName)]
        facts.append(("时限" if zh else "Deadlines of", ("、" if zh else ", ").join(clocks)))
    if rollup.categories:
        categories = [word(Category(value), language) for value in rollup.categories if value in set(Category)]
        facts.append(("类别" if zh else "Categories", ("、" if zh else ", ").join(categories)))
    facts.append(("通知对象" if zh else "Sent to", word(rollup.audience, language)))
    link_text = "打开控制台" if zh else "Open the console"
    audience = word(rollup.audience, language)
    return NoticeText(
        language=language,
        subject=cut(one_line(rollup.subject), SNS_SUBJECT_LIMIT),
        title=f"【提醒汇总】{audience}" if zh else f"Roll-up: {audience}",
        headline=rollup.summary,
        facts=tuple(facts),
        note=None,
        link=rollup.link,
        link_text=link_text,
        email=f"{rollup.summary}\n\n{link_text}{'：' if zh else ': '}{rollup.link}",
        sms=_rollup_sms(rollup),
    )


def _rollup_sms(rollup: RollUp) -> str:
    """One segment: as much of the roll-up's subject as fits beside the whole link (the subject alone when the
    link leaves no room for it)."""
    subject = one_line(rollup.subject)
    room = SMS_UCS2_LIMIT - len(rollup.link) - 1
    return f"{cut(subject, room)} {rollup.link}" if room >= 10 else cut(subject, SMS_UCS2_LIMIT)
