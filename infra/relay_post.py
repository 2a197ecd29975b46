"""Post a complaint to the local stack as a trusted server does: signed for the `relay` source (Standard Webhooks),
so it may say when the complaint was received (`received_at`) and set its priority. `make run` prints a line that
uses it for a complaint received 45 minutes ago.

    .venv/bin/python -m infra.relay_post [--url http://127.0.0.1:8000] '{"customer_name": "...", ...}'

The secret is the relay's in WEBHOOK_SECRETS when set, else the local stack's development secret. Prints the
answer's status and body; exits 0 on 201 or 200 (the same delivery again), 1 otherwise."""

from __future__ import annotations

import argparse
import http.client
import json
import os
import sys
import uuid
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

LOCAL_RELAY_SECRET = "whsec_bG9jYWwtZGV2ZWxvcG1lbnQtcmVsYXktc2VjcmV0ISE="  # noqa: S105 - local only, printed
"""The local stack's secret of the `relay` source when WEBHOOK_SECRETS gives none (local only, like its staff token)."""


def _configured(environ: Mapping[str, str]) -> dict[str, Any] | None:
    """WEBHOOK_SECRETS as the object it is ({source: [secrets]}), {} when unset, None when malformed (the app's
    settings refuse it at start, naming the variable)."""
    try:
        configured = json.loads(environ.get("WEBHOOK_SECRETS") or "{}")
    except ValueError:
        return None
    return configured if isinstance(configured, dict) else None


def relay_secret(environ: Mapping[str, str]) -> str:
    """The relay's first secret in WEBHOOK_SECRETS, else the local development one."""
    relay = (_configured(environ) or {}).get("relay") or []
    return str(relay[0]) if isinstance(relay, list) and relay else LOCAL_RELAY_SECRET


def with_local_relay_secret(environ: Mapping[str, str]) -> str | None:
    """WEBHOOK_SECRETS giving the relay the development secret, when it is well formed and gives the relay none."""
    configured = _configured(environ)
    if configured is None or configured.get("relay"):
        return None
    return json.dumps({**configured, "relay": [LOCAL_RELAY_SECRET]})


def signed_headers(body: str, secret: str, message_id: str | None = None) -> dict[str, str]:
    """The Standard Webhooks headers of a delivery of `body` (a fresh message id unless given), signed now, as the
    webhook channel signs its own deliveries."""
    from chalicelib.domain.channels.webhook import signature

    message_id = message_id or f"msg_{uuid.uuid4().hex}"
    moment = datetime.now(UTC)
    return {
        "Content-Type": "application/json",
        "webhook-id": message_id,
        "webhook-timestamp": str(int(moment.timestamp())),
        "webhook-signature": signature(secret, message_id, moment, body),
    }


def main(argv: Sequence[str] | None = None, environ: Mapping[str, str] | None = None) -> int:
    env = os.environ if environ is None else environ
    parser = argparse.ArgumentParser(prog="python -m infra.relay_post", description=__doc__.splitlines()[0])
    parser.add_argument("payload", help="the complaint as JSON, in this API's field names")
    parser.add_argument("--url", default=f"http://127.0.0.1:{env.get('PORT') or 8000}", help="the local API")
    args = parser.parse_args(argv)
    try:
        body = json.dumps(json.loads(args.payload), ensure_ascii=False)
    except ValueError as exc:
        print(f"the payload is not JSON: {exc}", file=sys.stderr)
        return 2
    address = urlsplit(args.url)
    connection = http.client.HTTPConnection(address.hostname or "127.0.0.1", address.port or 80, timeout=30)
    try:
        connection.request(
            "POST", "/webhooks/relay", body=body.encode("utf-8"), headers=signed_headers(body, relay_secret(env))
        )
        response = connection.getresponse()
        answer = response.read().decode("utf-8", errors="replace")
    except OSError as exc:
        print(f"cannot reach {args.url}: {exc} (is `make run` running?)", file=sys.stderr)
        return 1
    finally:
        connection.close()
    print(response.status, answer)
    return 0 if response.status in (200, 201) else 1


if __name__ == "__main__":
    sys.exit(main())
