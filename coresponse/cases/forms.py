"""Forms for dispatch, closure and reopening."""

from __future__ import annotations

from wtforms import HiddenField, SelectField, StringField, SubmitField
from wtforms.validators import DataRequired, Length, Optional

from coresponse.cases.models import ClosureReason
from coresponse.form_helpers import Form, clinical_note_field, enum_choices, team_note_field
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
    operational_note = team_note_field(
        "Closing note", example="E.g. moved to Ohio in May; family confirmed."
    )
    note = clinical_note_field("Closing note")
    version = VersionField()
    submit = SubmitField("Close the case")


class ReopenForm(Form):
    operational_note = team_note_field(
        "Why reopen", example="E.g. re-referred by the precinct after a new 911 call."
    )
    note = clinical_note_field("Why reopen")
    version = VersionField()
    submit = SubmitField("Reopen the case")
