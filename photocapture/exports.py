"""Registry of .xlsx reports, shared by `export_report` and the staff pages.

Each app registers its reports in its own `exports.py`:

    @register("attendance", title="考勤")
    def attendance(*, campaign, user, stream) -> None: ...

An exporter writes one workbook (openpyxl write-only mode) to `stream`, limited to
what `user` may see (user=None means the command line, which sees everything).
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.utils.module_loading import autodiscover_modules


@dataclass(frozen=True)
class Exporter:
    name: str
    title: str
    func: Callable


_REGISTRY: dict[str, Exporter] = {}


def register(name: str, *, title: str):
    def decorator(func):
        _REGISTRY[name] = Exporter(name=name, title=title, func=func)
        return func

    return decorator


def exporters() -> dict[str, Exporter]:
    autodiscover_modules("exports")
    return dict(_REGISTRY)
