"""Form pieces shared by every domain's forms."""

from __future__ import annotations

from wtforms import SelectMultipleField, widgets
from wtforms.fields.choices import SelectChoice

from coresponse.db_types import LabelledEnum


def enum_choices(enum_cls: type[LabelledEnum], *, blank: str | None = None) -> list[SelectChoice]:
    """Options for a select of an enum, labelled for people; optionally a blank first."""
    options = [SelectChoice(member.value, member.label) for member in enum_cls]
    if blank is not None:
        options.insert(0, SelectChoice("", blank))
    return options


class MultiCheckboxField(SelectMultipleField):
    """A list of checkboxes: easier to tap on a tablet than a multi-select."""

    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()
