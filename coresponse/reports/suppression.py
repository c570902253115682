"""The small-cell rule, in one place: what of a report may leave the clinical team.

- A count from 1 to 10 is suppressed: shown as "<11"; in data, no value and a
  `suppressed` flag. 0 is shown (nobody is identified by nobody).
- Totals are counts too: a total from 1 to 10 is suppressed.
- Complementary suppression: in a table shown with its row and column totals, no
  row or column (its cells and its total) may have exactly one hidden entry, or the
  hidden one is its total minus the visible ones. Another entry is hidden too: the
  smallest visible non-zero cell of that line (a 0 or the total itself only when
  nothing else is left), repeated until no line has a lone hidden entry.
- A table whose row totals are not sums (distinct people; a grouping where a person
  has several answers, such as race and ethnicity) is guarded the same way. Its
  columns and its totals column still add up (each unit is in one row), so they are
  exact lines as above; across a row the total is at most the sum of the cells, which
  gives only bounds on a hidden cell, never its value, and those rows are treated as
  if they added up, which hides as much or more than they need.
- A funnel (stages each part of the one before) hides a stage whose count, or whose
  difference from the last stage shown, is from 1 to 10: the referrals lost between
  two shown stages are never a small count either.
- A percentage, a rate or a median describes its people: it is suppressed when its
  denominator (or n) is from 1 to 10, and a rate also when its numerator is, since
  rate × denominator would give the hidden count back.

Pages, CSV and the API render these structures and never the raw results.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

from coresponse.reports.definitions import GroupBy
from coresponse.reports.results import (
    CountTable,
    DurationTable,
    Label,
    Outcomes,
    RateTable,
    Ratio,
    Summary,
)

SMALLEST_SHOWN = 11
SUPPRESSED_TEXT = "<11"


def is_small(count: int) -> bool:
    """A count that would identify people: from 1 to 10."""
    return 0 < count < SMALLEST_SHOWN


@dataclass(frozen=True)
class Cell:
    """One value as it may be shown: `value` is None when suppressed (or not defined,
    e.g. a percentage of nobody: then `suppressed` is False)."""

    value: int | float | None
    suppressed: bool = False

    @property
    def text(self) -> str:
        if self.suppressed:
            return SUPPRESSED_TEXT
        if self.value is None:
            return "–"
        if isinstance(self.value, float):
            return f"{self.value:.1f}"
        return f"{self.value:,}"


HIDDEN = Cell(None, suppressed=True)


def count_cell(count: int) -> Cell:
    """A lone count (no table around it) under the small-cell rule."""
    return HIDDEN if is_small(count) else Cell(count)


def ratio_cell(ratio: Ratio, scale: int = 100) -> Cell:
    """A percentage or rate, suppressed when its numerator or denominator is 1–10."""
    if is_small(ratio.denominator) or is_small(ratio.numerator):
        return HIDDEN
    return Cell(ratio.value(scale))


@dataclass(frozen=True)
class SafeCountTable:
    rows: tuple[Label, ...]
    columns: tuple[Label, ...]
    cells: Mapping[tuple[str, str], Cell]
    row_totals: Mapping[str, Cell]
    column_totals: Mapping[str, Cell]
    total: Cell

    def cell(self, row: str, column: str) -> Cell:
        return self.cells[(row, column)]


@dataclass(frozen=True)
class SafeRatio:
    numerator: Cell
    denominator: Cell
    value: Cell  # the percentage (or rate per `scale`)


@dataclass(frozen=True)
class SafeRateTable:
    rows: tuple[Label, ...]
    columns: tuple[Label, ...]
    cells: Mapping[tuple[str, str], SafeRatio]
    overall: Mapping[str, SafeRatio]
    scale: int

    def cell(self, row: str, column: str) -> SafeRatio:
        return self.cells[(row, column)]


@dataclass(frozen=True)
class SafeSummary:
    n: Cell
    median: Cell
    p90: Cell
    within_share: SafeRatio | None  # % meeting the standard, when the indicator has one


@dataclass(frozen=True)
class SafeDurationTable:
    columns: tuple[Label, ...]
    cells: Mapping[str, SafeSummary]
    overall: SafeSummary
    unit: str

    def cell(self, column: str) -> SafeSummary:
        return self.cells[column]


SafeResult = SafeCountTable | SafeRateTable | SafeDurationTable


@dataclass(frozen=True)
class SafeOutcomes:
    first: date
    last: date
    group_by: GroupBy
    columns: tuple[Label, ...]
    results: Mapping[str, SafeResult]

    def __getitem__(self, indicator_id: str) -> SafeResult:
        return self.results[indicator_id]


def suppress(outcomes: Outcomes) -> SafeOutcomes:
    """Every indicator of a report, as it may be shown."""
    results: dict[str, SafeResult] = {}
    for name, result in outcomes.results.items():
        if isinstance(result, CountTable):
            results[name] = suppress_counts(result)
        elif isinstance(result, RateTable):
            results[name] = suppress_rates(result)
        else:
            results[name] = suppress_durations(result)
    return SafeOutcomes(outcomes.first, outcomes.last, outcomes.group_by, outcomes.columns, results)


def suppress_funnel(stages: list[tuple[Label, int]]) -> list[tuple[Label, Cell]]:
    """Each stage's count as it may be shown (see the module's rule for funnels)."""
    shown: list[tuple[Label, Cell]] = []
    last_shown: int | None = None
    for label, count in stages:
        lost = 0 if last_shown is None else last_shown - count
        if is_small(count) or is_small(lost):
            shown.append((label, HIDDEN))
        else:
            shown.append((label, Cell(count)))
            last_shown = count
    return shown


def suppress_counts(table: CountTable) -> SafeCountTable:
    """Primary and complementary suppression of a table shown with its totals."""
    row_keys = [r.key for r in table.rows]
    column_keys = [c.key for c in table.columns]
    values: dict[tuple[str, str], int] = {
        (r, c): table.cell(r, c) for r in row_keys for c in column_keys
    }
    # The totals take their place as one more column (row totals), one more row (column
    # totals) and the corner (the grand total): every line ends with its total.
    for r in row_keys:
        values[(r, _TOTAL)] = table.row_totals.get(r, 0)
    for c in column_keys:
        values[(_TOTAL, c)] = table.column_totals.get(c, 0)
    values[(_TOTAL, _TOTAL)] = table.total
    hidden = hide_small_cells(values, [*row_keys, _TOTAL], [*column_keys, _TOTAL])

    def cell(key: tuple[str, str]) -> Cell:
        return HIDDEN if key in hidden else Cell(values[key])

    return SafeCountTable(
        rows=table.rows,
        columns=table.columns,
        cells={(r, c): cell((r, c)) for r in row_keys for c in column_keys},
        row_totals={r: cell((r, _TOTAL)) for r in row_keys},
        column_totals={c: cell((_TOTAL, c)) for c in column_keys},
        total=cell((_TOTAL, _TOTAL)),
    )


_TOTAL = "\x00total"  # a key no row or column has


def hide_small_cells(
    values: Mapping[tuple[str, str], int],
    rows: list[str],
    columns: list[str],
    *,
    columns_total: bool = True,
) -> set[tuple[str, str]]:
    """Which entries of a grid to hide. The last column holds the rows' totals and (with
    `columns_total`) the last row the columns' totals: every row (and column) is a line
    whose last entry is its total.

    Hides every count from 1 to 10, then, while some line has exactly one hidden entry,
    hides the smallest visible non-zero cell of that line (else a visible 0, else its total).
    """
    hidden = {key for key, value in values.items() if is_small(value)}
    lines = [[(r, c) for c in columns] for r in rows]
    if columns_total:
        lines += [[(r, c) for r in rows] for c in columns]
    changed = True
    while changed:
        changed = False
        for line in lines:
            if sum(key in hidden for key in line) != 1:
                continue
            *cells, total = line
            visible = [key for key in cells if key not in hidden]
            nonzero = [key for key in visible if values[key] > 0]
            candidates = nonzero or visible or [total]
            hidden.add(min(candidates, key=lambda key: values[key]))
            changed = True
    return hidden


def suppress_ratio(ratio: Ratio, scale: int = 100) -> SafeRatio:
    """A ratio shown alone (no line of others with a total)."""
    return SafeRatio(
        numerator=count_cell(ratio.numerator),
        denominator=count_cell(ratio.denominator),
        value=ratio_cell(ratio, scale),
    )


def suppress_rates(table: RateTable) -> SafeRateTable:
    """Numerators and denominators across the groups add up to the overall ones, so
    each row of them is a line with its total; a value goes when either count goes."""
    columns = [c.key for c in table.columns]
    cells: dict[tuple[str, str], SafeRatio] = {}
    overall: dict[str, SafeRatio] = {}
    for row in table.rows:
        ratios = {c: table.cell(row.key, c) for c in columns}
        ratios[_TOTAL] = table.overall.get(row.key, Ratio(0, 0))
        safe = _safe_ratios(ratios, table.scale)
        overall[row.key] = safe.pop(_TOTAL)
        cells.update({(row.key, c): value for c, value in safe.items()})
    return SafeRateTable(table.rows, table.columns, cells, overall, table.scale)


def _safe_ratios(ratios: Mapping[str, Ratio], scale: int) -> dict[str, SafeRatio]:
    """Ratios of one line whose last key (_TOTAL) is the line's overall ratio."""
    keys = list(ratios)
    numerators = _hidden_in_line({k: ratios[k].numerator for k in keys})
    denominators = _hidden_in_line({k: ratios[k].denominator for k in keys})
    out = {}
    for k in keys:
        hide_value = k in numerators or k in denominators
        out[k] = SafeRatio(
            numerator=HIDDEN if k in numerators else Cell(ratios[k].numerator),
            denominator=HIDDEN if k in denominators else Cell(ratios[k].denominator),
            value=HIDDEN if hide_value else Cell(ratios[k].value(scale)),
        )
    return out


