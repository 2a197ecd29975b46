"""The benchmarks. Each is a generator of result rows (plain dicts with a `bench` name and its figures).

Everything AWS runs in-process against moto, built exactly as the tests build it: `infra.moto_fixes.apply()`,
then, per measurement, a fresh `mock_aws()` holding the table/topics of `infra/resources.yaml`
(`infra.definitions.create_resources`) and the app bootstrapped on them (`tests.conftest.moto_world`).
"""

from __future__ import annotations

import json
import logging
import os
import statistics
import subprocess
import sys
import timeit
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from datetime import UTC, datetime
from pathlib import Path
from time import perf_counter
from typing import Any
from zoneinfo import ZoneInfo

import boto3
from moto import mock_aws

from chalicelib.bootstrap import install, load_policies
from infra import moto_fixes
from infra.definitions import create_resources
from infra.request_counter import DynamoRequests
from tests.conftest import SettableClock, World, moto_world, settings_for_tests

ROOT = Path(__file__).resolve().parent.parent
REGION = "us-east-1"
TIME_BUDGET = 600.0  # seconds a scanner run is told it has left: plenty, it never stops early here
Row = dict[str, Any]
# what a first request builds after `import app`: the policies, the intake service and its DynamoDB client
READY_CODE = (
    "import app; from chalicelib.bootstrap import services; services()"  # what a cold start builds before serving
)
CLIENTS_CODE = READY_CODE + (
    "; import time; from chalicelib.bootstrap import aws_client; started = time.perf_counter()"
    "; [aws_client(services().settings, name) for name in ('dynamodb', 'sns', 'ses', 'sqs')]"
    "; print(time.perf_counter() - started)"
)
"""After a cold start, the seconds to make every AWS client the functions use (each function makes only its own,
when first used): each parses its service's model, and botocore's endpoint rules once for them all."""


def prepare_environment() -> None:
    """Fake credentials and region, no emulator endpoint or profile; moto's DynamoDB fixes installed."""
    for name in ("AWS_ENDPOINT_URL", "AWS_PROFILE", "AWS_SESSION_TOKEN"):
        os.environ.pop(name, None)
    os.environ.update(
        {
            "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing",
            "AWS_DEFAULT_REGION": REGION,
            "AWS_REGION": REGION,
        }
    )
    moto_fixes.apply()


@contextmanager
def moto_stack() -> Iterator[World]:
    """A fresh moto with the template's resources, and the app bootstrapped on them."""
    with mock_aws():
        resources = create_resources(boto3.Session(region_name=REGION))
        try:
            yield moto_world(resources, SettableClock())
        finally:
            install(None)


@contextmanager
def quiet(logger: logging.Logger) -> Iterator[None]:
    """Send a logger's stream handlers to /dev/null (still formatted and written, just not on our stdout)."""
    with open(os.devnull, "w", encoding="utf-8") as sink:
        swapped: list[tuple[logging.StreamHandler[Any], Any]] = []
        for handler in logger.handlers:
            if isinstance(handler, logging.StreamHandler):
                swapped.append((handler, handler.setStream(sink)))
        try:
            yield
        finally:
            for handler, stream in swapped:
                if stream is not None:
                    handler.setStream(stream)


def _ms(seconds: float) -> float:
    return round(seconds * 1000, 3)


def _percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def _submission(number: int, run: str) -> bytes:
    payload = {
        "customer_name": f"基准客户{number}",
        "customer_email": f"customer{number}@example.com",
        "category": ("service", "staff", "product_quality")[number % 3],
        "subject": f"bench {run} complaint {number}",
        "description": "客服没有回电话。" * 8,
    }
    return json.dumps(payload, ensure_ascii=False).encode("utf-8")


