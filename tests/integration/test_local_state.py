"""The local stack's kept data (infra/local_state.py) on moto: every kind of write reaches the snapshot, a restart
restores it, one stack at a time, a snapshot that cannot be read is refused, `make reset` empties it."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest

from infra.definitions import LocalResources, table_request
from infra.local_state import LocalState, StateError
from tests.integration.rehearsal import ROOT

TABLE = "ComplaintsTable"


def item(pk: str, sk: str, **more: str) -> dict[str, Any]:
    return {"pk": {"S": pk}, "sk": {"S": sk}, **{k: {"S": v} for k, v in more.items()}}


def items() -> dict[tuple[str, str], dict[str, Any]]:
    scanned = boto3.client("dynamodb").scan(TableName=TABLE)["Items"]
    return {(i["pk"]["S"], i["sk"]["S"]): i for i in scanned}


def restart_the_emulator() -> None:
    """What a new `make run` sees before restoring: the table made anew from the template, empty."""
    dynamodb = boto3.client("dynamodb")
    dynamodb.update_table(TableName=TABLE, DeletionProtectionEnabled=False)  # the emulator's process ends instead
    dynamodb.delete_table(TableName=TABLE)
    dynamodb.create_table(**table_request(TABLE))


@pytest.fixture
def opened(aws: LocalResources, tmp_path: Path) -> Iterator[LocalState]:
    state = LocalState(tmp_path / "state", interval=3600)
    state.open()
    yield state
    state.close()


def test_puts_updates_deletes_and_transactions_survive_a_restart(opened: LocalState, tmp_path: Path) -> None:
    dynamodb = boto3.client("dynamodb")
    dynamodb.put_item(TableName=TABLE, Item=item("C#1", "C", status="open"))
    dynamodb.put_item(TableName=TABLE, Item=item("C#2", "C", status="open"))
    opened.save()  # so that what follows is seen as the update and the delete it is
    dynamodb.update_item(
        TableName=TABLE,
        Key={"pk": {"S": "C#1"}, "sk": {"S": "C"}},
        UpdateExpression="SET #s = :s",
        ExpressionAttributeNames={"#s": "status"},
        ExpressionAttributeValues={":s": {"S": "resolved"}},
    )
    dynamodb.delete_item(TableName=TABLE, Key={"pk": {"S": "C#2"}, "sk": {"S": "C"}})
    dynamodb.transact_write_items(
        TransactItems=[
            {"Put": {"TableName": TABLE, "Item": item("C#3", "C", status="open")}},
            {"Put": {"TableName": TABLE, "Item": item("C#3", "E#000001", type="received")}},
        ]
    )
    dynamodb.batch_write_item(RequestItems={TABLE: [{"PutRequest": {"Item": item("K#x", "K", complaint="3")}}]})
    before = items()
    opened.close()

    restart_the_emulator()
    assert items() == {}
    again = LocalState(opened.directory, interval=3600)
    assert again.open() == 4
    try:
        assert items() == before
        assert before[("C#1", "C")]["status"] == {"S": "resolved"}
        assert ("C#2", "C") not in before
    finally:
        again.close()


def test_a_cancelled_transaction_leaves_the_snapshot_as_it_was(opened: LocalState) -> None:
    dynamodb = boto3.client("dynamodb")
    dynamodb.put_item(TableName=TABLE, Item=item("C#1", "C", status="open"))
    with pytest.raises(dynamodb.exceptions.TransactionCanceledException):
        dynamodb.transact_write_items(
            TransactItems=[
                {"Put": {"TableName": TABLE, "Item": item("C#9", "C", status="open")}},
                {
                    "Put": {
                        "TableName": TABLE,
                        "Item": item("C#1", "C", status="twice"),
                        "ConditionExpression": "attribute_not_exists(pk)",
                    }
                },
            ]
        )
    opened.save()
    saved = json.loads(opened.snapshot.read_text(encoding="utf-8"))["tables"][TABLE]
    assert saved == [item("C#1", "C", status="open")]


def test_a_snapshot_is_written_only_when_something_changed(opened: LocalState) -> None:
    assert opened.save()  # the first one, even empty
    assert not opened.save()
    boto3.client("dynamodb").put_item(TableName=TABLE, Item=item("C#1", "C"))
    assert opened.save()
    assert not opened.save()


def test_a_second_stack_on_the_same_directory_is_refused(opened: LocalState) -> None:
    with pytest.raises(StateError) as refused:
        LocalState(opened.directory).open()
    assert f"another local stack is using {opened.directory}" in str(refused.value)


@pytest.mark.parametrize(
    ("content", "says"),
    [
        ("{not json", "is unreadable"),
        ('{"format": 99, "tables": {}}', "is not a snapshot this version reads"),
        ('{"format": 1, "tables": {"ComplaintsTable": [{"id": {"S": "1"}}]}}', "the table's layout changed"),
    ],
)
def test_a_snapshot_that_cannot_be_restored_is_refused_naming_make_reset(
    aws: LocalResources, tmp_path: Path, content: str, says: str
) -> None:
    (tmp_path / "dynamodb.json").write_text(content, encoding="utf-8")
    with pytest.raises(StateError) as refused:
        LocalState(tmp_path).open()
    assert says in str(refused.value)
    assert "`make reset` starts empty" in str(refused.value)
    assert (tmp_path / "dynamodb.json").read_text(encoding="utf-8") == content
    with pytest.raises(StateError) as again:  # the refused stack let go of the directory
        LocalState(tmp_path).open()
    assert str(again.value) == str(refused.value)


def make_reset(directory: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["make", "-s", "-o", ".venv/.installed", "reset", f"LOCAL_STATE_DIR={directory}", f"PY={sys.executable}"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_make_reset_empties_the_state_directory(aws: LocalResources, tmp_path: Path) -> None:
    directory = tmp_path / "state"
    state = LocalState(directory, interval=3600)
    state.open()
    boto3.client("dynamodb").put_item(TableName=TABLE, Item=item("C#1", "C"))
    refused = make_reset(directory)
    assert refused.returncode != 0
    assert "another local stack is using" in refused.stdout
    state.close()
    assert state.snapshot.exists()

    done = make_reset(directory)
    assert done.returncode == 0, done.stdout + done.stderr
    assert f"emptied {directory}" in done.stdout
    assert not directory.exists()
    restart_the_emulator()
    empty = LocalState(directory, interval=3600)
    assert empty.open() == 0
    empty.close()
