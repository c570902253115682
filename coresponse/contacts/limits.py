"""How much each contact field holds: the columns, the forms, the API and field mode read these."""

from __future__ import annotations

LOCATION_MAX = 200
OTHERS_PRESENT_MAX = 200
DESTINATION_MAX = 160
OPERATIONAL_NOTE_MAX = 10_000
CLINICAL_NOTE_MAX = 20_000
# Team members named as present (user ids); the recorder is always one of them.
PARTICIPANTS_MAX = 50

# An addendum: why (in two parts, like the addition itself) and what.
ADDENDUM_REASON_MAX = 200
ADDENDUM_OPERATIONAL_TEXT_MAX = OPERATIONAL_NOTE_MAX
ADDENDUM_CLINICAL_TEXT_MAX = CLINICAL_NOTE_MAX

# The contact form's text fields by name, for field mode's page (templates/offline/contact.html).
CONTACT_TEXT_LIMITS = {
    "location": LOCATION_MAX,
    "others_present": OTHERS_PRESENT_MAX,
    "transport_destination": DESTINATION_MAX,
    "operational_note": OPERATIONAL_NOTE_MAX,
    "clinical_note": CLINICAL_NOTE_MAX,
}
