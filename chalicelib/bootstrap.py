"""Bootstrap: settings + a clock + the adapters -> the app's services, built from its arguments alone. The app
builds them once per Lambda container (`services()`); the local stack and the tests build their own (in-memory
twins, moto, a shifted or fixed clock) and `install` them. Clients are made here, once, never per request and
never at import time.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from functools import cached_property, lru_cache
from typing import TYPE_CHECKING, Any

from chalicelib.auth import StaffAuthenticator
from chalicelib.domain.channels.config import Channel, parse_channels, resolve_channels
from chalicelib.domain.policy import PolicySet, parse_policy
from chalicelib.domain.sources import SourcesFile, parse_sources
from chalicelib.ports import (
    Claims,
    Clock,
    ComplaintStore,
    DueIndex,
    HttpSender,
    Mailer,
    Markers,
    NoticeLog,
    NoticeWindows,
    Notifier,
    OpsNotifier,
    RelayQueue,
    ReportStore,
    TimerQueue,
)
from chalicelib.services.calendars import CalendarWatch
from chalicelib.services.customer import CustomerService
from chalicelib.services.digests import DigestService
from chalicelib.services.intake import IntakeService
from chalicelib.services.operator import OperatorAlerts
from chalicelib.services.publisher import Publisher
from chalicelib.services.relay import Relay
from chalicelib.services.reports import ReportService
from chalicelib.services.scanner import Scanner
from chalicelib.services.timers import Timers
from chalicelib.services.workflow import WorkflowService
from chalicelib.settings import Settings, SettingsError

if TYPE_CHECKING:
    from chalicelib.adapters.memory import MemoryTable


@dataclass(frozen=True)
class Adapters:
    """One implementation of every port."""

    complaints: ComplaintStore
    due: DueIndex
    notice_log: NoticeLog
    reports: ReportStore
    claims: Claims
    markers: Markers
    windows: NoticeWindows
    notifier: Notifier
    ops: OpsNotifier
    mailer: Mailer
    http: HttpSender
    relay_queue: RelayQueue
    timer_queue: TimerQueue | None = None  # None: no precision timers, the minute scan alone


@dataclass(frozen=True)
class Services:
    """Everything a handler needs: the configuration it was built from and the use cases."""

    settings: Settings
    clock: Clock
    policies: PolicySet
    sources: SourcesFile
    authenticator: StaffAuthenticator
    adapters: Adapters
    intake: IntakeService
    workflow: WorkflowService
    publisher: Publisher
    scanner: Scanner
    digests: DigestService
    reports: ReportService
    calendars: CalendarWatch
    customer: CustomerService

    @cached_property
    def relay(self) -> Relay:
        """The relay to the channels of the channels file, built on first use (only the relay function uses it):
        `ChannelsError` naming the channel and the variable when one it names is not set."""
        return Relay(
            load_channels(self.settings), self.adapters.claims, self.adapters.http, self.policies.file.language
        )


def load_policies(settings: Settings) -> PolicySet:
    path = settings.sla_policy_file
    return parse_policy(path.read_text(encoding="utf-8"), str(path))


def load_channels(settings: Settings) -> list[Channel]:
    path = settings.channels_file
    parsed = parse_channels(path.read_text(encoding="utf-8"), str(path))
    return resolve_channels(parsed, settings.channel_values, str(path))


def load_sources(settings: Settings) -> SourcesFile:
    path = settings.sources_file
    return parse_sources(path.read_text(encoding="utf-8"), str(path))


class LazyClient:
    """A boto3 client made on first use: a function that only reads the table never builds the SES client."""

    def __init__(self, make: Callable[[], Any]) -> None:
        self._make = make
        self._client: Any = None
        self._lock = threading.Lock()

    def __getattr__(self, name: str) -> Any:
        if self._client is None:
            with self._lock:
                if self._client is None:
                    self._client = self._make()
        return getattr(self._client, name)


@dataclass(frozen=True)
class AwsClients:
    """The boto3 clients the AWS adapters take."""

    dynamodb: Any
    sns: Any
    ses: Any
    sqs: Any


# botocore's own attempts per request: the DynamoDB adapters retry themselves, within the request's time budget
# (chalicelib.budget), so botocore does not multiply them; SNS, SES and Secrets Manager get one retry.
BOTOCORE_ATTEMPTS = {"dynamodb": 1, "sns": 2, "ses": 2, "sqs": 2, "secretsmanager": 2}


@lru_cache(maxsize=1)
def service_models() -> Any:
    """One botocore loader for every client of the container: a new session would parse the JSON of the endpoint
    rules and of its service's model again (`make bench` import: four clients in 299 ms, 158 ms with one loader)."""
    import botocore.loaders

    return botocore.loaders.create_loader()


