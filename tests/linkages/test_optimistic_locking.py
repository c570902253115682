"""Connection status: a step from a stale page is a 409 showing both versions, never a save."""

from __future__ import annotations

import pytest
from flask import Flask

from coresponse.auth.models import Role
from coresponse.extensions import db
from coresponse.linkages.models import Linkage, LinkageStatus
from coresponse.linkages.services import change_linkage_status
from coresponse.locking import StaleRecord
from tests.factories import make_case, make_staffed_team, make_user
from tests.linkages.helpers import make_linkage
from tests.ops.locking import assert_conflict_page, form_version, logged_in


def test_second_step_from_the_same_version_gets_409_with_both_versions(app: Flask) -> None:
    team, _, _, clinician = make_staffed_team()
    case = make_case(team)
    supervisor = make_user(Role.SUPERVISOR, full_name="Dr. Ruth Okafor")
    linkage = make_linkage(case, clinician)
    first, second = logged_in(app, supervisor), logged_in(app, clinician)
    url = f"/linkages/{linkage.id}"
    version_a = form_version(first.get(url).get_data(as_text=True), "referred-version")
    version_b = form_version(second.get(url).get_data(as_text=True), "not_connected-version")
    assert version_a == version_b == "1"

    moved = first.post(f"{url}/status", data={"to_status": "referred",
                       "referred-note": "Faxed the referral.", "referred-version": version_a})  # fmt: skip
    assert moved.status_code == 302
    stale = second.post(f"{url}/status", data={
        "to_status": "not_connected", "not_connected-version": version_b,
        "not_connected-not_connected_reason": "Person declined the clinic.",
    })  # fmt: skip
    assert stale.status_code == 409
    assert_conflict_page(
        stale.get_data(as_text=True), "Not connected", "Person declined the clinic.",
        "Referred", "Faxed the referral.", "Dr. Ruth Okafor",
    )  # fmt: skip
    db.session.expire_all()
    stored = db.session.get(Linkage, linkage.id)
    assert stored.status is LinkageStatus.REFERRED and stored.not_connected_reason is None
    assert stored.version == 2


def test_the_service_refuses_an_expected_version_that_is_not_current(app: Flask) -> None:
    team, _, _, clinician = make_staffed_team()
    linkage = make_linkage(make_case(team), clinician)
    change_linkage_status(linkage, by=clinician, to_status=LinkageStatus.REFERRED,
                          expected_version=1)  # fmt: skip
    with pytest.raises(StaleRecord) as raised:
        change_linkage_status(
            linkage, by=clinician, to_status=LinkageStatus.WAITLISTED, expected_version=1
        )
    error = raised.value
    assert (error.expected_version, error.current_version, error.status_code) == (1, 2, 409)
    assert linkage.status is LinkageStatus.REFERRED
