"""Field mode pages, the service worker and the web app manifest.

The shell pages hold no personal data: the case list and the contact form are filled
in the browser from the API (and from the device's encrypted copy when offline).
"""

from __future__ import annotations

from flask import Response, current_app, jsonify, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user

from coresponse.auth.models import Role
from coresponse.contacts.limits import CONTACT_TEXT_LIMITS
from coresponse.contacts.models import ContactOutcome, ContactType, RiskFactor, RiskLevel
from coresponse.db_types import LabelledEnum
from coresponse.offline import bp
from coresponse.offline.assets import service_worker_script
from coresponse.privacy import policy
from coresponse.privacy.routes import allow, public
from coresponse.referrals.models import RiskIndicator


def _choices(enum: type[LabelledEnum]) -> list[tuple[str, str]]:
    return [(member.value, member.label) for member in enum]


def _shell_context() -> dict[str, object]:
    """What every field page needs: nothing about any person, only settings and labels."""
    clinical = policy.can_read_clinical(current_user)
    return {
        # The device forgets its case list this long after the last refresh.
        "case_list_max_age_hours": current_app.config["SESSION_ABSOLUTE_HOURS"],
        "labels": {
            "types": dict(_choices(ContactType)),
            "outcomes": dict(_choices(ContactOutcome)),
            "roles": {role.value: role.label for role in Role},
            # Only the names this reader may be sent (the canary tests look for the rest).
            "flags": {
                flag.value: flag.label
                for flag in RiskIndicator
                if clinical or not flag.category.clinical
            },
            "safety": [flag.value for flag in RiskIndicator if not flag.category.clinical],
            "risk": dict(_choices(RiskLevel)) if clinical else {},
        },
    }


@bp.route("/field/")
@allow(policy.is_field_member)
def index() -> ResponseReturnValue:
    """Field mode: the team's open cases and the contacts waiting to be sent."""
    return render_template("offline/index.html", **_shell_context())


@bp.route("/field/contact")
@allow(policy.is_field_member)
def contact() -> ResponseReturnValue:
    """Field mode: log a contact on a case, with or without a connection."""
    return render_template(
        "offline/contact.html",
        types=_choices(ContactType),
        outcomes=_choices(ContactOutcome),
        risk_levels=_choices(RiskLevel),
        risk_factors=_choices(RiskFactor),
        transport_outcomes=[o.value for o in ContactOutcome if o.is_transport],
        limits=CONTACT_TEXT_LIMITS,
        # The shell is cached per device, but it is fetched afresh whenever online, so it
        # matches the user signed in; officers never receive the clinical fields.
        can_read_clinical=policy.can_read_clinical(current_user),
        **_shell_context(),
    )


@bp.route("/sw.js")
@public
def service_worker() -> ResponseReturnValue:
    """The service worker, served from the root so its scope covers /field/."""
    response = Response(service_worker_script(), mimetype="text/javascript")
    # Checked on every visit so a new version reaches tablets at once.
    response.headers["Cache-Control"] = "no-cache"
    response.headers["Service-Worker-Allowed"] = "/"
    return response


@bp.route("/manifest.webmanifest")
@public
def manifest() -> ResponseReturnValue:
    """The web app manifest: field mode installs as a full-screen tablet app."""
    body = {
        "name": "CoResponse field mode",
        "short_name": "CoResponse",
        "description": "Cases and contact logging for co-response teams, with or without signal.",
        "start_url": url_for("offline.index"),
        "scope": "/",
        "display": "standalone",
        "orientation": "any",
        "background_color": "#f4f6f8",
        "theme_color": "#1f4e79",
        "icons": [
            {
                "src": url_for("static", filename="img/field-192.png"),
                "sizes": "192x192",
                "type": "image/png",
            },
            {
                "src": url_for("static", filename="img/field-512.png"),
                "sizes": "512x512",
                "type": "image/png",
                "purpose": "any maskable",
            },
            {
                "src": url_for("static", filename="img/icon.svg"),
                "sizes": "any",
                "type": "image/svg+xml",
            },
        ],
    }
    response = jsonify(body)
    response.mimetype = "application/manifest+json"
    response.headers["Cache-Control"] = "no-cache"
    return response
