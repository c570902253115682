"""Case pages: dispatch to a team, the supervisor queues, My caseload (the case itself:
coresponse/casefile)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime, tzinfo

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user
from sqlalchemy.orm import joinedload

from coresponse import unit_of_work
from coresponse.cases import bp, queries, services
from coresponse.cases.dispatch import map_data as dispatch_map_data
from coresponse.cases.dispatch import rank_teams
from coresponse.cases.forms import AssignForm
from coresponse.cases.models import Case, CaseStatus
from coresponse.cases.pages import audit_card_view, case_conflict
from coresponse.clock import program_zone, utcnow
from coresponse.db_types import parse_id
from coresponse.errors import DomainError
from coresponse.extensions import db
from coresponse.formatting import datetime_text
from coresponse.locking import StaleRecord, stamp
from coresponse.pagination import BadCursor, time_page
from coresponse.people.models import Person
from coresponse.privacy import policy
from coresponse.privacy.routes import allow
from coresponse.referrals.models import Referral
from coresponse.teams import queries as team_queries
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
    address = case.person.current_address
    ranking = rank_teams(case, address)
    stamp(form, case)
    page = render_template(
        "cases/assign.html", case=case, options=ranking.options, notice=ranking.notice,
        needs_location=ranking.needs_location, form=form,
        map_data=dispatch_map_data(ranking.options, address),
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


# --- The map of open cases -------------------------------------------------------------


def _map_team_filter() -> int | None:
    """The `team` asked for (supervisors choose one; a team member's map is their team's
    whatever is asked): a team's id, or None for every team. Anything else is a 400."""
    raw = request.args.get("team", "")
    if raw == "":
        return None
    team_id = parse_id(raw)
    if team_id is None:
        abort(400, description="The team to show must be one of the teams listed.")
    return team_id


@bp.route("/map")
@allow(policy.has_caseload)
def case_map() -> ResponseReturnValue:
    """Open cases on a map: every team's for supervisors (or one team's), the team's for
    its members, with the team's coverage drawn.

    The page holds no one's data: its script reads the cases from case_map_data (which
    is audited) and lists them under the map, the map's text alternative."""
    team_id = _map_team_filter()
    if policy.sees_all_cases(current_user):
        teams = [team for team in team_queries.list_teams() if team.active]
        if team_id is not None and team_id not in {team.id for team in teams}:
            abort(404)
        chosen = team_id
        data_url = url_for("cases.case_map_data", team=team_id)
    else:
        own = team_queries.team_of(current_user)
        teams = [own] if own is not None else []
        chosen = own.id if own is not None else None
        data_url = url_for("cases.case_map_data")
    return render_template(
        "cases/map.html",
        teams=teams,
        chosen=chosen,
        coverage=[team_queries.map_entry(team) for team in teams],
        data_url=data_url,
    )


@bp.route("/map.json")
@allow(policy.has_caseload)
def case_map_data() -> ResponseReturnValue:
    """The case map's pins as JSON: what a caseload row shows (name, address, team, first
    contact) and the point, never anything clinical; one audit event naming the people."""
    team_id = _map_team_filter()
    team = None
    if not policy.sees_all_cases(current_user):
        team_id = None  # a member's map is their team's, whatever is asked (map_cases)
    elif team_id is not None:
        team = db.session.get(Team, team_id)
        if team is None:
            abort(404)
    cases = queries.map_cases(current_user, team_id)
    now, zone = utcnow(), program_zone()
    rows = [_pin(case, now, zone) for case in cases]
    # Thousands of pins for a supervisor: a row per case in the order of PIN_FIELDS,
    # each team's name once, the case's address as a pattern (written compact).
    head, _mark, tail = url_for("casefile.detail", case_id=_URL_MARK).rpartition(str(_URL_MARK))
    body = json.dumps(
        {
            "fields": PIN_FIELDS,
            "cases": rows,
            "teams": {
                str(key): name
                for key, name in queries.map_team_names(c.team_id for c in cases).items()
            },
            "case_url": [head, tail],
            "count": len(rows),
            "overdue": sum(1 for row in rows if row[_OVERDUE]),
            "unplaced": sum(1 for row in rows if row[_LATITUDE] is None),
        },
        separators=(",", ":"),
        ensure_ascii=False,
    )
    response = current_app.response_class(body, mimetype="application/json")
    services.record_case_map_view(
        [case.person_id for case in cases], by=current_user, team=team,
        request_info=request_info(),
    )  # fmt: skip
    return response


# A pin's fields, in the order of each row of case_map_data's "cases": what a caseload
# row shows (templates/cases/_row.html) and the point. static/js/maps/cases.js reads
# them by these names; the case's address comes from "case_url", the team's name from
# "teams".
PIN_FIELDS = (
    "id", "name", "address", "precinct", "team_id", "latitude", "longitude",
    "approximate", "overdue", "when",
)  # fmt: skip
_LATITUDE, _OVERDUE = PIN_FIELDS.index("latitude"), PIN_FIELDS.index("overdue")
_URL_MARK = 987654321  # stands in for the id while the case's address is built once


def _pin(case: queries.MapCase, now: datetime, zone: tzinfo) -> tuple[object, ...]:
    """One case as a row of PIN_FIELDS (times in the program's zone, `zone`)."""
    overdue = case.overdue(now)
    moment = case.moment
    at = datetime_text(moment.astimezone(zone)) if moment is not None else None
    if overdue:
        when = f"Overdue since {at}"
    elif case.waiting and at is not None:
        when = f"First contact due {at}"
    else:
        when = f"Last contact {at if at is not None and not case.waiting else 'none'}"
    placed = case.latitude is not None and case.longitude is not None
    return (
        case.case_id, case.name, case.address, case.precinct, case.team_id,
        case.latitude if placed else None, case.longitude if placed else None,
        case.approximate, overdue, when,
    )  # fmt: skip
