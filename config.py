"""Configuration classes, chosen by CORESPONSE_ENV and read from the environment."""

from __future__ import annotations

import os
import secrets
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent
INSTANCE = ROOT / "instance"


def database_url(default: str) -> str:
    """DATABASE_URL with plain postgres URLs pointed at psycopg 3."""
    url = os.environ.get("DATABASE_URL") or default
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def _roles(name: str, default: str) -> list[str]:
    """A comma-separated list of roles from the environment (set but empty: none)."""
    return [r.strip() for r in os.environ.get(name, default).split(",") if r.strip()]


def _flag(name: str, default: bool) -> bool:
    """An on/off setting from the environment: on, off, true, false, yes, no, 1 or 0."""
    raw = os.environ.get(name, "").strip().lower()
    if raw == "":
        return default
    if raw in {"1", "on", "true", "yes"}:
        return True
    if raw in {"0", "off", "false", "no"}:
        return False
    raise RuntimeError(f"{name} must be on or off, got {raw!r}")


def _int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise RuntimeError(f"{name} must be a whole number, got {raw!r}") from exc


class Config:
    """Settings shared by every environment."""

    ENV_NAME = "production"
    DEFAULT_DATABASE = f"sqlite:///{INSTANCE / 'coresponse.db'}"
    SQLALCHEMY_ENGINE_OPTIONS: dict = {"pool_pre_ping": True}
    # SQLite waits this long for a lock before giving up ("database is locked").
    SQLITE_BUSY_TIMEOUT_MS = _int("SQLITE_BUSY_TIMEOUT_MS", 5000)
    # A request body larger than this (bytes) is refused with a 413 before anything reads it.
    MAX_CONTENT_LENGTH = _int("CORESPONSE_MAX_CONTENT_LENGTH", 1024 * 1024)
    # One limit, one message: a field of a multipart form may be as large as the body.
    MAX_FORM_MEMORY_SIZE = MAX_CONTENT_LENGTH
    WTF_CSRF_ENABLED = True
    WTF_CSRF_TIME_LIMIT = None  # a form left open in the field stays valid for the session
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = True
    # Browsers remember to use HTTPS only; production sits behind TLS.
    HSTS_ENABLED = True
    # Sessions end after this long idle, and after the absolute limit whatever happens.
    SESSION_IDLE_MINUTES = _int("SESSION_IDLE_MINUTES", 15)
    SESSION_ABSOLUTE_HOURS = _int("SESSION_ABSOLUTE_HOURS", 12)
    PERMANENT_SESSION_LIFETIME = timedelta(minutes=SESSION_IDLE_MINUTES)
    # Login throttling: this many failures within the window locks the account for a while.
    LOGIN_MAX_FAILURES = _int("LOGIN_MAX_FAILURES", 5)
    LOGIN_FAILURE_WINDOW_MINUTES = _int("LOGIN_FAILURE_WINDOW_MINUTES", 15)
    LOGIN_LOCKOUT_MINUTES = _int("LOGIN_LOCKOUT_MINUTES", 15)
    # More failures than this from one address within the window answer 429.
    LOGIN_IP_MAX_FAILURES = _int("LOGIN_IP_MAX_FAILURES", 20)
    # Roles that must use two-factor (TOTP) login: CORESPONSE_TOTP_REQUIRED_ROLES, comma
    # separated ("admin,supervisor"), read at construction; this when it is not set.
    DEFAULT_TOTP_REQUIRED_ROLES = ""
    # How many reverse proxies stand in front of the app: their X-Forwarded-For/-Proto
    # headers are then trusted, so the audit trail and login throttle see the real
    # client address. 0 (the default) trusts none: set it only behind a proxy.
    TRUSTED_PROXIES = _int("CORESPONSE_TRUSTED_PROXIES", 0)
    # A personal API token stops working this many days after it is made.
    API_TOKEN_DAYS = _int("CORESPONSE_API_TOKEN_DAYS", 90)
    # How long a break-glass grant lets a clinician outside the team read a record.
    BREAK_GLASS_HOURS = _int("CORESPONSE_BREAK_GLASS_HOURS", 12)
    # At most this many break-glass grants per clinician per program day; the next is
    # refused and the clinician is told to ask a supervisor.
    BREAK_GLASS_PER_DAY = _int("CORESPONSE_BREAK_GLASS_PER_DAY", 3)
    # The program's wall clock: times are stored in UTC and shown in this zone.
    TIMEZONE = os.environ.get("CORESPONSE_TIMEZONE", "America/New_York")
    PROGRAM_NAME = os.environ.get("CORESPONSE_PROGRAM_NAME", "Co-Response Program")
    PAGE_SIZE = _int("CORESPONSE_PAGE_SIZE", 25)
    # "offline" (ZIP centroids, no network) or a geopy service name such as "nominatim".
    GEOCODER = os.environ.get("CORESPONSE_GEOCODER", "offline")
    GEOCODER_OPTIONS = {
        key: value
        for key, value in {
            "user_agent": os.environ.get("CORESPONSE_GEOCODER_USER_AGENT"),
            "domain": os.environ.get("CORESPONSE_GEOCODER_DOMAIN"),
            "api_key": os.environ.get("CORESPONSE_GEOCODER_API_KEY"),
        }.items()
        if value
    }
    GEOCODER_MIN_DELAY = float(os.environ.get("CORESPONSE_GEOCODER_MIN_DELAY", "1.0"))
    # Maps draw the precinct boundaries as their base layer, with nothing fetched from
    # elsewhere, unless a tile server is named here (Leaflet's URL template, e.g.
    # https://tiles.example.org/{z}/{x}/{y}.png); the CSP then allows its origin for
    # images (coresponse/maps.py). The attribution is shown as plain text.
    MAP_TILE_URL = os.environ.get("MAP_TILE_URL", "").strip()
    MAP_ATTRIBUTION = os.environ.get("MAP_ATTRIBUTION", "").strip()
    # First contact is due this many hours after a case is assigned to a team.
    FIRST_CONTACT_DUE_HOURS = _int("CORESPONSE_FIRST_CONTACT_DUE_HOURS", 24)
    # Open cases with no contact for this many days are flagged in the queue.
    STALE_CASE_DAYS = _int("CORESPONSE_STALE_CASE_DAYS", 7)
    # Dispatch: a team is dispatchable only when both its officers hold current Crisis
    # Intervention Training. A program that does not require it turns it off.
    REQUIRE_CIT = _flag("CORESPONSE_REQUIRE_CIT", True)
    # Reminders (`flask reminders run`): how far ahead each rule warns. Read as given and
    # checked when the rules run (coresponse/reminders/settings.py): zero or less is
    # refused there with the setting's name, never by a crash of the app.
    REMINDER_FIRST_CONTACT_DUE_HOURS = _int("CORESPONSE_REMINDER_FIRST_CONTACT_DUE_HOURS", 4)
    REMINDER_NO_CONTACT_DAYS = _int("CORESPONSE_REMINDER_NO_CONTACT_DAYS", 7)
    REMINDER_CONSENT_EXPIRY_DAYS = _int("CORESPONSE_REMINDER_CONSENT_EXPIRY_DAYS", 14)
    REMINDER_TRAINING_EXPIRY_DAYS = _int("CORESPONSE_REMINDER_TRAINING_EXPIRY_DAYS", 30)
    # The e-mail digest: off unless turned on. It carries a count and a link, no names.
    REMINDER_EMAIL = _flag("CORESPONSE_REMINDER_EMAIL", False)
    # At most one digest per user in this many minutes (new items wait for the next).
    REMINDER_DIGEST_MINUTES = _int("CORESPONSE_REMINDER_DIGEST_MINUTES", 60)
    # The address the digest links to (the notifications page is under it).
    BASE_URL = os.environ.get("CORESPONSE_BASE_URL", "http://127.0.0.1:5000")
    MAIL_SERVER = os.environ.get("MAIL_SERVER", "localhost")
    MAIL_PORT = _int("MAIL_PORT", 25)
    MAIL_USE_TLS = _flag("MAIL_USE_TLS", False)  # STARTTLS after connecting
    MAIL_USERNAME = os.environ.get("MAIL_USERNAME") or None
    MAIL_PASSWORD = os.environ.get("MAIL_PASSWORD") or None
    MAIL_FROM = os.environ.get("MAIL_FROM", "coresponse@localhost")
    MAIL_TIMEOUT_SECONDS = _int("MAIL_TIMEOUT_SECONDS", 10)
    # The password `flask seed-demo` gives the demo logins unless told otherwise.
    DEMO_PASSWORD = "coresponse-demo"  # noqa: S105  (the demo's published password)

    def __init__(self) -> None:
        # Read at construction, not import, so a test or CLI can set the environment first.
        self.SECRET_KEY = os.environ.get("SECRET_KEY") or getattr(self, "FIXED_SECRET_KEY", None)
        self.SQLALCHEMY_DATABASE_URI = database_url(self.DEFAULT_DATABASE)
        self.TOTP_REQUIRED_ROLES = _roles(
            "CORESPONSE_TOTP_REQUIRED_ROLES", self.DEFAULT_TOTP_REQUIRED_ROLES
        )
        # Four eyes: a new account, or a role change, that lets someone read people's
        # records waits for a supervisor other than the administrator who asked for it
        # (coresponse/privacy/policy.py says who). A small program, with no second
        # supervisor to ask, turns it off: CORESPONSE_ACCESS_APPROVAL=off.
        self.ACCESS_APPROVAL = _flag("CORESPONSE_ACCESS_APPROVAL", True)


