"""Login, logout, one's own password, and the administrators' user screens."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required, login_user, logout_user
from sqlalchemy import or_, select

from coresponse.auth import bp, services
from coresponse.auth.forms import (
    ChangePasswordForm,
    ConfirmForm,
    LoginForm,
    ResetPasswordForm,
    UserCreateForm,
    UserEditForm,
)
from coresponse.auth.models import Role, User
from coresponse.auth.permissions import can_manage_users, require
from coresponse.db_types import LIKE_ESCAPE, like_contains
from coresponse.errors import DomainError
from coresponse.extensions import db
from coresponse.pagination import BadCursor, keyset_page
from coresponse.web import get_or_404, is_safe_next, refuse, request_info


@bp.route("/login", methods=["GET", "POST"])
def login():
    """Log in with username and password."""
    if current_user.is_authenticated:
        return redirect(url_for("dashboard.home"))
    form = LoginForm()
    status = 200
    if form.validate_on_submit():
        user = services.authenticate(
            form.username.data, form.password.data, request_info=request_info()
        )
        if user is not None:
            db.session.commit()
            session.clear()
            session.permanent = True
            login_user(user)
            target = request.args.get("next")
            if user.must_change_password:
                flash("Your password was reset. Choose a new one to continue.", "info")
                return redirect(url_for("auth.change_password"))
            return redirect(target if is_safe_next(target) else url_for("dashboard.home"))
        db.session.commit()  # keep the failed-login audit event
        # One message for every failure, so it reveals nothing about which accounts exist.
        flash("That username and password do not match an active account.", "error")
        status = 422
    elif form.is_submitted():
        status = 422
    return render_template("auth/login.html", form=form), status


@bp.route("/logout", methods=["POST"])
@login_required
def logout():
    """End this session."""
    services.record_logout(current_user, request_info=request_info())
    db.session.commit()
    logout_user()
    session.clear()
    flash("You are logged out.", "info")
    return redirect(url_for("auth.login"))


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def change_password():
    """Change one's own password (forced after an administrator's reset)."""
    form = ChangePasswordForm()
    status = 200
    if form.validate_on_submit():
        try:
            user = services.change_own_password(
                current_user,
                form.current_password.data,
                form.password.data,
                request_info=request_info(),
            )
        except DomainError as error:
            status = refuse(form, error)
        else:
            db.session.commit()
            login_user(user)  # the version changed: carry this session over, end the others
            flash("Password changed. Other sessions of yours have been logged out.", "success")
            return redirect(url_for("dashboard.home"))
    elif form.is_submitted():
        status = 422
    return render_template("auth/change_password.html", form=form), status


# --- Administrators: accounts --------------------------------------------------


def _require_admin() -> None:
    require(can_manage_users(current_user))


@bp.route("/users/")
@login_required
def users():
    """All accounts, filtered by role or name, a page at a time."""
    _require_admin()
    role_filter = request.args.get("role") or None
    if role_filter is not None and role_filter not in {r.value for r in Role}:
        abort(400, description="Unknown role in the filter.")
    query = (request.args.get("q") or "").strip()[:80]
    stmt = select(User)
    if role_filter:
        stmt = stmt.where(User.role == Role(role_filter))
    if query:
        like = like_contains(query.lower())
        stmt = stmt.where(
            or_(
                User.username.like(like, escape=LIKE_ESCAPE),
                User.full_name.ilike(like, escape=LIKE_ESCAPE),
            )
        )
    try:
        page = keyset_page(
            stmt,
            [User.username],
            cursor=request.args.get("after"),
            size=_page_size(),
        )
    except BadCursor as error:
        abort(400, description=str(error))
    return render_template(
        "auth/users.html", page=page, roles=Role, role_filter=role_filter, query=query
    )


@bp.route("/users/new", methods=["GET", "POST"])
@login_required
def new_user():
    """Create an account with a first password the user must change."""
    _require_admin()
    form = UserCreateForm()
    status = 200
    if form.validate_on_submit():
        try:
            user = services.create_user(
                form.username.data,
                full_name=form.full_name.data,
                email=form.email.data,
                role=form.role.data,
                discipline=form.discipline.data,
                password=form.password.data,
                must_change_password=True,
                by=current_user,
                request_info=request_info(),
            )
        except DomainError as error:
            status = refuse(form, error)
        else:
            db.session.commit()
            flash(
                f"Account {user.username} created. They will choose their own password "
                "when they first log in.",
                "success",
            )
            return redirect(url_for("auth.users"))
    elif form.is_submitted():
        status = 422
    return render_template("auth/user_form.html", form=form, user=None), status


@bp.route("/users/<int:user_id>/edit", methods=["GET", "POST"])
@login_required
def edit_user(user_id: int):
    """Change an account's name, e-mail, role or discipline."""
    _require_admin()
    user = get_or_404(User, user_id)
    form = UserEditForm(obj=user)
    status = 200
    if form.validate_on_submit():
        try:
            services.update_user(
                user,
                full_name=form.full_name.data,
                email=form.email.data,
                role=form.role.data,
                discipline=form.discipline.data,
                by=current_user,
                request_info=request_info(),
            )
        except DomainError as error:
            status = refuse(form, error)
        else:
            db.session.commit()
            flash(f"Saved changes to {user.username}.", "success")
            return redirect(url_for("auth.users"))
    elif form.is_submitted():
        status = 422
    return _render_edit(user, status, form)


def _render_edit(user: User, status: int = 200, form: UserEditForm | None = None):
    return render_template(
        "auth/user_form.html", form=form or UserEditForm(obj=user), user=user, confirm=ConfirmForm()
    ), status


def _account_switch(user_id: int, change, done: str):  # type: ignore[no-untyped-def]
    """Run an enable/disable service for an administrator's confirmed button press."""
    _require_admin()
    user = get_or_404(User, user_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        change(user, by=current_user, request_info=request_info())
    except DomainError as error:
        status = refuse(None, error)
        return _render_edit(get_or_404(User, user_id), status)
    db.session.commit()
    flash(done.format(username=user.username), "success")
    return redirect(url_for("auth.edit_user", user_id=user.id))


@bp.route("/users/<int:user_id>/disable", methods=["POST"])
@login_required
def disable_user(user_id: int):
    """Disable an account; it is logged out everywhere and leaves its team."""
    return _account_switch(
        user_id, services.disable_user, "{username} is disabled and logged out everywhere."
    )


@bp.route("/users/<int:user_id>/enable", methods=["POST"])
@login_required
def enable_user(user_id: int):
    """Let a disabled account log in again."""
    return _account_switch(user_id, services.enable_user, "{username} can log in again.")


@bp.route("/users/<int:user_id>/reset-password", methods=["GET", "POST"])
@login_required
def reset_password(user_id: int):
    """Give an account a temporary password to change at next login."""
    _require_admin()
    user = get_or_404(User, user_id)
    form = ResetPasswordForm()
    status = 200
    if form.validate_on_submit():
        try:
            services.reset_password(
                user, form.password.data, by=current_user, request_info=request_info()
            )
        except DomainError as error:
            status = refuse(form, error)
        else:
            db.session.commit()
            flash(
                f"Password reset for {user.username}. Their sessions have ended and they "
                "must choose a new password at next login.",
                "success",
            )
            return redirect(url_for("auth.users"))
    elif form.is_submitted():
        status = 422
    return render_template("auth/reset_password.html", form=form, user=user), status


def _page_size() -> int:
    from flask import current_app

    return int(current_app.config["PAGE_SIZE"])
