"""Forms for creating teams and changing membership."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from wtforms import (
    BooleanField,
    FloatField,
    SelectField,
    StringField,
    SubmitField,
    TimeField,
)
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from coresponse.form_helpers import Form, MultiCheckboxField
from coresponse.geo.nyc import precinct_label
from coresponse.locking import VersionField
from coresponse.people.models import Borough
from coresponse.teams.models import Team
from coresponse.teams.services import TeamDetails


class TeamForm(Form):
    name = StringField("Team name", validators=[DataRequired(), Length(max=80)])
    base_address = StringField(
        "Base address",
        validators=[DataRequired(), Length(max=200)],
        description="Where the team starts its shifts, usually a precinct station house, with "
        "its ZIP code: the base is placed on the map from it.",
    )
    base_latitude = FloatField(
        "Base latitude", validators=[Optional(), NumberRange(min=-90, max=90)],
        description="Optional: leave both empty to place the base from its address.",
    )  # fmt: skip
    base_longitude = FloatField(
        "Base longitude", validators=[Optional(), NumberRange(min=-180, max=180)]
    )
    # Rendered by templates/teams/_precincts.html as checkboxes grouped by borough:
    # <input type="checkbox" name="precincts" value="75">, which the map binds to.
    # The service checks each code against the boundaries, with a message naming it.
    precincts = MultiCheckboxField(
        "Precincts covered",
        validate_choice=False,
        description="Dispatch ranks first the teams that cover the precinct a person is in.",
    )
    shift_start = TimeField("Shift starts", validators=[Optional()])
    shift_end = TimeField(
        "Shift ends",
        validators=[Optional()],
        description="Leave both empty for a team on call around the clock.",
    )
    active = BooleanField("Active (takes new cases)", default=True)
    version = VersionField()
    submit = SubmitField("Save team")

    def __init__(self, *args: Any, precincts: Sequence[tuple[str, Borough]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.precincts.choices = [(code, precinct_label(code)) for code, _ in precincts]
        self.precinct_groups: list[tuple[Borough, list[str]]] = [
            (borough, [code for code, b in precincts if b is borough]) for borough in Borough
        ]

    @classmethod
    def for_team(cls, team: Team, *, precincts: Sequence[tuple[str, Borough]]) -> TeamForm:
        form = cls(obj=team, precincts=precincts)
        if not form.is_submitted():
            form.precincts.data = team.precincts
        return form

    def details(self) -> TeamDetails:
        return TeamDetails(
            name=self.name.data or "",
            base_address=self.base_address.data or "",
            base_latitude=self.base_latitude.data,
            base_longitude=self.base_longitude.data,
            precincts=list(self.precincts.data or []),
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
