"""Every indicator of a small program built by hand (tests/reports/program.py), exactly.

The same answers on SQLite and PostgreSQL (DATABASE_URL).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date

import pytest
from flask import Flask

from coresponse.cases.models import ClosureReason
from coresponse.people.models import Gender, RaceEthnicity
from coresponse.reports.definitions import INDICATORS, KEY_INDICATORS, GroupBy
from coresponse.reports.queries import funnel, outcomes
from coresponse.reports.results import CountTable, DurationTable, Outcomes, RateTable, Ratio
from coresponse.reports.suppression import Cell, is_small, suppress
from tests.reports import program
from tests.reports.program import FIRST, LAST, NOW


def counts(result: object, column: str = "all") -> dict[str, int]:
    """A count table's non-zero cells of one column."""
    assert isinstance(result, CountTable)
    return {r.key: result.cell(r.key, column) for r in result.rows if result.cell(r.key, column)}


def rates(result: object, column: str = "all") -> dict[str, Ratio]:
    assert isinstance(result, RateTable)
    return {r.key: result.cell(r.key, column) for r in result.rows}


def durations(result: object, column: str = "all") -> tuple[object, ...]:
    assert isinstance(result, DurationTable)
    s = result.cell(column)
    return (
        s.n,
        s.median,
        pytest.approx(s.p90) if s.p90 is not None else None,
        s.within,
        s.eligible,
    )


@pytest.fixture
def built(app: Flask) -> program.Program:
    return program.build()


@pytest.fixture
def whole(built: program.Program) -> Outcomes:
    return outcomes(FIRST, LAST, GroupBy.NONE, now=NOW)


def test_every_indicator_is_computed(whole: Outcomes) -> None:
    assert set(whole.results) == {indicator.id for indicator in INDICATORS}


def test_referrals_and_triage(whole: Outcomes) -> None:
    # The referrals at 23:30 on 30 September and 00:30 on 1 December are outside.
    assert counts(whole["referrals_by_source"]) == {
        "nypd_precinct": 1, "hospital": 1, "call_911": 1, "family_community": 1, "dohmh": 1,
    }  # fmt: skip
    table = whole["referrals_by_source"]
    assert isinstance(table, CountTable)
    assert table.total == 5
    assert counts(whole["triage_decisions"]) == {"accepted": 4, "declined_not_eligible": 1}
    # 2, 2, 3, 4 and 12 hours (20:00 to 08:00 across midnight).
    assert durations(whole["hours_to_triage"]) == (5, 3.0, pytest.approx(8.8), None, None)


def test_people_and_caseload(whole: Outcomes) -> None:
    # Four cases, three people: P1's two cases count once.
    served = whole["people_served"]
    assert isinstance(served, CountTable)
    assert counts(served) == {"people": 3}
    assert served.total == 3
    # At the end of November: C3 and C4 with Alpha; C1 and C2 closed.
    caseload = whole["open_caseload"]
    assert isinstance(caseload, CountTable)
    assert [r.label for r in caseload.rows] == ["Alpha"]
    assert caseload.total == 2


def test_time_to_first_contact_in_real_hours(whole: Outcomes) -> None:
    # C2 8 h (attempt), C1 exactly 24 h (within), C3 24.5 real hours across the clock
    # change (not within), C4 not reached and its 24 hours long past (not within).
    assert durations(whole["hours_to_first_contact"]) == (3, 24.0, pytest.approx(24.4), 2, 4)
    # Engagement: C1 24 h, C3 24.5 h, C2 84 h (the attempt and the family call are not).
    assert durations(whole["hours_to_first_engagement"]) == (3, 24.5, pytest.approx(72.1), 1, 4)


def test_contacts_by_when_they_happened(whole: Outcomes) -> None:
    assert counts(whole["contacts_by_type"]) == {
        "in_person_home": 4, "in_person_other": 3, "phone": 2, "attempt": 1,
        "collateral_family": 1,
    }  # fmt: skip
    assert counts(whole["contacts_by_outcome"]) == {
        "engaged": 5, "brief_engagement": 1, "refused": 1, "not_found": 1,
        "crisis_transport_voluntary": 1, "crisis_transport_involuntary": 1, "arrest": 1,
    }  # fmt: skip
    assert counts(whole["attempts_vs_engagements"]) == {
        "engagement": 5, "attempt": 5, "collateral": 1,
    }  # fmt: skip
    assert rates(whole["crisis_outcomes_per_100_contacts"]) == {
        "crisis_transport_voluntary": Ratio(1, 11),
        "crisis_transport_involuntary": Ratio(1, 11),
        "arrest": Ratio(1, 11),
    }
    # C3 was seen on the evening of 30 November, C4 not in the last 7 days.
    assert rates(whole["recent_contact_share"]) == {"share": Ratio(1, 2)}


