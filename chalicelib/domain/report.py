"""Monthly service-quality report: complaint facts + audit events -> counter increments (pure, the same for the
live counters and for a rebuild from the audit trail) -> per-dimension rows -> the report (JSON-ready). Its CSV and
email body are rendered by `report_render`.

Counters are kept per month of receipt (in the policy's time zone): everything a complaint does counts in the
month it was received."""

from __future__ import annotations

import bisect
import hashlib
import hmac
import logging
from collections.abc import Iterable, Mapping
from datetime import datetime
from zoneinfo import ZoneInfo

from chalicelib.domain.model import AuditEvent, Complaint, Contact
from chalicelib.domain.operator import describe_failure
from chalicelib.domain.policy import SatisfactionRule
from chalicelib.domain.vocabulary import CUSTOMER, ClockName, ClockState, EventType, Level

log = logging.getLogger(__name__)

# Upper bounds (seconds) of the duration sketch's buckets: fixed, so sketches add up exactly.
BUCKETS: tuple[int, ...] = (
    60, 300, 600, 900, 1200, 1800, 2700, 3600, 5400, 7200, 10800, 14400, 21600, 28800, 43200,
    86400, 129600, 172800, 259200, 432000, 604800, 864000, 1296000, 2592000,
)  # fmt: skip
DIMENSIONS = ("category", "priority", "channel")
TRACKED_CLOCKS = tuple(ClockName)
BREACH_LEVELS = (Level.MINOR, Level.MAJOR)


def month_of(moment: datetime, zone: ZoneInfo) -> str:
    """YYYY-MM of an instant in the policy's zone."""
    return moment.astimezone(zone).strftime("%Y-%m")


def customer_key(contact: Contact, secret: bytes) -> str:
    """A stable pseudonym of the customer: an HMAC-SHA256 of the contact (email, or phone, or name) under a secret
    key, so that nobody without the key can test a guessed phone number or address against it."""
    identity = (contact.email or contact.phone or contact.name).strip().lower()
    return hmac.new(secret, identity.encode("utf-8"), hashlib.sha256).hexdigest()[:32]


def _bucket(seconds: int) -> int:
    return bisect.bisect_left(BUCKETS, seconds)


def contributions(event: AuditEvent) -> dict[str, int]:
    """What one audit event adds to its complaint's month counters."""
    counts: dict[str, int] = {}
    details = event.details
    if event.type is EventType.RECEIVED:
        counts["received"] = 1
    for clock, short in ((ClockName.FIRST_RESPONSE, "fr"), (ClockName.RESOLUTION, "rs")):
        outcome = details.get(f"{clock}_outcome")
        if outcome is None:
            continue
        counts[f"{short}_total"] = 1
        counts[f"{short}_within"] = 1 if outcome == ClockState.MET else 0
        counts[f"{short}_b{_bucket(int(details.get(f'{clock}_seconds', '0'))):02d}"] = 1
    if (
        event.type is EventType.NOTICE
        and details.get("first_of_level") == "true"
        and details.get("level") in BREACH_LEVELS
    ):
        counts[f"breach_{details['clock']}_{details['level']}"] = 1
    if event.type is EventType.SATISFACTION and "score" in details:
        score = int(details["score"])
        # judged under the policy when the survey was recorded (older events: 4 or more satisfied, 2 or less low)
        satisfied = details.get("satisfied", "true" if score >= 4 else "false") == "true"
        low = details.get("low", "true" if score <= 2 else "false") == "true"
        counts.update(surveys=1, score_sum=score, satisfied=int(satisfied), low=int(low))
        if event.by == CUSTOMER:  # the customer's own answer (the status page), apart from what staff typed in
            counts.update(customer_surveys=1, customer_score_sum=score, customer_satisfied=int(satisfied))
    return {name: value for name, value in counts.items() if value}


def row_keys(complaint: Complaint) -> list[str]:
    """The report rows a complaint counts in: everything, and its category, priority and channel."""
    return [
        "all#all",
        f"category#{complaint.category.value}",
        f"priority#{complaint.priority.value}",
        f"channel#{complaint.channel.value}",
    ]


def customer_row(complaint: Complaint) -> str | None:
    """The report row of the complaint's customer (its pseudonym, kept at intake and through an erasure)."""
    return f"customer#{complaint.customer_key}" if complaint.customer_key else None


