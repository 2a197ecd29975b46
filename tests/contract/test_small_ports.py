"""The contracts of the smaller ports, held by twin and adapter alike: claims (once, released, stale, retry list),
markers, the notice log, the report store's replace, the notifiers and the mailer (success and failure)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from chalicelib.domain.errors import Unavailable
from chalicelib.domain.messages import Email
from chalicelib.domain.notices import Notice
from chalicelib.domain.operator import horizon_notice
from chalicelib.domain.vocabulary import Audience, Level
from tests.contract.conftest import Backend

NOW = datetime(2026, 11, 22, 1, 0, tzinfo=UTC)


def test_a_claim_is_taken_once_until_released_or_stale(backend: Backend) -> None:
    claims = backend.adapters.claims
    assert claims.claim("on_call", "hourly#1", NOW)
    assert not claims.happened("on_call", "hourly#1")
    assert not claims.claim("on_call", "hourly#1", NOW + timedelta(minutes=1))
    claims.release("on_call", "hourly#1")
    assert claims.claim("on_call", "hourly#1", NOW + timedelta(minutes=2))
    assert claims.claim("on_call", "hourly#1", NOW + timedelta(minutes=8))  # the holder died: its lease ran out
    claims.done("on_call", "hourly#1", NOW + timedelta(minutes=9), {"message_id": "m"})
    assert claims.happened("on_call", "hourly#1")
    assert not claims.happened("on_call", "hourly#2")
    assert not claims.claim("on_call", "hourly#1", NOW + timedelta(hours=9))
    claims.release("on_call", "hourly#1")  # a release after done changes nothing
    assert not claims.claim("on_call", "hourly#1", NOW + timedelta(hours=10))


def test_the_retry_list_keeps_claimed_work_until_it_is_done_or_forgotten(backend: Backend) -> None:
    claims = backend.adapters.claims
    assert claims.claim("on_call", "hourly#a", NOW, retry={"title": "Hourly digest"})
    assert claims.claim("regional_manager", "hourly#a", NOW, retry={"title": "Hourly digest"})
    claims.release("on_call", "hourly#a")
    owed = sorted((facts["scope"], facts["name"], facts["title"]) for facts in claims.owed())
    assert owed == [("on_call", "hourly#a", "Hourly digest"), ("regional_manager", "hourly#a", "Hourly digest")]
    claims.done("on_call", "hourly#a", NOW)
    claims.forget("regional_manager", "hourly#a")
    assert claims.owed() == []


def test_a_release_notes_the_last_failure_on_the_retry_list_and_never_brings_back_a_marker(backend: Backend) -> None:
    claims = backend.adapters.claims
    assert claims.claim("on_call", "hourly#a", NOW, retry={"title": "Hourly digest"})
    claims.release("on_call", "hourly#a", retry={"failure": "mail_refused", "attempts": "1"})
    claims.release("on_call", "hourly#a", retry={"attempts": "2", "scope": "other", "name": "other"})
    assert claims.owed() == [
        {"scope": "on_call", "name": "hourly#a", "title": "Hourly digest", "failure": "mail_refused", "attempts": "2"}
    ]
    assert claims.claim("on_call", "hourly#a", NOW + timedelta(minutes=1))  # released: the next run may take it
    claims.done("on_call", "hourly#a", NOW + timedelta(minutes=2))
    claims.release("on_call", "hourly#a", retry={"attempts": "3"})  # done meanwhile: no marker comes back
    claims.release("on_call", "hourly#b", retry={"attempts": "1"})  # never on the list: none is made
    assert claims.owed() == []
    assert claims.happened("on_call", "hourly#a")


def test_markers_keep_a_value_between_runs(backend: Backend) -> None:
    markers = backend.adapters.markers
    assert markers.get("confirmed-years") is None
    markers.put("confirmed-years", "office:2026")
    markers.put("confirmed-years", "office:2026,2027")
    assert markers.get("confirmed-years") == "office:2026,2027"


def test_a_month_of_report_rows_is_replaced_whole(backend: Backend) -> None:
    reports = backend.adapters.reports
    reports.replace("2026-10", {"all#all": {"received": 3}, "category#service": {"received": 3}})
    reports.replace("2026-10", {"all#all": {"received": 2}})
    assert reports.rows("2026-10") == {"all#all": {"received": 2}}
    assert reports.rows("2026-09") == {}


def notice(number: int, audience: Audience = Audience.ON_CALL) -> Notice:
    return Notice(
        notice_id=f"c{number}.first_response.1.minor.{audience.value}",
        complaint_id=f"c{number}",
        clock="first_response",
        cycle=1,
        level=Level.MINOR,
        audience=audience,
        deadline=NOW.isoformat(),
        detected_at=(NOW + timedelta(minutes=number)).isoformat(),
        overdue_seconds=60,
        priority="urgent",
        category="service",
        policy="urgent@2026.11",
        link="https://sla.example.com/complaints/c",
        summary="s",
    )


def test_a_notifier_says_what_it_delivered_and_what_not(backend: Backend) -> None:
    batch = [notice(number) for number in range(12)]
    delivered = backend.adapters.notifier.publish(batch)
    assert delivered.delivered == {n.notice_id for n in batch}
    assert delivered.failed == frozenset()
    with backend.topic_down():
        refused = backend.adapters.notifier.publish(batch[:3])
    assert refused.delivered == frozenset()
    assert refused.failed == {n.notice_id for n in batch[:3]}


def test_an_ops_notifier_says_whether_the_topic_took_the_notice(backend: Backend) -> None:
    told = horizon_notice("office", NOW.date() + timedelta(days=39), NOW.date(), NOW, "zh-CN")
    assert backend.adapters.ops.publish(told)
    with backend.topic_down():
        assert not backend.adapters.ops.publish(told)


def test_a_mailer_returns_a_message_id_or_is_unavailable(backend: Backend) -> None:
    email = Email(subject="主题 subject", text="text", html="<p>html</p>")
    message_id = backend.adapters.mailer.send(["on-call@example.com"], email, "hourly#x.on_call", NOW)
    assert message_id
    with backend.mail_down(), pytest.raises(Unavailable) as failed:
        backend.adapters.mailer.send(["on-call@example.com"], email, "hourly#y.on_call", NOW)
    assert "on-call@example.com" not in failed.value.detail  # the detail is told to the operator: never an address
    if backend.name == "dynamodb":
        assert "ServiceUnavailable" in failed.value.detail  # SES's error code says why, for the operator


def test_a_mailer_dates_an_email_by_the_apps_clock_not_the_machines(backend: Backend) -> None:
    email = Email(subject="主题 subject", text="text", html="<p>html</p>")
    rehearsed = datetime(2026, 12, 31, 15, 59, 30, tzinfo=UTC)  # New Year's Eve in Shanghai, as a rehearsal sets it
    backend.adapters.mailer.send(["on-call@example.com"], email, "hourly#z.on_call", rehearsed)
    assert backend.mail_dates() == [rehearsed]


def test_a_relay_queue_takes_delays_and_never_raises(backend: Backend) -> None:
    """A delay for a receipt the queue does not know (the message was deleted meanwhile) is logged, not raised:
    the message then comes back after the visibility timeout. That a delay hides a message is shown on SQS by
    tests/integration/test_relay.py (a failed channel's message is not received again during its backoff)."""
    backend.adapters.relay_queue.delay({"no-such-receipt": 30})
    backend.adapters.relay_queue.delay({})
