"""The relay: a batch of SQS messages (the alerts topic's notices and storm roll-ups, raw) -> for each, each
channel whose filters take it -> claimed once per (delivery, channel) -> the vendor's request sent: the channels
side by side, each channel's deliveries in turn -> delivered (recorded) or failed (released; the channel is then
left alone for the rest of the batch: no hammering a failing endpoint, no slow one holding back the others).
A message with any failed channel is reported as a batch item failure and hidden for its backoff; its retry
finds the channels already done and sends only to those that failed. A breach that reaches a channel after its
cycle's resolve is not sent there (the incident would reopen)."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Annotated, Any

from pydantic import Field, TypeAdapter, ValidationError

from chalicelib.domain.channels.base import Message, Verdict, delivery_key, message_id, resolved_key
from chalicelib.domain.channels.config import Channel
from chalicelib.domain.notice_texts import NoticeText, render, rollup_texts
from chalicelib.domain.notices import Notice, RollUp
from chalicelib.domain.vocabulary import NoticeType
from chalicelib.domain.words import Language
from chalicelib.ports import Claims, HttpSender, SendFailed

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class RelayMessage:
    """One SQS message as the Lambda event source hands it over."""

    message_id: str
    receipt_handle: str
    body: str
    receive_count: int = 1

    @classmethod
    def from_record(cls, record: Mapping[str, Any]) -> RelayMessage:
        """A record of a Lambda SQS event."""
        count = str(record.get("attributes", {}).get("ApproximateReceiveCount", "1"))
        return cls(
            message_id=str(record["messageId"]),
            receipt_handle=str(record["receiptHandle"]),
            body=str(record["body"]),
            receive_count=int(count) if count.isdigit() else 1,
        )


@dataclass
class RelayReport:
    """What one batch did: deliveries made, skipped (already done, superseded) and failed, and per failed
    message how long to hide it."""

    messages: int = 0
    delivered: list[tuple[str, str]] = field(default_factory=list)  # (notice or roll-up id, channel)
    skipped: int = 0
    failures: list[tuple[str, str, str]] = field(default_factory=list)  # (notice or roll-up id, channel, reason)
    failed: dict[str, RelayMessage] = field(default_factory=dict)  # message id -> message
    delays: dict[str, int] = field(default_factory=dict)  # receipt handle -> seconds

    def batch_item_failures(self) -> list[dict[str, str]]:
        """The Lambda partial batch response's entries."""
        return [{"itemIdentifier": message_id} for message_id in self.failed]


@dataclass(frozen=True)
class _Job:
    message: RelayMessage
    notice: Message
    texts: NoticeText
    channel: Channel


_MESSAGE: TypeAdapter[Message] = TypeAdapter(Annotated[Notice | RollUp, Field(discriminator="kind")])
"""Reads a message body as a notice or a roll-up, by its `kind`; `ValidationError` when it is neither."""


