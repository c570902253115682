"""Forms for connections (linkages), their status changes, and the provider directory."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from wtforms import (
    BooleanField,
    DateField,
    DateTimeLocalField,
    FloatField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice  # type: ignore[attr-defined]  # types-WTForms describes 3.2; SelectChoice is new in 3.3
from wtforms.validators import DataRequired, Length, Optional

from coresponse.clock import local_to_utc
from coresponse.form_helpers import Form, enum_choices, happened_locally
from coresponse.linkages.limits import NOTE_MAX, TARGET_NAME_MAX, VERIFIED_BY_MAX
from coresponse.linkages.models import (
    LinkageCategory,
    LinkageKind,
    LinkageStatus,
    Provider,
    VerificationMethod,
)
from coresponse.linkages.services import ProviderDetails, status_requirements
from coresponse.locking import VersionField
from coresponse.people.models import SupportContact


def _optional_enum(enum_cls: type[Any]) -> Callable[[Any], Any]:
    return lambda value: (
        value if isinstance(value, enum_cls) else (enum_cls(value) if value else None)
    )


def _optional_int(value: Any) -> int | None:
    if value in (None, ""):
        return None
    return int(value)


def kind_choices(*, family: bool = True, blank: str | None = None) -> list[SelectChoice]:
    """Kinds of connection grouped by category (Treatment, Family and friends, Other supports)."""
    options = [
        SelectChoice(kind.value, kind.label, optgroup=kind.category.label)
        for kind in LinkageKind
        if family or kind.category is not LinkageCategory.FAMILY
    ]
    if blank is not None:
        options.insert(0, SelectChoice("", blank))
    return options


def provider_label(provider: Provider) -> str:
    label = provider.name
    if provider.address:
        label += f" — {provider.address}"
    if not provider.accepting_referrals:
        label += " (not accepting referrals)"
    return label


class KindForm(Form):
    """Step one of a new connection: what kind. A plain GET form, no token needed."""

    class Meta:
        csrf = False

    kind = SelectField(
        "Kind of connection",
        choices=kind_choices(blank="— choose —"),
        coerce=_optional_enum(LinkageKind),
        validators=[DataRequired(message="Choose the kind of connection.")],
    )


class LinkageForm(Form):
    kind = SelectField(
        "Kind of connection",
        choices=kind_choices(blank="— choose —"),
        coerce=_optional_enum(LinkageKind),
        validators=[DataRequired(message="Choose the kind of connection.")],
    )
    provider_id = SelectField(  # type: ignore[call-arg]  # types-WTForms describes 3.2; these messages are 3.3
        "Provider from the directory",
        coerce=_optional_int,
        choices=[],
        invalid_choice_message="Choose a provider from the list.",
        invalid_value_message="Choose a provider from the list.",
    )
    support_contact_id = SelectField(  # type: ignore[call-arg]  # types-WTForms describes 3.2; these messages are 3.3
        "Support contact",
        coerce=_optional_int,
        choices=[],
        invalid_choice_message="Choose one of the person's support contacts.",
        invalid_value_message="Choose one of the person's support contacts.",
    )
    target_name = StringField(
        "Or a program or service not in the directory",
        validators=[Optional(), Length(max=TARGET_NAME_MAX)],
        description="E.g. “BronxWorks drop-in centre”. Leave empty when you chose a provider.",
    )
    note = TextAreaField(
        "Note",
        validators=[Optional(), Length(max=NOTE_MAX)],
        description="Clinical: never shown to officers.",
    )
    submit = SubmitField("Save connection")

    def set_choices(self, providers: list[Provider], contacts: list[SupportContact]) -> None:
        self.provider_id.choices = [
            SelectChoice("", "— none: type a name below —"),
            *(SelectChoice(str(p.id), provider_label(p)) for p in providers),
        ]
        self.support_contact_id.choices = [
            SelectChoice("", "— choose —"),
            *(
                SelectChoice(
                    str(c.id),
                    f"{c.name} ({c.relationship_detail or c.relationship_type.label.lower()})",
                )
                for c in contacts
            ),
        ]


class StatusChangeForm(Form):
    """One next step of a connection. Each allowed step gets its own copy, prefixed by
    the status (`referred-note`, `connected-verified_by`), so a page can offer them all."""

    note = TextAreaField("Note", validators=[Optional(), Length(max=NOTE_MAX)])
    appointment_at = DateTimeLocalField(
        "Appointment date and time",
        format="%Y-%m-%dT%H:%M",
        validators=[Optional(), happened_locally],
    )
    verified_on = DateField("Verified on", validators=[Optional()])
    verification_method = SelectField(
        "How it was verified",
        choices=enum_choices(VerificationMethod, blank="— choose —"),
        coerce=_optional_enum(VerificationMethod),
    )
    verified_by = StringField(
        "Verified by",
        validators=[Optional(), Length(max=VERIFIED_BY_MAX)],
        description="Who confirmed it: a team member, or the provider's staff member and role.",
    )
    not_connected_reason = TextAreaField(
        "Why it was not made", validators=[Optional(), Length(max=NOTE_MAX)]
    )
    # The version of the connection the page showed: a stale step is a 409, not a save.
    version = VersionField()
    submit = SubmitField("Save")

    # Which fields each status asks for, in the order the form shows them.
    FIELDS: dict[LinkageStatus, tuple[str, ...]] = {
        LinkageStatus.REFERRED: ("note",),
        LinkageStatus.WAITLISTED: ("note",),
        LinkageStatus.APPOINTMENT_SCHEDULED: ("appointment_at", "note"),
        LinkageStatus.CONNECTED: ("verification_method", "verified_by", "verified_on", "note"),
        LinkageStatus.NOT_CONNECTED: ("not_connected_reason", "note"),
    }

    def fields_for(self, status: LinkageStatus) -> list[Any]:
        return [self[name] for name in self.FIELDS.get(status, ("note",))]

    def local_appointment(self) -> datetime | None:
        """The typed appointment as a UTC instant (None when missing or refused)."""
        value = self.appointment_at.data
        if value is None or self.appointment_at.errors:
            return None
        return local_to_utc(value)

    def validate_for(self, status: LinkageStatus) -> bool:
        """Field checks, then what this status needs (every missing field marked at once)."""
        ok = self.validate()
        problems = status_requirements(
            status,
            appointment_at=self.local_appointment(),
            verified_on=self.verified_on.data,
            verification_method=self.verification_method.data,
            verified_by=self.verified_by.data,
            not_connected_reason=self.not_connected_reason.data,
        )
        for problem in problems:
            field = self[problem.field]
            if not field.errors:
                field.errors = [*field.errors, problem.message]
        return ok and not problems

    def service_kwargs(self, status: LinkageStatus) -> dict[str, Any]:
        return {
            "to_status": status,
            "note": self.note.data,
            "appointment_at": self.local_appointment(),
            "verified_on": self.verified_on.data,
            "verification_method": self.verification_method.data,
            "verified_by": self.verified_by.data,
            "not_connected_reason": self.not_connected_reason.data,
            "expected_version": self.version.data,
        }


class ProviderForm(Form):
    name = StringField("Name", validators=[DataRequired(), Length(max=160)])
    kind = SelectField(
        "Kind of service",
        choices=kind_choices(family=False, blank="— choose —"),
        coerce=_optional_enum(LinkageKind),
        validators=[DataRequired(message="Choose the kind of service.")],
    )
    address = StringField(
        "Address",
        validators=[Optional(), Length(max=200)],
        description="With the ZIP code, e.g. “1 Main St, Bronx, NY 10451”: the ZIP places it "
        "on the map when latitude and longitude are empty.",
    )
    # Ranges are checked by the service, so a word typed here gets one clear message.
    latitude = FloatField("Latitude", validators=[Optional()])
    longitude = FloatField("Longitude", validators=[Optional()])
    phone = StringField("Phone", validators=[Optional(), Length(max=40)])
    languages = StringField(
        "Languages",
        validators=[Optional(), Length(max=200)],
        description="Separated by commas, e.g. English, Spanish, Haitian Creole.",
    )
    accepting_referrals = BooleanField("Accepting referrals now", default=True)
    active = BooleanField("Listed in the directory (clear to retire it)", default=True)
    submit = SubmitField("Save provider")

    def details(self) -> ProviderDetails:
        return ProviderDetails(
            name=self.name.data or "",
            kind=self.kind.data,
            address=self.address.data,
            latitude=self.latitude.data,
            longitude=self.longitude.data,
            phone=self.phone.data,
            languages=self.languages.data,
            accepting_referrals=bool(self.accepting_referrals.data),
            active=bool(self.active.data),
        )
