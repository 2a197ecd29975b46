"""Keys: the one module that knows how items are laid out in the single DynamoDB table (only the DynamoDB
adapters import it).

Complaint   pk=C#<id>              sk=C                    the complaint (GSI attributes added when relevant)
Event       pk=C#<id>              sk=E#<seq>              the audit trail, in order
Notice      pk=C#<id>              sk=N#<clock>#<cycle>#<level>#<audience>   one notice, pending or sent
Idempotency pk=K#<scope>#<sha256>  sk=K                    maps a delivery key to the complaint it created
Report row  pk=R#<month>           sk=<row>[+<row>...]#<shard>  a shard of a month's counters (of each row it names)
Claim       pk=D#<scope>           sk=<name>               a side effect claimed once (digest, report, notice)
Retry       pk=D#retry             sk=<scope>#<name>       a claimed side effect not yet done
Marker      pk=M#<name>            sk=M                    a value the scheduled jobs keep
Window      pk=W#<audience>        sk=<window start>       storm control: a window's slots and its roll-up
Receipt     pk=T#<sha256 of token> sk=T                    leads a customer's receipt to its complaint

Records that only guard against repeats (idempotency, claims, windows) carry `expires_at` (epoch seconds), the
table's TimeToLiveSpecification attribute: DynamoDB deletes them some time after that moment.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from datetime import UTC, datetime

TABLE_PK = "pk"
TABLE_SK = "sk"
COMPLAINT_SK = "C"
IDEMPOTENCY_SK = "K"
EVENT_PREFIX = "E#"
DUE_INDEX = "due"
AUDIENCE_INDEX = "by_audience"
LIST_INDEX = "by_status"
LIST_STATUS_ATTR = "list_status"
LIST_RECEIVED_ATTR = "list_received"
DETECTED_KEY_ATTR = "detected_key"
DUE_SHARD_ATTR = "due_shard"
NEXT_DUE_ATTR = "next_due"


def complaint_key(complaint_id: str) -> dict[str, str]:
    """Primary key of a complaint item."""
    return {TABLE_PK: complaint_pk(complaint_id), TABLE_SK: COMPLAINT_SK}


def complaint_pk(complaint_id: str) -> str:
    """Partition key shared by a complaint and its audit trail."""
    return f"C#{complaint_id}"


def event_sk(sequence: int) -> str:
    """Sort key of the n-th audit event; zero-padded so events sort in order."""
    return f"{EVENT_PREFIX}{sequence:06d}"


def idempotency_key(scope: str, value: str) -> dict[str, str]:
    """Key of an idempotency record; long or odd values are hashed to keep keys bounded."""
    digest = hashlib.sha256(value.encode("utf-8")).hexdigest()
    return {TABLE_PK: f"K#{scope}#{digest}", TABLE_SK: IDEMPOTENCY_SK}


def due_shard(complaint_id: str, shards: int) -> str:
    """The due-index shard of a complaint: stable, spread evenly over `shards`."""
    digest = hashlib.sha256(complaint_id.encode("utf-8")).digest()
    return f"S{int.from_bytes(digest[:4], 'big') % shards}"


def due_entry(complaint_id: str, moment: datetime | None, shards: int) -> dict[str, str | None]:
    """The due-index attributes of an item pending at `moment` (both None when nothing is pending)."""
    if moment is None:
        return {DUE_SHARD_ATTR: None, NEXT_DUE_ATTR: None}
    return {DUE_SHARD_ATTR: due_shard(complaint_id, shards), NEXT_DUE_ATTR: sortable_time(moment)}


def list_received(received_at: datetime, complaint_id: str) -> str:
    """The listing index's sort key: receipt time (UTC, fixed width), then id, so the order is total."""
    return f"{sortable_time(received_at)}#{complaint_id}"


def sortable_time(moment: datetime) -> str:
    """An instant as a sort key (due index, listing, notice and claim times): UTC, fixed width, so that string
    order is time order."""
    return moment.astimezone(UTC).strftime(_SORTABLE)


