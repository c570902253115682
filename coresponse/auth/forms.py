"""Forms for logging in, passwords and the account screens."""

from __future__ import annotations

from collections.abc import Callable
from enum import Enum
from typing import TypeVar

from wtforms import (
    EmailField,
    Field,
    PasswordField,
    RadioField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice  # type: ignore[attr-defined]  # types-WTForms describes 3.2; SelectChoice is new in 3.3
from wtforms.validators import (
    DataRequired,
    EqualTo,
    InputRequired,
    Length,
    Optional,
    ValidationError,
)

from coresponse.auth.models import Discipline, Role
from coresponse.auth.services import (
    DECISION_NOTE_MAX,
    MAX_PASSWORD_LENGTH,
    MIN_PASSWORD_LENGTH,
)
from coresponse.form_helpers import Form, email_address, enum_choices

E = TypeVar("E", bound=Enum)


def _optional_enum(enum_cls: type[E]) -> Callable[[object], E | None]:
    return lambda value: enum_cls(value) if value else None


class LoginForm(Form):
    username = StringField(
        "Username",
        validators=[DataRequired(), Length(max=64)],
        render_kw={"autocomplete": "username", "autocapitalize": "none", "spellcheck": "false"},
    )
    password = PasswordField(
        "Password",
        validators=[DataRequired(), Length(max=200)],
        render_kw={"autocomplete": "current-password"},
    )
    submit = SubmitField("Log in")


def _code_field(label: str = "Code from your app") -> StringField:
    return StringField(
        label,
        validators=[DataRequired(), Length(max=20)],
        description="6 digits; spaces do not matter.",
        render_kw={
            "autocomplete": "one-time-code",
            "inputmode": "numeric",
            "pattern": "[0-9 ]*",
            "maxlength": "20",
        },
    )


class LoginCodeForm(Form):
    code = _code_field()
    submit = SubmitField("Continue")


class TwoFactorConfirmForm(Form):
    code = _code_field()
    submit = SubmitField("Turn on two-factor login")


class TwoFactorDisableForm(Form):
    password = PasswordField(
        "Your password",
        validators=[DataRequired(), Length(max=200)],
        render_kw={"autocomplete": "current-password"},
    )
    code = _code_field()
    submit = SubmitField("Turn off two-factor login")


def _new_password_fields() -> tuple[PasswordField, PasswordField]:
    return (
        PasswordField(
            "New password",
            validators=[
                DataRequired(),
                Length(
                    min=MIN_PASSWORD_LENGTH,
                    max=MAX_PASSWORD_LENGTH,
                    message=f"Use at least {MIN_PASSWORD_LENGTH} characters "
                    f"(and at most {MAX_PASSWORD_LENGTH}).",
                ),
            ],
            description=f"At least {MIN_PASSWORD_LENGTH} characters, not a common password "
            "and not your name. A phrase of several unrelated words is easy to type and hard "
            "to guess.",
            render_kw={"autocomplete": "new-password"},
        ),
        PasswordField(
            "Repeat new password",
            validators=[DataRequired(), EqualTo("password", message="The passwords differ.")],
            render_kw={"autocomplete": "new-password"},
        ),
    )


class ChangePasswordForm(Form):
    current_password = PasswordField(
        "Current password",
        validators=[DataRequired(), Length(max=200)],
        render_kw={"autocomplete": "current-password"},
    )
    password, confirm = _new_password_fields()
    submit = SubmitField("Change password")


class _UserFields(Form):
    full_name = StringField("Full name", validators=[DataRequired(), Length(max=120)])
    email = EmailField("E-mail (optional)", validators=[Optional(), Length(max=254), email_address])
    # No role until one is chosen: a default would make every slip an administrator.
    role = SelectField(
        "Role",
        choices=enum_choices(Role, blank="— choose a role —"),
        coerce=_optional_enum(Role),
    )
    discipline = SelectField(
        "Supervisor's discipline",
        choices=enum_choices(Discipline, blank="— not a supervisor —"),
        coerce=_optional_enum(Discipline),
        validate_choice=False,
        description="Only for supervisors: a police sergeant or a clinical supervisor.",
    )

    def validate_role(self, field: Field) -> None:
        if field.data is None:
            raise ValidationError("Choose the user's role.")

    def validate_discipline(self, field: Field) -> None:
        if field.data is not None and not isinstance(field.data, Discipline):
            raise ValidationError("Choose police or clinical.")
        if self.role.data is Role.SUPERVISOR and field.data is None:
            raise ValidationError("A supervisor needs a discipline: police or clinical.")


class UserCreateForm(_UserFields):
    username = StringField(
        "Username",
        validators=[DataRequired(), Length(min=2, max=63)],
        description="Lower-case letters, digits, '.', '_' or '-'.",
    )
    password, confirm = _new_password_fields()
    submit = SubmitField("Create user")


class UserEditForm(_UserFields):
    submit = SubmitField("Save changes")


class ResetPasswordForm(Form):
    password, confirm = _new_password_fields()
    submit = SubmitField("Reset password")


class ConfirmForm(Form):
    """An empty form: a button that posts with its CSRF token."""

    submit = SubmitField("Confirm")


class AccessDecisionForm(Form):
    """A supervisor's decision on an access request, posted by the button pressed."""

    decision = RadioField(
        "Decision",
        choices=[SelectChoice("approve", "Approve"), SelectChoice("reject", "Reject")],
        validators=[InputRequired("Choose Approve or Reject.")],
    )
    note = TextAreaField(
        "Note (optional)",
        validators=[Optional(), Length(max=DECISION_NOTE_MAX)],
        description="Why, for the administrator and the audit trail.",
        render_kw={"rows": 2, "maxlength": str(DECISION_NOTE_MAX)},
    )
