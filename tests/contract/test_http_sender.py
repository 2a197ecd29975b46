"""The HttpSender contract, held by the twin and by the urllib3 adapter against a local receiver: the vendor's
answer comes back as it was (status, headers, body); no answer at all is `SendFailed` naming the kind of failure,
never the URL (which may carry a key)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from chalicelib.adapters.http_sender import Urllib3Sender
from chalicelib.adapters.memory import MemoryHttpSender
from chalicelib.domain.channels.base import Answer, VendorRequest
from chalicelib.ports import HttpSender, SendFailed
from tests.receivers import receiving

KEY = "robot-key-0123456789"


@dataclass
class Endpoint:
    sender: HttpSender
    url: str  # answers 202 with a JSON body
    dead: str  # nothing listens there


@pytest.fixture(params=["memory", "urllib3"])
def endpoint(request: pytest.FixtureRequest) -> Iterator[Endpoint]:
    if request.param == "memory":
        twin = MemoryHttpSender()
        url, dead = "https://hooks.example.com/pagerduty", "https://dead.example.com/hook"
        twin.answers[url] = Answer(202, {"Content-Type": "application/json"}, b'{"status":"success"}')
        twin.answers[dead] = SendFailed("NewConnectionError")
        yield Endpoint(twin, url, dead)
        return
    with receiving() as receiver:
        yield Endpoint(
            Urllib3Sender(connect_timeout=1.0, read_timeout=2.0), receiver.url("/pagerduty"), "http://127.0.0.1:9/hook"
        )


def test_the_answer_comes_back_as_the_vendor_gave_it(endpoint: Endpoint) -> None:
    answer = endpoint.sender.post(
        VendorRequest(f"{endpoint.url}?key={KEY}", b"{}", {"Content-Type": "application/json"})
    )
    assert answer.status == 202
    assert b'"status":"success"' in answer.body.replace(b" ", b"")
    assert {name.lower(): value for name, value in answer.headers.items()}["content-type"].startswith(
        "application/json"
    )


def test_no_answer_is_send_failed_naming_the_kind_not_the_url(endpoint: Endpoint, caplog: Any) -> None:
    with pytest.raises(SendFailed) as caught:
        endpoint.sender.post(VendorRequest(f"{endpoint.dead}?key={KEY}", b"{}"))
    assert caught.value.reason
    assert KEY not in str(caught.value)
    assert KEY not in caplog.text
