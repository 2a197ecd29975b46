"""A deploy rehearsed on moto (tests/integration/rehearsal.py says how, and what moto lacks): the packaged template,
translated as CloudFormation would, deployed by infra/deploy.py's own code; then every table, index, topic, queue,
schedule and environment variable the code reads must exist under the name the code reads."""

from __future__ import annotations

import json
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
import pytest
from chalice.app import ScheduledEventConfig
from moto import mock_aws
from moto.cloudformation.parsing import get_model_map

from chalicelib.adapters import keys
from chalicelib.bootstrap import with_app_secret
from chalicelib.budget import API_BUDGET, API_GATEWAY_TIMEOUT, ATTEMPT_SECONDS
from chalicelib.settings import Settings
from infra.deploy import SECRET_KEYS, Aws, deploy, physical_ids, unreachable_recipients
from tests.integration.rehearsal import (
    CONFIGURATION_SET,
    REGION,
    REMOVED,
    REPLACED,
    SETTINGS,
    SKIPPED_BY_MOTO,
    for_moto,
    translate,
)

# Every Settings field, by where it comes from on AWS (a new field must be placed here before this test passes).
FROM_THE_TEMPLATE = {
    "table_name": "ComplaintsTable",
    "alerts_topic_arn": "AlertsTopic",
    "ops_topic_arn": "OpsTopic",
    "ses_configuration_set": "DigestConfigurationSet",
    "digest_sender": "DigestSender",
    "public_base_url": "PublicBaseUrl",
    "relay_queue_url": "RelayQueue",
    "app_secrets_arn": "AppSecretsArn",
    "timer_queue_url": "TimerQueue",
}
FROM_CHALICE_CONFIG = {"due_shards"}  # .chalice/config.json environment_variables
# APP_SECRETS_ARN, read at cold start
FROM_THE_SECRET = {"staff_token_hashes", "webhook_secrets", "pseudonym_key", "session_secret"}
FROM_LAMBDA = {"aws_region"}  # the Lambda runtime sets AWS_REGION
LOCAL_ONLY = {"aws_endpoint_url", "staff_tokens", "session_cookie_secure"}  # must never be set on AWS
BUNDLED_DEFAULTS = {
    "sla_policy_file",
    "sources_file",
    "channels_file",
    "max_body_bytes",
    "timer_lookahead_seconds",
}  # packaged with the code
FROM_THE_CHANNELS_FILE = {"channel_values"}  # the variables the bundled channels file names


@dataclass
class Deployed:
    aws: Aws
    outputs: dict[str, str]
    printed: list[str]
    translated: dict[str, Any]  # what CloudFormation's SAM transform makes of the template
    adjusted: dict[str, Any]  # what moto was given
    resources: dict[str, str]  # logical id -> physical id

    def functions(self) -> dict[str, dict[str, Any]]:
        """Handler ("app.scan_due") -> the function's configuration."""
        configurations = self.aws.client("lambda").list_functions()["Functions"]
        return {f["Handler"]: f for f in configurations}


@pytest.fixture(scope="module")
def deployed(packaged_template: Path) -> Iterator[Deployed]:
    with pytest.MonkeyPatch.context() as patch, mock_aws(), warnings.catch_warnings():
        # moto warns once per resource it skips: SKIPPED_BY_MOTO, checked below
        warnings.filterwarnings("ignore", "Tried to parse .* not supported by moto", UserWarning)
        for name in ("AWS_ENDPOINT_URL", "AWS_PROFILE"):
            patch.delenv(name, raising=False)
        aws = Aws(boto3.Session(region_name=REGION), REGION)
        aws.client("ses").verify_email_identity(EmailAddress=SETTINGS.digest_sender)
        templates: list[dict[str, Any]] = []

        def transform(sam: dict[str, Any]) -> dict[str, Any]:
            templates.append(translate(sam, aws))
            templates.append(for_moto(templates[0], aws))
            return templates[1]

        printed: list[str] = []
        outputs = deploy(aws, SETTINGS, packaged_template, printed.append, transform)
        resources = physical_ids(aws.client("cloudformation"), SETTINGS.stack_name)
        yield Deployed(aws, outputs, printed, templates[0], templates[1], resources)


