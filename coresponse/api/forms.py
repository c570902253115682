"""Forms on the API tokens page."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import StringField
from wtforms.validators import Length, Optional

from coresponse.api.services import NAME_MAX


class TokenForm(FlaskForm):
    """Make a token: a name says what it is for (e.g. "Tablet 3", "Records sync")."""

    name = StringField(
        "What is this token for?",
        validators=[Optional(), Length(max=NAME_MAX)],
        description="E.g. the tablet or program that will use it.",
    )


class RevokeForm(FlaskForm):
    """Revoke one token (the CSRF token is the whole form)."""