def test_connections_and_closures(whole: Outcomes) -> None:
    assert counts(whole["connections_by_category"]) == {"treatment": 2, "family": 1, "support": 1}
    assert counts(whole["connections_by_kind"]) == {
        "outpatient_clinic": 1, "imt": 1, "family": 1, "housing": 1,
    }  # fmt: skip
    assert counts(whole["connections_by_status"]) == {
        "connected": 2,
        "waitlisted": 1,
        "referred": 1,
    }
    # C1 (verified before closing) and C2 (closed twice, counted once, never connected).
    assert rates(whole["closed_with_verified_connection"]) == {"connected": Ratio(1, 2)}
    # C1 24 days (1 to 25 October), C3 5 days (1 to 6 November).
    assert durations(whole["days_to_first_verified_connection"]) == (
        2, 14.5, pytest.approx(22.1), None, None,
    )  # fmt: skip
    assert counts(whole["closure_reasons"]) == {
        "connected_to_care": 1, "unable_to_locate": 1, "declined_services": 1,
    }  # fmt: skip
    # C2 9 days, C1 29 days, C2 again 45 days (from its opening).
    assert durations(whole["length_of_engagement"]) == (3, 29.0, pytest.approx(41.8), None, None)
    # P1 was referred again 21 days after C1 closed; P2 never.
    assert rates(whole["re_referral"]) == {
        "within_90_days": Ratio(1, 3), "within_180_days": Ratio(1, 3),
    }  # fmt: skip


def test_windows_not_yet_passed_are_left_out(built: program.Program) -> None:
    # On 1 March 2026 the 180 days after 20 October and 25 November have not passed.
    report = outcomes(FIRST, LAST, now=program.ny("2026-03-01 12:00"))
    assert rates(report["re_referral"]) == {
        "within_90_days": Ratio(1, 3), "within_180_days": Ratio(0, 0),
    }  # fmt: skip


def test_a_window_passes_at_its_instant_on_the_day_it_ends(built: program.Program) -> None:
    # C1 closed at 15:00 (EDT) on 30 October: 90 real days later is 14:00 (EST) on 28
    # January. C2's first closure's window has passed by then, its second's not.
    before = outcomes(FIRST, LAST, now=program.ny("2026-01-28 13:59"))
    at = outcomes(FIRST, LAST, now=program.ny("2026-01-28 14:00"))
    assert rates(before["re_referral"])["within_90_days"] == Ratio(0, 1)
    assert rates(at["re_referral"])["within_90_days"] == Ratio(1, 2)
    by_month = outcomes(FIRST, LAST, GroupBy.MONTH, now=program.ny("2026-01-28 14:00"))
    assert rates(by_month["re_referral"], "2025-10")["within_90_days"] == Ratio(1, 2)
    assert rates(by_month["re_referral"], "2025-11")["within_90_days"] == Ratio(0, 0)


def test_the_headline_counts_a_case_by_its_last_closure_in_each_month(
    built: program.Program,
) -> None:
    report = outcomes(FIRST, LAST, GroupBy.MONTH, now=NOW)
    headline = report["closed_with_verified_connection"]
    # October: C1 (connected) and C2's first closure; November: C2's second closure.
    assert rates(headline, "2025-10") == {"connected": Ratio(1, 2)}
    assert rates(headline, "2025-11") == {"connected": Ratio(0, 1)}
    # The range: C1 and C2 once each.
    assert isinstance(headline, RateTable)
    assert headline.overall["connected"] == Ratio(1, 2)
    # October alone: C2's first closure is its last in the range.
    october = outcomes(FIRST, date(2025, 10, 31), now=NOW)
    assert rates(october["closed_with_verified_connection"]) == {"connected": Ratio(1, 2)}


