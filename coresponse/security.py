"""Security headers on every response: a strict CSP, no caching of personal data, HSTS."""

from __future__ import annotations

from flask import Flask, abort, request
from werkzeug.wrappers import Response

from coresponse.maps import MapSettingsError, tile_origin


def content_security_policy(tile_source: str | None = None) -> str:
    """No inline scripts or styles anywhere: everything comes from static/. Images also
    from the maps' tile server when one is configured (`tile_source`, its origin)."""
    return "; ".join(
        [
            "default-src 'self'",
            "script-src 'self'",
            "style-src 'self'",
            "img-src 'self' data:" + (f" {tile_source}" if tile_source else ""),
            "font-src 'self'",
            "connect-src 'self'",
            "object-src 'none'",
            "base-uri 'self'",
            "form-action 'self'",
            "frame-ancestors 'none'",
        ]
    )


# The policy of a deployment without a tile server (the default).
CONTENT_SECURITY_POLICY = content_security_policy()
HSTS = "max-age=31536000; includeSubDomains"
# Responses with no personal data that set their own Cache-Control (field mode's
# service worker and manifest must revalidate, which "no-store" would not say).
SELF_CACHED_ENDPOINTS = frozenset({"offline.service_worker", "offline.manifest"})


NUL_MESSAGE = (
    "A field holds a NUL character (\\0), which cannot be stored. Remove it and try again."
)


def init_app(app: Flask) -> None:
    """Refuse NUL characters in input; add the headers after every request."""
    try:
        csp = content_security_policy(tile_origin(app.config.get("MAP_TILE_URL")))
    except MapSettingsError as error:
        # Refused at start-up, not on the first map: a typo here must not go unnoticed.
        raise RuntimeError(str(error)) from error

    @app.before_request
    def refuse_nul_characters() -> None:
        # No text column may hold one (PostgreSQL refuses it outright, which would be a
        # 500), so a query parameter or form field carrying one is bad input: a 400 with
        # a message, before any view reads it. JSON bodies are checked by the API's reader.
        for values in (request.args, request.form):
            if any("\x00" in value for _, value in values.items(multi=True)):
                abort(400, description=NUL_MESSAGE)

    @app.after_request
    def security_headers(response: Response) -> Response:
        headers = response.headers
        headers.setdefault("Content-Security-Policy", csp)
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("X-Frame-Options", "DENY")
        headers.setdefault("Referrer-Policy", "same-origin")
        # Geolocation stays available to our own pages (tablets may record where a visit was).
        headers.setdefault("Permissions-Policy", "geolocation=(self), camera=(), microphone=()")
        headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
        if request.endpoint != "static" and request.endpoint not in SELF_CACHED_ENDPOINTS:
            # Pages carry personal data: never kept by the browser or a proxy, even on Back.
            headers["Cache-Control"] = "no-store"
            headers["Pragma"] = "no-cache"
        if app.config.get("HSTS_ENABLED"):
            headers.setdefault("Strict-Transport-Security", HSTS)
        return response
