"""The small-cell rule: no count from 1 to 10 shown, none recoverable from a total."""

from __future__ import annotations

import itertools

from hypothesis import given, settings
from hypothesis import strategies as st

from coresponse.reports.definitions import GroupBy
from coresponse.reports.results import (
    CountTable,
    DurationTable,
    Label,
    Outcomes,
    RateTable,
    Ratio,
    summarise,
)
from coresponse.reports.suppression import (
    SUPPRESSED_TEXT,
    Cell,
    SafeCountTable,
    is_small,
    suppress,
    suppress_counts,
    suppress_durations,
    suppress_rates,
)


def table(grid: list[list[int]]) -> CountTable:
    rows = tuple(Label(f"r{i}", f"Row {i}") for i in range(len(grid)))
    columns = tuple(Label(f"c{j}", f"Column {j}") for j in range(len(grid[0])))
    cells = {(r.key, c.key): grid[i][j] for i, r in enumerate(rows) for j, c in enumerate(columns)}
    row_totals = {r.key: sum(grid[i]) for i, r in enumerate(rows)}
    column_totals = {c.key: sum(row[j] for row in grid) for j, c in enumerate(columns)}
    return CountTable(rows, columns, cells, row_totals, column_totals, sum(row_totals.values()))


def lines(safe: SafeCountTable) -> list[list[Cell]]:
    """Every row and column with its total last, the totals' row and column included."""
    r_keys = [r.key for r in safe.rows]
    c_keys = [c.key for c in safe.columns]
    rows = [[safe.cell(r, c) for c in c_keys] + [safe.row_totals[r]] for r in r_keys]
    rows.append([safe.column_totals[c] for c in c_keys] + [safe.total])
    columns = [[safe.cell(r, c) for r in r_keys] + [safe.column_totals[c]] for c in c_keys]
    columns.append([safe.row_totals[r] for r in r_keys] + [safe.total])
    return rows + columns


def shown(safe: SafeCountTable) -> list[Cell]:
    return [
        *safe.cells.values(),
        *safe.row_totals.values(),
        *safe.column_totals.values(),
        safe.total,
    ]


def test_small_counts_are_shown_as_less_than_11() -> None:
    safe = suppress_counts(table([[0, 5, 40], [11, 12, 30]]))
    assert safe.cell("r0", "c1") == Cell(None, suppressed=True)
    assert safe.cell("r0", "c1").text == SUPPRESSED_TEXT == "<11"
    assert safe.cell("r0", "c0") == Cell(0)  # nobody is shown as 0
    assert safe.cell("r1", "c0").text == "11"


def test_the_next_smallest_cell_of_the_row_and_column_is_hidden_too() -> None:
    # 5 alone in its row would be 45 - 0 - 40; the row's next smallest non-zero cell (40)
    # goes with it; 5 alone in its column would be 17 - 12: 12 goes too.
    safe = suppress_counts(table([[0, 5, 40], [11, 12, 30]]))
    assert safe.cell("r0", "c2").suppressed
    assert safe.cell("r1", "c1").suppressed
    assert safe.cell("r0", "c0") == Cell(0)
    assert safe.row_totals["r0"] == Cell(45)


def test_a_small_total_is_hidden_and_cannot_be_summed_back() -> None:
    safe = suppress_counts(table([[3, 0], [20, 30]]))
    assert safe.cell("r0", "c0").suppressed
    assert safe.row_totals["r0"].suppressed  # 3
    assert all(
        not any(c.value is not None and is_small(c.value) for c in line) for line in lines(safe)
    )


def test_rates_and_medians_of_ten_or_fewer_are_hidden() -> None:
    rows, columns = (Label("share", "Share"),), (Label("a", "A"), Label("b", "B"))
    rates = suppress_rates(
        RateTable(rows, columns, {("share", "a"): Ratio(20, 40), ("share", "b"): Ratio(12, 30)},
                  {"share": Ratio(32, 70)})
    )  # fmt: skip
    assert rates.cell("share", "a").value == Cell(50.0)
    assert rates.overall["share"].value.value == 32 * 100 / 70
    small = suppress_rates(
        RateTable(rows, columns, {("share", "a"): Ratio(2, 40), ("share", "b"): Ratio(12, 30)},
                  {"share": Ratio(14, 70)})
    )  # fmt: skip
    # 2 of 40 is hidden, and 12 of 30 with it (else 14 - 12 gives it back).
    assert small.cell("share", "a").value.suppressed
    assert small.cell("share", "b").numerator.suppressed
    assert small.cell("share", "b").value.suppressed
    assert small.overall["share"].value == Cell(20.0)
    durations = suppress_durations(
        DurationTable(columns, {"a": summarise([1.0] * 5), "b": summarise([2.0] * 30)},
                      summarise([1.0] * 5 + [2.0] * 30), "hours")
    )  # fmt: skip
    assert durations.cell("a").median.suppressed
    assert durations.cell("b").median.suppressed  # complementary: 35 - 30 would give 5
    assert durations.overall.median == Cell(2.0)


def test_suppress_renders_a_whole_report() -> None:
    columns = (Label("all", "Whole program"),)
    outcomes = Outcomes(
        first=None, last=None, group_by=GroupBy.NONE, columns=columns,  # type: ignore[arg-type]
        results={"t": table([[4], [50]])},
    )  # fmt: skip
    safe = suppress(outcomes)
    counts = safe["t"]
    assert isinstance(counts, SafeCountTable)
    assert counts.cell("r0", "c0").suppressed