def test_every_settings_field_is_placed() -> None:
    placed = [
        set(FROM_THE_TEMPLATE),
        FROM_CHALICE_CONFIG,
        FROM_THE_SECRET,
        FROM_LAMBDA,
        LOCAL_ONLY,
        BUNDLED_DEFAULTS,
        FROM_THE_CHANNELS_FILE,
    ]
    assert sum(len(group) for group in placed) == len(set().union(*placed))
    assert set().union(*placed) == set(Settings.model_fields)


def test_moto_lacks_exactly_what_the_rehearsal_adjusts(deployed: Deployed) -> None:
    supported = get_model_map()
    for kind in (CONFIGURATION_SET, *SKIPPED_BY_MOTO):
        assert kind not in supported, f"moto now supports {kind}: drop it from tests/integration/rehearsal.py"
    # REMOVED: moto makes the RestApi without the routes of its Body, so a deployment of it has no methods.
    api = deployed.aws.client("apigateway")
    paths = {r["path"] for r in api.get_resources(restApiId=deployed.resources["RestAPI"])["items"]}
    assert paths == {"/"}, "moto now imports the API's routes: drop the Deployment and Stage adjustment"
    assert "/complaints" in deployed.translated["Resources"]["RestAPI"]["Properties"]["Body"]["paths"]
    assert {deployed.translated["Resources"][name]["Type"] for name in deployed.translated["Resources"]} >= {
        *REMOVED,
        *REPLACED,
        *SKIPPED_BY_MOTO,
    }


def test_the_stack_holds_every_resource_but_the_ones_moto_skips(deployed: Deployed) -> None:
    status = deployed.aws.client("cloudformation").describe_stacks(StackName=SETTINGS.stack_name)["Stacks"][0]
    assert status["StackStatus"] == "CREATE_COMPLETE"
    adjusted = deployed.adjusted["Resources"]
    expected = {name for name, resource in adjusted.items() if resource["Type"] not in SKIPPED_BY_MOTO}
    assert expected <= set(deployed.resources)
    skipped = {name for name, resource in adjusted.items() if resource["Type"] in SKIPPED_BY_MOTO}
    assert skipped
    assert not skipped & set(deployed.resources)


def test_the_table_and_its_indexes_are_named_as_the_code_reads_them(deployed: Deployed) -> None:
    table = deployed.resources["ComplaintsTable"]
    described = deployed.aws.client("dynamodb").describe_table(TableName=table)["Table"]
    assert [(k["AttributeName"], k["KeyType"]) for k in described["KeySchema"]] == [
        (keys.TABLE_PK, "HASH"),
        (keys.TABLE_SK, "RANGE"),
    ]
    indexes = {
        index["IndexName"]: [k["AttributeName"] for k in index["KeySchema"]]
        for index in described["GlobalSecondaryIndexes"]
    }
    assert indexes == {
        keys.DUE_INDEX: [keys.DUE_SHARD_ATTR, keys.NEXT_DUE_ATTR],
        keys.AUDIENCE_INDEX: ["audience", keys.DETECTED_KEY_ATTR],
        keys.LIST_INDEX: [keys.LIST_STATUS_ATTR, keys.LIST_RECEIVED_ATTR],
    }
    for configuration in deployed.functions().values():
        assert configuration["Environment"]["Variables"]["TABLE_NAME"] == table


