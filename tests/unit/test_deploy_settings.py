"""The deploy's checks and templating (infra/deploy.py), pure: no AWS."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import pytest

from chalicelib.settings import DEFAULT_POLICY_FILE, Settings
from infra.definitions import template
from infra.deploy import (
    EXAMPLE,
    OPTIONAL,
    REQUIRED,
    SECRET_KEYS,
    DeployError,
    DeploySettings,
    app_secrets,
    deployable_template,
    is_loopback,
    next_steps,
    parse_env,
    problems,
    public_base_url,
    signed_sources,
    stack_parameters,
    unreachable_recipients,
)

TOKEN_HASH = hashlib.sha256(b"a staff token").hexdigest()
COMPLETE = {
    "PUBLIC_BASE_URL": "https://sla.corp.cn",
    "DIGEST_SENDER": "sla-monitor@corp.cn",
    "ON_CALL_EMAIL": "on-call@corp.cn",
    "OPS_EMAIL": "ops@corp.cn",
    "STAFF_TOKEN_HASHES": TOKEN_HASH,
}
SIGNED = {
    "relay": "standard",
    "typeform": "typeform",
    "tally": "tally",
    "jotform": "token",
    "wjx": "token",
    "google-forms": "standard",
}
SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"


def test_a_complete_settings_file_has_no_problems() -> None:
    assert problems(COMPLETE, SIGNED) == []
    assert problems({**COMPLETE, "WEBHOOK_SECRETS": f'{{"typeform": ["{SECRET}"]}}', "LOG_RETENTION_DAYS": "30"}) == []


@pytest.mark.parametrize("name", REQUIRED)
def test_each_missing_required_setting_is_named(name: str) -> None:
    found = problems({k: v for k, v in COMPLETE.items() if k != name}, SIGNED)
    assert len(found) == 1
    assert found[0].startswith(f"{name} is not set")


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8000",
        "https://localhost",
        "https://LOCALHOST.",
        "https://sla.localhost",
        "https://127.8.9.10/base",
        "https://[::1]:8443",
        "https://[::ffff:127.0.0.1]",
        "http://0.0.0.0:8000",
    ],
)
def test_a_loopback_base_url_is_refused(url: str) -> None:
    found = problems({**COMPLETE, "PUBLIC_BASE_URL": url}, SIGNED)
    assert len(found) == 1
    assert found[0].startswith(f"PUBLIC_BASE_URL {url} is a loopback address")


@pytest.mark.parametrize("host", ["sla.corp.cn", "10.0.0.8", "203.0.113.9", "localhost.corp.cn", "2001:db8::1"])
def test_other_hosts_are_not_loopback(host: str) -> None:
    assert not is_loopback(host)


@pytest.mark.parametrize(
    ("url", "says"),
    [
        ("http://sla.corp.cn", "is not https"),
        ("sla.corp.cn", "is not a URL"),
        ("https://sla.corp.cn/", "trailing slash"),
        ("https://sla.corp.cn/?a=1", "query"),
    ],
)
def test_a_base_url_that_is_not_a_clean_https_base_is_refused(url: str, says: str) -> None:
    [found] = problems({**COMPLETE, "PUBLIC_BASE_URL": url}, SIGNED)
    assert found.startswith("PUBLIC_BASE_URL")
    assert says in found


def test_api_gateway_stands_for_the_stacks_own_url() -> None:
    assert problems({**COMPLETE, "PUBLIC_BASE_URL": "api-gateway"}, SIGNED) == []
    settings = DeploySettings.from_values({**COMPLETE, "PUBLIC_BASE_URL": "api-gateway"}, "prod")
    assert public_base_url(settings, None) == ""
    assert public_base_url(settings, "https://abc.execute-api.us-east-1.amazonaws.com/prod/") == (
        "https://abc.execute-api.us-east-1.amazonaws.com/prod"
    )
    assert public_base_url(DeploySettings.from_values(COMPLETE, "prod"), "https://x/") == "https://sla.corp.cn"


@pytest.mark.parametrize("name", ["DIGEST_SENDER", "ON_CALL_EMAIL", "OPS_EMAIL"])
def test_an_address_nobody_can_receive_mail_at_is_refused(name: str) -> None:
    [reserved] = problems({**COMPLETE, name: "sla-monitor@example.com"}, SIGNED)
    assert reserved.startswith(f"{name} sla-monitor@example.com is at a reserved domain")
    [malformed] = problems({**COMPLETE, name: "a@corp.cn, b@corp.cn"}, SIGNED)
    assert malformed.startswith(f"{name} ")
    assert "is not one email address" in malformed


def test_a_plain_token_instead_of_its_digest_is_refused_without_repeating_it() -> None:
    found = problems({**COMPLETE, "STAFF_TOKEN_HASHES": f"{TOKEN_HASH}, my-secret-token"}, SIGNED)
    assert len(found) == 1
    assert found[0].startswith("STAFF_TOKEN_HASHES entry 2 is not a SHA-256 hex digest")
    assert "my-secret-token" not in found[0]


@pytest.mark.parametrize(
    ("raw", "says"),
    [
        ("{oops", "is not JSON"),
        ('{"typeform": "whsec_x"}', "object of non-empty lists"),
        ('{"typeform": []}', "object of non-empty lists"),
        ('{"relay": ["not-a-secret"]}', "relay secret 1 is not a Standard Webhooks secret"),
        ('{"relay": ["whsec_c2hvcnQ="]}', "relay secret 1 is not a Standard Webhooks secret"),
        ('{"typeform": ["not-a-secret"]}', "typeform secret 1 is shorter than 16 characters"),
        ('{"jotform": ["short-token"]}', "jotform secret 1 is shorter than 16 characters"),
        (f'{{"web": ["{SECRET}"]}}', "names 'web', which is not a signed source"),
    ],
)
def test_webhook_secrets_must_be_lists_of_real_secrets_for_signed_sources(raw: str, says: str) -> None:
    [found] = problems({**COMPLETE, "WEBHOOK_SECRETS": raw}, SIGNED)
    assert found.startswith("WEBHOOK_SECRETS")
    assert says in found
    assert "not-a-secret" not in found


def test_the_bundled_sources_file_names_its_signed_sources() -> None:
    assert signed_sources() == SIGNED


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("AWS_REGION", "Virginia"),
        ("STACK_NAME", "9lives"),
        ("ARTIFACT_BUCKET", "My_Bucket"),
        ("LOG_RETENTION_DAYS", "45"),
        ("STAGE_NAME", "prod"),
    ],
)
def test_a_malformed_optional_setting_or_an_unknown_one_is_named(name: str, value: str) -> None:
    [found] = problems({**COMPLETE, name: value}, SIGNED)
    assert found.startswith(name)


def test_the_example_file_documents_every_setting_and_is_refused_as_it_stands() -> None:
    values = parse_env(EXAMPLE.read_text(encoding="utf-8"))
    assert set(values) == set(REQUIRED) | set(OPTIONAL)
    named = {problem.split()[0] for problem in problems(values, SIGNED)}
    assert named == set(REQUIRED)


def test_the_settings_file_takes_comments_blank_lines_and_quotes() -> None:
    lines = ["# a comment", "", "PUBLIC_BASE_URL = https://sla.corp.cn", "DIGEST_SENDER='sla@corp.cn'"]
    text = "\n".join([*lines, 'WEBHOOK_SECRETS={"a": ["b=c"]}'])
    assert parse_env(text) == {
        "PUBLIC_BASE_URL": "https://sla.corp.cn",
        "DIGEST_SENDER": "sla@corp.cn",
        "WEBHOOK_SECRETS": '{"a": ["b=c"]}',
    }


def test_a_malformed_line_is_named_by_its_number_only() -> None:
    with pytest.raises(DeployError) as error:
        parse_env("PUBLIC_BASE_URL=https://x\nwhsec_leaked_secret\n")
    assert str(error.value) == "line 2 is not NAME=value"


def test_every_template_parameter_is_passed() -> None:
    settings = DeploySettings.from_values(COMPLETE, "prod")
    passed = stack_parameters(settings, "arn:aws:secretsmanager:us-east-1:1:secret:s", settings.public_base_url)
    assert set(passed) == set(template()["Parameters"])
    assert passed["LogRetentionDays"] == "90"
    assert passed["OnCallEmail"] == "on-call@corp.cn"


ARN = "arn:aws:secretsmanager:us-east-1:123456789012:secret:complaint-sla-monitor-prod/app-secrets-AbCdEf"


def test_the_secret_holds_the_apps_own_variables() -> None:
    settings = DeploySettings.from_values({**COMPLETE, "WEBHOOK_SECRETS": f'{{"tally": ["{SECRET}"]}}'}, "prod")
    stored = app_secrets(settings, {"SESSION_SECRET": "s" * 64})
    assert set(stored) == set(SECRET_KEYS)
    function_environment = {  # what the template gives every function besides the secret
        "TABLE_NAME": "ComplaintsTable",
        "ALERTS_TOPIC_ARN": "arn:aws:sns:us-east-1:123456789012:AlertsTopic",
        "OPS_TOPIC_ARN": "arn:aws:sns:us-east-1:123456789012:OpsTopic",
        "PUBLIC_BASE_URL": "https://sla.example.com",
    }
    merged = Settings.from_environ(function_environment | {"APP_SECRETS_ARN": ARN}).with_secrets(stored)
    assert merged.staff_hashes() == [("staff", TOKEN_HASH)]
    assert merged.secrets_for("tally") == [SECRET]
    assert len(merged.pseudonym_key) >= 32
    assert merged.session_secret == "s" * 64
    assert settings.secret_name == "complaint-sla-monitor-prod/app-secrets"


def test_the_pseudonym_key_and_the_session_key_are_made_once_and_kept_by_every_later_deploy() -> None:
    settings = DeploySettings.from_values(COMPLETE, "prod")
    first = app_secrets(settings)
    again = app_secrets(settings)
    assert first["PSEUDONYM_KEY"] != again["PSEUDONYM_KEY"]  # made afresh without a current one
    assert first["SESSION_SECRET"] != again["SESSION_SECRET"]
    kept = app_secrets(settings, first)
    assert kept["PSEUDONYM_KEY"] == first["PSEUDONYM_KEY"]
    assert kept["SESSION_SECRET"] == first["SESSION_SECRET"]


def test_the_channels_values_go_in_the_secret_and_reach_the_relay(tmp_path: Path) -> None:
    channels = tmp_path / "channels.yaml"
    channels.write_text("channels:\n  - {name: group, kind: wecom, url_env: WECOM_WEBHOOK_URL}\n", encoding="utf-8")
    url = "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=abc"
    values = {**COMPLETE, "WECOM_WEBHOOK_URL": url}
    assert problems(values) == ["WECOM_WEBHOOK_URL is not a deploy setting (deploy/example.env lists them)"]
    assert problems(values, channels_file=channels) == []
    settings = DeploySettings.from_values(values, "prod", channels)
    stored = app_secrets(settings)
    assert stored["WECOM_WEBHOOK_URL"] == url
    environment = {
        "TABLE_NAME": "ComplaintsTable",
        "ALERTS_TOPIC_ARN": "arn:aws:sns:us-east-1:123456789012:AlertsTopic",
        "OPS_TOPIC_ARN": "arn:aws:sns:us-east-1:123456789012:OpsTopic",
        "PUBLIC_BASE_URL": "https://sla.example.com",
        "APP_SECRETS_ARN": ARN,
        "CHANNELS_FILE": str(channels),
    }
    assert Settings.from_environ(environment).with_secrets(stored).channel_values["WECOM_WEBHOOK_URL"] == url


def test_every_function_runs_the_uploaded_code() -> None:
    sam: dict[str, Any] = {
        "Resources": {
            "APIHandler": {"Type": "AWS::Serverless::Function", "Properties": {"CodeUri": "./deployment.zip"}},
            "ScanDue": {"Type": "AWS::Serverless::Function", "Properties": {"CodeUri": "./deployment.zip"}},
            "AlertsTopic": {"Type": "AWS::SNS::Topic", "Properties": {}},
        }
    }
    deployable = deployable_template(sam, "s3://bucket/key.zip")
    assert [r["Properties"].get("CodeUri") for r in deployable["Resources"].values()] == [
        "s3://bucket/key.zip",
        "s3://bucket/key.zip",
        None,
    ]
    assert sam["Resources"]["APIHandler"]["Properties"]["CodeUri"] == "./deployment.zip"


def test_next_steps_name_the_urls_the_subscriptions_to_confirm_and_the_sandbox() -> None:
    settings = DeploySettings.from_values(COMPLETE, "prod")
    outputs = {"EndpointURL": "https://abc.execute-api.us-east-1.amazonaws.com/prod/"}
    text = next_steps(settings, outputs, ["ops@corp.cn"], None, "us-east-1")
    assert "API:      https://abc.execute-api.us-east-1.amazonaws.com/prod/" in text
    assert "console:  https://sla.corp.cn/console" in text
    assert "confirm the SNS subscriptions: AWS emailed ops@corp.cn;" in text
    assert "leave the SES sandbox" in text
    assert "where nobody receives mail" not in text
    done = next_steps(settings, outputs, [], True, "us-east-1")
    assert "confirm the SNS subscriptions" not in done
    assert "leave the SES sandbox" not in done
    warned = next_steps(settings, outputs, [], True, "us-east-1", ["on-call@example.com"])
    assert "sends digests and reports to on-call@example.com, where nobody receives mail" in warned


def test_example_recipients_left_in_the_policy_file_are_found(tmp_path: Path) -> None:
    text = DEFAULT_POLICY_FILE.read_text(encoding="utf-8")
    assert "on-call@example.com" in text
    policy = tmp_path / "policy.yaml"
    policy.write_text(text.replace("on-call@example.com", "on-call@corp.cn"), encoding="utf-8")
    found = unreachable_recipients(policy)
    assert found
    assert all(address.endswith("@example.com") for address in found)
    assert "on-call@corp.cn" not in found