class Relay:
    """Delivers notices to the configured channels, once each."""

    def __init__(
        self,
        channels: Sequence[Channel],
        claims: Claims,
        sender: HttpSender,
        language: Language,
        lease: timedelta = timedelta(seconds=90),
        backoff: float = 15.0,
        max_backoff: float = 900.0,
        workers: int = 8,
    ) -> None:
        self._channels = list(channels)
        self._claims = claims
        self._sender = sender
        self._language = language
        self._lease = lease
        self._backoff = backoff
        self._max_backoff = max_backoff
        self._workers = workers

    @property
    def channels(self) -> list[Channel]:
        return list(self._channels)

    def backoff(self, receive_count: int) -> float:
        """How long a message waits before its n-th retry: 15 s, 30 s, 1 min, ... at most 15 min."""
        return float(min(self._max_backoff, self._backoff * 2.0 ** max(0, receive_count - 1)))

    def handle(
        self, messages: Sequence[RelayMessage], now: datetime, time_left: Callable[[], float], reserve: float = 15.0
    ) -> RelayReport:
        """Deliver a batch. A job not started while `time_left()` still exceeds `reserve` seconds is failed (and
        retried) rather than started, so the invocation ends in time."""
        report = RelayReport(messages=len(messages))
        jobs: list[_Job] = []
        planned: set[tuple[str, str]] = set()
        for message in messages:
            try:
                notice = _MESSAGE.validate_json(message.body)
            except ValidationError:
                log.error(
                    "relay message %s is neither a notice nor a roll-up; it goes to the dead-letter queue",
                    message.message_id,
                )
                self._fail(report, message, None)
                continue
            if isinstance(notice, RollUp):
                texts = rollup_texts(notice, self._language)
            else:
                texts = render(notice, self._language)
            for channel in self._channels:
                if not channel.accepts(notice):
                    continue
                if (delivery_key(notice), channel.name) in planned:  # another audience's notice of the same level,
                    report.skipped += 1  # or the same message twice: one job delivers it (or its retry will)
                    continue
                planned.add((delivery_key(notice), channel.name))
                jobs.append(_Job(message, notice, texts, channel))
        by_channel: dict[str, list[_Job]] = {}
        for job in jobs:
            by_channel.setdefault(job.channel.name, []).append(job)

        def run(queue: list[_Job]) -> list[tuple[_Job, str, Verdict | None]]:
            """One channel's jobs, in order; after a failure the rest wait for the retry (no hammering)."""
            done: list[tuple[_Job, str, Verdict | None]] = []
            failed: Verdict | None = None
            for job in queue:
                if failed is None and time_left() < reserve:
                    failed = Verdict(False, "out of time")
                if failed is not None:
                    done.append((job, "failed", failed))
                    continue
                outcome, verdict = self._deliver(job, now)
                if outcome == "failed" and verdict is not None and verdict.reason != "held elsewhere":
                    failed = verdict
                done.append((job, outcome, verdict))
            return done

        results: list[tuple[_Job, str, Verdict | None]] = []
        if by_channel:
            with ThreadPoolExecutor(max_workers=min(self._workers, len(by_channel))) as pool:
                for finished in pool.map(run, by_channel.values()):
                    results.extend(finished)
        for job, outcome, verdict in results:
            if outcome == "delivered":
                report.delivered.append((message_id(job.notice), job.channel.name))
            elif outcome == "skipped":
                report.skipped += 1
            else:
                assert verdict is not None
                report.failures.append((message_id(job.notice), job.channel.name, verdict.reason))
                self._fail(report, job.message, verdict)
        return report

    def _fail(self, report: RelayReport, message: RelayMessage, verdict: Verdict | None) -> None:
        wait = self.backoff(message.receive_count)
        if verdict is not None and verdict.retry_after is not None:
            wait = max(wait, verdict.retry_after)
        report.failed[message.message_id] = message
        report.delays[message.receipt_handle] = max(report.delays.get(message.receipt_handle, 0), round(wait))

    def _deliver(self, job: _Job, now: datetime) -> tuple[str, Verdict | None]:
        notice, channel = job.notice, job.channel
        scope, name, identity = _scope(delivery_key(notice)), channel.name, message_id(job.notice)
        if not self._claims.claim(scope, name, now, self._lease):
            if self._claims.happened(scope, name):
                return "skipped", None
            return "failed", Verdict(False, "held elsewhere", self._lease.total_seconds())
        try:
            if (
                isinstance(notice, Notice)
                and notice.type == NoticeType.BREACH
                and self._claims.happened(_scope(resolved_key(notice)), name)
            ):
                self._claims.done(scope, name, now, {"notice_id": identity, "outcome": "superseded"})
                log.info("notice %s not sent to %s: its cycle was resolved there already", identity, channel.name)
                return "skipped", None
            request = channel.render(notice, job.texts, now)
            try:
                answer = self._sender.post(request)
            except SendFailed as exc:
                verdict = Verdict(False, exc.reason)
            else:
                verdict = channel.judge(answer)
            if verdict.delivered:
                facts = {"notice_id": identity, "outcome": "delivered", "http_status": str(answer.status)}
                self._claims.done(scope, name, now, facts)
                log.info("notice %s delivered to %s", identity, channel.name)
                return "delivered", verdict
        except Exception as exc:  # noqa: BLE001 - one channel's failure never stops the others
            verdict = Verdict(False, type(exc).__name__)
        self._claims.release(scope, name)
        log.warning(
            "notice %s not delivered to %s: %s%s",
            identity,
            channel.name,
            verdict.reason,
            " (retrying will not help: it goes to the dead-letter queue)" if verdict.permanent else "",
        )
        return "failed", verdict


def _scope(delivery: str) -> str:
    """The claims scope of one delivery: claimed once per channel, the channels side by side."""
    return f"relay:{delivery}"
