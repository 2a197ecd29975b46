"""End to end: a form service's delivery over HTTP to the local stack. Jotform's captured multipart delivery
(tests/fixtures/forms/jotform.py) posted to its webhook URL with the source's token becomes a complaint once; a
wrong token is a 401; the token in the URL never reaches the stack's output."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.conftest import E2E_TOKEN, Stack, start_stack, stop_stack
from tests.fixtures.forms import jotform
from tests.fixtures.forms.signing import JOTFORM_TOKEN

pytestmark = pytest.mark.e2e
STAFF = {"Authorization": f"Bearer {E2E_TOKEN}"}


@pytest.fixture(scope="module")
def forms_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    secrets = json.dumps({"jotform": [JOTFORM_TOKEN]})
    running = start_stack(tmp_path_factory.mktemp("forms"), extra_env={"WEBHOOK_SECRETS": secrets})
    yield running
    if running.process.poll() is None:
        stop_stack(running)


def _logged(stack: Stack, text: str, within: float = 10.0) -> str:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        output = "\n".join(stack.lines)
        if text in output:
            return output
        time.sleep(0.1)
    raise AssertionError(f"{text!r} never appeared in the stack's output")


def test_a_jotform_multipart_delivery_over_http_becomes_one_complaint(forms_stack: Stack, tmp_path: Path) -> None:
    headers = {"Content-Type": jotform.CONTENT_TYPE}
    url = f"/webhooks/jotform?token={JOTFORM_TOKEN}"
    status, location, created = forms_stack.request("POST", url, jotform.delivery(), headers)
    assert status == 201, created
    again_status, _, again = forms_stack.request("POST", url, jotform.delivery(), headers)
    assert (again_status, again["id"]) == (200, created["id"])
    status, _, shown = forms_stack.request("GET", location["Location"], headers=STAFF)
    assert status == 200
    assert shown["category"] == "staff"
    assert shown["customer"]["email"] == jotform.EXPECTED["customer_email"]
    assert shown["external_id"] == jotform.SUBMISSION_ID


def test_a_wrong_token_over_http_is_401_and_no_token_is_ever_printed(forms_stack: Stack) -> None:
    wrong = "not-the-jotform-token-at-all"
    status, headers, problem = forms_stack.request(
        "POST", f"/webhooks/jotform?token={wrong}", jotform.delivery(), {"Content-Type": jotform.CONTENT_TYPE}
    )
    assert status == 401
    assert headers["Content-Type"] == "application/problem+json"
    assert wrong not in problem["detail"]
    forms_stack.request(
        "POST", f"/webhooks/jotform?token={JOTFORM_TOKEN}", jotform.delivery(), {"Content-Type": jotform.CONTENT_TYPE}
    )
    output = _logged(forms_stack, "/webhooks/jotform?token=[redacted]")
    assert JOTFORM_TOKEN not in output
    assert wrong not in output
