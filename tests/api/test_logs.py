"""The app's log lines are JSON: level, message, service, the invocation's function and request id, and the
complaint id where one is concerned; never the customer's details."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.conftest import STAFF
from tests.intake import URGENT, public


def json_lines(capsys: pytest.CaptureFixture[str]) -> list[dict[str, Any]]:
    lines = [line for line in capsys.readouterr().out.splitlines() if line.strip()]
    return [json.loads(line) for line in lines]  # every line the app printed parses as JSON


def test_intake_and_a_staff_event_log_json_lines_with_request_and_complaint_ids(
    api: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    capsys.readouterr()
    created = api.http.post(
        "/complaints", headers={"Content-Type": "application/json"}, body=json.dumps(public(URGENT)).encode()
    )
    complaint_id = json.loads(created.body)["id"]
    api.http.post(
        f"/complaints/{complaint_id}/events",
        headers={**STAFF, "Content-Type": "application/json"},
        body=json.dumps({"type": "respond", "by": "li.lei"}).encode(),
    )
    lines = json_lines(capsys)
    intake = next(line for line in lines if line["message"].startswith(f"complaint {complaint_id} created"))
    event = next(line for line in lines if line["message"].startswith(f"complaint {complaint_id} event respond"))
    for line in (intake, event):
        assert line["level"] == "INFO"
        assert line["service"] == "complaint-sla-monitor"
        assert line["function"]
        assert line["request_id"]
    assert event["complaint_id"] == complaint_id
    assert intake["request_id"] != event["request_id"]
    printed = json.dumps(lines, ensure_ascii=False)
    for detail in (URGENT["customer_name"], URGENT["customer_email"], URGENT["customer_phone"]):
        assert detail not in printed


def test_an_unhandled_error_is_one_json_line_with_its_type_and_frames_never_its_message(
    api: Any, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from chalicelib.services.intake import IntakeService

    def broken(*_: Any) -> Any:
        quoted = URGENT["customer_phone"]
        raise RuntimeError(f"{quoted} leaked into a message")

    monkeypatch.setattr(IntakeService, "open", broken)
    capsys.readouterr()
    response = api.http.post(
        "/complaints", headers={"Content-Type": "application/json"}, body=json.dumps(URGENT).encode()
    )
    assert response.status_code == 500
    [line] = [line for line in json_lines(capsys) if line["level"] == "ERROR"]
    assert line["message"].startswith("unhandled RuntimeError in post_complaint")
    assert URGENT["customer_phone"] not in json.dumps(line, ensure_ascii=False)
    assert 'RuntimeError(f"{quoted} leaked' in line["message"]  # the frames, with the code's own text
