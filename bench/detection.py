"""`detection`: how long after its instant a threshold is notified, with the precision timers and with the minute
scan alone, measured in the same run on the real clock.

One moto (in-process), two tables: one app with the timer queue (its scan every 60 s, TimerQueue polled
continuously by two pollers as Lambda's event source mapping does, long polls of up to 10 s) and one with the
minute scan only (the same 60 s scan, started at the same instants). The scans run first, as on a deployed
stack; then each app gets `thresholds` urgent complaints whose warning comes at an instant spread evenly over
`spread` seconds, starting a little after intake. The figures are notice `detected_at` minus that instant, per
threshold, and the DynamoDB and SQS requests per notice of everything after intake (intake's own write is
`ingest`'s figure; its timer sends are counted here), the timers' idle long polls included. moto's SQS notices a
delayed message becoming visible within a second of it (its long poll sleeps a second at a time); SQS itself
answers a long poll as soon as a message is there. moto serializes every request (infra/moto_fixes.py), so the
two apps' scans and the timers wait for one another here as they would not on AWS."""

from __future__ import annotations

import contextlib
import logging
import os
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import ExitStack
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
from moto import mock_aws

from bench.suites import REGION, TIME_BUDGET, Row, _percentile, quiet
from chalicelib.bootstrap import aws_adapters, bootstrap, install, load_policies
from chalicelib.domain.vocabulary import Level
from chalicelib.services.intake import Delivery
from infra.definitions import create_resources, table_request
from infra.request_counter import DynamoRequests, ServiceRequests
from tests.conftest import SettableClock, World, moto_clients, moto_settings

SCAN_EVERY = 60.0
POLLERS = 2  # Lambda's SQS event source polls with several concurrent pollers (five at first)
WARNING_AFTER = timedelta(minutes=22, seconds=30)  # 75% of an urgent complaint's 30-minute first response


def _world(settings_update: dict[str, Any]) -> World:
    resources = _RESOURCES[0]
    settings = moto_settings(resources).model_copy(update=settings_update)
    clients = moto_clients()
    policies = load_policies(settings)
    services = bootstrap(settings, SettableClock(), aws_adapters(settings, policies, clients), policies)
    return World(services, SettableClock(), clients=clients, resources=resources)


_RESOURCES: list[Any] = []


def _open(world: World, instants: list[datetime]) -> dict[str, datetime]:
    """One urgent complaint per instant, its warning at that instant; complaint id -> the warning's instant."""
    planned = {}
    for instant in instants:
        now = datetime.now(UTC)
        data = {
            "customer_name": "基准客户",
            "customer_email": "bench@example.com",
            "category": "service",
            "priority": "urgent",
            "subject": "detection bench",
            "received_at": (instant - WARNING_AFTER).isoformat(),
        }
        opened = world.services.intake.open(data, Delivery(source="bench", idempotency_key=uuid.uuid4().hex), now)
        cycle = opened.complaint.clocks["first_response"].cycle
        assert cycle is not None
        assert cycle.warning_at is not None
        planned[opened.complaint.id] = cycle.warning_at
    return planned


def _detected(world: World, planned: dict[str, datetime]) -> tuple[list[float], int]:
    """Seconds from each threshold's instant to its notice, and how many warning notices there are."""
    delays: dict[str, float] = {}
    notices = 0
    for complaint_id, instant in planned.items():
        for event in world.services.workflow.trail(complaint_id):
            if event.type.value == "notice" and event.details.get("level") == Level.WARNING.value:
                notices += 1
                delays.setdefault(complaint_id, (event.at - instant).total_seconds())
    return [delays[complaint_id] for complaint_id in planned if complaint_id in delays], notices


def _figures(delays: list[float], prefix: str = "") -> Row:
    if not delays:
        return {f"{prefix}p50_s": None, f"{prefix}p99_s": None, f"{prefix}max_s": None}
    return {
        f"{prefix}p50_s": round(_percentile(delays, 0.5), 3),
        f"{prefix}p99_s": round(_percentile(delays, 0.99), 3),
        f"{prefix}max_s": round(max(delays), 3),
    }


