"""New York City's police precincts: their numbers, names and the borough each belongs to.

Which precincts exist, and where they are, comes from the boundary file
(coresponse/geo/precincts.py); the borough follows from the number, as the NYPD numbers
its precincts by patrol borough.
"""

from __future__ import annotations

from coresponse.people.models import Borough

# NYPD precinct numbers by borough: 1 to 34 Manhattan, 40 to 52 Bronx, 60 to 94 Brooklyn,
# 100 to 116 Queens, 120 to 123 Staten Island. The ranges leave room for a precinct carved
# out later (the 116th, from the 105th, after the 2021 boundary file).
_BOROUGH_RANGES: tuple[tuple[int, int, Borough], ...] = (
    (1, 39, Borough.MANHATTAN),
    (40, 59, Borough.BRONX),
    (60, 99, Borough.BROOKLYN),
    (100, 119, Borough.QUEENS),
    (120, 139, Borough.STATEN_ISLAND),
)


def borough_for_precinct(code: str | int) -> Borough | None:
    """The borough a precinct number belongs to; None outside NYPD numbering."""
    try:
        number = int(code)
    except (TypeError, ValueError):
        return None
    return next((b for low, high, b in _BOROUGH_RANGES if low <= number <= high), None)


def normalise_precinct(raw: str) -> str | None:
    """'075', '75th', '75 Pct' → '75'; None when it is not an NYPD precinct number."""
    digits = "".join(ch for ch in raw if ch in "0123456789")
    if not digits:
        return None
    code = str(int(digits))
    return code if borough_for_precinct(code) is not None else None


def precinct_label(code: str) -> str:
    """'75' → '75th Precinct'."""
    number = int(code)
    suffix = (
        "th" if 10 <= number % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(number % 10, "th")
    )
    return f"{number}{suffix} Precinct"
