"""The relay against local HTTP receivers (127.0.0.1), on moto: webhook -> scan -> SNS -> RelayQueue (raw) ->
relay_notices (polled as Lambda's event source mapping would) -> each channel kind's request, checked against the
vendor's documentation (cited per test); exactly once under duplicate SQS deliveries; a failing channel retried
alone; dead letters after the queue's maxReceiveCount; resolves from the staff workflow."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading
import urllib.parse
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from chalice.local import LambdaContext
from standardwebhooks.webhooks import Webhook

from chalicelib.domain.links import short_code
from infra.definitions import LocalResources, resources_of_type
from infra.relay_poller import Polled, lambda_event, poll_once
from tests.conftest import STAFF, World
from tests.intake import URGENT
from tests.integration.helpers import invoke, minutes_ago, post
from tests.receivers import Receiver, receiving

NOW = datetime.now(UTC).replace(microsecond=0)
PAGERDUTY_KEY = "R0UTINGKEY000000000000000000000X"
WEBHOOK_SECRET = "whsec_" + base64.b64encode(b"relay-test-secret-32-bytes-long!").decode()
DINGTALK_SECRET = "SECrelaytestsecret"
FEISHU_SECRET = "feishu-relay-secret"
KINDS = ("wecom", "dingtalk", "feishu", "slack", "pagerduty", "webhook")


def channels_yaml(receiver: Receiver, **filters: str) -> str:
    secrets = {"dingtalk": "DT_SECRET", "feishu": "FS_SECRET", "pagerduty": "PD_KEY", "webhook": "HOOK_SECRET"}
    lines = ["channels:"]
    for kind in KINDS:
        lines += [f"  - name: {kind}-channel", f"    kind: {kind}", f"    url: {receiver.url('/' + kind)}"]
        if kind in secrets:
            lines.append(f"    secret_env: {secrets[kind]}")
        if kind in filters:
            lines.append(f"    {filters[kind]}")
    return "\n".join(lines) + "\n"


@pytest.fixture
def receiver() -> Any:
    with receiving() as running:
        yield running


def use_channels(world: World, text: str, tmp_path: Path) -> None:
    """The app with this channels file, its variables set as the environment would hold them."""
    path = tmp_path / "channels.yaml"
    path.write_text(text, encoding="utf-8")
    values = {"DT_SECRET": DINGTALK_SECRET, "FS_SECRET": FEISHU_SECRET, "PD_KEY": PAGERDUTY_KEY}
    world.reconfigure(channels_file=path, channel_values={**values, "HOOK_SECRET": WEBHOOK_SECRET})


@pytest.fixture
def channels(world: World, receiver: Receiver, tmp_path: Path) -> Receiver:
    use_channels(world, channels_yaml(receiver), tmp_path)
    return receiver


def scan(api: Any, world: World, at: datetime) -> None:
    world.at(at)
    invoke(api, "scan_due")


def relay(aws: LocalResources) -> Polled:
    """One poll of RelayQueue handed to the relay function, as the event source mapping does."""
    import app as application

    sqs = boto3.client("sqs", region_name="us-east-1")
    context = LambdaContext("relay_notices", 512, max_runtime_ms=60_000)
    return poll_once(sqs, aws.queues["RelayQueue"], application.relay_notices, context, wait_seconds=0)


def time_passes(aws: LocalResources, polled: Polled) -> None:
    """The backoff of the failed messages is over: they are visible again."""
    sqs = boto3.client("sqs", region_name="us-east-1")
    for message_id in polled.failed:
        sqs.change_message_visibility(
            QueueUrl=aws.queues["RelayQueue"], ReceiptHandle=polled.receipts[message_id], VisibilityTimeout=0
        )


def respond(api: Any, complaint_id: str) -> None:
    body = json.dumps({"type": "respond", "by": "li.lei"}).encode()
    response = api.http.post(
        f"/complaints/{complaint_id}/events", headers={"Content-Type": "application/json", **STAFF}, body=body
    )
    assert response.status_code == 200, response.body


def minor_breach(api: Any, world: World, aws: LocalResources) -> str:
    """An urgent complaint 45 minutes old (first response: a minor breach, to on call and the regional manager),
    scanned and relayed."""
    complaint_id = post(api, minutes_ago(NOW, 45))
    scan(api, world, NOW)
    polled = relay(aws)
    assert len(polled.received) == 2
    assert polled.failed == []
    return complaint_id


# ---- each vendor's request, as its documentation describes it ---------------------------------------------------


def test_each_channel_gets_one_message_per_level_however_many_audiences_heard_of_it(
    api: Any, world: World, aws: LocalResources, channels: Receiver
) -> None:
    minor_breach(api, world, aws)
    assert sorted(r.path for r in channels.requests) == sorted(f"/{kind}" for kind in KINDS)
    assert relay(aws).received == []


def test_wecom_gets_a_markdown_message(api: Any, world: World, aws: LocalResources, channels: Receiver) -> None:
    """https://developer.work.weixin.qq.com/document/path/91770: {"msgtype": "markdown", "markdown": {"content"}},
    content at most 4096 bytes of UTF-8; `<font color="warning">` is one of the three documented colours."""
    complaint_id = minor_breach(api, world, aws)
    [request] = channels.at("/wecom")
    body = request.json()
    assert set(body) == {"msgtype", "markdown"}
    assert body["msgtype"] == "markdown"
    content = body["markdown"]["content"]
    assert len(content.encode("utf-8")) <= 4096
    assert content.startswith('### <font color="warning">【轻微违约】首次响应</font>\n')
    assert "> 优先级：紧急" in content
    assert f"[查看投诉](http://127.0.0.1:8000/console/complaints/{complaint_id})" in content
    assert request.headers["content-type"].startswith("application/json")


def test_dingtalk_gets_a_markdown_message_signed_with_timestamp_and_sign(
    api: Any, world: World, aws: LocalResources, channels: Receiver
) -> None:
    """https://open.dingtalk.com/document/robots/customize-robot-security-settings: timestamp in milliseconds
    (within an hour), sign = urlencode(base64(HmacSHA256(secret, timestamp + "\\n" + secret))) in the query;
    https://open.dingtalk.com/document/orgapp/custom-robots-send-group-messages: markdown has title and text."""
    minor_breach(api, world, aws)
    [request] = channels.at("/dingtalk")
    timestamp = request.query["timestamp"][0]
    assert abs(int(timestamp) - datetime.now(UTC).timestamp() * 1000) < 3_600_000
    string_to_sign = f"{timestamp}\n{DINGTALK_SECRET}".encode()
    expected = base64.b64encode(hmac.new(DINGTALK_SECRET.encode(), string_to_sign, hashlib.sha256).digest()).decode()
    assert request.query["sign"] == [expected]  # parse_qs undid the URL encoding
    body = request.json()
    assert body["msgtype"] == "markdown"
    assert body["markdown"]["title"] == "【轻微违约】首次响应时限超时15分钟：客服没有回电话"
    assert body["markdown"]["text"].startswith("#### 【轻微违约】首次响应\n")


