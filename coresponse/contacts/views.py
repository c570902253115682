"""HTTP views of this domain."""

from coresponse.contacts import bp  # noqa: F401
