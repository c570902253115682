"""Connection screens (clinical staff only) and the provider directory (everyone)."""

from __future__ import annotations

from typing import Any

from flask import abort, flash, jsonify, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user

from coresponse import unit_of_work
from coresponse.audit.categories import DataCategory
from coresponse.cases.models import Case, CaseStatus
from coresponse.cases.queries import get_visible_case
from coresponse.cases.services import record_case_form_view
from coresponse.clock import program_today
from coresponse.errors import DomainError
from coresponse.linkages import bp, queries, services
from coresponse.linkages.forms import KindForm, LinkageForm, ProviderForm, StatusChangeForm
from coresponse.linkages.models import (
    Linkage,
    LinkageCategory,
    LinkageKind,
    LinkageStatus,
    Provider,
)
from coresponse.locking import ConflictPage, StaleRecord, last_audited_change, stamp
from coresponse.pagination import BadCursor
from coresponse.privacy import policy
from coresponse.privacy.routes import allow, require
from coresponse.web import get_or_404, refuse, request_info, submit

KM_PER_MILE = 1.609344


def _case_for_linkages(case_id: int) -> Case:
    """The case, or a 404 for anyone who may not manage its connections."""
    case = get_visible_case(current_user, case_id)
    if not policy.can_manage_linkages(current_user, case):
        abort(404)
    return case


def _home_point(case: Case) -> tuple[float, float] | None:
    """Where the person lives now, when the address has a point."""
    address = case.person.current_address
    if address is None or address.latitude is None or address.longitude is None:
        return None
    return (address.latitude, address.longitude)


def _providers_for(kind: LinkageKind | None) -> list[Provider]:
    """Providers that can serve this kind (none until a kind is chosen: step two waits)."""
    return [] if kind is None else queries.providers_for(services.provider_kinds_for(kind))


# Connections -------------------------------------------------------------------


@bp.route("/cases/<int:case_id>/linkages/new", methods=["GET", "POST"])
@allow(policy.can_view_linkages, hidden=True, per_record=policy.can_manage_linkages)
def new_linkage(case_id: int) -> ResponseReturnValue:
    """Record a connection to treatment, family or support: first its kind, then to whom."""
    case = _case_for_linkages(case_id)
    contacts = queries.family_contacts(case.person_id)
    status = 200
    if request.method == "POST":
        form = LinkageForm()
        kind = form.kind.data if isinstance(form.kind.data, LinkageKind) else None
        form.set_choices(_providers_for(kind), contacts)
        if form.validate_on_submit():
            try:
                linkage = services.create_linkage(
                    case,
                    by=current_user,
                    kind=form.kind.data,
                    provider=(
                        None
                        if form.provider_id.data is None
                        else services.get_provider(form.provider_id.data)
                    ),
                    support_contact=(
                        None
                        if form.support_contact_id.data is None
                        else services.get_support_contact(form.support_contact_id.data)
                    ),
                    target_name=form.target_name.data,
                    note=form.note.data,
                    request_info=request_info(),
                )
            except DomainError as error:
                status = refuse(form, error)
                case = _case_for_linkages(case_id)
            else:
                flash(f"Connection to {linkage.target} recorded as identified.", "success")
                return redirect(url_for("linkages.detail", linkage_id=linkage.id))
        else:
            status = 422
            if "csrf_token" in form.errors:
                flash("The form expired; reload the page and try again.", "error")
        kind_form = KindForm(formdata=None, data={"kind": kind})
        kind_form.kind.errors = list(form.kind.errors)
    else:
        # Step one is a plain GET form: choosing a kind reloads the page with ?kind=.
        kind = None
        kind_form = KindForm(formdata=request.args if "kind" in request.args else None)
        if "kind" in request.args:
            if kind_form.validate():
                kind = kind_form.kind.data
            else:
                status = 422
        preselect = None
        if request.args.get("provider_id"):
            preselect = request.args.get("provider_id", type=int)
            if preselect is None:
                abort(400, description="That provider link is not valid; choose from the list.")
        form = LinkageForm(formdata=None, data={"kind": kind, "provider_id": preselect})
        form.set_choices(_providers_for(kind), contacts)

    home = _home_point(case)
    nearest = None
    if kind is not None and kind.category is not LinkageCategory.FAMILY:
        nearest = [
            (provider, km, None if km is None else km / KM_PER_MILE)
            for provider, km in queries.nearest_providers(kind, home)
        ]
    nearest_map = None
    if nearest:
        address = case.person.current_address
        nearest_map = {
            "home": (
                {"point": list(home), "label": address.line1 if address else None} if home else None
            ),
            "providers": [
                _provider_pin(provider, km, rank)
                for rank, (provider, km, _miles) in enumerate(nearest, start=1)
            ],
        }
    page = render_template(
        "linkages/new.html",
        nearest_map=nearest_map,
        case=case,
        form=form,
        kind_form=kind_form,
        kind=kind,
        family=LinkageCategory.FAMILY,
        nearest=nearest,
        home=home,
        has_contacts=bool(contacts),
    )
    if request.method != "POST":
        # Step one's read, kept with a kind refused (422) too. The form lists the person's
        # supports: clinical.
        record_case_form_view(
            case, form="new connection form", category=DataCategory.CLINICAL,
            by=current_user, request_info=request_info(),
        )  # fmt: skip
        unit_of_work.keep_on_error()
    return page, status


