"""Person pages: search, the person's card and timeline, editing details, correcting a location."""

from __future__ import annotations

from datetime import UTC, datetime

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user

from coresponse import unit_of_work
from coresponse.audit.categories import DataCategory
from coresponse.audit.models import AuditAction
from coresponse.audit.services import record_list_view, record_view
from coresponse.consent.break_glass import break_glass_prompt_or_404
from coresponse.consent.forms import BreakGlassForm
from coresponse.form_helpers import required_number
from coresponse.locking import ConflictPage, last_audited_change
from coresponse.pagination import BadCursor
from coresponse.people import bp, limits, queries, services
from coresponse.people.brief import before_you_go, visible_cases_and_latest
from coresponse.people.forms import LocationForm, MergeForm, PersonDetailsForm, UnmergeForm
from coresponse.people.matching import QueryError
from coresponse.people.models import Gender, Person, PersonMerge, RaceEthnicity
from coresponse.people.services import DETAIL_LABELS
from coresponse.people.timeline import KINDS, person_timeline, visible_linkages
from coresponse.privacy import policy
from coresponse.privacy.routes import allow, require
from coresponse.text import text_refusal
from coresponse.web import request_info, submit


def _person_or_404(person_id: int) -> Person:
    if not policy.can_view_person(current_user, person_id):
        _to_survivor_if_merged(person_id)
        # Clinicians are offered emergency (break-glass) access; everyone else gets a 404.
        break_glass_prompt_or_404(person_id)
    person = queries.get_person_card(person_id)
    if person is None:
        abort(404)
    if person.merged_into_id is not None:
        # A merged-away record is changed no more: its links lead to the survivor.
        abort(redirect(url_for("people.detail", person_id=person.merged_into_id)))
    return person


def _to_survivor_if_merged(person_id: int, survivor_id: int | None = None) -> None:
    """An old link to a record merged into another: the read is audited (on the merged
    record), and the user is sent to the survivor, which checks its own access."""
    survivor_id = survivor_id or queries.merged_into(person_id)
    if survivor_id is None:
        return
    if not policy.can_view_person(current_user, survivor_id):
        break_glass_prompt_or_404(survivor_id)
    record_view(
        person_id, by=current_user, record_type="person", record_id=person_id,
        category=DataCategory.IDENTITY, request_info=request_info(),
        detail=f"merged into #{survivor_id}: sent there",
    )  # fmt: skip
    flash(f"Record #{person_id} was merged into this one.", "info")
    abort(redirect(url_for("people.detail", person_id=survivor_id)))


@bp.route("/")
@allow(policy.can_search_people)
def search() -> ResponseReturnValue:
    """Find people by name, nickname, alias, date of birth, phone or address, best first."""
    query = (request.args.get("q") or "").strip()
    # What forms refuse is refused here too: the words are kept in the audit trail.
    refusal = text_refusal(query)
    if refusal is not None:
        return _search_page("", None, error=f"The search {refusal}"), 422
    if not query:
        return _search_page("", None)
    try:
        results = queries.search_people(
            current_user, query, cursor=request.args.get("after"),
            size=int(current_app.config["PAGE_SIZE"]),
        )  # fmt: skip
    except BadCursor as error:
        abort(400, description=str(error))
    except QueryError as error:
        return _search_page(query, None, error=str(error)), 422
    body = _search_page(query, results)
    brief = [hit.person_id for hit in results.outside]
    what = f"People search: “{query[:100]}”"
    if brief:
        what += "; in brief (outside the user's team): " + ", ".join(f"#{i}" for i in brief)
    record_list_view(
        [*(hit.person.id for hit in results.items), *brief], by=current_user,
        action=AuditAction.SEARCH, what=what, record_type="people_search",
        category=DataCategory.IDENTITY, request_info=request_info(),
    )  # fmt: skip
    return body


def _search_page(
    query: str, results: queries.SearchResults | None, error: str | None = None
) -> str:
    """The search page; people outside the team come with break-glass's reason form."""
    return render_template(
        "people/search.html", query=query, page=results, error=error,
        break_glass=BreakGlassForm(formdata=None) if results and results.outside else None,
        hours=int(current_app.config["BREAK_GLASS_HOURS"]),
    )  # fmt: skip


