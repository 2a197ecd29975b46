"""The example filter policies in infra/filter-policies/ are valid SNS filter policies and select what their
names promise; the local stack writes every SES email to outbox/ as an .eml file."""

from __future__ import annotations

import email
import email.policy
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import boto3

from chalicelib.domain.notices import rollup, window_of
from chalicelib.domain.vocabulary import Audience, Level
from infra.definitions import LocalResources
from infra.local_stack import LocalStack
from tests.conftest import World
from tests.integration.helpers import invoke, minutes_ago, notices, post, subscribe

POLICIES = Path(__file__).resolve().parents[2] / "infra" / "filter-policies"
NOW = datetime.now(UTC).replace(microsecond=0)
SHANGHAI = ZoneInfo("Asia/Shanghai")


def scan(api: Any) -> None:
    invoke(api, "scan_due")


def test_example_filter_policies_select_what_they_promise(world: World, api: Any, aws: LocalResources) -> None:
    queues = {
        path.stem: subscribe(aws.topics["AlertsTopic"], path.stem, json.loads(path.read_text()))
        for path in sorted(POLICIES.glob("*.json"))
    }
    assert set(queues) == {
        "on-call",
        "breaches-only",
        "marketing-director",
        "product-quality-management",
        "urgent-first-response",
    }
    world.at(NOW)
    post(api, minutes_ago(NOW, 25))  # warning
    post(api, minutes_ago(NOW, 45), category="product_quality")  # minor, product quality
    post(api, minutes_ago(NOW, 70), priority="important")  # nothing yet (2 h first response)
    scan(api)
    got = {name: sorted((n["level"], n["audience"]) for n in notices(url)) for name, url in queues.items()}
    assert got["on-call"] == [("minor", "on_call"), ("warning", "on_call")]
    assert got["breaches-only"] == [("minor", "on_call")]
    assert got["marketing-director"] == []
    assert got["product-quality-management"] == [  # its breach, and its intake (001 part 1, 4.6: every one)
        ("minor", "general_manager"),
        ("minor", "management_rep"),
        ("report", "general_manager"),
        ("report", "management_rep"),
    ]
    assert len(got["urgent-first-response"]) == 2 + 4


def test_a_roll_up_reaches_every_subscription_one_of_its_notices_would_have(world: World, aws: LocalResources) -> None:
    queues = {
        path.stem: subscribe(aws.topics["AlertsTopic"], f"rollup-{path.stem}", json.loads(path.read_text()))
        for path in sorted(POLICIES.glob("*.json"))
    }
    window = window_of(Audience.ON_CALL, NOW, 300)
    facets = {"categories": ["service"], "priorities": ["general"], "clocks": ["resolution"]}
    minor = rollup(window, 30, {Level.MINOR: 30}, ["a" * 32], facets, SHANGHAI)
    warnings = rollup(window, 12, {Level.WARNING: 12}, ["b" * 32], facets, SHANGHAI)
    assert world.adapters.notifier.publish_rollup(minor)
    assert world.adapters.notifier.publish_rollup(warnings)
    got = {name: sorted(m["count"] for m in notices(url)) for name, url in queues.items()}
    assert got == {
        "on-call": [12, 30],
        "breaches-only": [30],  # level is a list: ["minor"] matches, ["warning"] does not
        "marketing-director": [],
        "product-quality-management": [],
        "urgent-first-response": [],
    }


def test_the_local_stack_writes_each_email_to_the_outbox(aws: LocalResources, tmp_path: Path) -> None:
    ses = boto3.client("ses", region_name="us-east-1")
    raw = (
        "From: sla-monitor@example.com\r\nTo: on-call@example.com\r\nSubject: [complaint SLA] test\r\n"
        "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nhello 你好\r\n"
    )
    ses.send_raw_email(RawMessage={"Data": raw.encode()}, Source="sla-monitor@example.com")
    from moto.core.models import DEFAULT_ACCOUNT_ID
    from moto.ses.models import ses_backends

    message = ses_backends[DEFAULT_ACCOUNT_ID]["us-east-1"].sent_messages[-1]
    stack = LocalStack({"OUTBOX_DIR": str(tmp_path / "outbox")})
    stack._print_email(message, 1)
    files = list((tmp_path / "outbox").glob("*.eml"))
    assert len(files) == 1
    parsed = email.message_from_bytes(files[0].read_bytes(), policy=email.policy.default)
    assert str(parsed["Subject"]).strip() == "[complaint SLA] test"
    assert "你好" in parsed.get_content()
