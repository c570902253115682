"""Repeat referrals: people referred again while their case is open (issue 18).

Two people with a case open on the demo team are referred again this morning. One
referral waits for triage, so the triage page shows the open case it would join; the
other was accepted and joined its open case, so the team (the `clinician` and `officer`
logins) sees it on their home page until one of them opens the case. Both go through
the real services, as intake and triage would.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from coresponse.cases.models import Case, CaseStatus
from coresponse.demo.reference import DEMO_TEAM
from coresponse.demo.world import World
from coresponse.extensions import db
from coresponse.people.models import Person
from coresponse.referrals import services
from coresponse.referrals.models import ReferralEvent, ReferralSource, ReferralStatus
from coresponse.teams.models import Team

REASON = (
    "Called in again by a neighbour: shouting in the hallway overnight, not sleeping. "
    "The precinct knows the team already works with them."
)


def refer_again(world: World) -> str:
    """Refer two people with open cases of the demo team again; one referral joins its
    case, the other waits for triage. Returns the summary's line."""
    cases = db.session.scalars(
        select(Case)
        .join(Team, Team.id == Case.team_id)
        .where(Team.name == DEMO_TEAM, Case.status == CaseStatus.OPEN)
        .order_by(Case.id)
        .limit(2)
    ).all()
    if len(cases) < 2:
        return ""
    sergeant, supervisor = world.users["sergeant"], world.users["supervisor"]
    referrals = []
    for case, hours in zip(cases, (5, 2), strict=True):
        person = db.session.get(Person, case.person_id)
        assert person is not None  # the case's person  # noqa: S101  # nosec B101
        received = world.now - timedelta(hours=hours)
        details = services.ReferralDetails(
            source=ReferralSource.NYPD_PRECINCT,
            source_detail="75th Precinct",
            received_at=received,
            referrer_name="Sgt. Alvarez",
            reason=REASON,
        )
        referral = services.create_referral(person, details, by=sergeant)
        # The demo's histories start when a referral was received, not when it was typed.
        referral.created_at = received
        for event in db.session.scalars(
            select(ReferralEvent).where(ReferralEvent.referral_id == referral.id)
        ):
            event.at = received
        referrals.append(referral)
    joined, waiting = referrals
    services.accept_referral(
        joined,
        by=supervisor,
        operational_note="Same person, open case: the team follows up on the new call.",
    )
    world.tally.referrals[ReferralStatus.ACCEPTED] += 1
    world.tally.referrals[ReferralStatus.RECEIVED] += 1
    return (
        f"\n  Repeat referrals: #{joined.id} joined open case #{cases[0].id} ({DEMO_TEAM} "
        f"sees it on their home page); #{waiting.id} of case #{cases[1].id}'s person waits "
        "for triage"
    )
