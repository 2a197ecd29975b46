"""Each function's role allows what its code calls: every function runs its work on moto with the app's own boto3
clients watched, each request turned into the IAM actions AWS checks for it (a transaction: one per item kind), and
the role in infra/resources.yaml must allow them all. moto checks no permission, so this is where a missing one
shows; tests/unit/test_packaging.py keeps each role to no more than its list."""

from __future__ import annotations

import json
from collections import defaultdict
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import boto3
from chalice.local import LambdaContext

from chalicelib.bootstrap import aws_adapters, bootstrap, install
from infra.definitions import LocalResources, resources_of_type
from infra.relay_poller import poll_once
from tests.conftest import STAFF, World
from tests.intake import URGENT, relay
from tests.integration.helpers import invoke, post

SHANGHAI = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 11, 17, 10, 40, tzinfo=SHANGHAI)  # a Tuesday in office hours
IAM_PREFIX = {"email": "ses"}  # SES's endpoint prefix is "email"
TRANSACTION_ITEMS = {
    "Put": "PutItem",
    "Update": "UpdateItem",
    "Delete": "DeleteItem",
    "ConditionCheck": "ConditionCheckItem",
}


def actions_of(service: str, operation: str, params: dict[str, Any]) -> set[str]:
    """The IAM actions AWS checks for one request (a Query on an index also as `dynamodb:Query@<index>`: the
    index's ARN must be among the statement's resources)."""
    prefix = IAM_PREFIX.get(service, service)
    if operation == "Query" and "IndexName" in params:
        return {"dynamodb:Query", f"dynamodb:Query@{params['IndexName']}"}
    if operation == "TransactWriteItems":
        return {f"dynamodb:{TRANSACTION_ITEMS[kind]}" for item in params["TransactItems"] for kind in item}
    if operation == "TransactGetItems":
        return {"dynamodb:GetItem"}
    if prefix in ("sns", "sqs") and operation.endswith("Batch"):  # PublishBatch, SendMessageBatch, ...
        return {f"{prefix}:{operation.removesuffix('Batch')}"}
    return {f"{prefix}:{operation}"}


class Watched:
    """The actions the app's clients asked for, by the function that was running."""

    def __init__(self, world: World) -> None:
        self.function = "ApiHandler"
        self.actions: dict[str, set[str]] = defaultdict(set)
        for client in (world.aws.dynamodb, world.aws.sns, world.aws.ses, world.aws.sqs):
            client.meta.events.register("before-parameter-build", self._record)

    def _record(self, params: dict[str, Any], model: Any, **_: Any) -> None:
        service = model.service_model.endpoint_prefix
        self.actions[self.function] |= actions_of(service, model.name, params)


def allowed(role: str) -> set[str]:
    """The role's actions, and `dynamodb:Query@<index>` for each index a statement allowing Query names."""
    [policy] = resources_of_type("AWS::IAM::Role")[role]["Policies"]
    found: set[str] = set()
    for statement in policy["PolicyDocument"]["Statement"]:
        found |= set(statement["Action"])
        if "dynamodb:Query" in statement["Action"]:
            for resource in statement["Resource"]:
                if isinstance(resource, dict) and "Fn::Sub" in resource and "/index/" in resource["Fn::Sub"]:
                    found.add("dynamodb:Query@" + resource["Fn::Sub"].rsplit("/index/", 1)[1])
    return found


def test_every_function_is_allowed_every_action_its_code_calls(world: World, api: Any, aws: LocalResources) -> None:
    settings = world.services.settings.model_copy(update={"timer_queue_url": aws.queues["TimerQueue"]})
    world.services = bootstrap(settings, world.clock, aws_adapters(settings, world.services.policies, world.aws))
    install(world.services)
    staff = {"Content-Type": "application/json", **STAFF}

    watched = Watched(world)
    # the API: intake (an acknowledgement mailed, a timer armed), listing, a complaint, staff events, the report,
    # the customer's page and answers, an erasure
    world.at(NOW)
    post(api, NOW - timedelta(minutes=45), customer_email="zhang.san@example.com")  # breached: the scan's
    identity = world.services.settings.digest_sender
    ses = boto3.client("ses", region_name="us-east-1")  # the test's own client, not watched
    ses.delete_identity(Identity=identity)  # SES refuses this one's acknowledgement: the scan retries it
    post(api, NOW - timedelta(minutes=2), customer_email="wang.wu@example.com")
    ses.verify_email_identity(EmailAddress=identity)
    for _ in range(3):  # a customer three times unhappy: the monthly report names their complaints
        unhappy = post(api, NOW - timedelta(minutes=3), customer_phone="13700137000")
        for kind, extra in (("resolve", {}), ("confirm", {}), ("satisfaction", {"score": 1})):
            event = json.dumps({"type": kind, "by": "li.lei", **extra}).encode()
            assert api.http.post(f"/complaints/{unhappy}/events", headers=staff, body=event).status_code == 200
    created = relay(api, {**URGENT, "received_at": (NOW - timedelta(minutes=1)).isoformat()})
    assert created.status_code == 201
    fresh, token = json.loads(created.body)["id"], json.loads(created.body)["receipt_url"].rsplit("/", 1)[1]
    assert api.http.get("/complaints?status=open", headers=STAFF).status_code == 200
    assert api.http.get(f"/complaints/{fresh}", headers=STAFF).status_code == 200
    assert api.http.get(f"/complaints/{fresh}/events", headers=STAFF).status_code == 200
    for kind in ("respond", "resolve"):
        body = json.dumps({"type": kind, "by": "li.lei"}).encode()
        assert api.http.post(f"/complaints/{fresh}/events", headers=staff, body=body).status_code == 200
    assert api.http.get("/reports/monthly?month=2026-11", headers=STAFF).status_code == 200
    assert api.http.get("/console", headers={}).status_code in (200, 303)
    assert api.http.get(f"/r/{token}").status_code == 200
    world.services.customer.answer(token, True, "", NOW)  # what the page's forms call, past their CSRF check
    world.services.customer.survey(token, 5, "很满意", NOW)
    body = json.dumps({"reason": "PIPL art. 47"}).encode()
    assert api.http.post(f"/complaints/{fresh}/erase", headers=staff, body=body).status_code == 200

    # the schedules
    for function, name, at in (
        ("ScanDue", "scan_due", NOW + timedelta(minutes=10)),  # notices, and an acknowledgement retried
        ("SendDigests", "send_digests", NOW.replace(hour=11, minute=0, second=5)),
        ("SendMonthlyReport", "send_monthly_report", datetime(2026, 12, 1, 9, 0, tzinfo=SHANGHAI)),
        ("WatchCalendars", "watch_calendars", NOW.replace(hour=11, minute=5)),
    ):
        watched.function = function
        world.at(at)
        invoke(api, name)

    # the queues' consumers
    import app as application

    for function, queue, handler in (
        ("FireTimers", "TimerQueue", application.fire_timers),
        ("RelayNotices", "RelayQueue", application.relay_notices),
    ):
        watched.function = function
        context = LambdaContext(function, 512, max_runtime_ms=60_000)
        poll_once(world.aws.sqs, aws.queues[queue], handler, context, wait_seconds=0)

    missing = {function: actions - allowed(f"{function}Role") for function, actions in watched.actions.items()}
    assert {function: gaps for function, gaps in missing.items() if gaps} == {}
    assert set(watched.actions) >= {"ApiHandler", "ScanDue", "SendDigests", "SendMonthlyReport", "WatchCalendars"}
