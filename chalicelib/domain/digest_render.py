"""Digest rendering: the entries of a digest -> the email a manager acts on (subject, plain text, HTML; every value
escaped), in the policy's language (zh-CN by default): breaches first, each with its clock, level, category and
priority in words, the deadline and how late or close, the owner, what to do next and a link to the complaint in
the console. The HTML is one column of tables with inline styles (no SVG, no external image, no stylesheet), at
most 600 px wide; the text part carries the same facts. At most `MAX_ENTRIES` entries, then how many more. Pure."""

from __future__ import annotations

import html
from datetime import datetime, timedelta

from chalicelib.domain.digest import DigestEntry
from chalicelib.domain.durations import spoken
from chalicelib.domain.messages import Email
from chalicelib.domain.vocabulary import Audience, Category, ClockName, DigestKind, Level, Priority
from chalicelib.domain.words import Language, word

MAX_ENTRIES = 50
_COLOURS = {
    Level.ESCALATION: "#5c1a33",
    Level.MAJOR: "#5c1a33",
    Level.MINOR: "#b3261e",
    Level.WARNING: "#8a5300",
}
_NEXT = {  # what the owner should do next, per clock (zh-CN, en)
    ClockName.FIRST_RESPONSE: ("立即联系客户并记录“已响应”", "Call the customer now and record Respond"),
    ClockName.RESOLUTION: (
        "解决问题并记录“已解决”，或与客户约定新时间",
        "Solve it and record Resolve, or agree a time",
    ),
    ClockName.PROGRESS_UPDATE: ("向客户通报进度并记录", "Update the customer and record it"),
    ClockName.SITE_VISIT: ("安排上门并记录", "Send someone on site and record it"),
    ClockName.FOLLOW_UP: ("回访客户，请其确认", "Follow up: ask the customer to confirm"),
    ClockName.HANDOFF: ("转交责任部门", "Hand it to the responsible department"),
    ClockName.APPROVAL: ("请营销总监审核处理意见", "Get the marketing director's approval"),
    ClockName.ANSWER: ("审批后答复客户", "Answer the customer after approval"),
    ClockName.REPLY: ("答复客户", "Reply to the customer"),
    ClockName.PLAN: ("向客户提供处理方案", "Give the customer a plan"),
    ClockName.DISPATCH: ("派出工程师", "Dispatch an engineer"),
}


def _when(moment: datetime, language: Language) -> str:
    """A moment as people write it: 11月17日 10:25, or 17 Nov 10:25."""
    if language == "zh-CN":
        return f"{moment.month}月{moment.day}日 {moment:%H:%M}"
    return f"{moment:%d %b %H:%M}"


def _t(language: Language, chinese: str, english: str) -> str:
    return chinese if language == "zh-CN" else english


def _word(enum: type, value: str, language: Language) -> str:
    try:
        return word(enum(value), language)
    except ValueError:
        return value


def _facts(entry: DigestEntry, language: Language) -> dict[str, str]:
    """The facts of one entry, in words: the same in the HTML and the text part."""
    clock = _word(ClockName, entry.clock, language)
    if entry.overdue_seconds:
        timing = _t(
            language, f"已超时 {spoken(entry.overdue_seconds, language)}", f"{spoken(entry.overdue_seconds)} overdue"
        )
    else:
        timing = _t(
            language, f"还剩 {spoken(entry.remaining_seconds, language)}", f"{spoken(entry.remaining_seconds)} left"
        )
    try:
        step = _NEXT[ClockName(entry.clock)]
        next_step = step[0] if language == "zh-CN" else step[1]
    except ValueError:
        next_step = _t(language, "处理此项", "Handle it")
    if entry.assignee is None:
        next_step = _t(language, f"先指派负责人，再{next_step}", f"Assign an owner, then: {next_step}")
    return {
        "level": word(entry.level, language),
        "clock": clock,
        "timing": timing,
        "deadline": _when(entry.deadline, language),
        "kind": f"{_word(Priority, entry.priority, language)} · {_word(Category, entry.category, language)}",
        "owner": entry.assignee or _t(language, "未指派", "Unassigned"),
        "next": next_step,
        "subject": entry.subject,
        "customer": entry.customer,
        "link": entry.link,
    }


