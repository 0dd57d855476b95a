"""{% url %} as Django's, with the address of a name without arguments worked out once per process.

A builtin of the template engine (settings.TEMPLATES "builtins"), so every template's {% url %} is
this one. Each page's header alone names nine addresses; reversing each cost more than the rest of
its tag (bench/pages.py, the student home). What else the address depends on is in the key: the
URLconf of the request, the script prefix, the current application and the language.
"""

import functools
from typing import Any

from django import template
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.template import defaulttags
from django.template.base import Parser, Token
from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils.html import conditional_escape
from django.utils.translation import get_language

register = template.Library()
_WHERE = "core.links.where"  # the render context's key for the rest of the address's key


@functools.lru_cache(maxsize=1024)
def _address(view_name: str, urlconf: str | None, prefix: str, current_app: str | None, language: str | None) -> str:
    return reverse(view_name, urlconf=urlconf, current_app=current_app)


@receiver(setting_changed)
def _forget_addresses(*, setting: str, **kwargs: Any) -> None:
    if setting == "ROOT_URLCONF":  # a test's own URLconf: names may point elsewhere
        _address.cache_clear()


class CachedURLNode(defaulttags.URLNode):
    def render(self, context: template.Context) -> str:
        name = self.view_name
        if self.args or self.kwargs or self.asvar or name.is_var or name.filters or not isinstance(name.var, str):
            return super().render(context)  # arguments, a name from a variable, or `as`: Django's own
        # What else the address depends on is the same for every tag of one rendering: found once.
        where = context.render_context.get(_WHERE)
        if where is None:
            request = getattr(context, "request", None)
            current_app = getattr(request, "current_app", None)
            if current_app is None:
                current_app = getattr(getattr(request, "resolver_match", None), "namespace", None)
            where = context.render_context[_WHERE] = (get_urlconf(), get_script_prefix(), current_app, get_language())
        url = _address(str(name.var), *where)
        return str(conditional_escape(url)) if context.autoescape else url


@register.tag
def url(parser: Parser, token: Token) -> defaulttags.URLNode:
    node = defaulttags.url(parser, token)
    node.__class__ = CachedURLNode
    return node
