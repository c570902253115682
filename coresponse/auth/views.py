"""Login (and its two-factor step), logout, one's password and two-factor, the user screens."""

from __future__ import annotations

import time

from flask import abort, flash, g, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required, login_user, logout_user
from sqlalchemy import or_, select

from coresponse.auth import bp, services, sessions, two_factor
from coresponse.auth.forms import (
    ChangePasswordForm,
    ConfirmForm,
    LoginCodeForm,
    LoginForm,
    ResetPasswordForm,
    TwoFactorConfirmForm,
    TwoFactorDisableForm,
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

# The password step's result while the code step is pending: never a logged-in session.
_PENDING_KEY = "pending_login"
# How long the code step may wait after the password step.
_PENDING_SECONDS = 300


@bp.route("/login", methods=["GET", "POST"])
def login():
    """Log in with username and password (then a code, for two-factor users)."""
    if current_user.is_authenticated:
        return redirect(url_for("dashboard.home"))
    form = LoginForm()
    status = 200
    if form.validate_on_submit():
        target = request.args.get("next")
        try:
            user = services.authenticate(
                form.username.data, form.password.data, request_info=request_info()
            )
        except services.TooManyAttempts as error:
            status = refuse(None, error)
            return render_template("auth/login.html", form=form), status
        if user is None:
            db.session.commit()  # keep the failed attempt: it counts toward the lockout
            # One message for every failure, so it reveals nothing about which accounts exist.
            flash(services.LOGIN_REFUSED, "error")
            status = 422
        elif two_factor.has_two_factor(user):
            db.session.commit()
            session.clear()
            session[_PENDING_KEY] = {
                "user_id": user.id,
                "version": user.session_version,
                "started": int(time.time()),
                "next": target if is_safe_next(target) else None,
            }
            return redirect(url_for("auth.login_two_factor"))
        else:
            return _log_in(user, target, two_factor_verified=False)
    elif form.is_submitted():
        status = 422
    return render_template("auth/login.html", form=form), status


@bp.route("/login/two-factor", methods=["GET", "POST"])
def login_two_factor():
    """The second login step: the code from the user's authenticator app."""
    if current_user.is_authenticated:
        return redirect(url_for("dashboard.home"))
    pending = session.get(_PENDING_KEY)
    user = _pending_user(pending)
    if user is None:
        session.pop(_PENDING_KEY, None)
        if pending is not None:
            flash("That took too long. Log in again.", "info")
        return redirect(url_for("auth.login"))
    form = LoginCodeForm()
    status = 200
    if form.validate_on_submit():
        try:
            ok = services.verify_login_code(user, form.code.data, request_info=request_info())
        except services.TooManyAttempts as error:
            status = refuse(None, error)
            return render_template("auth/login_two_factor.html", form=form), status
        if ok:
            return _log_in(user, pending.get("next"), two_factor_verified=True)
        db.session.commit()  # keep the failed attempt: it counts toward the lockout
        if services.login_locked(user):
            session.pop(_PENDING_KEY, None)
            flash(services.LOGIN_REFUSED, "error")
            return redirect(url_for("auth.login"))
        form.code.errors = [
            *form.code.errors,
            "That code is not right, or it was already used. Enter the code your app shows now.",
        ]
        status = 422
    elif form.is_submitted():
        status = 422
    return render_template("auth/login_two_factor.html", form=form), status


def _pending_user(pending: object) -> User | None:
    """The user whose password step is recent and still valid, or None."""
    if not isinstance(pending, dict):
        return None
    user_id, version, started = (pending.get(k) for k in ("user_id", "version", "started"))
    if not all(isinstance(v, int) for v in (user_id, version, started)):
        return None
    if not 0 <= time.time() - started <= _PENDING_SECONDS:
        return None
    user = db.session.get(User, user_id)
    if user is None or not user.active or user.session_version != version:
        return None
    return user


def _log_in(user: User, target: str | None, *, two_factor_verified: bool):  # type: ignore[no-untyped-def]
    """Open a server-side session for the user and send them on."""
    _row, token = services.open_session(
        user, two_factor_verified=two_factor_verified, request_info=request_info()
    )
    db.session.commit()
    _start_cookie_session(user, token)
    if user.must_change_password:
        flash("Your password was reset. Choose a new one to continue.", "info")
        return redirect(url_for("auth.change_password"))
    return redirect(target if is_safe_next(target) else url_for("dashboard.home"))


def _start_cookie_session(user: User, token: str) -> None:
    # A fresh cookie session on every login, so nothing from before carries over.
    session.clear()
    session.permanent = True
    session[sessions.TOKEN_KEY] = token
    login_user(user)


@bp.route("/logout", methods=["POST"])
@login_required
def logout():
    """End this session: its cookie, and any copy of it, stops working at once."""
    services.record_logout(
        current_user, session_row=g.get("user_session"), request_info=request_info()
    )
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
        row = g.get("user_session")
        try:
            user = services.change_own_password(
                current_user,
                form.current_password.data,
                form.password.data,
                request_info=request_info(),
            )
        except services.WrongCredentials as error:
            db.session.commit()  # keep the failed attempt: it counts toward the lockout
            status = refuse(form, error)
        except DomainError as error:
            status = refuse(form, error)
        else:
            # Every session of the user ended; this browser carries on in a new one.
            _row, token = services.open_session(
                user,
                two_factor_verified=bool(row and row.two_factor_verified),
                request_info=request_info(),
            )
            db.session.commit()
            _start_cookie_session(user, token)
            flash("Password changed. Other sessions of yours have been logged out.", "success")
            return redirect(url_for("dashboard.home"))
    elif form.is_submitted():
        status = 422
    return render_template("auth/change_password.html", form=form), status


# --- One's own two-factor login ---------------------------------------------------


@bp.route("/account/two-factor", endpoint="two_factor")
@login_required
def two_factor_settings():
    """Two-factor login: set it up with an authenticator app, or turn it off."""
    return _render_two_factor()


def _render_two_factor(status: int = 200, confirm_form=None, disable_form=None):  # type: ignore[no-untyped-def]
    credential = two_factor.active_credential(current_user)
    pending = secret = uri = None
    if credential is None:
        pending = two_factor.start_enrolment(current_user)
        db.session.commit()
        secret = two_factor.secret_of(pending)
        uri = two_factor.provisioning_uri(current_user, pending)
    return render_template(
        "auth/two_factor.html",
        credential=credential,
        secret=secret,
        uri=uri,
        required=two_factor.required_for(current_user),
        confirm_form=confirm_form or TwoFactorConfirmForm(),
        disable_form=disable_form or TwoFactorDisableForm(),
    ), status


@bp.route("/account/two-factor/confirm", methods=["POST"])
@login_required
def two_factor_confirm():
    """Turn two-factor login on with the first code from the app."""
    form = TwoFactorConfirmForm()
    if form.validate_on_submit():
        try:
            services.confirm_two_factor(
                current_user,
                form.code.data,
                session_row=g.get("user_session"),
                request_info=request_info(),
            )
        except DomainError as error:
            status = refuse(form, error)
        else:
            db.session.commit()
            flash("Two-factor login is on. From now on you will enter a code after your "
                  "password.", "success")  # fmt: skip
            return redirect(url_for("auth.two_factor"))
    else:
        status = 422
    return _render_two_factor(status, confirm_form=form)


@bp.route("/account/two-factor/disable", methods=["POST"])
@login_required
def two_factor_disable():
    """Turn one's own two-factor login off, with the password and a current code."""
    form = TwoFactorDisableForm()
    if form.validate_on_submit():
        try:
            services.turn_off_two_factor(
                current_user,
                form.password.data,
                form.code.data,
                session_row=g.get("user_session"),
                request_info=request_info(),
            )
        except services.WrongCredentials as error:
            db.session.commit()  # keep the failed attempt: it counts toward the lockout
            status = refuse(form, error)
        except DomainError as error:
            status = refuse(form, error)
        else:
            db.session.commit()
            if two_factor.required_for(current_user):
                flash("Two-factor login is off. Your role requires it: set it up again "
                      "with your new device now.", "info")  # fmt: skip
            else:
                flash("Two-factor login is off.", "success")
            return redirect(url_for("auth.two_factor"))
    else:
        status = 422
    return _render_two_factor(status, disable_form=form)


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
    locked_until, failures = services.login_lock_status(user)
    return render_template(
        "auth/user_form.html",
        form=form or UserEditForm(obj=user),
        user=user,
        confirm=ConfirmForm(),
        locked_until=locked_until,
        recent_failures=failures,
        two_factor=two_factor.active_credential(user),
        two_factor_required=two_factor.required_for(user),
    ), status


def _account_switch(user_id: int, change, done: str):  # type: ignore[no-untyped-def]
    """Run an account service for an administrator's confirmed button press."""
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


@bp.route("/users/<int:user_id>/unlock", methods=["POST"])
@login_required
def unlock_user(user_id: int):
    """Clear an account's failed logins so it can log in again before the lock runs out."""
    return _account_switch(user_id, services.unlock_user, "{username} can try to log in again now.")


@bp.route("/users/<int:user_id>/reset-two-factor", methods=["POST"])
@login_required
def reset_two_factor(user_id: int):
    """Remove an account's two-factor key (a lost phone); its sessions end."""
    return _account_switch(
        user_id,
        services.reset_two_factor,
        "Two-factor login removed for {username}; they are logged out and set it up "
        "again at their next login if their role requires it.",
    )


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
