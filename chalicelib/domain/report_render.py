"""Monthly report rendering: the report (JSON-ready) -> its CSV, and its email body (HTML table and an SVG chart of
SLA met % by category). Pure."""

from __future__ import annotations

import csv
import html
import io
from collections.abc import Mapping

from chalicelib.domain.report import BREACH_LEVELS, DIMENSIONS, TRACKED_CLOCKS

CSV_COLUMNS = (
    "dimension", "value", "received", "responded", "responded_within_sla_pct", "resolved", "resolved_within_sla_pct",
    "first_response_p50_seconds", "first_response_p90_seconds", "resolution_p50_seconds", "resolution_p90_seconds",
    "surveys", "satisfaction_average", "satisfied_pct", "satisfaction_pass",
    "customer_surveys", "customer_satisfaction_average", "customer_satisfied_pct",
    "staff_surveys", "staff_satisfaction_average", "staff_satisfied_pct",
    *(f"{clock}_{level}" for clock in TRACKED_CLOCKS for level in BREACH_LEVELS),
)  # fmt: skip


def _csv_row(dimension: str, value: str, line: Mapping[str, object]) -> list[object]:
    breaches = line["breaches"]
    assert isinstance(breaches, dict)
    cells: list[object] = [dimension, value]
    for column in CSV_COLUMNS[2:]:
        if column in line:
            cells.append("" if line[column] is None else line[column])
        else:
            clock, _, level = column.rpartition("_")
            cells.append(breaches[clock][level])
    return cells


def report_lines(report: Mapping[str, object]) -> list[tuple[str, str, Mapping[str, object]]]:
    """(dimension, value, line) for the total and every dimension value, in report order."""
    total = report["total"]
    assert isinstance(total, dict)
    lines: list[tuple[str, str, Mapping[str, object]]] = [("total", "all", total)]
    for dimension in DIMENSIONS:
        values = report[dimension]
        assert isinstance(values, dict)
        lines.extend((dimension, value, line) for value, line in values.items())
    return lines


def to_csv(report: Mapping[str, object]) -> str:
    """The report as CSV: one row per dimension value, the total first."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for dimension, value, line in report_lines(report):
        writer.writerow(_csv_row(dimension, value, line))
    return buffer.getvalue()


def chart_svg(report: Mapping[str, object]) -> str:
    """An inline SVG bar chart: SLA met % (responded, resolved) by category."""
    categories = report["category"]
    assert isinstance(categories, dict)
    bars = []
    y = 30
    for name, line in categories.items():
        for label, key, colour in (("responded", "responded_within_sla_pct", "#2b7bb9"),
                                   ("resolved", "resolved_within_sla_pct", "#4caf50")):  # fmt: skip
            value = line[key]
            width = 0 if value is None else round(3 * float(value))
            shown = "n/a" if value is None else f"{value}%"
            bars.append(
                f'<text x="0" y="{y + 12}" font-size="12">{html.escape(name)} {label}</text>'
                f'<rect x="170" y="{y}" width="{width}" height="14" fill="{colour}"/>'
                f'<text x="{175 + width}" y="{y + 12}" font-size="12">{shown}</text>'
            )
            y += 20
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="560" height="{y + 10}" role="img" '
        f'aria-label="SLA met percent by category"><text x="0" y="16" font-size="14">SLA met % by category</text>'
        + "".join(bars)
        + "</svg>"
    )


def to_html(report: Mapping[str, object]) -> str:
    """The report as an HTML email body: a table and the chart."""
    header = "".join(f"<th>{html.escape(column)}</th>" for column in CSV_COLUMNS)
    rows = "".join(
        "<tr>" + "".join(f"<td>{html.escape(str(cell))}</td>" for cell in _csv_row(d, v, line)) + "</tr>"
        for d, v, line in report_lines(report)
    )
    month = html.escape(str(report["month"]))
    flagged = report["customers_flagged"]
    assert isinstance(flagged, list)
    warning = (
        f"<p><b>{len(flagged)} customer(s) with three or more surveys scoring 2 or less</b> "
        "(the commitment letters let them terminate the contract).</p>"
        if flagged
        else ""
    )
    return (
        '<!DOCTYPE html><html><head><meta charset="utf-8"></head><body>'
        f"<h2>Service-quality report {month}</h2>{warning}{chart_svg(report)}"
        f'<table border="1" cellpadding="4" cellspacing="0"><tr>{header}</tr>{rows}</table></body></html>'
    )
