"""One way from a code to words: a registry of code -> template, rendered when shown.

What the portal stores is a code and plain JSON params (an audit action, a job's error, a
notification, a photo finding, a payment callback's refusal); the words are made when a person
reads them, in the language of that moment (pretix's LogEntry.display). Each app declares its
own `Words` instance(s) next to the codes they word; this module knows no app.

A template is a lazy translation formatted with the params (`%(name)s`), or a callable
params -> words for plurals and sentences put together from parts (a registry whose words have
parts, a notification's title and body, returns a tuple of strings from its callables).

A code a registry does not know, or params that no longer fit its template, are never shown as
the raw code: the reader gets the registry's fallback sentence and the log gets the code.
"""

import logging
import weakref
from collections.abc import Callable, Iterator, Mapping
from typing import Any

from django.utils.functional import lazy
from django.utils.translation import gettext_lazy

logger = logging.getLogger(__name__)

Params = Mapping[str, Any]
Template = Any  # a (lazy) string formatted with the params, or a callable(params) -> words

# What a reader sees for a code nobody worded: a plain sentence, never the code.
UNKNOWN = gettext_lazy("这条内容暂时无法显示：请联系教务处")

_REGISTRIES: "weakref.WeakSet[Words]" = weakref.WeakSet()


class Words:
    """Code -> template. `base` registries lend their codes (an importer inherits the intake's).

    `examples` give the params a code's callable needs to be rendered by the test that walks
    every registry (tests/core/test_words.py); a code without one is rendered with `{}`-like
    params answering "1" to any key.
    """

    def __init__(
        self,
        templates: Mapping[str, Template] | None = None,
        *,
        name: str = "",
        base: "Words | tuple[Words, ...]" = (),
        fallback: Template = UNKNOWN,
        examples: Mapping[str, Params] | None = None,
    ) -> None:
        self.name = name
        self.templates: dict[str, Template] = dict(templates or {})
        self.examples: dict[str, Params] = dict(examples or {})
        self.fallback = fallback
        for other in base if isinstance(base, tuple) else (base,):
            for code, template in other.templates.items():
                self.templates.setdefault(code, template)
            for code, example in other.examples.items():
                self.examples.setdefault(code, example)
        _REGISTRIES.add(self)

    def __repr__(self) -> str:
        return f"<Words {self.name or '?'}: {len(self.templates)} codes>"

    def __contains__(self, code: object) -> bool:
        return code in self.templates

    def codes(self) -> list[str]:
        return sorted(self.templates)

    def add(self, code: str, template: Template, *, example: Params | None = None) -> None:
        self.templates[code] = template
        if example is not None:
            self.examples[code] = example

    def register(self, code: str, *, example: Params | None = None) -> Callable[[Any], Any]:
        """Decorator: `@WORDS.register("retake.due")` over a callable(params) -> words."""

        def decorate(render: Any) -> Any:
            self.add(code, render, example=example)
            return render

        return decorate

    def words(self, code: str, params: Params | None = None) -> Any:
        """What the template gives (a str, or the parts a callable returns); None when the code is
        unknown or the params do not fit (both logged)."""
        template = self.templates.get(code)
        if template is None:
            logger.warning("no words for code %r in %s", code, self.name or "a registry")
            return None
        # A dict as it is (the walking test passes one that answers any key); else a copy.
        values = params if isinstance(params, dict) else dict(params or {})
        try:
            return template(values) if callable(template) else str(template) % values
        except (KeyError, TypeError, ValueError, AttributeError, IndexError):
            logger.warning("params do not fit the words of %r in %s", code, self.name or "a registry", exc_info=True)
            return None

    def render(self, code: str, params: Params | None = None) -> str | None:
        """The words as one string, or None (the caller chooses what to show instead)."""
        result = self.words(code, params)
        return None if result is None else str(result)

    def text(self, code: str, params: Params | None = None) -> str:
        """The words, else the registry's fallback sentence: never the raw code."""
        result = self.render(code, params)
        return result if result is not None else self.fallback_text(params)

    def fallback_text(self, params: Params | None = None) -> str:
        fallback = self.fallback
        return str(fallback(dict(params or {})) if callable(fallback) else fallback)

    def lazy(self, code: str, params: Params | None = None) -> Any:
        """The words as a lazy string, rendered in the language of the moment it is shown."""
        return _lazy_text(self, code, dict(params or {}))


def _text_now(words: Words, code: str, params: dict[str, Any]) -> str:
    return words.text(code, params)


_lazy_text = lazy(_text_now, str)


def unknown(code: str, where: str = "") -> str:
    """The fallback for a code that came with no registry at all (logged, never shown)."""
    logger.warning("no words for code %r%s", code, f" in {where}" if where else "")
    return str(UNKNOWN)


def registries() -> Iterator[Words]:
    """Every registry built so far (the test that walks them imports every app's modules first)."""
    return iter(sorted(_REGISTRIES, key=lambda words: (words.name, id(words))))
