"""New York City's police precincts and the borough each belongs to."""

from __future__ import annotations

from coresponse.people.models import Borough

_PRECINCTS_BY_BOROUGH: dict[Borough, tuple[int, ...]] = {
    Borough.MANHATTAN: (1, 5, 6, 7, 9, 10, 13, 14, 17, 18, 19, 20, 22, 23, 24, 25, 26, 28, 30,
                        32, 33, 34),
    Borough.BRONX: (40, 41, 42, 43, 44, 45, 46, 47, 48, 49, 50, 52),
    Borough.BROOKLYN: (60, 61, 62, 63, 66, 67, 68, 69, 70, 71, 72, 73, 75, 76, 77, 78, 79, 81,
                       83, 84, 88, 90, 94),
    Borough.QUEENS: (100, 101, 102, 103, 104, 105, 106, 107, 108, 109, 110, 111, 112, 113, 114,
                     115, 116),
    Borough.STATEN_ISLAND: (120, 121, 122, 123),
}  # fmt: skip

PRECINCT_BOROUGH: dict[str, Borough] = {
    str(number): borough for borough, numbers in _PRECINCTS_BY_BOROUGH.items() for number in numbers
}


def normalise_precinct(raw: str) -> str | None:
    """'075', '75th', '75 Pct' → '75'; None when it is not an NYC precinct."""
    digits = "".join(ch for ch in raw if ch in "0123456789")
    if not digits:
        return None
    code = str(int(digits))
    return code if code in PRECINCT_BOROUGH else None


def precinct_label(code: str) -> str:
    """'75' → '75th Precinct'."""
    number = int(code)
    suffix = (
        "th" if 10 <= number % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(number % 10, "th")
    )
    return f"{number}{suffix} Precinct"
