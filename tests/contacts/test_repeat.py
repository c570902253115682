"""No accidental second contact (issue 18, item 5): the contact form asks before saving one
that looks like the contact the same user just saved; the API's uuid rule is unchanged."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

import pytest
import time_machine
from sqlalchemy import func, select

from coresponse.audit.models import AuditAction, AuditEvent
from coresponse.clock import utcnow
from coresponse.contacts import services
from coresponse.contacts.models import Contact, ContactOutcome, ContactType
from coresponse.extensions import db
from tests.contacts.conftest import Setting, log
from tests.contacts.test_views import _form, _new, _page
from tests.factories import local_input

WARNING = "This looks like the contact you just saved — save again?"


def _contacts() -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(Contact))


def _form_save(s: Setting, by, **fields: Any) -> services.SavedContact:  # type: ignore[no-untyped-def]
    values: dict[str, Any] = {
        "uuid": uuid.uuid4(),
        "type": ContactType.IN_PERSON_HOME,
        "occurred_at": (utcnow() - timedelta(minutes=30)).replace(second=0, microsecond=0),
        "outcome": ContactOutcome.ENGAGED,
        "participants": [],
        "operational_note": "Talked at the door; calm.",
    }
    values.update(fields)
    return services.save_contact_form(s.case, by=by, **values)


# --- The service -------------------------------------------------------------------------


def test_the_same_contact_again_within_ten_minutes_is_refused_until_confirmed(
    s: Setting,
) -> None:
    first = _form_save(s, s.officer)
    assert first.created
    with pytest.raises(services.LooksRepeated) as raised:
        _form_save(s, s.officer, occurred_at=first.contact.occurred_at)
    assert raised.value.status_code == 409
    assert raised.value.earlier_id == first.contact.id
    assert _contacts() == 1
    again = _form_save(s, s.officer, occurred_at=first.contact.occurred_at, confirmed_repeat=True)
    assert again.created and again.contact.id != first.contact.id
    assert _contacts() == 2


@pytest.mark.parametrize(
    "change",
    [
        {"type": ContactType.PHONE},
        {"outcome": ContactOutcome.BRIEF_ENGAGEMENT},
        {"operational_note": "Talked at the door; calm. Left a card."},
        {"occurred_at_minutes": 31},
    ],
)
def test_a_contact_that_differs_in_type_outcome_time_or_notes_is_saved(
    s: Setting, change: dict[str, Any]
) -> None:
    first = _form_save(s, s.officer)
    minutes = change.pop("occurred_at_minutes", None)
    if minutes is not None:
        change["occurred_at"] = first.contact.occurred_at - timedelta(minutes=1)
    else:
        change["occurred_at"] = first.contact.occurred_at
    assert _form_save(s, s.officer, **change).created
    assert _contacts() == 2


def test_the_clinical_note_counts_among_the_notes(s: Setting) -> None:
    first = _form_save(s, s.clinician, clinical_note="Calm, oriented.")
    at = first.contact.occurred_at
    with pytest.raises(services.LooksRepeated):
        _form_save(s, s.clinician, occurred_at=at, clinical_note="Calm, oriented.")
    assert _form_save(s, s.clinician, occurred_at=at, clinical_note="Agitated.").created


def test_another_team_member_or_ten_minutes_later_is_not_a_repeat(s: Setting) -> None:
    first = _form_save(s, s.officer)
    at = first.contact.occurred_at
    # The partner logging the same visit is their own record of it.
    assert _form_save(s, s.officer_b, occurred_at=at).created
    with time_machine.travel(utcnow() + timedelta(minutes=11), tick=False):
        assert _form_save(s, s.officer, occurred_at=at).created
    assert _contacts() == 3


def test_a_retry_of_the_same_form_is_still_answered_by_its_uuid(s: Setting) -> None:
    first = _form_save(s, s.officer)
    retry = _form_save(s, s.officer, uuid=first.contact.uuid, occurred_at=first.contact.occurred_at)
    assert not retry.created and retry.contact.id == first.contact.id
    assert _contacts() == 1


def test_the_api_path_keeps_to_the_uuid_alone(s: Setting) -> None:
    """log_contact (the API's and field mode's) stores the same visit again under a new
    uuid: a tablet's outbox may hold two contacts alike, and the uuid decides."""
    at = (utcnow() - timedelta(minutes=30)).replace(second=0, microsecond=0)
    log(s.case, s.officer, occurred_at=at, uuid=uuid.uuid4(), operational_note="Same.")
    log(s.case, s.officer, occurred_at=at, uuid=uuid.uuid4(), operational_note="Same.")
    assert _contacts() == 2


# --- The form ----------------------------------------------------------------------------


def test_saving_the_form_again_asks_first_then_saves_when_confirmed(login, s: Setting) -> None:  # type: ignore[no-untyped-def]
    client = login(s.officer)
    when = local_input(utcnow() - timedelta(minutes=30))
    assert client.post(_new(s), data=_form(occurred_at=when)).status_code == 302
    first = db.session.scalar(select(Contact))
    assert first is not None

    # Back, and Save again: the browser's new form has a new uuid and the same contact.
    again = _form(occurred_at=when)
    response = client.post(_new(s), data=again)
    page = _page(response)
    assert response.status_code == 409
    assert WARNING in page
    assert f'href="/contacts/{first.id}"' in page
    assert 'name="confirm_repeat" value="y"' in page
    assert f'value="{again["uuid"]}"' in page  # the same form, not a new one
    assert "Talked at the door; calm." in page
    assert _contacts() == 1
    # The form was shown with the person's details again: that read is audited.
    views = db.session.scalars(
        select(AuditEvent.detail).where(AuditEvent.action == AuditAction.VIEW)
    ).all()
    assert "new contact form" in views

    response = client.post(_new(s), data={**again, "confirm_repeat": "y"})
    assert response.status_code == 302
    assert "Contact saved." in _page(client.get(response.location))
    assert _contacts() == 2


def test_a_double_submit_of_one_form_is_not_asked_about(login, s: Setting) -> None:  # type: ignore[no-untyped-def]
    """The same form twice (same uuid) is one contact, as before: no question."""
    client = login(s.officer)
    form = _form()
    assert client.post(_new(s), data=form).status_code == 302
    response = client.post(_new(s), data=form)
    assert response.status_code == 302
    assert "This contact was already saved." in _page(client.get(response.location))
    assert _contacts() == 1