def test_by_month(built: program.Program) -> None:
    report = outcomes(FIRST, LAST, GroupBy.MONTH, now=NOW)
    assert [c.key for c in report.columns] == ["2025-10", "2025-11"]
    # The 20:00 referral of 31 October is October's (November in UTC).
    assert counts(report["referrals_by_source"], "2025-10") == {
        "nypd_precinct": 1, "hospital": 1, "call_911": 1,
    }  # fmt: skip
    served = report["people_served"]
    assert isinstance(served, CountTable)
    # October: P1 and P2. November: P2 (C2 reopened on the 10th), P3 and P1 (C4; C1
    # closed in October). The whole range: three people, not five.
    assert counts(served, "2025-10") == {"people": 2}
    assert counts(served, "2025-11") == {"people": 3}
    assert served.total == 3
    # The contact at 23:00 on 2 November (after the clocks went back) is November's.
    assert sum(counts(report["contacts_by_type"], "2025-11").values()) == 5
    assert sum(counts(report["contacts_by_type"], "2025-10").values()) == 6
    caseload = report["open_caseload"]
    assert isinstance(caseload, CountTable)
    # End of October: nobody (C1 and C2 closed, C3 not yet assigned); end of November: 2.
    assert caseload.column_totals == {"2025-10": 0, "2025-11": 2}


def test_reopened_case_is_not_open_while_closed(built: program.Program) -> None:
    # 1-5 November: C2 closed on 20 October and reopened on 10 November; C1 closed.
    report = outcomes(date(2025, 11, 1), date(2025, 11, 5), now=NOW)
    assert counts(report["people_served"]) == {"people": 1}


def test_another_case_reopened_does_not_reopen_a_closed_one(built: program.Program) -> None:
    # P1's C4 is closed on 22 November; C1 (closed on 30 October) is reopened on the
    # 23rd and closed on the 24th.
    program._close(built.c4, "2025-11-22 10:00", ClosureReason.DECLINED_SERVICES, final=True)
    program._reopen(built.c1, built.team_a, "2025-11-23 09:00", ended="2025-11-24 10:00")
    program._close(built.c1, "2025-11-24 10:00", ClosureReason.CONNECTED_TO_CARE, final=True)
    # 6-15 November: C2 reopened on the 10th (P2), C3 open (P3). C1 was closed all along:
    # C2's reopening is not C1's, and P1's C4 was not open yet. P1 was not served.
    report = outcomes(date(2025, 11, 6), date(2025, 11, 15), now=NOW)
    assert counts(report["people_served"]) == {"people": 2}
    # By month, 31 October to 30 November: on the 31st C1 and C2 were closed, their
    # reopenings in November later; in November P1, P2 and P3 were served.
    by_month = outcomes(date(2025, 10, 31), date(2025, 11, 30), GroupBy.MONTH, now=NOW)
    assert counts(by_month["people_served"], "2025-10") == {}
    assert counts(by_month["people_served"], "2025-11") == {"people": 3}


def test_by_team(built: program.Program) -> None:
    report = outcomes(FIRST, LAST, GroupBy.TEAM, now=NOW)
    alpha, bravo = str(built.team_a.id), str(built.team_b.id)
    assert [c.label for c in report.columns] == ["Alpha", "Bravo", "No team"]
    assert counts(report["referrals_by_source"], alpha) == {
        "nypd_precinct": 1, "call_911": 1, "dohmh": 1,
    }  # fmt: skip
    assert counts(report["referrals_by_source"], bravo) == {"hospital": 1}
    assert counts(report["referrals_by_source"], "unknown") == {"family_community": 1}
    assert counts(report["people_served"], alpha) == {"people": 2}
    assert durations(report["hours_to_first_contact"], bravo) == (1, 8.0, pytest.approx(8.0), 1, 1)
    assert rates(report["closed_with_verified_connection"], alpha) == {"connected": Ratio(1, 1)}
    assert rates(report["closed_with_verified_connection"], bravo) == {"connected": Ratio(0, 1)}


def test_by_borough_precinct_and_language(built: program.Program) -> None:
    borough = outcomes(FIRST, LAST, GroupBy.BOROUGH, now=NOW)
    assert sum(counts(borough["contacts_by_type"], "BK").values()) == 7
    assert sum(counts(borough["contacts_by_type"], "BX").values()) == 4
    assert counts(borough["referrals_by_source"], "unknown") == {"family_community": 1}
    precinct = outcomes(FIRST, LAST, GroupBy.PRECINCT, now=NOW)
    assert [c.key for c in precinct.columns] == ["40", "75", "unknown"]
    language = outcomes(FIRST, LAST, GroupBy.LANGUAGE, now=NOW)
    assert counts(language["referrals_by_source"], "Spanish") == {"hospital": 1}
    assert sum(counts(language["referrals_by_source"], "English").values()) == 4


