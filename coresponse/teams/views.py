"""Team screens: the list, a team's page, creating and editing, membership."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user
from wtforms.fields.choices import SelectChoice  # type: ignore[attr-defined]  # types-WTForms describes 3.2; SelectChoice is new in 3.3, SelectChoice

from coresponse import unit_of_work
from coresponse.auth.models import Role, User
from coresponse.errors import DomainError
from coresponse.extensions import db
from coresponse.geo.precincts import current_index
from coresponse.locking import ConflictPage, StaleRecord, last_audited_change, stamp
from coresponse.privacy import policy
from coresponse.privacy.routes import allow
from coresponse.teams import bp, queries, services
from coresponse.teams.forms import AddMemberForm, RemoveMemberForm, TeamForm
from coresponse.teams.models import Team
from coresponse.training import queries as training_queries
from coresponse.web import refuse, request_info, submit


def _team_or_404(team_id: int) -> Team:
    team = queries.get_team(team_id)
    if team is None:
        abort(404)
    return team


def _add_member_form() -> AddMemberForm:
    form = AddMemberForm()
    form.user_id.choices = [
        SelectChoice(u.id, f"{u.full_name} ({u.role.label.lower()})")
        for u in queries.users_free_to_join()
    ]
    return form


@bp.route("/")
@allow(policy.can_view_teams)
def index() -> ResponseReturnValue:
    """Every team with its coverage, members and whether it can take cases."""
    return render_template(
        "teams/index.html",
        teams=queries.list_teams_with_staffing(),
        cit_required=training_queries.cit_required(),
        can_manage=policy.can_manage_teams(current_user),
    )


@bp.route("/new", methods=["GET", "POST"])
@allow(policy.can_manage_teams)
def new() -> ResponseReturnValue:
    """Create a team (members are added on its page)."""
    form = TeamForm(precincts=current_index().precincts)
    sent = submit(
        form,
        lambda: services.create_team(form.details(), by=current_user, request_info=request_info()),
    )
    if sent.done:
        team = sent.result
        assert team is not None  # done: the service returned it  # noqa: S101  # nosec B101
        flash(f"{team.name} created. Add two officers and a clinician to dispatch it.", "success")
        return redirect(url_for("teams.detail", team_id=team.id))
    return render_template("teams/form.html", form=form, team=None), sent.status


@bp.route("/<int:team_id>")
@allow(policy.can_view_teams)
def detail(team_id: int) -> ResponseReturnValue:
    """A team's base, coverage, current members, staffing and membership history."""
    return _render_detail(team_id)


def _render_detail(
    team_id: int, status: int = 200, add_form: AddMemberForm | None = None
) -> ResponseReturnValue:
    found = queries.get_team_with_staffing(team_id)
    if found is None:
        abort(404)
    team, staffing = found
    manage = policy.can_manage_teams(current_user)
    return render_template(
        "teams/detail.html",
        team=team,
        staffing=staffing,
        training=training_queries.standings([u.id for u in team.current_members]),
        cit_required=training_queries.cit_required(),
        can_record_training=policy.can_record_training(current_user),
        can_manage=manage,
        add_form=stamp(add_form or _add_member_form(), team) if manage else None,
        remove_form=stamp(RemoveMemberForm(formdata=None), team) if manage else None,
        roles=Role,
    ), status


def _team_conflict(team_id: int, change: str) -> ResponseReturnValue:
    """The 409 page: the membership change the user sent beside the members stored now."""
    team = _team_or_404(team_id)
    page = ConflictPage(
        what=team.name,
        restart_url=url_for("teams.detail", team_id=team.id),
        restart_label="Start again from the current team",
        last_change=last_audited_change("team", team.id),
    )
    page.add("Members", change, [member.full_name for member in team.current_members])
    page.add("Staffing", "—", queries.staffing_of(team).summary)
    return page.render()


