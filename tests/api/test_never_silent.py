"""Never silent, through the API on the twins: a complaint that cannot be evaluated shows why and is released once
repaired; provisional deadlines are recomputed when their year is confirmed (audit trail, due index); the operator
hears of the calendar cliff weekly, with a metric; a failed digest is retried by later runs until sent, a digest
lists at most 50 entries, and neither a digest nor a report rebuild stops at a complaint that cannot be read."""

from __future__ import annotations

import json
from collections import Counter
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from chalicelib.settings import DEFAULT_POLICY_FILE
from tests.conftest import STAFF, World
from tests.integration.helpers import invoke, post

SHANGHAI = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 11, 17, 10, 40, tzinfo=SHANGHAI)  # a Tuesday in office hours
PLENTY = 600.0


def alerts(world: World) -> list[dict[str, Any]]:
    """The alert notices published since the last call (drained)."""
    published = [notice.message() for notice in world.notifier.published]
    world.notifier.published.clear()
    return published


def ops(world: World) -> list[dict[str, Any]]:
    """The operator notices published since the last call (drained)."""
    published = [notice.message() for notice in world.ops.published]
    world.ops.published.clear()
    return published


def emails(world: World) -> list[tuple[str, str, str]]:
    """(recipients, subject, text) of every email sent."""
    return [
        (", ".join(sent.recipients), sent.email.subject, sent.email.text)
        for sent in world.mailer.sent
        if not sent.reference.startswith("receipt-")
    ]


def clocks_of(world: World, complaint_id: str) -> str:
    assert world.memory is not None
    clocks: str = world.memory.complaints[complaint_id].raw["clocks"]
    return clocks


# ----- one complaint never stops the others -----


def test_a_complaint_that_cannot_be_evaluated_shows_why_in_the_api_and_is_released_once_repaired(
    world: World, api: Any
) -> None:
    world.at(NOW)
    good = post(api, NOW - timedelta(minutes=25))
    bad = post(api, NOW - timedelta(minutes=25), category="product_quality")
    assert {(n["type"], n["event"]) for n in alerts(world)} == {("event", "received")}  # reported on intake
    before = clocks_of(world, bad)
    clocks = json.loads(before)
    long_ago = "1900-01-01T01:00:00Z"  # before any holiday data: the office calendar cannot measure from it
    clocks["site_visit"]["cycle"].update(warning_at=long_ago, deadline=long_ago, major_at=long_ago)
    world.memory.damage(bad, clocks=json.dumps(clocks))  # type: ignore[union-attr]
    invoke(api, "scan_due")
    assert {n["complaint_id"] for n in alerts(world)} == {good}
    [told] = ops(world)
    assert told["complaint_id"] == bad
    shown = json.loads(api.http.get(f"/complaints/{bad}", headers=STAFF).body)
    assert shown["quarantine"]["attempts"] == 1
    assert "no holiday data for 1900" in shown["quarantine"]["error"]
    assert shown["quarantine"]["retry_at"] == (NOW + timedelta(minutes=5)).isoformat()
    world.memory.damage(bad, clocks=before)  # type: ignore[union-attr]  # repaired
    world.at(NOW + timedelta(minutes=5))
    invoke(api, "scan_due")
    assert {(n["complaint_id"], n["clock"]) for n in alerts(world)} == {(bad, "first_response")}
    assert "quarantine" not in json.loads(api.http.get(f"/complaints/{bad}", headers=STAFF).body)


def test_an_unreadable_complaint_is_a_problem_in_the_api_not_a_crash(world: World, api: Any) -> None:
    world.at(NOW)
    complaint_id = post(api, NOW)
    world.memory.damage(complaint_id, priority="whatever")  # type: ignore[union-attr]
    response = api.http.get(f"/complaints/{complaint_id}", headers=STAFF)
    assert response.status_code == 500
    assert response.headers["Content-Type"] == "application/problem+json"
    body = json.loads(response.body)
    assert body["title"] == "Stored record unreadable"
    assert "priority" in body["detail"]
    assert "whatever" not in body["detail"]


# ----- provisional deadlines, recomputed when their year is confirmed -----


def use_policy(world: World, path: Path, text: str) -> None:
    path.write_text(text, encoding="utf-8")
    world.reconfigure(sla_policy_file=path)


