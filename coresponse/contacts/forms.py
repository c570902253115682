"""Forms for logging a contact on a tablet and for adding an addendum."""

from __future__ import annotations

import uuid
from typing import Any

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateTimeLocalField,
    HiddenField,
    RadioField,
    StringField,
    TextAreaField,
    ValidationError,
)
from wtforms.fields.choices import SelectChoice  # type: ignore[attr-defined]  # types-WTForms describes 3.2; SelectChoice is new in 3.3
from wtforms.validators import InputRequired, Length, Optional

from coresponse.auth.models import User
from coresponse.clock import local_minute, program_zone
from coresponse.contacts import limits
from coresponse.contacts.models import ContactOutcome, ContactType, RiskFactor, RiskLevel
from coresponse.form_helpers import (
    CLINICAL_ONLY,
    FOR_THE_TEAM,
    Form,
    MultiCheckboxField,
    enum_choices,
    happened_locally,
)

# The browser's datetime-local value first: it is what the field renders.
LOCAL_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S"]
CLINICAL_FIELDS = ("clinical_note", "risk_level", "risk_factors")
ADDENDUM_CLINICAL_FIELDS = ("reason", "clinical_text")


def _local_time_field(label: str, *validators: Any, description: str = "") -> DateTimeLocalField:
    return DateTimeLocalField(  # type: ignore[call-arg]  # types-WTForms describes 3.2; tz and the message are 3.3
        label,
        validators=[*validators, happened_locally],
        format=LOCAL_FORMATS,
        tz=program_zone,
        description=description,
        invalid_value_message="Enter a date and time, e.g. 2026-03-14 15:30.",
    )


def _valid_uuid(form: FlaskForm, field: HiddenField) -> None:
    try:
        uuid.UUID(field.data or "")
    except ValueError:
        raise ValidationError(
            "This form is damaged or out of date; open a new contact form and try again."
        ) from None


class _ClinicalFieldsMixin:
    """Clinical fields are removed for those who may not read them.

    What such a user sends in them anyway is kept aside, so the service refuses it
    (with a message) instead of the form silently dropping it.
    """

    clinical_field_names: tuple[str, ...] = ()

    def remove_clinical_fields(self) -> dict[str, Any]:
        posted: dict[str, Any] = {}
        for name in self.clinical_field_names:
            field = getattr(self, name)
            raw = [v for v in (field.raw_data or []) if v not in ("", None)]
            if raw:
                posted[name] = raw if name == "risk_factors" else raw[0]
            delattr(self, name)
        return posted


