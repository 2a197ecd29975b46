"""The console's timeline reads an old trail too: a value the vocabulary no longer has is shown as recorded, never
a page that fails."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from chalicelib.console.pages import timeline
from chalicelib.console.texts import Texts
from chalicelib.domain.model import AuditEvent
from chalicelib.domain.vocabulary import EventType, Status

AT = datetime(2026, 11, 17, 2, 0, tzinfo=UTC)


def test_a_triage_from_a_value_no_longer_in_the_vocabulary_is_shown_as_recorded() -> None:
    triage = AuditEvent(
        sequence=2,
        type=EventType.TRIAGE,
        at=AT,
        recorded_at=AT,
        by="li.lei",
        status_before=Status.OPEN,
        status_after=Status.OPEN,
        details={"priority_before": "critical", "priority": "urgent"},
    )
    [entry] = timeline([triage], Texts("zh-CN", ZoneInfo("Asia/Shanghai")), {})
    assert entry.lines == ["优先级：critical → 紧急"]
