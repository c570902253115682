"""What the service worker keeps on the device, and the version that names its cache.

Only the shell pages (which hold no personal data: the cases and contacts come from
the API and are kept encrypted by the page) and static files are cached.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from flask import Flask, current_app, url_for

# Static files the field screens need with no connection, relative to static/.
STATIC_FILES = (
    "css/app.css",
    "css/field.css",
    "js/offline/store.js",
    "js/offline/api.js",
    "js/offline/sync.js",
    "js/offline/shell.js",
    "js/offline/cases.js",
    "js/offline/contact.js",
    "js/offline/nav.js",
    "js/offline/logout.js",
    "js/contacts/attempt.js",  # imported by contact.js
    "img/icon.svg",
    "img/field-192.png",
    "img/field-512.png",
    "img/field-180.png",
)
# The shell pages' endpoints; their templates count towards the version too.
SHELL_ENDPOINTS = ("offline.index", "offline.contact")
SHELL_TEMPLATES = ("offline/shell.html", "offline/index.html", "offline/contact.html")
SERVICE_WORKER_SOURCE = "js/offline/sw.js"


def _static_path(app: Flask, name: str) -> Path:
    return Path(str(app.static_folder)) / name


def cache_version(app: Flask) -> str:
    """A digest of every cached file and of the worker itself, computed once per app.

    A change to any of them changes the worker's bytes, so browsers install the new
    worker, which fills a new cache and deletes the old one.
    """
    cached = app.extensions.get("offline_cache_version")
    # In development files change under a running server: hash them on every request.
    if cached and not app.debug:
        return str(cached)
    digest = hashlib.sha256()
    template_root = Path(str(app.template_folder))
    paths = [_static_path(app, n) for n in (*STATIC_FILES, SERVICE_WORKER_SOURCE)]
    paths += [template_root / n for n in SHELL_TEMPLATES]
    for path in paths:
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    version = digest.hexdigest()[:16]
    app.extensions["offline_cache_version"] = version
    return version


def service_worker_script() -> str:
    """The worker's source, preceded by its configuration (version, files to keep)."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]  # a LocalProxy, which Flask types as Flask
    config = {
        "version": cache_version(app),
        "shells": [url_for(endpoint) for endpoint in SHELL_ENDPOINTS],
        "assets": [url_for("static", filename=name) for name in STATIC_FILES],
        "manifest": url_for("offline.manifest"),
    }
    source = _static_path(app, SERVICE_WORKER_SOURCE).read_text(encoding="utf-8")
    return f"self.FIELD_CONFIG = {json.dumps(config, sort_keys=True)};\n{source}"
