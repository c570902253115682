"""HTTP views of this domain."""

from coresponse.audit import bp  # noqa: F401