def test_feishu_gets_a_post_signed_in_the_body(api: Any, world: World, aws: LocalResources, channels: Receiver) -> None:
    """https://open.feishu.cn/document/client-docs/bot-v3/add-custom-bot: timestamp in seconds and sign =
    base64(HmacSHA256 keyed by timestamp + "\\n" + secret over an empty message), both in the JSON body;
    msg_type post with content.post.zh_cn.{title, content: [[{tag: text|a, ...}]]}."""
    complaint_id = minor_breach(api, world, aws)
    [request] = channels.at("/feishu")
    body = request.json()
    timestamp = body["timestamp"]
    assert abs(int(timestamp) - datetime.now(UTC).timestamp()) < 3600
    key = f"{timestamp}\n{FEISHU_SECRET}".encode()
    assert body["sign"] == base64.b64encode(hmac.new(key, digestmod=hashlib.sha256).digest()).decode()
    assert body["msg_type"] == "post"
    post_body = body["content"]["post"]["zh_cn"]
    assert post_body["title"] == "【轻微违约】首次响应时限超时15分钟：客服没有回电话"
    tags = [element["tag"] for row in post_body["content"] for element in row]
    assert set(tags) == {"text", "a"}
    assert post_body["content"][-1] == [
        {"tag": "a", "text": "查看投诉", "href": f"http://127.0.0.1:8000/console/complaints/{complaint_id}"}
    ]