def boto3_session(region: str | None = None) -> Any:
    """A new boto3 session (one per client: boto3 asks for that when clients are made on several threads) that reads
    the container's `service_models`."""
    import boto3
    import botocore.session

    core = botocore.session.get_session()
    core.register_component("data_loader", service_models())
    return boto3.session.Session(botocore_session=core, region_name=region)


def aws_client(settings: Settings, service: str) -> Any:
    """A boto3 client with short timeouts (chalicelib.budget) and bounded retries, for the region and endpoint of
    `settings`."""
    from botocore.config import Config

    from chalicelib.budget import CONNECT_TIMEOUT, READ_TIMEOUT

    config = Config(
        retries={"mode": "standard", "total_max_attempts": BOTOCORE_ATTEMPTS[service]},
        connect_timeout=CONNECT_TIMEOUT,
        read_timeout=READ_TIMEOUT,
        tcp_keepalive=True,
    )
    return boto3_session().client(
        service,
        region_name=settings.aws_region,
        endpoint_url=settings.aws_endpoint_url,
        config=config,
    )


def aws_clients(settings: Settings) -> AwsClients:
    """The adapters' boto3 clients for `settings`, each made when first used."""

    def maker(service: str) -> Callable[[], Any]:
        return lambda: aws_client(settings, service)

    return AwsClients(*(LazyClient(maker(service)) for service in ("dynamodb", "sns", "ses", "sqs")))


def with_app_secret(settings: Settings, client: Any = None) -> Settings:
    """`settings` completed by the app's secret when APP_SECRETS_ARN names one (on AWS; read once, at cold start):
    Secrets Manager's GetSecretValue, a JSON object of STAFF_TOKEN_HASHES, WEBHOOK_SECRETS and PSEUDONYM_KEY.
    Without it (the local stack, tests) the environment's values stand. `SettingsError` when it cannot be read."""
    if settings.app_secrets_arn is None:
        return settings
    client = client or aws_client(settings, "secretsmanager")
    try:
        text = client.get_secret_value(SecretId=settings.app_secrets_arn)["SecretString"]
        value = json.loads(text)
    except Exception as exc:  # noqa: BLE001 - any failure stops the cold start, named, never quoting the secret
        raise SettingsError(f"the app cannot start: APP_SECRETS_ARN cannot be read ({type(exc).__name__})") from None
    if not isinstance(value, dict):
        raise SettingsError("the app cannot start: the app's secret (APP_SECRETS_ARN) is not a JSON object")
    return settings.with_secrets(value)


def aws_adapters(settings: Settings, policies: PolicySet, clients: AwsClients | None = None) -> Adapters:
    """The DynamoDB, SNS, SES and SQS adapters (on `clients`, made from `settings` when not given) and the HTTP
    sender."""
    from chalicelib.adapters.claims import DynamoClaims
    from chalicelib.adapters.complaints import DynamoComplaintStore
    from chalicelib.adapters.due_index import DynamoDueIndex
    from chalicelib.adapters.http_sender import Urllib3Sender
    from chalicelib.adapters.markers import DynamoMarkers
    from chalicelib.adapters.notice_log import DynamoNoticeLog
    from chalicelib.adapters.relay_queue import SqsRelayQueue
    from chalicelib.adapters.report_store import DynamoReportStore
    from chalicelib.adapters.ses import SesMailer
    from chalicelib.adapters.sns import SnsNotifier, SnsOpsNotifier
    from chalicelib.adapters.timer_queue import SqsTimerQueue
    from chalicelib.adapters.windows import DynamoNoticeWindows

    clients = clients or aws_clients(settings)
    table, shards, zone = settings.table_name, settings.due_shards, policies.display.tz
    return Adapters(
        complaints=DynamoComplaintStore(clients.dynamodb, table, shards, zone),
        due=DynamoDueIndex(clients.dynamodb, table, shards, zone),
        notice_log=DynamoNoticeLog(clients.dynamodb, table),
        reports=DynamoReportStore(clients.dynamodb, table),
        claims=DynamoClaims(clients.dynamodb, table),
        markers=DynamoMarkers(clients.dynamodb, table),
        windows=DynamoNoticeWindows(clients.dynamodb, table, shards),
        notifier=SnsNotifier(clients.sns, settings.alerts_topic_arn, policies.file.language),
        ops=SnsOpsNotifier(clients.sns, settings.ops_topic_arn),
        mailer=SesMailer(clients.ses, settings.digest_sender, settings.ses_configuration_set or None),
        http=Urllib3Sender(),
        relay_queue=SqsRelayQueue(clients.sqs, settings.relay_queue_url),
        timer_queue=SqsTimerQueue(clients.sqs, settings.timer_queue_url) if settings.timer_queue_url else None,
    )


