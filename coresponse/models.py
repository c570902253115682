"""Imports every domain's tables so metadata, migrations and tests see them all."""

from coresponse.audit.models import AuditEvent
from coresponse.auth.models import ApiToken, LoginFailure, TotpCredential, User, UserSession
from coresponse.cases.models import Assignment, Case, CaseEvent
from coresponse.consent.models import (
    BreakGlassAccess,
    Consent,
    ConsentScope,
    Disclosure,
    DisclosureScope,
)
from coresponse.contacts.models import Addendum, Contact, ContactParticipant, ContactRiskFactor
from coresponse.geo.models import GeocodeCache, PrecinctBoundary, PrecinctBoundarySet
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
from coresponse.reminders.models import Notification
from coresponse.reports.models import OutcomeTally
from coresponse.teams.models import Team, TeamCoverage, TeamMembership
from coresponse.training.models import Training

__all__ = [
    "Addendum",
    "ApiToken",
    "Assignment",
    "AuditEvent",
    "BreakGlassAccess",
    "Case",
    "CaseEvent",
    "Consent",
    "ConsentScope",
    "Contact",
    "ContactParticipant",
    "ContactRiskFactor",
    "Disclosure",
    "DisclosureScope",
    "GeocodeCache",
    "Linkage",
    "LinkageStatusChange",
    "LoginFailure",
    "Notification",
    "OutcomeTally",
    "Person",
    "PersonAddress",
    "PersonAlias",
    "PersonLanguage",
    "PersonPhone",
    "PrecinctBoundary",
    "PrecinctBoundarySet",
    "Provider",
    "Referral",
    "ReferralEvent",
    "ReferralRiskIndicator",
    "SupportContact",
    "Team",
    "TeamCoverage",
    "TeamMembership",
    "TotpCredential",
    "Training",
    "User",
    "UserSession",
]
