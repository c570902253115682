"""The home page after login."""

from __future__ import annotations

from flask import render_template
from flask.typing import ResponseReturnValue
from flask_login import current_user

from coresponse.cases import queries as case_queries
from coresponse.cases import services as case_services
from coresponse.dashboard import bp, queries
from coresponse.privacy import policy
from coresponse.privacy.routes import allow
from coresponse.teams import queries as team_queries
from coresponse.web import request_info


@bp.route("/")
@allow(policy.is_signed_in)
def home() -> ResponseReturnValue:
    """What needs attention: program counts for supervisors (and the emergency accesses and
    access requests waiting for their decision), the team for its members (with the open
    cases a repeat referral joined since the team last opened them)."""
    found = team_queries.team_with_staffing_of(current_user)
    team, team_staffing = found if found is not None else (None, None)
    context: dict[str, object] = {"team": team, "team_staffing": team_staffing}
    new_referrals = []
    if team is not None:
        context["team_counts"] = queries.team_counts(team.id)
        new_referrals = queries.new_referrals_for_team(team.id)
        context["new_referrals"] = new_referrals
    if policy.can_view_program_counts(current_user):
        context["counts"] = queries.program_counts()
    if policy.can_view_team_staffing(current_user):
        context["attention"] = team_queries.teams_needing_attention()
    sections = case_queries.supervisor_queue() if policy.sees_all_cases(current_user) else None
    if sections is not None:
        context["queue"] = sections
    if policy.can_review_access_requests(current_user):
        context["decisions"] = queries.decisions_waiting(current_user)
    page = render_template("main/home.html", **context)
    if new_referrals:
        case_services.record_case_list_view(
            new_referrals, by=current_user, what="Home: new referrals on open cases",
            record_type="home_new_referrals", request_info=request_info(),
        )  # fmt: skip
    if sections is not None:
        # Recorded last, once the page is made (coresponse/unit_of_work.py).
        case_services.record_case_list_view(
            [row for section in sections for row in section.rows], by=current_user,
            what="Home: supervisor queues", record_type="home_queues",
            request_info=request_info(),
        )  # fmt: skip
    return page
