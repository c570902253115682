"""Every route declares who may use it; a route without a declaration fails a test.

    @bp.route("/cases/<int:case_id>/close", methods=["POST"])
    @allow(policy.is_signed_in, per_record=policy.can_close_case)
    def close(case_id): ...

`allow(rule)` signs the user in (as login_required does) and refuses with 403 anyone the
rule, asked of the user alone, refuses (with 404, `hidden=True`, where even the page's
existence is not theirs to know). `per_record` names the rule or visibility clause the view
applies to the record it loads: a record the user may not see is a 404 from its query, a
change the user may not make on a record they see is a 403 from `require`.
`public` marks the few routes that need no account. tests/test_authorization_matrix.py
reads these declarations: every route must have one, and the 403s it observes must come
from the declared rules.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from typing import Any, TypeVar

from flask import Flask, abort
from flask_login import current_user, login_required

from coresponse.auth.models import User

F = TypeVar("F", bound=Callable[..., Any])
UserRule = Callable[[User], bool]
RecordRule = Callable[..., object]


@dataclass(frozen=True)
class Permission:
    """What a route declared: the rule on the user, and the rule on the record it loads."""

    rule: UserRule | None
    per_record: RecordRule | None = None
    hidden: bool = False

    @property
    def public(self) -> bool:
        return self.rule is None


def allow(
    rule: UserRule,
    *,
    per_record: RecordRule | None = None,
    hidden: bool = False,
    detail: str | None = None,
) -> Callable[[F], F]:
    """Sign in, then 403 (404 if `hidden`) unless `rule(current_user)`; `per_record`: see
    the module docstring. `detail`: why, for an API caller refused."""
    refusal = {"description": detail} if detail else {}

    def decorate(view: F) -> F:
        @wraps(view)
        def checked(*args: Any, **kwargs: Any) -> Any:
            if not rule(current_user):
                abort(404 if hidden else 403, **refusal)
            return view(*args, **kwargs)

        # (login_required is untyped: Flask-Login ships no types.)
        wrapped: F = login_required(checked)
        wrapped.permission = Permission(rule, per_record, hidden)  # type: ignore[attr-defined]
        return wrapped

    return decorate


def public(view: F) -> F:
    """A route anyone may use without an account (login, health check, the app's manifest)."""
    view.permission = Permission(None)  # type: ignore[attr-defined]
    return view


def require(allowed: bool, detail: str | None = None) -> None:
    """Stop the request with 403 unless the rule allowed it (`detail`: why, for an API
    caller; the API answers the 403 as a problem carrying it)."""
    if not allowed:
        abort(403, **({"description": detail} if detail else {}))


def permission_of(app: Flask, endpoint: str) -> Permission | None:
    """The declaration of the route's view, or None when it has none."""
    return getattr(app.view_functions[endpoint], "permission", None)
