"""Forms for creating teams and changing membership."""

from __future__ import annotations

from wtforms import (
    BooleanField,
    FloatField,
    SelectField,
    StringField,
    SubmitField,
    TimeField,
)
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from coresponse.form_helpers import Form, MultiCheckboxField, enum_choices
from coresponse.locking import VersionField
from coresponse.people.models import Borough
from coresponse.teams.models import Team
from coresponse.teams.services import TeamDetails


class TeamForm(Form):
    name = StringField("Team name", validators=[DataRequired(), Length(max=80)])
    base_address = StringField(
        "Base address",
        validators=[DataRequired(), Length(max=200)],
        description="Where the team starts its shifts, usually a precinct station house.",
    )
    base_latitude = FloatField(
        "Base latitude", validators=[Optional(), NumberRange(min=-90, max=90)]
    )
    base_longitude = FloatField(
        "Base longitude", validators=[Optional(), NumberRange(min=-180, max=180)]
    )
    precincts = StringField(
        "Precincts covered",
        validators=[Optional(), Length(max=400)],
        description="NYPD precinct numbers separated by commas, e.g. 73, 75, 77.",
    )
    boroughs = MultiCheckboxField("Boroughs covered", choices=enum_choices(Borough))
    shift_start = TimeField("Shift starts", validators=[Optional()])
    shift_end = TimeField(
        "Shift ends",
        validators=[Optional()],
        description="Leave both empty for a team on call around the clock.",
    )
    active = BooleanField("Active (takes new cases)", default=True)
    version = VersionField()
    submit = SubmitField("Save team")

    @classmethod
    def for_team(cls, team: Team) -> TeamForm:
        form = cls(obj=team)
        if not form.is_submitted():
            form.precincts.data = ", ".join(team.precincts)
            form.boroughs.data = team.boroughs
        return form

    def details(self) -> TeamDetails:
        precincts = [p.strip() for p in (self.precincts.data or "").split(",") if p.strip()]
        return TeamDetails(
            name=self.name.data or "",
            base_address=self.base_address.data or "",
            base_latitude=self.base_latitude.data,
            base_longitude=self.base_longitude.data,
            precincts=precincts,
            boroughs=[Borough(b) for b in self.boroughs.data or []],
            shift_start=self.shift_start.data,
            shift_end=self.shift_end.data,
            active=bool(self.active.data),
        )


class AddMemberForm(Form):
    user_id = SelectField("Add a member", coerce=int, choices=[])
    # The team's version when the page was shown: membership changes since are a 409.
    version = VersionField()
    submit = SubmitField("Add to team")


class RemoveMemberForm(Form):
    reason = StringField(
        "Reason (optional)",
        validators=[Optional(), Length(max=200)],
        description="E.g. transferred, on leave, left the program.",
    )
    version = VersionField()
    submit = SubmitField("Remove from team")
