"""Registry of .xlsx reports, shared by `export_report` and the staff pages.

Each app registers its reports in its own `exports.py`:

    @register("attendance", title="考勤", roles=("coordinator",))
    def attendance(*, campaign, user, stream) -> None: ...

An exporter writes one workbook (openpyxl write-only mode) to `stream`, limited to
what `user` may see (user=None means the command line, which sees everything).
`roles` are the roles besides academic staff that may start it from a page; an exporter
must narrow its rows to the user's scope before it lists a role here.
From a page every export runs as a background job (photocapture.export_jobs).
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.utils.module_loading import autodiscover_modules


@dataclass(frozen=True)
class Exporter:
    name: str
    title: str
    func: Callable
    roles: tuple[str, ...] = ()

    def allowed(self, user) -> bool:
        return user.is_academic_staff or user.role in self.roles


_REGISTRY: dict[str, Exporter] = {}


def register(name: str, *, title: str, roles: tuple[str, ...] = ()):
    def decorator(func):
        _REGISTRY[name] = Exporter(name=name, title=title, func=func, roles=tuple(roles))
        return func

    return decorator


def exporters() -> dict[str, Exporter]:
    autodiscover_modules("exports")
    return dict(_REGISTRY)
