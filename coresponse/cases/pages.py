"""What the case's pages share: the audited read of the person's card and the 409 page.

Used by the dispatch page here and by the case file's close and reopen forms
(coresponse/casefile/views.py); kept out of the views so neither imports the other.
"""

from __future__ import annotations

from flask import url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user

from coresponse import unit_of_work
from coresponse.audit.categories import DataCategory
from coresponse.audit.services import record_view
from coresponse.cases import queries
from coresponse.cases.models import Case
from coresponse.locking import ConflictPage, last_audited_change
from coresponse.privacy import policy
from coresponse.web import request_info

CLINICAL_CLOSING = "Closing note (clinical)"
CLINICAL_REOPENING = "Why reopen (clinical)"
_CLINICAL = (CLINICAL_CLOSING, CLINICAL_REOPENING)


def audit_card_view(case: Case) -> None:
    """Record the read of a page that shows the case and the person's card, not its
    clinical parts; kept when the page answers an error too (coresponse/unit_of_work.py)."""
    record_view(
        case.person_id, by=current_user, record_type="case", record_id=case.id,
        category=DataCategory.OPERATIONAL, request_info=request_info(),
    )  # fmt: skip
    unit_of_work.keep_on_error()


def case_conflict(
    case_id: int, action: str, submitted: list[tuple[str, object]]
) -> ResponseReturnValue:
    """The 409 page: the change the user sent beside the case as it is now."""
    case = queries.get_visible_case(current_user, case_id)
    clinical = policy.can_read_clinical(current_user)
    stored = {
        "Status": case.status,
        "Team": case.team.name if case.team else None,
        "Closure reason": policy.shown_closure_reason(current_user, case.closure_reason),
        "Closing note": case.closure_operational_note,
    }
    if clinical:
        stored[CLINICAL_CLOSING] = case.closure_note
    else:
        # Only clinical users write (or read) the clinical parts.
        submitted = [(label, value) for label, value in submitted if label not in _CLINICAL]
    page = ConflictPage(
        what=f"case #{case.id} of {case.person.display_name}",
        restart_url=url_for("casefile.detail", case_id=case.id),
        restart_label="Start again from the current case",
        last_change=last_audited_change("case", case.id, person_id=case.person_id),
        note=f"Your change: {action.lower()} the case.",
    )
    for label, value in submitted:
        page.add(label, value, stored.get(label))
    body = page.render()
    # A 409 that shows the case: its read is kept.
    audit_card_view(case)
    return body