@bp.route("/<int:person_id>")
@allow(policy.is_signed_in, per_record=policy.can_view_person)
def detail(person_id: int) -> ResponseReturnValue:
    """The person's card and one timeline of their history."""
    # The visible cases first: they also tell the policy whether the user's team has one.
    cases, latest = visible_cases_and_latest(current_user, person_id)
    if not policy.can_view_person(current_user, person_id):
        _to_survivor_if_merged(person_id)
        # Clinicians are offered emergency (break-glass) access; everyone else gets a 404.
        break_glass_prompt_or_404(person_id)
    person, flags = queries.person_card_and_flags(person_id)
    if person is None:
        abort(404)
    if person.merged_into_id is not None:
        _to_survivor_if_merged(person.id, person.merged_into_id)
    kind = request.args.get("kind") or None
    if kind is not None and kind not in KINDS:
        abort(400, description="Unknown kind of timeline entry.")
    before = _parse_before(request.args.get("before"))
    # The connections serve the timeline and the brief (loaded once, for those who may).
    linkages = (
        visible_linkages(current_user, person.id)
        if cases and policy.can_view_linkages(current_user)
        else None
    )
    timeline = person_timeline(
        current_user, person.id, kind=kind, before=before, cases=cases, linkages=linkages
    )
    body = render_template(
        "people/detail.html", person=person, entries=timeline.entries, flags=flags, cases=cases,
        kind=kind, kinds=KINDS, older_than=timeline.older_than, paged=before is not None,
        brief=before_you_go(current_user, cases, latest, linkages),
        merges=queries.merges_of(person.id) if policy.can_merge_people(current_user) else [],
        undo_days=limits.UNMERGE_DAYS,
    )  # fmt: skip
    clinical = policy.can_read_clinical(current_user)
    record_view(
        person.id, by=current_user, record_type="person", record_id=person.id,
        category=DataCategory.CLINICAL if clinical else DataCategory.OPERATIONAL,
        request_info=request_info(),
    )  # fmt: skip
    return body


def _parse_before(raw: str | None) -> datetime | None:
    """The timeline's page marker: an ISO 8601 time with its offset, as the page made it."""
    if not raw:
        return None
    try:
        value = datetime.fromisoformat(raw)
    except ValueError:
        abort(400, description="This page link is not valid; start again from the newest entries.")
    if value.tzinfo is None:
        abort(400, description="This page link is not valid; start again from the newest entries.")
    return value.astimezone(UTC)


@bp.route("/<int:person_id>/edit", methods=["GET", "POST"])
@allow(policy.is_signed_in, per_record=policy.can_edit_person)
def edit(person_id: int) -> ResponseReturnValue:
    """Correct the person's identity details (demographics too), languages, phones and names."""
    person = _person_or_404(person_id)
    # Reading through break-glass is read-only.
    require(policy.can_edit_person(current_user, person.id))
    form = PersonDetailsForm.for_person(person)
    sent = submit(
        form,
        lambda: services.update_person_details(
            person, form.details(), by=current_user, expected_version=form.version.data,
            request_info=request_info(),
        ),
    )  # fmt: skip
    if sent.stale:
        return _details_conflict(person_id, form)
    if sent.done:
        flash("Details saved." if sent.result else "Nothing was changed.", "success")
        return redirect(url_for("people.detail", person_id=person.id))
    if sent.refused:
        person = _person_or_404(person_id)
    body = render_template("people/edit.html", person=person, form=form)
    _record_form_view(person.id, "person", person.id)
    return body, sent.status


def _record_form_view(person_id: int, record_type: str, record_id: int) -> None:
    """A form shows the person's details: the read is kept when it comes back with
    errors too, as on a 409 page (coresponse/unit_of_work.py)."""
    record_view(
        person_id, by=current_user, record_type=record_type, record_id=record_id,
        category=DataCategory.IDENTITY, request_info=request_info(),
    )  # fmt: skip
    unit_of_work.keep_on_error()


