"""The reports' choices: a range of New York days and a grouping, or a month (GET forms)."""

from __future__ import annotations

from datetime import date, datetime

from wtforms import DateField, SelectField, StringField
from wtforms.validators import Optional, ValidationError

from coresponse.clock import program_today
from coresponse.form_helpers import Form, SelectChoice
from coresponse.reports.definitions import GROUP_LABELS, GroupBy
from coresponse.reports.queries import EARLIEST, LATEST, ReportError, check_range, default_range


def _in_years(field: DateField) -> None:
    if field.data is not None and not EARLIEST <= field.data <= LATEST:
        raise ValidationError(f"Choose a date from {EARLIEST:%Y} to {LATEST:%Y}.")


class ReportForm(Form):
    """Which New York days, and how to split the program into columns."""

    class Meta:
        csrf = False  # a GET form that changes nothing

    date_from = DateField("From", validators=[Optional()])
    date_to = DateField("To", validators=[Optional()])
    group_by = SelectField(
        "Group by",
        choices=[SelectChoice(g.value, label) for g, label in GROUP_LABELS.items()],
        default=GroupBy.BOROUGH.value,
    )

    def validate_date_from(self, field: DateField) -> None:
        _in_years(field)

    def validate_date_to(self, field: DateField) -> None:
        _in_years(field)
        if self.date_from.errors or field.errors:
            return
        first, last = self.range()
        try:
            check_range(first, last)
        except ReportError as error:
            raise ValidationError(str(error)) from None

    def range(self) -> tuple[date, date]:
        """The chosen days, the last twelve months where a date is left blank."""
        default_first, default_last = default_range()
        return self.date_from.data or default_first, self.date_to.data or default_last

    def grouping(self) -> GroupBy:
        return GroupBy(self.group_by.data or GroupBy.BOROUGH.value)

    def query_args(self) -> dict[str, str]:
        first, last = self.range()
        return {"date_from": first.isoformat(), "date_to": last.isoformat(),
                "group_by": self.grouping().value}  # fmt: skip


class MonthForm(Form):
    """The month of the monthly program report (YYYY-MM); the last full month by default."""

    class Meta:
        csrf = False

    month = StringField("Month", validators=[Optional()], render_kw={"type": "month"})

    def validate_month(self, field: StringField) -> None:
        if not field.data:
            return
        try:
            chosen = datetime.strptime(field.data, "%Y-%m").date()
        except ValueError:
            raise ValidationError("Give a month as YYYY-MM, e.g. 2026-11.") from None
        if not EARLIEST <= chosen <= LATEST:
            raise ValidationError(f"Choose a month from {EARLIEST:%Y} to {LATEST:%Y}.")

    def first_day(self) -> date:
        if self.month.data and not self.month.errors:
            return datetime.strptime(self.month.data, "%Y-%m").date()
        today = program_today()
        return date(today.year - (today.month == 1), (today.month - 2) % 12 + 1, 1)
