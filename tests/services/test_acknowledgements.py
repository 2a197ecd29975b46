"""A customer's acknowledgement email that never goes out is never given up silently: after two days of failures the
operator is told once (which complaint, its console link, the last failure in words, never the customer's contact
details), however many scans get there, and an ops topic that cannot take the notice keeps it owed until it can."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from chalicelib.domain.errors import Unavailable
from chalicelib.domain.intake import validate_submission
from chalicelib.domain.links import console_link
from chalicelib.domain.model import Complaint
from chalicelib.domain.opening import build_complaint, received_event
from chalicelib.domain.receipts import acknowledgement
from chalicelib.domain.words import Language
from chalicelib.ports import RECEIPT_SCOPE
from chalicelib.services.customer import GIVE_UP
from tests.conftest import World
from tests.intake import URGENT, relay

NOW = datetime(2026, 11, 23, 4, 0, tzinfo=UTC)  # Monday 12:00 in Shanghai
CUSTOMER = {"customer_name": "张三", "customer_email": "zhang.san@example.com", "customer_phone": "13800138000"}
LATER = NOW + GIVE_UP + timedelta(minutes=10)  # past the give-up (two days after the intake's lease ran out)


def received(world: World) -> Complaint:
    """A complaint taken in as intake takes one: with its receipt, then its acknowledgement tried (and failed)."""
    world.at(NOW)
    submission = validate_submission(
        {**CUSTOMER, "category": "service", "priority": "urgent", "subject": "客服没有回电话"}, NOW
    )
    complaint = build_complaint(submission, world.services.policies, "ack-1", NOW, "test")
    issued = world.services.customer.issue(complaint, NOW)
    world.adapters.complaints.create(complaint, received_event(complaint, NOW, "test"), [], receipt=issued.receipt)
    world.mailer.failing = True
    assert not world.services.customer.acknowledge(complaint, issued, NOW)
    return complaint


def failing_for_two_days(world: World) -> Complaint:
    complaint = received(world)
    for hours in (1, 12, 40):
        assert world.services.customer.retry(NOW + timedelta(hours=hours)) == 0
    assert world.ops.published == []  # still retried: nobody is told yet
    return complaint


def test_an_acknowledgement_given_up_tells_the_operator_once_which_complaint_and_why(world: World) -> None:
    complaint = failing_for_two_days(world)
    assert world.services.customer.retry(LATER) == 0
    [told] = world.ops.published
    assert (told.topic, told.complaint_id) == ("acknowledgement_given_up", complaint.id)
    assert told.link == console_link(world.services.settings.public_base_url, complaint.id)
    assert complaint.id in told.summary
    assert "最后一次失败：邮件服务未能发送该邮件。技术信息：The mail service did not take the email。" in told.summary
    assert "4 次尝试均失败" in told.summary  # the intake's attempt and three scans'
    assert "2026-11-23 12:00 (+08:00)" in told.summary  # owed since the complaint came in
    assert "Traceback" not in told.summary
    assert world.services.adapters.claims.owed() == []  # given up: off the retry list
    assert world.services.customer.retry(LATER + timedelta(minutes=1)) == 0
    assert world.services.customer.retry(LATER + timedelta(days=1)) == 0
    assert len(world.ops.published) == 1
    assert world.mailer.sent == []


def test_the_operator_notice_never_carries_the_customers_contact_details(world: World) -> None:
    failing_for_two_days(world)
    world.services.customer.retry(LATER)
    [told] = world.ops.published
    shown = json.dumps(told.message(), ensure_ascii=False) + json.dumps(told.attributes(), ensure_ascii=False)
    for detail in CUSTOMER.values():
        assert detail not in shown


def test_an_overlapping_scan_that_read_the_retry_list_before_the_give_up_sends_no_second_notice(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    failing_for_two_days(world)
    read_before = world.adapters.claims.owed()  # a second scan has read the list; the first one then gives up
    assert world.services.customer.retry(LATER) == 0
    monkeypatch.setattr(world.adapters.claims, "owed", lambda: [dict(facts) for facts in read_before])
    assert world.services.customer.retry(LATER) == 0  # at the same moment
    assert world.services.customer.retry(LATER + timedelta(minutes=30)) == 0  # and after the first one's lease
    assert len(world.ops.published) == 1


def test_a_scan_that_died_after_telling_the_operator_leaves_it_to_the_next_which_tells_no_one_again(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    failing_for_two_days(world)
    claims = world.adapters.claims

    def died(scope: str, name: str) -> None:
        raise RuntimeError("the scan was stopped")

    with monkeypatch.context() as patched:
        patched.setattr(claims, "forget", died)
        with pytest.raises(RuntimeError):
            world.services.customer.retry(LATER)
    assert len(claims.owed()) == 1  # still owed: the next scan finishes the give-up
    assert world.services.customer.retry(LATER + timedelta(minutes=10)) == 0
    assert claims.owed() == []
    assert len(world.ops.published) == 1


def test_while_the_ops_topic_cannot_take_the_notice_the_acknowledgement_stays_owed_until_it_can(
    world: World,
) -> None:
    complaint = failing_for_two_days(world)
    world.ops.failing = True
    assert world.services.customer.retry(LATER) == 0
    assert [facts["name"] for facts in world.adapters.claims.owed()] == [complaint.id]
    world.ops.failing = False
    assert world.services.customer.retry(LATER + timedelta(minutes=10)) == 0
    assert [told.complaint_id for told in world.ops.published] == [complaint.id]
    assert world.adapters.claims.owed() == []


def test_a_complaint_that_cannot_be_read_is_retried_and_given_up_with_that_reason(world: World) -> None:
    complaint = received(world)
    world.mailer.failing = False
    assert world.memory is not None
    world.memory.damage(complaint.id, priority="no-such-priority")
    assert world.services.customer.retry(NOW + timedelta(hours=1)) == 0
    [owed] = world.adapters.claims.owed()
    assert (owed["failure"], owed["attempts"]) == ("complaint_unreadable", "2")
    world.services.customer.retry(LATER)
    [told] = world.ops.published
    assert "投诉记录无法读取" in told.summary
    assert not world.adapters.claims.happened(RECEIPT_SCOPE, complaint.id)


def test_an_acknowledgement_past_two_days_of_an_erased_complaint_is_dropped_and_nobody_asked_to_contact_the_customer(
    world: World,
) -> None:
    complaint = failing_for_two_days(world)
    world.at(LATER - timedelta(minutes=5))
    erased = world.services.workflow.erase(
        complaint.id, {"reason": "客户要求删除个人信息"}, world.clock.now(), "li.lei"
    )
    assert erased.customer.email is None
    assert world.services.customer.retry(LATER) == 0
    assert world.ops.published == []  # there is nobody to contact: no "contact the customer" notice
    assert world.adapters.claims.owed() == []


def test_a_failure_that_cannot_be_recorded_still_answers_the_intake_with_its_receipt(
    world: World, api: object, monkeypatch: pytest.MonkeyPatch
) -> None:
    world.at(NOW)
    world.mailer.failing = True

    def unavailable(*_: object, **__: object) -> None:
        raise Unavailable("DynamoDB throttled the write")

    monkeypatch.setattr(world.adapters.claims, "release", unavailable)
    response = relay(api, {**URGENT, **CUSTOMER})
    assert response.status_code == 201, response.body  # stored: the customer's link is answered, not a 503
    created = json.loads(response.body)
    assert created["receipt_url"]
    assert [facts["name"] for facts in world.adapters.claims.owed()] == [created["id"]]  # a later scan retries it


@pytest.mark.parametrize(
    ("language", "owned", "promised"),
    [
        (
            "zh-CN",
            "我们已超过承诺的 30 分钟回复时限，正在尽快处理",
            "我们将在 2 小时内解决您的问题（最迟 11月23日 13:50）",
        ),
        (
            "en",
            "We have gone past the 30 min we promised for our reply, and are dealing with it as fast as we can",
            "We will solve the problem within 2 h (by 23 Nov 13:50)",
        ),
    ],
)
def test_an_acknowledgement_made_after_a_deadline_owns_it_instead_of_promising_a_past_time(
    world: World, language: Language, owned: str, promised: str
) -> None:
    submission = validate_submission(
        {**CUSTOMER, "category": "service", "priority": "urgent", "subject": "客服没有回电话"}, NOW
    )
    complaint = build_complaint(submission, world.services.policies, "ack-late", NOW - timedelta(minutes=10), "test")
    made = NOW + timedelta(minutes=20)  # relayed late: its 30-minute first response falls due as the email is made
    email = acknowledgement(complaint, "https://example.com/r/x", world.services.policies.display.tz, language, made)
    assert owned in email.text
    assert owned in email.html
    assert promised in email.text
    assert ("最迟 11月23日 12:20" if language == "zh-CN" else "by 23 Nov 12:20") not in email.text
