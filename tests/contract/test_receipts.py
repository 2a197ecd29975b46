"""The receipt contract, held by the twin and the DynamoDB adapter alike: a receipt's digest leads to its
complaint (written in the create, so a refused create leaves no receipt), an owed acknowledgement is on the Claims
retry list until it is done, and a token is never stored."""

from __future__ import annotations

import uuid

import pytest

from chalicelib.domain.opening import received_event
from chalicelib.domain.receipts import digest
from chalicelib.ports import RECEIPT_SCOPE, DeliveryKey, DuplicateDelivery, Receipt
from tests.contract.conftest import Backend
from tests.contract.test_complaint_store import NOW, complaint

TOKEN = "tok_" + "A" * 20


def test_a_receipt_leads_to_its_complaint_and_an_unknown_one_to_nothing(backend: Backend) -> None:
    made = complaint(backend)
    store = backend.adapters.complaints
    store.create(made, received_event(made, NOW, "contract"), [], receipt=Receipt(digest(TOKEN)))
    assert store.by_receipt(digest(TOKEN)) == made
    assert store.by_receipt(digest("tok_" + "B" * 20)) is None
    assert backend.adapters.claims.owed() == []  # no acknowledgement owed: none is on the retry list


def test_an_owed_acknowledgement_stays_on_the_retry_list_until_done(backend: Backend) -> None:
    made = complaint(backend)
    facts = {"complaint": made.id, "link": "https://x.example/r/" + TOKEN, "not_before": "2026-11-17T02:45:00Z"}
    backend.adapters.complaints.create(
        made, received_event(made, NOW, "contract"), [], receipt=Receipt(digest(TOKEN), facts)
    )
    claims = backend.adapters.claims
    assert claims.owed() == [{"scope": RECEIPT_SCOPE, "name": made.id, **facts}]
    assert claims.claim(RECEIPT_SCOPE, made.id, NOW)
    claims.done(RECEIPT_SCOPE, made.id, NOW)
    assert claims.owed() == []
    assert claims.happened(RECEIPT_SCOPE, made.id)


def test_a_refused_create_leaves_no_receipt(backend: Backend) -> None:
    key = DeliveryKey("key", "taken", "f")
    first = complaint(backend)
    store = backend.adapters.complaints
    store.create(first, received_event(first, NOW, "contract"), [key])
    second = complaint(backend)
    with pytest.raises(DuplicateDelivery):
        store.create(second, received_event(second, NOW, "contract"), [key], receipt=Receipt(digest(TOKEN), {"a": "b"}))
    assert store.by_receipt(digest(TOKEN)) is None
    assert backend.adapters.claims.owed() == []


def test_the_token_itself_is_never_stored(backend: Backend) -> None:
    made = complaint(backend)
    backend.adapters.complaints.create(made, received_event(made, NOW, "contract"), [], receipt=Receipt(digest(TOKEN)))
    assert backend.adapters.complaints.by_receipt(digest(TOKEN)) is not None
    assert TOKEN not in repr(backend.dump())
    assert uuid.UUID(made.id)  # the complaint is there, under its id