@bp.route("/<int:team_id>/edit", methods=["GET", "POST"])
@allow(policy.can_manage_teams)
def edit(team_id: int) -> ResponseReturnValue:
    """Change a team's name, base, coverage, shift hours or active flag."""
    team = _team_or_404(team_id)
    form = TeamForm.for_team(team, precincts=current_index().precincts)
    sent = submit(
        form,
        lambda: services.update_team(
            team, form.details(), by=current_user, expected_version=form.version.data,
            request_info=request_info(),
        ),
    )  # fmt: skip
    if sent.stale:
        return _edit_conflict(team_id, form)
    if sent.done:
        flash(f"Saved {team.name}.", "success")
        return redirect(url_for("teams.detail", team_id=team.id))
    if sent.refused:
        team = _team_or_404(team_id)
    return render_template("teams/form.html", form=form, team=team), sent.status


def _edit_conflict(team_id: int, form: TeamForm) -> ResponseReturnValue:
    """The 409 page for the team's details: what was sent beside what is stored."""
    team = _team_or_404(team_id)
    stored = TeamForm(formdata=None, obj=team, precincts=current_index().precincts)
    stored.precincts.data = team.precincts
    page = ConflictPage(
        what=team.name,
        restart_url=url_for("teams.edit", team_id=team.id),
        restart_label="Start again from the current team",
        last_change=last_audited_change("team", team.id),
    )
    for name in ("name", "base_address", "base_latitude", "base_longitude", "precincts",
                 "shift_start", "shift_end", "active"):  # fmt: skip
        sent, now = form[name].data, stored[name].data
        if name == "precincts":
            sent, now = ", ".join(sent or []), ", ".join(now or [])
        page.add(str(form[name].label.text), sent, now)
    return page.render()


@bp.route("/<int:team_id>/members", methods=["POST"])
@allow(policy.can_manage_teams)
def add_member(team_id: int) -> ResponseReturnValue:
    """Add an officer or clinician to the team."""
    team = _team_or_404(team_id)
    form = _add_member_form()
    if not form.validate_on_submit():
        if form.user_id.errors:
            # The choice list only offers people free to join; anything else is stale.
            form.user_id.errors = [
                "That person cannot join a team now: they may already be on a team or disabled."
            ]
        else:
            flash("The form expired; try again.", "error")
        return _render_detail(team_id, 422, form)
    user = db.session.get(User, form.user_id.data)
    if user is None:
        abort(404)
    try:
        services.add_member(
            team, user, by=current_user, expected_version=form.version.data,
            request_info=request_info(),
        )  # fmt: skip
    except StaleRecord:
        unit_of_work.discard()
        return _team_conflict(team_id, f"Add {user.full_name}")
    except DomainError as error:
        status = refuse(form, error)
        return _render_detail(team_id, status, form)
    team = _team_or_404(team_id)
    problems = queries.staffing_of(team).problems
    message = f"{user.full_name} joined {team.name}."
    message += (
        f" Still not dispatchable: {'; '.join(problems)}."
        if problems
        else " The team is now dispatchable."
    )
    flash(message, "success")
    return redirect(url_for("teams.detail", team_id=team.id))


@bp.route("/<int:team_id>/members/<int:membership_id>/remove", methods=["POST"])
@allow(policy.can_manage_teams)
def remove_member(team_id: int, membership_id: int) -> ResponseReturnValue:
    """End a membership; the history keeps it."""
    team = _team_or_404(team_id)
    membership = next((m for m in team.memberships if m.id == membership_id), None)
    if membership is None:
        abort(404)
    form = RemoveMemberForm()
    if not form.validate_on_submit():
        flash("; ".join(form.reason.errors) or "The form expired; try again.", "error")
        return _render_detail(team_id, 422)
    leaving = membership.user
    try:
        services.remove_member(
            membership, by=current_user, reason=form.reason.data,
            expected_version=form.version.data, request_info=request_info(),
        )  # fmt: skip
    except StaleRecord:
        unit_of_work.discard()
        return _team_conflict(team_id, f"Remove {leaving.full_name}")
    except DomainError as error:
        status = refuse(None, error)
        return _render_detail(team_id, status)
    flash(f"{leaving.full_name} left {team.name}.", "success")
    return redirect(url_for("teams.detail", team_id=team.id))
