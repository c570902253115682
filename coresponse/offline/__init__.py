"""Field mode: the offline tablet app (shell pages, service worker, web app manifest)."""

from flask import Blueprint

bp = Blueprint("offline", __name__)