def detection(thresholds: int = 240, spread: float = 180.0, lead: float = 20.0) -> Iterator[Row]:
    """p50/p99/max seconds from threshold to notice with timers and with the minute scan only, and requests."""
    from chalice.local import LambdaContext

    import app as application
    from infra.relay_poller import poll_once

    with ExitStack() as stack:
        stack.enter_context(mock_aws())
        stack.enter_context(contextlib.redirect_stdout(stack.enter_context(open(os.devnull, "w", encoding="utf-8"))))
        stack.enter_context(quiet(application.app.log))
        stack.enter_context(quiet(logging.getLogger()))
        _RESOURCES[:] = [create_resources(boto3.Session(region_name=REGION))]
        resources = _RESOURCES[0]
        dynamodb = boto3.client("dynamodb", region_name=REGION)
        dynamodb.create_table(**(table_request("ComplaintsTable") | {"TableName": "ScanOnlyTable"}))
        timed = _world({"timer_queue_url": resources.queues["TimerQueue"]})
        scan_only = _world({"table_name": "ScanOnlyTable"})
        install(timed.services)
        stack.callback(install, None)
        sqs = ServiceRequests(timed.aws.sqs)

        stop = threading.Event()
        errors: list[BaseException] = []
        first_scans = threading.Barrier(3)  # the two scans and the bench

        def scans(world: World) -> None:
            first = True
            while not stop.is_set():
                try:
                    world.services.scanner.run(datetime.now(UTC), lambda: TIME_BUDGET)
                except BaseException as exc:  # noqa: BLE001 - reported in the row
                    errors.append(exc)
                if first:
                    first_scans.wait()
                    first = False
                stop.wait(SCAN_EVERY)

        def timers() -> None:
            url = resources.queues["TimerQueue"]
            while not stop.is_set():
                context = LambdaContext("fire_timers", 512, max_runtime_ms=60_000)
                polled = poll_once(timed.aws.sqs, url, application.fire_timers, context, wait_seconds=10)
                if polled.raised is not None:
                    errors.append(polled.raised)

        threads = [threading.Thread(target=scans, args=(world,)) for world in (timed, scan_only)]
        threads += [threading.Thread(target=timers) for _ in range(POLLERS)]
        for thread in threads:
            thread.start()
        first_scans.wait()  # both scans have run once (nothing to do yet): complaints come in after, as in service
        start = datetime.now(UTC) + timedelta(seconds=lead)
        instants = [start + timedelta(seconds=spread * (n + 0.5) / thresholds) for n in range(thresholds)]
        opening = time.perf_counter()
        sqs_before = sqs.total
        planned_timed = _open(timed, instants)
        planned_scan = _open(scan_only, instants)
        intake_seconds = time.perf_counter() - opening
        counted = {name: DynamoRequests(world.aws.dynamodb) for name, world in (("timers", timed), ("scan", scan_only))}
        sends_at_intake = sqs.calls["SendMessageBatch"]

        end = instants[-1] + timedelta(seconds=SCAN_EVERY + 5)
        while datetime.now(UTC) < end and not errors:
            time.sleep(0.5)
        stop.set()
        for thread in threads:
            thread.join()
        timed_requests, scan_requests = counted["timers"].total, counted["scan"].total
        queue_lookups = sqs.calls["GetQueueAttributes"]  # the emulated event source's QueueArn lookup, not Lambda's
        timed_calls, scan_calls = dict(counted["timers"].calls), dict(counted["scan"].calls)
        timed_delays, timed_notices = _detected(timed, planned_timed)
        scan_delays, scan_notices = _detected(scan_only, planned_scan)
    yield {
        "bench": "detection",
        "thresholds": thresholds,
        "spread_s": spread,
        "scan_every_s": SCAN_EVERY,
        "lookahead_s": timed.services.settings.timer_lookahead_seconds,
        "notified": len(timed_delays),
        **_figures(timed_delays),
        "scan_only_notified": len(scan_delays),
        **_figures(scan_delays, "scan_only_"),
        "notices": timed_notices,
        "scan_only_notices": scan_notices,
        "dynamodb_requests_per_notice": round(timed_requests / max(timed_notices, 1), 2),
        "sqs_requests_per_notice": round((sqs.total - sqs_before - queue_lookups) / max(timed_notices, 1), 2),
        "scan_only_dynamodb_requests_per_notice": round(scan_requests / max(scan_notices, 1), 2),
        "sqs_sends_at_intake": sends_at_intake,
        "sqs_empty_receives": sqs.empty_receives,
        "timers_received": sqs.messages_received,
        "sqs_calls": dict(sqs.calls),
        "dynamodb_calls": timed_calls,
        "scan_only_dynamodb_calls": scan_calls,
        "intake_s": round(intake_seconds, 1),
        "errors": [type(error).__name__ for error in errors],
    }
