"""Intake and triage services, without HTTP."""

from __future__ import annotations

from datetime import timedelta

import pytest
from flask import Flask
from sqlalchemy import select

from coresponse.auth.models import Role
from coresponse.cases.models import Case, CaseEvent, CaseEventKind, CaseStatus
from coresponse.clock import utcnow
from coresponse.errors import DomainError
from coresponse.extensions import db
from coresponse.referrals import services
from coresponse.referrals.models import (
    DeclineReason,
    ReferralEvent,
    ReferralSource,
    ReferralStatus,
    RiskIndicator,
)
from coresponse.referrals.services import ReferralDetails
from tests.factories import make_person, make_referral, make_user


def referral_details(**overrides: object) -> ReferralDetails:
    fields: dict[str, object] = {
        "source": ReferralSource.HOSPITAL,
        "source_detail": "Kings County Hospital ED",
        "received_at": utcnow() - timedelta(hours=1),
        "reason": "Discharged after a suicide attempt; family worried.",
        "risk_indicators": [RiskIndicator.HARM_TO_SELF, RiskIndicator.HARM_TO_SELF],
    }
    fields.update(overrides)
    return ReferralDetails(**fields)  # type: ignore[arg-type]


def history(referral_id: int) -> list[tuple[object, object]]:
    events = db.session.scalars(
        select(ReferralEvent)
        .where(ReferralEvent.referral_id == referral_id)
        .order_by(ReferralEvent.id)
    )
    return [(e.from_status, e.to_status) for e in events]


def test_create_referral_waits_for_triage(app: Flask) -> None:
    referral = services.create_referral(make_person(), referral_details(), by=None)
    assert referral.status is ReferralStatus.RECEIVED
    assert referral.indicators == [RiskIndicator.HARM_TO_SELF]
    assert history(referral.id) == [(None, ReferralStatus.RECEIVED)]


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"received_at": utcnow() + timedelta(hours=2)}, "cannot be in the future"),
        ({"reason": "   "}, "Say why"),
    ],
)
def test_create_referral_refusals(app: Flask, overrides: dict, message: str) -> None:
    with pytest.raises(DomainError, match=message):
        services.create_referral(make_person(), referral_details(**overrides), by=None)


def test_accept_opens_a_case_awaiting_a_team(app: Flask) -> None:
    supervisor = make_user(Role.SUPERVISOR)
    referral = make_referral()
    case = services.accept_referral(referral, by=supervisor, note="Eligible: weapons history")
    assert referral.status is ReferralStatus.ACCEPTED and referral.triaged_by_id == supervisor.id
    assert case.status is CaseStatus.AWAITING_ASSIGNMENT
    assert case.referred_at == referral.received_at
    assert [e.kind for e in db.session.scalars(select(CaseEvent))] == [CaseEventKind.OPENED]
    with pytest.raises(DomainError, match="already accepted"):
        services.accept_referral(referral, by=supervisor)
    assert len(db.session.scalars(select(Case)).all()) == 1


def test_decline_needs_the_coded_details(app: Flask) -> None:
    supervisor = make_user(Role.SUPERVISOR)
    person = make_person()
    first, second = make_referral(person), make_referral(person)
    with pytest.raises(DomainError, match="Name the service"):
        services.decline_referral(second, by=supervisor, reason=DeclineReason.REFERRED_ELSEWHERE)
    with pytest.raises(DomainError, match="Choose the referral this one duplicates"):
        services.decline_referral(second, by=supervisor, reason=DeclineReason.DUPLICATE)
    with pytest.raises(DomainError, match="cannot duplicate itself"):
        services.decline_referral(
            second, by=supervisor, reason=DeclineReason.DUPLICATE, duplicate_of=second
        )
    services.decline_referral(
        second, by=supervisor, reason=DeclineReason.DUPLICATE, duplicate_of=first
    )
    assert second.status is ReferralStatus.DECLINED and second.duplicate_of_id == first.id
    services.decline_referral(
        first, by=supervisor, reason=DeclineReason.REFERRED_ELSEWHERE,
        referred_to_service="Mobile Crisis Team",
    )  # fmt: skip
    assert first.referred_to_service == "Mobile Crisis Team"
    assert history(first.id)[-1] == (ReferralStatus.RECEIVED, ReferralStatus.DECLINED)


def test_more_information_round_trip(app: Flask) -> None:
    supervisor = make_user(Role.SUPERVISOR)
    referral = make_referral()
    with pytest.raises(DomainError, match="Say what information"):
        services.request_more_information(referral, by=supervisor, note=" ")
    services.request_more_information(referral, by=supervisor, note="Need current address")
    with pytest.raises(DomainError, match="only one awaiting triage"):
        services.request_more_information(referral, by=supervisor, note="again")
    services.record_information_received(referral, by=supervisor, note="Lives at the shelter")
    assert referral.status is ReferralStatus.RECEIVED
    with pytest.raises(DomainError, match="not waiting"):
        services.record_information_received(referral, by=supervisor)
    # A referral on hold can still be accepted or declined directly.
    services.request_more_information(referral, by=supervisor, note="Need hospital dates")
    services.accept_referral(referral, by=supervisor)
    assert [to for _, to in history(referral.id)] == [
        ReferralStatus.INFO_REQUESTED,
        ReferralStatus.RECEIVED,
        ReferralStatus.INFO_REQUESTED,
        ReferralStatus.ACCEPTED,
    ]
