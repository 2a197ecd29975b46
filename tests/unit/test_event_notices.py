"""Notices on events (a policy's `notify`): what they carry and what they never do — count as a breach in the
monthly report, or appear in an escalation digest; surveys judged by the policy's rule when recorded; flags read
from what forms send."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from chalicelib.domain.digest import digest_entries
from chalicelib.domain.errors import InvalidFields
from chalicelib.domain.intake import validate_submission
from chalicelib.domain.model import AuditEvent, Complaint
from chalicelib.domain.notice_texts import render
from chalicelib.domain.notices import compose, event_notices, notice_events, owed_notices
from chalicelib.domain.opening import build_complaint, received_event
from chalicelib.domain.policy import parse_policy
from chalicelib.domain.report import contributions
from chalicelib.domain.vocabulary import EventType, Level, NoticeType, Status

SH = ZoneInfo("Asia/Shanghai")
PATH = Path(__file__).resolve().parents[2] / "chalicelib" / "policy" / "letters" / "complaint-handling.yaml"
POLICIES = parse_policy(PATH.read_text(encoding="utf-8"), str(PATH))
AT = datetime(2026, 11, 17, 14, 0, tzinfo=SH)
BASE = "https://sla.example.com"


def complaint(**fields: object) -> Complaint:
    data = {
        "customer_name": "赵六",
        "customer_email": "zhao.liu@example.com",
        "customer_phone": "13700137000",
        "category": "product_quality",
        "subject": "漏水",
        "received_at": AT.isoformat(),
        **fields,
    }
    return build_complaint(validate_submission(data, AT), POLICIES, "e" * 32, AT, "test")


def test_a_product_quality_intake_owes_one_report_per_audience_with_no_clock_and_no_deadline() -> None:
    made = complaint()
    notices = event_notices(made, received_event(made, AT, "test"), POLICIES, BASE)
    assert [(n.audience, n.notice_id) for n in notices] == [
        ("management_rep", f"{'e' * 32}.received.1.report.management_rep"),
        ("general_manager", f"{'e' * 32}.received.1.report.general_manager"),
    ]
    notice = notices[0]
    assert (notice.type, notice.level, notice.event, notice.clock, notice.deadline) == (
        NoticeType.EVENT,
        Level.REPORT,
        EventType.RECEIVED,
        None,
        None,
    )
    assert notice.attributes() == {
        "kind": "notice",
        "type": "event",
        "level": "report",
        "category": "product_quality",
        "priority": "general",
        "audience": "management_rep",
        "event": "received",
    }
    texts = render(notice, "zh-CN")
    assert texts.subject == "【知会】收到投诉：漏水"  # words, not codes
    assert notice.summary.startswith("知会：投诉「漏水」（一般，产品质量）收到投诉。缘由：")
    assert "篇一 4.6" in notice.summary
    assert render(notice, "en").subject == "[For information] Received: 漏水"
    text = notice.model_dump_json() + notice.summary + texts.email + texts.sms
    assert not any(detail in text for detail in ("赵六", "zhao.liu@example.com", "13700137000"))


def test_a_complaint_no_rule_names_owes_no_report() -> None:
    made = complaint(category="staff")
    assert event_notices(made, received_event(made, AT, "test"), POLICIES, BASE) == []


def test_reports_are_recorded_in_the_trail_and_never_counted_as_breaches() -> None:
    made = complaint()
    reports = event_notices(made, received_event(made, AT, "test"), POLICIES, BASE)
    events = notice_events(made, reports)
    assert [(e.sequence, e.by, e.details.get("event"), "first_of_level" in e.details) for e in events] == [
        (2, "notify", "received", False),
        (3, "notify", "received", False),
    ]
    assert [contributions(event) for event in events] == [{}, {}]
    late = AT + timedelta(hours=4)  # the site visit (3 working hours) is breached: that one counts, once
    _, breaches = owed_notices(made, late, POLICIES, BASE)
    counted = [contributions(event) for event in notice_events(made, breaches)]
    assert {"breach_site_visit_minor": 1} in counted
    assert sum(sum(c.values()) for c in counted) == 2  # first_response and site_visit, once each


def test_a_digest_leaves_reports_out() -> None:
    made = complaint()
    reports = event_notices(made, received_event(made, AT, "test"), POLICIES, BASE)
    assert digest_entries(reports, {made.id: made}, AT + timedelta(minutes=5), POLICIES, BASE) == []


def _survey(score: int, **judged: str) -> AuditEvent:
    details = {"score": str(score), **judged}
    return AuditEvent(
        sequence=9, type=EventType.SATISFACTION, at=AT, recorded_at=AT, by="s", status_after=Status.CLOSED,
        details=details,
    )  # fmt: skip


def test_a_survey_counts_as_the_policy_judged_it_when_recorded() -> None:
    assert contributions(_survey(3, satisfied="false", low="true")) == {"surveys": 1, "score_sum": 3, "low": 1}
    assert contributions(_survey(3)) == {"surveys": 1, "score_sum": 3}  # an older event: 4+ satisfied, 2- low
    assert contributions(_survey(2)) == {"surveys": 1, "score_sum": 2, "low": 1}


@pytest.mark.parametrize(
    ("given", "flag"),
    [
        (True, True),
        ("true", True),
        ("是", True),
        ("Yes", True),
        ("on", True),
        ("否", False),
        ("", False),
        (None, False),
    ],
)
def test_a_flag_is_read_as_forms_send_it(given: object, flag: bool) -> None:
    assert complaint(warranty=given).warranty is flag


@pytest.mark.parametrize("given", ["maybe", 1, ["true"]])
def test_a_flag_that_is_not_yes_or_no_is_a_field_error(given: object) -> None:
    with pytest.raises(InvalidFields) as refused:
        complaint(remote_area=given)
    assert [error.field for error in refused.value.errors] == ["remote_area"]


def test_a_notice_is_composed_of_its_complaints_facts_and_refuses_a_field_it_does_not_have() -> None:
    made = complaint(subject="漏水，请打 13700137000")
    notice = compose(
        made,
        BASE,
        "zh-CN",
        notice_id="n1",
        cycle=1,
        level=Level.REPORT,
        audience="on_call",
        detected_at=AT.isoformat(),
    )
    assert (notice.complaint_id, notice.priority, notice.category, notice.link) == (
        made.id,
        made.priority.value,
        "product_quality",
        f"{BASE}/console/complaints/{made.id}",
    )
    assert "13700137000" not in notice.subject
    assert notice.summary
    with pytest.raises(TypeError, match="no field detcted_at"):
        compose(made, BASE, "zh-CN", notice_id="n1", cycle=1, level=Level.REPORT, audience="on_call", detcted_at="x")
