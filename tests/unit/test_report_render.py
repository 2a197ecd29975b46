"""The monthly report email (pure): a missed pass mark in red with its number, durations in words, yes/no in words,
bars in HTML (no SVG), the flagged customer named by complaint links, in Chinese by default and in English."""

from __future__ import annotations

from chalicelib.domain.policy import SatisfactionRule
from chalicelib.domain.report import build_report
from chalicelib.domain.report_render import ComplaintLink, render_report

ROWS = {
    "all#all": {"received": 6, "fr_total": 6, "fr_within": 5, "fr_b16": 6, "surveys": 6, "score_sum": 20,
                "satisfied": 5, "low": 3, "customer_surveys": 1, "customer_score_sum": 5, "customer_satisfied": 1,
                "breach_first_response_major": 1},
    "category#service": {"received": 6, "fr_total": 6, "fr_within": 5, "fr_b16": 6, "surveys": 6, "score_sum": 20,
                         "satisfied": 5},
    "customer#k1": {"surveys": 3, "low": 3},
}  # fmt: skip
REPORT = build_report("2026-10", ROWS, SatisfactionRule())
LINKS = {"k1": [ComplaintLink("漏水 <again>", "https://sla.example.com/console/complaints/abc")]}


def test_a_missed_pass_mark_is_red_with_its_number() -> None:
    email = render_report(REPORT, LINKS)
    assert email.subject == "【服务质量月报 2026-10】6 件投诉，3 项需关注"
    assert "! 满意度：83.3%，未达 85% 合格线（6 份调查）" in email.text
    assert 'color:#b3261e;font-weight:bold">83.3%，未达 85% 合格线' in email.html
    assert "首次响应用时（中位数 / 90%）：≤ 36 小时 / ≤ 36 小时" in email.text
    assert "129600" not in email.html
    assert "客户本人评价：1 份，满意 100.0%" in email.text
    assert "违约次数：1（首次响应重大违约 1 次）" in email.text
    assert ">否</td>" in email.html
    assert "False" not in email.html
    assert "<svg" not in email.html
    assert "<img" not in email.html
    assert "max-width:600px" in email.html


def test_the_customer_who_may_terminate_is_named_by_links_to_their_complaints() -> None:
    email = render_report(REPORT, LINKS)
    assert '<a href="https://sla.example.com/console/complaints/abc"' in email.html
    assert "漏水 &lt;again&gt;</a>" in email.html
    assert "  - 漏水 <again>: https://sla.example.com/console/complaints/abc" in email.text
    assert "k1" not in email.html
    assert "k1" not in email.text


def test_the_report_reads_in_english_by_the_policy() -> None:
    email = render_report(REPORT, LINKS, "en")
    assert email.subject == "[complaint SLA] Service-quality report 2026-10: 6 complaints, 3 to look at"
    assert "! Satisfaction: 83.3%, below the 85% pass mark (6 surveys)" in email.text
    assert "Time to first response (median / 90%): ≤ 36 h / ≤ 36 h" in email.text
    assert ">no</td>" in email.html
    assert "Service: Response on time 83.3%" in email.text