def memory_adapters(policies: PolicySet, table: MemoryTable | None = None) -> Adapters:
    """The in-memory twins, over one shared table (a new one unless given)."""
    from chalicelib.adapters.memory import (
        MemoryClaims,
        MemoryComplaintStore,
        MemoryDueIndex,
        MemoryHttpSender,
        MemoryMailer,
        MemoryMarkers,
        MemoryNoticeLog,
        MemoryNoticeWindows,
        MemoryNotifier,
        MemoryOpsNotifier,
        MemoryRelayQueue,
        MemoryReportStore,
        MemoryTable,
        MemoryTimerQueue,
    )

    table = table if table is not None else MemoryTable(zone=policies.display.tz)
    return Adapters(
        complaints=MemoryComplaintStore(table),
        due=MemoryDueIndex(table),
        notice_log=MemoryNoticeLog(table),
        reports=MemoryReportStore(table),
        claims=MemoryClaims(table),
        markers=MemoryMarkers(table),
        windows=MemoryNoticeWindows(table),
        notifier=MemoryNotifier(),
        ops=MemoryOpsNotifier(),
        mailer=MemoryMailer(),
        http=MemoryHttpSender(),
        relay_queue=MemoryRelayQueue(),
        timer_queue=MemoryTimerQueue(),
    )


def bootstrap(
    settings: Settings,
    clock: Clock,
    adapters: Adapters | None = None,
    policies: PolicySet | None = None,
) -> Services:
    """The app's services from its arguments: the policy and sources files `settings` names (or `policies`), and
    the AWS adapters unless `adapters` are given."""
    policies = policies or load_policies(settings)
    adapters = adapters or aws_adapters(settings, policies)
    operator = OperatorAlerts(adapters.claims, adapters.ops)
    base_url = settings.public_base_url
    publisher = Publisher(adapters.notifier, adapters.windows, adapters.due, policies, base_url)
    timers = None
    if adapters.timer_queue is not None:
        lookahead = timedelta(seconds=settings.timer_lookahead_seconds)
        timers = Timers(adapters.timer_queue, adapters.markers, lookahead)
    workflow = WorkflowService(adapters.complaints, policies, publisher, timers)
    customer = CustomerService(
        adapters.complaints, adapters.claims, adapters.mailer, workflow, policies, base_url, operator
    )
    return Services(
        settings=settings,
        clock=clock,
        policies=policies,
        sources=load_sources(settings),
        authenticator=StaffAuthenticator(settings.staff_hashes()),
        adapters=adapters,
        intake=IntakeService(adapters.complaints, policies, publisher, customer, settings.pseudonym_secret, timers),
        workflow=workflow,
        publisher=publisher,
        scanner=Scanner(
            adapters.due, publisher, operator, policies, base_url, timers=timers, store=adapters.complaints
        ),
        digests=DigestService(adapters.notice_log, adapters.claims, adapters.mailer, policies, base_url),
        reports=ReportService(
            adapters.reports, adapters.complaints, adapters.claims, adapters.mailer, policies, base_url
        ),
        calendars=CalendarWatch(adapters.complaints, adapters.markers, operator, policies),
        customer=customer,
    )


_installed: Services | None = None


def services() -> Services:
    """The services of this container: built on first use from the environment and the system clock (once per
    Lambda container), unless some were installed."""
    global _installed
    if _installed is None:
        from chalicelib.clock import SystemClock

        _installed = bootstrap(with_app_secret(Settings.from_environ()), SystemClock())
    return _installed


def install(built: Services | None) -> None:
    """Use `built` from now on (the local stack, tests); None forgets them, so the next use builds afresh."""
    global _installed
    _installed = built