def with_2027_declared(days_off: str) -> str:
    declared = f"\n    confirmed_years:\n      2027: {{days_off: [{days_off}], working_days: []}}"
    text = DEFAULT_POLICY_FILE.read_text(encoding="utf-8")
    return text.replace("    extra_working_days: []", "    extra_working_days: []" + declared, 1)


def test_declaring_2027_recomputes_open_provisional_deadlines_once_with_an_audit_event(
    world: World, api: Any, tmp_path: Path
) -> None:
    new_year_eve = datetime(2026, 12, 31, 17, 30, tzinfo=SHANGHAI)
    world.at(new_year_eve)
    complaint_id = post(api, new_year_eve, category="product_quality")
    invoke(api, "watch_calendars")  # the first run records which years are confirmed
    site_visit = json.loads(api.http.get(f"/complaints/{complaint_id}", headers=STAFF).body)["clocks"]["site_visit"]
    assert (site_visit["deadline"], site_visit["provisional"]) == ("2027-01-04T11:30:00+08:00", True)
    # The State Council's schedule is published: the operator declares 2027 (here with 4 January off).
    use_policy(world, tmp_path / "policy.yaml", with_2027_declared("2027-01-04"))
    world.at(new_year_eve + timedelta(minutes=10))
    invoke(api, "watch_calendars")
    shown = json.loads(api.http.get(f"/complaints/{complaint_id}", headers=STAFF).body)
    assert shown["clocks"]["site_visit"]["deadline"] == "2027-01-05T11:30:00+08:00"
    assert shown["clocks"]["site_visit"]["provisional"] is False
    trail = json.loads(api.http.get(f"/complaints/{complaint_id}/events", headers=STAFF).body)["items"]
    recomputed = [event for event in trail if event["type"] == "recomputed"]
    assert len(recomputed) == 1
    details = recomputed[0]["details"]
    assert details["site_visit_deadline_before"] == "2027-01-04T11:30:00+08:00"
    assert details["site_visit_deadline_after"] == "2027-01-05T11:30:00+08:00"
    assert details["confirmed_years"] == "2027"
    assert recomputed[0]["by"] == "calendar"
    invoke(api, "watch_calendars")
    trail = json.loads(api.http.get(f"/complaints/{complaint_id}/events", headers=STAFF).body)["items"]
    assert [event["type"] for event in trail].count("recomputed") == 1
    # the due index follows the new deadline: nothing at the old one, the minor breach after the new one
    world.at(datetime(2027, 1, 4, 11, 31, tzinfo=SHANGHAI))
    invoke(api, "scan_due")
    assert [n for n in alerts(world) if n["clock"] == "site_visit"] == []
    world.at(datetime(2027, 1, 5, 11, 31, tzinfo=SHANGHAI))
    invoke(api, "scan_due")
    site_visit = {(n["level"], n["deadline"], n["provisional"]) for n in alerts(world) if n["clock"] == "site_visit"}
    assert site_visit == {("minor", "2027-01-05T11:30:00+08:00", False)}


def test_the_scanner_notices_a_provisional_deadline_and_says_so(world: World, api: Any) -> None:
    received_at = datetime(2026, 12, 31, 17, 30, tzinfo=SHANGHAI)
    world.at(received_at)
    complaint_id = post(api, received_at, category="product_quality", priority="general")
    world.at(datetime(2027, 1, 4, 11, 31, tzinfo=SHANGHAI))
    invoke(api, "scan_due")
    site_visit = [n for n in alerts(world) if n["clock"] == "site_visit"]
    assert {(n["complaint_id"], n["level"], n["provisional"]) for n in site_visit} == {(complaint_id, "minor", True)}
    assert site_visit[0]["deadline"] == "2027-01-04T11:30:00+08:00"


# ----- the calendar cliff, told to the operator weekly -----


