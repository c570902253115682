"""The data-classification register: every persisted text column, and who may read it.

One entry per `table.column` holding text (free text, codes and enum values stored as
strings). tests/test_classification.py walks every model and fails on a text
column missing here, so a new field cannot reach a page unclassified. Pages, printouts
and the API ask `policy.may_read(user, "table.column")` for the columns whose readers
differ within a team.

Free text written during clinical work is clinical by default: a triage note, a closing
or reopening note and an addendum's reason are written by clinicians about treatment
as often as not ("engaged with the harm reduction program", "stopped his medication").
So each comes in two parts (coresponse/privacy/notes.py): the part a form labels as
read by the whole team, police included, is operational; the other part, and every such
note written before the split, is clinical.
"""

from __future__ import annotations

import enum


class Category(enum.StrEnum):
    IDENTITY = "identity"  # who the person is and where: the whole team
    # Self-reported for equity reporting (HMIS race and ethnicity, gender): the whole team
    # reads it on the person's record pages, never on the safety card (see the register).
    DEMOGRAPHIC = "demographic"
    OPERATIONAL = "operational"  # what the team did and must know to go out: the whole team
    CLINICAL = "clinical"  # clinicians and clinical supervisors only
    SUBSTANCE_USE = "substance_use"  # 42 CFR Part 2: clinical readers, never redisclosed
    SECURITY = "security"  # accounts, sessions and the audit trail: never on a person's pages
    REFERENCE = "reference"  # not about a person: directories, geocoding, team set-up


#: Categories only clinical readers receive.
CLINICAL_CATEGORIES = frozenset({Category.CLINICAL, Category.SUBSTANCE_USE})

_I, _O, _C, _S, _R = (
    Category.IDENTITY,
    Category.OPERATIONAL,
    Category.CLINICAL,
    Category.SECURITY,
    Category.REFERENCE,
)

