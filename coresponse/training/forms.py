"""The form a supervisor or administrator records a completed course with."""

from __future__ import annotations

from datetime import date

from wtforms import DateField, SelectField, SubmitField
from wtforms.validators import DataRequired, Optional

from coresponse.form_helpers import Form, enum_choices
from coresponse.training.models import TrainingKind


class TrainingForm(Form):
    kind = SelectField("Course", choices=enum_choices(TrainingKind), validators=[DataRequired()])
    completed_on = DateField("Completed on", validators=[DataRequired()])
    expires_on = DateField(
        "Expires on",
        validators=[Optional()],
        description="The last day it counts. Leave empty if it does not expire.",
    )
    submit = SubmitField("Record training")

    @property
    def completed_day(self) -> date:
        """The completion date (required: validated before any service sees it)."""
        day = self.completed_on.data
        if not isinstance(day, date):
            raise ValueError("completed_on is required")  # DataRequired() stops this first
        return day

    @property
    def kind_value(self) -> TrainingKind:
        return TrainingKind(self.kind.data)