@bp.route("/linkages/<int:linkage_id>")
@allow(policy.can_view_linkages, hidden=True, per_record=policy.case_visibility)
def detail(linkage_id: int) -> ResponseReturnValue:
    """A connection: where it stands, the path it took, and the steps it can take next."""
    linkage = queries.get_visible_linkage(current_user, linkage_id)
    response = _render_detail(linkage)
    services.record_linkage_view(linkage, by=current_user, request_info=request_info())
    return response


def _render_detail(
    linkage: Linkage | int,
    *,
    status: int = 200,
    failed: tuple[LinkageStatus, StatusChangeForm] | None = None,
) -> ResponseReturnValue:
    if isinstance(linkage, int):
        linkage = queries.get_visible_linkage(current_user, linkage)
    case = get_visible_case(current_user, linkage.case_id) if linkage.case_id else None
    can_manage = case is not None and policy.can_manage_linkages(current_user, case)
    closed = case is not None and case.status is CaseStatus.CLOSED
    step_forms: list[tuple[LinkageStatus, StatusChangeForm]] = []
    if can_manage and not closed:
        for step in services.allowed_next(linkage.status):
            if failed is not None and failed[0] is step:
                step_forms.append(failed)
                continue
            form = stamp(StatusChangeForm(formdata=None, prefix=step.value), linkage)
            if step is LinkageStatus.CONNECTED:
                form.verified_by.data = current_user.full_name
                form.verified_on.data = program_today()
            step_forms.append((step, form))
    return render_template(
        "linkages/detail.html",
        linkage=linkage,
        case=case,
        step_forms=step_forms,
        open_step=failed[0] if failed else None,
        case_closed=closed,
    ), status


@bp.route("/linkages/<int:linkage_id>/status", methods=["POST"])
@allow(policy.can_view_linkages, hidden=True, per_record=policy.can_manage_linkages)
def change_status(linkage_id: int) -> ResponseReturnValue:
    """Move a connection on: posts `to_status` plus that step's fields, prefixed by it."""
    linkage = queries.get_visible_linkage(current_user, linkage_id)
    assert linkage.case_id is not None  # visible linkages are read through their case  # noqa: S101  # nosec B101
    case = get_visible_case(current_user, linkage.case_id, with_person=False)
    require(policy.can_manage_linkages(current_user, case))
    try:
        to_status = LinkageStatus(request.form.get("to_status", ""))
    except ValueError:
        flash("Choose one of the next steps offered.", "error")
        return _render_detail(linkage_id, status=422)
    offered = to_status in services.allowed_next(linkage.status)
    form = StatusChangeForm(prefix=to_status.value)
    if offered and not form.validate_for(to_status):
        if "csrf_token" in form.errors:
            flash("The form expired; reload the page and try again.", "error")
        return _render_detail(linkage_id, status=422, failed=(to_status, form))
    try:
        services.change_linkage_status(
            linkage,
            by=current_user,
            request_info=request_info(),
            **form.service_kwargs(to_status),
        )
    except StaleRecord:
        unit_of_work.discard()
        return _linkage_conflict(linkage_id, to_status, form)
    except DomainError as error:
        # A step not offered (already moved on, in another tab) is told as a message.
        status = refuse(form if offered else None, error)
        return _render_detail(
            linkage_id, status=status, failed=(to_status, form) if offered else None
        )
    flash(f"Connection to {linkage.target} is now {to_status.label.lower()}.", "success")
    return redirect(url_for("linkages.detail", linkage_id=linkage_id))


def _linkage_conflict(
    linkage_id: int, to_status: LinkageStatus, form: StatusChangeForm
) -> ResponseReturnValue:
    """The 409 page: the step the user sent beside the connection as it is now."""
    linkage = queries.get_visible_linkage(current_user, linkage_id)
    page = ConflictPage(
        what=f"the connection to {linkage.target}",
        restart_url=url_for("linkages.detail", linkage_id=linkage.id),
        restart_label="Start again from the current connection",
        last_change=last_audited_change("linkage", linkage.id, person_id=linkage.person_id),
    )
    page.add("Status", to_status, linkage.status)
    if to_status is LinkageStatus.APPOINTMENT_SCHEDULED:
        page.add("Appointment", form.local_appointment(), linkage.appointment_at)
    if to_status is LinkageStatus.CONNECTED:
        page.add("How it was verified", form.verification_method.data, linkage.verification_method)
        page.add("Verified by", form.verified_by.data, linkage.verified_by)
        page.add("Verified on", form.verified_on.data, linkage.verified_on)
    if to_status is LinkageStatus.NOT_CONNECTED:
        page.add(
            "Why it was not made", form.not_connected_reason.data, linkage.not_connected_reason
        )
    latest = linkage.changes[-1] if linkage.changes else None
    page.add("Note on the step", form.note.data, latest.note if latest else None)
    body = page.render()
    # A 409 that shows the connection: its read is kept.
    services.record_linkage_view(linkage, by=current_user, request_info=request_info())
    unit_of_work.keep_on_error()
    return body