REGISTER: dict[str, Category] = {
    # People
    "person.first_name": _I, "person.middle_name": _I, "person.last_name": _I,
    "person.preferred_name": _I, "person.first_name_key": _I, "person.last_name_key": _I,
    # The person's HMIS answers, and their gender in their own words. Demographic, not
    # clinical: shown on the person's page and edit form to whoever sees the person, and
    # counted by reports. Kept off the operational safety card (macros/people.html, which
    # case pages, printouts and caseloads show): a self-reported identity is not a
    # description that helps anyone recognise the person in the street (name, age,
    # aliases, address and phone do that), and a card officers go out with should not
    # invite policing by race or gender.
    "person.gender_description": Category.DEMOGRAPHIC,
    "person_race_ethnicity.race_ethnicity": Category.DEMOGRAPHIC,
    "person_gender.gender": Category.DEMOGRAPHIC,
    "person_alias.name": _I, "person_alias.name_key": _I,
    # Search keys: folded names, their sounds, reversed phone digits, address lines and
    # the birth date, as people/matching.py makes them from the columns above.
    "person_search_key.kind": _I, "person_search_key.key": _I,
    "person_search_key.phonetic": _I,
    "person_language.language": _I,
    "person_phone.number": _I, "person_phone.digits": _I, "person_phone.kind": _I,
    "person_address.line1": _I, "person_address.line2": _I, "person_address.city": _I,
    "person_address.state": _I, "person_address.postal_code": _I,
    "person_address.borough": _I, "person_address.precinct": _I,
    "person_address.location_status": _I,
    # Labelled on the form as where else the team may find the person.
    "person_address.whereabouts_note": _O,
    "support_contact.name": _I, "support_contact.relationship_type": _I,
    "support_contact.relationship_detail": _I, "support_contact.organization": _I,
    "support_contact.phone": _I, "support_contact.email": _I,
    # Referrals: who sent them is operational, why is clinical.
    "referral.source": _O, "referral.source_detail": _O, "referral.referrer_name": _O,
    "referral.referrer_phone": _O, "referral.referrer_email": _O,
    "referral.referrer_organization": _O, "referral.status": _O,
    "referral.decline_reason": _O, "referral.referred_to_service": _C,
    "referral.reason": _C,
    "referral.triage_note": _C,
    "referral_event.from_status": _O, "referral_event.to_status": _O,
    "referral_event.operational_note": _O, "referral_event.note": _C,
    # Mixed by value: weapons access and violence are released to the whole team as
    # safety flags (referrals.models.RiskIndicator.category); the rest stay clinical.
    "referral_risk_indicator.indicator": _C,
    # Cases
    "case.status": _O,
    # A reason such as "connected to care" discloses treatment: police read "Closed"
    # (cases.models.ClosureReason.discloses_treatment), the others as they are.
    "case.closure_reason": _O,
    "case.closure_operational_note": _O, "case.closure_note": _C,
    "case_event.kind": _O, "case_event.closure_reason": _O, "case_event.summary": _O,
    "case_event.operational_note": _O, "case_event.note": _C,
    # Dispatch between supervisors: which team and why it moved.
    "assignment.reason": _O, "assignment.end_reason": _O,
    # Contacts: the form labels the operational note as read by the whole team.
    "contact.type": _O, "contact.location": _O, "contact.outcome": _O,
    "contact.transport_destination": _O, "contact.others_present": _O,
    "contact.operational_note": _O,
    "contact.clinical_note": _C, "contact.risk_level": _C,
    "contact_risk_factor.factor": _C,
    "addendum.operational_text": _O,
    "addendum.operational_reason": _O, "addendum.reason": _C,
    "addendum.clinical_text": _C,
    # Connections to care are treatment; a substance-use program is Part 2.
    "linkage.kind": Category.SUBSTANCE_USE, "linkage.target_name": Category.SUBSTANCE_USE,
    "linkage.status": _C, "linkage.verification_method": _C, "linkage.verified_by": _C,
    "linkage.not_connected_reason": _C, "linkage.note": _C,
    "linkage_status_change.from_status": _C, "linkage_status_change.to_status": _C,
    "linkage_status_change.note": _C,
    # Consent to share and the accounting of disclosures
    "consent.recipient_kind": _C, "consent.recipient_name": _C,
    "consent.recipient_detail": _C, "consent.purpose": _C, "consent.method": _C,
    "consent.witness_name": _C, "consent.revocation_note": _C,
    "consent_scope.scope": _C,
    "disclosure.recipient_kind": _C, "disclosure.recipient_name": _C,
    "disclosure.recipient_detail": _C, "disclosure.description": _C,
    "disclosure.purpose": _C, "disclosure.basis": _C,
    "disclosure.emergency_justification": _C,
    "disclosure_scope.scope": _C,
    "break_glass_access.reason": _C, "break_glass_access.acknowledgement_note": _C,
    # "Crisis in progress" says something of the person; the verdict stays with the reason.
    "break_glass_access.reason_code": _C, "break_glass_access.verdict": _C,
    # Teams and the directory
    "team.name": _R, "team.base_address": _R, "team.base_precinct": _R,
    "team.base_location_status": _R,
    "team_coverage.area_type": _R, "team_coverage.area_code": _R,
    "team_membership.leave_reason": _R,
    # Staff training: which course, for dispatch (team set-up, not anyone's record)
    "training.kind": _R,
    "provider.name": _R, "provider.kind": _R, "provider.address": _R,
    "provider.phone": _R, "provider.languages": _R,
    "geocode_cache.provider": _R, "geocode_cache.query_key": _R,
    "geocode_cache.precision": _R, "geocode_cache.postal_code": _R,
    "geocode_cache.county": _R,
    "precinct_boundary_set.source": _R, "precinct_boundary_set.digest": _R,
    "precinct_boundary.precinct": _R, "precinct_boundary.borough": _R,
    "precinct_boundary.geometry": _R,
    # The outcome tallies (reports.models): counts, no name or free text. A cell's group is
    # a borough, language, age band, gender or race answer; its row a code (a contact's
    # type and outcome, a closure's reason, a connection's kind) or a duration. The
    # reports read a measure only for readers of its indicators (reports.policy: police
    # supervisors never get the connections measures), and show counts, suppressed.
    "outcome_tally.measure": _R, "outcome_tally.grouping": _R, "outcome_tally.grain": _R,
    "outcome_tally.group_key": Category.DEMOGRAPHIC, "outcome_tally.row_key": _O,
    # Accounts, sessions, the audit trail
    "user.username": _S, "user.full_name": _S, "user.email": _S, "user.role": _S,
    "user.discipline": _S, "user.password_hash": _S,
    # Reminders: a case number and what is due, written operational by their rules (the
    # clinical rules' reminders go to clinical readers only: policy.receives_reminder)
    "notification.rule": _O, "notification.subject_type": _O, "notification.period_key": _O,
    "notification.title": _O, "notification.link": _O,
    "access_request.kind": _S, "access_request.role": _S, "access_request.discipline": _S,
    "access_request.previous_role": _S, "access_request.previous_discipline": _S,
    "access_request.approver_discipline": _S, "access_request.status": _S,
    "access_request.decision_note": _S,
    "api_token.name": _S, "api_token.prefix": _S, "api_token.token_hash": _S,
    "totp_credential.secret_sealed": _S,
    "user_session.token_hash": _S, "user_session.end_reason": _S,
    "user_session.ip_address": _S, "user_session.user_agent": _S,
    "login_failure.username_key": _S, "login_failure.ip_address": _S,
    "login_failure.reason": _S,
    "audit_event.username": _S, "audit_event.role": _S, "audit_event.action": _S,
    "audit_event.record_type": _S, "audit_event.record_id": _S,
    "audit_event.category": _S, "audit_event.detail": _S,
    "audit_event.ip_address": _S, "audit_event.user_agent": _S,
    "audit_event.prev_hash": _S, "audit_event.row_hash": _S,
    "audit_event.person_ids": _S,
}  # fmt: skip


def category_of(column: str) -> Category:
    """The category of a registered `table.column` (KeyError names an unregistered one)."""
    try:
        return REGISTER[column]
    except KeyError:
        raise KeyError(f"{column} is not in the data-classification register") from None


def is_clinical(column: str) -> bool:
    """Whether only clinical readers may receive this column."""
    return category_of(column) in CLINICAL_CATEGORIES