def test_slack_gets_blocks_with_a_text_fallback(
    api: Any, world: World, aws: LocalResources, channels: Receiver
) -> None:
    """https://api.slack.com/messaging/webhooks: {"text": fallback, "blocks": [...]};
    https://api.slack.com/reference/block-kit/blocks: a header's plain_text at most 150 characters, a section's
    text at most 3000, an actions block with a button whose url opens the page."""
    complaint_id = minor_breach(api, world, aws)
    [request] = channels.at("/slack")
    body = request.json()
    assert body["text"] == "【轻微违约】首次响应时限超时15分钟：客服没有回电话"
    assert [block["type"] for block in body["blocks"]] == ["header", "section", "section", "actions"]
    assert body["blocks"][0]["text"] == {"type": "plain_text", "text": "【轻微违约】首次响应", "emoji": False}
    assert all(len(b["text"]["text"]) <= 3000 for b in body["blocks"] if b["type"] == "section")
    button = body["blocks"][-1]["elements"][0]
    assert button["url"] == f"http://127.0.0.1:8000/console/complaints/{complaint_id}"


def test_pagerduty_gets_a_trigger_per_clock_cycle(
    api: Any, world: World, aws: LocalResources, channels: Receiver
) -> None:
    """https://developer.pagerduty.com/docs/events-api-v2/trigger-events/: routing_key, event_action trigger,
    dedup_key, payload.{summary (at most 1024 characters), source, severity in critical|error|warning|info}, links;
    what the on-call person reads (component, group, class, client) in words of the policy's language."""
    complaint_id = minor_breach(api, world, aws)
    [request] = channels.at("/pagerduty")
    event = request.json()
    assert event["routing_key"] == PAGERDUTY_KEY
    assert event["event_action"] == "trigger"
    assert event["dedup_key"] == f"{complaint_id}.first_response.1"
    payload = event["payload"]
    assert payload["severity"] == "error"
    assert len(payload["summary"]) <= 1024
    assert payload["summary"].startswith("投诉「客服没有回电话」的首次响应时限已轻微违约")
    assert payload["source"] == "127.0.0.1"
    assert (payload["component"], payload["group"], payload["class"]) == ("首次响应", "服务", "轻微违约")
    assert event["client"] == "投诉时限监控"
    assert event["links"] == [{"href": f"http://127.0.0.1:8000/console/complaints/{complaint_id}", "text": "查看投诉"}]


def test_the_webhook_gets_the_json_notice_signed_the_standard_webhooks_way(
    api: Any, world: World, aws: LocalResources, channels: Receiver
) -> None:
    """https://github.com/standard-webhooks/standard-webhooks/blob/main/spec/standard-webhooks.md: webhook-id,
    webhook-timestamp (Unix seconds), webhook-signature v1,<base64>, verified here by the `standardwebhooks`
    package with the channel's secret."""
    complaint_id = minor_breach(api, world, aws)
    [request] = channels.at("/webhook")
    notice = Webhook(WEBHOOK_SECRET).verify(request.body, request.headers)
    assert request.headers["webhook-id"] == notice["notice_id"]
    assert (notice["complaint_id"], notice["level"], notice["type"]) == (complaint_id, "minor", "breach")
    assert notice["subject"] == "客服没有回电话"
    with pytest.raises(Exception, match="No matching signature"):
        Webhook("whsec_" + base64.b64encode(b"another-secret-of-32-bytes-long!").decode()).verify(
            request.body, request.headers
        )


