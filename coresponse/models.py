"""Imports every domain's tables so metadata, migrations and tests see them all."""

from coresponse.audit.models import AuditEvent
from coresponse.auth.models import User
from coresponse.cases.models import Assignment, Case, CaseEvent
from coresponse.contacts.models import Addendum, Contact, ContactParticipant, ContactRiskFactor
from coresponse.geo.models import GeocodeCache
from coresponse.linkages.models import Linkage, LinkageStatusChange, Provider
from coresponse.people.models import (
    Person,
    PersonAddress,
    PersonAlias,
    PersonLanguage,
    PersonPhone,
    SupportContact,
)
from coresponse.referrals.models import Referral, ReferralEvent, ReferralRiskIndicator
from coresponse.teams.models import Team, TeamCoverage, TeamMembership

__all__ = [
    "Addendum",
    "Assignment",
    "AuditEvent",
    "Case",
    "CaseEvent",
    "Contact",
    "ContactParticipant",
    "ContactRiskFactor",
    "GeocodeCache",
    "Linkage",
    "LinkageStatusChange",
    "Person",
    "PersonAddress",
    "PersonAlias",
    "PersonLanguage",
    "PersonPhone",
    "Provider",
    "Referral",
    "ReferralEvent",
    "ReferralRiskIndicator",
    "SupportContact",
    "Team",
    "TeamCoverage",
    "TeamMembership",
    "User",
]
