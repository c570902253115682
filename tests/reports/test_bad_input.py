"""A report asked for wrongly is refused with a message, never computed."""

from __future__ import annotations

from datetime import date

import pytest
from flask import Flask

from coresponse.reports.definitions import GroupBy
from coresponse.reports.queries import ReportError, outcomes, parse_group_by


def test_a_reversed_range_is_refused(app: Flask) -> None:
    with pytest.raises(ReportError, match="ends before it starts"):
        outcomes(date(2025, 11, 30), date(2025, 11, 1))


def test_a_range_over_five_years_is_refused(app: Flask) -> None:
    with pytest.raises(ReportError, match="at most 5 years"):
        outcomes(date(2019, 1, 1), date(2025, 1, 2))


def test_an_unknown_grouping_is_refused() -> None:
    assert parse_group_by("") is GroupBy.NONE
    assert parse_group_by("age_band") is GroupBy.AGE_BAND
    with pytest.raises(ReportError, match="Group by one of"):
        parse_group_by("shoe_size")


def test_an_empty_program_reports_zeros(app: Flask) -> None:
    report = outcomes(date(2025, 1, 1), date(2025, 12, 31), GroupBy.MONTH)
    assert len(report.columns) == 12
    assert report["referrals_by_source"].total == 0  # type: ignore[union-attr]
