"""Case pages: dispatch to a team, the supervisor queues, My caseload (the case itself:
coresponse/casefile)."""

from __future__ import annotations

from collections.abc import Sequence

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user
from sqlalchemy.orm import joinedload

from coresponse import unit_of_work
from coresponse.cases import bp, queries, services
from coresponse.cases.dispatch import rank_teams
from coresponse.cases.forms import AssignForm
from coresponse.cases.models import Case, CaseStatus
from coresponse.cases.pages import audit_card_view, case_conflict
from coresponse.db_types import parse_id
from coresponse.errors import DomainError
from coresponse.extensions import db
from coresponse.locking import StaleRecord, stamp
from coresponse.pagination import BadCursor, time_page
from coresponse.people.models import Person
from coresponse.privacy import policy
from coresponse.privacy.routes import allow
from coresponse.referrals.models import Referral
from coresponse.teams.models import Team
from coresponse.web import refuse, request_info


@bp.route("/<int:case_id>/assign", methods=["GET", "POST"])
@allow(policy.can_assign, per_record=policy.case_visibility)
def assign(case_id: int) -> ResponseReturnValue:
    """Dispatch: the teams ranked for this case, with why; assign or reassign."""
    case = queries.get_visible_case(current_user, case_id)
    queries.load_case_history(case, current_user)
    form = AssignForm()
    status = 200
    if case.status is CaseStatus.CLOSED:
        flash("This case is closed; reopen it before assigning a team.", "error")
        return redirect(url_for("casefile.detail", case_id=case.id))
    if form.validate_on_submit():
        team_id = parse_id(form.team_id.data)
        team = queries.team_for_assignment(team_id) if team_id else None
        if team is None or not team.active:
            form.team_id.errors = ["Choose one of the teams listed."]
            status = 422
        else:
            try:
                services.assign_case(
                    case, team, by=current_user, reason=form.reason.data,
                    expected_version=form.version.data, request_info=request_info(),
                )  # fmt: skip
            except StaleRecord:
                unit_of_work.discard()
                return case_conflict(
                    case_id, "Assign",
                    [("Status", "Open"), ("Team", team.name), ("Reason", form.reason.data)],
                )  # fmt: skip
            except DomainError as error:
                status = refuse(form, error)
                case = queries.get_visible_case(current_user, case_id)
                queries.load_case_history(case, current_user)
            else:
                flash(
                    f"Assigned to {team.name}. First contact is due within "
                    f"{current_app.config['FIRST_CONTACT_DUE_HOURS']} hours.",
                    "success",
                )
                return redirect(url_for("casefile.detail", case_id=case.id))
    elif form.is_submitted():
        status = 422
    ranking = rank_teams(case, case.person.current_address)
    stamp(form, case)
    page = render_template(
        "cases/assign.html", case=case, options=ranking.options, notice=ranking.notice,
        needs_location=ranking.needs_location, form=form,
    )  # fmt: skip
    # The page shows the person's card: a read of their record like the case page's,
    # kept when the form comes back with errors too.
    audit_card_view(case)
    return page, status


@bp.route("/mine")
@allow(policy.is_field_member)
def caseload() -> ResponseReturnValue:
    """My caseload: the team's open cases, overdue and due first, new ones marked."""
    team_id = policy.current_team_id(current_user)
    team = db.session.get(Team, team_id) if team_id else None
    cases = queries.caseload(team_id) if team_id else []
    page = render_template("cases/caseload.html", team=team, cases=cases)
    _audit_list(cases, what="My caseload", record_type="caseload", record_id=team_id)
    return page


@bp.route("/queue/<key>")
@allow(policy.sees_all_cases)
def queue(key: str) -> ResponseReturnValue:
    """One supervisor queue in full, a page at a time."""
    statements = queries.queue_statements()
    if key not in statements:
        abort(404)
    stmt, order = statements[key]
    if key == "triage":
        stmt = stmt.options(joinedload(Referral.person).selectinload(Person.addresses))
    else:
        stmt = stmt.options(
            joinedload(Case.person).selectinload(Person.addresses), joinedload(Case.team)
        )
    try:
        # In the queue's own order (most urgent first), as the home page previews it.
        page = time_page(
            stmt, order.at, order.id, at_of=order.at_of, newest_first=order.newest_first,
            cursor=request.args.get("after"), size=int(current_app.config["PAGE_SIZE"]),
        )  # fmt: skip
    except BadCursor as error:
        abort(400, description=str(error))
    title = queries.queue_title(key)
    body = render_template("cases/queue.html", key=key, title=title, page=page)
    _audit_list(page.items, what=f"Queue: {title}", record_type="case_queue", record_id=key)
    return body


def _audit_list(
    rows: Sequence[Case | Referral], *, what: str, record_type: str, record_id: object
) -> None:
    """Audit the people a list of cases or referrals showed, once it is rendered."""
    services.record_case_list_view(
        rows, by=current_user, what=what, record_type=record_type, record_id=record_id,
        request_info=request_info(),
    )  # fmt: skip