def time_of(value: str) -> datetime:
    """The instant a sort key stands for (the inverse of `sortable_time`)."""
    return datetime.strptime(value, _SORTABLE).replace(tzinfo=UTC)


_SORTABLE = "%Y-%m-%dT%H:%M:%S.%fZ"


NOTICE_PREFIX = "N#"


def notice_key(complaint_id: str, clock: str, cycle: int, level: str, audience: str) -> dict[str, str]:
    """Primary key of a notice item, beside its complaint."""
    return {
        TABLE_PK: complaint_pk(complaint_id),
        TABLE_SK: f"{NOTICE_PREFIX}{clock}#{cycle}#{level}#{audience}",
    }


def shards(count: int) -> list[str]:
    """Every shard of the due index."""
    return [f"S{number}" for number in range(count)]


REPORT_SHARDS = 8


def report_key(month: str, row: str, shard: int) -> dict[str, str]:
    """Primary key of one shard of a month's report row (`all#all`, `category#service`, `customer#<key>`)."""
    return {TABLE_PK: f"R#{month}", TABLE_SK: f"{row}#{shard}"}


def report_pk(month: str) -> str:
    """Partition key of a month's report rows."""
    return f"R#{month}"


def report_shard(complaint_id: str) -> int:
    """The counter shard a complaint adds to (spreads concurrent writers over several items)."""
    return int(hashlib.sha256(complaint_id.encode("utf-8")).hexdigest()[:8], 16) % REPORT_SHARDS


def claim_key(scope: str, name: str) -> dict[str, str]:
    """Primary key of the record that claims one side effect so it happens once: a digest email (audience,
    window), the monthly report ("management", month), an operator notice ("operator", notice id)."""
    return {TABLE_PK: f"D#{scope}", TABLE_SK: name}


RETRY_PK = "D#retry"


def retry_key(scope: str, name: str) -> dict[str, str]:
    """Primary key of the marker that keeps a claimed side effect on the retry list until it is done."""
    return {TABLE_PK: RETRY_PK, TABLE_SK: f"{scope}#{name}"}


_RETRY_OWN = (TABLE_PK, TABLE_SK, "kind", "scope", "name")
"""A retry marker's own attributes: its key, its kind, and the scope and name of the side effect it keeps."""


def retry_facts(facts: Mapping[str, object]) -> dict[str, str]:
    """The facts a retry marker keeps beside its own attributes, each an attribute of the item (a fact named like
    one of its own attributes is left out)."""
    return {name: str(value) for name, value in facts.items() if name not in _RETRY_OWN}


def retry_marker(scope: str, name: str, facts: Mapping[str, str]) -> dict[str, str]:
    """The item that keeps a claimed side effect on the retry list until it is done: its key, the side effect's
    scope and name, and the facts a later run needs to do it (`owed` reads them back with `owed_facts`)."""
    return retry_key(scope, name) | {"kind": "retry", "scope": scope, "name": name} | retry_facts(facts)


def owed_facts(item: Mapping[str, object]) -> dict[str, str]:
    """A retry marker as the retry list gives it: scope, name and facts (the inverse of `retry_marker`)."""
    return {name: str(value) for name, value in item.items() if name not in (TABLE_PK, TABLE_SK, "kind")}


def window_key(audience: str, start: datetime) -> dict[str, str]:
    """Primary key of one audience's storm-control window."""
    return {TABLE_PK: f"W#{audience}", TABLE_SK: sortable_time(start)}


TTL_ATTR = "expires_at"


def expires(moment: datetime) -> int:
    """The TTL attribute's value for an item that may go at `moment` (epoch seconds)."""
    return int(moment.timestamp())


def marker_key(name: str) -> dict[str, str]:
    """Primary key of a named marker kept by the scheduled jobs."""
    return {TABLE_PK: f"M#{name}", TABLE_SK: "M"}


def receipt_key(digest: str) -> dict[str, str]:
    """Primary key of the item that leads a receipt (by its token's digest, never the token) to its complaint."""
    return {TABLE_PK: f"T#{digest}", TABLE_SK: "T"}
