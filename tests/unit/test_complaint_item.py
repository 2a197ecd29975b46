"""How a complaint is laid out as a DynamoDB item (chalicelib/adapters/dynamo.py): the record packed into one
binary attribute beside what conditions and indexes read, small enough that a write is one KB, read back whole; a
record that cannot be unpacked is unreadable, never a crash."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest

from chalicelib.adapters import keys
from chalicelib.adapters.dynamo import RECORD_ATTR, complaint_from, complaint_values, from_item, to_item
from chalicelib.bootstrap import load_policies
from chalicelib.domain.intake import validate_submission
from chalicelib.domain.model import Complaint
from chalicelib.domain.opening import build_complaint
from chalicelib.ports import UnreadableComplaint
from infra.capacity import item_size
from tests.conftest import settings_for_tests

NOW = datetime(2026, 11, 17, 2, 40, tzinfo=UTC)


def made() -> Complaint:
    submission = validate_submission(
        {
            "customer_name": "成本客户",
            "customer_email": "customer@example.com",
            "category": "service",
            "priority": "urgent",
            "complexity": "complex",
            "subject": "客服没有回电话",
            "description": "客服没有回电话。" * 8,
            "received_at": (NOW - timedelta(minutes=5)).isoformat(),
        },
        NOW,
    )
    return build_complaint(submission, load_policies(settings_for_tests()), uuid.uuid4().hex, NOW, "relay")


def test_a_complaint_item_reads_back_as_the_same_complaint() -> None:
    complaint = made()
    item = to_item(complaint_values(complaint, 4))
    assert complaint_from(from_item(item)) == complaint


def test_a_complaint_item_keeps_its_record_packed_and_fits_in_one_kilobyte() -> None:
    item = to_item(complaint_values(made(), 4))
    assert set(item) == {
        keys.TABLE_PK,
        keys.TABLE_SK,
        RECORD_ATTR,
        "version",
        "kind",
        keys.DUE_SHARD_ATTR,
        keys.NEXT_DUE_ATTR,
        keys.LIST_STATUS_ATTR,
        keys.LIST_RECEIVED_ATTR,
    }
    assert item_size(item) <= 1024


def test_an_attribute_stored_beside_the_packed_record_wins_as_an_older_item_or_a_manual_edit_has_it() -> None:
    values = from_item(to_item(complaint_values(made(), 4)))
    with pytest.raises(UnreadableComplaint, match="malformed JSON"):
        complaint_from(values | {"clocks": "{not json"})


def test_a_record_that_cannot_be_unpacked_is_unreadable() -> None:
    values = from_item(to_item(complaint_values(made(), 4)))
    with pytest.raises(UnreadableComplaint, match="cannot be unpacked"):
        complaint_from(values | {RECORD_ATTR: b"not zlib"})
