"""The maps' settings: an optional tile server, and the origin the CSP must allow for it.

With no tile server (MAP_TILE_URL empty, the default) every map draws the precinct
boundaries (static/geo/precincts.geojson) as its base layer and fetches nothing from
elsewhere: the app works on a closed network. A deployment with a tile server sets
MAP_TILE_URL (Leaflet's template, e.g. https://tiles.example.org/{z}/{x}/{y}.png) and
MAP_ATTRIBUTION; the Content-Security-Policy then allows images from that origin only.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

# A host name as a CSP source may hold it (letters, digits, dots, hyphens), optionally
# behind Leaflet's subdomain placeholder "{s}.", which the CSP writes as "*.".
_HOST = re.compile(r"(?:\{s\}\.)?[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?")
_PLACEHOLDERS = ("{z}", "{x}", "{y}")


class MapSettingsError(ValueError):
    """MAP_TILE_URL cannot be used: the message says why and what to write instead."""


def tile_origin(url: str | None) -> str | None:
    """The CSP source for a tile URL template ("https://*.tile.example.org" for
    "https://{s}.tile.example.org/{z}/{x}/{y}.png"), or None without one.

    Raises MapSettingsError for a template the maps or the CSP cannot use: not http(s),
    no host, credentials or placeholders in the host other than a leading "{s}.", or
    without {z}, {x} and {y}.
    """
    if not url:
        return None
    example = "for example https://tiles.example.org/{z}/{x}/{y}.png"
    if any(ch.isspace() or ch in ";,'\"" for ch in url):
        raise MapSettingsError(f"MAP_TILE_URL may not hold spaces, quotes, ';' or ',' ({example}).")
    parts = urlsplit(url)
    if parts.scheme not in ("https", "http"):
        raise MapSettingsError(f"MAP_TILE_URL must start with https:// ({example}).")
    netloc = parts.netloc
    if "@" in netloc:
        raise MapSettingsError("MAP_TILE_URL may not hold a user name or password.")
    host, _, port = netloc.partition(":")
    if not _HOST.fullmatch(host) or (port and not port.isdigit()):
        raise MapSettingsError(
            f"MAP_TILE_URL needs a plain host name, optionally starting with {{s}}. ({example})."
        )
    missing = [p for p in _PLACEHOLDERS if p not in url]
    if missing:
        raise MapSettingsError(f"MAP_TILE_URL lacks {', '.join(missing)} ({example}).")
    source = f"{parts.scheme}://{host.replace('{s}.', '*.', 1)}"
    return f"{source}:{port}" if port else source
