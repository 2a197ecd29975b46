"""Digest entries and rendering (pure): masking, ordering, warnings vs breaches, escaping."""

from __future__ import annotations

import html
import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from chalicelib.domain.digest import digest_entries
from chalicelib.domain.digest_render import render
from chalicelib.domain.intake import validate_submission
from chalicelib.domain.masking import mask_email, mask_name, mask_phone
from chalicelib.domain.model import Complaint
from chalicelib.domain.notices import Notice, owed_notices
from chalicelib.domain.opening import build_complaint
from chalicelib.domain.policy import parse_policy
from chalicelib.domain.vocabulary import DigestKind
from chalicelib.domain.words import Language
from chalicelib.settings import DEFAULT_POLICY_FILE

SHANGHAI = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 11, 17, 10, 40, tzinfo=SHANGHAI)
POLICIES = parse_policy(DEFAULT_POLICY_FILE.read_text(encoding="utf-8"), "default.yaml")


@pytest.mark.parametrize(
    ("masked", "expected"),
    [
        (mask_name("张三"), "张*"),
        (mask_name("欧阳娜娜"), "欧***"),
        (mask_name("John Smith"), "J*** S****"),
        (mask_phone("13800138000"), "138****8000"),
        (mask_phone("+86 138 0013 8000"), "861******8000"),
        (mask_email("zhang.san@example.com"), "z***@example.com"),
    ],
)
def test_customer_details_are_masked(masked: str, expected: str) -> None:
    assert masked == expected


def _complaint(minutes_ago: int, subject: str = "s", complaint_id: str = "c") -> Complaint:
    data = {
        "customer_name": "张三",
        "customer_phone": "13800138000",
        "category": "service",
        "priority": "urgent",
        "subject": subject,
        "received_at": (NOW - timedelta(minutes=minutes_ago)).isoformat(),
    }
    return build_complaint(validate_submission(data, NOW), POLICIES, complaint_id, NOW, "test")


def test_breaches_come_first_by_severity_then_warnings_by_deadline() -> None:
    policies = POLICIES
    complaints = {}
    notices: list[Notice] = []
    for complaint_id, minutes in (("warn-late", 28), ("warn-early", 24), ("minor", 40), ("major", 70)):
        complaint = _complaint(minutes, complaint_id=complaint_id)
        updated, owed = owed_notices(complaint, NOW, policies, "https://sla.example.com")
        complaints[complaint_id] = updated
        notices.extend(n for n in owed if n.audience in ("on_call", "marketing_director"))
    entries = digest_entries(notices, complaints, NOW, policies, "https://sla.example.com")
    assert [e.complaint_id for e in entries] == ["major", "minor", "warn-late", "warn-early"]
    digest = render("on_call", DigestKind.HOURLY, entries, (NOW - timedelta(hours=1), NOW))
    assert digest.subject == "【每小时超时汇总】值班人员：2 项已超时，2 项即将超时"
    assert "还剩 2 分钟" in digest.text
    assert "已超时 10 分钟" in digest.text
    assert "https://sla.example.com/console/complaints/major" in digest.html
    english = render("on_call", DigestKind.HOURLY, entries, (NOW - timedelta(hours=1), NOW), "en")
    assert english.subject == "[complaint SLA] Hourly digest for On call: 2 breached, 2 about to breach"
    assert "2 min left" in english.text
    assert "10 min overdue" in english.text


def test_a_clock_no_longer_running_is_left_out() -> None:
    policies = POLICIES
    complaint = _complaint(40)
    updated, owed = owed_notices(complaint, NOW, policies, "")
    stopped = updated.model_copy(
        update={"clocks": {name: clock.model_copy(update={"cycle": None}) for name, clock in updated.clocks.items()}}
    )
    assert digest_entries(owed, {"c": stopped}, NOW, policies, "") == []
    assert digest_entries(owed, {}, NOW, policies, "") == []


def test_a_phone_number_or_email_in_the_subject_never_reaches_a_managers_digest() -> None:
    complaint = _complaint(40, subject="请回电 13900139000 或写信 wang.wu@example.com")
    updated, owed = owed_notices(complaint, NOW, POLICIES, "https://sla.example.com")
    [entry] = digest_entries(owed[:1], {complaint.id: updated}, NOW, POLICIES, "https://sla.example.com")
    digest = render("on_call", DigestKind.HOURLY, [entry], (NOW - timedelta(hours=1), NOW))
    for detail in ("13900139000", "wang.wu@example.com"):
        assert detail not in entry.subject
        assert detail not in digest.text
        assert detail not in digest.html
    assert "请回电" in digest.text


@pytest.mark.parametrize(
    ("kind", "language", "subject", "heading"),
    [
        (
            DigestKind.HOURLY,
            "zh-CN",
            "【每小时超时汇总】值班人员：1 项已超时，0 项即将超时",
            "每小时超时汇总 · 值班人员",
        ),
        (DigestKind.DAILY, "zh-CN", "【每日超时汇总】值班人员：1 项已超时，0 项即将超时", "每日超时汇总 · 值班人员"),
        (
            DigestKind.HOURLY,
            "en",
            "[complaint SLA] Hourly digest for On call: 1 breached, 0 about to breach",
            "Hourly digest · On call",
        ),
        (
            DigestKind.DAILY,
            "en",
            "[complaint SLA] Daily summary for On call: 1 breached, 0 about to breach",
            "Daily summary · On call",
        ),
    ],
)
def test_each_digest_kind_is_named_in_words_of_the_policys_language(
    kind: DigestKind, language: Language, subject: str, heading: str
) -> None:
    complaint = _complaint(40)
    updated, owed = owed_notices(complaint, NOW, POLICIES, "https://sla.example.com")
    [entry] = digest_entries(owed[:1], {complaint.id: updated}, NOW, POLICIES, "https://sla.example.com")
    digest = render("on_call", kind, [entry], (NOW - timedelta(days=1), NOW), language)
    assert digest.subject == subject
    assert digest.text.splitlines()[0] == heading
    assert html.escape(heading) in digest.html
    for code in ("hourly", "daily", "on_call", "first_response", "urgent", "service", "minor"):
        for shown in (digest.subject, digest.text, digest.html):
            assert not re.search(rf"(?<![A-Za-z]){code}(?![A-Za-z])", shown), (code, shown)