def ingest(requests: int = 300, warmup: int = 20) -> Iterator[Row]:
    """DynamoDB requests per complaint written, and the in-process handler's p50 beside a bare route's."""
    from chalice.app import Chalice
    from chalice.test import Client

    import app as application

    bare = Chalice(app_name="bench-bare-route")

    @bare.route("/complaints", methods=["POST"], content_types=["*/*"])
    def bare_post() -> dict[str, Any]:
        return {}

    run = uuid.uuid4().hex[:8]
    handler_s: list[float] = []
    bare_s: list[float] = []
    statuses: Counter[int] = Counter()
    with ExitStack() as stack:
        world = stack.enter_context(moto_stack())
        stack.enter_context(quiet(application.app.log))
        real = stack.enter_context(Client(application.app, stage_name="local", project_dir=str(ROOT)))
        floor = stack.enter_context(Client(bare, stage_name="local", project_dir=str(ROOT)))
        counter = DynamoRequests(world.aws.dynamodb)
        for number in range(warmup + requests):
            if number == warmup:
                counter.reset()
            body = _submission(number, run)
            headers = {"Content-Type": "application/json", "Idempotency-Key": f"key_{run}_{number}"}
            started = perf_counter()
            response = real.http.post("/complaints", headers=headers, body=body)
            handled = perf_counter()
            floor.http.post("/complaints", headers=headers, body=body)
            done = perf_counter()
            if number >= warmup:
                handler_s.append(handled - started)
                bare_s.append(done - handled)
                statuses[response.status_code] += 1
    created = statuses[201]
    handler_p50 = statistics.median(handler_s)
    bare_p50 = statistics.median(bare_s)
    yield {
        "bench": "ingest",
        "requests": requests,
        "created": created,
        "errors": requests - created,
        "dynamodb_requests_per_complaint": round(counter.total / max(created, 1), 3),
        "dynamodb_calls": dict(counter.calls),
        "handler_p50_ms": _ms(handler_p50),
        "handler_p90_ms": _ms(_percentile(handler_s, 0.9)),
        "bare_p50_ms": _ms(bare_p50),
        "ratio": round(handler_p50 / bare_p50, 1),
    }


def _seed(world: World, now: datetime, open_count: int, due_count: int, minutes_ago: float = 25) -> None:
    from tests.integration.seeding import seed

    seed(world, now, open_count=open_count, due_count=due_count, due_minutes_ago=minutes_ago)


def _scan(open_count: int, due: int) -> tuple[Any, float, DynamoRequests]:
    """One scanner run over `open_count` complaints of which `due` are due: its report, seconds and requests."""
    with moto_stack() as world:
        now = datetime.now(UTC).replace(microsecond=0)
        _seed(world, now, open_count, due)
        counter = DynamoRequests(world.aws.dynamodb)
        started = perf_counter()
        report = world.services.scanner.run(now, lambda: TIME_BUDGET)
        return report, perf_counter() - started, counter


def scan_cost(open_counts: tuple[int, ...] = (2_000, 20_000), due: int = 100) -> Iterator[Row]:
    """What one scanner run reads and requests with `due` complaints due among `open` stored: one row each."""
    for open_count in open_counts:
        report, elapsed, counter = _scan(open_count, due)
        yield {
            "bench": "scan_cost",
            "open": open_count,
            "due": due,
            "items_read": counter.items_read,
            "requests": counter.total,
            "dynamodb_calls": dict(counter.calls),
            "claimed": report.claimed,
            "notices": report.notices,
            "run_ms": _ms(elapsed),
        }


def tick(due: int = 1_000) -> Iterator[Row]:
    """Notices per second through one scanner run with `due` complaints due (none stored but those)."""
    report, elapsed, _ = _scan(due, due)
    yield {
        "bench": "tick",
        "due": due,
        "claimed": report.claimed,
        "notices": report.notices,
        "delivered": report.delivered,
        "rolled_up": report.rolled_up,
        "failed": report.failed,
        "seconds": round(elapsed, 3),
        "notices_per_s": round(report.notices / elapsed, 1),
        "complaints_per_s": round(report.claimed / elapsed, 1),
    }


