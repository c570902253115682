"""Form pieces shared by every domain's forms."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from flask_wtf import FlaskForm
from wtforms import (
    Field,
    FloatField,
    SelectMultipleField,
    StringField,
    TextAreaField,
    ValidationError,
    widgets,
)
from wtforms.fields.choices import SelectChoice  # type: ignore[attr-defined]  # types-WTForms describes 3.2; SelectChoice is new in 3.3
from wtforms.validators import Length, Optional

from coresponse.clock import exists_locally
from coresponse.db_types import LabelledEnum
from coresponse.text import text_refusal


def required_text(field: StringField) -> str:
    """The text of a field whose DataRequired() passed: never None once the form validated."""
    if field.data is None:
        raise ValueError(f"{field.name} has no value: read it after the form validated")
    return field.data


def required_number(field: FloatField) -> float:
    """The number in a field whose DataRequired() passed: never None once the form validated."""
    if field.data is None:
        raise ValueError(f"{field.name} has no value: read it after the form validated")
    return field.data


class Form(FlaskForm):
    """The base of every form here: no text field keeps what coresponse.text refuses.

    Checked after the fields' own validators, so an Optional() field that stops its
    chain early (a lone "\x1f" counts as blank to it) is still checked.
    """

    def validate(self, extra_validators: Mapping[str, Sequence[Any]] | None = None) -> bool:
        valid = super().validate(extra_validators=extra_validators)
        for field in self:
            if isinstance(field, StringField) and isinstance(field.data, str):
                refusal = text_refusal(field.data)
                if refusal is not None:
                    # Labels put any explanation after a dash: name the field by its start.
                    name = field.label.text.split(" — ")[0] or "This field"
                    field.errors = [*field.errors, f"{name} {refusal}"]
                    valid = False
        return valid


# Said under every free-text field the classification register calls clinical.
CLINICAL_ONLY = "Clinical: clinicians and clinical supervisors read it; police on the team do not."
# Said under the team's part of a two-part note (coresponse/privacy/notes.py).
FOR_THE_TEAM = (
    "The whole team reads it, police included. Treatment, diagnoses, medication and "
    "substance use go in the clinical note."
)


def team_note_field(label: str, *, max_length: int = 4000, example: str = "") -> TextAreaField:
    """The part of a two-part note the whole team reads (templates: macros.note_pair)."""
    return TextAreaField(
        f"{label} — for the whole team",
        validators=[Optional(), Length(max=max_length)],
        description=f"{example} {FOR_THE_TEAM}".strip(),
        render_kw={"rows": 3},
    )


def clinical_note_field(label: str, *, max_length: int = 4000) -> TextAreaField:
    """The clinical part of a two-part note, offered to clinical users only."""
    return TextAreaField(
        f"{label} — clinical",
        validators=[Optional(), Length(max=max_length)],
        description=CLINICAL_ONLY,
        render_kw={"rows": 3},
    )


def enum_choices(enum_cls: type[LabelledEnum], *, blank: str | None = None) -> list[SelectChoice]:
    """Options for a select of an enum, labelled for people; optionally a blank first."""
    options = [SelectChoice(member.value, member.label) for member in enum_cls]
    if blank is not None:
        options.insert(0, SelectChoice("", blank))
    return options


class MultiCheckboxField(SelectMultipleField):
    """A list of checkboxes: easier to tap on a tablet than a multi-select."""

    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()


def happened_locally(form: Any, field: Field) -> None:
    """A typed wall-clock time must exist: not one the clocks skipped in spring."""
    if field.data is None:
        return
    try:
        exists = exists_locally(field.data)
    except OverflowError:  # year 1 or 9999: no UTC instant to compare with
        raise ValidationError("That date is too far off: enter when it happened.") from None
    if not exists:
        raise ValidationError(
            "That time never happened here: the clocks went forward an hour that night. "
            "Enter the time as the clock showed it."
        )


# An address with one "@", no spaces and a dot in its domain: the mistakes people make
# (a name, a phone number, "none") are refused; deliverability is the mail server's call.
_EMAIL = re.compile(r"[^@\s]+@[^@\s.]+(\.[^@\s.]+)+")


def email_address(form: Any, field: Field) -> None:
    """An e-mail address, or nothing (Optional() lets blanks through before this)."""
    if field.data and not _EMAIL.fullmatch(field.data.strip()):
        raise ValidationError(
            f"{field.data!r} is not an e-mail address: write it like name@example.org."
        )
