"""Wiring: settings -> boto3 clients -> adapters -> services, each built once per container, lazily."""

from __future__ import annotations

from datetime import datetime
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from chalicelib.auth import StaffAuthenticator
from chalicelib.clock import Clock, SystemClock

if TYPE_CHECKING:
    from chalicelib.adapters.claims import Claims
    from chalicelib.adapters.dynamo import ComplaintRepository
    from chalicelib.domain.policy import PolicySet
    from chalicelib.domain.sources import SourcesFile
    from chalicelib.services.calendars import CalendarWatch
    from chalicelib.services.digests import DigestService
    from chalicelib.services.intake import IntakeService
    from chalicelib.services.operator import OperatorAlerts
    from chalicelib.services.reports import ReportService
    from chalicelib.services.scanner import Scanner
    from chalicelib.services.workflow import WorkflowService
    from chalicelib.settings import Settings


_clock: Clock = SystemClock()


def use_clock(clock: Clock) -> None:
    """Read the time from `clock` from now on (the local stack's LOCAL_CLOCK_START; tests)."""
    global _clock
    _clock = clock


def utc_now() -> datetime:
    """The current time, timezone-aware, from the clock in use."""
    return _clock.now()


@lru_cache(maxsize=1)
def settings() -> Settings:
    from chalicelib.settings import Settings

    return Settings.from_environ()


@lru_cache(maxsize=1)
def policies() -> PolicySet:
    from chalicelib.domain.policy import parse_policy

    path = settings().sla_policy_file
    return parse_policy(path.read_text(encoding="utf-8"), str(path))


@lru_cache(maxsize=1)
def sources() -> SourcesFile:
    from chalicelib.domain.sources import parse_sources

    path = settings().sources_file
    return parse_sources(path.read_text(encoding="utf-8"), str(path))


@lru_cache(maxsize=8)
def client(service: str) -> Any:
    """A boto3 client for `service`, with short timeouts and bounded retries."""
    import boto3
    from botocore.config import Config

    config = Config(
        retries={"mode": "standard", "total_max_attempts": 2},
        connect_timeout=3,
        read_timeout=10,
        tcp_keepalive=True,
    )
    current = settings()
    return boto3.session.Session().client(
        service,  # type: ignore[call-overload]
        region_name=current.aws_region,
        endpoint_url=current.aws_endpoint_url,
        config=config,
    )


@lru_cache(maxsize=1)
def repository() -> ComplaintRepository:
    from chalicelib.adapters.dynamo import ComplaintRepository

    return ComplaintRepository(client("dynamodb"), settings().table_name, zone=policies().display.tz)


@lru_cache(maxsize=1)
def intake() -> IntakeService:
    from chalicelib.services.intake import IntakeService

    return IntakeService(repository(), policies(), settings().due_shards)


@lru_cache(maxsize=1)
def claims() -> Claims:
    from chalicelib.adapters.claims import Claims

    return Claims(client("dynamodb"), settings().table_name)


@lru_cache(maxsize=1)
def operator() -> OperatorAlerts:
    from chalicelib.adapters.sns import OpsNotifier
    from chalicelib.services.operator import OperatorAlerts

    return OperatorAlerts(claims(), OpsNotifier(client("sns"), settings().ops_topic_arn))


@lru_cache(maxsize=1)
def scanner() -> Scanner:
    from chalicelib.adapters.due_index import DueIndex
    from chalicelib.adapters.sns import SnsNotifier
    from chalicelib.services.scanner import Scanner

    current = settings()
    index = DueIndex(client("dynamodb"), current.table_name, current.due_shards, zone=policies().display.tz)
    notifier = SnsNotifier(client("sns"), current.alerts_topic_arn)
    return Scanner(index, notifier, operator(), policies(), current.public_base_url)


@lru_cache(maxsize=1)
def digests() -> DigestService:
    from chalicelib.adapters.digest_store import DigestStore
    from chalicelib.adapters.ses import SesMailer
    from chalicelib.services.digests import DigestService

    current = settings()
    mailer = SesMailer(client("ses"), current.digest_sender, current.ses_configuration_set or None)
    store = DigestStore(client("dynamodb"), current.table_name)
    return DigestService(store, claims(), mailer, policies(), current.public_base_url)


@lru_cache(maxsize=1)
def calendars() -> CalendarWatch:
    from chalicelib.adapters.markers import Markers
    from chalicelib.services.calendars import CalendarWatch

    current = settings()
    markers = Markers(client("dynamodb"), current.table_name)
    return CalendarWatch(repository(), markers, operator(), policies(), current.due_shards)


@lru_cache(maxsize=1)
def workflow() -> WorkflowService:
    from chalicelib.services.workflow import WorkflowService

    return WorkflowService(repository(), policies(), settings().due_shards)


@lru_cache(maxsize=1)
def reports() -> ReportService:
    from chalicelib.adapters.report_store import ReportStore
    from chalicelib.adapters.ses import SesMailer
    from chalicelib.services.reports import ReportService

    current = settings()
    store = ReportStore(client("dynamodb"), current.table_name, repository())
    mailer = SesMailer(client("ses"), current.digest_sender, current.ses_configuration_set or None)
    return ReportService(store, claims(), mailer, policies())


@lru_cache(maxsize=1)
def authenticator() -> StaffAuthenticator:
    return StaffAuthenticator(settings().staff_hashes())


def reset() -> None:
    """Forget everything built (tests change the environment between cases)."""
    for built in (
        settings,
        policies,
        sources,
        client,
        repository,
        intake,
        claims,
        operator,
        scanner,
        digests,
        calendars,
        workflow,
        reports,
        authenticator,
    ):
        built.cache_clear()
