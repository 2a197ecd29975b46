"""Escalation digests in moto: breach notices, then the hourly schedule -> one SES email per audience with
something to report, breaches first, masked and escaped; nothing when there is nothing; never twice."""

from __future__ import annotations

import email
import email.policy
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from moto.core.models import DEFAULT_ACCOUNT_ID
from moto.ses.models import ses_backends

from infra.definitions import LocalResources
from tests.conftest import World
from tests.integration.helpers import invoke, post

SHANGHAI = ZoneInfo("Asia/Shanghai")
# Tuesday 2026-11-17, inside office hours: 10:40 in Shanghai.
NOW = datetime(2026, 11, 17, 10, 40, tzinfo=SHANGHAI)


def sent_emails() -> list[Any]:
    """The digests SES took (the customers' acknowledgements left out)."""
    messages = ses_backends[DEFAULT_ACCOUNT_ID]["us-east-1"].sent_messages
    return [m for m in messages if ".receipt-" not in str(parsed(m)["Message-ID"])]


def parsed(message: Any) -> email.message.EmailMessage:
    return email.message_from_string(message.raw_data, policy=email.policy.default)


def text_and_html(message: email.message.EmailMessage) -> tuple[str, str]:
    text = message.get_body(preferencelist=("plain",))
    html = message.get_body(preferencelist=("html",))
    assert text is not None
    assert html is not None
    return text.get_content(), html.get_content()


@pytest.fixture
def breaches(world: World, api: Any) -> list[str]:
    """Three urgent complaints at 10:40: first response warning, minor and major breach."""
    world.at(NOW)
    ids = [
        post(api, NOW - timedelta(minutes=25), subject="warning <b>case</b>"),
        post(api, NOW - timedelta(minutes=45), subject="minor case", customer_name="张三"),
        post(api, NOW - timedelta(minutes=35), subject="<script>alert('x')</script>", customer_phone="13800138000"),
    ]
    invoke(api, "scan_due")
    return ids


def test_hourly_digest_goes_to_each_audience_with_news(
    world: World, api: Any, aws: LocalResources, breaches: list[str]
) -> None:
    world.at(NOW.replace(hour=11, minute=0, second=5))
    invoke(api, "send_digests")
    emails = {parsed(m)["To"]: parsed(m) for m in sent_emails()}
    # warnings go to assignee (no email) and on call; minor breaches to on call and the regional manager
    assert set(emails) == {"on-call@example.com", "regional.manager@example.com"}
    on_call = emails["on-call@example.com"]
    assert str(on_call["Subject"]).strip() == "【每小时超时汇总】值班人员：3 项已超时，0 项即将超时"
    text, html = text_and_html(on_call)
    order = [text.index(complaint_id) for complaint_id in (breaches[1], breaches[2], breaches[0])]
    assert order == sorted(order), "breaches first, the most overdue first, then warnings"
    assert "截止时间：11月17日 10:25" in text
    assert "首次响应" in text
    assert "首次响应" in html
    assert "负责人：未指派" in text
    assert "下一步：先指派负责人，再立即联系客户" in text
    for code in ("on_call", "first_response", "urgent", "service", "escalation"):
        assert code not in text
        assert code not in html
    assert f"http://127.0.0.1:8000/console/complaints/{breaches[1]}" in text
    assert "<script>" not in html
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in html
    assert "&lt;b&gt;case&lt;/b&gt;" in html
    for secret in ("张三", "13800138000", "zhang.san@example.com"):
        assert secret not in text
        assert secret not in html
    assert "张*" in text
    assert "138****8000" in text


def test_a_retried_invocation_sends_no_digest_twice(
    world: World, api: Any, aws: LocalResources, breaches: list[str]
) -> None:
    world.at(NOW.replace(hour=11, minute=0, second=5))
    invoke(api, "send_digests")
    first = len(sent_emails())
    world.at(NOW.replace(hour=11, minute=0, second=40))
    invoke(api, "send_digests")
    invoke(api, "send_digests")
    assert len(sent_emails()) == first == 2


def test_no_email_when_there_is_nothing_to_report(world: World, api: Any, aws: LocalResources) -> None:
    world.at(NOW)
    post(api, NOW - timedelta(minutes=1))  # nothing is due yet
    invoke(api, "scan_due")
    world.at(NOW.replace(hour=11, minute=0))
    invoke(api, "send_digests")
    assert sent_emails() == []


def test_no_hourly_digest_outside_office_hours_and_the_lunch_hour_rolls_into_the_next(
    world: World, api: Any, aws: LocalResources
) -> None:
    lunch = NOW.replace(hour=12, minute=40)
    world.at(lunch)
    post(api, lunch - timedelta(minutes=45))
    invoke(api, "scan_due")
    world.at(NOW.replace(hour=13, minute=0))  # 12:00-13:00 is the lunch break: no digest
    invoke(api, "send_digests")
    assert sent_emails() == []
    world.at(NOW.replace(hour=14, minute=0))  # 13:30-14:00 was open: covers 12:00-14:00
    invoke(api, "send_digests")
    assert {parsed(m)["To"] for m in sent_emails()} == {"on-call@example.com", "regional.manager@example.com"}


def test_the_daily_summary_covers_the_last_day(
    world: World, api: Any, aws: LocalResources, breaches: list[str]
) -> None:
    world.at((NOW + timedelta(days=1)).replace(hour=9, minute=0))
    invoke(api, "send_digests")
    subjects = sorted(str(parsed(m)["Subject"]).strip() for m in sent_emails())
    # a day on, every first response noticed yesterday stands at major: reported as breached, not as a warning
    assert subjects == [
        "【每日超时汇总】值班人员：3 项已超时，0 项即将超时",
        "【每日超时汇总】区域经理：2 项已超时，0 项即将超时",
    ]


def test_a_failed_send_is_retried_by_the_next_invocation(
    world: World, api: Any, aws: LocalResources, breaches: list[str]
) -> None:
    world.at(NOW.replace(hour=11, minute=0))
    events = world.aws.ses.meta.events

    class Failure:
        status_code = 500
        headers: dict[str, str] = {}  # noqa: RUF012

    def fail(**_: Any) -> Any:
        return Failure(), {"Error": {"Code": "ServiceUnavailable", "Message": "down"}}

    events.register("before-call.ses.SendRawEmail", fail)
    invoke(api, "send_digests")
    events.unregister("before-call.ses.SendRawEmail", fail)
    assert sent_emails() == []
    invoke(api, "send_digests")
    assert len(sent_emails()) == 2