def test_every_function_reads_settings_that_point_at_the_stack(deployed: Deployed) -> None:
    secret = deployed.aws.client("secretsmanager")
    functions = deployed.functions()
    assert len(functions) == 7
    for handler, configuration in functions.items():
        environment = configuration["Environment"]["Variables"]
        for field in LOCAL_ONLY | FROM_THE_SECRET:
            assert field.upper() not in environment, (handler, field)
        stored = json.loads(secret.get_secret_value(SecretId=environment["APP_SECRETS_ARN"])["SecretString"])
        assert set(stored) == set(SECRET_KEYS) == {field.upper() for field in FROM_THE_SECRET}
        settings = with_app_secret(Settings.from_environ({**environment, "AWS_REGION": REGION}), secret)
        assert settings.app_secrets_arn == secret.describe_secret(SecretId=SETTINGS.secret_name)["ARN"]
        assert settings.table_name == deployed.resources["ComplaintsTable"]
        assert settings.alerts_topic_arn == deployed.resources["AlertsTopic"]
        assert settings.ops_topic_arn == deployed.resources["OpsTopic"]
        assert settings.digest_sender == SETTINGS.digest_sender
        assert settings.public_base_url == SETTINGS.public_base_url
        assert settings.due_shards == 4
        assert len(settings.session_secret) >= 32
        assert settings.staff_hashes() == [("staff", digest) for digest in SETTINGS.staff_token_hashes]
        assert len(settings.pseudonym_key) >= 32
        assert settings.secrets_for("typeform") == SETTINGS.webhook_secrets["typeform"]
        for field in FROM_THE_TEMPLATE:
            assert field.upper() in environment, (handler, field)


def test_the_topics_the_configuration_set_and_the_failed_invocations_queue_exist(deployed: Deployed) -> None:
    environment = deployed.functions()["app.scan_due"]["Environment"]["Variables"]
    sns = deployed.aws.client("sns")
    for variable in ("ALERTS_TOPIC_ARN", "OPS_TOPIC_ARN"):
        assert sns.get_topic_attributes(TopicArn=environment[variable])["Attributes"]["TopicArn"]
    ses = deployed.aws.client("ses")
    name = environment["SES_CONFIGURATION_SET"]
    assert ses.describe_configuration_set(ConfigurationSetName=name)["ConfigurationSet"]["Name"] == name
    sqs = deployed.aws.client("sqs")
    url = deployed.resources["FailedInvocationsQueue"]
    assert sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]