def test_no_customer_contact_detail_leaves_the_system(
    api: Any, world: World, aws: LocalResources, channels: Receiver
) -> None:
    complaint_id = post(api, minutes_ago(NOW, 45), subject="张三说 13800138000 一直没人回, 邮件 zhang.san@example.com")
    scan(api, world, NOW)
    relay(aws)
    respond(api, complaint_id)
    relay(aws)
    assert len(channels.requests) == 2 * len(KINDS)
    everything = "\n".join(r.body.decode("utf-8") + json.dumps(r.query) for r in channels.requests)
    assert "***说 *** 一直没人回, 邮件 ***" in everything  # the name, the phone and the email masked
    for detail in (URGENT["customer_name"], URGENT["customer_email"], URGENT["customer_phone"]):
        assert detail not in everything


# ---- PagerDuty's lifecycle, and resolves from the workflow ------------------------------------------------------


def test_a_respond_resolves_the_pagerduty_incident_it_triggered(
    api: Any, world: World, aws: LocalResources, channels: Receiver
) -> None:
    complaint_id = minor_breach(api, world, aws)
    respond(api, complaint_id)
    polled = relay(aws)
    # resolved: one per audience that heard of the cycle (a level's audiences and those of the levels below it)
    assert (len(polled.received), polled.failed) == (3, [])
    events = [r.json() for r in channels.at("/pagerduty")]
    assert [e["event_action"] for e in events] == ["trigger", "resolve"]
    assert events[1] == {
        "routing_key": PAGERDUTY_KEY,
        "dedup_key": f"{complaint_id}.first_response.1",
        "event_action": "resolve",
    }
    [_, chat] = channels.at("/wecom")
    assert chat.json()["markdown"]["content"].startswith('### <font color="info">【已恢复】首次响应</font>\n')
    assert "已完成，但超时 15 分钟" in chat.json()["markdown"]["content"]
    assert relay(aws).received == []


def test_a_resolved_cycle_that_was_only_warned_does_not_page(
    api: Any, world: World, aws: LocalResources, receiver: Receiver, tmp_path: Path
) -> None:
    """A pager filtered to breaches hears neither the warning nor its resolve; the chat group hears both."""
    use_channels(world, channels_yaml(receiver, pagerduty="levels: [minor, major, escalation]"), tmp_path)
    complaint_id = post(api, minutes_ago(NOW, 25))
    scan(api, world, NOW)
    relay(aws)
    respond(api, complaint_id)
    relay(aws)
    assert receiver.at("/pagerduty") == []
    texts = [r.json()["markdown"]["content"] for r in receiver.at("/wecom")]
    assert [text.split("\n")[0] for text in texts] == [
        '### <font color="comment">【预警】首次响应</font>',
        '### <font color="info">【已恢复】首次响应</font>',
    ]
    assert "已按时完成" in texts[1]


def test_a_resolve_whose_publish_fails_is_published_by_the_next_scan(
    api: Any, world: World, aws: LocalResources, channels: Receiver
) -> None:
    complaint_id = minor_breach(api, world, aws)
    sns = world.aws.sns

    def refuse(**_: Any) -> None:
        raise ClientError({"Error": {"Code": "InternalError", "Message": "down"}}, "PublishBatch")

    sns.meta.events.register("before-call.sns.PublishBatch", refuse)
    try:
        respond(api, complaint_id)  # the event is stored; its resolved notices wait as pending notices
    finally:
        sns.meta.events.unregister("before-call.sns.PublishBatch", refuse)
    assert relay(aws).received == []
    scan(api, world, NOW + timedelta(minutes=1))
    relay(aws)
    assert [r.json()["event_action"] for r in channels.at("/pagerduty")] == ["trigger", "resolve"]
    scan(api, world, NOW + timedelta(minutes=10))
    assert relay(aws).received == []


