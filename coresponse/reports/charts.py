"""The charts' tables: each chart is drawn from a small table shown beside it.

Monthly trends, the funnel and bars by group are read off the suppressed results,
so a chart never shows what its table hides (static/js/reports/charts.js draws them).
"""

from __future__ import annotations

from dataclasses import dataclass

from coresponse.reports.definitions import ALL, GroupBy
from coresponse.reports.results import Label
from coresponse.reports.suppression import (
    Cell,
    SafeCountTable,
    SafeDurationTable,
    SafeOutcomes,
    SafeRateTable,
)


@dataclass(frozen=True)
class Chart:
    """A chart's title, one-line summary and table (first column labels the points)."""

    title: str
    summary: str
    kind: str  # "line", "hbar" (bars by group), "funnel" (both sideways) or "table" (no chart)
    unit: str
    series: list[str]
    points: list[tuple[str, list[Cell]]]
    corner: str = ""  # the header above the points' labels
    keys: list[str] | None = None  # each point's group key (the precinct map's precincts)


def _count(result: object, column: str) -> Cell:
    assert isinstance(result, SafeCountTable)  # noqa: S101  # nosec B101
    return result.column_totals[column]


def _total(result: object) -> Cell:
    assert isinstance(result, SafeCountTable)  # noqa: S101  # nosec B101
    return result.total


def _within_24h(result: object, column: str | None) -> Cell:
    assert isinstance(result, SafeDurationTable)  # noqa: S101  # nosec B101
    summary = result.overall if column is None else result.cell(column)
    share = summary.within_share
    return share.value if share is not None else Cell(None)


def _connected(result: object, column: str | None) -> Cell:
    assert isinstance(result, SafeRateTable)  # noqa: S101  # nosec B101
    ratio = result.overall["connected"] if column is None else result.cell("connected", column)
    return ratio.value


def _volume(report: SafeOutcomes) -> list[tuple[str, list[Cell]]]:
    return [
        (c.label, [_count(report["referrals_by_source"], c.key),
                   _count(report["people_served"], c.key)])
        for c in report.columns
    ]  # fmt: skip


def _treatment(report: SafeOutcomes) -> bool:
    """Whether the report holds the connections (not for police readers)."""
    return "closed_with_verified_connection" in report.results


def _shares(report: SafeOutcomes) -> list[tuple[str, list[Cell]]]:
    """% first contact within 24 h, and % of closed cases connected when the report has it."""
    return [
        (c.label, [_within_24h(report["hours_to_first_contact"], c.key)]
         + ([_connected(report["closed_with_verified_connection"], c.key)]
            if _treatment(report) else []))
        for c in report.columns
    ]  # fmt: skip


def _share_series(report: SafeOutcomes) -> list[str]:
    return _SHARES if _treatment(report) else _SHARES[:1]


_VOLUME = ["Referrals received", "People served"]
_SHARES = ["% first contact within 24 h", "% of closed cases connected"]


def _summary_of(
    points: list[tuple[str, list[Cell]]], series: list[str], unit: str, *, trend: bool = True
) -> str:
    """One line a reader can take away: each series' first and last shown point (a trend),
    or its highest and lowest (bars by group); hidden points are left out."""
    parts = []
    for i, name in enumerate(series):
        shown = [(label, cells[i]) for label, cells in points if cells[i].value is not None]
        if not shown:
            parts.append(f"{name}: nothing to show")
            continue
        if not trend:
            shown.sort(key=lambda point: point[1].value or 0, reverse=True)
        (a, first), (b, last) = shown[0], shown[-1]
        if len(shown) == 1:
            parts.append(f"{name}: {first.text}{unit} in {a}")
        elif trend:
            parts.append(f"{name}: {first.text}{unit} in {a}, {last.text}{unit} in {b}")
        else:
            parts.append(
                f"{name}: highest {first.text}{unit} ({a}), lowest {last.text}{unit} ({b})"
            )
    return "; ".join(parts) + "."


