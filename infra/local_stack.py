"""The local stack (`make run`): moto's server as the AWS emulator, the table/topics/queues of
infra/resources.yaml created in it, the Chalice app served over HTTP against it, its scheduled functions
invoked every SCAN_INTERVAL seconds, the relay polling its queue (as Lambda's event source mapping would) and
sending to the channels of CHANNELS_FILE, the precision timers' queue polled continuously the same way (a notice
within a second or two of its threshold, not at the next scan), and every SNS notice (with the text an email
subscriber would read) and SES email printed as it happens (SES emails also written to outbox/ as .eml files).
The table's items are kept in LOCAL_STATE_DIR across restarts (infra/local_state.py; `make reset` empties it).

Environment: AWS_EMULATOR_PORT (5000), PORT (8000), SCAN_INTERVAL (60 s), STAFF_TOKENS (a development token
is made and printed when unset), SESSION_SECRET (the console's cookie key; a random one per start when unset),
SLA_POLICY_FILE (the default policy when unset), OUTBOX_DIR (outbox/),
LOCAL_CLOCK_START (an ISO 8601 instant with offset: the app's clock starts there and runs forward in real time,
to rehearse a date such as the year end; only the local stack reads it, the deployed app uses real time),
LOCAL_STATE_DIR (.local-state/), LOCAL_STATE_INTERVAL (2 s between snapshots), WEBHOOK_SECRETS (the `relay`
source gets a development secret when it has none, the one `python -m infra.relay_post` signs with) and PSEUDONYM_KEY
(a fixed development key when unset: the local stack keeps its secrets in its environment, never in Secrets
Manager).
"""

from __future__ import annotations

import io
import json
import logging
import os
import secrets
import signal
import sys
import threading
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

if TYPE_CHECKING:
    from chalicelib.ports import Clock

from infra.local_state import LocalState, StateError

ROOT = Path(__file__).resolve().parent.parent
REGION = "us-east-1"
STOP_WAIT = 10.0
"""Seconds a stop waits, in all, for the background threads to finish what they are doing."""


class WholeLines(io.TextIOBase):
    """Stdout for a process of many threads: each thread's text is held until its line ends, then the whole line
    is written under one lock, so a log line, a metric object and an outbox line never interleave."""

    def __init__(self, out: TextIO) -> None:
        self.out = out
        self.lock = threading.Lock()
        self.pending = threading.local()

    def write(self, text: str) -> int:
        held = getattr(self.pending, "text", "") + text
        complete, newline, rest = held.rpartition("\n")
        self.pending.text = rest
        if newline:
            with self.lock:
                self.out.write(complete + newline)
                self.out.flush()
        return len(text)

    def flush(self) -> None:
        self.out.flush()


LOCAL_PSEUDONYM_KEY = "local-development-pseudonym-key-not-for-production"
"""The local stack's key of customers' pseudonyms (stable, so reports kept in LOCAL_STATE_DIR stay consistent)."""


def _say(text: str) -> None:
    """Print whole lines (a multi-line block at once)."""
    sys.stdout.write(text + "\n")
    sys.stdout.flush()