def render(
    audience: str,
    kind: DigestKind,
    entries: list[DigestEntry],
    window: tuple[datetime, datetime],
    language: Language = "zh-CN",
) -> Email:
    """The `kind` of digest for `audience` (breaches first, as `digest_entries` orders them): subject, text and
    HTML."""
    breaches = sum(1 for e in entries if e.is_breach)
    warnings = len(entries) - breaches
    more = max(0, len(entries) - MAX_ENTRIES)
    shown = entries[:MAX_ENTRIES]
    who = _word(Audience, audience, language)
    name = word(kind, language)
    start, end = window
    period = f"{_when(start, language)} – " + (
        f"{end:%H:%M}" if start.date() == end.date() or end - start <= timedelta(hours=1) else _when(end, language)
    )
    counts = _t(
        language, f"{breaches} 项已超时，{warnings} 项即将超时", f"{breaches} breached, {warnings} about to breach"
    )
    subject = f"【{name}】{who}：{counts}" if language == "zh-CN" else f"[complaint SLA] {name} for {who}: {counts}"
    heading = f"{name} · {who}"
    labels = {
        "timing": _t(language, "时限", "Timing"),
        "deadline": _t(language, "截止时间", "Deadline"),
        "kind": _t(language, "类别", "Kind"),
        "owner": _t(language, "负责人", "Owner"),
        "next": _t(language, "下一步", "Next step"),
        "customer": _t(language, "客户", "Customer"),
    }
    open_label = _t(language, "在控制台打开", "Open in the console")
    lines = [heading, period, counts, ""]
    cards = []
    for number, entry in enumerate(shown, 1):
        facts = _facts(entry, language)
        colon = _t(language, "：", ": ")
        lines.append(
            f"{number}. {_t(language, '【', '[')}{facts['level']}{_t(language, '】', '] ')}{facts['clock']}"
            f"{colon}{facts['subject']}"
        )
        for key in ("timing", "deadline", "kind", "owner", "next", "customer"):
            lines.append(f"   {labels[key]}{colon}{facts[key]}")
        lines.append(f"   {facts['link']}")
        lines.append("")
        colour = _COLOURS.get(entry.level, "#8a5300")
        rows = "".join(
            f'<tr><td style="padding:2px 8px 2px 0;color:#555;white-space:nowrap;vertical-align:top;width:64px">'
            f'{html.escape(labels[key])}</td><td style="padding:2px 0;word-break:break-word">{html.escape(facts[key])}'
            "</td></tr>"
            for key in ("timing", "deadline", "kind", "owner", "next", "customer")
        )
        cards.append(
            '<table role="presentation" width="100%" cellpadding="0" cellspacing="0" '
            f'style="border-collapse:collapse;border-left:6px solid {colour};background:#ffffff;margin:0 0 12px 0">'
            f'<tr><td style="padding:10px 12px">'
            f'<div style="font-size:13px;font-weight:bold;color:{colour}">{html.escape(facts["level"])} · '
            f"{html.escape(facts['clock'])}</div>"
            f'<div style="font-size:16px;font-weight:bold;margin:4px 0 6px 0;word-break:break-word">'
            f"{html.escape(facts['subject'])}</div>"
            f'<table role="presentation" cellpadding="0" cellspacing="0" style="font-size:14px;'
            f'border-collapse:collapse;width:100%">{rows}</table>'
            f'<div style="margin-top:8px"><a href="{html.escape(facts["link"], quote=True)}" '
            f'style="color:#0b57d0;font-weight:bold">{html.escape(open_label)} →</a></div>'
            "</td></tr></table>"
        )
    tail = _t(
        language, f"另有 {more} 项未列出，请在控制台查看。", f"... and {more} more, not listed here: see the console."
    )
    if more:
        lines.append(tail)
    body = (
        '<!DOCTYPE html><html><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1"></head>'
        '<body style="margin:0;padding:0;background:#f1f3f4">'
        '<table role="presentation" width="100%" cellpadding="0" cellspacing="0" style="background:#f1f3f4">'
        '<tr><td align="center" style="padding:12px">'
        '<table role="presentation" width="100%" cellpadding="0" cellspacing="0" style="max-width:600px;'
        "font-family:-apple-system,'PingFang SC','Microsoft YaHei',Arial,sans-serif;color:#1a1a1a\">"
        f'<tr><td style="padding:0 0 10px 0"><div style="font-size:20px;font-weight:bold">{html.escape(heading)}</div>'
        f'<div style="font-size:14px;color:#555">{html.escape(period)}</div>'
        f'<div style="font-size:15px;margin-top:4px"><b>{html.escape(counts)}</b></div></td></tr>'
        f"<tr><td>{''.join(cards)}</td></tr>"
        + (f'<tr><td style="font-size:14px">{html.escape(tail)}</td></tr>' if more else "")
        + "</table></td></tr></table></body></html>"
    )
    return Email(subject=subject, text="\n".join(lines) + "\n", html=body)
