"""Storm-control windows on DynamoDB (the `NoticeWindows` port): one item per audience and window holds the slots
taken for individual notices (a conditional ADD, refused at the limit) and what the window's roll-up counts
(count, by level, the complaints of the first 50, the categories, priorities and clocks among them). A notice
joins the roll-up in one transaction with its own item's change from pending to rolled up, so it is counted once
and never also sent on its own. Once the window is over the item sits in the due index until the scanner leases
it (closing it to new notices) and publishes the roll-up. Takes a boto3 DynamoDB client."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from chalicelib.adapters import dynamo, keys
from chalicelib.domain.errors import Unavailable
from chalicelib.domain.notices import ROLLUP_IDS, Notice, Window
from chalicelib.ports import DueRollUp, RolledUp, Tally

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.client import DynamoDBClient

KEPT = timedelta(days=7)
"""How long after its end a window's item is kept (its TTL)."""
BATCH = 99
"""Notices per transaction, beside the window's own item (100 items at most)."""
FACETS = {"categories": "category", "priorities": "priority", "clocks": "about"}  # about: the clock (or event)
_WINDOW = "window"


def level_attribute(level: str) -> str:
    return f"level_{level}"


def tally_of(values: dict[str, Any]) -> Tally:
    """What a window item's roll-up counts."""
    by_level = {
        name.removeprefix("level_"): int(value)
        for name, value in values.items()
        if name.startswith("level_") and int(value)
    }
    facets = {facet: sorted(values.get(facet) or ()) for facet in FACETS}
    return Tally(int(values.get("count", 0)), by_level, list(values.get("ids") or []), facets)


