"""Form widgets that write their HTML in Python, for the filters of the busiest list pages."""

from typing import Any

from django import forms
from django.forms.utils import flatatt
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe


class PlainSelect(forms.Select):
    """A single <select> with the same markup as Django's, without its templates.

    Django renders a select through one template per option plus one for each option's attributes:
    the coordinator's class filter (60 classes) took 129 template renders, a third of the page's
    time. Flat choices only (no option groups), one selected value."""

    def render(self, name: str, value: Any, attrs: dict[str, Any] | None = None, renderer: Any = None) -> SafeString:
        final = self.build_attrs(self.attrs, attrs)
        chosen = self.format_value(value)
        selected: str | None = chosen[0] if chosen else None
        options = []
        for option_value, label in self.choices:
            if isinstance(label, (list, tuple)):
                raise TypeError("PlainSelect takes flat choices, not option groups")
            text = "" if option_value is None else str(option_value)
            is_selected = selected is not None and text == selected
            if is_selected:
                selected = None  # as Django's Select: only the first equal option is selected
            options.append((text, mark_safe(" selected") if is_selected else "", label))
        return format_html(
            '<select name="{}"{}>\n{}\n</select>',
            name,
            flatatt(final),
            format_html_join("\n", '  <option value="{}"{}>{}</option>', options),
        )
