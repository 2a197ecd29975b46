"""An email as the domain renders it, before a mailer sends it: subject, plain text and HTML."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Email:
    """A rendered email."""

    subject: str
    text: str
    html: str