def test_a_resolve_survives_a_run_that_dies_before_publishing_it(
    api: Any, world: World, aws: LocalResources, channels: Receiver
) -> None:
    """The resolved notices are stored with the event, in its transaction: a run killed right after it (here, in
    the publish) leaves them pending, and a scan publishes them once their lease has run out."""
    complaint_id = minor_breach(api, world, aws)
    sns = world.aws.sns

    def die(**_: Any) -> None:
        raise SystemError("the function was killed")

    sns.meta.events.register("before-call.sns.PublishBatch", die)
    try:
        body = json.dumps({"type": "respond", "by": "li.lei"}).encode()
        api.http.post(
            f"/complaints/{complaint_id}/events", headers={"Content-Type": "application/json", **STAFF}, body=body
        )
    finally:
        sns.meta.events.unregister("before-call.sns.PublishBatch", die)
    shown = json.loads(api.http.get(f"/complaints/{complaint_id}", headers=STAFF).body)
    assert shown["clocks"]["first_response"]["state"] == "breached"  # the event was stored
    scan(api, world, NOW + timedelta(minutes=1))
    assert relay(aws).received == []  # still leased to the run that died
    scan(api, world, NOW + timedelta(minutes=6))
    relay(aws)
    assert [r.json()["event_action"] for r in channels.at("/pagerduty")] == ["trigger", "resolve"]


def test_a_breach_that_arrives_after_its_resolve_is_not_sent(
    api: Any, world: World, aws: LocalResources, channels: Receiver
) -> None:
    """The scan's publish fails, staff respond (the resolve goes out), then the scan retries the breach: the pager
    must not be left with an incident nobody will resolve."""
    complaint_id = post(api, minutes_ago(NOW, 45))
    sns = world.aws.sns

    def refuse(**_: Any) -> None:
        raise ClientError({"Error": {"Code": "InternalError", "Message": "down"}}, "PublishBatch")

    sns.meta.events.register("before-call.sns.PublishBatch", refuse)
    try:
        scan(api, world, NOW)
    finally:
        sns.meta.events.unregister("before-call.sns.PublishBatch", refuse)
    respond(api, complaint_id)
    relay(aws)
    scan(api, world, NOW + timedelta(minutes=1))
    polled = relay(aws)
    assert (len(polled.received), polled.failed) == (2, [])
    assert [r.json()["event_action"] for r in channels.at("/pagerduty")] == ["resolve"]


# ---- exactly once, failures, dead letters ------------------------------------------------------------------------