grids = st.integers(1, 5).flatmap(
    lambda n_rows: st.integers(1, 5).flatmap(
        lambda n_columns: st.lists(
            st.lists(
                st.one_of(st.just(0), st.integers(1, 10), st.integers(11, 200)),
                min_size=n_columns, max_size=n_columns,
            ),
            min_size=n_rows, max_size=n_rows,
        )
    )
)  # fmt: skip


@settings(max_examples=300, deadline=None)
@given(grids)
def test_no_count_from_1_to_10_survives(grid: list[list[int]]) -> None:
    for cell in shown(suppress_counts(table(grid))):
        assert cell.suppressed or cell.value is not None
        assert cell.value is None or not is_small(int(cell.value))


@settings(max_examples=300, deadline=None)
@given(grids)
def test_no_hidden_cell_is_a_total_minus_the_visible_ones(grid: list[list[int]]) -> None:
    for line in lines(suppress_counts(table(grid))):
        assert sum(cell.suppressed for cell in line) != 1


@settings(max_examples=200, deadline=None)
@given(grids)
def test_what_is_shown_is_the_true_count(grid: list[list[int]]) -> None:
    original = table(grid)
    safe = suppress_counts(original)
    for (r, c), cell in safe.cells.items():
        assert cell.suppressed or cell.value == original.cell(r, c)
    assert safe.total.suppressed or safe.total.value == original.total


# Units (a referral, a contact...) each in one row (its source) and in one or more columns
# (its person's answers): a multi-valued grouping such as race and ethnicity.
units = st.lists(
    st.tuples(st.integers(0, 3), st.frozensets(st.integers(0, 3), min_size=1, max_size=3)),
    max_size=120,
)


def multi_valued(members: list[tuple[int, frozenset[int]]]) -> CountTable:
    rows = tuple(Label(f"r{i}", f"Row {i}") for i in range(4))
    columns = tuple(Label(f"c{j}", f"Column {j}") for j in range(4))
    cells: dict[tuple[str, str], int] = {}
    for row, in_columns in members:
        for column in in_columns:
            cells[(f"r{row}", f"c{column}")] = cells.get((f"r{row}", f"c{column}"), 0) + 1
    row_totals = {r.key: sum(1 for row, _ in members if f"r{row}" == r.key) for r in rows}
    column_totals = {c.key: sum(cells.get((r.key, c.key), 0) for r in rows) for c in columns}
    return CountTable(rows, columns, cells, row_totals, column_totals, len(members),
                      additive=False)  # fmt: skip


@settings(max_examples=300, deadline=None)
@given(units)
def test_a_multi_valued_table_keeps_every_line_safe(
    members: list[tuple[int, frozenset[int]]],
) -> None:
    # Its columns and its totals column add up (each unit is in one row); its rows do not
    # (a unit in two columns is one in the row's total), and are guarded all the same.
    original = multi_valued(members)
    safe = suppress_counts(original)
    for cell in shown(safe):
        assert cell.value is None or not is_small(int(cell.value))
    for line in lines(safe):
        assert sum(cell.suppressed for cell in line) != 1
    assert safe.total.suppressed or safe.total.value == len(members)


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.tuples(st.integers(0, 60), st.integers(0, 60)).map(lambda t: Ratio(min(t), max(t))),
        min_size=1, max_size=6,
    )
)  # fmt: skip
def test_no_rate_gives_a_small_count_back(ratios: list[Ratio]) -> None:
    columns = tuple(Label(f"c{i}", f"C{i}") for i in range(len(ratios)))
    rows = (Label("r", "R"),)
    overall = Ratio(sum(r.numerator for r in ratios), sum(r.denominator for r in ratios))
    safe = suppress_rates(
        RateTable(rows, columns, {("r", c.key): r for c, r in zip(columns, ratios, strict=True)},
                  {"r": overall})
    )  # fmt: skip
    line = [safe.cell("r", c.key) for c in columns] + [safe.overall["r"]]
    for part in ("numerator", "denominator"):
        cells = [getattr(ratio, part) for ratio in line]
        assert sum(cell.suppressed for cell in cells) != 1
        assert all(cell.value is None or not is_small(int(cell.value)) for cell in cells)
    for ratio in line:
        # A value is shown only with both its counts.
        assert ratio.value.suppressed or not (
            ratio.numerator.suppressed or ratio.denominator.suppressed
        )


def test_a_funnel_never_shows_a_small_stage_or_a_small_loss_between_shown_stages() -> None:
    from coresponse.reports.suppression import suppress_funnel

    stages = [(Label(k, k), n) for k, n in
              [("referred", 120), ("accepted", 115), ("assigned", 100), ("contacted", 95),
               ("engaged", 40), ("connected", 7)]]  # fmt: skip
    shown = {label.key: cell for label, cell in suppress_funnel(stages)}
    # 115 is 5 short of 120; 95 is 5 short of 100: shown, either would give a 5 away.
    assert shown["accepted"].suppressed and shown["contacted"].suppressed
    assert shown["referred"].value == 120 and shown["assigned"].value == 100
    assert shown["engaged"].value == 40
    assert shown["connected"].suppressed  # 7 itself


@given(st.lists(st.integers(min_value=0, max_value=60), min_size=1, max_size=8))
def test_no_small_count_or_small_difference_survives_a_funnel(counts: list[int]) -> None:
    from coresponse.reports.suppression import suppress_funnel

    stages = sorted(counts, reverse=True)
    shown = [
        c.value for _, c in suppress_funnel([(Label(str(i), ""), n) for i, n in enumerate(stages)])
    ]
    visible = [v for v in shown if v is not None]
    assert not any(0 < v < 11 for v in visible)
    assert not any(0 < a - b < 11 for a, b in itertools.pairwise(visible))