class DevelopmentConfig(Config):
    """`make run`: embedded SQLite, a per-checkout secret, plain-HTTP cookies."""

    ENV_NAME = "development"
    SESSION_COOKIE_SECURE = False
    HSTS_ENABLED = False

    def __init__(self) -> None:
        super().__init__()
        if not self.SECRET_KEY:
            self.SECRET_KEY = _dev_secret_key()


class TestConfig(Config):
    """pytest: a database per test, set by the fixtures."""

    ENV_NAME = "test"
    TESTING = True
    FIXED_SECRET_KEY = "test-secret-key"  # noqa: S105  (tests only)
    DEFAULT_DATABASE = "sqlite://"
    SESSION_COOKIE_SECURE = False
    HSTS_ENABLED = False
    WTF_CSRF_ENABLED = False


class ProductionConfig(Config):
    """gunicorn behind TLS; SECRET_KEY must come from the environment."""

    ENV_NAME = "production"
    # Administrators grant access and supervisors read every case: in production they sign
    # in with a second factor unless the program says otherwise (set the variable to "").
    DEFAULT_TOTP_REQUIRED_ROLES = "admin,supervisor"


CONFIGS = {
    "development": DevelopmentConfig,
    "test": TestConfig,
    "production": ProductionConfig,
}


def _dev_secret_key() -> str:
    """A random key kept in instance/ so development logins survive restarts."""
    path = INSTANCE / "dev-secret-key"
    if not path.exists():
        INSTANCE.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_hex(32))
        path.chmod(0o600)
    return path.read_text().strip()


def load_config(name: str | None = None) -> Config:
    """The config object for `name` (or CORESPONSE_ENV, default production)."""
    name = name or os.environ.get("CORESPONSE_ENV", "production")
    try:
        cls = CONFIGS[name]
    except KeyError as exc:
        choices = ", ".join(CONFIGS)
        raise RuntimeError(f"CORESPONSE_ENV must be one of {choices}, got {name!r}") from exc
    config = cls()
    if not config.SECRET_KEY:
        raise RuntimeError(
            "SECRET_KEY is not set. Production needs a long random SECRET_KEY in the "
            "environment (for example: python -c 'import secrets; print(secrets.token_hex(32))'). "
            "For local use run with CORESPONSE_ENV=development."
        )
    return config