def relay(due: int = 100) -> Iterator[Row]:
    """The relay with one channel of each kind at a local receiver: `due` minor breaches (two audiences each)
    scanned, then RelayQueue polled until empty; deliveries per second and DynamoDB requests per delivery."""
    import base64
    import tempfile

    from chalice.local import LambdaContext

    import app as application
    from infra.relay_poller import poll_once
    from tests.receivers import receiving

    kinds = ("wecom", "dingtalk", "feishu", "slack", "pagerduty", "webhook")
    secrets = {
        "dingtalk": "SECbench",
        "feishu": "bench",
        "pagerduty": "k" * 32,
        "webhook": "whsec_" + base64.b64encode(b"bench" * 7).decode(),
    }
    with ExitStack() as stack, receiving() as receiver:
        folder = Path(stack.enter_context(tempfile.TemporaryDirectory()))
        lines = ["channels:"]
        for kind in kinds:
            lines += [f"  - {{name: {kind}, kind: {kind}, url: '{receiver.url('/' + kind)}'"]
            lines[-1] += f", secret_env: BENCH_{kind.upper()}}}" if kind in secrets else "}"
        (folder / "channels.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")
        world = stack.enter_context(moto_stack())
        values = {f"BENCH_{kind.upper()}": secret for kind, secret in secrets.items()}
        world.reconfigure(channels_file=folder / "channels.yaml", channel_values=values)
        stack.enter_context(quiet(application.app.log))
        stack.enter_context(quiet(logging.getLogger()))
        now = datetime.now(UTC).replace(microsecond=0)
        _seed(world, now, due, due, minutes_ago=45)
        world.services.scanner.run(now, lambda: TIME_BUDGET)
        assert world.resources is not None
        counter = DynamoRequests(world.aws.dynamodb)
        messages = 0
        started = perf_counter()
        while True:
            context = LambdaContext("relay_notices", 512, max_runtime_ms=60_000)
            queue = world.resources.queues["RelayQueue"]
            polled = poll_once(world.aws.sqs, queue, application.relay_notices, context, wait_seconds=0)
            if not polled.received:
                break
            messages += len(polled.received)
        elapsed = perf_counter() - started
        requests = len(receiver.requests)
    yield {
        "bench": "relay",
        "due": due,
        "channels": len(kinds),
        "messages": messages,
        "deliveries": requests,
        "seconds": round(elapsed, 3),
        "deliveries_per_s": round(requests / elapsed, 1),
        "dynamodb_requests_per_delivery": round(counter.total / max(requests, 1), 2),
        "dynamodb_calls": dict(counter.calls),
    }


def _cost() -> Iterator[Row]:
    from bench.cost import cost

    yield from cost()
    yield from cost(email=False)


def _detection() -> Iterator[Row]:
    from bench.detection import detection

    yield from detection()


def local_stack(requests: int = 200, warmup: int = 10) -> Iterator[Row]:
    """The local stack (`make run`) over HTTP: signed webhooks one after another on one keep-alive connection, the
    time from request to reply (what the emulator's HTTP, the local server and the app add up to)."""
    import http.client
    import tempfile
    from urllib.parse import urlsplit

    from tests.e2e.conftest import start_stack, stop_stack
    from tests.intake import relay_headers

    run = uuid.uuid4().hex[:8]
    took: list[float] = []
    statuses: Counter[int] = Counter()
    with tempfile.TemporaryDirectory() as folder:
        stack = start_stack(Path(folder))  # its output is drained by start_stack's own reader
        address = urlsplit(stack.url)
        connection = http.client.HTTPConnection(address.hostname or "127.0.0.1", address.port, timeout=30)
        try:
            for number in range(warmup + requests):
                body = _submission(number, run).decode("utf-8")
                started = perf_counter()
                connection.request(
                    "POST",
                    "/webhooks/relay",
                    body=body.encode("utf-8"),
                    headers=relay_headers(body, f"msg_{run}_{number}"),
                )
                response = connection.getresponse()
                response.read()
                if number >= warmup:
                    took.append(perf_counter() - started)
                    statuses[response.status] += 1
        finally:
            connection.close()
            stop_stack(stack)
    yield {
        "bench": "local_stack",
        "requests": requests,
        "created": statuses[201],
        "errors": requests - statuses[201],
        "p50_ms": _ms(statistics.median(took)),
        "p90_ms": _ms(_percentile(took, 0.9)),
        "requests_per_s": round(requests / sum(took), 1),
    }