def rebuild(complaints: Iterable[tuple[Complaint, list[AuditEvent]]]) -> dict[str, dict[str, int]]:
    """Every row's counters from complaints and their audit trails (what live updates add up to)."""
    rows: dict[str, dict[str, int]] = {}
    for complaint, events in complaints:
        try:
            found = [(contributions(event), row_keys(complaint), customer_row(complaint)) for event in events]
        except Exception as exc:  # noqa: BLE001 - one complaint that cannot be counted never stops the others
            log.error("complaint %s left out of the report: %s", complaint.id, describe_failure(exc))
            continue
        for counts, targets, customer in found:
            if not counts:
                continue
            if "surveys" in counts and customer is not None:
                targets = [*targets, customer]
            for row in targets:
                totals = rows.setdefault(row, {})
                for name, value in counts.items():
                    totals[name] = totals.get(name, 0) + value
    return rows


def _percentile(counters: Mapping[str, int], prefix: str, total: int, fraction: float) -> int | None:
    if total <= 0:
        return None
    rank = fraction * total
    seen = 0
    for index, bound in enumerate(BUCKETS):
        seen += counters.get(f"{prefix}_b{index:02d}", 0)
        if seen >= rank:
            return bound
    return None


def _pct(part: int, whole: int) -> float | None:
    return None if whole == 0 else round(100.0 * part / whole, 1)


def summarize(counters: Mapping[str, int], rule: SatisfactionRule) -> dict[str, object]:
    """One report line from a row's counters; satisfaction judged by the policy's `rule`."""
    fr_total, rs_total, surveys = counters.get("fr_total", 0), counters.get("rs_total", 0), counters.get("surveys", 0)
    satisfied = _pct(counters.get("satisfied", 0), surveys)
    return {
        "received": counters.get("received", 0),
        "responded": fr_total,
        "responded_within_sla_pct": _pct(counters.get("fr_within", 0), fr_total),
        "resolved": rs_total,
        "resolved_within_sla_pct": _pct(counters.get("rs_within", 0), rs_total),
        "breaches": {
            clock: {level.value: counters.get(f"breach_{clock}_{level}", 0) for level in BREACH_LEVELS}
            for clock in TRACKED_CLOCKS
        },
        "first_response_p50_seconds": _percentile(counters, "fr", fr_total, 0.5),
        "first_response_p90_seconds": _percentile(counters, "fr", fr_total, 0.9),
        "resolution_p50_seconds": _percentile(counters, "rs", rs_total, 0.5),
        "resolution_p90_seconds": _percentile(counters, "rs", rs_total, 0.9),
        "surveys": surveys,
        "satisfaction_average": None if surveys == 0 else round(counters.get("score_sum", 0) / surveys, 2),
        "satisfied_pct": satisfied,
        "satisfaction_pass": None if satisfied is None else satisfied >= rule.pass_mark,
        **_apart(counters),
    }


def _apart(counters: Mapping[str, int]) -> dict[str, object]:
    """The customers' own surveys (answered on the status page) and those staff entered, each on its own."""
    own = counters.get("customer_surveys", 0)
    staff = counters.get("surveys", 0) - own
    staff_satisfied = counters.get("satisfied", 0) - counters.get("customer_satisfied", 0)
    staff_sum = counters.get("score_sum", 0) - counters.get("customer_score_sum", 0)
    return {
        "customer_surveys": own,
        "customer_satisfaction_average": None if own == 0 else round(counters.get("customer_score_sum", 0) / own, 2),
        "customer_satisfied_pct": _pct(counters.get("customer_satisfied", 0), own),
        "staff_surveys": staff,
        "staff_satisfaction_average": None if staff == 0 else round(staff_sum / staff, 2),
        "staff_satisfied_pct": _pct(staff_satisfied, staff),
    }


def build_report(
    month: str, rows: Mapping[str, Mapping[str, int]], rule: SatisfactionRule | None = None
) -> dict[str, object]:
    """The monthly report from its rows (live or rebuilt), satisfaction judged by the policy's `rule` (its pass
    mark; customers with its number of low surveys, who may terminate the contract, are flagged)."""
    rule = rule or SatisfactionRule()
    by_dimension: dict[str, dict[str, object]] = {dimension: {} for dimension in DIMENSIONS}
    flagged = []
    for row, counters in sorted(rows.items()):
        kind, _, value = row.partition("#")
        if kind in by_dimension:
            by_dimension[kind][value] = summarize(counters, rule)
        elif kind == "customer" and counters.get("low", 0) >= rule.low_surveys:
            flagged.append({"customer": value, "surveys": counters.get("surveys", 0), "low_scores": counters["low"]})
    return {
        "month": month,
        "satisfaction_pass_mark_pct": float(rule.pass_mark),
        "low_survey_under_pct": float(rule.low_under),
        "low_surveys_to_flag": rule.low_surveys,
        "total": summarize(rows.get("all#all", {}), rule),
        **by_dimension,
        "customers_flagged": flagged,
    }
