"""What people read of a notice: words, not codes; an SNS Subject under 100 characters on one line; an SMS that
fits one segment with its link (70 UCS-2 characters, counted here); the customer's details masked."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from chalicelib.domain.durations import spoken
from chalicelib.domain.links import complaint_id_of, console_link, short_code
from chalicelib.domain.model import Complaint, Contact, PolicyRef
from chalicelib.domain.notice_texts import SMS_GSM_LIMIT, SMS_UCS2_LIMIT, notice_subject, render, sms_limit
from chalicelib.domain.notices import Notice
from chalicelib.domain.vocabulary import Category, Channel, Complexity, Level, Priority

ID = "4e99faac1e434cfa9b4d53c5612fdb30"
CODES = (
    "first_response",
    "resolution",
    "progress_update",
    "site_visit",
    "follow_up",
    "warning",
    "minor",
    "major",
    "escalation",
    "urgent",
    "important",
    "general",
    "service",
    "staff",
    "product_quality",
    "on_call",
    "regional_manager",
    "marketing_director",
)
LEVELS = ("warning", "minor", "major", "escalation")
CLOCKS = ("first_response", "resolution", "progress_update", "site_visit", "follow_up")


def notice(**changes: Any) -> Notice:
    values: dict[str, Any] = {
        "notice_id": f"{ID}.first_response.1.minor.on_call",
        "complaint_id": ID,
        "clock": "first_response",
        "cycle": 1,
        "level": Level.MINOR,
        "audience": "on_call",
        "subject": "客服没有回电话",
        "deadline": "2026-11-22T12:31:07+08:00",
        "detected_at": "2026-11-22T12:46:09+08:00",
        "overdue_seconds": 902,
        "remaining_seconds": 0,
        "priority": "urgent",
        "category": "service",
        "policy": "urgent@2026.11",
        "link": console_link("https://sla.example.com", ID),
        "summary": "",
    }
    values.update(changes)
    return Notice.model_validate(values)


def test_the_email_of_a_minor_breach_says_what_slipped_how_late_which_complaint_who_owns_it_and_where() -> None:
    text = render(notice(assignee="wang.wei"), "zh-CN").email
    assert text.splitlines()[0] == (
        "投诉「客服没有回电话」的首次响应时限已轻微违约：截止 2026-11-22 12:31 (+08:00)，已超时 15 分钟。"
    )
    assert "优先级：紧急" in text
    assert "类别：服务" in text
    assert "级别：轻微违约" in text
    assert "负责人：wang.wei" in text
    assert "通知对象：值班人员" in text
    assert f"查看和处理：https://sla.example.com/console/complaints/{ID}" in text


def test_chinese_durations_are_spaced_one_way_a_space_before_digits_none_before_words() -> None:
    warned = render(notice(level=Level.WARNING, remaining_seconds=30, overdue_seconds=0), "zh-CN")
    assert "还剩不到 1 分钟。" in warned.headline
    late = render(notice(overdue_seconds=61), "zh-CN")
    assert "已超时 1 分钟。" in late.headline
    for text in (warned, late):
        shown = " ".join([text.subject, text.title, text.headline, text.email, *(value for _, value in text.facts)])
        assert "还剩 不到" not in shown
        assert not re.search(r"超时\d+ 分钟", shown)  # never half spaced (超时1 分钟)


@pytest.mark.parametrize("level", LEVELS)
@pytest.mark.parametrize("clock", CLOCKS)
@pytest.mark.parametrize("language", ["zh-CN", "en"])
def test_texts_show_words_never_internal_codes(level: str, clock: str, language: Any) -> None:
    for kind in ("breach", "resolved"):
        extra = {"outcome": "breached", "ended_at": "2026-11-22T13:00:00+08:00"} if kind == "resolved" else {}
        texts = render(notice(level=level, clock=clock, type=kind, priority="important", **extra), language)
        shown = "\n".join([texts.subject, texts.title, texts.headline, texts.sms, texts.email])
        shown = shown.replace(ID, "")
        # English words can spell some codes (minor, general, service); the codes with an underscore cannot
        for code in CODES if language == "zh-CN" else [code for code in CODES if "_" in code]:
            assert not re.search(rf"(?<![A-Za-z]){code}(?![A-Za-z])", shown), (code, shown)


def test_the_words_for_clocks_levels_priorities_and_categories_are_the_commitment_letters() -> None:
    shown = []
    for clock, level, priority, category in zip(
        CLOCKS, (*LEVELS, "minor"), ("urgent", "important", "general", "urgent", "urgent"),
        ("service", "staff", "product_quality", "service", "service"), strict=True,
    ):  # fmt: skip
        shown.append(render(notice(clock=clock, level=level, priority=priority, category=category), "zh-CN").email)
    text = "\n".join(shown)
    for word in ("首次响应", "解决", "进度更新", "上门", "回访", "预警", "轻微违约", "重大违约", "升级"):
        assert word in text
    for word in ("紧急", "重要", "一般", "服务", "员工", "产品质量"):
        assert word in text


def test_english_is_available() -> None:
    texts = render(notice(), "en")
    assert texts.subject == "[Minor breach] First response 15 min overdue: 客服没有回电话"
    assert texts.headline == (
        "First response of complaint “客服没有回电话” is a minor breach: due 2026-11-22 12:31 (+08:00), 15 min overdue."
    )
    assert "Priority: Urgent" in texts.email


@pytest.mark.parametrize("language", ["zh-CN", "en"])
@given(subject=st.text(min_size=0, max_size=200))
@settings(max_examples=60, deadline=None)
def test_the_sns_subject_is_one_line_under_100_characters(language: Any, subject: str) -> None:
    """https://docs.aws.amazon.com/sns/latest/api/API_Publish.html: "Subjects must be UTF-8 text with no line
    breaks or control characters, and less than 100 characters long.\""""
    shown = render(notice(subject=subject, level="escalation", overdue_seconds=10**7), language).subject
    assert len(shown) < 100
    assert not any(ord(char) < 32 or 0x7F <= ord(char) < 0xA0 or char in "\u2028\u2029" for char in shown)


SHORT_BASES = ["http://127.0.0.1:8000", "https://sla.example.com", "https://sla.example.co.cn"]


def worst_case_sms(base: str, level: str, clock: str) -> list[str]:
    """The SMS of a breach and of a resolve with the longest lateness words, the priority with the longest word,
    a long subject."""
    found = []
    for kind, extra in (("breach", {}), ("resolved", {"outcome": "breached"})):
        sent = notice(
            clock=clock,
            level=level,
            type=kind,
            priority="important",
            subject="客户反映洗衣机漏水三次上门都没修好" * 5,
            overdue_seconds=47 * 3600 + 59 * 60,
            remaining_seconds=59 * 60,
            link=console_link(base, ID),
            **extra,
        )
        found.append(render(sent, "zh-CN").sms)
    return found


@pytest.mark.parametrize("base", SHORT_BASES)
@pytest.mark.parametrize("level", LEVELS)
@pytest.mark.parametrize("clock", CLOCKS)
def test_a_chinese_sms_fits_one_segment_with_its_link(base: str, level: str, clock: str) -> None:
    """https://docs.aws.amazon.com/sns/latest/api/API_Publish.html: one SMS holds 70 UCS-2 characters; a single
    Chinese character makes the whole message UCS-2. Counted here with the longest words."""
    for sms in worst_case_sms(base, level, clock):
        assert len(sms) <= SMS_UCS2_LIMIT, sms
        assert sms.endswith(f" {base}/c/{short_code(ID)}"), sms
        assert "违约" in sms or "预警" in sms or "升级" in sms or "已恢复" in sms


@pytest.mark.parametrize("level", LEVELS)
def test_with_a_base_url_too_long_for_the_link_the_sms_names_the_complaint_instead(level: str) -> None:
    for sms in worst_case_sms("https://complaints-sla.example-company.com.cn", level, "progress_update"):
        assert len(sms) <= SMS_UCS2_LIMIT, sms
        assert sms.endswith(f" 投诉{ID[:8]}")


def test_the_sms_keeps_as_much_of_the_subject_as_fits() -> None:
    local = render(notice(link=console_link("http://127.0.0.1:8000", ID)), "zh-CN").sms
    assert local == f"轻微违约：紧急投诉首次响应超时15分钟 http://127.0.0.1:8000/c/{short_code(ID)}"  # no room for it
    short = console_link("https://s.cn", ID)
    assert (
        render(notice(link=short), "zh-CN").sms
        == f"轻微违约：紧急投诉首次响应超时15分钟「客服没有回电话」 https://s.cn/c/{short_code(ID)}"
    )
    long = render(notice(link=short, subject="客服没有回电话，已经等了一整天还没有任何人联系我"), "zh-CN").sms
    assert len(long) == SMS_UCS2_LIMIT
    assert "「客服没有回电话，已经…」" in long


def test_an_english_sms_in_the_gsm_alphabet_gets_160_characters() -> None:
    sms = render(notice(subject="The washing machine leaks again"), "en").sms
    assert sms_limit(sms) == SMS_GSM_LIMIT
    assert (
        sms
        == f'Minor breach: urgent complaint, first response 15 min overdue "The washing machine leaks again" https://sla.example.com/c/{short_code(ID)}'
    )
    chinese = render(notice(subject="客服没有回电话" * 10), "en").sms  # a Chinese subject would make it UCS-2
    assert (
        chinese
        == f"Minor breach: urgent complaint, first response 15 min overdue https://sla.example.com/c/{short_code(ID)}"
    )


@given(st.text(alphabet="0123456789abcdef", min_size=32, max_size=32))
def test_a_short_code_stands_for_exactly_one_complaint(complaint_id: str) -> None:
    code = short_code(complaint_id)
    assert len(code) == 22
    assert complaint_id_of(code) == complaint_id


@pytest.mark.parametrize("code", ["", "abc", "z" * 22, "0" * 21 + "!", "0" * 23])
def test_a_code_short_code_never_made_leads_nowhere(code: str) -> None:
    assert complaint_id_of(code) is None


def complaint(subject: str) -> Complaint:
    now = datetime(2026, 11, 22, 4, 0, tzinfo=UTC)
    return Complaint(
        id=ID,
        received_at=now,
        created_at=now,
        customer=Contact(name="赵六", email="zhao.liu@example.com", phone="139-1234-5678"),
        category=Category.SERVICE,
        priority=Priority.URGENT,
        complexity=Complexity.GENERAL,
        channel=Channel.WEB_FORM,
        subject=subject,
        policy=PolicyRef(name="urgent", version="2026.11"),
    )


@pytest.mark.parametrize(
    ("subject", "shown"),
    [
        ("赵六的快递丢了", "***的快递丢了"),
        ("请回电 139-1234-5678", "请回电 ***"),
        ("请打 +86 138 0013 8000 或 13800138000", "请打 *** 或 ***"),
        ("邮件 someone.else@example.org 联系", "邮件 *** 联系"),
        ("订单号 A12 三天没发货", "订单号 A12 三天没发货"),
        ("一\u2028二\u0085三", "一 二 三"),
    ],
)
def test_the_subject_a_notice_carries_has_no_contact_details(subject: str, shown: str) -> None:
    assert notice_subject(complaint(subject)) == shown


def test_the_subject_a_notice_carries_is_cut_to_80_characters() -> None:
    shown = notice_subject(complaint("很" * 200))
    assert len(shown) == 80
    assert shown.endswith("…")


@pytest.mark.parametrize(
    ("seconds", "zh", "en"),
    [(20, "不到 1 分钟", "under a minute"), (902, "15 分钟", "15 min"), (3900, "1 小时 5 分钟", "1 h 05 min"),
     (7200, "2 小时", "2 h"), (49 * 3600, "2 天 1 小时", "2 d 1 h"), (3 * 86400, "3 天", "3 d")],
)  # fmt: skip
def test_durations_in_words(seconds: int, zh: str, en: str) -> None:
    assert spoken(seconds, "zh-CN") == zh
    assert spoken(seconds, "en") == en


def test_a_provisional_deadline_is_said_so() -> None:
    texts = render(notice(provisional=True), "zh-CN")
    assert texts.note is not None
    assert "暂定" in texts.email
    assert "暂定" not in render(notice(), "zh-CN").email
