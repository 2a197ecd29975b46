"""Monthly report rendering: the report (JSON-ready) -> its CSV, and the email a manager reads on one screen (at most
600 px wide), in the policy's language (zh-CN by default): a short summary (complaints, % on time per clock,
satisfaction against the pass mark; a missed mark in red, with its number), pure-HTML bars (no SVG, no image), a
small table per dimension with values in words, durations in h/min, 是/否 rather than True/False, and the customers
who may terminate named by links to their complaints in the console. The text part carries the same facts. Pure."""

from __future__ import annotations

import csv
import html
import io
from collections.abc import Mapping
from dataclasses import dataclass

from chalicelib.domain.durations import spoken
from chalicelib.domain.messages import Email
from chalicelib.domain.report import BREACH_LEVELS, DIMENSIONS, TRACKED_CLOCKS
from chalicelib.domain.vocabulary import Category, Channel, ClockName, Level, Priority
from chalicelib.domain.words import Language, word

CSV_COLUMNS = (
    "dimension", "value", "received", "responded", "responded_within_sla_pct", "resolved", "resolved_within_sla_pct",
    "first_response_p50_seconds", "first_response_p90_seconds", "resolution_p50_seconds", "resolution_p90_seconds",
    "surveys", "satisfaction_average", "satisfied_pct", "satisfaction_pass",
    "customer_surveys", "customer_satisfaction_average", "customer_satisfied_pct",
    "staff_surveys", "staff_satisfaction_average", "staff_satisfied_pct",
    *(f"{clock}_{level}" for clock in TRACKED_CLOCKS for level in BREACH_LEVELS),
)  # fmt: skip


def _csv_row(dimension: str, value: str, line: Mapping[str, object]) -> list[object]:
    breaches = line["breaches"]
    assert isinstance(breaches, dict)
    cells: list[object] = [dimension, value]
    for column in CSV_COLUMNS[2:]:
        if column in line:
            cells.append("" if line[column] is None else line[column])
        else:
            clock, _, level = column.rpartition("_")
            cells.append(breaches[clock][level])
    return cells


def report_lines(report: Mapping[str, object]) -> list[tuple[str, str, Mapping[str, object]]]:
    """(dimension, value, line) for the total and every dimension value, in report order."""
    total = report["total"]
    assert isinstance(total, dict)
    lines: list[tuple[str, str, Mapping[str, object]]] = [("total", "all", total)]
    for dimension in DIMENSIONS:
        values = report[dimension]
        assert isinstance(values, dict)
        lines.extend((dimension, value, line) for value, line in values.items())
    return lines


