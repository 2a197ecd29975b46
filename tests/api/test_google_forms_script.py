"""integrations/google-forms/Code.gs, run under Node with stand-ins for the Apps Script services it calls
(tests/fixtures/forms/apps_script.js): its signature is the one the script's algorithm gives when computed here in
Python, it verifies as Standard Webhooks, and the delivery it makes becomes a complaint through the shipped
`google-forms` source; a delivery the service cannot take now is kept and sent again under the same id."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from standardwebhooks.webhooks import Webhook

from tests.conftest import STAFF, World

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "integrations" / "google-forms" / "Code.gs"
HARNESS = ROOT / "tests" / "fixtures" / "forms" / "apps_script.js"
SECRET = "whsec_" + base64.b64encode(b"google-forms-secret-of-32-bytes!").decode()
URL = "https://complaints.example.com/webhooks/google-forms"
CUSTOMER = {"customer_name": "张三", "customer_phone": "13800138000"}


def response(submitted: datetime) -> dict[str, Any]:
    return {
        "id": "2_ABaOnudXyz0123456789",
        "timestamp": submitted.isoformat(),
        "items": [
            {"title": "姓名", "response": CUSTOMER["customer_name"]},
            {"title": "电话", "response": CUSTOMER["customer_phone"]},
            {"title": "主题", "response": "洗衣机漏水"},
            {"title": "描述", "response": "第二次了。\n请尽快处理"},
            {"title": "类别", "response": ["服务"]},
            {"title": "How did you hear of us?", "response": "朋友"},
        ],
    }


def run_script(tmp_path: Path, scenario: dict[str, Any]) -> dict[str, Any]:
    path = tmp_path / "scenario.json"
    path.write_text(json.dumps({"properties": {"WEBHOOK_URL": URL, "WEBHOOK_SECRET": SECRET}} | scenario))
    done = subprocess.run(
        ["node", str(HARNESS), str(SCRIPT), str(path)], capture_output=True, text=True, timeout=60, check=True
    )
    result: dict[str, Any] = json.loads(done.stdout)
    return result


def submitted(tmp_path: Path, statuses: list[Any] | None = None) -> dict[str, Any]:
    moment = datetime.now(UTC) - timedelta(seconds=30)
    return run_script(tmp_path, {"response": response(moment), "statuses": statuses or [201]})


def python_signature(secret: str, message_id: str, timestamp: str, body: bytes) -> str:
    """The script's `sign`, step by step: the key is the base64 after "whsec_"; the content is the UTF-8 bytes of
    id.timestamp.body; HMAC-SHA256; base64; "v1," in front."""
    key = base64.b64decode(secret.removeprefix("whsec_"))
    content = f"{message_id}.{timestamp}.".encode() + body
    return "v1," + base64.b64encode(hmac.new(key, content, hashlib.sha256).digest()).decode()


def test_the_scripts_signature_is_its_algorithm_computed_in_python_and_verifies(tmp_path: Path) -> None:
    result = submitted(tmp_path)
    assert result["error"] is None
    [request] = result["requests"]
    body = base64.b64decode(request["body"])
    headers = request["headers"]
    assert request["url"] == URL
    assert request["contentType"] == "application/json; charset=utf-8"
    assert headers["webhook-id"] == "gform_2_ABaOnudXyz0123456789"
    assert headers["webhook-signature"] == python_signature(
        SECRET, headers["webhook-id"], headers["webhook-timestamp"], body
    )
    Webhook(SECRET).verify(body, headers)
    with pytest.raises(Exception, match="No matching signature"):
        Webhook("whsec_" + base64.b64encode(b"another-secret-of-32-bytes-long!").decode()).verify(body, headers)
    sent = json.loads(body)
    assert sent["response_id"] == "2_ABaOnudXyz0123456789"
    assert {"title": "类别", "value": ["服务"]} in sent["answers"]


def test_a_response_the_script_posts_becomes_a_complaint_once(world: World, api: Any, tmp_path: Path) -> None:
    world.reconfigure(webhook_secrets={"google-forms": [SECRET]})
    [request] = submitted(tmp_path)["requests"]
    headers = {**request["headers"], "Content-Type": request["contentType"]}
    body = base64.b64decode(request["body"])
    first = api.http.post("/webhooks/google-forms", headers=headers, body=body)
    assert first.status_code == 201, first.body
    created = json.loads(first.body)
    shown = json.loads(api.http.get(f"/complaints/{created['id']}", headers=STAFF).body)
    assert shown["category"] == "service"
    assert shown["customer"] == {"name": "张三", "email": None, "phone": "13800138000"}
    assert shown["subject"] == "洗衣机漏水"
    assert shown["description"] == "第二次了。\n请尽快处理"
    assert shown["external_id"] == "2_ABaOnudXyz0123456789"
    again = api.http.post("/webhooks/google-forms", headers=headers, body=body)
    assert (again.status_code, json.loads(again.body)["id"]) == (200, created["id"])


@pytest.mark.parametrize("status", [503, 429, 408, "network error"])
def test_a_delivery_the_service_cannot_take_now_is_kept_and_sent_again_under_the_same_id(
    tmp_path: Path, status: Any
) -> None:
    first = submitted(tmp_path, [status])
    assert first["error"] is None
    kept = {name: value for name, value in first["properties"].items() if name.startswith("pending:")}
    assert list(kept) == ["pending:gform_2_ABaOnudXyz0123456789"]
    still = run_script(tmp_path, {"call": "retryPending", "properties": first["properties"], "statuses": [503]})
    assert list(kept) == [name for name in still["properties"] if name.startswith("pending:")]
    retried = run_script(tmp_path, {"call": "retryPending", "properties": still["properties"], "statuses": [201]})
    [request] = retried["requests"]
    assert request["headers"]["webhook-id"] == "gform_2_ABaOnudXyz0123456789"
    assert base64.b64decode(request["body"]) == base64.b64decode(first["requests"][0]["body"])
    Webhook(SECRET).verify(base64.b64decode(request["body"]), request["headers"])
    assert not any(name.startswith("pending:") for name in retried["properties"])


def test_a_delivery_the_service_refuses_fails_the_run_and_is_not_kept(tmp_path: Path) -> None:
    result = submitted(tmp_path, [422])
    assert result["error"] is not None
    assert "HTTP 422" in result["error"]
    assert not any(name.startswith("pending:") for name in result["properties"])


def test_without_its_script_properties_the_script_says_what_to_set(tmp_path: Path) -> None:
    moment = datetime.now(UTC)
    result = run_script(tmp_path, {"response": response(moment), "properties": {}})
    assert result["requests"] == []
    assert "WEBHOOK_URL and WEBHOOK_SECRET" in result["error"]
