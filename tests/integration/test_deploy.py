"""infra/deploy.py against moto: refusals before anything changes, the app's secret, create then update, destroy
keeping the table; and `make deploy` with an incomplete settings file."""

from __future__ import annotations

import dataclasses
import json
import os
import subprocess
import sys
import warnings
from collections.abc import Iterator
from pathlib import Path

import boto3
import pytest
from moto import mock_aws

from infra.deploy import (
    Aws,
    Refused,
    app_secrets,
    current_app_secrets,
    deploy,
    destroy,
    physical_ids,
    put_app_secrets,
    sender_problem,
)
from tests.integration.rehearsal import REGION, ROOT, SETTINGS, rehearse


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[Aws]:
    for name in ("AWS_ENDPOINT_URL", "AWS_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    with mock_aws(), warnings.catch_warnings():
        warnings.filterwarnings("ignore", "Tried to parse .* not supported by moto", UserWarning)
        yield Aws(boto3.Session(region_name=REGION), REGION)


def test_an_unverified_sender_is_refused_before_anything_is_made(aws: Aws, packaged_template: Path) -> None:
    with pytest.raises(Refused) as refused:
        deploy(aws, SETTINGS, packaged_template, lambda _: None, rehearse(aws))
    assert refused.value.problems[0].startswith(f"DIGEST_SENDER {SETTINGS.digest_sender} is not verified in SES")
    assert "make verify-sender STAGE=prod" in refused.value.problems[0]
    assert aws.client("s3").list_buckets()["Buckets"] == []
    assert aws.client("secretsmanager").list_secrets()["SecretList"] == []
    assert aws.client("cloudformation").list_stacks()["StackSummaries"] == []


def test_a_sender_whose_domain_is_verified_may_send(aws: Aws) -> None:
    ses = aws.client("ses")
    assert sender_problem(ses, "sla@corp.example.cn", REGION, "prod") is not None
    ses.verify_domain_identity(Domain="corp.example.cn")
    assert sender_problem(ses, "sla@corp.example.cn", REGION, "prod") is None


def test_the_secret_gets_a_new_version_only_when_its_values_change(aws: Aws) -> None:
    client = aws.client("secretsmanager")
    values = {"STAFF_TOKEN_HASHES": "a" * 64, "WEBHOOK_SECRETS": ""}
    arn = put_app_secrets(client, "stack/app-secrets", values)
    assert put_app_secrets(client, "stack/app-secrets", values) == arn
    assert len(client.list_secret_version_ids(SecretId=arn)["Versions"]) == 1
    put_app_secrets(client, "stack/app-secrets", {**values, "STAFF_TOKEN_HASHES": "b" * 64})
    assert len(client.list_secret_version_ids(SecretId=arn)["Versions"]) == 2
    assert json.loads(client.get_secret_value(SecretId=arn)["SecretString"])["STAFF_TOKEN_HASHES"] == "b" * 64


def test_a_redeploy_keeps_the_pseudonym_key_of_the_first(aws: Aws) -> None:
    client = aws.client("secretsmanager")
    first = app_secrets(SETTINGS, current_app_secrets(client, "stack/app-secrets"))
    put_app_secrets(client, "stack/app-secrets", first)
    again = app_secrets(SETTINGS, current_app_secrets(client, "stack/app-secrets"))
    assert again == first
    assert len(first["PSEUDONYM_KEY"]) >= 32


def test_a_second_deploy_updates_the_stack_in_place(aws: Aws, packaged_template: Path) -> None:
    aws.client("ses").verify_email_identity(EmailAddress=SETTINGS.digest_sender)
    first = deploy(aws, SETTINGS, packaged_template, lambda _: None, rehearse(aws))
    table = physical_ids(aws.client("cloudformation"), SETTINGS.stack_name)["ComplaintsTable"]
    stored = aws.client("secretsmanager").get_secret_value(SecretId=SETTINGS.secret_name)["SecretString"]
    kept_session_key = json.loads(stored)["SESSION_SECRET"]
    assert len(kept_session_key) >= 32
    changed = dataclasses.replace(SETTINGS, ops_email="night-ops@rehearsal.example.cn", staff_token_hashes=("c" * 64,))
    second = deploy(aws, changed, packaged_template, lambda _: None, rehearse(aws))
    cloudformation = aws.client("cloudformation")
    stack = cloudformation.describe_stacks(StackName=SETTINGS.stack_name)["Stacks"][0]
    assert stack["StackStatus"] == "UPDATE_COMPLETE"
    parameters = {p["ParameterKey"]: p["ParameterValue"] for p in stack["Parameters"]}
    assert parameters["OpsEmail"] == "night-ops@rehearsal.example.cn"
    assert physical_ids(cloudformation, SETTINGS.stack_name)["ComplaintsTable"] == table
    secret = aws.client("secretsmanager").get_secret_value(SecretId=parameters["AppSecretsArn"])
    assert json.loads(secret["SecretString"])["STAFF_TOKEN_HASHES"] == "c" * 64
    assert json.loads(secret["SecretString"])["SESSION_SECRET"] == kept_session_key  # nobody is signed out
    assert first["EndpointURL"].startswith("https://")
    assert second["EndpointURL"].startswith("https://")


def test_the_api_gateway_url_becomes_the_base_of_links(aws: Aws, packaged_template: Path) -> None:
    aws.client("ses").verify_email_identity(EmailAddress=SETTINGS.digest_sender)
    printed: list[str] = []
    settings = dataclasses.replace(SETTINGS, public_base_url="api-gateway")
    outputs = deploy(aws, settings, packaged_template, printed.append, rehearse(aws))
    base = outputs["EndpointURL"].rstrip("/")
    for function in aws.client("lambda").list_functions()["Functions"]:
        assert function["Environment"]["Variables"]["PUBLIC_BASE_URL"] == base
    assert f"console:  {base}/console" in "\n".join(printed)


def test_destroy_keeps_the_table_and_the_secret_unless_told(aws: Aws, packaged_template: Path) -> None:
    aws.client("ses").verify_email_identity(EmailAddress=SETTINGS.digest_sender)
    deploy(aws, SETTINGS, packaged_template, lambda _: None, rehearse(aws))
    table = physical_ids(aws.client("cloudformation"), SETTINGS.stack_name)["ComplaintsTable"]
    printed: list[str] = []
    destroy(aws, SETTINGS, delete_data=False, say=printed.append)
    dynamodb, secrets = aws.client("dynamodb"), aws.client("secretsmanager")
    assert [s["StackStatus"] for s in aws.client("cloudformation").list_stacks()["StackSummaries"]] == [
        "DELETE_COMPLETE"
    ]
    assert dynamodb.describe_table(TableName=table)["Table"]["TableStatus"] == "ACTIVE"
    assert secrets.describe_secret(SecretId=SETTINGS.secret_name)["Name"] == SETTINGS.secret_name
    assert f"kept table {table}" in "\n".join(printed)

    deploy(aws, SETTINGS, packaged_template, lambda _: None, rehearse(aws))
    table = physical_ids(aws.client("cloudformation"), SETTINGS.stack_name)["ComplaintsTable"]
    destroy(aws, SETTINGS, delete_data=True, say=printed.append)
    assert table not in dynamodb.list_tables()["TableNames"]
    assert secrets.list_secrets()["SecretList"] == []


def test_make_deploy_with_an_incomplete_settings_file_stops_before_touching_aws(tmp_path: Path) -> None:
    settings = tmp_path / "rehearsal.env"
    settings.write_text("PUBLIC_BASE_URL=http://127.0.0.1:8000\nDIGEST_SENDER=sla@corp.example.cn\n")
    # Any AWS request would go to a closed port and fail with a connection error, not with this refusal.
    env = {**os.environ, "AWS_ENDPOINT_URL": "http://127.0.0.1:9", "AWS_ACCESS_KEY_ID": "x"}
    stage = "rehearsal-incomplete"
    command = ["make", "-s", "-o", ".venv/.installed", "deploy", f"STAGE={stage}", f"DEPLOY_SETTINGS={settings}"]
    done = subprocess.run(
        [*command, f"PY={sys.executable}"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode != 0
    assert "nothing was changed on AWS" in done.stdout
    for name in ("PUBLIC_BASE_URL", "ON_CALL_EMAIL", "OPS_EMAIL", "STAFF_TOKEN_HASHES"):
        assert f"  - {name} " in done.stdout, name
    assert "loopback" in done.stdout
    assert not (ROOT / "build" / stage).exists()