def test_the_operator_is_told_of_the_calendar_cliff_once_a_week_with_a_metric_of_the_days_left(
    world: World, api: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    world.at(datetime(2026, 11, 22, 9, 5, tzinfo=SHANGHAI))  # a Sunday, 39 days before 31 December
    invoke(api, "watch_calendars")
    [told] = ops(world)
    assert (told["topic"], told["calendar"], told["days_left"]) == ("calendar_horizon", "office", 39)
    assert told["subject"] == "[投诉时限] 日历 office：已确认的节假日数据截至 2026-12-31"  # the policy's language
    assert "confirmed_years" in told["summary"]
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines() if line.startswith("{")]
    [metric] = [line for line in lines if "CalendarDaysLeft" in line]
    assert metric["CalendarDaysLeft"] == [39.0]
    assert metric["calendar"] == "office"
    assert metric["_aws"]["CloudWatchMetrics"][0]["Namespace"] == "ComplaintSlaMonitor"
    warnings = [line for line in lines if line.get("level") == "WARNING" and "calendar office" in line["message"]]
    assert warnings
    for later in (datetime(2026, 11, 23, 10, 5, tzinfo=SHANGHAI), datetime(2026, 11, 29, 9, 5, tzinfo=SHANGHAI)):
        world.at(later)  # the rest of that ISO week (Monday 23 November starts the next one)
        invoke(api, "watch_calendars")
    assert [n["days_left"] for n in ops(world)] == [38]


def test_no_cliff_notice_while_more_than_60_days_are_confirmed(world: World, api: Any) -> None:
    world.at(datetime(2026, 10, 31, 9, 5, tzinfo=SHANGHAI))  # 61 days
    invoke(api, "watch_calendars")
    assert ops(world) == []


# ----- digests: retried until sent, at most 50 entries -----


def test_a_digest_that_failed_is_sent_by_the_next_hour_beside_that_hours_own(world: World, api: Any) -> None:
    world.at(NOW)
    post(api, NOW - timedelta(minutes=45))
    invoke(api, "scan_due")
    world.at(NOW.replace(hour=11, minute=0))
    world.mailer.failing = True
    invoke(api, "send_digests")
    world.mailer.failing = False
    assert emails(world) == []
    later = NOW.replace(hour=11, minute=20)
    world.at(later)
    post(api, later - timedelta(minutes=45))
    invoke(api, "scan_due")
    world.at(NOW.replace(hour=12, minute=0))
    invoke(api, "send_digests")
    subjects = Counter(subject for _, subject, _ in emails(world))
    assert subjects == Counter(
        {  # 11:00's two, retried; 12:00's: the second minor breach, and the first complaint's major breach
            "【每小时超时汇总】值班人员：1 项已超时，0 项即将超时": 2,
            "【每小时超时汇总】区域经理：1 项已超时，0 项即将超时": 2,
            "【每小时超时汇总】营销总监：1 项已超时，0 项即将超时": 1,
        }
    )
    invoke(api, "send_digests")
    world.at(NOW.replace(hour=13, minute=0))
    invoke(api, "send_digests")
    assert len(emails(world)) == 5


def test_a_digest_lists_at_most_50_entries_and_says_how_many_more(world: World, api: Any) -> None:
    world.at(NOW)
    for number in range(60):
        post(api, NOW - timedelta(minutes=45), subject=f"case {number}")
    world.services.scanner.run(NOW, lambda: PLENTY)
    report = world.services.digests.run(NOW.replace(hour=11, minute=0))
    assert report.sent == {"on_call": 50, "regional_manager": 50}
    text = next(text for to, _, text in emails(world) if to == "on-call@example.com")
    assert "值班人员：60 项已超时" in next(subject for to, subject, _ in emails(world) if to == "on-call@example.com")
    assert "另有 10 项未列出，请在控制台查看。" in text
    assert text.count("/console/complaints/") == 50


def test_the_digest_and_the_report_rebuild_go_on_without_a_complaint_that_cannot_be_read(
    world: World, api: Any
) -> None:
    world.at(NOW)
    readable = post(api, NOW - timedelta(minutes=45), subject="readable")
    damaged = post(api, NOW - timedelta(minutes=45), subject="damaged")
    invoke(api, "scan_due")
    world.memory.damage(damaged, clocks="{not json")  # type: ignore[union-attr]
    report = world.services.digests.run(NOW.replace(hour=11, minute=0))
    assert report.sent == {"on_call": 1, "regional_manager": 1}
    text = next(text for to, _, text in emails(world) if to == "on-call@example.com")
    assert readable in text
    assert damaged not in text
    rebuilt = world.services.reports.recompute("2026-11")
    assert rebuilt["total"]["received"] == 1
