"""Logs and metrics: every log line of the app is one JSON object (timestamp, level, message, service, the
function and request id of the invocation, the complaint id where one is concerned; never a customer's details),
written by Powertools' Logger; metrics go to CloudWatch in Embedded Metric Format, one object per flush, through
Powertools' EphemeralMetrics (one set per call, so concurrent runs never mix their figures).
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Mapping
from functools import lru_cache
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from aws_lambda_powertools import Logger

SERVICE = "complaint-sla-monitor"
NAMESPACE = "ComplaintSlaMonitor"
APP_LOGGERS = ("chalicelib",)


class _Stdout:
    """Writes to whatever `sys.stdout` is at the time (a test's capture, the local stack's pipe, Lambda's)."""

    def write(self, text: str) -> int:
        return sys.stdout.write(text)

    def flush(self) -> None:
        sys.stdout.flush()


@lru_cache(maxsize=1)
def logger() -> Logger:
    """The app's JSON logger (named after the service, as Chalice's `app.log` is); the `chalicelib` package's
    module loggers write through the same formatter, so their lines carry the same keys."""
    from aws_lambda_powertools import Logger

    stdout: Any = _Stdout()
    powertools = Logger(service=SERVICE, level="INFO", stream=stdout, log_uncaught_exceptions=False)
    for name in APP_LOGGERS:
        package = logging.getLogger(name)
        handler = logging.StreamHandler(stdout)
        handler.setFormatter(powertools.registered_formatter)
        package.handlers = [handler]
        package.setLevel(logging.INFO)
        package.propagate = False
    return powertools


def bind(**keys: str | None) -> None:
    """Add keys (function, request id, complaint id) to every line this thread logs until `unbind`."""
    logger().thread_safe_append_keys(**{name: value for name, value in keys.items() if value})


def unbind() -> None:
    """Forget the keys `bind` added on this thread."""
    logger().thread_safe_clear_keys()


Metric = tuple[float, str]  # value and CloudWatch unit ("Count", "Seconds", ...)


def emit(metrics: Mapping[str, Metric], dimensions: Mapping[str, str] | None = None) -> None:
    """Write one Embedded Metric Format object to stdout (CloudWatch Logs turns it into metrics)."""
    from aws_lambda_powertools.metrics import EphemeralMetrics

    recorder: Any = EphemeralMetrics(namespace=NAMESPACE, service=SERVICE)
    for dimension, label in (dimensions or {}).items():
        recorder.add_dimension(name=dimension, value=label)
    for name, (value, unit) in metrics.items():
        recorder.add_metric(name=name, unit=unit, value=value)
    recorder.flush_metrics()
