"""Forms for people: editing their details, correcting a location."""

from __future__ import annotations

import re
from typing import Any

from wtforms import (
    BooleanField,
    DateField,
    Field,
    FloatField,
    IntegerField,
    RadioField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice  # type: ignore[attr-defined]  # types-WTForms describes 3.2; SelectChoice is new in 3.3
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    ValidationError,
)
from wtforms.widgets import HiddenInput

from coresponse.form_helpers import Form, MultiCheckboxField, enum_choices
from coresponse.locking import VersionField
from coresponse.people.details import phone_digits
from coresponse.people.limits import GENDER_MAX, NAME_MAX, PHONE_DIGITS_MAX, PHONE_DIGITS_MIN
from coresponse.people.models import Gender, Person, RaceEthnicity
from coresponse.people.services import MERGE_FIELDS, DetailsEdit

# Digits with the usual separators, an optional leading + and an extension.
_PHONE = re.compile(r"\+?[\d\s().\-/]+((x|ext\.?)\s*\d+)?", re.IGNORECASE)


def _phone_refusal(number: str) -> str | None:
    """Why `number` is not a phone number the people records keep, or None."""
    digits = phone_digits(number)
    if not _PHONE.fullmatch(number.strip()):
        return f"{number!r} is not a phone number: use digits, like (718) 555-0142."
    if len(digits) < PHONE_DIGITS_MIN:
        return (
            f"{number!r} is too short for a phone number: give at least {PHONE_DIGITS_MIN} digits."
        )
    if len(digits) > PHONE_DIGITS_MAX:
        return f"{number!r} has more than {PHONE_DIGITS_MAX} digits: not a phone number."
    return None


def phone_number(form: Any, field: Field) -> None:
    """One phone number, or nothing; the same digits rule as the people records."""
    if field.data and field.data.strip():
        refusal = _phone_refusal(field.data)
        if refusal:
            raise ValidationError(refusal)


def phone_numbers(form: Any, field: Field) -> None:
    """Phone numbers one per line; every line that is not one is named."""
    refusals = [
        refusal
        for line in (field.data or "").splitlines()
        if line.strip() and (refusal := _phone_refusal(line))
    ]
    if refusals:
        raise ValidationError(" ".join(refusals))


def _lines(text: str | None) -> list[str]:
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


HMIS_HELP = (
    "As the person answers (HUD HMIS data standards): choose every answer they give, or "
    "one of the last three alone. Left blank, reports count it as “Data not collected”."
)


def race_ethnicity_field() -> MultiCheckboxField:
    """HMIS 3.04 as checkboxes (the intake and "Edit details" forms share it)."""
    return MultiCheckboxField(
        "Race and ethnicity", choices=enum_choices(RaceEthnicity), description=HMIS_HELP
    )


def gender_field() -> MultiCheckboxField:
    """HMIS 3.06 as checkboxes (the intake and "Edit details" forms share it)."""
    return MultiCheckboxField("Gender", choices=enum_choices(Gender), description=HMIS_HELP)


def gender_description_field() -> StringField:
    return StringField(
        "Gender in the person's words", validators=[Optional(), Length(max=GENDER_MAX)],
        description="Optional: a different identity, or how the person puts it.",
    )  # fmt: skip


