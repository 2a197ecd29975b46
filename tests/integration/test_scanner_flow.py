"""The whole breach flow in moto: webhook -> scheduled scan (chalice.test.Client, CloudWatch event) -> SNS ->
an SQS subscription with a filter policy that receives exactly the expected notices."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from infra.definitions import LocalResources
from tests.conftest import World
from tests.integration.helpers import invoke, minutes_ago, notices, post, received, subscribe

NOW = datetime.now(UTC).replace(microsecond=0)


def scan(world: World, api: Any, at: datetime) -> None:
    world.at(at)
    invoke(api, "scan_due")


@pytest.fixture
def everything(aws: LocalResources) -> str:
    return subscribe(aws.topics["AlertsTopic"], "everything")


@pytest.mark.parametrize(
    ("minutes", "level", "audiences"),
    [
        (25, "warning", {"assignee", "on_call"}),
        (45, "minor", {"on_call", "regional_manager"}),
        (70, "major", {"marketing_director"}),
    ],
)
def test_an_urgent_complaint_gets_one_notice_per_audience_at_its_level(
    world: World,
    api: Any,
    everything: str,
    monkeypatch: pytest.MonkeyPatch,
    minutes: int,
    level: str,
    audiences: set[str],
) -> None:
    complaint_id = post(api, minutes_ago(NOW, minutes))
    scan(world, api, NOW)
    got = notices(everything)
    assert {(n["clock"], n["level"]) for n in got} == {("first_response", level)}
    assert sorted(n["audience"] for n in got) == sorted(audiences)
    assert all(n["complaint_id"] == complaint_id for n in got)
    scan(world, api, NOW + timedelta(seconds=30))
    scan(world, api, NOW + timedelta(seconds=60))
    assert notices(everything) == []


def test_a_filtered_subscription_receives_exactly_its_notices(
    world: World, api: Any, aws: LocalResources, monkeypatch: pytest.MonkeyPatch
) -> None:
    on_call = subscribe(aws.topics["AlertsTopic"], "on-call", {"audience": ["on_call"]})
    majors = subscribe(aws.topics["AlertsTopic"], "majors", {"level": ["major"], "clock": ["first_response"]})
    post(api, minutes_ago(NOW, 25))
    post(api, minutes_ago(NOW, 45))
    post(api, minutes_ago(NOW, 70))
    scan(world, api, NOW)
    assert sorted(n["level"] for n in notices(on_call)) == ["minor", "warning"]
    assert [(n["level"], n["audience"]) for n in notices(majors)] == [("major", "marketing_director")]


def test_notice_format_and_envelope(world: World, api: Any, everything: str, monkeypatch: pytest.MonkeyPatch) -> None:
    complaint_id = post(api, minutes_ago(NOW, 45))
    scan(world, api, NOW)
    envelopes = received(everything)
    assert len(envelopes) == 2
    envelope = envelopes[0]
    assert envelope["Subject"] == "【轻微违约】首次响应时限超时15分钟：客服没有回电话"  # words, not codes
    assert len(envelope["Subject"]) < 100
    attributes = {name: value["Value"] for name, value in envelope["MessageAttributes"].items()}
    assert attributes["level"] == "minor"
    assert attributes["clock"] == "first_response"
    assert attributes["category"] == "service"
    assert attributes["priority"] == "urgent"
    notice = json.loads(envelope["Message"])
    assert set(notice) >= {
        "notice_id", "complaint_id", "clock", "level", "audience", "deadline", "detected_at",
        "overdue_seconds", "priority", "category", "policy", "summary", "subject", "assignee", "type",
    }  # fmt: skip
    assert notice["subject"] == "客服没有回电话"
    assert notice["type"] == "breach"
    assert notice["link"] == f"http://127.0.0.1:8000/console/complaints/{complaint_id}"
    assert notice["notice_id"] == f"{complaint_id}.first_response.1.minor.{notice['audience']}"
    assert notice["overdue_seconds"] == 15 * 60
    assert notice["deadline"].endswith("+08:00")
    assert notice["policy"] == "urgent@2026.11"
    text = envelope["Message"] + envelope["Subject"]
    for secret in ("张三", "zhang.san@example.com", "13800138000"):
        assert secret not in text


def test_levels_are_notified_as_they_are_reached_and_never_again(
    world: World, api: Any, everything: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    post(api, NOW)
    seen: list[str] = []
    minutes = [0, 10, 22, 23, 24, 29, 31, 32, 45, 59, 61, 62, 90, 24 * 60, 4 * 24 * 60, 4 * 24 * 60 + 1]
    for minute in minutes:
        scan(world, api, NOW + timedelta(minutes=minute))
        seen.extend(f"{n['clock']}:{n['level']}:{n['audience']}" for n in notices(everything))
    first_response = [s for s in seen if s.startswith("first_response")]
    assert first_response == [
        "first_response:warning:assignee",
        "first_response:warning:on_call",
        "first_response:minor:on_call",
        "first_response:minor:regional_manager",
        "first_response:major:marketing_director",
        "first_response:escalation:general_manager",
    ]
    assert len(seen) == len(set(seen))


def test_product_quality_breaches_also_reach_the_management_rep_and_general_manager(
    world: World, api: Any, everything: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    post(api, minutes_ago(NOW, 45), category="product_quality")
    scan(world, api, NOW)
    minor = {n["audience"] for n in notices(everything) if n["clock"] == "first_response"}
    assert minor == {"on_call", "regional_manager", "management_rep", "general_manager"}
