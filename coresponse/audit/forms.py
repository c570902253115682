"""The audit report's filters (a GET form: the filters live in the URL)."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from wtforms import DateField, IntegerField, SelectField, StringField
from wtforms.validators import Length, NumberRange, Optional, Regexp, ValidationError

from coresponse.audit import queries
from coresponse.audit.filters import AuditFilters
from coresponse.audit.models import AuditAction
from coresponse.clock import day_start
from coresponse.db_types import MAX_ID
from coresponse.form_helpers import Form, enum_choices


def _local_midnight_in_utc(day: date) -> datetime | None:
    """Midnight starting `day` in the program's time zone, in UTC (None past the calendar's ends)."""
    try:
        return day_start(day)
    except (OverflowError, ValueError):
        return None


class AuditFilterForm(Form):
    """Narrow the audit report by user, person, action, record type and local dates."""

    class Meta:
        csrf = False  # a GET form that changes nothing

    user = StringField(
        "User",
        validators=[Optional(), Length(max=64)],
        render_kw={"placeholder": "username", "autocapitalize": "none"},
    )
    person = IntegerField(
        "Person id",
        validators=[
            Optional(),
            NumberRange(min=1, max=MAX_ID, message="Give a person's id number."),
        ],
        render_kw={"placeholder": "e.g. 1042", "inputmode": "numeric"},
    )
    action = SelectField("Action", choices=enum_choices(AuditAction, blank="Any action"),
                         validators=[Optional()])  # fmt: skip
    record_type = StringField(
        "Record type",
        validators=[
            Optional(),
            Regexp(r"^[a-z_]{1,40}$", message="Lower-case letters and _ only, e.g. contact."),
        ],
        render_kw={"placeholder": "e.g. person, case, contact", "autocapitalize": "none"},
    )
    date_from = DateField("From", validators=[Optional()])
    date_to = DateField("To", validators=[Optional()])

    _user_id: int | None = None

    def validate_user(self, field: StringField) -> None:
        username = (field.data or "").strip()
        if not username:
            return
        user = queries.find_user(username)
        if user is None:
            raise ValidationError(f"No account has the username {username!r}.")
        self._user_id = user.id

    def validate_person(self, field: IntegerField) -> None:
        if field.errors or field.data is None:
            return  # not a valid id: nothing to look up
        if not queries.person_exists(field.data):
            raise ValidationError(f"No person has the id {field.data}.")

    def validate_date_to(self, field: DateField) -> None:
        if (
            not field.errors
            and field.data
            and self.date_from.data
            and field.data < self.date_from.data
        ):
            raise ValidationError("The end date is before the start date.")

    def filters(self) -> AuditFilters:
        """The validated filters, with the local dates turned into UTC bounds."""
        start = _local_midnight_in_utc(self.date_from.data) if self.date_from.data else None
        end = None
        if self.date_to.data and self.date_to.data < date.max:
            end = _local_midnight_in_utc(self.date_to.data + timedelta(days=1))
        username = (self.user.data or "").strip() or None
        return AuditFilters(
            user_id=self._user_id if username else None,
            username=username,
            person_id=self.person.data,
            action=AuditAction(self.action.data) if self.action.data else None,
            record_type=self.record_type.data or None,
            start_date=self.date_from.data,
            end_date=self.date_to.data,
            start=start,
            end=end,
        )

    def query_args(self) -> dict[str, str]:
        """The filters as URL parameters, for the pager and the export link."""
        return {
            name: str(value)
            for name, value in (
                ("user", (self.user.data or "").strip()),
                ("person", self.person.data),
                ("action", self.action.data),
                ("record_type", self.record_type.data),
                ("date_from", self.date_from.data and self.date_from.data.isoformat()),
                ("date_to", self.date_to.data and self.date_to.data.isoformat()),
            )
            if value
        }
