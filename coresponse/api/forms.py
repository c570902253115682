"""Forms on the API tokens page."""

from __future__ import annotations

from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, Length, Optional

from coresponse.auth.tokens import NAME_MAX
from coresponse.form_helpers import Form


class TokenForm(Form):
    """Make a token: a name says what it is for (e.g. "Tablet 3", "Records sync")."""

    name = StringField(
        "What is this token for?",
        validators=[Optional(), Length(max=NAME_MAX)],
        description="E.g. the tablet or program that will use it.",
    )
    password = PasswordField(
        "Your password",
        validators=[DataRequired(message="Enter your password to make a token."), Length(max=200)],
        render_kw={"autocomplete": "current-password"},
        description="A token is a lasting key to your account: confirm it is you.",
    )


class RevokeForm(Form):
    """Revoke one token (the CSRF token is the whole form)."""
