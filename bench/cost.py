"""What a complaint costs on AWS: `count` urgent complex complaints live a whole life through the app on moto
(the webhook; a response at 10 minutes, a progress update at 40, the resolve at 80, the customer's confirmation at
110; a scan every simulated minute; 20% answered after their warning, 10% after their deadline, nothing else
warned) and every request is counted: DynamoDB read and write units by the sizing rules (infra/capacity.py), API
Gateway requests, Lambda invocations and their time (measured here, less the meter's own, at the configured
memory), SNS publishes, SQS requests of the relay, SES emails, CloudWatch log bytes. Multiplied by the prices of
bench/prices.yaml, per million complaints.

What scales with time, not with complaints (a scan every minute that finds nothing, the hourly jobs, the relay's
queue being polled), is measured idle and given per month apart (`fixed_usd_per_month`); the headline
`usd_per_million_complaints` adds it for a month of a million complaints.
"""

from __future__ import annotations

import contextlib
import io
import json
import logging
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from time import perf_counter
from typing import Any
from zoneinfo import ZoneInfo

import boto3
import yaml

from infra.capacity import CapacityMeter, item_size

ROOT = Path(__file__).resolve().parent.parent
PRICES = yaml.safe_load((ROOT / "bench" / "prices.yaml").read_text(encoding="utf-8"))
START = datetime(2026, 11, 17, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai"))  # a Tuesday, office hours
MINUTES = 115  # the simulated window: every complaint is confirmed by then
MINUTES_PER_MONTH = 30 * 24 * 60
LAMBDA_GB = json.loads((ROOT / ".chalice" / "config.json").read_text(encoding="utf-8"))["lambda_memory_size"] / 1024
IDLE_POLLS_PER_MONTH = 5 * 3 * MINUTES_PER_MONTH  # an SQS event source: about 5 long-polling readers, 20 s each


@dataclass
class Usage:
    """Everything counted, by service."""

    api_requests: int = 0
    lambda_invocations: int = 0
    lambda_seconds: float = 0.0
    sns_publishes: int = 0
    relay_messages: int = 0
    relay_polls: int = 0
    ses_emails: int = 0
    log_bytes: int = 0
    notices: Counter[str] = field(default_factory=Counter)

    def usd(self, read_units: float, write_units: float) -> dict[str, float]:
        """Dollars by service for these counts and these DynamoDB units."""
        sqs_requests = self.relay_messages + 2 * self.relay_polls  # SNS's send, then a receive and a delete per batch
        return {
            "dynamodb": write_units * PRICES["dynamodb"]["write_request_unit"]
            + read_units * PRICES["dynamodb"]["read_request_unit"],
            "api_gateway": self.api_requests * PRICES["api_gateway"]["request"],
            "lambda": self.lambda_invocations * PRICES["lambda"]["request"]
            + self.lambda_seconds * LAMBDA_GB * PRICES["lambda"]["gb_second"],
            "sns": self.sns_publishes * PRICES["sns"]["publish"],
            "sqs": sqs_requests * PRICES["sqs"]["request"],
            "ses": self.ses_emails * PRICES["ses"]["email"],
            "cloudwatch_logs": self.log_bytes / 1024**3 * PRICES["cloudwatch_logs"]["ingested_gb"],
        }


class _CountingSink(io.TextIOBase):
    def __init__(self, usage: Usage) -> None:
        self._usage = usage

    def write(self, text: str) -> int:
        self._usage.log_bytes += len(text.encode("utf-8"))
        return len(text)


@contextmanager
def _logs_counted(usage: Usage, loggers: list[logging.Logger]) -> Iterator[None]:
    """Whatever the app writes (JSON log lines, EMF metrics) counted, not shown."""
    sink = _CountingSink(usage)
    swapped = []
    for logger in loggers:
        for handler in logger.handlers:
            if isinstance(handler, logging.StreamHandler):
                swapped.append((handler, handler.setStream(sink)))
    try:
        with contextlib.redirect_stdout(sink):
            yield
    finally:
        for handler, stream in swapped:
            if stream is not None:
                handler.setStream(stream)


def _count_publishes(client: Any, usage: Usage) -> None:
    def before(params: dict[str, Any], model: Any, **_: Any) -> None:
        if model.name == "PublishBatch":
            usage.sns_publishes += len(params.get("PublishBatchRequestEntries", []))
            for entry in params.get("PublishBatchRequestEntries", []):
                notice = json.loads(json.loads(entry["Message"])["default"])
                usage.notices[f"{notice['type']}:{notice['clock']}:{notice['level']}"] += 1
        elif model.name == "Publish":
            usage.sns_publishes += 1

    client.meta.events.register("before-parameter-build.sns", before)


def _count_emails(client: Any, usage: Usage) -> None:
    def before(model: Any, **_: Any) -> None:
        if model.name in ("SendEmail", "SendRawEmail"):
            usage.ses_emails += 1

    client.meta.events.register("before-parameter-build.ses", before)


def cost(count: int = 200, email: bool = True) -> Iterator[dict[str, Any]]:
    """One row: what a complaint's life costs, per service, and per million complaints. Every customer gives an
    email (so each complaint sends its acknowledgement); with `email=False` a phone number only (the row
    `cost_phone_only`: what a complaint costs without that email)."""
    from chalice.local import LambdaContext
    from chalice.test import Client

    import app as application
    from bench.suites import moto_stack
    from infra.relay_poller import poll_once
    from tests.conftest import STAFF
    from tests.intake import relay_headers

    usage = Usage()
    with ExitStack() as stack:
        world = stack.enter_context(moto_stack())
        assert world.resources is not None
        api = stack.enter_context(Client(application.app, stage_name="local", project_dir=str(ROOT)))
        stack.enter_context(_logs_counted(usage, [application.app.log, logging.getLogger()]))
        table = world.resources.tables["ComplaintsTable"]
        meter = CapacityMeter(world.aws.dynamodb, boto3.client("dynamodb", region_name="us-east-1"), table)
        _count_publishes(world.aws.sns, usage)
        _count_emails(world.aws.ses, usage)
        queue = world.resources.queues["RelayQueue"]

        def timed(run: Callable[[], Any]) -> Any:
            started, sizing = perf_counter(), meter.seconds
            try:
                return run()
            finally:
                usage.lambda_invocations += 1
                usage.lambda_seconds += perf_counter() - started - (meter.seconds - sizing)

        steps: Counter[str] = Counter()  # write units by step of the life: intake, each staff event, the scans

        def counted(step: str, run: Callable[[], Any]) -> Any:
            before = meter.write_units
            try:
                return run()
            finally:
                steps[step] += meter.write_units - before

        def call(method: str, path: str, body: dict[str, Any], headers: dict[str, str]) -> Any:
            usage.api_requests += 1
            payload = json.dumps(body, ensure_ascii=False).encode("utf-8")
            step = str(body["type"]) if "type" in body else "intake"
            response = counted(
                step, lambda: timed(lambda: getattr(api.http, method)(path, headers=headers, body=payload))
            )
            assert response.status_code in (200, 201), response.body
            return json.loads(response.body)

        def scan() -> None:
            counted(
                "scans_and_relay", lambda: timed(lambda: world.services.scanner.run(world.clock.now(), lambda: 600.0))
            )

        def snapshot() -> tuple[float, float, float, int, int, int]:
            return (
                meter.read_units,
                float(meter.write_units),
                usage.lambda_seconds,
                usage.lambda_invocations,
                usage.ses_emails,
                usage.log_bytes,
            )

        def relay() -> None:
            while True:
                context = LambdaContext("relay_notices", 512, max_runtime_ms=60_000)
                polled = poll_once(
                    world.aws.sqs,
                    queue,
                    lambda e, c: timed(lambda: application.relay_notices(e, c)),
                    context,
                    wait_seconds=0,
                )
                if not polled.received:
                    return
                usage.relay_polls += 1
                usage.relay_messages += len(polled.received)

        # Idle: what a scan costs when nothing is due (4 shard queries), and its time.
        world.at(START)
        before = (meter.read_units, meter.write_units, usage.lambda_seconds)
        scan()
        idle_reads, idle_writes = meter.read_units - before[0], meter.write_units - before[1]
        idle_seconds = usage.lambda_seconds - before[2]
        meter.reset()
        steps.clear()
        usage.lambda_invocations = 0
        usage.lambda_seconds = 0.0

        ids: list[str] = []
        run = uuid.uuid4().hex[:8]
        for number in range(count):
            body = {
                "customer_name": f"成本客户{number}",
                **(
                    {"customer_email": f"customer{number}@example.com"}
                    if email
                    else {"customer_phone": f"1380013{number:04d}"}
                ),
                "category": "service",
                "priority": "urgent",
                "complexity": "complex",
                "subject": f"cost {run} {number}",
                "description": "客服没有回电话。" * 8,
                "received_at": START.isoformat(),
            }
            # a trusted system's delivery (the public form may not set a priority or a complexity)
            headers = relay_headers(json.dumps(body, ensure_ascii=False), f"msg_{run}_{number}")
            ids.append(call("post", "/webhooks/relay", body, headers)["id"])
        staff = {"Content-Type": "application/json", **STAFF}
        warned = set(ids[: count // 5])
        breached = set(ids[count // 5 : count // 5 + count // 10])
        plan: dict[int, list[tuple[str, str]]] = {}
        for complaint_id in ids:
            answer = 33 if complaint_id in breached else 25 if complaint_id in warned else 10
            plan.setdefault(answer, []).append((complaint_id, "respond"))
            plan.setdefault(40, []).append((complaint_id, "progress_update"))  # hourly: warned at 45 minutes
            plan.setdefault(80, []).append((complaint_id, "resolve"))  # before the next update's warning at 85
            plan.setdefault(110, []).append((complaint_id, "confirm"))
        scans = 0
        hourly: list[tuple[float, ...]] = []  # what each hourly job run took (digests, calendars): per month apart
        for minute in range(1, MINUTES + 1):
            world.at(START + timedelta(minutes=minute))
            for complaint_id, kind in plan.get(minute, []):
                call("post", f"/complaints/{complaint_id}/events", {"type": kind, "by": "li.lei"}, staff)
            scan()
            scans += 1
            counted("scans_and_relay", relay)
            if minute % 60 == 0:
                before_jobs = snapshot()
                timed(lambda: world.services.digests.run(world.clock.now()))
                timed(lambda: world.services.calendars.run(world.clock.now()))
                hourly.append(tuple(after - first for after, first in zip(snapshot(), before_jobs, strict=True)))
        reader = boto3.client("dynamodb", region_name="us-east-1")
        storage = sum(
            item_size(item) for page in reader.get_paginator("scan").paginate(TableName=table) for item in page["Items"]
        )

    jobs = [sum(run[column] for run in hourly) / len(hourly) for column in range(6)]  # one hourly run, averaged
    reads = meter.read_units - idle_reads * scans - jobs[0] * len(hourly)
    writes = meter.write_units - idle_writes * scans - jobs[1] * len(hourly)
    steps["scans_and_relay"] -= idle_writes * scans  # what finding nothing costs is in `fixed_usd_per_month`
    usage.lambda_seconds -= idle_seconds * scans + jobs[2] * len(hourly)
    usage.lambda_invocations -= scans + int(jobs[3]) * len(hourly)
    usage.ses_emails -= int(jobs[4] * len(hourly))
    usage.log_bytes -= int(jobs[5] * len(hourly))
    per_complaint = {name: usd / count for name, usd in usage.usd(reads, writes).items()}
    idle_scan = Usage(lambda_invocations=1, lambda_seconds=idle_seconds).usd(idle_reads, idle_writes)
    hourly_run = Usage(
        lambda_invocations=int(jobs[3]), lambda_seconds=jobs[2], ses_emails=int(jobs[4]), log_bytes=int(jobs[5])
    ).usd(jobs[0], jobs[1])
    fixed_month = {
        "scans": sum(idle_scan.values()) * MINUTES_PER_MONTH,
        "hourly_jobs": sum(hourly_run.values()) * MINUTES_PER_MONTH / 60,
        "relay_polling": IDLE_POLLS_PER_MONTH * PRICES["sqs"]["request"],
    }
    variable_million = sum(per_complaint.values()) * 1_000_000
    yield {
        "bench": "cost" if email else "cost_phone_only",
        "usd_per_million_complaints": round(variable_million + sum(fixed_month.values()), 2),
        "complaints": count,
        "usd_per_million_by_service": {name: round(usd * 1_000_000, 2) for name, usd in per_complaint.items()},
        "fixed_usd_per_month": {name: round(usd, 2) for name, usd in fixed_month.items()},
        "per_complaint": {
            "write_units": round(writes / count, 2),
            "read_units": round(reads / count, 2),
            "write_units_by_request": {op: round(units / count, 2) for op, units in meter.writes.items()},
            "write_units_by_step": {step: round(units / count, 2) for step, units in steps.items()},
            "index_write_units": {name: round(units / count, 2) for name, units in meter.index_writes.items()},
            "api_requests": usage.api_requests / count,
            "lambda_invocations": round(usage.lambda_invocations / count, 2),
            "lambda_ms": round(usage.lambda_seconds / count * 1000, 1),
            "sns_publishes": round(usage.sns_publishes / count, 2),
            "ses_emails": round(usage.ses_emails / count, 3),
            "log_bytes": round(usage.log_bytes / count),
            "storage_kb": round(storage / count / 1024, 2),
        },
        "notices": dict(usage.notices),
        "sns_email_usd_per_notice": PRICES["sns"]["email_delivery"],
        "lambda_gb": LAMBDA_GB,
        "prices": "bench/prices.yaml",
    }
