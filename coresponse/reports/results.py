"""The shapes of computed indicators, before small cells are suppressed.

Nothing here leaves the program as is: `suppression.suppress()` turns these into
the tables a page, a CSV or the API may show. Keys are strings ("BK", "2025-11",
a team's id); labels are what a reader sees.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date

from coresponse.reports.definitions import GroupBy


@dataclass(frozen=True)
class Label:
    key: str
    label: str


@dataclass(frozen=True)
class CountTable:
    """Counts of categories (rows) by group (columns), with the totals a page shows.

    Totals are sums unless `additive` is False (distinct people: a person in two
    columns counts once in the total); missing cells are 0.
    """

    rows: tuple[Label, ...]
    columns: tuple[Label, ...]
    cells: Mapping[tuple[str, str], int]
    row_totals: Mapping[str, int]
    column_totals: Mapping[str, int]
    total: int
    additive: bool = True

    def cell(self, row: str, column: str) -> int:
        return self.cells.get((row, column), 0)


@dataclass(frozen=True)
class Ratio:
    numerator: int
    denominator: int

    def value(self, scale: int = 100) -> float | None:
        """numerator / denominator × scale (a percentage at 100); None when nothing to divide."""
        return self.numerator * scale / self.denominator if self.denominator else None


@dataclass(frozen=True)
class RateTable:
    """A ratio per row and group, and per row for the whole program (`overall`)."""

    rows: tuple[Label, ...]
    columns: tuple[Label, ...]
    cells: Mapping[tuple[str, str], Ratio]
    overall: Mapping[str, Ratio]
    scale: int = 100

    def cell(self, row: str, column: str) -> Ratio:
        return self.cells.get((row, column), Ratio(0, 0))


@dataclass(frozen=True)
class Summary:
    """Durations of one group: how many, median and 90th percentile; and, for an
    indicator with a standard, how many met it of how many it applied to."""

    n: int
    median: float | None
    p90: float | None
    within: int | None = None
    eligible: int | None = None

    @property
    def within_share(self) -> Ratio | None:
        if self.within is None or self.eligible is None:
            return None
        return Ratio(self.within, self.eligible)


@dataclass(frozen=True)
class DurationTable:
    columns: tuple[Label, ...]
    cells: Mapping[str, Summary]
    overall: Summary
    unit: str

    def cell(self, column: str) -> Summary:
        return self.cells.get(column, Summary(0, None, None))


Result = CountTable | RateTable | DurationTable


@dataclass(frozen=True)
class Outcomes:
    """Every indicator for one range and grouping (raw: pass it to suppression.suppress)."""

    first: date
    last: date
    group_by: GroupBy
    columns: tuple[Label, ...]
    results: Mapping[str, Result] = field(default_factory=dict)

    def __getitem__(self, indicator_id: str) -> Result:
        return self.results[indicator_id]


def percentile(values: Sequence[float], q: float) -> float | None:
    """The q-quantile (0..1) by linear interpolation between closest ranks (the median
    at 0.5 is the usual one: the mean of the middle two of an even count)."""
    if not values:
        return None
    ordered = sorted(values)
    position = (len(ordered) - 1) * q
    below = int(position)
    above = min(below + 1, len(ordered) - 1)
    fraction = position - below
    return ordered[below] + (ordered[above] - ordered[below]) * fraction


def summarise(
    values: Sequence[float], *, within: int | None = None, eligible: int | None = None
) -> Summary:
    return Summary(
        n=len(values),
        median=percentile(values, 0.5),
        p90=percentile(values, 0.9),
        within=within,
        eligible=eligible,
    )
