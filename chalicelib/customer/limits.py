"""A per-address rate limit for the status page, per container (a fixed window of a minute): guessing tokens
from one address stops early. API Gateway's throttling and the WAF's rate rule hold the whole API beside it."""

from __future__ import annotations

import threading
from datetime import datetime

LIMIT = 60
"""Requests a minute from one address to /r/ pages."""
_MAX_ADDRESSES = 10_000


class RateLimiter:
    """Counts requests per address in the current minute."""

    def __init__(self, limit: int = LIMIT) -> None:
        self._limit = limit
        self._minute = ""
        self._counts: dict[str, int] = {}
        self._lock = threading.Lock()

    def allow(self, address: str, now: datetime) -> bool:
        """Whether one more request from `address` fits in this minute."""
        minute = now.strftime("%Y%m%d%H%M")
        with self._lock:
            if minute != self._minute or len(self._counts) > _MAX_ADDRESSES:
                self._minute, self._counts = minute, {}
            count = self._counts.get(address, 0) + 1
            self._counts[address] = count
            return count <= self._limit
