"""Clocks (the `Clock` port) the app reads the time from: the system's (always, when deployed), or a shifted one
that the local stack installs for `LOCAL_CLOCK_START`, starting at a chosen instant and running forward in real
time."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime


class SystemClock:
    """Real time."""

    def now(self) -> datetime:
        return datetime.now(UTC)


class ShiftedClock:
    """Real time moved so that it read `start` when the clock was made; it runs forward at the real rate."""

    def __init__(self, start: datetime, real: Callable[[], datetime] | None = None) -> None:
        if start.tzinfo is None or start.utcoffset() is None:
            raise ValueError("the start instant needs a UTC offset, e.g. 2026-12-31T16:00:00+08:00")
        self._real = real or SystemClock().now
        self.start = start
        self._offset = start - self._real()

    def now(self) -> datetime:
        return (self._real() + self._offset).astimezone(UTC)


def parse_start(text: str) -> datetime:
    """An ISO 8601 instant with an offset (LOCAL_CLOCK_START), or ValueError saying what is wrong."""
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        raise ValueError(f"{text!r} is not an ISO 8601 instant, e.g. 2026-12-31T16:00:00+08:00") from None
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"{text!r} has no UTC offset; write e.g. 2026-12-31T16:00:00+08:00")
    return moment
