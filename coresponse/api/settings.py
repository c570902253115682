"""The API tokens page: a user makes and revokes their own personal API tokens."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user
from sqlalchemy import select

from coresponse.api import tokens_bp
from coresponse.api.forms import RevokeForm, TokenForm
from coresponse.auth import services as auth_services
from coresponse.auth import tokens
from coresponse.auth.models import ApiToken
from coresponse.errors import DomainError
from coresponse.extensions import db
from coresponse.form_helpers import required_text
from coresponse.privacy import policy
from coresponse.privacy.routes import allow
from coresponse.web import refuse, request_info


def _page(
    form: TokenForm, *, new_token: str | None = None, status: int = 200
) -> ResponseReturnValue:
    body = render_template(
        "api/tokens.html",
        form=form,
        revoke_form=RevokeForm(),
        tokens=tokens.user_tokens(current_user),
        new_token=new_token,
        token_days=tokens.lifetime().days,
    )
    return body, status


@tokens_bp.route("/", methods=["GET", "POST"])
@allow(policy.is_signed_in)
def index() -> ResponseReturnValue:
    """The user's tokens; a new one is made with the password and shown once."""
    form = TokenForm()
    if form.validate_on_submit():
        try:
            _, token = auth_services.create_own_token(
                current_user,
                password=required_text(form.password),
                name=form.name.data,
                request_info=request_info(),
            )
        except DomainError as error:
            # A wrong password stays recorded: it counts toward the lockout.
            return _page(form, status=refuse(form, error))
        # Rendered, not redirected: the token exists only in this response.
        return _page(TokenForm(formdata=None), new_token=token)
    return _page(form, status=422 if form.is_submitted() else 200)


@tokens_bp.route("/<int:token_id>/revoke", methods=["POST"])
@allow(policy.is_signed_in)
def revoke(token_id: int) -> ResponseReturnValue:
    """Revoke one of the user's own tokens; it stops working at once."""
    row = db.session.scalar(
        select(ApiToken).where(ApiToken.id == token_id, ApiToken.user_id == current_user.id)
    )
    if row is None:
        abort(404)
    if RevokeForm().validate_on_submit():
        try:
            tokens.revoke_token(row, by=current_user, request_info=request_info())
        except DomainError as error:
            refuse(None, error)
        else:
            flash(f"Token {row.display} ({row.name}) revoked. It no longer works.", "success")
    else:
        flash("The form expired; reload the page and try again.", "error")
    return redirect(url_for("api_tokens.index"))