class LocalStack:
    """Starts and stops the pieces; `run` blocks until SIGINT/SIGTERM."""

    def __init__(self, environ: dict[str, str]) -> None:
        self.emulator_port = int(environ.get("AWS_EMULATOR_PORT", "5000"))
        self.port = int(environ.get("PORT", "8000"))
        self.interval = float(environ.get("SCAN_INTERVAL", "60"))
        self.outbox = Path(environ.get("OUTBOX_DIR", str(ROOT / "outbox")))
        self.endpoint = f"http://127.0.0.1:{self.emulator_port}"
        self.staff_token = ""
        self.stopping = threading.Event()
        self._threads: list[threading.Thread] = []
        self._emails_lock = threading.Lock()
        self._emails_written = 0
        self.clock_start = environ.get("LOCAL_CLOCK_START", "").strip() or None
        self.state = LocalState.from_environ(environ, ROOT)

    def start(self) -> None:
        from chalicelib.clock import ShiftedClock, SystemClock, parse_start

        self.clock: Clock = SystemClock()
        if self.clock_start is not None:
            try:
                self.clock = ShiftedClock(parse_start(self.clock_start))
            except ValueError as exc:
                raise StartError(f"LOCAL_CLOCK_START: {exc}") from None
        self._prepare_environment()
        logging.getLogger("werkzeug").setLevel(logging.ERROR)  # the emulator's own access log
        from moto.server import ThreadedMotoServer

        from infra import moto_fixes

        moto_fixes.apply()

        self.emulator = ThreadedMotoServer(ip_address="127.0.0.1", port=self.emulator_port, verbose=False)
        self.emulator.start()
        from chalicelib.bootstrap import boto3_session
        from infra.definitions import create_resources

        self.session = boto3_session(REGION)
        self.resources = create_resources(self.session, self.endpoint, REGION)
        try:
            self.restored = self.state.open()
        except StateError as exc:
            raise StartError(str(exc)) from None
        os.environ.update(self.resources.environment())
        self.console_queues = self._subscribe_console_queues()
        self._start_api()
        self._check_channels()
        self._spawn(self._tail_notices)
        self._spawn(self._tail_alert_emails)
        self._spawn(self._tail_emails)
        self._spawn(self._run_schedules)
        self._spawn(self._run_relay)
        self._spawn(self._run_timers)
        self._banner()

    def _prepare_environment(self) -> None:
        os.environ.setdefault("AWS_ACCESS_KEY_ID", "local")
        os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "local")
        os.environ["AWS_DEFAULT_REGION"] = REGION
        os.environ["AWS_REGION"] = REGION
        os.environ["AWS_ENDPOINT_URL"] = self.endpoint
        os.environ["PUBLIC_BASE_URL"] = f"http://127.0.0.1:{self.port}"
        # the scan arms timers two scan intervals ahead (at least 2 minutes, at most SQS's 15)
        os.environ.setdefault("TIMER_LOOKAHEAD_SECONDS", str(int(min(900, max(120, 2 * self.interval)))))
        # The console's cookies: served over plain http here, so not `Secure`; signed with a secret made at each
        # start unless one is given (a restart then signs everyone out).
        os.environ["SESSION_COOKIE_SECURE"] = "false"
        if not os.environ.get("SESSION_SECRET"):
            os.environ["SESSION_SECRET"] = secrets.token_urlsafe(48)
        if not os.environ.get("STAFF_TOKENS") and not os.environ.get("STAFF_TOKEN_HASHES"):
            self.staff_token = "dev-" + secrets.token_urlsafe(18)
            os.environ["STAFF_TOKENS"] = self.staff_token
        else:  # the first configured token (`name=token` names its person): printed for the console and curl
            self.staff_token = os.environ.get("STAFF_TOKENS", "").split(",")[0].strip().rpartition("=")[2]
        os.environ.setdefault("PSEUDONYM_KEY", LOCAL_PSEUDONYM_KEY)
        self._give_the_relay_a_secret()

    @staticmethod
    def _give_the_relay_a_secret() -> None:
        """The `relay` source (a trusted server, signed) gets the development secret `infra.relay_post` signs with
        when WEBHOOK_SECRETS gives it none, so the banner's late complaint can be posted as it is printed."""
        from infra.relay_post import with_local_relay_secret

        given = with_local_relay_secret(os.environ)
        if given is not None:
            os.environ["WEBHOOK_SECRETS"] = given

    def _subscribe_console_queues(self) -> dict[str, str]:
        sns = self.session.client("sns", endpoint_url=self.endpoint)
        sqs = self.session.client("sqs", endpoint_url=self.endpoint)
        queues = {}
        for logical_id, topic_arn in self.resources.topics.items():
            url = sqs.create_queue(QueueName=f"console-{logical_id}")["QueueUrl"]
            arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
            sns.subscribe(TopicArn=topic_arn, Protocol="sqs", Endpoint=arn)
            queues[logical_id] = url
        return queues

    def _start_api(self) -> None:
        from chalice.cli.factory import CLIFactory

        factory = CLIFactory(project_dir=str(ROOT), environ=os.environ)
        config = factory.create_config_obj(chalice_stage_name="local")
        os.environ.update({k: str(v) for k, v in (config.environment_variables or {}).items()})
        self._bootstrap()
        self.app = factory.load_chalice_app()
        import app as app_module

        self.app_module = app_module
        self.server = factory.create_local_server(self.app, config, "127.0.0.1", self.port)
        _tune_request_handler(self.server.server)
        self._spawn(self.server.serve_forever)

    def _bootstrap(self) -> None:
        """Build the app's services from the environment just set, with the stack's clock, and install them."""
        from chalicelib.bootstrap import bootstrap, install
        from chalicelib.settings import Settings, SettingsError

        try:
            self.services = bootstrap(Settings.from_environ(), self.clock)
        except SettingsError as exc:
            raise StartError(str(exc)) from None
        install(self.services)

    def _join_workers(self, within: float = STOP_WAIT) -> None:
        """Wait (up to `within` seconds in all) for the schedules, pollers and tails to see `stopping` and end."""
        deadline = time.monotonic() + within
        for thread in self._threads:
            thread.join(timeout=max(0.0, deadline - time.monotonic()))

    def _spawn(self, target: Callable[[], None]) -> None:
        thread = threading.Thread(target=target, daemon=True, name=getattr(target, "__name__", "worker"))
        thread.start()
        self._threads.append(thread)

    def _banner(self) -> None:
        api = f"http://127.0.0.1:{self.port}"
        example = json.dumps(
            {
                "customer_name": "张三",
                "customer_email": "zhang.san@example.com",
                "category": "service",
                "subject": "客服没有回电话",
            },
            ensure_ascii=False,
        )
        _say("complaint-sla-monitor local stack")
        _say(f"  API:           {api}")
        _say(f"  AWS emulator:  {self.endpoint}  (moto)")
        restored = f"{self.restored} items restored; kept across restarts, `make reset` empties it"
        _say(f"  data:          {self.state.directory}  ({restored})")
        _say(f"  table:         {self.resources.tables['ComplaintsTable']}")
        _say(f"  alerts topic:  {self.resources.topics['AlertsTopic']}")
        _say(f"  schedules:     every {self.interval:g} s (SCAN_INTERVAL)")
        lookahead = self.services.settings.timer_lookahead_seconds
        _say(f"  timers:        TimerQueue polled continuously; the scan arms {lookahead} s ahead")
        channels = ", ".join(f"{c.name} ({c.spec.kind})" for c in self.relay_channels) or "none"
        _say(f"  channels:      {channels} (CHANNELS_FILE={self.services.settings.channels_file})")
        _say(f"  outbox:        {self.outbox}")
        _say(f"  staff token:   {self.staff_token}")
        _say(f"  console:       {api}/console  (sign in with the staff token)")
        now = self.clock.now()
        zone = self.services.policies.display.tz
        if self.clock_start is not None:
            shown = now.astimezone(zone).isoformat(timespec="seconds")
            _say(f"  clock:         starts at LOCAL_CLOCK_START={self.clock_start} (now {shown}), runs in real time")
        for name, (last, days_left) in self.services.calendars.horizon(now.astimezone(zone).date()).items():
            warn = "WARNING: " if days_left <= 60 else ""
            _say(
                f"  {warn}calendar {name}: confirmed holiday data through {last.isoformat()} ({days_left} days); "
                "later deadlines are provisional (statutory holidays only)"
            )
        _say("post a first complaint:")
        _say(f"  curl -i -X POST {api}/complaints -H 'Content-Type: application/json' -d '{example}'")
        overdue = dict(
            json.loads(example),
            received_at=(now - timedelta(minutes=45)).astimezone(zone).isoformat(timespec="seconds"),
        )
        overdue["subject"] = "45 分钟前收到，仍未响应"
        overdue["priority"] = "urgent"
        _say("or one a server relays (signed), received 45 minutes ago and overdue (first on the console's board):")
        _say(f"  .venv/bin/python -m infra.relay_post --url {api} '{json.dumps(overdue, ensure_ascii=False)}'")
        _say("read it back (staff):")
        _say(f"  curl -H 'Authorization: Bearer {self.staff_token}' {api}/complaints/<id>")
        _say("Ctrl-C stops everything.")

    def _run_schedules(self) -> None:
        from chalice.app import ScheduledEventConfig
        from chalice.local import LambdaContext

        while not self.stopping.wait(self.interval):
            for source in self.app.event_sources:
                if not isinstance(source, ScheduledEventConfig):
                    continue
                handler = getattr(self.app_module, source.name)
                event = {
                    "version": "0",
                    "id": str(uuid.uuid4()),
                    "detail-type": "Scheduled Event",
                    "source": "aws.events",
                    "account": "123456789012",
                    "time": self.clock.now().astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
                    "region": REGION,
                    "resources": [f"arn:aws:events:{REGION}:123456789012:rule/{source.name}"],
                    "detail": {},
                }
                try:
                    handler(event, LambdaContext(source.name, 512, max_runtime_ms=55_000))
                except Exception as exc:  # noqa: BLE001 - a failing run is reported, the next one retries
                    _say(f"[schedule] {source.name} failed: {type(exc).__name__}")

    def _check_channels(self) -> None:
        from chalicelib.domain.channels.config import ChannelsError

        try:
            self.relay_channels = self.services.relay.channels
        except ChannelsError as exc:
            raise StartError(f"CHANNELS_FILE: {exc}") from None

    def _run_relay(self) -> None:
        """Poll RelayQueue continuously and hand each batch to the relay function, as Lambda would."""
        self._feed("RelayQueue", "relay_notices", "relay", "the relay")

    def _run_timers(self) -> None:
        """Poll TimerQueue continuously and hand each batch to the timers' function, as Lambda would."""
        self._feed("TimerQueue", "fire_timers", "timers", "the timers' function")

    def _feed(self, queue: str, function: str, label: str, what: str) -> None:
        """Poll `queue` until the stack stops, handing each batch to the app's `function` as Lambda's SQS trigger
        would; say (as `[label]`) when a poll fails, when `what` raised (the batch comes back) and how many
        messages it reported failed (retried later). A failed poll is tried again a second later."""
        from chalice.local import LambdaContext

        from infra.relay_poller import poll_once

        sqs = self.session.client("sqs", endpoint_url=self.endpoint)
        handler = getattr(self.app_module, function)
        url = self.resources.queues[queue]
        while not self.stopping.is_set():
            context = LambdaContext(function, 512, max_runtime_ms=60_000)
            try:
                polled = poll_once(sqs, url, handler, context, region=REGION)
            except Exception as exc:  # noqa: BLE001 - the emulator stopping, or a bad batch: try again
                if self.stopping.is_set():
                    return
                _say(f"[{label}] poll failed: {type(exc).__name__}")
                self.stopping.wait(1.0)
                continue
            if polled.raised is not None:
                _say(f"[{label}] {what} failed: {type(polled.raised).__name__}; the batch is retried")
            elif polled.failed:
                _say(f"[{label}] {len(polled.failed)} of {len(polled.received)} messages retried later")

    def _tail_notices(self) -> None:
        sqs = self.session.client("sqs", endpoint_url=self.endpoint)
        while not self.stopping.is_set():
            for logical_id, url in self.console_queues.items():
                try:
                    got = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=1)
                except Exception:
                    if self.stopping.is_set():
                        return
                    raise
                for message in got.get("Messages", []):
                    envelope = json.loads(message["Body"])
                    _say(f"[sns {logical_id}] {envelope.get('Subject') or ''}\n  {envelope.get('Message', '')}")
                    sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])

    def _tail_alert_emails(self) -> None:
        """Print what an email subscriber of the alerts topic reads: the Subject and the `email` message, as
        published (read from the emulator's record of the topic)."""
        from moto.core.models import DEFAULT_ACCOUNT_ID
        from moto.sns.models import sns_backends

        arn = self.resources.topics["AlertsTopic"]
        seen = 0
        while not self.stopping.wait(0.5):
            topic = sns_backends[DEFAULT_ACCOUNT_ID][REGION].topics.get(arn)
            sent = list(topic.sent_notifications) if topic is not None else []
            for _, message, subject, _, _ in sent[seen:]:
                seen += 1
                try:
                    email = json.loads(message)["email"]
                except (ValueError, KeyError, TypeError):
                    continue
                _say(
                    "\n".join([f"[sns email] Subject: {subject}", *(f"  | {line}" for line in str(email).splitlines())])
                )

    def _tail_emails(self) -> None:
        while not self.stopping.wait(1.0):
            self._write_emails()

    def _write_emails(self) -> None:
        """Every email SES has taken since the last call, written to the outbox and printed (once each)."""
        from moto.core.models import DEFAULT_ACCOUNT_ID
        from moto.ses.models import ses_backends

        with self._emails_lock:
            sent = list(ses_backends[DEFAULT_ACCOUNT_ID][REGION].sent_messages)
            for message in sent[self._emails_written :]:
                self._emails_written += 1
                self._print_email(message, self._emails_written)

    def _print_email(self, message: Any, number: int) -> None:
        raw = getattr(message, "raw_data", None)
        if raw is None:
            body = getattr(message, "body", "")
            to = ", ".join(message.destinations.get("ToAddresses", []))
            raw = f"Subject: {getattr(message, 'subject', '')}\nTo: {to}\n\n{body}"
        self.outbox.mkdir(parents=True, exist_ok=True)
        path = self.outbox / f"{datetime.now(UTC):%Y%m%dT%H%M%S}-{number:04d}.eml"
        path.write_text(raw, encoding="utf-8")
        _say(f"[ses] {email_subject(raw)} -> {path}")

    def stop(self) -> None:
        self.stopping.set()
        server = getattr(self, "server", None)
        if server is not None:
            server.shutdown()
            self._join_workers()  # a scan or a timer still inside a handler sends its emails first
            self._write_emails()  # one sent in the last second before Ctrl-C reaches the outbox too
        self.state.close()
        emulator = getattr(self, "emulator", None)
        if emulator is not None:
            emulator.stop()
        _say("stopped")