def to_csv(report: Mapping[str, object]) -> str:
    """The report as CSV: one row per dimension value, the total first."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for dimension, value, line in report_lines(report):
        writer.writerow(_csv_row(dimension, value, line))
    return buffer.getvalue()


@dataclass(frozen=True)
class ComplaintLink:
    """A complaint of a flagged customer, as the report names it: its subject and its page in the console."""

    subject: str
    link: str


_RED = "#b3261e"
_GREEN = "#1e7b34"
_MUTED = "#5f6368"
_FONT = "font-family:-apple-system,'PingFang SC','Microsoft YaHei',Arial,sans-serif;color:#1a1a1a"
_ENUMS: dict[str, type[Category] | type[Priority] | type[Channel]] = {
    "category": Category,
    "priority": Priority,
    "channel": Channel,
}
_WORDS = {  # key -> (zh-CN, en)
    "title": ("服务质量月报", "Service-quality report"),
    "complaints": ("投诉数", "Complaints"),
    "fr_on_time": ("首次响应按时率", "First response on time"),
    "rs_on_time": ("解决按时率", "Resolution on time"),
    "fr_time": ("首次响应用时（中位数 / 90%）", "Time to first response (median / 90%)"),
    "rs_time": ("解决用时（中位数 / 90%）", "Time to resolution (median / 90%)"),
    "satisfied": ("满意度", "Satisfaction"),
    "customer_own": ("客户本人评价", "Customers' own surveys"),
    "staff_entered": ("员工录入评价", "Surveys entered by staff"),
    "breaches": ("违约次数", "Breaches"),
    "flagged": ("可能终止合同的客户", "Customers who may terminate"),
    "category": ("按类别", "By category"),
    "priority": ("按优先级", "By priority"),
    "channel": ("按渠道", "By channel"),
    "value": ("", ""),
    "passed": ("达标", "Passed"),
    "yes": ("是", "yes"),
    "no": ("否", "no"),
    "none": ("无数据", "no data"),
    "bars": ("按类别的按时率", "On time by category"),
    "csv": ("完整数据见附件 CSV。", "The full figures are in the attached CSV."),
}


def _w(key: str, language: Language) -> str:
    chinese, english = _WORDS[key]
    return chinese if language == "zh-CN" else english


def _pct_text(value: object, language: Language) -> str:
    return _w("none", language) if value is None else f"{value}%"


def _of(part: object, whole: object, language: Language) -> str:
    if not whole:
        return ""
    return f"（{part}/{whole}）" if language == "zh-CN" else f" ({part}/{whole})"


def _duration(p50: object, p90: object, language: Language) -> str:
    if p50 is None or p90 is None:
        return _w("none", language)
    assert isinstance(p50, int)
    assert isinstance(p90, int)
    return f"≤ {spoken(p50, language)} / ≤ {spoken(p90, language)}"


def _value_word(dimension: str, value: str, language: Language) -> str:
    try:
        return word(_ENUMS[dimension](value), language)
    except ValueError:
        return value


@dataclass(frozen=True)
class _Fact:
    """One line of the summary: its label, its value and whether it missed its mark."""

    label: str
    value: str
    missed: bool = False


def _summary(report: Mapping[str, object], language: Language) -> list[_Fact]:
    total = report["total"]
    assert isinstance(total, dict)
    mark = _number(report["satisfaction_pass_mark_pct"])
    satisfied = total["satisfied_pct"]
    missed_mark = total["satisfaction_pass"] is False
    if satisfied is None:
        satisfaction = _w("none", language)
    elif language == "zh-CN":
        verdict = f"未达 {mark}% 合格线" if missed_mark else f"达到 {mark}% 合格线"
        satisfaction = f"{satisfied}%，{verdict}（{total['surveys']} 份调查）"
    else:
        verdict = f"below the {mark}% pass mark" if missed_mark else f"meets the {mark}% pass mark"
        satisfaction = f"{satisfied}%, {verdict} ({total['surveys']} surveys)"
    breaches = total["breaches"]
    assert isinstance(breaches, dict)
    breach_parts = []
    for clock in TRACKED_CLOCKS:
        for level in BREACH_LEVELS:
            count = breaches[clock][level]
            if count:
                what = (
                    word(ClockName(clock), language)
                    + ("" if language == "zh-CN" else " ")
                    + word(Level(level), language)
                )
                breach_parts.append(f"{what} {count} 次" if language == "zh-CN" else f"{what.lower()} {count}")
    breach_count = sum(breaches[c][lv] for c in TRACKED_CLOCKS for lv in BREACH_LEVELS)
    flagged = report["customers_flagged"]
    assert isinstance(flagged, list)
    separator = "，" if language == "zh-CN" else ", "
    return [
        _Fact(_w("complaints", language), str(total["received"])),
        _Fact(
            _w("fr_on_time", language),
            _pct_text(total["responded_within_sla_pct"], language)
            + _of(_on_time(total, "responded"), total["responded"], language),
        ),
        _Fact(
            _w("rs_on_time", language),
            _pct_text(total["resolved_within_sla_pct"], language)
            + _of(_on_time(total, "resolved"), total["resolved"], language),
        ),
        _Fact(
            _w("fr_time", language),
            _duration(total["first_response_p50_seconds"], total["first_response_p90_seconds"], language),
        ),
        _Fact(
            _w("rs_time", language),
            _duration(total["resolution_p50_seconds"], total["resolution_p90_seconds"], language),
        ),
        _Fact(_w("satisfied", language), satisfaction, missed=missed_mark),
        _Fact(_w("customer_own", language), _surveys(total, "customer", language)),
        _Fact(_w("staff_entered", language), _surveys(total, "staff", language)),
        _Fact(
            _w("breaches", language),
            str(breach_count)
            + (f"（{separator.join(breach_parts)}）" if language == "zh-CN" and breach_parts else "")
            + (f" ({separator.join(breach_parts)})" if language != "zh-CN" and breach_parts else ""),
            missed=breach_count > 0,
        ),
        _Fact(_w("flagged", language), str(len(flagged)), missed=bool(flagged)),
    ]


def _number(value: object) -> str:
    """85.0 -> 85, 83.3 -> 83.3."""
    number = float(str(value))
    return str(int(number)) if number.is_integer() else str(number)


def _surveys(total: Mapping[str, object], whose: str, language: Language) -> str:
    """How many surveys of one kind (the customers' own, or staff-entered), and how many of them were satisfied."""
    count, pct = total[f"{whose}_surveys"], total[f"{whose}_satisfied_pct"]
    if language == "zh-CN":
        return f"{count} 份" + ("" if pct is None else f"，满意 {pct}%")
    return f"{count} surveys" + ("" if pct is None else f", {pct}% satisfied")


def _on_time(line: Mapping[str, object], what: str) -> int:
    """How many of the line's responded (or resolved) complaints were on time, from its count and its percent."""
    count, pct = line[what], line[f"{what}_within_sla_pct"]
    assert isinstance(count, int)
    return 0 if pct is None else round(count * float(str(pct)) / 100)


_COLUMNS = ("complaints", "fr_on_time", "rs_on_time", "satisfied", "passed")
_SHORT = {  # column headers of the per-dimension tables (zh-CN, en)
    "complaints": ("投诉", "Complaints"),
    "fr_on_time": ("响应按时", "Response on time"),
    "rs_on_time": ("解决按时", "Resolved on time"),
    "satisfied": ("满意度", "Satisfied"),
    "passed": ("达标", "Passed"),
}


def _dimension_rows(
    report: Mapping[str, object], dimension: str, language: Language
) -> list[tuple[str, list[str], bool]]:
    values = report[dimension]
    assert isinstance(values, dict)
    rows = []
    for value, line in values.items():
        passed = line["satisfaction_pass"]
        cells = [
            str(line["received"]),
            _pct_text(line["responded_within_sla_pct"], language),
            _pct_text(line["resolved_within_sla_pct"], language),
            _pct_text(line["satisfied_pct"], language),
            "–" if passed is None else _w("yes" if passed else "no", language),
        ]
        rows.append((_value_word(dimension, value, language), cells, passed is False))
    return rows


def _flagged(
    report: Mapping[str, object], complaints: Mapping[str, list[ComplaintLink]], language: Language
) -> list[tuple[str, list[ComplaintLink]]]:
    flagged = report["customers_flagged"]
    assert isinstance(flagged, list)
    named = []
    for number, customer in enumerate(flagged, 1):
        who = (
            f"客户 {number}：{customer['low_scores']} 份低分调查（共 {customer['surveys']} 份）"
            if language == "zh-CN"
            else f"Customer {number}: {customer['low_scores']} low surveys (of {customer['surveys']})"
        )
        named.append((who, complaints.get(str(customer["customer"]), [])))
    return named


def _bar(pct: object, colour: str) -> str:
    width = 0 if pct is None else max(0, min(100, round(float(str(pct)))))
    filled = (
        f'<td width="{width}%" style="background:{colour};height:10px;font-size:0;line-height:0">&nbsp;</td>'
        if width
        else ""
    )
    rest = (
        f'<td width="{100 - width}%" style="background:#e8eaed;height:10px;font-size:0;line-height:0">&nbsp;</td>'
        if width < 100
        else ""
    )
    return (
        '<table role="presentation" width="100%" cellpadding="0" cellspacing="0" style="border-collapse:collapse">'
        f"<tr>{filled}{rest}</tr></table>"
    )


def render_report(
    report: Mapping[str, object],
    complaints: Mapping[str, list[ComplaintLink]] | None = None,
    language: Language = "zh-CN",
) -> Email:
    """The monthly email: subject, text and HTML (every value escaped). `complaints`: per flagged customer's key,
    that month's complaints as links in the console."""
    complaints = complaints or {}
    e = html.escape
    month = str(report["month"])
    total = report["total"]
    assert isinstance(total, dict)
    title = f"{_w('title', language)} {month}"
    facts = _summary(report, language)
    missed = [fact for fact in facts if fact.missed]
    if language == "zh-CN":
        subject = f"【{title}】{total['received']} 件投诉" + (f"，{len(missed)} 项需关注" if missed else "")
    else:
        subject = f"[complaint SLA] {title}: {total['received']} complaints" + (
            f", {len(missed)} to look at" if missed else ""
        )
    colon = "：" if language == "zh-CN" else ": "
    lines = [title, ""]
    for fact in facts:
        lines.append(f"{'! ' if fact.missed else ''}{fact.label}{colon}{fact.value}")
    flagged = _flagged(report, complaints, language)
    for who, links in flagged:
        lines.append("")
        lines.append(who)
        lines.extend(f"  - {link.subject}: {link.link}" for link in links)
    summary_rows = "".join(
        f'<tr><td style="padding:4px 12px 4px 0;color:{_MUTED};vertical-align:top;width:38%">{e(fact.label)}</td>'
        f'<td style="padding:4px 0;vertical-align:top;{f"color:{_RED};font-weight:bold" if fact.missed else ""}">'
        f"{e(fact.value)}</td></tr>"
        for fact in facts
    )
    flagged_html = ""
    if flagged:
        items = "".join(
            f'<p style="margin:8px 0 2px 0;color:{_RED};font-weight:bold">{e(who)}</p>'
            + "".join(
                f'<div style="margin:0 0 2px 12px"><a href="{e(link.link, quote=True)}" style="color:#0b57d0">'
                f"{e(link.subject)}</a></div>"
                for link in links
            )
            for who, links in flagged
        )
        flagged_html = (
            f'<tr><td style="padding:14px 0 0 0"><div style="font-size:16px;font-weight:bold">'
            f"{e(_w('flagged', language))}</div>{items}</td></tr>"
        )
    categories = report["category"]
    assert isinstance(categories, dict)
    bar_rows = []
    lines.append("")
    lines.append(_w("bars", language))
    for value, line in categories.items():
        name = _value_word("category", value, language)
        responded = _pct_text(line["responded_within_sla_pct"], language)
        resolved = _pct_text(line["resolved_within_sla_pct"], language)
        lines.append(
            f"  {name}{colon}{_SHORT['fr_on_time'][language != 'zh-CN']} {responded}，"
            f"{_SHORT['rs_on_time'][language != 'zh-CN']} {resolved}"
            if language == "zh-CN"
            else f"  {name}{colon}{_SHORT['fr_on_time'][1]} {responded}, {_SHORT['rs_on_time'][1]} {resolved}"
        )
        for label, pct, shown, colour in (
            (_SHORT["fr_on_time"][language != "zh-CN"], line["responded_within_sla_pct"], responded, "#1a73e8"),
            (_SHORT["rs_on_time"][language != "zh-CN"], line["resolved_within_sla_pct"], resolved, _GREEN),
        ):
            bar_rows.append(
                f'<tr><td style="padding:2px 8px 2px 0;font-size:13px;white-space:nowrap;width:30%">{e(name)} · '
                f'{e(label)}</td><td style="padding:2px 0">{_bar(pct, colour)}</td>'
                f'<td style="padding:2px 0 2px 8px;font-size:13px;white-space:nowrap;width:64px;text-align:right">'
                f"{e(shown)}</td></tr>"
            )
    tables = []
    for dimension in DIMENSIONS:
        rows = _dimension_rows(report, dimension, language)
        if not rows:
            continue
        headers = [_SHORT[column][language != "zh-CN"] for column in _COLUMNS]
        lines.append("")
        lines.append(_w(dimension, language))
        for name, cells, failed in rows:
            described = ("，" if language == "zh-CN" else ", ").join(
                f"{header} {cell}" for header, cell in zip(headers, cells, strict=True)
            )
            lines.append(f"  {'! ' if failed else ''}{name}{colon}{described}")
        head = "".join(
            f'<th style="padding:4px 6px;text-align:right;font-size:12px;color:{_MUTED};font-weight:normal">'
            f"{e(header)}</th>"
            for header in headers
        )
        body = "".join(
            f'<tr><td style="padding:4px 6px 4px 0;border-top:1px solid #e0e0e0">{e(name)}</td>'
            + "".join(
                f'<td style="padding:4px 6px;border-top:1px solid #e0e0e0;text-align:right;'
                f'{f"color:{_RED};font-weight:bold" if failed and index == len(cells) - 1 else ""}">{e(cell)}</td>'
                for index, cell in enumerate(cells)
            )
            + "</tr>"
            for name, cells, failed in rows
        )
        tables.append(
            f'<tr><td style="padding:14px 0 0 0"><div style="font-size:16px;font-weight:bold;margin-bottom:4px">'
            f"{e(_w(dimension, language))}</div>"
            '<table role="presentation" width="100%" cellpadding="0" cellspacing="0" '
            'style="border-collapse:collapse;font-size:14px;table-layout:fixed">'
            f'<tr><th style="text-align:left;width:24%"></th>{head}</tr>{body}</table></td></tr>'
        )
    lines.append("")
    lines.append(_w("csv", language))
    body_html = (
        '<!DOCTYPE html><html><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1"></head>'
        '<body style="margin:0;padding:0;background:#f1f3f4">'
        '<table role="presentation" width="100%" cellpadding="0" cellspacing="0" style="background:#f1f3f4">'
        '<tr><td align="center" style="padding:12px">'
        '<table role="presentation" width="100%" cellpadding="0" cellspacing="0" '
        f'style="max-width:600px;background:#ffffff;{_FONT}">'
        '<tr><td style="padding:16px 16px 0 16px">'
        f'<div style="font-size:20px;font-weight:bold">{e(title)}</div></td></tr>'
        '<tr><td style="padding:8px 16px 16px 16px"><table role="presentation" width="100%" cellpadding="0" '
        'cellspacing="0" style="border-collapse:collapse">'
        f'<tr><td><table role="presentation" width="100%" cellpadding="0" cellspacing="0" '
        f'style="border-collapse:collapse;font-size:14px">{summary_rows}</table></td></tr>'
        f"{flagged_html}"
        f'<tr><td style="padding:14px 0 0 0"><div style="font-size:16px;font-weight:bold;margin-bottom:4px">'
        f"{e(_w('bars', language))}</div>"
        '<table role="presentation" width="100%" cellpadding="0" cellspacing="0" style="border-collapse:collapse">'
        f"{''.join(bar_rows)}</table></td></tr>"
        f"{''.join(tables)}"
        f'<tr><td style="padding:14px 0 0 0;font-size:13px;color:{_MUTED}">{e(_w("csv", language))}</td></tr>'
        "</table></td></tr></table></td></tr></table></body></html>"
    )
    return Email(subject=subject, text="\n".join(lines) + "\n", html=body_html)
