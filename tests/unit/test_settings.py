"""Settings fail fast: a missing or malformed required setting stops the cold start with a message naming it."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from chalicelib.settings import Settings, SettingsError

ROOT = Path(__file__).resolve().parents[2]
GOOD = {
    "TABLE_NAME": "ComplaintsTable",
    "ALERTS_TOPIC_ARN": "arn:aws:sns:us-east-1:123456789012:AlertsTopic",
    "OPS_TOPIC_ARN": "arn:aws:sns:us-east-1:123456789012:OpsTopic",
    "PUBLIC_BASE_URL": "https://sla.example.com",
    "PSEUDONYM_KEY": "a-pseudonym-key-of-at-least-32-characters",
}


def test_every_missing_required_setting_is_named() -> None:
    with pytest.raises(SettingsError) as caught:
        Settings.from_environ({})
    message = str(caught.value)
    for name in GOOD:
        assert f"{name} is not set" in message


@pytest.mark.parametrize(
    ("name", "value", "problem"),
    [
        ("WEBHOOK_SECRETS", "{oops", "WEBHOOK_SECRETS is not JSON"),
        ("WEBHOOK_SECRETS", '{"relay": "whsec_x"}', "WEBHOOK_SECRETS"),
        ("WEBHOOK_SECRETS", '["whsec_x"]', "WEBHOOK_SECRETS"),
        ("PUBLIC_BASE_URL", "ftp://sla.example.com", "PUBLIC_BASE_URL"),
        ("ALERTS_TOPIC_ARN", "AlertsTopic", "ALERTS_TOPIC_ARN"),
        ("DUE_SHARDS", "0", "DUE_SHARDS"),
        ("SLA_POLICY_FILE", "/nowhere/policy.yaml", "SLA_POLICY_FILE"),
        ("SESSION_SECRET", "too-short", "SESSION_SECRET is shorter than 32 characters"),
        ("SESSION_COOKIE_SECURE", "perhaps", "SESSION_COOKIE_SECURE"),
    ],
)
def test_a_malformed_setting_is_named(name: str, value: str, problem: str) -> None:
    with pytest.raises(SettingsError, match=problem):
        Settings.from_environ({**GOOD, name: value})


def test_well_formed_settings_are_read_once_into_the_model() -> None:
    settings = Settings.from_environ({**GOOD, "WEBHOOK_SECRETS": '{"relay": ["whsec_a", "whsec_b"]}'})
    assert settings.secrets_for("relay") == ["whsec_a", "whsec_b"]
    assert settings.secrets_for("typeform") == []


def _import_app(**environment: str) -> subprocess.CompletedProcess[str]:
    kept = {key: value for key, value in os.environ.items() if key not in GOOD}
    return subprocess.run(
        [sys.executable, "-c", "import app"],
        cwd=ROOT,
        env={**kept, **environment},
        capture_output=True,
        text=True,
        check=False,
    )


def test_a_lambda_cold_start_without_its_table_stops_naming_it() -> None:
    missing = {key: value for key, value in GOOD.items() if key != "TABLE_NAME"}
    stopped = _import_app(AWS_LAMBDA_FUNCTION_NAME="complaint-sla-monitor-prod", **missing)
    assert stopped.returncode != 0
    assert "SettingsError: the app cannot start: TABLE_NAME is not set" in stopped.stderr
    assert _import_app(AWS_LAMBDA_FUNCTION_NAME="complaint-sla-monitor-prod", **GOOD).returncode == 0
    assert _import_app().returncode == 0  # local tools (chalice package, tests) import the app without settings


ARN = "arn:aws:secretsmanager:us-east-1:123456789012:secret:stack/app-secrets-AbCdEf"
ON_AWS = {key: value for key, value in GOOD.items() if key != "PSEUDONYM_KEY"} | {"APP_SECRETS_ARN": ARN}
SECRET = {
    "STAFF_TOKEN_HASHES": "li.lei:" + "a" * 64,
    "WEBHOOK_SECRETS": '{"relay": ["whsec_x"]}',
    "PSEUDONYM_KEY": "a-pseudonym-key-kept-in-the-secret-000",
}


def test_on_aws_the_secret_settings_wait_for_the_apps_secret_and_are_completed_by_it() -> None:
    waiting = Settings.from_environ(ON_AWS)
    assert (waiting.app_secrets_arn, waiting.pseudonym_key, waiting.staff_hashes()) == (ARN, "", [])
    settings = waiting.with_secrets(SECRET)
    assert settings.staff_hashes() == [("li.lei", "a" * 64)]
    assert settings.secrets_for("relay") == ["whsec_x"]
    assert settings.pseudonym_secret == SECRET["PSEUDONYM_KEY"].encode()
    assert settings.table_name == GOOD["TABLE_NAME"]


@pytest.mark.parametrize(
    ("secret", "problem"),
    [
        ({k: v for k, v in SECRET.items() if k != "PSEUDONYM_KEY"}, "PSEUDONYM_KEY (in the app's secret"),
        ({**SECRET, "PSEUDONYM_KEY": "short"}, "PSEUDONYM_KEY (in the app's secret, APP_SECRETS_ARN) must be at least"),
        ({**SECRET, "WEBHOOK_SECRETS": "{oops"}, "WEBHOOK_SECRETS (in the app's secret"),
        ({**SECRET, "STAFF_TOKENS": "plain"}, "holds STAFF_TOKENS, which the app does not read"),
        ({**SECRET, "TABLE_NAME": "other"}, "holds TABLE_NAME, which the app does not read"),
    ],
)
def test_a_secret_missing_or_holding_the_wrong_thing_stops_the_cold_start_naming_it(
    secret: dict[str, str], problem: str
) -> None:
    with pytest.raises(SettingsError, match=re.escape(problem)):
        Settings.from_environ(ON_AWS).with_secrets(secret)


def test_without_the_apps_secret_the_pseudonym_key_is_required_from_the_environment() -> None:
    with pytest.raises(SettingsError, match="PSEUDONYM_KEY is not set"):
        Settings.from_environ({key: value for key, value in GOOD.items() if key != "PSEUDONYM_KEY"})
