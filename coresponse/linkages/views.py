"""HTTP views of this domain."""

from coresponse.linkages import bp  # noqa: F401
