"""The break-glass prompt: what a person or case page answers a clinician outside the team.

A person page, a case page and the consent pages call these where they would answer
404. The prompt is a response like any other, handed to `abort()` at the call site, so
the page's own code says where it stops: no exception travels to an app-wide handler,
and the people and cases views need none of consent's views to offer it.
"""

from __future__ import annotations

from typing import NoReturn

from flask import abort, current_app, make_response, render_template
from flask_login import current_user
from sqlalchemy import select
from werkzeug.wrappers import Response

from coresponse import unit_of_work
from coresponse.audit.categories import DataCategory
from coresponse.audit.services import record_view
from coresponse.cases.models import Case
from coresponse.consent import queries
from coresponse.consent.forms import BreakGlassForm
from coresponse.extensions import db
from coresponse.people.models import Person
from coresponse.privacy import policy
from coresponse.web import request_info


def break_glass_prompt_or_404(person_id: int) -> NoReturn:
    """Stop the request: a clinician gets the break-glass prompt (403), anyone else a 404.

    Called where a person page would 404 for a user who may not see the person; only
    clinicians learn that the person exists. A clinician whose break-glass to this
    person was found not justified gets the 404 too.
    """
    if (
        policy.can_break_glass(current_user)
        and queries.person_exists(person_id) is not None
        and policy.may_break_glass_for(current_user, person_id)
    ):
        abort(_prompt(person_id))
    abort(404)


def break_glass_prompt_for_case_or_404(case_id: int) -> NoReturn:
    """As break_glass_prompt_or_404, for a case page the user may not see."""
    if policy.can_break_glass(current_user):
        person_id = db.session.scalar(select(Case.person_id).where(Case.id == case_id))
        if person_id is not None and policy.may_break_glass_for(current_user, person_id):
            abort(_prompt(person_id, case_id))
    abort(404)


def _prompt(person_id: int, case_id: int | None = None) -> Response:
    # Nothing the interrupted view did is kept; the prompt's own read is (a 403).
    unit_of_work.discard()
    person = queries.person_exists(person_id)
    if person is None:  # checked before the prompt was asked for; kept for safety
        return make_response(
            render_template(
                "errors/error.html",
                code=404,
                title="Not found",
                message="This page does not exist.",
            ),
            404,
        )
    form = BreakGlassForm(formdata=None, data={"case_id": case_id or ""})
    return make_response(render_break_glass(person, form, status=403, prompt=True))


def render_break_glass(
    person: Person, form: BreakGlassForm, *, status: int, prompt: bool = False
) -> tuple[str, int]:
    """The break-glass page (the prompt, or the form shown again), its read audited."""
    page = render_template(
        "consent/break_glass.html",
        person=person,
        form=form,
        prompt=prompt,
        hours=int(current_app.config["BREAK_GLASS_HOURS"]),
        per_day=int(current_app.config["BREAK_GLASS_PER_DAY"]),
    )
    # Kept when the page answers an error status (the prompt's 403, a refusal's 422 or
    # 429): coresponse/unit_of_work.py.
    record_view(
        person.id,
        by=current_user,
        record_type="break_glass",
        request_info=request_info(),
        category=DataCategory.IDENTITY,
        detail="break-glass prompt",
    )
    unit_of_work.keep_on_error()
    return page, status
