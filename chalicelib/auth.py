"""Staff authentication: `Authorization: Bearer <token>` checked against configured SHA-256 hashes."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterable


def token_hash(token: str) -> str:
    """The SHA-256 hex digest under which a token is configured."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


class StaffAuthenticator:
    """Accepts a bearer token whose hash is configured; never keeps or logs the token itself."""

    def __init__(self, hashes: Iterable[str]) -> None:
        self._hashes = tuple(h.strip().lower() for h in hashes if h.strip())

    def accepts(self, authorization: str | None) -> bool:
        """True when the Authorization header carries a known bearer token."""
        if not authorization or len(authorization) > 1024:
            return False
        scheme, _, token = authorization.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            return False
        digest = token_hash(token.strip())
        return any(hmac.compare_digest(digest, known) for known in self._hashes)
