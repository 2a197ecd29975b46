"""How a complaint is kept as a record, the same for every store: the JSON its model dumps, with the clocks as one
compact JSON string (read and written whole, never queried, which keeps DynamoDB items small: each clock without
the values its model would default to, nor its name, which is its key); and back, or `UnreadableComplaint` saying
where the record no longer fits the model."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from chalicelib.domain.model import Complaint
from chalicelib.domain.operator import describe_failure
from chalicelib.ports import UnreadableComplaint


def complaint_record(complaint: Complaint) -> dict[str, Any]:
    """The record of a complaint."""
    values = complaint.model_dump(mode="json", exclude={"clocks"})
    clocks = {
        name: clock.model_dump(mode="json", exclude_defaults=True, exclude={"name"})
        for name, clock in complaint.clocks.items()
    }
    values["clocks"] = json.dumps(clocks, separators=(",", ":"), ensure_ascii=False)
    return values


def complaint_from_record(complaint_id: str, values: Mapping[str, Any]) -> Complaint:
    """The complaint a record holds, or `UnreadableComplaint`."""
    try:
        clocks = json.loads(values["clocks"])
        if not isinstance(clocks, dict):
            raise TypeError("the stored clocks are not an object")
        named = {name: {"name": name, **clock} if isinstance(clock, dict) else clock for name, clock in clocks.items()}
        return Complaint.model_validate({**values, "clocks": named})
    except (KeyError, TypeError, ValueError) as exc:
        reason = "the stored complaint has no clocks" if isinstance(exc, KeyError) else describe_failure(exc)
        raise UnreadableComplaint(complaint_id, reason) from None
