"""The outcome reports: the dashboard, the monthly program report and their CSV."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from datetime import date, timedelta

from flask import Response, render_template, request
from flask.typing import ResponseReturnValue
from flask_login import current_user

from coresponse.clock import utcnow
from coresponse.formatting import local
from coresponse.privacy import policy
from coresponse.privacy.routes import allow
from coresponse.reports import bp, charts, queries, services
from coresponse.reports.definitions import (
    FUNNEL_DEFINITION,
    GROUP_LABELS,
    INDICATORS,
    KEY_INDICATORS,
    MULTI_VALUED,
    GroupBy,
    Indicator,
)
from coresponse.reports.forms import MonthForm, ReportForm
from coresponse.reports.suppression import SafeOutcomes, suppress, suppress_funnel
from coresponse.reports.tables import Table, tables
from coresponse.web import request_info

# The monthly report's equity tables, one per grouping.
_EQUITY = (
    GroupBy.BOROUGH, GroupBy.PRECINCT, GroupBy.LANGUAGE, GroupBy.AGE_BAND, GroupBy.GENDER,
    GroupBy.RACE_ETHNICITY,
)  # fmt: skip


def _treatment() -> bool:
    return policy.can_see_treatment_outcomes(current_user)


def _report(
    first: date, last: date, group_by: GroupBy, only: frozenset[str] | None = None
) -> SafeOutcomes:
    """The indicators as the reader may see them (or those in `only`): small cells
    suppressed, and no connections for the police (policy.can_see_treatment_outcomes)."""
    return suppress(queries.outcomes(first, last, group_by, only=only, treatment=_treatment()))


def _funnel(first: date, last: date) -> charts.Chart:
    return charts.funnel(suppress_funnel(queries.funnel(first, last, treatment=_treatment())))


@bp.route("/")
@allow(policy.can_view_reports)
def dashboard() -> ResponseReturnValue:
    """Every indicator for a range of days, by a grouping, with trends and the funnel."""
    form = ReportForm(formdata=request.args)
    if not form.validate():
        return render_template("reports/dashboard.html", form=form, report=None), 422
    first, last = form.range()
    form.date_from.data, form.date_to.data = first, last  # show the defaults it used
    group_by = form.grouping()
    report = _report(first, last, group_by)
    # The trend charts show the key measures only: the rest is not computed by month.
    by_month = (
        report
        if group_by is GroupBy.MONTH
        else _report(first, last, GroupBy.MONTH, only=KEY_INDICATORS)
    )
    return render_template(
        "reports/dashboard.html",
        form=form,
        report=report,
        first=first,
        last=last,
        group_label=GROUP_LABELS[group_by],
        multi_valued=group_by in MULTI_VALUED,
        headline=charts.overall_measures(report),
        trend_charts=charts.trends(by_month),
        group_charts=charts.by_group(report, GROUP_LABELS[group_by]),
        area_map=charts.precinct_map(report),
        funnel=_funnel(first, last),
        funnel_definition=FUNNEL_DEFINITION,
        tables=tables(report, _shown()),
    )


@bp.route("/outcomes.csv")
@allow(policy.can_view_reports)
def outcomes_csv() -> ResponseReturnValue:
    """Every table of the dashboard (or one: ?indicator=id) as CSV, suppressed as shown."""
    form = ReportForm(formdata=request.args)
    if not form.validate():
        return render_template("reports/dashboard.html", form=form, report=None), 422
    first, last = form.range()
    group_by = form.grouping()
    wanted = request.args.get("indicator")
    chosen = tuple(i for i in _shown() if wanted in (None, "", i.id))
    if not chosen:
        return render_template(
            "reports/dashboard.html", form=form, report=None,
            unknown_indicator=wanted,
        ), 422  # fmt: skip
    lines = _csv_lines(tables(_report(first, last, group_by), chosen))
    services.record_report_export(
        "outcome tables" if wanted is None else f"outcome table {wanted}",
        first=first, last=last, group_by=group_by, rows=len(lines) - 1, by=current_user,
        request_info=request_info(),
    )  # fmt: skip
    name = f"outcomes-{first:%Y%m%d}-{last:%Y%m%d}-{group_by.value}.csv"
    return _csv_response(lines, name)


@bp.route("/monthly")
@allow(policy.can_view_reports)
def monthly() -> ResponseReturnValue:
    """The monthly program report: one printable page set for the month chosen."""
    form = MonthForm(formdata=request.args)
    if not form.validate():
        return render_template("reports/monthly.html", form=form, report=None), 422
    first = form.first_day()
    form.month.data = f"{first:%Y-%m}"
    last = (first + timedelta(days=32)).replace(day=1) - timedelta(days=1)
    trend_first = (first - timedelta(days=334)).replace(day=1)  # the month and 11 before it
    report = _report(first, last, GroupBy.NONE)
    equity = [
        charts.key_measures(_report(first, last, g, only=KEY_INDICATORS), GROUP_LABELS[g])
        for g in _EQUITY
    ]
    return render_template(
        "reports/monthly.html",
        form=form,
        report=report,
        first=first,
        last=last,
        headline=charts.overall_measures(report),
        trend_charts=charts.trends(_report(trend_first, last, GroupBy.MONTH, only=KEY_INDICATORS)),
        funnel=_funnel(first, last),
        funnel_definition=FUNNEL_DEFINITION,
        equity=equity,
        tables=tables(report, _shown()),
        made_at=local(utcnow()),
    )


def _shown() -> tuple[Indicator, ...]:
    """The indicators this reader gets (the police: none about connections)."""
    return tuple(i for i in INDICATORS if _treatment() or not i.treatment)


def _csv_lines(shown: list[Table]) -> list[str]:
    """One line per cell: indicator, row, column, value (blank where suppressed), and for a
    rate its numerator and denominator; the same cells as the page shows."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["indicator_id", "indicator", "row", "column", "value", "suppressed",
                     "numerator", "denominator", "unit"])  # fmt: skip
    for table in shown:
        for row in table.rows:
            for header, cell in zip(table.headers, row.cells, strict=True):
                of = cell.of or (None, None)
                writer.writerow([
                    table.indicator.id, table.indicator.label, row.label, header,
                    _value(cell.cell), "yes" if cell.cell.suppressed else "",
                    *(_value(part) if part is not None else "" for part in of), table.unit,
                ])  # fmt: skip
    return out.getvalue().splitlines(keepends=True)


def _value(cell: object) -> str:
    value = getattr(cell, "value", None)
    if value is None:
        return ""
    return f"{value:.1f}" if isinstance(value, float) else str(value)


def _csv_response(lines: list[str], filename: str) -> Response:
    def body() -> Iterator[str]:
        yield from lines

    response = Response(body(), mimetype="text/csv")
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["Cache-Control"] = "no-store"
    return response
