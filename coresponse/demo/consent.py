"""Consents, disclosures and an unreviewed break-glass access, through their services."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from coresponse.cases.models import Case, CaseStatus
from coresponse.consent.models import BreakGlassReason, ConsentMethod, DisclosureBasis, ShareScope
from coresponse.consent.services import (
    break_glass,
    record_consent,
    record_disclosure,
    resolve_recipient,
)
from coresponse.demo.world import World
from coresponse.extensions import db
from coresponse.people.models import Person, SupportContact
from coresponse.teams.models import TeamMembership


def create_consents_and_break_glass(world: World) -> str:
    """Consents, disclosures and one unreviewed break-glass, through their services.

    They go to Brooklyn North's open cases, so the demo clinician sees them and the
    clinical supervisor's home shows an emergency access waiting for review.
    """
    clinician = world.users["clinician"]
    team_id = db.session.scalar(
        select(TeamMembership.team_id).where(
            TeamMembership.user_id == clinician.id, TeamMembership.left_at.is_(None)
        )
    )
    cases = db.session.scalars(
        select(Case)
        .where(Case.team_id == team_id, Case.status == CaseStatus.OPEN)
        .order_by(Case.id)
        .limit(15)
    ).all()
    if not cases:
        return ""
    consents = disclosures = 0
    for case in cases[:-1]:
        if consents == 3:
            break
        person = db.session.get_one(Person, case.person_id)
        family = db.session.scalar(
            select(SupportContact)
            .where(SupportContact.person_id == person.id, SupportContact.active)
            .order_by(SupportContact.id)
        )
        if family is None or not family.relationship_type.is_family_or_friend:
            continue
        choice = f"contact-{family.id}"
        record_consent(
            person,
            by=clinician,
            recipient=resolve_recipient(person.id, choice),
            scopes=[ShareScope.ATTENDANCE, ShareScope.TREATMENT],
            purpose="Keep the family informed so they can support appointments.",
            method=ConsentMethod.WRITTEN,
            given_on=world.today() - timedelta(days=20),
            expires_on=world.today() + timedelta(days=345),
        )
        consents += 1
        record_disclosure(
            person,
            by=clinician,
            recipient=resolve_recipient(person.id, choice),
            scopes=[ShareScope.ATTENDANCE],
            description="Told them he attended the clinic intake on Tuesday.",
            purpose="Family support",
            disclosed_at=world.now - timedelta(days=3),
            basis=DisclosureBasis.CONSENT,
        )
        disclosures += 1
    # Someone from another team opened a Brooklyn North record in an emergency.
    outsider = next(
        (
            user
            for user in world.users.values()
            if user.role.value == "clinician" and user.id != clinician.id
        ),
        None,
    )
    broke = 0
    if outsider is not None:
        person = db.session.get_one(Person, cases[-1].person_id)
        break_glass(
            person,
            by=outsider,
            reason_code=BreakGlassReason.EMERGENCY_CALL,
            reason="Called by Kings County ED at 2 a.m.; her team was off shift.",
        )
        broke = 1
    return (
        f"\n  Consents:  {consents} (and {disclosures} disclosure{'s' if disclosures != 1 else ''})"
        f"\n  Break-glass accesses waiting for review: {broke}"
    )
