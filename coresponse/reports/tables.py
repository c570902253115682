"""A suppressed indicator as a table of rows and columns: what a page, the monthly
report and the CSV all show, so the three agree cell for cell.

Counts: categories by group, with totals. Rates: the percentage (or rate) per group,
with its numerator and denominator beside it. Durations: how many, median, 90th
percentile (and, with a standard, the share meeting it) per group.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from coresponse.reports.definitions import ALL, Indicator
from coresponse.reports.suppression import (
    Cell,
    SafeCountTable,
    SafeDurationTable,
    SafeOutcomes,
    SafeRateTable,
    SafeRatio,
    SafeResult,
)


@dataclass(frozen=True)
class Shown:
    """One cell as shown: a Cell, and for a rate the counts it was made of."""

    cell: Cell
    of: tuple[Cell, Cell] | None = None  # (numerator, denominator)
    count: bool = False  # a number of people or records (what the small-cell rule is about)

    @property
    def text(self) -> str:
        return self.cell.text


@dataclass(frozen=True)
class Row:
    key: str
    label: str
    cells: list[Shown]
    total: bool = False  # the table's totals row


@dataclass(frozen=True)
class Table:
    indicator: Indicator
    corner: str  # the header above the row labels
    headers: list[str]  # one per column of cells
    keys: list[str]  # each column's key: a group's, or "total" / "overall"
    rows: list[Row] = field(default_factory=list)
    unit: str = ""


_OVERALL = "Whole program"


def table_of(indicator: Indicator, result: SafeResult, outcomes: SafeOutcomes) -> Table:
    """The indicator's table; a single group (the whole program) gets no totals column."""
    single = [c.key for c in outcomes.columns] == [ALL]
    if isinstance(result, SafeCountTable):
        return _counts(indicator, result, single)
    if isinstance(result, SafeRateTable):
        return _rates(indicator, result, single)
    assert isinstance(result, SafeDurationTable)  # noqa: S101  # nosec B101
    return _durations(indicator, result, single)


def tables(outcomes: SafeOutcomes, indicators: tuple[Indicator, ...]) -> list[Table]:
    return [table_of(i, outcomes[i.id], outcomes) for i in indicators if i.id in outcomes.results]


def _counts(indicator: Indicator, t: SafeCountTable, single: bool) -> Table:
    headers = [c.label for c in t.columns] + ([] if single else ["Total"])
    keys = [c.key for c in t.columns] + ([] if single else ["total"])
    table = Table(indicator, "", headers, keys, unit=indicator.unit)
    for r in t.rows:
        cells = [Shown(t.cell(r.key, c.key), count=True) for c in t.columns]
        if not single:
            cells.append(Shown(t.row_totals[r.key], count=True))
        table.rows.append(Row(r.key, r.label, cells))
    totals = [Shown(t.column_totals[c.key], count=True) for c in t.columns]
    if not single:
        totals.append(Shown(t.total, count=True))
    if len(t.rows) > 1:
        table.rows.append(Row("total", "Total", totals, total=True))
    return table


def _ratio(ratio: SafeRatio) -> Shown:
    return Shown(ratio.value, of=(ratio.numerator, ratio.denominator))


def _rates(indicator: Indicator, t: SafeRateTable, single: bool) -> Table:
    headers = [c.label for c in t.columns] + ([] if single else [_OVERALL])
    keys = [c.key for c in t.columns] + ([] if single else ["overall"])
    table = Table(indicator, "", headers, keys, unit=indicator.unit)
    for r in t.rows:
        cells = [_ratio(t.cell(r.key, c.key)) for c in t.columns]
        if not single:
            cells.append(_ratio(t.overall[r.key]))
        table.rows.append(Row(r.key, r.label, cells))
    return table


def _durations(indicator: Indicator, t: SafeDurationTable, single: bool) -> Table:
    headers = [c.label for c in t.columns] + ([] if single else [_OVERALL])
    keys = [c.key for c in t.columns] + ([] if single else ["overall"])
    summaries = [t.cell(c.key) for c in t.columns] + ([] if single else [t.overall])
    unit = t.unit
    table = Table(indicator, "", headers, keys, unit=unit)
    table.rows.append(Row("n", "How many", [Shown(s.n, count=True) for s in summaries]))
    table.rows.append(Row("median", f"Median ({unit})", [Shown(s.median) for s in summaries]))
    table.rows.append(Row("p90", f"90th percentile ({unit})", [Shown(s.p90) for s in summaries]))
    if summaries and summaries[0].within_share is not None:
        table.rows.append(
            Row(
                "within_24h",
                "% within 24 hours",
                [_ratio(s.within_share) for s in summaries if s.within_share is not None],
            )
        )
    return table
