"""Storm control on DynamoDB reads a window only when the answer is not already known: a notice joining a roll-up
that names all the complaints it can (50) is one write, and a notice finding every slot taken is one refused write.
In a storm these are most notices, two audiences each."""

from __future__ import annotations

from datetime import timedelta

from chalicelib.ports import DueRollUp
from infra.request_counter import DynamoRequests
from tests.conftest import World
from tests.contract.test_notice_windows import WINDOW, claimed_notices


def test_notices_joining_a_full_roll_up_or_finding_no_slot_read_nothing(aws_world: World) -> None:
    assert aws_world.clients is not None
    windows = aws_world.services.adapters.windows
    notices = claimed_notices(aws_world.services.adapters, aws_world.services.policies, 56)
    assert windows.take(WINDOW, 20, 20) == 20
    windows.roll_up(WINDOW, notices[:50], WINDOW.end)
    requests = DynamoRequests(aws_world.clients.dynamodb)

    assert windows.take(WINDOW, 1, 20) == 0
    assert dict(requests.calls) == {"UpdateItem": 1}
    requests.reset()
    for notice in notices[50:]:
        assert len(windows.roll_up(WINDOW, [notice], WINDOW.end).joined) == 1
    assert dict(requests.calls) == {"TransactWriteItems": 6}
    [due] = [
        item
        for item in aws_world.services.adapters.due.due(WINDOW.end + timedelta(seconds=1))
        if isinstance(item, DueRollUp)
    ]
    tally = windows.lease(due, WINDOW.end + timedelta(minutes=5))
    assert tally is not None
    assert tally.count == 56
