"""HTTP views of this domain."""

from coresponse.consent import bp  # noqa: F401