def email_subject(raw: str) -> str:
    """A raw email's subject as a person reads it (`我们已收到您的投诉：…`, not its MIME-encoded `=?utf-8?b?...?=`),
    with anything shaped like an email address or a phone number masked: the customer wrote part of it."""
    from email import policy
    from email.parser import HeaderParser

    from chalicelib.domain.masking import scrub_text

    return scrub_text(str(HeaderParser(policy=policy.default).parsestr(raw).get("Subject", "")).replace("\n", " "))


def _tune_request_handler(server: Any) -> None:
    """Two changes to how the local server answers: the request log line shows each URL, and a source's `?token=`
    secret in it is printed as [redacted]; and a reply goes out as soon as it is written. The handler writes a
    reply's status line, headers and body in separate small writes, so with Nagle's algorithm on, the later ones
    waited for the client's delayed acknowledgement: 40 ms on every keep-alive request (56 ms a webhook instead
    of 13)."""
    import functools
    import re

    wrapped = server.RequestHandlerClass  # functools.partial(ChaliceRequestHandler, app_object=..., config=...)

    class TunedHandler(wrapped.func):  # type: ignore[misc,name-defined]
        disable_nagle_algorithm = True  # socketserver sets TCP_NODELAY on each connection

        def log_message(self, format: str, *args: Any) -> None:
            line = format % args
            super().log_message("%s", re.sub(r"([?&]token=)[^&\s\"]*", r"\1[redacted]", line))

    server.RequestHandlerClass = functools.partial(TunedHandler, *wrapped.args, **wrapped.keywords)


class StartError(Exception):
    """The stack cannot start as configured; the message says why."""


def main() -> int:
    if not isinstance(sys.stdout, WholeLines):
        sys.stdout = WholeLines(sys.stdout)
    stack = LocalStack(dict(os.environ))
    stop = threading.Event()

    def on_signal(signum: int, _frame: Any) -> None:
        stop.set()

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    try:
        stack.start()
    except StartError as exc:
        _say(f"could not start: {exc}")
        stack.stop()
        return 2
    except OSError as exc:
        _say(f"could not start: {exc} (is another stack running? set PORT / AWS_EMULATOR_PORT)")
        stack.stop()
        return 1
    while not stop.wait(0.5):
        pass
    stack.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