class PersonDetailsForm(Form):
    """The person's identity details, with the version they were read at."""

    first_name = StringField("First name", validators=[DataRequired(), Length(max=NAME_MAX)])
    middle_name = StringField("Middle name", validators=[Optional(), Length(max=NAME_MAX)])
    last_name = StringField("Last name", validators=[DataRequired(), Length(max=NAME_MAX)])
    preferred_name = StringField(
        "Preferred name", validators=[Optional(), Length(max=NAME_MAX)],
        description="What the person likes to be called, if different.",
    )  # fmt: skip
    aliases = TextAreaField(
        "Other names", validators=[Optional(), Length(max=2000)],
        description="One per line: street names, former names, spellings seen in records. "
        "A name removed here is kept in the history and still found by search.",
    )  # fmt: skip
    date_of_birth = DateField("Date of birth", validators=[Optional()])
    date_of_birth_estimated = BooleanField("The date of birth is an estimate")
    race_ethnicity = race_ethnicity_field()
    gender = gender_field()
    gender_description = gender_description_field()
    languages = StringField(
        "Languages", validators=[Optional(), Length(max=400)],
        description="Separated by commas, the preferred one first. Languages on record can be "
        "put in a different order, not removed.",
    )  # fmt: skip
    needs_interpreter = BooleanField("Needs an interpreter")
    phones = TextAreaField(
        "Phone numbers", validators=[Optional(), Length(max=1000), phone_numbers],
        description="One per line. A number removed here is kept in the history as no "
        "longer current.",
    )  # fmt: skip
    version = VersionField()
    submit = SubmitField("Save details")

    @classmethod
    def for_person(cls, person: Person) -> PersonDetailsForm:
        """The form filled from the record (phones, languages and aliases loaded)."""
        form = cls()
        if not form.is_submitted():
            form.process(obj=person)
            form.aliases.data = "\n".join(a.name for a in person.aliases if a.retired_at is None)
            form.languages.data = ", ".join(lang.language for lang in person.languages)
            form.phones.data = "\n".join(p.number for p in person.current_phones)
        return form

    def details(self) -> DetailsEdit:
        return DetailsEdit(
            first_name=self.first_name.data or "",
            last_name=self.last_name.data or "",
            middle_name=self.middle_name.data,
            preferred_name=self.preferred_name.data,
            date_of_birth=self.date_of_birth.data,
            date_of_birth_estimated=bool(self.date_of_birth_estimated.data),
            gender_description=self.gender_description.data,
            race_ethnicity=[RaceEthnicity(v) for v in self.race_ethnicity.data or []],
            gender=[Gender(v) for v in self.gender.data or []],
            needs_interpreter=bool(self.needs_interpreter.data),
            languages=[part.strip() for part in (self.languages.data or "").split(",")],
            phones=_lines(self.phones.data),
            aliases=_lines(self.aliases.data),
        )


class LocationForm(Form):
    """A point typed by hand; the precinct and borough follow from it."""

    latitude = FloatField(
        "Latitude", validators=[InputRequired(), NumberRange(min=-90, max=90)],
        description="North–south, e.g. 40.71234 (New York City is between 40.49 and 40.92).",
    )  # fmt: skip
    longitude = FloatField(
        "Longitude", validators=[InputRequired(), NumberRange(min=-180, max=180)],
        description="East–west, e.g. -74.00123 (negative: west of Greenwich).",
    )  # fmt: skip
    submit = SubmitField("Save location")


class MergeForm(Form):
    """Merge another record of the person into this one: for each field, whose value stays."""

    other_id = IntegerField(widget=HiddenInput(), validators=[InputRequired()])
    version = VersionField()
    other_version = VersionField()

    keep_current_address = RadioField(
        "Current address",
        choices=[
            SelectChoice("survivor", "This record's"),
            SelectChoice("other", "The other record's"),
        ],
        default="survivor",
    )

    def taken_from_other(self) -> list[str]:
        """The fields whose value the other record gives."""
        return [name for name in MERGE_FIELDS if self[f"keep_{name}"].data == "other"]


class UnmergeForm(Form):
    """Confirm undoing a merge (the page says what goes back and what stays)."""

    submit = SubmitField("Undo the merge")


for _name, _label in MERGE_FIELDS.items():
    setattr(
        MergeForm,
        f"keep_{_name}",
        RadioField(
            _label,
            choices=[SelectChoice("survivor", "This record's"), SelectChoice("other", "The other record's")],
            default="survivor",
        ),
    )  # fmt: skip
