"""The dismiss button's form: a POST with its CSRF token."""

from __future__ import annotations

from coresponse.form_helpers import Form


class DismissForm(Form):
    """Nothing but the CSRF token."""
