"""Staff authentication: a bearer token -> the staff member it belongs to, checked against configured SHA-256
hashes. Each token belongs to a named person (`li.lei=<token>` locally, `li.lei:<sha256>` on AWS); a token given
without a name belongs to `staff`. The token itself is never kept or logged."""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Iterable
from dataclasses import dataclass

from chalicelib.domain.vocabulary import CUSTOMER

ANONYMOUS_STAFF = "staff"
NAME = re.compile(r"^[a-z0-9][a-z0-9._-]{0,63}$")
_HASH = re.compile(r"^[0-9a-f]{64}$")


def token_hash(token: str) -> str:
    """The SHA-256 hex digest under which a token is configured."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class StaffMember:
    """Who is signed in: the person a token belongs to."""

    name: str


def named_hashes(hashes: str, tokens: str) -> list[tuple[str, str]]:
    """(person, sha256) from STAFF_TOKEN_HASHES (`name:hash` or a bare hash) and STAFF_TOKENS (`name=token` or a
    bare token, local only); ValueError naming the entry that is neither."""
    found = []
    for entry in (part.strip() for part in hashes.split(",")):
        if not entry:
            continue
        name, _, digest = entry.rpartition(":")
        found.append((_person(name or ANONYMOUS_STAFF, "STAFF_TOKEN_HASHES"), _digest(digest.lower())))
    for entry in (part.strip() for part in tokens.split(",")):
        if not entry:
            continue
        name, _, token = entry.rpartition("=") if "=" in entry else ("", "", entry)
        found.append((_person(name or ANONYMOUS_STAFF, "STAFF_TOKENS"), token_hash(token)))
    return found


def _person(name: str, setting: str) -> str:
    if not NAME.match(name):
        raise ValueError(f"{setting} names {name!r}: a person is 1-64 lower-case letters, digits, '.', '_' or '-'")
    if name == CUSTOMER:
        raise ValueError(f"{setting} names {name!r}: that name is kept for what customers answer themselves")
    return name


def _digest(value: str) -> str:
    if not _HASH.match(value):
        raise ValueError("STAFF_TOKEN_HASHES holds something that is not a SHA-256 hex digest")
    return value


class StaffAuthenticator:
    """Tells which staff member a bearer token (or a token typed into the console) belongs to."""

    def __init__(self, hashes: Iterable[tuple[str, str]]) -> None:
        self._hashes = tuple((name, digest.lower()) for name, digest in hashes)

    def identify_token(self, token: str) -> StaffMember | None:
        """The staff member `token` belongs to, or None. Every configured hash is compared, in constant time."""
        if not token or len(token) > 1024:
            return None
        digest = token_hash(token)
        found = None
        for name, known in self._hashes:
            if hmac.compare_digest(digest, known) and found is None:
                found = StaffMember(name)
        return found

    def identify(self, authorization: str | None) -> StaffMember | None:
        """The staff member an `Authorization: Bearer <token>` header belongs to, or None."""
        if not authorization or len(authorization) > 1024:
            return None
        scheme, _, token = authorization.partition(" ")
        if scheme.lower() != "bearer":
            return None
        return self.identify_token(token.strip())

    def accepts(self, authorization: str | None) -> bool:
        """True when the Authorization header carries a known bearer token."""
        return self.identify(authorization) is not None
