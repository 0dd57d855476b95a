"""{% student_panel template data %}: a student panel rendered inside the page's own context."""

from typing import Any

from django import template
from django.utils.safestring import SafeString

register = template.Library()


@register.simple_tag(takes_context=True)
def student_panel(context: template.Context, template_name: str, data: dict[str, Any]) -> SafeString:
    """The panel sees the page's context plus its own data, so what the context processors
    computed (the inbox's unread count, the CSRF token) is computed once for the page, not once
    per panel as a separate render_to_string would."""
    page = context.template
    assert page is not None  # a tag runs only while its template renders, which binds it here
    panel = page.engine.get_template(template_name)
    with context.push(data):
        return panel.render(context)