def test_by_age_band_on_new_york_days(built: program.Program) -> None:
    report = outcomes(FIRST, LAST, GroupBy.AGE_BAND, now=NOW)
    # P2's referral came at 22:00 on 10 October in New York, the eve of her 25th
    # birthday (already the 11th in UTC): 24. Her case opened at 01:00 on the 11th: 25.
    assert counts(report["referrals_by_source"], "18_24") == {"hospital": 1}
    assert counts(report["referrals_by_source"], "35_44") == {"nypd_precinct": 1, "dohmh": 1}
    assert counts(report["referrals_by_source"], "65_plus") == {"call_911": 1}
    assert counts(report["referrals_by_source"], "unknown") == {"family_community": 1}
    assert sum(counts(report["contacts_by_type"], "25_34").values()) == 4
    assert sum(counts(report["contacts_by_type"], "18_24").values()) == 0


def test_by_race_and_ethnicity_a_person_counts_in_each_answer(built: program.Program) -> None:
    report = outcomes(FIRST, LAST, GroupBy.RACE_ETHNICITY, now=NOW)
    # Every answer in the standard's order, the null answers last, whoever gave them.
    assert [c.key for c in report.columns] == [r.value for r in RaceEthnicity]
    assert report.columns[-1].label == "Data not collected"
    referrals = report["referrals_by_source"]
    assert isinstance(referrals, CountTable)
    # P1 (Black and Hispanic) in both columns; P3 prefers not to answer; P4 has no answer.
    assert counts(referrals, "black_af_american") == {"nypd_precinct": 1, "dohmh": 1}
    assert counts(referrals, "hispanic_latinaeo") == {
        "nypd_precinct": 1, "hospital": 1, "dohmh": 1,
    }  # fmt: skip
    assert counts(referrals, "client_prefers_not_to_answer") == {"call_911": 1}
    assert counts(referrals, "data_not_collected") == {"family_community": 1}
    assert counts(referrals, "white") == {}
    # Five referrals, though the columns add up to seven: each counts once in a total.
    assert not referrals.additive
    assert referrals.total == 5
    assert referrals.row_totals["nypd_precinct"] == 1
    assert referrals.column_totals["hispanic_latinaeo"] == 3
    served = report["people_served"]
    assert isinstance(served, CountTable)
    assert {c: served.cell("people", c) for c in ("black_af_american", "hispanic_latinaeo",
            "client_prefers_not_to_answer", "data_not_collected")} == {
        "black_af_american": 1, "hispanic_latinaeo": 2, "client_prefers_not_to_answer": 1,
        "data_not_collected": 0,
    }  # fmt: skip
    assert served.total == 3
    contacts = report["contacts_by_type"]
    assert isinstance(contacts, CountTable)
    assert contacts.column_totals["black_af_american"] == 3  # C1's
    assert contacts.column_totals["hispanic_latinaeo"] == 7  # C1's and C2's
    assert contacts.column_totals["client_prefers_not_to_answer"] == 4  # C3's
    assert contacts.total == 11
    # C1 24 h and C4 not reached (P1); C2 8 h (P2); C3 24.5 h (P3). Overall: each case once.
    first = report["hours_to_first_contact"]
    assert durations(first, "black_af_american") == (1, 24.0, pytest.approx(24.0), 1, 2)
    assert durations(first, "hispanic_latinaeo") == (2, 16.0, pytest.approx(22.4), 2, 3)
    assert durations(first, "client_prefers_not_to_answer") == (1, 24.5, pytest.approx(24.5), 0, 1)
    assert isinstance(first, DurationTable)
    assert (first.overall.n, first.overall.within, first.overall.eligible) == (3, 2, 4)
    # Closures: C1 (P1, connected, re-referred), C2 twice (P2).
    connected = report["closed_with_verified_connection"]
    assert rates(connected, "black_af_american") == {"connected": Ratio(1, 1)}
    assert rates(connected, "hispanic_latinaeo") == {"connected": Ratio(1, 2)}
    assert isinstance(connected, RateTable)
    assert connected.overall == {"connected": Ratio(1, 2)}
    re_referral = report["re_referral"]
    assert rates(re_referral, "hispanic_latinaeo")["within_90_days"] == Ratio(1, 3)
    assert isinstance(re_referral, RateTable)
    assert re_referral.overall["within_90_days"] == Ratio(1, 3)  # not 2 of 4
    crisis = report["crisis_outcomes_per_100_contacts"]
    assert isinstance(crisis, RateTable)
    assert crisis.overall["arrest"] == Ratio(1, 11)


