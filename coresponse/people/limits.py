"""How much each field of a person's record holds: the columns, the forms and the API read these."""

from __future__ import annotations

NAME_MAX = 80
GENDER_MAX = 40
ALIAS_MAX = 160
LANGUAGE_MAX = 60
PHONE_MAX = 40
# A phone number's digits (E.164 allows 15; the matching column holds 20).
PHONE_DIGITS_MIN, PHONE_DIGITS_MAX = 7, 15
ADDRESS_LINE_MAX = 200
CITY_MAX = 80
STATE_MAX = 2
POSTAL_CODE_MAX = 10
# "Where else to look": the referral form's note, and the API's location `description`.
WHEREABOUTS_MAX = 300
# How many aliases and languages one submission (the API's list) may carry.
ALIASES_MAX_ITEMS = 20
LANGUAGES_MAX_ITEMS = 10
# An approximate age is between these (a date of birth is estimated from it).
APPROXIMATE_AGE_MIN, APPROXIMATE_AGE_MAX = 1, 119
# A merge of two records of one person can be undone for this many days.
UNMERGE_DAYS = 30
