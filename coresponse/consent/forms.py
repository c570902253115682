"""Forms for consents, disclosures and break-glass access."""

from __future__ import annotations

from typing import Any

from wtforms import (
    DateField,
    DateTimeLocalField,
    HiddenField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice  # type: ignore[attr-defined]  # types-WTForms describes 3.2; SelectChoice is new in 3.3
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from coresponse.clock import local_minute, program_zone
from coresponse.consent import services
from coresponse.consent.models import (
    BreakGlassReason,
    BreakGlassVerdict,
    ConsentMethod,
    DisclosureBasis,
    ShareScope,
)
from coresponse.form_helpers import Form, MultiCheckboxField, enum_choices, happened_locally
from coresponse.linkages.models import Provider
from coresponse.people.models import SupportContact

LOCAL_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S"]


def _optional_enum(enum_cls: type[Any]) -> Any:
    def coerce(value: Any) -> Any:
        if value is None or value == "" or isinstance(value, enum_cls):
            return value or None
        return enum_cls(value)

    return coerce


def recipient_choices(
    contacts: list[SupportContact], providers: list[Provider]
) -> list[SelectChoice]:
    """The person's support contacts, then the directory, then 'someone else'."""
    options = [SelectChoice("", "— choose —")]
    for contact in contacts:
        label = f"{contact.name} — {contact.relationship_type.label}"
        if contact.organization:
            label += f", {contact.organization}"
        options.append(
            SelectChoice(f"contact-{contact.id}", label, optgroup="On the person's record")
        )
    for provider in providers:
        options.append(
            SelectChoice(
                f"provider-{provider.id}",
                f"{provider.name} — {provider.kind.label}",
                optgroup="Provider directory",
            )
        )
    options.append(SelectChoice("other", "Someone else: type the name below", optgroup="Other"))
    return options


class _RecipientFields(Form):
    recipient = SelectField(
        "From the person's record or the provider directory",
        choices=[],
        validate_choice=False,  # the service resolves it, and says so if it is not the person's
        validators=[DataRequired("Choose who receives the information.")],
    )
    recipient_name = StringField(
        "Or someone else: name",
        validators=[Optional(), Length(max=services.NAME_MAX)],
        description="A person or organization not in the list above.",
    )
    recipient_detail = StringField(
        "Who they are",
        validators=[Optional(), Length(max=services.DETAIL_MAX)],
        description="E.g. “landlord”, “shelter case manager, BRC”.",
    )
    scopes = MultiCheckboxField(
        "What may be shared",
        choices=enum_choices(ShareScope),
        validators=[DataRequired("Choose at least one kind of information.")],
    )

    def set_recipients(self, contacts: list[SupportContact], providers: list[Provider]) -> None:
        self.recipient.choices = recipient_choices(contacts, providers)

    def recipient_for(self, person_id: int) -> services.Recipient:
        return services.resolve_recipient(
            person_id,
            self.recipient.data,
            name=self.recipient_name.data,
            detail=self.recipient_detail.data,
        )


class ConsentForm(_RecipientFields):
    purpose = TextAreaField(
        "Purpose",
        validators=[DataRequired("Say what the information may be shared for."), Length(max=500)],
        description="E.g. “so her mother can help her keep clinic appointments”.",
        render_kw={"rows": 2},
    )
    method = RadioField(
        "How consent was given",
        choices=enum_choices(ConsentMethod),
        coerce=_optional_enum(ConsentMethod),
        validators=[InputRequired("Say whether consent was written or verbal.")],
    )
    witness_name = StringField(
        "Witnessed by (verbal consent)",
        validators=[Optional(), Length(max=services.WITNESS_MAX)],
        description="The staff member who heard the person give consent.",
    )
    given_on = DateField(
        "Given on",
        validators=[InputRequired("Enter the date consent was given.")],
        format=["%Y-%m-%d"],
    )
    expires_on = DateField(
        "Expires on",
        validators=[Optional()],
        format=["%Y-%m-%d"],
        description="Optional, except for substance-use information.",
    )

    def service_kwargs(self, person_id: int) -> dict[str, Any]:
        return {
            "recipient": self.recipient_for(person_id),
            "scopes": self.scopes.data or [],
            "purpose": self.purpose.data,
            "method": self.method.data,
            "witness_name": self.witness_name.data,
            "given_on": self.given_on.data,
            "expires_on": self.expires_on.data,
        }


class DisclosureForm(_RecipientFields):
    disclosed_at = DateTimeLocalField(  # type: ignore[call-arg]  # types-WTForms describes 3.2; tz and the message are 3.3
        "When",
        validators=[InputRequired("Enter when the information was shared."), happened_locally],
        format=LOCAL_FORMATS,
        tz=program_zone,
        description="Local time.",
        invalid_value_message="Enter a date and time, e.g. 2026-03-14 15:30.",
    )
    description = TextAreaField(
        "What was shared, briefly",
        validators=[
            DataRequired("Describe briefly what was shared."),
            Length(max=services.DESCRIPTION_MAX),
        ],
        render_kw={"rows": 3},
    )
    purpose = StringField(
        "Purpose",
        validators=[
            DataRequired("Say why the information was shared."),
            Length(max=services.PURPOSE_MAX),
        ],
        description="E.g. “coordinate discharge planning”, “family asked how to help”.",
    )
    basis = RadioField(
        "Basis",
        choices=enum_choices(DisclosureBasis),
        coerce=_optional_enum(DisclosureBasis),
        default=DisclosureBasis.CONSENT.value,
        validators=[InputRequired("Choose the basis: the person's consent, or an emergency.")],
        description=(
            "With consent, the person's active consent to this recipient must cover every kind "
            "of information chosen; it is found for you."
        ),
    )
    emergency_justification = TextAreaField(
        "Emergency justification",
        validators=[Optional(), Length(max=services.JUSTIFICATION_MAX)],
        description=(
            "Only for the emergency basis: the serious and imminent threat, and why sharing "
            "this was needed to prevent or lessen it."
        ),
        render_kw={"rows": 3},
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.scopes.label.text = "Kinds of information shared"
        if not self.is_submitted() and self.disclosed_at.data is None:
            self.disclosed_at.data = local_minute()

    def service_kwargs(self, person_id: int) -> dict[str, Any]:
        return {
            "recipient": self.recipient_for(person_id),
            "scopes": self.scopes.data or [],
            "description": self.description.data,
            "purpose": self.purpose.data,
            "disclosed_at": self.disclosed_at.data,
            "basis": self.basis.data,
            "emergency_justification": self.emergency_justification.data,
        }


class RevokeForm(Form):
    note = TextAreaField(
        "Note (optional)",
        validators=[Optional(), Length(max=services.NOTE_MAX)],
        description="E.g. “asked us by phone to stop updating her brother”.",
        render_kw={"rows": 2},
    )


class BreakGlassForm(Form):
    reason_code = RadioField(
        "What is happening",
        choices=enum_choices(BreakGlassReason),
        coerce=_optional_enum(BreakGlassReason),
        validators=[InputRequired("Choose what is happening from the list.")],
    )
    reason = TextAreaField(
        "Your reason",
        validators=[
            DataRequired("State your reason for opening this record."),
            Length(
                min=services.REASON_MIN,
                max=services.REASON_MAX,
                message=(
                    f"Say why you need this record now (at least {services.REASON_MIN} characters)."
                ),
            ),
        ],
        description="E.g. “Called by Kings County ER: he is in crisis and they need his history.”",
        render_kw={"rows": 3},
    )
    case_id = HiddenField()


class AcknowledgeForm(Form):
    # Posted by the button pressed: "Justified" or "Not justified".
    verdict = RadioField(
        "Finding",
        choices=enum_choices(BreakGlassVerdict),
        coerce=_optional_enum(BreakGlassVerdict),
        validators=[InputRequired("Say whether the access was justified or not.")],
    )
    note = StringField(
        "Note (optional)",
        validators=[Optional(), Length(max=services.NOTE_MAX)],
    )