READY_ENV = {
    "TABLE_NAME": "ComplaintsTable",
    "ALERTS_TOPIC_ARN": f"arn:aws:sns:{REGION}:123456789012:AlertsTopic",
    "OPS_TOPIC_ARN": f"arn:aws:sns:{REGION}:123456789012:OpsTopic",
    "PUBLIC_BASE_URL": "https://sla.example.com",
    "PSEUDONYM_KEY": "a-pseudonym-key-for-the-benchmarks-only",
}
"""The settings a cold start needs (a deployed function gets them from the template)."""


def _run_python(code: str) -> float:
    started = perf_counter()
    environment = {**os.environ, **READY_ENV}
    subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=True, stdout=subprocess.DEVNULL, env=environment)
    return perf_counter() - started


def _printed_seconds(code: str) -> float:
    """The seconds a fresh interpreter running `code` measured itself and printed."""
    environment = {**os.environ, **READY_ENV}
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=True, capture_output=True, env=environment)
    return float(done.stdout)


def _best_of(code: str, runs: int) -> float | None:
    """The fastest of `runs` fresh interpreters running `code`; None when it fails."""
    try:
        return min(_run_python(code) for _ in range(runs))
    except subprocess.CalledProcessError:
        return None


def import_cost(runs: int = 5) -> Iterator[Row]:
    """Cold start: `import app` in a fresh interpreter against the floor of its framework imports.

    `ready_ms` adds what the first request builds (policies, the intake service and its DynamoDB client):
    making imports lazy moves time from `app_ms` to there, it does not remove it. `clients_ms` is the time, after that,
    to make all four AWS clients."""
    floor_code = "import boto3, pydantic, chalice"
    for code in ("import app", floor_code):  # compile the .pyc files first
        _run_python(code)
    app_s: list[float] = []
    floor_s: list[float] = []
    for _ in range(runs):  # interleaved, so a noisy moment hurts both sides
        app_s.append(_run_python("import app"))
        floor_s.append(_run_python(floor_code))
    python_s = _best_of("pass", runs)
    ready_s = _best_of(READY_CODE, runs)
    clients_s = min(_printed_seconds(CLIENTS_CODE) for _ in range(runs))
    yield {
        "bench": "import",
        "app_ms": _ms(min(app_s)),
        "floor_ms": _ms(min(floor_s)),
        "ratio": round(min(app_s) / min(floor_s), 2),
        "python_ms": None if python_s is None else _ms(python_s),
        "ready_ms": None if ready_s is None else _ms(ready_s),
        "clients_ms": _ms(clients_s),
        "floor": floor_code,
        "runs": runs,
    }


def deadline(repeat: int = 5) -> Iterator[Row]:
    """Microseconds to compute one 15-working-day deadline across China's National Day (warm caches)."""
    from chalicelib.domain.durations import parse_target

    calendar = load_policies(settings_for_tests()).calendars["office"]
    start = datetime(2026, 9, 28, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
    seconds = calendar.seconds_of(parse_target("15d"))
    due = calendar.add(start, seconds)  # warms the calendar's caches (holiday years, day segments)
    timer = timeit.Timer(lambda: calendar.add(start, seconds))
    number, _ = timer.autorange()
    best = min(timer.repeat(repeat=repeat, number=number)) / number
    yield {
        "bench": "deadline",
        "calendar": "office",
        "target": "15d",
        "start": start.isoformat(),
        "deadline": due.isoformat(),
        "us_per_deadline": round(best * 1e6, 2),
        "loops": number,
    }


SUITES: dict[str, Callable[[], Iterator[Row]]] = {
    "ingest": ingest,
    "local_stack": local_stack,
    "scan_cost": scan_cost,
    "tick": tick,
    "relay": relay,
    "cost": _cost,
    "import": import_cost,
    "deadline": deadline,
    "detection": _detection,
}
