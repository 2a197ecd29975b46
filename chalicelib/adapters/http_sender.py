"""HTTP sender for the relay (the `HttpSender` port): a vendor request -> one POST with short timeouts, no redirects
followed (a URL may carry a key) and no retries of its own (the relay decides) -> the answer, or `SendFailed`
naming the kind of failure. urllib3 comes with botocore: no new dependency. Never logs a URL or a body."""

from __future__ import annotations

import urllib3
from urllib3.exceptions import HTTPError

from chalicelib.domain.channels.base import Answer, VendorRequest
from chalicelib.ports import SendFailed

BODY_LIMIT = 64 * 1024


class Urllib3Sender:
    """POSTs vendor requests over pooled connections."""

    def __init__(self, connect_timeout: float = 3.0, read_timeout: float = 10.0) -> None:
        self._pool = urllib3.PoolManager(
            num_pools=16,
            maxsize=8,
            retries=False,
            timeout=urllib3.Timeout(connect=connect_timeout, read=read_timeout),
        )

    def post(self, request: VendorRequest) -> Answer:
        """Send one request; its answer (the body cut at 64 KiB), or `SendFailed`."""
        try:
            response = self._pool.request(
                "POST",
                request.url,
                body=request.body,
                headers=dict(request.headers),
                redirect=False,
                preload_content=False,
            )
            try:
                body = response.read(BODY_LIMIT)
            finally:
                response.release_conn()
        except HTTPError as exc:  # timeouts, refused connections, TLS and protocol errors
            raise SendFailed(type(exc).__name__) from None
        return Answer(response.status, {name: value for name, value in response.headers.items()}, body)
