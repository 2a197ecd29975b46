"""SES mailer (the `Mailer` port): a rendered email -> one MIME multipart/alternative message (text + HTML) via
SendRawEmail.

Takes a boto3 SES client. Raises `Unavailable` when SES fails, so the caller can release its claim and retry.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from typing import TYPE_CHECKING

from botocore.exceptions import BotoCoreError, ClientError

from chalicelib.adapters.dynamo import error_code
from chalicelib.domain.errors import Unavailable
from chalicelib.domain.messages import Email

if TYPE_CHECKING:
    from mypy_boto3_ses.client import SESClient


@dataclass(eq=False)
class SesMailer:
    """Sends emails from one sender address, optionally through an SES configuration set."""

    client: SESClient
    sender: str
    configuration_set: str | None = None

    def send(
        self,
        recipients: Sequence[str],
        email: Email,
        reference: str,
        written_at: datetime,
        attachments: Sequence[tuple[str, bytes]] = (),
    ) -> str:
        """Send the email; `reference` (stable per email) becomes its Message-ID. Returns SES's message id."""
        message = EmailMessage()
        message["Subject"] = email.subject
        message["From"] = self.sender
        message["To"] = ", ".join(recipients)
        message["Date"] = format_datetime(written_at)
        message["Message-ID"] = make_msgid(idstring=reference, domain="complaint-sla-monitor")
        # utf-8 in base64: Chinese text survives any 7-bit relay and decodes the same in every client
        message.set_content(email.text, charset="utf-8", cte="base64")
        message.add_alternative(email.html, subtype="html", charset="utf-8", cte="base64")
        for filename, content in attachments:
            message.add_attachment(content, maintype="text", subtype="csv", filename=filename)
        kwargs: dict[str, object] = {
            "Source": self.sender,
            "Destinations": list(recipients),
            "RawMessage": {"Data": message.as_bytes()},
        }
        if self.configuration_set:
            kwargs["ConfigurationSetName"] = self.configuration_set
        try:
            response = self.client.send_raw_email(**kwargs)  # type: ignore[arg-type]
        except (ClientError, BotoCoreError) as exc:  # SES's error code, never its message (it may quote an address)
            kind = error_code(exc) if isinstance(exc, ClientError) else ""
            raise Unavailable(f"SES did not take the email ({kind or type(exc).__name__}).") from exc
        return str(response["MessageId"])
