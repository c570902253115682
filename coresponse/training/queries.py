"""Read paths for staff training: who holds a current course, and each member's standing."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import date, timedelta

from flask import current_app
from sqlalchemy import (
    BindParameter,
    ScalarSelect,
    SQLColumnExpression,
    String,
    and_,
    cast,
    func,
    null,
    or_,
    select,
)
from sqlalchemy.orm import aliased

from coresponse.auth.models import Role, User
from coresponse.clock import program_today
from coresponse.extensions import db
from coresponse.teams.models import TeamMembership
from coresponse.training.models import Training, TrainingKind


def cit_required() -> bool:
    """Whether dispatch needs both officers to hold current Crisis Intervention Training."""
    return bool(current_app.config.get("REQUIRE_CIT", True))


def _current_on(day: date | BindParameter[date]):  # type: ignore[no-untyped-def]  # a SQL condition
    return and_(
        Training.completed_on <= day,
        or_(Training.expires_on.is_(None), Training.expires_on >= day),
    )


def officers_missing_cit_column(
    team_id: SQLColumnExpression[int],
    day: date | BindParameter[date] | None = None,
    *,
    required: bool | None = None,
) -> ScalarSelect[str | None]:
    """The ids ("3,8") of a team's active officers without current Crisis Intervention
    Training, as a column a team query carries (no statement of its own); NULL when none
    are, or when the program does not require it. The one place that says who stops a
    team's dispatch for want of training: read it with missing_cit_ids, and let the team's
    staffing (teams.models.Staffing) word it. `required`: the program's setting, when the
    caller has read it."""
    if not (cit_required() if required is None else required):
        return select(null()).scalar_subquery()
    trained = select(Training.user_id).where(
        Training.kind == TrainingKind.CIT, _current_on(program_today() if day is None else day)
    )
    return (
        select(func.aggregate_strings(cast(TeamMembership.user_id, String), ","))
        .join(User, User.id == TeamMembership.user_id)
        .where(
            TeamMembership.team_id == team_id,
            TeamMembership.left_at.is_(None),
            User.active,
            User.role == Role.OFFICER,
            TeamMembership.user_id.not_in(trained),
        )
        .scalar_subquery()
    )


def missing_cit_ids(column_value: str | None) -> frozenset[int]:
    """The user ids in an officers_missing_cit_column value."""
    return frozenset(int(uid) for uid in column_value.split(",")) if column_value else frozenset()


@dataclass(frozen=True)
class Standing:
    """A staff member's standing in one course: the completion that counts, if any."""

    kind: TrainingKind
    latest: Training | None
    current: bool
    # Current, but its last day falls within the reminders' warning (30 days).
    renew_soon: bool = False

    @property
    def summary(self) -> str:
        if self.latest is None:
            return "None recorded"
        if self.current:
            if self.latest.expires_on is None:
                return "Current (does not expire)"
            until = f"Current until {self.latest.expires_on:%-d %b %Y}"
            return f"{until}: renew soon" if self.renew_soon else until
        if self.latest.expires_on is not None and self.latest.expires_on < program_today():
            return f"Expired {self.latest.expires_on:%-d %b %Y}"
        return f"Starts {self.latest.completed_on:%-d %b %Y}"


def standings(user_ids: Collection[int]) -> dict[int, dict[TrainingKind, Standing]]:
    """Each user's standing in every course, from one query."""
    today = program_today()
    try:
        warn_days = max(0, int(current_app.config.get("REMINDER_TRAINING_EXPIRY_DAYS", 30)))
    except (TypeError, ValueError):
        warn_days = 30  # a bad setting is refused by `flask reminders run`, not here
    warn_until = today + timedelta(days=warn_days)
    rows: dict[int, list[Training]] = {uid: [] for uid in user_ids}
    if user_ids:
        for row in db.session.scalars(
            select(Training)
            .where(Training.user_id.in_(sorted(user_ids)))
            .order_by(Training.completed_on, Training.id)
        ):
            rows[row.user_id].append(row)
    result: dict[int, dict[TrainingKind, Standing]] = {}
    for uid, trainings in rows.items():
        result[uid] = {}
        for kind in TrainingKind:
            mine = [t for t in trainings if t.kind is kind]
            current = [t for t in mine if t.current_on(today)]
            # The completion that counts: a current one lasting longest, else the latest.
            best = (
                max(current, key=lambda t: (t.expires_on or date.max, t.completed_on))
                if current
                else (mine[-1] if mine else None)
            )
            renew_soon = bool(
                best is not None
                and current
                and best.expires_on is not None
                and best.expires_on <= warn_until
            )
            result[uid][kind] = Standing(
                kind=kind, latest=best, current=bool(current), renew_soon=renew_soon
            )
    return result


def history(user_id: int) -> list[Training]:
    """A staff member's completions, newest first, with who recorded them."""
    from sqlalchemy.orm import joinedload

    return list(
        db.session.scalars(
            select(Training)
            .where(Training.user_id == user_id)
            .options(joinedload(Training.recorded_by))
            .order_by(Training.completed_on.desc(), Training.id.desc())
        )
    )


def expiring(first: date, last: date) -> list[tuple[Training, User]]:
    """Completions whose last day falls from `first` to `last` and that nothing renews
    (no other completion of the course lasts longer), with their active staff member."""
    later = aliased(Training)
    renewed = (
        select(later.id)
        .where(
            later.user_id == Training.user_id,
            later.kind == Training.kind,
            later.id != Training.id,
            or_(later.expires_on.is_(None), later.expires_on > Training.expires_on),
        )
        .exists()
    )
    stmt = (
        select(Training, User)
        .join(User, User.id == Training.user_id)
        .where(
            User.active,
            Training.expires_on >= first,
            Training.expires_on <= last,
            ~renewed,
        )
        .order_by(Training.expires_on, Training.id)
    )
    return [(t, u) for t, u in db.session.execute(stmt).all()]