def _details_conflict(person_id: int, form: PersonDetailsForm) -> ResponseReturnValue:
    """The 409 page: the details as sent beside the details stored now."""
    person = _person_or_404(person_id)
    stored = PersonDetailsForm(formdata=None, obj=person)
    stored.aliases.data = "\n".join(a.name for a in person.aliases if a.retired_at is None)
    stored.languages.data = ", ".join(lang.language for lang in person.languages)
    stored.phones.data = "\n".join(p.number for p in person.current_phones)
    page = ConflictPage(
        what=f"the details of {person.display_name}",
        restart_url=url_for("people.edit", person_id=person.id),
        restart_label="Start again from the current details",
        last_change=last_audited_change("person", person.id, person_id=person.id),
    )
    for name, label in DETAIL_LABELS.items():
        page.add(label.capitalize(), _as_text(form[name].data), _as_text(stored[name].data))
    body = page.render()
    _record_form_view(person.id, "person", person.id)
    return body


def _as_text(value: object) -> object:
    """Form values compared as a person reads them (blank and None are the same)."""
    if isinstance(value, list):  # the HMIS answers, as their labels
        labels = {**{m.value: m.label for m in RaceEthnicity}, **{m.value: m.label for m in Gender}}
        return "; ".join(labels.get(str(v), str(v)) for v in value) or None
    if isinstance(value, str):
        lines = [line.strip() for line in value.splitlines()]
        return "\n".join(line for line in lines if line) or None
    return value


@bp.route("/<int:person_id>/location", methods=["GET", "POST"])
@allow(policy.is_signed_in, per_record=policy.can_edit_person)
def location(person_id: int) -> ResponseReturnValue:
    """Set the point of the person's current address by hand."""
    person = _person_or_404(person_id)
    # Reading through break-glass is read-only.
    require(policy.can_edit_person(current_user, person.id))
    address = person.current_address
    if address is None:
        abort(404)
    form = LocationForm(obj=address)
    sent = submit(
        form,
        lambda: services.correct_location(
            address, latitude=required_number(form.latitude),
            longitude=required_number(form.longitude), by=current_user,
            request_info=request_info(),
        ),
    )  # fmt: skip
    if sent.done:
        assert sent.result is not None  # done: the service returned the area  # noqa: S101  # nosec B101
        flash(f"Location saved: {services.area_words(sent.result)}.", "success")
        return redirect(url_for("people.detail", person_id=person.id))
    body = render_template("people/location.html", person=person, address=address, form=form)
    _record_form_view(person.id, "person_address", address.id)
    return body, sent.status


# --- Merging two records of one person, and undoing it ---------------------------------


@bp.route("/<int:person_id>/merge", methods=["GET", "POST"])
@allow(policy.can_merge_people, per_record=policy.can_merge_people)
def merge(person_id: int) -> ResponseReturnValue:
    """Merge another record of this person into this one: find it, compare the two side
    by side, choose whose fields stay, merge."""
    survivor = _side_or_404(person_id)
    if survivor.person.merged_into_id is not None:
        _to_survivor_if_merged(person_id, survivor.person.merged_into_id)
    form = MergeForm()
    other_id = form.other_id.data if form.is_submitted() else request.args.get("with", type=int)
    if other_id is None:
        return _merge_choice(survivor)
    other = _side_or_404(other_id)
    sent = submit(
        form,
        lambda: services.merge_people(
            survivor.person, other.person, by=current_user,
            take_from_other=form.taken_from_other(),
            current_address_from_other=form.keep_current_address.data == "other",
            expected_versions=(form.version.data, form.other_version.data),
            request_info=request_info(),
        ),
    )  # fmt: skip
    if sent.done:
        flash(
            f"Record #{other_id} is merged into this one. You can undo the merge for "
            f"{limits.UNMERGE_DAYS} days from this page.",
            "success",
        )
        return redirect(url_for("people.detail", person_id=person_id))
    if sent.refused:
        survivor, other = _side_or_404(person_id), _side_or_404(other_id)
    refusal = services.merge_refusal(survivor.person, other.person)
    if not form.is_submitted():
        form.other_id.data = other_id
        form.version.data = survivor.person.version
        form.other_version.data = other.person.version
    body = render_template(
        "people/merge.html", survivor=survivor, other=other, form=form, refusal=refusal,
        sections=queries.MERGE_SECTIONS, clinical_sections=queries.CLINICAL_SECTIONS,
        fields=services.MERGE_FIELDS, undo_days=limits.UNMERGE_DAYS,
    )  # fmt: skip
    _record_merge_view(survivor.person.id, other.person.id)
    status = sent.status if form.is_submitted() else (422 if refusal else 200)
    return body, status


