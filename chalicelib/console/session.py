"""Console sessions: a cookie signed with SESSION_SECRET (HMAC-SHA256 over its JSON) naming the signed-in person,
the identity provider that proved it, when it was issued and when it expires (12 hours later), and a random nonce
from which every form's CSRF token is derived. Before sign-in a short-lived signed cookie carries the nonce of the
sign-in form. Nothing is stored server-side; the cookie is `HttpOnly`, `SameSite=Strict` and `Secure` (outside the
local stack). Pure: `now` is passed in; the random nonces come from `secrets`.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from chalicelib.auth import NAME, StaffMember

LIFETIME = timedelta(hours=12)
LOGIN_LIFETIME = timedelta(hours=1)
SESSION_COOKIE = "console_session"
LOGIN_COOKIE = "console_login"
LANGUAGE_COOKIE = "console_lang"
_MAX_COOKIE = 2048


@dataclass(frozen=True)
class Session:
    """Who is signed in, through which identity provider, until when; `nonce` keys the CSRF tokens."""

    member: StaffMember
    provider: str
    issued_at: datetime
    expires_at: datetime
    nonce: str


def _encode(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode("ascii").rstrip("=")


def _decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class SessionSigner:
    """Issues and checks the console's signed cookies and CSRF tokens with one secret."""

    def __init__(self, secret: str) -> None:
        if not secret:
            raise ValueError("a session secret is required")
        self._key = hashlib.sha256(b"complaint-sla-monitor console\x00" + secret.encode("utf-8")).digest()

    def _mac(self, purpose: str, payload: str) -> str:
        return _encode(hmac.new(self._key, f"{purpose}\x00{payload}".encode(), hashlib.sha256).digest())

    def _sign(self, purpose: str, values: dict[str, object]) -> str:
        payload = _encode(json.dumps(values, separators=(",", ":"), sort_keys=True).encode("utf-8"))
        return f"{payload}.{self._mac(purpose, payload)}"

    def _open(self, purpose: str, value: str | None, now: datetime) -> dict[str, object] | None:
        """The values of a cookie this signer made for `purpose` and that has not expired; None otherwise."""
        if not value or len(value) > _MAX_COOKIE or value.count(".") != 1:
            return None
        payload, mac = value.split(".")
        if not hmac.compare_digest(mac, self._mac(purpose, payload)):
            return None
        try:
            values = json.loads(_decode(payload))
        except (ValueError, binascii.Error, UnicodeDecodeError, RecursionError):
            return None
        if not isinstance(values, dict):
            return None
        expires = values.get("exp")
        if not isinstance(expires, int) or isinstance(expires, bool) or now.timestamp() >= expires:
            return None
        return values

    def issue(self, member: StaffMember, provider: str, now: datetime) -> tuple[Session, str]:
        """A new session for `member` (a fresh nonce: a session never inherits the sign-in form's) and its cookie
        value."""
        issued = int(now.timestamp())
        expires = issued + int(LIFETIME.total_seconds())
        nonce = secrets.token_urlsafe(18)
        values: dict[str, object] = {"sub": member.name, "idp": provider, "iat": issued, "exp": expires, "n": nonce}
        session = Session(
            member, provider, datetime.fromtimestamp(issued, UTC), datetime.fromtimestamp(expires, UTC), nonce
        )
        return session, self._sign("session", values)

    def read(self, value: str | None, now: datetime) -> Session | None:
        """The session a cookie value holds, or None when it is missing, altered, malformed or expired."""
        values = self._open("session", value, now)
        if values is None:
            return None
        name, provider, issued, expires, nonce = (values.get(key) for key in ("sub", "idp", "iat", "exp", "n"))
        if not (isinstance(name, str) and NAME.match(name) and isinstance(provider, str) and isinstance(nonce, str)):
            return None
        if not isinstance(issued, int) or not isinstance(expires, int) or not nonce:
            return None
        return Session(
            StaffMember(name),
            provider,
            datetime.fromtimestamp(issued, UTC),
            datetime.fromtimestamp(expires, UTC),
            nonce,
        )

    def login_nonce(self, now: datetime) -> tuple[str, str]:
        """A nonce for a sign-in form and the cookie value that carries it (valid for an hour)."""
        nonce = secrets.token_urlsafe(18)
        expires = int((now + LOGIN_LIFETIME).timestamp())
        return nonce, self._sign("login", {"n": nonce, "exp": expires})

    def read_login_nonce(self, value: str | None, now: datetime) -> str | None:
        """The nonce a sign-in cookie carries, or None."""
        values = self._open("login", value, now)
        nonce = None if values is None else values.get("n")
        return nonce if isinstance(nonce, str) and nonce else None

    def csrf_token(self, nonce: str) -> str:
        """The CSRF token every form of a session (or of a sign-in form) carries."""
        return self._mac("csrf", nonce)

    def csrf_ok(self, nonce: str, token: str | None) -> bool:
        """Whether a form's token is the one of this nonce (compared in constant time)."""
        return bool(token) and hmac.compare_digest(str(token), self.csrf_token(nonce))


def cookie(name: str, value: str, path: str, max_age: int, *, secure: bool, http_only: bool = True) -> str:
    """A Set-Cookie header value: `SameSite=Strict`, `HttpOnly` unless told otherwise, `Secure` when asked."""
    parts = [f"{name}={value}", f"Path={path}", f"Max-Age={max(0, max_age)}", "SameSite=Strict"]
    if http_only:
        parts.append("HttpOnly")
    if secure:
        parts.append("Secure")
    return "; ".join(parts)


def read_cookies(header: str | None) -> dict[str, str]:
    """The cookies of a Cookie header (the first of each name); malformed parts are skipped."""
    found: dict[str, str] = {}
    if not header or len(header) > 8192:
        return found
    for part in header.split(";"):
        name, sep, value = part.strip().partition("=")
        if sep and name and name not in found:
            found[name] = value.strip().strip('"')
    return found