# The provider directory -------------------------------------------------------------


def _directory_filter() -> tuple[LinkageKind | None, bool, bool]:
    """The directory's filter from the query string: (kind, taking referrals only,
    retired ones too, which only those who manage the directory may ask for)."""
    raw_kind = request.args.get("kind") or None
    kind = None
    if raw_kind is not None:
        try:
            kind = LinkageKind(raw_kind)
        except ValueError:
            abort(400, description="Unknown kind of service in the filter.")
    accepting = request.args.get("accepting") == "1"
    include_inactive = (
        policy.can_manage_providers(current_user) and request.args.get("inactive") == "1"
    )
    return kind, accepting, include_inactive


@bp.route("/providers/")
@allow(policy.is_signed_in)
def providers() -> ResponseReturnValue:
    """The directory of services, filtered by kind and whether they take referrals."""
    kind, accepting, include_inactive = _directory_filter()
    can_manage = policy.can_manage_providers(current_user)
    try:
        page = queries.list_providers(
            kind, include_inactive, request.args.get("after"), accepting_only=accepting
        )
    except BadCursor as error:
        abort(400, description=str(error))
    # (Any: url_for's typed keywords are its own options, not a route's values.)
    filters: dict[str, Any] = {
        "kind": kind.value if kind else None,
        "accepting": "1" if accepting else None,
        "inactive": "1" if include_inactive else None,
    }
    return render_template(
        "linkages/providers.html",
        page=page,
        kind=kind,
        accepting=accepting,
        include_inactive=include_inactive,
        can_manage=can_manage,
        map_url=url_for("linkages.providers_map", **filters),
        kind_groups=[
            (category.label, [k for k in LinkageKind if k.category is category])
            for category in LinkageCategory
            if category is not LinkageCategory.FAMILY
        ],
    )


@bp.route("/providers/map.json")
@allow(policy.is_signed_in)
def providers_map() -> ResponseReturnValue:
    """The directory's providers with a point, for its map (the same filter as the page).
    A provider is no one's personal data, so nothing is audited."""
    kind, accepting, include_inactive = _directory_filter()
    found = queries.mapped_providers(kind, include_inactive, accepting_only=accepting)
    return jsonify(
        providers=[_provider_pin(provider) for provider in found],
        limited=len(found) >= queries.MAP_LIMIT,
    )


def _provider_pin(provider: Provider, km: float | None = None, rank: int | None = None) -> dict:
    """A provider as a map's script reads it (static/js/maps/providers.js)."""
    return {
        "id": provider.id,
        "rank": rank,
        "name": provider.name,
        "kind": provider.kind.label,
        "address": provider.address,
        "phone": provider.phone,
        "languages": provider.languages,
        "accepting": provider.accepting_referrals,
        "active": provider.active,
        "point": (
            [provider.latitude, provider.longitude]
            if provider.latitude is not None and provider.longitude is not None
            else None
        ),
        "distance": None if km is None else f"{km:.1f} km · {km / KM_PER_MILE:.1f} mi",
    }


@bp.route("/providers/new", methods=["GET", "POST"])
@allow(policy.can_manage_providers)
def new_provider() -> ResponseReturnValue:
    """Add a provider to the directory."""
    form = ProviderForm()
    sent = submit(
        form,
        lambda: services.create_provider(
            form.details(), by=current_user, request_info=request_info()
        ),
    )
    if sent.done:
        assert sent.result is not None  # done: the service returned it  # noqa: S101  # nosec B101
        _flash_saved(sent.result)
        return redirect(url_for("linkages.providers", kind=sent.result.kind.value))
    return render_template("linkages/provider_form.html", form=form, provider=None), sent.status


@bp.route("/providers/<int:provider_id>/edit", methods=["GET", "POST"])
@allow(policy.can_manage_providers)
def edit_provider(provider_id: int) -> ResponseReturnValue:
    """Change a directory entry, or retire it by clearing "listed"."""
    provider = get_or_404(Provider, provider_id)
    form = ProviderForm(obj=provider)
    sent = submit(
        form,
        lambda: services.update_provider(
            provider, form.details(), by=current_user, request_info=request_info()
        ),
    )
    if sent.done:
        _flash_saved(provider)
        return redirect(url_for("linkages.providers", kind=provider.kind.value))
    if sent.refused:
        provider = get_or_404(Provider, provider_id)
    return render_template("linkages/provider_form.html", form=form, provider=provider), sent.status


def _flash_saved(provider: Provider) -> None:
    message = f"Saved {provider.name}."
    if not provider.active:
        message += " It is retired: it is no longer suggested for new connections."
    elif provider.latitude is None:
        message += (
            " No location was found for its address, so it cannot be suggested by distance: "
            "add a ZIP code, or latitude and longitude."
        )
    flash(message, "success")
