"""A printout is not a dead end: a Print button and a way back, on screen only."""

from __future__ import annotations

import re

from coresponse.extensions import db
from tests.factories import make_case, make_staffed_team


def _actions(page: str) -> str:
    match = re.search(r'<nav class="print-actions".*?</nav>', page, re.S)
    assert match, "no print actions"
    return match.group(0)


def test_case_summary_and_accounting_printouts_offer_print_and_back(login) -> None:  # type: ignore[no-untyped-def]
    team, _officer, _other, clinician = make_staffed_team()
    case = make_case(team)
    db.session.commit()
    client = login(clinician)

    summary = _actions(client.get(f"/cases/{case.id}/print").get_data(as_text=True))
    assert f'href="/cases/{case.id}"' in summary and "data-print" in summary

    accounting = client.get(f"/people/{case.person_id}/disclosures?print=1").get_data(as_text=True)
    actions = _actions(accounting)
    assert f'href="/people/{case.person_id}/disclosures"' in actions and "data-print" in actions
    assert "js/print.js" in accounting
