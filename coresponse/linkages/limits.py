"""How much each field of a connection to care holds: the columns, the forms and the API read these."""

from __future__ import annotations

# A step's note and why a connection was not made: the forms' limit, which the API now shares.
NOTE_MAX = 4000
TARGET_NAME_MAX = 160
VERIFIED_BY_MAX = 160
