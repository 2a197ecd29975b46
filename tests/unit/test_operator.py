"""Operator notices and quarantine: backoff, failures described without the values they quote, the texts."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from pydantic import ValidationError

from chalicelib.clock import ShiftedClock, parse_start
from chalicelib.domain.calendar import CalendarNotCovered
from chalicelib.domain.model import Complaint
from chalicelib.domain.operator import (
    acknowledgement_given_up,
    describe_failure,
    horizon_notice,
    quarantine_notice,
    quarantined,
)
from chalicelib.domain.vocabulary import SendFailure

NOW = datetime(2026, 11, 22, 2, 0, tzinfo=UTC)


def test_a_quarantined_complaint_is_retried_after_5_then_15_then_every_60_minutes() -> None:
    first = quarantined(None, "broken", NOW)
    assert (first.attempts, first.since, first.retry_at) == (1, NOW, NOW + timedelta(minutes=5))
    second = quarantined(first, "broken", NOW + timedelta(minutes=5))
    assert (second.attempts, second.since, second.retry_at) == (2, NOW, NOW + timedelta(minutes=20))
    third = quarantined(second, "broken", NOW + timedelta(minutes=20))
    fourth = quarantined(third, "broken", NOW + timedelta(minutes=80))
    assert third.retry_at == NOW + timedelta(minutes=80)
    assert fourth.retry_at == NOW + timedelta(minutes=140)


def test_a_validation_failure_is_described_by_place_never_by_the_value_it_quotes() -> None:
    with pytest.raises(ValidationError) as caught:
        Complaint.model_validate({"id": "x", "customer": {"name": 12345678901}, "subject": "张三的电话 13800138000"})
    described = describe_failure(caught.value)
    assert "customer.name" in described
    assert "12345678901" not in described
    assert "13800138000" not in described
    assert "张三" not in described


def test_other_failures_are_described_by_kind() -> None:
    assert describe_failure(json.JSONDecodeError("Expecting value", "{secret", 1)) == (
        "the stored complaint holds malformed JSON"
    )
    assert describe_failure(KeyError("13800138000")) == "KeyError while evaluating the complaint's clocks"
    assert "1900" in describe_failure(CalendarNotCovered("office", 1900, "holidays package covers CN from 1950"))


SHANGHAI = ZoneInfo("Asia/Shanghai")


def test_the_quarantine_notice_names_the_complaint_the_reason_and_the_next_try_in_chinese_or_english() -> None:
    quarantine = quarantined(None, "the stored complaint holds malformed JSON", NOW)
    chinese = quarantine_notice("a" * 32, quarantine, "https://x/", SHANGHAI, "zh-CN")
    english = quarantine_notice("a" * 32, quarantine, "https://x/", SHANGHAI, "en")
    assert chinese.notice_id == english.notice_id == "a" * 32 + ".quarantine"  # one notice, whatever the words
    assert chinese.link == english.link == "https://x/console/complaints/" + "a" * 32
    assert chinese.subject == "[投诉时限] 投诉 aaaaaaaa 无法计算时限，已隔离"
    assert "投诉 " + "a" * 32 + " 无法计算时限（the stored complaint holds malformed JSON）" in chinese.summary
    assert "系统会在 2026-11-22 10:05 (+08:00) 再次尝试" in chinese.summary
    assert "其他投诉不受影响" in chinese.summary
    assert english.subject == "[complaint SLA] complaint aaaaaaaa cannot be evaluated and is quarantined"
    assert "(the stored complaint holds malformed JSON)" in english.summary
    assert "next at 2026-11-22 10:05 (+08:00)" in english.summary
    assert chinese.detected_at == english.detected_at == "2026-11-22T10:00:00+08:00"
    assert chinese.attributes() == {"kind": "operator", "topic": "quarantine"}


def test_the_horizon_notice_says_what_to_do_in_chinese_or_english_and_is_one_per_calendar_and_iso_week() -> None:
    notice = horizon_notice("office", date(2026, 12, 31), date(2026, 11, 22), NOW, "en")
    assert notice.days_left == 39
    assert notice.notice_id == "calendar.office.2026-W47"
    assert notice.subject == "[complaint SLA] calendar office: confirmed holiday data ends 2026-12-31"
    assert "in 39 days" in notice.summary
    assert "calendars.office.confirmed_years" in notice.summary
    assert "2027" in notice.summary
    chinese = horizon_notice("office", date(2026, 12, 31), date(2026, 11, 22), NOW, "zh-CN")
    assert chinese.notice_id == notice.notice_id
    assert chinese.subject == "[投诉时限] 日历 office：已确认的节假日数据截至 2026-12-31"
    assert "只确认到 2026-12-31（还有 39 天）" in chinese.summary
    assert "2027 年的时限只按法定节假日计算，标记为暂定" in chinese.summary
    assert "calendars.office.confirmed_years 中写入 2027" in chinese.summary
    late = horizon_notice("office", date(2026, 12, 31), date(2027, 1, 4), NOW, "en")
    assert late.days_left == -4
    assert "4 days ago" in late.summary
    assert late.notice_id == "calendar.office.2027-W01"
    assert "（已过去 4 天）" in horizon_notice("office", date(2026, 12, 31), date(2027, 1, 4), NOW, "zh-CN").summary
    assert "（就是今天）" in horizon_notice("office", date(2026, 12, 31), date(2026, 12, 31), NOW, "zh-CN").summary


def test_the_given_up_acknowledgement_notice_is_worded_in_chinese_or_english_with_the_last_failure() -> None:
    shanghai = SHANGHAI
    since = NOW - timedelta(days=2, hours=1)
    failure = SendFailure.MAIL_REFUSED
    detail = "SES did not take the email (MessageRejected).\nTraceback"
    chinese = acknowledgement_given_up("a" * 32, since, failure, detail, 7, "https://x/", shanghai, "zh-CN", NOW)
    english = acknowledgement_given_up("a" * 32, since, failure, detail, 7, "https://x/", shanghai, "en", NOW)
    assert chinese.notice_id == english.notice_id == "a" * 32 + ".acknowledgement"  # one notice, whatever the words
    assert chinese.link == english.link == "https://x/console/complaints/" + "a" * 32
    assert chinese.subject == "[投诉时限] 投诉 aaaaaaaa 的受理确认邮件未能发出，已停止重试"
    assert "自 2026-11-20 09:00 (+08:00) 起" in chinese.summary
    assert "7 次尝试均失败" in chinese.summary
    assert (
        "最后一次失败：邮件服务未能发送该邮件。技术信息：SES did not take the email (MessageRejected). Traceback。"
        in chinese.summary
    )
    assert english.subject == "[complaint SLA] complaint aaaaaaaa: acknowledgement email given up"
    assert (
        "Last failure: the mail service did not send the email. Technical detail: SES did not take" in english.summary
    )
    assert "\n" not in english.summary  # the adapter's words on one line
    unknown = acknowledgement_given_up("a" * 32, since, None, "", 0, "https://x/", shanghai, "en", NOW)
    assert "Last failure: no failure was recorded" in unknown.summary
    assert "the attempts were not recorded" in unknown.summary  # not "0 attempt(s) failed"
    chinese_unknown = acknowledgement_given_up("a" * 32, since, None, "", 0, "https://x/", shanghai, "zh-CN", NOW)
    assert "尝试次数未记录" in chinese_unknown.summary
    assert "技术信息" not in chinese_unknown.summary
    assert unknown.attributes() == {"kind": "operator", "topic": "acknowledgement_given_up"}


def test_a_shifted_clock_starts_at_its_instant_and_runs_in_real_time() -> None:
    real = iter([NOW, NOW + timedelta(seconds=90)])
    clock = ShiftedClock(parse_start("2026-12-31T16:00:00+08:00"), real=lambda: next(real))
    assert clock.now() == datetime(2026, 12, 31, 8, 1, 30, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "problem"),
    [("2026-12-31T16:00:00", "has no UTC offset"), ("next tuesday", "is not an ISO 8601 instant")],
)
def test_a_local_clock_start_without_an_offset_or_not_a_date_is_refused(text: str, problem: str) -> None:
    with pytest.raises(ValueError, match=problem):
        parse_start(text)