def test_the_relay_and_the_timers_read_their_queues_by_reference(deployed: Deployed) -> None:
    translated = deployed.translated["Resources"]
    mappings = {
        json.dumps(r["Properties"]["EventSourceArn"]): r["Properties"]
        for r in translated.values()
        if r["Type"] == "AWS::Lambda::EventSourceMapping"
    }
    # Chalice's merge is deep: one intrinsic per queue, not Chalice's fixed name too
    relay_arn, timer_arn = (json.dumps({"Fn::Sub": f"${{{name}.Arn}}"}) for name in ("RelayQueue", "TimerQueue"))
    assert set(mappings) == {relay_arn, timer_arn}
    assert mappings[relay_arn]["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    found = deployed.aws.client("lambda").list_event_source_mappings()["EventSourceMappings"]
    sqs = deployed.aws.client("sqs")
    functions = deployed.functions()
    expected = {}
    for queue, handler in (("RelayQueue", "app.relay_notices"), ("TimerQueue", "app.fire_timers")):
        arn = sqs.get_queue_attributes(QueueUrl=deployed.resources[queue], AttributeNames=["QueueArn"])
        expected[arn["Attributes"]["QueueArn"]] = functions[handler]["FunctionArn"]
    assert {m["EventSourceArn"]: m["FunctionArn"] for m in found} == expected


def test_each_schedule_of_app_py_invokes_its_function(deployed: Deployed) -> None:
    import app as application

    functions = deployed.functions()
    events = deployed.aws.client("events")
    rules = {}
    for rule in events.list_rules()["Rules"]:
        for target in events.list_targets_by_rule(Rule=rule["Name"])["Targets"]:
            rules[target["Arn"]] = rule["ScheduleExpression"]
    schedules = [s for s in application.app.event_sources if isinstance(s, ScheduledEventConfig)]
    assert len(schedules) == 4
    for schedule in schedules:
        function = functions[f"app.{schedule.name}"]
        expression = schedule.schedule_expression
        expected = expression if isinstance(expression, str) else expression.to_string()
        assert rules[function["FunctionArn"]] == expected, schedule.name


def test_every_function_logs_to_a_group_kept_for_the_retention_given(deployed: Deployed) -> None:
    translated = deployed.translated["Resources"]
    functions = {name: r for name, r in translated.items() if r["Type"] == "AWS::Lambda::Function"}
    assert len(functions) == 7
    logs = deployed.aws.client("logs")
    for name, function in functions.items():
        group = function["Properties"]["LoggingConfig"]["LogGroup"]["Ref"]
        assert translated[group]["Type"] == "AWS::Logs::LogGroup"
        found = logs.describe_log_groups(logGroupNamePrefix=deployed.resources[group])["logGroups"]
        assert [g.get("retentionInDays") for g in found] == [SETTINGS.log_retention_days], name


def test_the_table_outlives_the_stack_and_cannot_be_deleted_by_mistake(deployed: Deployed) -> None:
    assert deployed.translated["Resources"]["ComplaintsTable"]["DeletionPolicy"] == "Retain"
    table = deployed.resources["ComplaintsTable"]
    assert deployed.aws.client("dynamodb").describe_table(TableName=table)["Table"]["DeletionProtectionEnabled"]
    ttl = deployed.translated["Resources"]["ComplaintsTable"]["Properties"]["TimeToLiveSpecification"]
    assert ttl == {"AttributeName": keys.TTL_ATTR, "Enabled": True}


def test_the_api_function_answers_before_api_gateway_gives_up(deployed: Deployed) -> None:
    functions = deployed.functions()
    api = functions["app.app"]["Timeout"]
    assert API_BUDGET + ATTEMPT_SECONDS <= api < API_GATEWAY_TIMEOUT
    assert all(configuration["Timeout"] == 60 for handler, configuration in functions.items() if handler != "app.app")


def test_each_function_has_one_policy_of_its_own_logging_only_to_its_own_group(deployed: Deployed) -> None:
    iam = deployed.aws.client("iam")
    translated = deployed.translated["Resources"]
    functions = {name: r["Properties"] for name, r in translated.items() if r["Type"] == "AWS::Lambda::Function"}
    assert len(functions) == 7  # the API, four schedules, the relay, the timers
    for name, function in functions.items():
        role = function["Role"]["Fn::GetAtt"][0]
        physical = deployed.resources[role]
        assert iam.list_attached_role_policies(RoleName=physical)["AttachedPolicies"] == [], name
        assert len(iam.list_role_policies(RoleName=physical)["PolicyNames"]) == 1, name
        [policy] = translated[role]["Properties"]["Policies"]
        statements = policy["PolicyDocument"]["Statement"]
        logging = [s for s in statements if any(action.startswith("logs:") for action in s["Action"])]
        assert [s["Resource"] for s in logging] == [
            [{"Fn::GetAtt": [function["LoggingConfig"]["LogGroup"]["Ref"], "Arn"]}]
        ]
        assert set(logging[0]["Action"]) == {"logs:CreateLogStream", "logs:PutLogEvents"}
        actions = [action for s in statements for action in s["Action"]]
        assert not [a for a in actions if "*" in a and not a.startswith("kms:")], name


def test_deploy_prints_the_api_the_console_and_what_to_do_next(deployed: Deployed) -> None:
    text = "\n".join(deployed.printed)
    api = deployed.outputs["EndpointURL"]
    assert api.startswith("https://")
    assert api in text
    assert f"console:  {SETTINGS.public_base_url}/console" in text
    assert f"confirm the SNS subscriptions: AWS emailed {SETTINGS.on_call_email}, {SETTINGS.ops_email}" in text
    assert "leave the SES sandbox" in text
    assert ("where nobody receives mail" in text) == bool(unreachable_recipients())