def _hidden_in_line(values: Mapping[str, int]) -> set[str]:
    """hide_small_cells for one line (its last entry the total)."""
    grid = {("line", k): v for k, v in values.items()}
    return {k for _, k in hide_small_cells(grid, ["line"], list(values), columns_total=False)}


def suppress_durations(table: DurationTable) -> SafeDurationTable:
    """Each group's n (and, with a standard, how many met it of how many) form lines
    with the overall ones; a median or percentile goes with its n."""
    summaries: dict[str, Summary] = {c.key: table.cell(c.key) for c in table.columns}
    summaries[_TOTAL] = table.overall
    n_hidden = _hidden_in_line({k: s.n for k, s in summaries.items()})
    shares: dict[str, SafeRatio] = {}
    if table.overall.within_share is not None:
        shares = _safe_ratios({k: s.within_share or Ratio(0, 0) for k, s in summaries.items()}, 100)
    safe = {
        k: SafeSummary(
            n=HIDDEN if k in n_hidden else Cell(s.n),
            median=HIDDEN if k in n_hidden else Cell(s.median),
            p90=HIDDEN if k in n_hidden else Cell(s.p90),
            within_share=shares.get(k),
        )
        for k, s in summaries.items()
    }
    overall = safe.pop(_TOTAL)
    return SafeDurationTable(table.columns, safe, overall, table.unit)
