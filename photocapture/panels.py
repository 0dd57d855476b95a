"""Panels other apps contribute to the student's home page.

In `<app>/panels.py`:

    @student_panel(order=20)
    def fee_status(student):
        return "fees/student_panel.html", {"balance": ...}   # or None to show nothing

The home page renders each returned template with its context, in `order`.
Each panel must cost a constant number of queries.
"""

from collections.abc import Callable

from django.utils.module_loading import autodiscover_modules

_PANELS: list[tuple[int, Callable]] = []


def student_panel(*, order: int):
    def decorator(func):
        _PANELS.append((order, func))
        return func

    return decorator


def render_student_panels(student) -> list[tuple[str, dict]]:
    autodiscover_modules("panels")
    rendered = []
    for _order, func in sorted(_PANELS, key=lambda pair: pair[0]):
        result = func(student)
        if result is not None:
            rendered.append(result)
    return rendered
