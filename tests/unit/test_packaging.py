"""The Lambda package and the project agree on dependencies; the deploy template grants what the app needs."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Any

import yaml

from infra.definitions import resources_of_type, template

ROOT = Path(__file__).resolve().parents[2]


def _requirements(lines: list[str]) -> set[str]:
    return {re.sub(r"\s+", "", line).lower() for line in lines if line.strip() and not line.lstrip().startswith("#")}


def test_requirements_txt_lists_exactly_the_runtime_dependencies() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    declared = _requirements(project["dependencies"])
    packaged = _requirements((ROOT / "requirements.txt").read_text().splitlines())
    assert packaged == declared


# What each function's code calls (services -> ports -> adapters), as IAM actions. A new call needs its action
# here and in the role's policy (infra/resources.yaml), and nothing more is granted; that the roles allow at least
# what the code calls is recorded on moto (tests/integration/test_iam_actions.py).
ITEMS = {"dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem"}  # one at a time
QUERIES = {"dynamodb:Query", "dynamodb:BatchGetItem"}  # indexes queried, items read in batches
OPS_KEY = {"kms:GenerateDataKey*", "kms:Decrypt"}  # what publishing to the ops topic (encrypted with OpsKey) needs
QUEUE_CONSUMER = {"sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes"}  # an SQS event source's
API_CALLS = ITEMS | QUERIES | {"dynamodb:BatchWriteItem", "sns:Publish", "ses:SendRawEmail", "sqs:SendMessage"}
MAILINGS = {"dynamodb:PutItem", "dynamodb:DeleteItem", *QUERIES, "ses:SendRawEmail", "sqs:SendMessage"}
CALLS = {
    "ApiHandler": API_CALLS,
    "ScanDue": API_CALLS | OPS_KEY,
    "SendDigests": MAILINGS,  # the digests and the monthly report call alike
    "SendMonthlyReport": MAILINGS,
    "WatchCalendars": ITEMS | QUERIES | OPS_KEY | {"sns:Publish", "sqs:SendMessage"},
    "FireTimers": ITEMS | OPS_KEY | QUEUE_CONSUMER | {"dynamodb:BatchWriteItem", "sns:Publish", "sqs:SendMessage"},
    "RelayNotices": {"dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:DeleteItem"}
    | QUEUE_CONSUMER
    | {"sqs:ChangeMessageVisibility"},
}
EVERY_FUNCTION = {"logs:CreateLogStream", "logs:PutLogEvents", "secretsmanager:GetSecretValue"}


def _functions() -> list[str]:
    import app as application

    return ["ApiHandler"] + [
        "".join(part.capitalize() for part in source.name.split("_")) for source in application.app.event_sources
    ]


def test_each_function_role_has_one_policy_of_its_own_with_only_the_actions_it_calls() -> None:
    """autogen_policy is off: each function Chalice generates has a role; the merge template replaces its policy."""
    roles = resources_of_type("AWS::IAM::Role")
    assert set(roles) == {f"{name}Role" for name in _functions()} == {f"{name}Role" for name in CALLS}
    assert resources_of_type("AWS::IAM::ManagedPolicy") == {}
    for name, properties in roles.items():
        [policy] = properties["Policies"]
        actions = {action for statement in policy["PolicyDocument"]["Statement"] for action in statement["Action"]}
        assert actions == CALLS[name.removesuffix("Role")] | EVERY_FUNCTION, name


def test_each_function_logs_only_to_its_own_group_and_the_api_reaches_only_the_alerts_topic() -> None:
    roles = resources_of_type("AWS::IAM::Role")
    for name, properties in roles.items():
        function = "APIHandler" if name == "ApiHandlerRole" else name.removesuffix("Role")
        [policy] = properties["Policies"]
        for statement in policy["PolicyDocument"]["Statement"]:
            if any(action.startswith("logs:") for action in statement["Action"]):
                assert statement["Resource"] == [{"Fn::GetAtt": [f"{function}Logs", "Arn"]}], name
    api = roles["ApiHandlerRole"]["Policies"][0]["PolicyDocument"]["Statement"]
    assert not {a for s in api for a in s["Action"] if a.split(":")[0] == "kms"}
    [mail] = [s for s in api if any(a.startswith("ses:") for a in s["Action"])]  # the customer's acknowledgement
    assert (mail["Action"], mail["Condition"]) == (
        ["ses:SendRawEmail"],
        {"StringEquals": {"ses:FromAddress": {"Ref": "DigestSender"}}},
    )
    [arm] = [s for s in api if any(a.startswith("sqs:") for a in s["Action"])]  # its complaints' near thresholds
    assert (arm["Action"], arm["Resource"]) == (["sqs:SendMessage"], [{"Fn::GetAtt": ["TimerQueue", "Arn"]}])
    [publish] = [s for s in api if "sns:Publish" in s["Action"]]  # the notices an intake or a staff event owes
    assert publish["Resource"] == [{"Ref": "AlertsTopic"}]


def test_the_table_keeps_its_records_only_as_long_as_they_guard_and_cannot_be_deleted_by_mistake() -> None:
    table = resources_of_type("AWS::DynamoDB::Table")["ComplaintsTable"]
    assert table["DeletionProtectionEnabled"] is True
    assert table["TimeToLiveSpecification"] == {"AttributeName": "expires_at", "Enabled": True}


def test_the_api_function_answers_before_api_gateway_and_its_retries_fit_its_budget() -> None:
    from chalicelib.budget import API_BUDGET, API_GATEWAY_TIMEOUT, API_LAMBDA_TIMEOUT, ATTEMPT_SECONDS

    config = yaml.safe_load((ROOT / ".chalice" / "config.json").read_text())
    timeout = config["lambda_functions"]["api_handler"]["lambda_timeout"]
    assert timeout == API_LAMBDA_TIMEOUT < API_GATEWAY_TIMEOUT
    assert timeout >= API_BUDGET + ATTEMPT_SECONDS  # attempts end within the budget; the rest is margin


def test_chalice_config_turns_off_the_generated_policy() -> None:
    config = yaml.safe_load((ROOT / ".chalice" / "config.json").read_text())
    assert config["autogen_policy"] is False
    assert set(config["stages"]) >= {"local", "dev", "prod"}


def test_due_index_is_keyed_by_shard_and_next_due() -> None:
    table = resources_of_type("AWS::DynamoDB::Table")["ComplaintsTable"]
    indexes = {index["IndexName"]: index for index in table["GlobalSecondaryIndexes"]}
    assert [k["AttributeName"] for k in indexes["due"]["KeySchema"]] == ["due_shard", "next_due"]
    assert template()["Resources"]["ComplaintsTable"]["DeletionPolicy"] == "Retain"


# ----- watching the watcher -----


def _alarms() -> dict[str, dict[str, Any]]:
    return resources_of_type("AWS::CloudWatch::Alarm")


def _scheduled_functions() -> list[str]:
    """The functions EventBridge invokes (asynchronously); an SQS consumer is invoked synchronously by its event
    source mapping, so an on-failure destination does not apply to it: its failures end in a dead-letter queue."""
    from chalice.app import ScheduledEventConfig

    import app as application

    return [
        "".join(part.capitalize() for part in source.name.split("_"))
        for source in application.app.event_sources
        if isinstance(source, ScheduledEventConfig)
    ]


def test_every_scheduled_function_has_an_on_failure_queue_and_an_errors_alarm() -> None:
    functions = template()["Resources"]
    watched = {
        alarm["Dimensions"][0]["Value"]["Ref"] for alarm in _alarms().values() if alarm.get("MetricName") == "Errors"
    }
    for name in _scheduled_functions():
        config = functions[name]["Properties"]["EventInvokeConfig"]
        assert config["DestinationConfig"]["OnFailure"] == {
            "Type": "SQS",
            "Destination": {"Fn::GetAtt": ["FailedInvocationsQueue", "Arn"]},
        }
        assert name in watched
    depth = _alarms()["FailedInvocationsAlarm"]
    assert depth["MetricName"] == "ApproximateNumberOfMessagesVisible"
    assert depth["Dimensions"] == [
        {"Name": "QueueName", "Value": {"Fn::GetAtt": ["FailedInvocationsQueue", "QueueName"]}}
    ]


def test_every_alarm_reaches_the_ops_topic() -> None:
    for name, alarm in _alarms().items():
        assert alarm["AlarmActions"] == [{"Ref": "OpsTopic"}], name


def test_the_scan_heartbeat_fires_when_no_scan_completes_in_five_minutes() -> None:
    heartbeat = _alarms()["ScanHeartbeatAlarm"]
    assert (heartbeat["Namespace"], heartbeat["MetricName"]) == ("ComplaintSlaMonitor", "ScansCompleted")
    assert heartbeat["Dimensions"] == [{"Name": "service", "Value": "complaint-sla-monitor"}]
    assert (heartbeat["Period"] * heartbeat["EvaluationPeriods"], heartbeat["Statistic"]) == (300, "Sum")
    assert (heartbeat["ComparisonOperator"], heartbeat["Threshold"]) == ("LessThanThreshold", 1)
    assert heartbeat["TreatMissingData"] == "breaching"


def test_pending_notices_older_than_ten_minutes_and_api_5xx_are_alarmed() -> None:
    pending = _alarms()["PendingNoticesAlarm"]
    assert (pending["MetricName"], pending["Statistic"], pending["Threshold"]) == (
        "OldestPendingNoticeAge",
        "Maximum",
        600,
    )
    api = _alarms()["Api5xxAlarm"]
    assert (api["Namespace"], api["MetricName"]) == ("AWS/ApiGateway", "5XXError")
    assert api["Dimensions"][0]["Value"] == template()["Resources"]["RestAPI"]["Properties"]["Name"]


def test_throttling_is_watched_on_the_table_and_every_index_with_dimensions_that_get_data() -> None:
    table = resources_of_type("AWS::DynamoDB::Table")["ComplaintsTable"]
    indexes = {index["IndexName"] for index in table["GlobalSecondaryIndexes"]}
    watched = set()
    for query in _alarms()["TableThrottleAlarm"]["Metrics"]:
        if "MetricStat" not in query:
            continue
        metric = query["MetricStat"]["Metric"]
        assert metric["MetricName"] in ("ReadThrottleEvents", "WriteThrottleEvents")
        names = {d["Name"]: d["Value"] for d in metric["Dimensions"]}
        watched.add((metric["MetricName"], names.get("GlobalSecondaryIndexName", "table")))
    assert watched == {
        (kind, where) for kind in ("ReadThrottleEvents", "WriteThrottleEvents") for where in {"table", *indexes}
    }


def test_the_ops_topic_is_encrypted_with_a_key_cloudwatch_may_use_and_can_reach_a_person() -> None:
    resources = template()["Resources"]
    assert resources["OpsTopic"]["Properties"]["KmsMasterKeyId"] == {"Ref": "OpsKey"}
    statements = resources["OpsKey"]["Properties"]["KeyPolicy"]["Statement"]
    cloudwatch = [s for s in statements if s["Principal"] == {"Service": "cloudwatch.amazonaws.com"}]
    assert cloudwatch
    assert set(cloudwatch[0]["Action"]) == {"kms:Decrypt", "kms:GenerateDataKey*"}
    subscription = resources["OpsEmailSubscription"]
    assert subscription["Condition"] == "HasOpsEmail"
    assert subscription["Properties"]["Endpoint"] == {"Ref": "OpsEmail"}
    assert "OpsEmail" in template()["Parameters"]


# ----- the relay -----


def test_the_relay_reads_a_queue_subscribed_raw_to_the_alerts_topic_with_a_dead_letter_queue() -> None:
    resources = template()["Resources"]
    queue = resources["RelayQueue"]["Properties"]
    assert queue["RedrivePolicy"]["deadLetterTargetArn"] == {"Fn::GetAtt": ["RelayDeadLetterQueue", "Arn"]}
    assert queue["RedrivePolicy"]["maxReceiveCount"] >= 5
    assert queue["VisibilityTimeout"] >= 6 * 60  # at least 6x the function's timeout (60 s)
    subscription = resources["RelaySubscription"]["Properties"]
    assert subscription["TopicArn"] == {"Ref": "AlertsTopic"}
    assert (subscription["Protocol"], subscription["RawMessageDelivery"]) == ("sqs", True)
    assert subscription["Endpoint"] == {"Fn::GetAtt": ["RelayQueue", "Arn"]}
    assert "Condition" not in resources["RelaySubscription"]
    statement = resources["RelayQueuePolicy"]["Properties"]["PolicyDocument"]["Statement"][0]
    assert statement["Condition"]["ArnEquals"]["aws:SourceArn"] == {"Ref": "AlertsTopic"}


def test_the_relay_reports_partial_batch_failures_and_its_dead_letters_are_alarmed() -> None:
    resources = template()["Resources"]
    source = resources["RelayNotices"]["Properties"]["Events"]["RelayNoticesSqsEventSource"]["Properties"]
    assert source["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    assert source["Queue"] == {"Fn::Sub": "${RelayQueue.Arn}"}
    alarm = _alarms()["RelayDeadLettersAlarm"]
    assert alarm["Dimensions"] == [
        {"Name": "QueueName", "Value": {"Fn::GetAtt": ["RelayDeadLetterQueue", "QueueName"]}}
    ]
    assert (alarm["MetricName"], alarm["Threshold"]) == ("ApproximateNumberOfMessagesVisible", 1)
    errors = _alarms()["RelayNoticesErrorsAlarm"]
    assert errors["Dimensions"] == [{"Name": "FunctionName", "Value": {"Ref": "RelayNotices"}}]
    [relay_policy] = resources["RelayNoticesRole"]["Properties"]["Policies"]
    [queue] = [s for s in relay_policy["PolicyDocument"]["Statement"] if s["Sid"] == "RelayQueue"]
    assert queue["Resource"] == [{"Fn::GetAtt": ["RelayQueue", "Arn"]}]
    assert set(queue["Action"]) == {
        "sqs:ReceiveMessage",
        "sqs:DeleteMessage",
        "sqs:GetQueueAttributes",
        "sqs:ChangeMessageVisibility",
    }


# ----- precision timers -----


def test_the_timers_queue_delays_messages_to_a_consumer_with_its_own_policy_and_alarmed_dead_letters() -> None:
    resources = template()["Resources"]
    queue = resources["TimerQueue"]["Properties"]
    assert queue["RedrivePolicy"]["deadLetterTargetArn"] == {"Fn::GetAtt": ["TimerDeadLetterQueue", "Arn"]}
    assert queue["VisibilityTimeout"] >= 6 * 60
    source = resources["FireTimers"]["Properties"]["Events"]["FireTimersSqsEventSource"]["Properties"]
    assert source["Queue"] == {"Fn::Sub": "${TimerQueue.Arn}"}
    assert template()["Globals"]["Function"]["Environment"]["Variables"]["TIMER_QUEUE_URL"] == {"Ref": "TimerQueue"}
    alarm = _alarms()["TimerDeadLettersAlarm"]
    assert alarm["Dimensions"] == [
        {"Name": "QueueName", "Value": {"Fn::GetAtt": ["TimerDeadLetterQueue", "QueueName"]}}
    ]
    errors = _alarms()["FireTimersErrorsAlarm"]
    assert errors["Dimensions"] == [{"Name": "FunctionName", "Value": {"Ref": "FireTimers"}}]
    arming = {}
    for role in ("ApiHandlerRole", "ScanDueRole", "FireTimersRole"):
        [policy] = resources[role]["Properties"]["Policies"]
        arming[role] = {
            action
            for statement in policy["PolicyDocument"]["Statement"]
            if statement["Resource"] == [{"Fn::GetAtt": ["TimerQueue", "Arn"]}]
            for action in statement["Action"]
        }
    assert arming["ApiHandlerRole"] == arming["ScanDueRole"] == {"sqs:SendMessage"}
    assert arming["FireTimersRole"] == {
        "sqs:ReceiveMessage",
        "sqs:DeleteMessage",
        "sqs:GetQueueAttributes",
        "sqs:SendMessage",
    }