def test_by_gender_a_person_counts_in_each_answer(built: program.Program) -> None:
    report = outcomes(FIRST, LAST, GroupBy.GENDER, now=NOW)
    assert [c.key for c in report.columns] == [g.value for g in Gender]
    referrals = report["referrals_by_source"]
    assert isinstance(referrals, CountTable)
    assert counts(referrals, "man") == {"nypd_precinct": 1, "dohmh": 1}
    # P2 answered woman and transgender: her referral is in both columns.
    assert counts(referrals, "woman") == {"hospital": 1}
    assert counts(referrals, "transgender") == {"hospital": 1}
    assert counts(referrals, "client_doesnt_know") == {"call_911": 1}
    assert counts(referrals, "data_not_collected") == {"family_community": 1}
    assert referrals.total == 5 and sum(referrals.column_totals.values()) == 6
    served = report["people_served"]
    assert isinstance(served, CountTable)
    assert counts(served, "woman") == counts(served, "transgender") == {"people": 1}
    assert served.total == 3
    contacts = report["contacts_by_type"]
    assert isinstance(contacts, CountTable)
    assert contacts.column_totals == {
        "man": 3, "woman": 4, "culturally_specific": 0, "transgender": 4, "non_binary": 0,
        "questioning": 0, "different_identity": 0, "client_doesnt_know": 4,
        "client_prefers_not_to_answer": 0, "data_not_collected": 0,
    }  # fmt: skip
    assert contacts.total == 11
    assert durations(report["hours_to_first_contact"], "transgender") == (
        1, 8.0, pytest.approx(8.0), 1, 1,
    )  # fmt: skip
    caseload = report["open_caseload"]
    assert isinstance(caseload, CountTable)
    # At the end of November: C3 (P3, doesn't know) and C4 (P1, man) with Alpha.
    assert caseload.column_totals["man"] == caseload.column_totals["client_doesnt_know"] == 1
    assert caseload.total == 2


def test_nothing_small_leaves_through_suppression(built: program.Program) -> None:
    for group_by in GroupBy:
        safe = suppress(outcomes(FIRST, LAST, group_by, now=NOW))
        cells = _cells(safe.results.values())
        assert any(cell.suppressed for cell in cells)  # a program this small is mostly hidden
        for cell in cells:
            assert cell.suppressed or cell.value is None or not is_small(int(cell.value)), group_by


def _cells(values: object) -> list[Cell]:
    """Every Cell inside the suppressed structures."""
    found: list[Cell] = []
    stack = [values]
    while stack:
        item = stack.pop()
        if isinstance(item, Cell):
            found.append(item)
        elif isinstance(item, Mapping):
            stack.extend(item.values())
        elif isinstance(item, Iterable) and not isinstance(item, str):
            stack.extend(item)
        elif hasattr(item, "__dataclass_fields__"):
            stack.extend(getattr(item, name) for name in item.__dataclass_fields__)
    return found


@pytest.mark.parametrize("group_by", [GroupBy.MONTH, GroupBy.BOROUGH, GroupBy.GENDER])
def test_a_report_of_the_key_indicators_only_has_the_same_answers(
    built: program.Program, group_by: GroupBy
) -> None:
    full = outcomes(FIRST, LAST, group_by, now=NOW)
    key = outcomes(FIRST, LAST, group_by, now=NOW, only=KEY_INDICATORS)
    assert set(key.results) == KEY_INDICATORS
    assert key.columns == full.columns
    for indicator in KEY_INDICATORS:
        assert key[indicator] == full[indicator], indicator


def test_a_repeat_referral_that_joined_an_open_case_is_accepted_and_on_its_team(
    app: Flask,
) -> None:
    repeat = program.build_repeat()
    by_team = outcomes(FIRST, LAST, GroupBy.TEAM, now=NOW)
    team = str(repeat.team.id)
    assert counts(by_team["referrals_by_source"], team) == {
        "nypd_precinct": 1, "hospital": 1, "call_911": 1,
    }  # fmt: skip
    assert counts(by_team["referrals_by_source"], "unknown") == {}
    assert counts(by_team["triage_decisions"], team) == {"accepted": 3}
    # Each joined referral is contacted and engaged only from its own receipt on.
    stages = {label.key: n for label, n in funnel(FIRST, LAST)}
    assert stages == {
        "referred": 3, "accepted": 3, "assigned": 3, "contacted": 3, "engaged": 2,
        "connected": 0,
    }  # fmt: skip
