"""Login (and its two-factor step), logout, one's password and two-factor, the user screens."""

from __future__ import annotations

import time
from collections.abc import Callable

from flask import abort, flash, redirect, render_template, request, session, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user, login_user, logout_user
from sqlalchemy import or_, select
from sqlalchemy.orm import joinedload

from coresponse import request_state
from coresponse.auth import bp, queries, services, sessions, two_factor
from coresponse.auth.forms import (
    AccessDecisionForm,
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
from coresponse.auth.models import AccessRequest, Discipline, Role, User
from coresponse.db_types import LIKE_ESCAPE, like_contains
from coresponse.errors import DomainError
from coresponse.extensions import db
from coresponse.form_helpers import required_text
from coresponse.pagination import BadCursor, Page, keyset_page
from coresponse.privacy import policy
from coresponse.privacy.routes import allow, public
from coresponse.unit_of_work import keep_on_error
from coresponse.web import get_or_404, is_safe_next, refuse, request_info, submit

# The password step's result while the code step is pending: never a logged-in session.
_PENDING_KEY = "pending_login"
# How long the code step may wait after the password step.
_PENDING_SECONDS = 300


@bp.route("/login", methods=["GET", "POST"])
@public
def login() -> ResponseReturnValue:
    """Log in with username and password (then a code, for two-factor users)."""
    if current_user.is_authenticated:
        return redirect(url_for("dashboard.home"))
    form = LoginForm()
    status = 200
    if form.validate_on_submit():
        target = request.args.get("next")
        try:
            user = services.authenticate(
                required_text(form.username),
                required_text(form.password),
                request_info=request_info(),
            )
        except (services.TooManyAttempts, services.AccessNotApproved) as error:
            # An address throttled: nothing kept. Access not approved: its audit event kept.
            status = refuse(None, error)
            return render_template("auth/login.html", form=form), status
        if user is None:
            keep_on_error()  # the failed attempt counts toward the lockout
            # One message for every failure, so it reveals nothing about which accounts exist.
            flash(services.LOGIN_REFUSED, "error")
            status = 422
        elif two_factor.has_two_factor(user):
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
@public
def login_two_factor() -> ResponseReturnValue:
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
            ok = services.verify_login_code(
                user, required_text(form.code), request_info=request_info()
            )
        except services.TooManyAttempts as error:
            status = refuse(None, error)
            return render_template("auth/login_two_factor.html", form=form), status
        if ok:
            assert pending is not None  # _pending_user found the user in it  # noqa: S101  # nosec B101
            return _log_in(user, pending.get("next"), two_factor_verified=True)
        keep_on_error()  # the failed attempt counts toward the lockout
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
    if not (isinstance(user_id, int) and isinstance(version, int) and isinstance(started, int)):
        return None
    if not 0 <= time.time() - started <= _PENDING_SECONDS:
        return None
    user = db.session.get(User, user_id)
    if user is None or not user.is_active or user.session_version != version:
        return None
    return user


def _log_in(user: User, target: str | None, *, two_factor_verified: bool) -> ResponseReturnValue:
    """Open a server-side session for the user and send them on."""
    _row, token = services.open_session(
        user, two_factor_verified=two_factor_verified, request_info=request_info()
    )
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
@allow(policy.is_signed_in)
def logout() -> ResponseReturnValue:
    """End this session: its cookie, and any copy of it, stops working at once."""
    services.record_logout(
        current_user, session_row=request_state.session_row(), request_info=request_info()
    )
    logout_user()
    session.clear()
    flash("You are logged out.", "info")
    return redirect(url_for("auth.login"))


@bp.route("/account/password", methods=["GET", "POST"])
@allow(policy.is_signed_in)
def change_password() -> ResponseReturnValue:
    """Change one's own password (forced after an administrator's reset)."""
    form = ChangePasswordForm()
    row = request_state.session_row()
    # A wrong current password stays recorded (services.WrongCredentials): it counts
    # toward the lockout.
    sent = submit(
        form,
        lambda: services.change_own_password(
            current_user, required_text(form.current_password), required_text(form.password),
            request_info=request_info(),
        ),
    )  # fmt: skip
    if sent.done:
        # Every session of the user ended; this browser carries on in a new one.
        user = sent.result
        assert user is not None  # done: the service returned the user  # noqa: S101  # nosec B101
        _row, token = services.open_session(
            user,
            two_factor_verified=bool(row and row.two_factor_verified),
            request_info=request_info(),
        )
        _start_cookie_session(user, token)
        flash("Password changed. Other sessions of yours have been logged out.", "success")
        return redirect(url_for("dashboard.home"))
    return render_template("auth/change_password.html", form=form), sent.status


# --- One's own two-factor login ---------------------------------------------------


@bp.route("/account/two-factor", endpoint="two_factor")
@allow(policy.is_signed_in)
def two_factor_settings() -> ResponseReturnValue:
    """Two-factor login: set it up with an authenticator app, or turn it off."""
    return _render_two_factor()


def _render_two_factor(
    status: int = 200,
    confirm_form: TwoFactorConfirmForm | None = None,
    disable_form: TwoFactorDisableForm | None = None,
) -> ResponseReturnValue:
    credential = two_factor.active_credential(current_user)
    pending = secret = uri = None
    if credential is None:
        pending = two_factor.start_enrolment(current_user)
        # The key shown must be stored, even on a page shown again with errors.
        keep_on_error()
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
@allow(policy.is_signed_in)
def two_factor_confirm() -> ResponseReturnValue:
    """Turn two-factor login on with the first code from the app."""
    form = TwoFactorConfirmForm()
    sent = submit(
        form,
        lambda: services.confirm_two_factor(
            current_user,
            required_text(form.code),
            session_row=request_state.session_row(),
            request_info=request_info(),
        ),
    )
    if sent.done:
        flash("Two-factor login is on. From now on you will enter a code after your "
              "password.", "success")  # fmt: skip
        return redirect(url_for("auth.two_factor"))
    return _render_two_factor(sent.status, confirm_form=form)


@bp.route("/account/two-factor/disable", methods=["POST"])
@allow(policy.is_signed_in)
def two_factor_disable() -> ResponseReturnValue:
    """Turn one's own two-factor login off, with the password and a current code."""
    form = TwoFactorDisableForm()
    # A wrong password or code stays recorded when refused: it counts toward the lockout.
    sent = submit(
        form,
        lambda: services.turn_off_two_factor(
            current_user,
            required_text(form.password),
            required_text(form.code),
            session_row=request_state.session_row(),
            request_info=request_info(),
        ),
    )
    if sent.done:
        if two_factor.required_for(current_user):
            flash("Two-factor login is off. Your role requires it: set it up again "
                  "with your new device now.", "info")  # fmt: skip
        else:
            flash("Two-factor login is off.", "success")
        return redirect(url_for("auth.two_factor"))
    return _render_two_factor(sent.status, disable_form=form)


# --- Administrators: accounts --------------------------------------------------


@bp.route("/users/")
@allow(policy.can_manage_users)
def users() -> ResponseReturnValue:
    """All accounts, filtered by role or name, a page at a time."""
    role_filter = request.args.get("role") or None
    if role_filter is not None and role_filter not in {r.value for r in Role}:
        abort(400, description="Unknown role in the filter.")
    query = (request.args.get("q") or "").strip()[:80]
    stmt = select(User).options(joinedload(User.pending_access_request))
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
@allow(policy.can_manage_users)
def new_user() -> ResponseReturnValue:
    """Create an account with a first password the user must change."""
    form = UserCreateForm()
    sent = submit(
        form,
        lambda: services.create_user(
            required_text(form.username),
            full_name=required_text(form.full_name),
            email=form.email.data,
            role=form.role.data,
            discipline=form.discipline.data,
            password=required_text(form.password),
            must_change_password=True,
            by=current_user,
            request_info=request_info(),
        ),
    )
    if sent.done:
        user = sent.result
        assert user is not None  # done: the service returned the user  # noqa: S101  # nosec B101
        if user.access_approved:
            flash(
                f"Account {user.username} created. They will choose their own password "
                "when they first log in.",
                "success",
            )
        else:
            flash(
                f"Account {user.username} created as {user.role_label.lower()}. It stays "
                "inactive until a supervisor other than you approves it: "
                f"{_approver_phrase(user.role, user.discipline)}.",
                "success",
            )
        return redirect(url_for("auth.users"))
    return render_template("auth/user_form.html", form=form, user=None), sent.status


@bp.route("/users/<int:user_id>/edit", methods=["GET", "POST"])
@allow(policy.can_manage_users)
def edit_user(user_id: int) -> ResponseReturnValue:
    """Change an account's name, e-mail, role or discipline."""
    user = get_or_404(User, user_id)
    form = _edit_form(user, queries.pending_access_request(user))
    sent = submit(
        form,
        lambda: services.update_user(
            user,
            full_name=required_text(form.full_name),
            email=form.email.data,
            role=form.role.data,
            discipline=form.discipline.data,
            by=current_user,
            request_info=request_info(),
        ),
    )
    if sent.done:
        pending = queries.pending_access_request(user)
        if pending is not None and pending.is_reset:
            pending = None  # a held account's role did not change: nothing new waits
        if pending is not None and pending.role_label != user.role_label:
            flash(
                f"Saved changes to {user.username}. The role {pending.role_label.lower()} "
                f"waits for approval ({_approver_phrase(pending.role, pending.discipline)}); "
                f"until then they stay {user.role_label.lower()}.",
                "success",
            )
        elif pending is not None:
            flash(
                f"Saved changes to {user.username}. The account stays inactive until "
                f"{_approver_phrase(pending.role, pending.discipline)}.",
                "success",
            )
        else:
            flash(f"Saved changes to {user.username}.", "success")
        return redirect(url_for("auth.users"))
    return _render_edit(user, sent.status, form)


def _edit_form(user: User, pending: AccessRequest | None) -> UserEditForm:
    """The edit form, showing the role asked for while it waits (so saving a new e-mail
    keeps the request; choosing the current role withdraws it)."""
    form = UserEditForm(obj=user)
    if pending is not None and not pending.is_reset and not form.is_submitted():
        form.role.data, form.discipline.data = pending.role, pending.discipline
    return form


def _render_edit(
    user: User, status: int = 200, form: UserEditForm | None = None
) -> ResponseReturnValue:
    locked_until, failures = services.login_lock_status(user)
    pending = queries.pending_access_request(user)
    return render_template(
        "auth/user_form.html",
        form=form or _edit_form(user, pending),
        user=user,
        pending=pending,
        last_decision=None if pending else queries.last_access_decision(user),
        confirm=ConfirmForm(),
        locked_until=locked_until,
        recent_failures=failures,
        two_factor=two_factor.active_credential(user),
        two_factor_required=two_factor.required_for(user),
        reset_waits_for=services.reset_waits_for(user, by=current_user),
    ), status


def _account_switch(
    user_id: int, change: Callable[..., object], done: str | Callable[[User], str]
) -> ResponseReturnValue:
    """Run an account service for an administrator's confirmed button press; `done` is
    the message, or makes it from the changed account."""
    user = get_or_404(User, user_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        change(user, by=current_user, request_info=request_info())
    except DomainError as error:
        status = refuse(None, error)
        return _render_edit(get_or_404(User, user_id), status)
    flash(done(user) if callable(done) else done.format(username=user.username), "success")
    return redirect(url_for("auth.edit_user", user_id=user.id))


@bp.route("/users/<int:user_id>/disable", methods=["POST"])
@allow(policy.can_manage_users)
def disable_user(user_id: int) -> ResponseReturnValue:
    """Disable an account; it is logged out everywhere and leaves its team."""
    return _account_switch(
        user_id, services.disable_user, "{username} is disabled and logged out everywhere."
    )


@bp.route("/users/<int:user_id>/enable", methods=["POST"])
@allow(policy.can_manage_users)
def enable_user(user_id: int) -> ResponseReturnValue:
    """Let a disabled account log in again."""
    return _account_switch(user_id, services.enable_user, "{username} can log in again.")


@bp.route("/users/<int:user_id>/unlock", methods=["POST"])
@allow(policy.can_manage_users)
def unlock_user(user_id: int) -> ResponseReturnValue:
    """Clear an account's failed logins so it can log in again before the lock runs out."""
    return _account_switch(user_id, services.unlock_user, "{username} can try to log in again now.")


@bp.route("/users/<int:user_id>/reset-two-factor", methods=["POST"])
@allow(policy.can_manage_users)
def reset_two_factor(user_id: int) -> ResponseReturnValue:
    """Remove an account's two-factor key (a lost phone); its sessions end."""
    return _account_switch(user_id, services.reset_two_factor, _two_factor_reset_done)


def _two_factor_reset_done(user: User) -> str:
    done = f"Two-factor login removed for {user.username}; they are logged out"
    if user.held_after_reset:
        return f"{done}. {_held_phrase(user)}"
    return f"{done} and set it up again at their next login if their role requires it."


@bp.route("/users/<int:user_id>/reset-password", methods=["GET", "POST"])
@allow(policy.can_manage_users)
def reset_password(user_id: int) -> ResponseReturnValue:
    """Give an account a temporary password to change at next login."""
    user = get_or_404(User, user_id)
    form = ResetPasswordForm()
    sent = submit(
        form,
        lambda: services.reset_password(
            user, required_text(form.password), by=current_user, request_info=request_info()
        ),
    )
    if sent.done:
        done = f"Password reset for {user.username}. Their sessions have ended"
        if user.held_after_reset:
            # The account's page says what waits, and for whom.
            flash(f"{done}. {_held_phrase(user)}", "success")
            return redirect(url_for("auth.edit_user", user_id=user.id))
        flash(f"{done} and they must choose a new password at next login.", "success")
        return redirect(url_for("auth.users"))
    return render_template(
        "auth/reset_password.html",
        form=form,
        user=user,
        waits_for=services.reset_waits_for(user, by=current_user),
    ), sent.status


def _approver_phrase(role: Role, discipline: Discipline | None) -> str:
    side = policy.approver_discipline(role, discipline).label.lower()
    return f"a {side} supervisor approves it on their Access to approve page"


def _held_phrase(user: User) -> str:
    side = policy.approver_discipline(user.role, user.discipline).label.lower()
    return (
        f"They cannot log in until a {side} supervisor other than you approves the reset "
        "on their Access to approve page: tell them to ask one."
    )


# --- Supervisors: access to people's records, approved by a second person ----------------


@bp.route("/access-requests/")
@allow(policy.can_review_access_requests)
def access_requests() -> ResponseReturnValue:
    """Supervisors: accounts waiting for approval of a role that reads people's records."""
    try:
        page = queries.waiting_access_requests(cursor=request.args.get("after"), size=_page_size())
    except BadCursor as error:
        abort(400, description=str(error))
    return _render_access_requests(page)


def _render_access_requests(
    page: Page[AccessRequest],
    *,
    status: int = 200,
    failed: tuple[int, AccessDecisionForm] | None = None,
) -> ResponseReturnValue:
    forms = {
        r.id: failed[1] if failed and failed[0] == r.id else AccessDecisionForm(formdata=None)
        for r in page.items
    }
    return render_template(
        "auth/access_requests.html",
        page=page,
        forms=forms,
        paged=bool(request.args.get("after")),
    ), status


@bp.route("/access-requests/<int:request_id>/decide", methods=["POST"])
@allow(policy.can_review_access_requests)
def decide_access_request(request_id: int) -> ResponseReturnValue:
    """Approve or reject an access request (not one's own, nor one of one's own asking)."""
    try:
        access = services.get_access_request(request_id)
    except DomainError:
        abort(404)
    form = AccessDecisionForm()
    approve = form.decision.data == "approve"
    decide = services.approve_access_request if approve else services.reject_access_request
    sent = submit(
        form,
        lambda: decide(access, by=current_user, note=form.note.data, request_info=request_info()),
    )
    if sent.done:
        flash(_decision_done(access, approved=approve), "success")
        return redirect(url_for("auth.access_requests"))
    page = queries.waiting_access_requests(cursor=None, size=_page_size())
    return _render_access_requests(page, status=sent.status, failed=(request_id, form))


def _decision_done(access: AccessRequest, *, approved: bool) -> str:
    name = access.user.full_name
    if access.is_reset and approved:
        then = (
            "can log in again"
            if access.user.active
            else "is still disabled: an administrator enables it"
        )
        return f"Approved: the {access.asked_for} of {name}'s account, which {then}."
    if access.is_reset:
        return (
            f"Rejected: the {access.asked_for} of {name}'s account. It stays held and cannot "
            "log in; the administrator sees it on the account's page."
        )
    if approved:
        now = "can now log in as" if access.is_new_account else "is now"
        return f"Approved: {name} {now} {access.role_label.lower()}."
    return (
        f"Rejected: {name} does not become {access.role_label.lower()}. The administrator "
        "sees it on their page."
    )


def _page_size() -> int:
    from flask import current_app

    return int(current_app.config["PAGE_SIZE"])
