"""How a complaint is kept as a record, the same for every store: the JSON its model dumps, with the clocks as one
compact JSON string (read and written whole, never queried, which keeps DynamoDB items small); and back, or
`UnreadableComplaint` saying where the record no longer fits the model."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from chalicelib.domain.model import Complaint
from chalicelib.domain.operator import describe_failure
from chalicelib.ports import UnreadableComplaint


def complaint_record(complaint: Complaint) -> dict[str, Any]:
    """The record of a complaint."""
    values = complaint.model_dump(mode="json")
    values["clocks"] = json.dumps(values["clocks"], separators=(",", ":"), ensure_ascii=False)
    return values


def complaint_from_record(complaint_id: str, values: Mapping[str, Any]) -> Complaint:
    """The complaint a record holds, or `UnreadableComplaint`."""
    try:
        return Complaint.model_validate({**values, "clocks": json.loads(values["clocks"])})
    except (KeyError, TypeError, ValueError) as exc:
        reason = "the stored complaint has no clocks" if isinstance(exc, KeyError) else describe_failure(exc)
        raise UnreadableComplaint(complaint_id, reason) from None