class ContactForm(_ClinicalFieldsMixin, Form):
    """One screen, sensible defaults: loggable in under a minute."""

    clinical_field_names = CLINICAL_FIELDS

    uuid = HiddenField(validators=[_valid_uuid])
    type = RadioField(
        "Type of contact",
        choices=enum_choices(ContactType),
        default=ContactType.IN_PERSON_HOME.value,
        validators=[InputRequired("Choose the type of contact.")],
    )
    occurred_at = _local_time_field(
        "When", InputRequired("Enter when the contact happened."), description="Local time."
    )
    participants = MultiCheckboxField(
        "Team members present",
        coerce=int,
        choices=[],
        description="You are always included.",
    )
    others_present = StringField(
        "Others present",
        validators=[Optional(), Length(max=limits.OTHERS_PRESENT_MAX)],
        description="E.g. mother, building superintendent, EMS.",
    )
    location = StringField(
        "Place",
        validators=[Optional(), Length(max=limits.LOCATION_MAX)],
        description="Starts as the person's address; change it, or clear it for a call.",
    )
    outcome = RadioField(
        "Outcome",
        choices=enum_choices(ContactOutcome),
        default=ContactOutcome.ENGAGED.value,
        validators=[InputRequired("Choose how the contact went.")],
    )
    transport_destination = StringField(
        "Transport destination",
        validators=[Optional(), Length(max=limits.DESTINATION_MAX)],
        description="Only for crisis transports: the hospital or center.",
    )
    operational_note = TextAreaField(
        "Operational note — visible to the whole team, including officers",
        validators=[Optional(), Length(max=limits.OPERATIONAL_NOTE_MAX)],
        render_kw={"rows": 3},
    )
    clinical_note = TextAreaField(
        "Clinical note — clinicians only",
        validators=[Optional(), Length(max=limits.CLINICAL_NOTE_MAX)],
        render_kw={"rows": 4},
    )
    risk_level = RadioField(
        "Risk level",
        choices=enum_choices(RiskLevel, blank="Not rated"),
        default="",
        validators=[Optional()],
    )
    risk_factors = MultiCheckboxField("Risk factors", choices=enum_choices(RiskFactor))
    next_contact_planned_at = _local_time_field(
        "Next planned contact", Optional(), description="Optional. Local time."
    )
    # Sent by the "Save again" button the form shows when the save looks like the contact
    # the user just saved (services.save_contact_form).
    confirm_repeat = BooleanField("Save again: it is another contact")

    @classmethod
    def for_case(
        cls, *, members: list[User], recorder: User, location: str | None, clinical: bool
    ) -> tuple[ContactForm, dict[str, Any]]:
        """The form for a case's team; returns it and any clinical input a non-clinician sent."""
        form = cls()
        form.participants.choices = [
            SelectChoice(u.id, f"{u.full_name} ({u.role.label.lower()})") for u in members
        ]
        if not form.is_submitted():
            form.uuid.data = str(uuid.uuid4())
            form.occurred_at.data = local_minute()
            form.participants.data = [recorder.id]
            form.location.data = location or ""
        posted_clinical = {} if clinical else form.remove_clinical_fields()
        return form, posted_clinical

    def data_for_service(self, posted_clinical: dict[str, Any]) -> dict[str, Any]:
        """Keyword arguments for services.log_contact, except the participants."""
        data: dict[str, Any] = {
            "uuid": uuid.UUID(self.uuid.data),
            "type": self.type.data,
            "occurred_at": self.occurred_at.data,
            "outcome": self.outcome.data,
            "location": self.location.data,
            "others_present": self.others_present.data,
            "transport_destination": self.transport_destination.data,
            "operational_note": self.operational_note.data,
            "next_contact_planned_at": self.next_contact_planned_at.data,
        }
        if "clinical_note" in self:
            data.update(
                clinical_note=self.clinical_note.data,
                risk_level=self.risk_level.data or None,
                risk_factors=list(self.risk_factors.data or []),
            )
        data.update(posted_clinical)
        return data


class AddendumForm(_ClinicalFieldsMixin, Form):
    """A correction or addition to a saved contact: why, and what."""

    clinical_field_names = ADDENDUM_CLINICAL_FIELDS

    operational_reason = StringField(
        "Why are you adding this? — for the whole team",
        validators=[Optional(), Length(max=limits.ADDENDUM_REASON_MAX)],
        description=f"E.g. wrong time recorded, detail left out, new information. {FOR_THE_TEAM}",
    )
    reason = StringField(
        "Why are you adding this? — clinical",
        validators=[Optional(), Length(max=limits.ADDENDUM_REASON_MAX)],
        description=CLINICAL_ONLY,
    )
    operational_text = TextAreaField(
        "Operational addition — visible to the whole team, including officers",
        validators=[Optional(), Length(max=limits.ADDENDUM_OPERATIONAL_TEXT_MAX)],
        render_kw={"rows": 4},
    )
    clinical_text = TextAreaField(
        "Clinical addition — clinicians only",
        validators=[Optional(), Length(max=limits.ADDENDUM_CLINICAL_TEXT_MAX)],
        render_kw={"rows": 4},
    )

    @classmethod
    def for_viewer(cls, *, clinical: bool) -> tuple[AddendumForm, dict[str, Any]]:
        form = cls()
        posted_clinical = {} if clinical else form.remove_clinical_fields()
        return form, posted_clinical

    def data_for_service(self, posted_clinical: dict[str, Any]) -> dict[str, Any]:
        data: dict[str, Any] = {
            "operational_reason": self.operational_reason.data,
            "operational_text": self.operational_text.data,
        }
        for name in ADDENDUM_CLINICAL_FIELDS:
            if name in self:
                data[name] = self[name].data
        data.update(posted_clinical)
        return data
