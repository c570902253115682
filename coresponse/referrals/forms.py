"""Forms for intake and triage."""

from __future__ import annotations

from wtforms import (
    BooleanField,
    DateField,
    DateTimeLocalField,
    Field,
    HiddenField,
    IntegerField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, NumberRange, Optional, ValidationError

from coresponse.clock import CLOCK_SKEW, local_minute, local_to_utc, program_today, utcnow
from coresponse.form_helpers import (
    Form,
    MultiCheckboxField,
    clinical_note_field,
    email_address,
    enum_choices,
    happened_locally,
    team_note_field,
)
from coresponse.people.details import AddressDetails, PersonDetails
from coresponse.people.forms import gender_field, phone_number, race_ethnicity_field
from coresponse.people.limits import (
    ADDRESS_LINE_MAX,
    APPROXIMATE_AGE_MAX,
    APPROXIMATE_AGE_MIN,
    NAME_MAX,
    PHONE_MAX,
    POSTAL_CODE_MAX,
    WHEREABOUTS_MAX,
)
from coresponse.people.models import Gender, RaceEthnicity
from coresponse.referrals import limits
from coresponse.referrals.models import DeclineReason, ReferralSource, RiskIndicator
from coresponse.referrals.services import ReferralDetails


def _split(text: str | None) -> list[str]:
    return [part.strip() for part in (text or "").replace(";", ",").split(",") if part.strip()]


class IntakeForm(Form):
    """The person and the referral, on one screen."""

    # The referral
    source = SelectField("Referred by", choices=enum_choices(ReferralSource), coerce=ReferralSource)
    source_detail = StringField(
        "Which one", validators=[Optional(), Length(max=limits.SOURCE_DETAIL_MAX)],
        description="E.g. 75th Precinct, Kings County Hospital ED, the shelter's name.",
    )  # fmt: skip
    received_at = DateTimeLocalField(
        "Received",
        validators=[DataRequired(), happened_locally],
        default=local_minute,  # type: ignore[arg-type]  # types-WTForms types this default as a time
    )
    referrer_name = StringField(
        "Referrer's name", validators=[Optional(), Length(max=limits.REFERRER_NAME_MAX)]
    )
    referrer_phone = StringField(
        "Referrer's phone",
        validators=[Optional(), Length(max=limits.REFERRER_PHONE_MAX), phone_number],
    )
    referrer_email = StringField(
        "Referrer's e-mail",
        validators=[Optional(), Length(max=limits.REFERRER_EMAIL_MAX), email_address],
    )
    referrer_organization = StringField(
        "Organization", validators=[Optional(), Length(max=limits.REFERRER_ORGANIZATION_MAX)]
    )
    reason = TextAreaField(
        "Reason for referral", validators=[DataRequired(), Length(max=limits.REASON_MAX)],
        description="What happened and why the person is at risk. Clinical: officers do not see it.",
    )  # fmt: skip
    risk_indicators = MultiCheckboxField("Risk indicators", choices=enum_choices(RiskIndicator))

    # The person
    first_name = StringField("First name", validators=[DataRequired(), Length(max=NAME_MAX)])
    last_name = StringField("Last name", validators=[DataRequired(), Length(max=NAME_MAX)])
    preferred_name = StringField("Goes by", validators=[Optional(), Length(max=NAME_MAX)])
    date_of_birth = DateField("Date of birth", validators=[Optional()])
    approximate_age = IntegerField(
        "Or approximate age",
        validators=[
            Optional(),
            NumberRange(min=APPROXIMATE_AGE_MIN, max=APPROXIMATE_AGE_MAX),
        ],
    )
    aliases = StringField(
        "Other names", validators=[Optional(), Length(max=300)], description="Separate with commas."
    )
    languages = StringField(
        "Languages", validators=[Optional(), Length(max=200)], default="English",
        description="Preferred first, separated by commas.",
    )  # fmt: skip
    needs_interpreter = BooleanField("Needs an interpreter")
    race_ethnicity = race_ethnicity_field()
    gender = gender_field()
    phone = StringField("Phone", validators=[Optional(), Length(max=PHONE_MAX), phone_number])
    line1 = StringField(
        "Last known address", validators=[DataRequired(), Length(max=ADDRESS_LINE_MAX)],
        description="Street and number, or a place the person is often found.",
    )  # fmt: skip
    line2 = StringField("Apartment, floor", validators=[Optional(), Length(max=ADDRESS_LINE_MAX)])
    postal_code = StringField(
        "ZIP code", validators=[Optional(), Length(max=POSTAL_CODE_MAX)],
        description="The address is placed on the map from it; the precinct and borough "
        "follow from that point.",
    )  # fmt: skip
    whereabouts_note = StringField(
        "Where else to look", validators=[Optional(), Length(max=WHEREABOUTS_MAX)],
        description="E.g. often at the shelter on Atlantic Ave in the mornings.",
    )  # fmt: skip

    # The duplicate check: "" until the user has seen the matches; then a person id or "new".
    person_choice = HiddenField()
    submit = SubmitField("Save referral")

    def validate_received_at(self, field: Field) -> None:
        # happened_locally has refused a time the clocks skipped.
        if field.data and not field.errors and local_to_utc(field.data) - utcnow() > CLOCK_SKEW:
            raise ValidationError("The time received cannot be in the future.")

    def validate_date_of_birth(self, field: Field) -> None:
        if field.data and field.data > program_today():
            raise ValidationError("Date of birth cannot be in the future.")

    def validate_approximate_age(self, field: Field) -> None:
        if field.data is not None and self.date_of_birth.data is not None:
            raise ValidationError("Give a date of birth or an approximate age, not both.")

    def person_details(self) -> PersonDetails:
        return PersonDetails(
            first_name=self.first_name.data or "",
            last_name=self.last_name.data or "",
            preferred_name=self.preferred_name.data,
            date_of_birth=self.date_of_birth.data,
            approximate_age=self.approximate_age.data,
            aliases=_split(self.aliases.data),
            languages=_split(self.languages.data),
            needs_interpreter=bool(self.needs_interpreter.data),
            race_ethnicity=[RaceEthnicity(v) for v in self.race_ethnicity.data or []],
            gender=[Gender(v) for v in self.gender.data or []],
            phone=self.phone.data or None,
            address=AddressDetails(
                line1=self.line1.data or "",
                line2=self.line2.data,
                postal_code=self.postal_code.data,
                whereabouts_note=self.whereabouts_note.data,
            ),
        )

    def referral_details(self) -> ReferralDetails:
        assert self.received_at.data is not None  # DataRequired: read after validation  # noqa: S101  # nosec B101
        return ReferralDetails(
            source=self.source.data,
            source_detail=self.source_detail.data,
            received_at=local_to_utc(self.received_at.data),
            referrer_name=self.referrer_name.data,
            referrer_phone=self.referrer_phone.data,
            referrer_email=self.referrer_email.data,
            referrer_organization=self.referrer_organization.data,
            reason=self.reason.data or "",
            risk_indicators=[RiskIndicator(v) for v in self.risk_indicators.data or []],
        )


class AcceptForm(Form):
    operational_note = team_note_field(
        "Note (optional)",
        max_length=limits.TRIAGE_NOTE_MAX,
        example="E.g. try the shelter first, mornings.",
    )
    note = clinical_note_field("Note (optional)", max_length=limits.TRIAGE_NOTE_MAX)
    submit = SubmitField("Accept and open a case")


class DeclineForm(Form):
    reason = SelectField("Reason", choices=enum_choices(DeclineReason), coerce=DeclineReason)
    referred_to_service = StringField(
        "Referred to which service", validators=[Optional(), Length(max=160)],
        description="Required when referred to another service.",
    )  # fmt: skip
    duplicate_of_id = SelectField("Duplicate of", choices=[], validate_choice=False)
    operational_note = team_note_field("Note (optional)", max_length=limits.TRIAGE_NOTE_MAX)
    note = clinical_note_field("Note (optional)", max_length=limits.TRIAGE_NOTE_MAX)
    submit = SubmitField("Decline")


class InfoRequestForm(Form):
    operational_note = team_note_field(
        "What is needed",
        max_length=limits.TRIAGE_NOTE_MAX,
        example="E.g. a current address or phone number.",
    )
    note = clinical_note_field("What is needed", max_length=limits.TRIAGE_NOTE_MAX)
    submit = SubmitField("Ask for more information")


class InfoReceivedForm(Form):
    operational_note = team_note_field(
        "What was learned (optional)", max_length=limits.TRIAGE_NOTE_MAX
    )
    note = clinical_note_field("What was learned (optional)", max_length=limits.TRIAGE_NOTE_MAX)
    submit = SubmitField("Information received: back to triage")