def test_a_duplicated_sqs_delivery_reaches_each_channel_once(
    api: Any, world: World, aws: LocalResources, channels: Receiver
) -> None:
    import app as application

    post(api, minutes_ago(NOW, 45))
    scan(api, world, NOW)
    sqs = boto3.client("sqs", region_name="us-east-1")
    got = sqs.receive_message(QueueUrl=aws.queues["RelayQueue"], MaxNumberOfMessages=10, AttributeNames=["All"])
    messages = got["Messages"]
    assert len(messages) == 2
    queue_arn = "arn:aws:sqs:us-east-1:123456789012:RelayQueue"
    event = lambda_event(list(messages), queue_arn, "us-east-1")  # type: ignore[arg-type]
    answers: list[Any] = []

    def deliver() -> None:  # the same batch, delivered to two invocations at once
        context = LambdaContext("relay_notices", 512, max_runtime_ms=60_000)
        answers.append(application.relay_notices(event, context))

    threads = [threading.Thread(target=deliver) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    context = LambdaContext("relay_notices", 512, max_runtime_ms=60_000)
    answers.append(application.relay_notices(event, context))  # and once more afterwards
    assert sorted(r.path for r in channels.requests) == sorted(f"/{kind}" for kind in KINDS)
    assert answers[-1] == {"batchItemFailures": []}


def test_a_failing_channel_is_retried_without_resending_to_the_working_ones(
    api: Any, world: World, aws: LocalResources, channels: Receiver
) -> None:
    channels.script("/pagerduty", 500, b'{"status":"error"}')
    post(api, minutes_ago(NOW, 45))
    scan(api, world, NOW)
    first = relay(aws)
    assert len(first.failed) == 1  # the message that carried the delivery; the other audience's one is done
    assert len(channels.at("/pagerduty")) == 1
    assert relay(aws).received == []  # held back for its backoff
    time_passes(aws, first)
    second = relay(aws)
    assert (second.received, second.failed) == (first.failed, [])
    assert [r.path for r in channels.requests].count("/pagerduty") == 2
    for kind in ("wecom", "dingtalk", "feishu", "slack", "webhook"):
        assert len(channels.at(f"/{kind}")) == 1, kind


def test_a_throttled_channel_waits_as_long_as_its_vendor_asks(
    api: Any, world: World, aws: LocalResources, channels: Receiver
) -> None:
    """DingTalk throttles a robot for 10 minutes after 20 messages a minute (errcode 410100,
    https://open.dingtalk.com/document/orgapp/custom-robots-send-group-messages); Slack answers 429 with
    Retry-After (https://docs.slack.dev/apis/web-api/rate-limits)."""
    from chalicelib.services.relay import RelayMessage

    channels.script("/dingtalk", 200, b'{"errcode":410100,"errmsg":"send too fast"}')
    channels.script("/slack", 429, b"rate_limited", {"Retry-After": "30"})
    post(api, minutes_ago(NOW, 45))
    scan(api, world, NOW)
    sqs = boto3.client("sqs", region_name="us-east-1")
    got = sqs.receive_message(QueueUrl=aws.queues["RelayQueue"], MaxNumberOfMessages=10, AttributeNames=["All"])
    arn = "arn:aws:sqs:us-east-1:123456789012:RelayQueue"
    records = lambda_event(got["Messages"], arn, "us-east-1")["Records"]  # type: ignore[arg-type]
    report = world.services.relay.handle([RelayMessage.from_record(r) for r in records], NOW, lambda: 60.0)
    reasons = {channel: reason for _, channel, reason in report.failures}
    assert reasons == {"dingtalk-channel": "errcode 410100", "slack-channel": "HTTP 429"}
    assert list(report.delays.values()) == [600]


def test_a_channel_that_keeps_failing_sends_its_message_to_the_dead_letter_queue(
    api: Any, world: World, aws: LocalResources, channels: Receiver
) -> None:
    limit = resources_of_type("AWS::SQS::Queue")["RelayQueue"]["RedrivePolicy"]["maxReceiveCount"]
    channels.script("/pagerduty", 503, times=limit + 5)
    post(api, minutes_ago(NOW, 45))
    scan(api, world, NOW)
    for _ in range(limit + 1):
        polled = relay(aws)
        time_passes(aws, polled)
    sqs = boto3.client("sqs", region_name="us-east-1")
    dead = sqs.receive_message(QueueUrl=aws.queues["RelayDeadLetterQueue"], MaxNumberOfMessages=10)["Messages"]
    assert len(dead) == 1
    assert json.loads(dead[0]["Body"])["clock"] == "first_response"
    assert len(channels.at("/pagerduty")) == limit
    assert len(channels.at("/webhook")) == 1


def test_a_hanging_channel_does_not_hold_back_the_others(
    api: Any, world: World, aws: LocalResources, channels: Receiver
) -> None:
    from chalicelib.adapters.http_sender import Urllib3Sender
    from chalicelib.services.relay import Relay, RelayMessage

    quick = Relay(
        world.services.relay.channels,
        world.adapters.claims,
        Urllib3Sender(connect_timeout=2.0, read_timeout=2.0),
        "zh-CN",
    )

    def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
        messages = [RelayMessage.from_record(record) for record in event["Records"]]
        return {"batchItemFailures": quick.handle(messages, NOW, lambda: 60.0).batch_item_failures()}

    channels.script("/feishu", 200, b'{"code":0}', delay=6.0, times=3)
    post(api, minutes_ago(NOW, 45))
    post(api, minutes_ago(NOW, 46))
    scan(api, world, NOW)
    sqs = boto3.client("sqs", region_name="us-east-1")
    polled = poll_once(sqs, aws.queues["RelayQueue"], handler, None, wait_seconds=0)
    assert len(polled.received) == 4
    assert len(channels.at("/feishu")) == 1  # tried once, then left alone for the rest of the batch
    for kind in ("wecom", "dingtalk", "slack", "pagerduty", "webhook"):
        assert len(channels.at(f"/{kind}")) == 2, kind
    assert len(polled.failed) == 2
    hanging = channels.at("/feishu")[0].at
    for request in channels.requests:  # served side by side: none waited for the hanging one's 2 s timeout
        assert request.at - hanging < 1.5, request.path


def test_the_sns_message_has_a_text_per_protocol(api: Any, world: World, aws: LocalResources) -> None:
    """MessageStructure=json (https://docs.aws.amazon.com/sns/latest/api/API_Publish.html): `default` the JSON
    notice, `email` text in words, `sms` one segment; the Subject in words, under 100 characters."""
    from moto.core.models import DEFAULT_ACCOUNT_ID
    from moto.sns.models import sns_backends

    complaint_id = post(api, minutes_ago(NOW, 45))
    scan(api, world, NOW)
    topic = sns_backends[DEFAULT_ACCOUNT_ID]["us-east-1"].topics[aws.topics["AlertsTopic"]]
    [(_, message, subject, attributes, _), _] = topic.sent_notifications
    structured = json.loads(message)
    assert set(structured) == {"default", "email", "sms"}
    notice = json.loads(structured["default"])
    assert notice["complaint_id"] == complaint_id
    assert subject == "【轻微违约】首次响应时限超时15分钟：客服没有回电话"
    email = structured["email"]
    assert email.startswith("投诉「客服没有回电话」的首次响应时限已轻微违约：截止 ")
    assert "，已超时 15 分钟。" in email
    assert "负责人：未指派" in email
    assert f"查看和处理：http://127.0.0.1:8000/console/complaints/{complaint_id}" in email
    sms = structured["sms"]
    assert sms == f"轻微违约：紧急投诉首次响应超时15分钟 http://127.0.0.1:8000/c/{short_code(complaint_id)}"
    assert len(sms) <= 70
    redirect = api.http.get(urllib.parse.urlsplit(sms.rsplit(" ", 1)[1]).path)
    assert (redirect.status_code, redirect.headers["Location"]) == (
        302,
        f"http://127.0.0.1:8000/console/complaints/{complaint_id}",
    )
    assert attributes is not None
    assert attributes["type"] == {"Type": "String", "Value": "breach"}


def test_a_storm_roll_up_reaches_email_and_sms_and_each_channel_but_the_pager_once(
    world: World, aws: LocalResources, channels: Receiver
) -> None:
    """The relay's subscription takes notices and roll-ups (`kind: [notice, rollup]`): the chat channels and the
    webhook hear once of what a window held back; a pager takes no roll-up (it is no incident)."""
    from chalicelib.adapters.sns import SnsNotifier
    from chalicelib.domain.notices import rollup, window_of
    from chalicelib.domain.vocabulary import Audience, Level
    from tests.integration.helpers import received, subscribe

    everything = subscribe(aws.topics["AlertsTopic"], "every-subscriber")
    window = window_of(Audience.ON_CALL, NOW, 300)
    message = rollup(
        window,
        3,
        {Level.MINOR: 3},
        ["a1", "a2", "a3"],
        {"clocks": ["first_response"]},
        world.services.policies.display.tz,
        "zh-CN",
        "http://127.0.0.1:8000/console",
    )
    assert SnsNotifier(boto3.client("sns", region_name="us-east-1"), aws.topics["AlertsTopic"]).publish_rollup(message)
    [envelope] = received(everything)
    assert json.loads(envelope["Message"])["kind"] == "rollup"
    polled = relay(aws)
    assert (len(polled.received), polled.failed) == (1, [])
    assert sorted(r.path for r in channels.requests) == sorted(f"/{kind}" for kind in KINDS if kind != "pagerduty")
    [hook] = [r for r in channels.requests if r.path == "/webhook"]
    assert hook.headers["webhook-id"] == message.rollup_id
    [wecom] = [r for r in channels.requests if r.path == "/wecom"]
    assert "【提醒汇总】值班人员" in json.loads(wecom.body)["markdown"]["content"]
    assert relay(aws).received == []