def _side_or_404(person_id: int) -> queries.MergeSide:
    side = queries.merge_side(current_user, person_id)
    if side is None:
        abort(404)
    return side


def _merge_or_404(merge_id: int) -> PersonMerge:
    found = queries.get_merge(merge_id)
    if found is None:
        abort(404)
    return found


def _merge_choice(survivor: queries.MergeSide) -> ResponseReturnValue:
    """The first step: the possible duplicates of the person, and a search for others."""
    person = survivor.person
    query = (request.args.get("q") or "").strip()
    found: list[Person] = []
    error = None
    if query:
        refusal = text_refusal(query)
        try:
            if refusal is not None:
                raise QueryError(f"The search {refusal}")
            results = queries.search_people(current_user, query, cursor=None, size=20)
            found = [hit.person for hit in results.items if hit.person.id != person.id]
        except QueryError as failed:
            error = str(failed)
    duplicates = [
        match.person
        for match in queries.find_possible_duplicates(
            first_name=person.first_name, last_name=person.last_name,
            date_of_birth=person.date_of_birth,
        )
        if match.person.id != person.id
    ]  # fmt: skip
    body = render_template(
        "people/merge_choose.html", person=person, query=query, found=found,
        duplicates=duplicates, error=error,
    )  # fmt: skip
    shown = [person.id, *(p.id for p in duplicates), *(p.id for p in found)]
    record_list_view(
        shown, by=current_user, action=AuditAction.SEARCH,
        what=f"Merge: records like #{person.id}" + (f"; search “{query[:100]}”" if query else ""),
        record_type="people_search", category=DataCategory.IDENTITY, request_info=request_info(),
    )  # fmt: skip
    if error:
        unit_of_work.keep_on_error()
        return body, 422
    return body


def _record_merge_view(*person_ids: int) -> None:
    """The preview shows both records (a refused merge's page too: kept on a 4xx)."""
    clinical = policy.can_read_clinical(current_user)
    for person_id in person_ids:
        record_view(
            person_id, by=current_user, record_type="person_merge_preview", record_id=person_id,
            category=DataCategory.CLINICAL if clinical else DataCategory.IDENTITY,
            request_info=request_info(),
        )  # fmt: skip
    unit_of_work.keep_on_error()


@bp.route("/merges/<int:merge_id>/undo", methods=["GET", "POST"])
@allow(policy.can_merge_people, per_record=policy.can_merge_people)
def unmerge(merge_id: int) -> ResponseReturnValue:
    """Undo a merge: says what goes back, what stays with the survivor, then does it."""
    found = _merge_or_404(merge_id)
    survivor, merged = _side_or_404(found.survivor_id), _side_or_404(found.merged_id)
    form = UnmergeForm()
    sent = submit(
        form, lambda: services.unmerge_people(found, by=current_user, request_info=request_info())
    )
    if sent.done:
        flash(
            f"The merge is undone: #{found.survivor_id} and #{found.merged_id} are two records "
            "again.",
            "success",
        )
        return redirect(url_for("people.detail", person_id=found.survivor_id))
    if sent.refused:
        found = _merge_or_404(merge_id)
        survivor, merged = _side_or_404(found.survivor_id), _side_or_404(found.merged_id)
    plan = services.unmerge_plan(found, survivor.person, merged.person)
    body = render_template(
        "people/unmerge.html", plan=plan, merge=found, survivor=survivor.person,
        merged=merged.person, form=form, fields=services.MERGE_FIELDS,
        undo_days=limits.UNMERGE_DAYS,
    )  # fmt: skip
    _record_merge_view(found.survivor_id, found.merged_id)
    return body, sent.status
