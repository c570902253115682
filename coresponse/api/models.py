"""Personal API tokens: a user's key for the JSON API, stored only as a hash."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from coresponse.clock import utcnow
from coresponse.db_types import UTCDateTime
from coresponse.extensions import Model

if TYPE_CHECKING:
    from coresponse.auth.models import User


class ApiToken(Model):
    """One personal API token. Never deleted: a revoked or expired token keeps its history.

    The caller holds `crt_<secret>`; only its SHA-256 is stored, so a copy of the
    database cannot be turned into working tokens. The prefix (the first characters
    of the secret) lets the owner tell their tokens apart.
    """

    __tablename__ = "api_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    name: Mapped[str] = mapped_column(String(80))
    prefix: Mapped[str] = mapped_column(String(16))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"), index=True)
    # API_TOKEN_DAYS after it was made; checked on every call.
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # Written at most once a minute per token, not on every request.
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"), index=True)

    user: Mapped[User] = relationship(foreign_keys=[user_id], lazy="raise_on_sql")

    @property
    def expired(self) -> bool:
        return utcnow() >= self.expires_at

    @property
    def active(self) -> bool:
        """Not revoked and not expired: the token works (while its account is active)."""
        return self.revoked_at is None and not self.expired

    @property
    def display(self) -> str:
        """How the token is shown after creation: its prefix, never the secret."""
        return f"crt_{self.prefix}…"

    def __repr__(self) -> str:
        return f"<ApiToken {self.id} user={self.user_id} {self.prefix}>"
