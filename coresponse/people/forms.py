"""Forms for people: correcting a location."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import FloatField, SelectField, SubmitField
from wtforms.validators import DataRequired, NumberRange

from coresponse.referrals.forms import precinct_choices


class LocationForm(FlaskForm):
    latitude = FloatField("Latitude", validators=[DataRequired(), NumberRange(min=-90, max=90)])
    longitude = FloatField("Longitude", validators=[DataRequired(), NumberRange(min=-180, max=180)])
    precinct = SelectField("Precinct", choices=precinct_choices())
    submit = SubmitField("Save location")
