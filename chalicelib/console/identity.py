"""Who is signing in: an identity provider turns a login into a staff member; the session layer does not care how.

The staff token form is one provider: the console shows its own sign-in form and the typed token is checked
against the configured hashes (the same ones the API's bearer tokens are). An OpenID Connect provider (Amazon
Cognito, WeCom) is another: its `start` returns the provider's authorization URL (the console sends the browser
there instead of showing the form) and a callback route hands `identify` what the provider sent back (the code,
exchanged and its ID token checked, gives the person). Either way the console then issues its own session.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Protocol

from chalicelib.auth import StaffAuthenticator, StaffMember


class IdentityProvider(Protocol):
    """Turns a login into the staff member it proves."""

    @property
    def name(self) -> str:
        """Recorded in the session: which provider signed the person in."""
        ...

    def start(self, next_path: str) -> str | None:
        """Where to send the browser to sign in (a provider's authorization URL), or None when the console
        asks for the login itself (its sign-in form)."""
        ...

    def identify(self, login: Mapping[str, str]) -> StaffMember | None:
        """The staff member this login proves (the form's fields, or a provider's callback), or None."""
        ...


class StaffTokenForm:
    """The sign-in form's provider: the field `token` holds a staff token."""

    name = "token"

    def __init__(self, authenticator: StaffAuthenticator) -> None:
        self._authenticator = authenticator

    def start(self, next_path: str) -> str | None:
        return None

    def identify(self, login: Mapping[str, str]) -> StaffMember | None:
        return self._authenticator.identify_token(login.get("token", "").strip())