def trends(by_month: SafeOutcomes) -> list[Chart]:
    """Two line charts by New York month: volumes, and the two standards."""
    assert by_month.group_by is GroupBy.MONTH  # noqa: S101  # nosec B101
    volume, shares = _volume(by_month), _shares(by_month)
    return [
        Chart("Referrals and people served, by month", _summary_of(volume, _VOLUME, ""),
              "line", "", _VOLUME, volume, "Month"),
        Chart("First contact within 24 hours, and closed cases connected to care, by month"
              if _treatment(by_month) else "First contact within 24 hours, by month",
              _summary_of(shares, _share_series(by_month), "%"), "line", "%",
              _share_series(by_month), shares, "Month"),
    ]  # fmt: skip


def by_group(report: SafeOutcomes, group_label: str) -> list[Chart]:
    """Bars by the report's grouping (borough, precinct, team...); none for one column."""
    if [c.key for c in report.columns] == [ALL] or report.group_by is GroupBy.MONTH:
        return []
    volume, shares = _volume(report), _shares(report)
    return [
        Chart(f"Referrals and people served, by {group_label.lower()}",
              _summary_of(volume, _VOLUME, "", trend=False), "hbar", "", _VOLUME, volume, group_label),
        Chart(f"First contact within 24 hours{' and cases connected' if _treatment(report) else ''}, "
              f"by {group_label.lower()}",
              _summary_of(shares, _share_series(report), "%", trend=False), "hbar", "%",
              _share_series(report), shares, group_label),
    ]  # fmt: skip


def precinct_map(report: SafeOutcomes) -> Chart | None:
    """The precinct map's table (static/js/maps/choropleth.js colours each precinct from
    its row): the key measures per precinct, the same suppressed cells as the bars, so
    the map never shows what the tables hide. None unless the report is by precinct."""
    if report.group_by is not GroupBy.PRECINCT:
        return None
    series = [*_VOLUME, *_share_series(report)]
    points = [
        (label, volume + shares)
        for (label, volume), (_, shares) in zip(_volume(report), _shares(report), strict=True)
    ]
    return Chart(
        "Referrals, people served and first contact within 24 hours, by precinct",
        "Counts from 1 to 10 are hidden (“<11”) and drawn grey; precincts with no "
        "referral in the range are white.",
        "map", "", series, points, "Precinct", keys=[c.key for c in report.columns],
    )  # fmt: skip


def funnel(stages: list[tuple[Label, Cell]]) -> Chart:
    points = [(label.label, [cell]) for label, cell in stages]
    first = stages[0][1] if stages else Cell(None)
    last = stages[-1][1] if stages else Cell(None)
    stage = stages[-1][0].label.lower() if stages else ""
    summary = f"Of {first.text} referrals received, {last.text} reached the last stage: {stage}."
    return Chart(
        "From referral to connection", summary, "funnel", "", ["Referrals"], points, "Stage"
    )


def key_measures(report: SafeOutcomes, title: str) -> Chart:
    """The four key measures per group, as one table (the monthly report's equity tables)."""
    points = [
        (label, volume + shares)
        for (label, volume), (_, shares) in zip(_volume(report), _shares(report), strict=True)
    ]
    return Chart(title, "", "table", "", [*_VOLUME, *_share_series(report)], points, title)


def overall_measures(report: SafeOutcomes) -> list[tuple[str, Cell]]:
    """The whole program's four key measures, for the tiles at the top of a report."""
    measures = [
        (_VOLUME[0], _total(report["referrals_by_source"])),
        (_VOLUME[1], _total(report["people_served"])),
        (_SHARES[0], _within_24h(report["hours_to_first_contact"], None)),
    ]
    if _treatment(report):
        measures.append((_SHARES[1], _connected(report["closed_with_verified_connection"], None)))
    return measures
