"""Forms for dispatch, closure and reopening."""

from __future__ import annotations

from wtforms import HiddenField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from coresponse.cases.models import ClosureReason
from coresponse.form_helpers import CLINICAL_ONLY, Form, enum_choices
from coresponse.locking import VersionField


class AssignForm(Form):
    team_id = HiddenField(validators=[DataRequired(message="Choose a team.")])
    reason = StringField(
        "Reason for the change", validators=[Optional(), Length(max=500)],
        description="Needed when the case moves from one team to another.",
    )  # fmt: skip
    version = VersionField()
    submit = SubmitField("Assign")


class CloseForm(Form):
    reason = SelectField(
        "Reason", choices=enum_choices(ClosureReason), coerce=ClosureReason,
        description="Police on the team see “Closed” for connected to care, declined services "
        "and long-term hospitalization.",
    )  # fmt: skip
    note = TextAreaField(
        "Closing note", validators=[DataRequired(), Length(max=4000)], description=CLINICAL_ONLY
    )
    version = VersionField()
    submit = SubmitField("Close the case")


class ReopenForm(Form):
    note = TextAreaField(
        "Why reopen", validators=[DataRequired(), Length(max=4000)],
        description=f"E.g. re-referred by the precinct after a new 911 call. {CLINICAL_ONLY}",
    )  # fmt: skip
    version = VersionField()
    submit = SubmitField("Reopen the case")