@dataclass(eq=False)
class DynamoNoticeWindows:
    """Slots, roll-ups and their delivery, per audience and window."""

    client: DynamoDBClient
    table_name: str
    shards: int
    attempts: int = 3
    named_in_full: set[tuple[str, datetime]] = field(default_factory=set, init=False, repr=False)
    """Windows whose roll-up names all the complaints it can (`ROLLUP_IDS`), a fact that never changes back: a
    notice joins them without reading the window first (its write's condition still decides)."""

    def _identity(self, window: Window) -> dict[str, Any]:
        return {
            ":kind": "rollup",
            ":audience": window.audience.value,
            ":start": window.start.isoformat(),
            ":end": window.end.isoformat(),
            ":ttl": keys.expires(window.end + KEPT),
        }

    _SET_IDENTITY = "#kind = :kind, audience = :audience, window_start = :start, window_end = :end, expires_at = :ttl"

    def take(self, window: Window, wanted: int, limit: int) -> int:
        """One conditional ADD of `wanted` slots while they all fit; when they do not, the slots left, read and
        taken with a write conditional on the count read (again if another run took some meanwhile)."""
        asking = min(wanted, limit)
        condition = "attribute_not_exists(slots) OR slots <= :most"
        seen: int | None = None
        for _ in range(10):
            if asking <= 0:
                return 0
            values = {":n": asking} | ({":most": limit - asking} if seen is None else {":seen": seen})
            if self._add_slots(window, asking, condition, values):
                return asking
            if seen is None and asking == 1:
                return 0  # `slots <= limit - 1` did not hold: every slot is taken, nothing to read
            stored = self._read(window) or {}
            seen = int(stored.get("slots", 0))
            asking = min(wanted, limit - seen)
            condition = "slots = :seen" if seen else "attribute_not_exists(slots)"
        raise Unavailable("The storm-control window kept changing; the notices stay pending for the next run.")

    def _add_slots(self, window: Window, count: int, condition: str, values: dict[str, Any]) -> bool:
        if condition == "attribute_not_exists(slots)":
            values = {name: value for name, value in values.items() if name != ":seen"}
        return dynamo.written_if_condition_holds(
            self.client.update_item,
            self.attempts,
            TableName=self.table_name,
            Key=dynamo.to_item(keys.window_key(window.audience.value, window.start)),
            UpdateExpression=f"SET {self._SET_IDENTITY} ADD slots :n",
            ConditionExpression=condition,
            ExpressionAttributeNames={"#kind": "kind"},
            ExpressionAttributeValues=dynamo.to_item({**self._identity(window), **values}),
        )

    def roll_up(self, window: Window, notices: Sequence[Notice], publish_at: datetime) -> RolledUp:
        pending = {notice.notice_id: notice for notice in notices}
        joined: set[str] = set()
        gone: set[str] = set()
        identity = (window.audience.value, window.start)
        unread = identity in self.named_in_full
        for _ in range(len(notices) + 10):
            if not pending:
                break
            stored = None if unread else self._read(window)
            if stored is not None and stored.get("closed"):
                return RolledUp(frozenset(joined), frozenset(gone), frozenset(pending))
            batch = list(pending.values())[:BATCH]
            named = list((stored or {}).get("ids") or [])
            new_ids = [] if unread else [i for i in dict.fromkeys(n.complaint_id for n in batch) if i not in named]
            new_ids = new_ids[: max(0, ROLLUP_IDS - len(named))]
            transaction = self._joining(window, batch, stored, new_ids, publish_at)
            try:
                dynamo.commit(self.client, transaction, self.attempts)
            except ClientError as exc:
                if not dynamo.is_condition_failure(exc):
                    raise
                for label in transaction.failed(exc):
                    if isinstance(label, str) and label in pending:
                        gone.add(label)
                        del pending[label]
                unread = False
                continue  # the window changed (or some notices were taken): read it again
            if len(named) + len(new_ids) >= ROLLUP_IDS:
                self.named_in_full.add(identity)
                unread = True
            joined.update(notice.notice_id for notice in batch)
            for notice in batch:
                del pending[notice.notice_id]
        if pending:
            raise Unavailable("The roll-up kept changing; the notices stay pending for the next run.")
        return RolledUp(frozenset(joined), frozenset(gone), frozenset())

    def _joining(
        self,
        window: Window,
        batch: Sequence[Notice],
        stored: dict[str, Any] | None,
        new_ids: Sequence[str],
        publish_at: datetime,
    ) -> dynamo.Transaction:
        """One transaction: `batch` counted into the window's roll-up (which names `new_ids` besides the
        complaints it names, on condition that its count is still the one `stored` read), each notice marked
        rolled up on condition that it is still pending."""
        seen = int((stored or {}).get("count", 0))
        levels: dict[str, int] = {}
        for notice in batch:
            levels[notice.level.value] = levels.get(notice.level.value, 0) + 1
        names = {"#kind": "kind", "#count": "count"} | {f"#l{i}": level_attribute(lv) for i, lv in enumerate(levels)}
        values: dict[str, Any] = {
            **self._identity(window),
            ":n": len(batch),
            ":shard": keys.due_shard(window.rollup_id, self.shards),
            ":due": keys.sortable_time(publish_at),
            **{f":l{i}": count for i, count in enumerate(levels.values())},
        }
        additions = ["#count :n", *(f"#l{i} :l{i}" for i in range(len(levels)))]
        for facet, attribute in FACETS.items():
            values[f":{facet}"] = {str(getattr(notice, attribute)) for notice in batch}
            additions.append(f"{facet} :{facet}")
        sets = f"SET {self._SET_IDENTITY}, due_shard = :shard, next_due = :due"
        condition = "attribute_not_exists(closed)"
        if new_ids:
            sets += ", ids = list_append(if_not_exists(ids, :none), :ids)"
            values.update({":none": [], ":ids": new_ids})
            condition += " AND attribute_not_exists(#count)" if seen == 0 else " AND #count = :seen"
            if seen:
                values[":seen"] = seen
        transaction = dynamo.Transaction(self.table_name)
        key = keys.window_key(window.audience.value, window.start)
        expression = f"{sets} ADD {', '.join(additions)}"
        transaction.update(
            key, expression, names, label=_WINDOW, condition=condition, **{k[1:]: v for k, v in values.items()}
        )
        for notice in batch:
            transaction.update(
                keys.notice_key(notice.complaint_id, notice.about, notice.cycle, notice.key_level, notice.audience),
                "SET #status = :rolled, rollup_id = :rollup REMOVE due_shard, next_due",
                {"#status": "status"},
                label=notice.notice_id,
                condition="#status = :pending",
                rolled="rolled_up",
                rollup=window.rollup_id,
                pending="pending",
            )
        return transaction

    def lease(self, due: DueRollUp, until: datetime) -> Tally | None:
        try:
            response = dynamo.call_with_retries(
                self.client.update_item,
                self.attempts,
                TableName=self.table_name,
                Key=dynamo.to_item(keys.window_key(due.window.audience.value, due.window.start)),
                UpdateExpression=(
                    "SET closed = :yes, next_due = :lease, attempts = if_not_exists(attempts, :zero) + :one"
                ),
                ConditionExpression="next_due = :seen",
                ExpressionAttributeValues=dynamo.to_item(
                    {":yes": True, ":lease": keys.sortable_time(until), ":seen": due.token, ":zero": 0, ":one": 1}
                ),
                ReturnValues="ALL_NEW",
            )
        except ClientError as exc:
            if dynamo.is_condition_failure(exc):
                return None
            raise
        return tally_of(dynamo.from_item(response["Attributes"]))

    def settle(self, window: Window, sent: bool, now: datetime, retry_at: datetime) -> None:
        key = dynamo.to_item(keys.window_key(window.audience.value, window.start))
        if sent:
            expression, values = "SET sent_at = :now REMOVE due_shard, next_due", {":now": keys.sortable_time(now)}
        else:
            expression, values = "SET next_due = :retry", {":retry": keys.sortable_time(retry_at)}
        dynamo.call_with_retries(
            self.client.update_item,
            self.attempts,
            TableName=self.table_name,
            Key=key,
            UpdateExpression=expression,
            ExpressionAttributeValues=dynamo.to_item(values),
        )

    def _read(self, window: Window) -> dict[str, Any] | None:
        response = dynamo.call_with_retries(
            self.client.get_item,
            self.attempts,
            TableName=self.table_name,
            Key=dynamo.to_item(keys.window_key(window.audience.value, window.start)),
            ConsistentRead=True,
        )
        item = response.get("Item")
        return None if item is None else dynamo.from_item(item)
