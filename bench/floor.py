"""The benchmark's floor: the least a page of this app can cost.

One indexed query (a team by primary key) and a small template, through the same
app, middleware, security headers and gunicorn workers as every real page. Only the
benchmark's app (bench/app.py) registers it, so the normal app never has it.
"""

from __future__ import annotations

from flask import Blueprint, abort, render_template
from sqlalchemy import select

from coresponse.extensions import db
from coresponse.teams.models import Team

# Its template lives with it, in bench/templates/bench/floor.html.
bp = Blueprint("bench", __name__, url_prefix="/_bench", template_folder="templates")


@bp.route("/floor/<int:team_id>")
def floor(team_id: int):
    """A team's name and base, from one primary-key lookup: the measured floor."""
    row = db.session.execute(
        select(Team.id, Team.name, Team.base_address).where(Team.id == team_id)
    ).one_or_none()
    if row is None:
        abort(404)
    return render_template("bench/floor.html", team=row)
