"""Tags for long lists, where a template's per-row cost adds up (a 50-row page: 50 times each).

`{% load lists %}`:
- `{% memo key %}...{% endmemo %}` renders its body once per key within one rendering of the
  template and repeats that output for the same key: for a cell that depends only on the key
  (the same slot on many rows). The body must not depend on anything but the key.
- `{{ url|with_id:pk }}` puts a row's id into a URL reversed once for the list with 0 as its id
  (`{% url 'app:detail' 0 as row_url %}`): `{% url %}` per row was a quarter of a row's time.
"""

from typing import Any, cast

from django import template
from django.template.base import FilterExpression, NodeList, Parser, Token
from django.template.context import Context
from django.utils.safestring import SafeString, mark_safe

register = template.Library()


class MemoNode(template.Node):
    def __init__(self, key: FilterExpression, nodelist: NodeList) -> None:
        self.key = key
        self.nodelist = nodelist

    def render(self, context: Context) -> SafeString:
        # render_context lives for one rendering of this template, so nothing outlives the page.
        # (django-stubs type render_context's values as the loader's own, origins and counters.)
        memo = cast(dict[Any, SafeString], context.render_context.setdefault(self, cast(Any, {})))
        key = self.key.resolve(context)
        if key not in memo:
            memo[key] = mark_safe(self.nodelist.render(context))
        return memo[key]


@register.tag
def memo(parser: Parser, token: Token) -> MemoNode:
    bits = token.split_contents()
    if len(bits) != 2:
        raise template.TemplateSyntaxError("{% memo key %} takes one key")
    nodelist = parser.parse(("endmemo",))
    parser.delete_first_token()
    return MemoNode(parser.compile_filter(bits[1]), nodelist)


@register.filter
def with_id(url: str, pk: object) -> str:
    """/capture/students/0/ -> /capture/students/123/ (the last path segment that is 0)."""
    head, zero, tail = str(url).rpartition("/0/")
    if not zero:
        raise ValueError(f"{url!r} has no /0/ segment to put an id in")
    return f"{head}/{int(str(pk))}/{tail}"
