"""How much each referral field holds: the columns, the intake form and the API read these."""

from __future__ import annotations

from coresponse.people.limits import PHONE_MAX

# The reason for referral (clinical): the intake form's limit, which the API now shares.
REASON_MAX = 5000
SOURCE_DETAIL_MAX = 160
REFERRER_NAME_MAX = 160
REFERRER_PHONE_MAX = PHONE_MAX
REFERRER_EMAIL_MAX = 254  # RFC 5321's longest address
REFERRER_ORGANIZATION_MAX = 160
# Each part of a triage step's note (accept, decline, ask for or receive more information).
TRIAGE_NOTE_MAX = 2000
