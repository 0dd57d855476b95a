"""Registries every app contributes to: .xlsx reports and panels of the student's home page.

They know no app (each app registers itself from its own module, found by autodiscovery), so
they sit at the bottom layer and any app may register.

Reports: .xlsx files shared by `export_report` and the staff pages.

Each app registers its reports in its own `exports.py`:

    @register("attendance", title="考勤", roles=("coordinator",))
    def attendance(*, campaign, user, stream) -> None: ...

An exporter writes one workbook (openpyxl write-only mode) to `stream`, limited to
what `user` may see (user=None means the command line, which sees everything).
`roles` are the roles besides academic staff that may start it from a page; an exporter
must narrow its rows to the user's scope before it lists a role here.
From a page every export runs as a background job (photocapture.export_jobs).

Student panels: what other apps show on the student's home page.

In `<app>/panels.py`:

    @student_panel(order=20)
    def fee_status(student):
        return "fees/student_panel.html", {"balance": ...}   # or None to show nothing

The home page renders each returned template with its context, in `order`, inside the page's
own context (`{% student_panel %}`): the header's lazy values (the inbox count) are shared.
Each panel must cost a constant number of queries. A panel that reads one row beside the
student's declares it, and the home page reads it in its own query of the student instead of
one query per panel (each is most of the page's time):

    @student_panel(order=20, select_related=("fee_account",))
    @student_panel(order=30, relations={"active_record": FilteredRelation("records", condition=...)},
                   select_related=("active_record",))

The panel then reads the row through `preloaded(student, name)` and queries it itself when the
student came from elsewhere (a test, another page). A value that is no row (the newest of many, a
count) is an annotation: `annotations={"home_retake": lambda: Subquery(...OuterRef("pk")...)}`.
A value of the page itself (the header's unread count) is `@student_page_value("inbox_unread")`:
the page's context gets it under that name instead of the context processor's own query.

Staff student panels: what each app shows on the staff's page about one student (the phone call
from a student answered on one page: capture, fee ledger, CHSI state, reports, retakes). In
`<app>/panels.py`, `@staff_student_panel(order=20) def fees(student, viewer)`: the viewer is the
staff member, coordinator or counselor who already may see that student (the page checked it);
a panel returns None for a viewer its app shows nothing to.
"""

import copy
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar

from django.db.models import FilteredRelation
from django.utils.functional import Promise
from django.utils.module_loading import autodiscover_modules

# An exporter is called as func(*, campaign, user, stream); the campaign and user are models of
# apps above this layer, so core cannot name their types.
ExportFunc = Callable[..., None]
# A panel takes the student's profile (sessions_app, above this layer) and returns its template and
# context, or None to show nothing.
StudentPanel = Callable[[Any], tuple[str, dict[str, Any]] | None]

# A staff panel also takes the viewer (accounts.User).
StaffStudentPanel = Callable[[Any, Any], tuple[str, dict[str, Any]] | None]

_Export = TypeVar("_Export", bound=ExportFunc)
_StaffPanel = TypeVar("_StaffPanel", bound=StaffStudentPanel)
_Panel = TypeVar("_Panel", bound=StudentPanel)


class RoleHolder(Protocol):
    """What `Exporter.allowed` reads of a user (accounts.User, a layer above core)."""

    @property
    def is_academic_staff(self) -> bool: ...

    @property
    def role(self) -> str: ...


@dataclass(frozen=True)
class Exporter:
    name: str
    # Lazy: shown in the reader's language (page links, job names, the file's name).
    title: "str | Promise"
    func: ExportFunc
    roles: tuple[str, ...] = ()
    # full_ids(user): the workbook made for `user` holds whole ID numbers. Declared by the exporter
    # that writes them; its job's file is then downloadable only by its owner and by staff who
    # hold the full-ID permission (jobs.selectors.may_download).
    full_ids: Callable[[Any], bool] | None = None

    def allowed(self, user: RoleHolder) -> bool:
        return user.is_academic_staff or user.role in self.roles

    def writes_full_ids(self, user: object) -> bool:
        return self.full_ids is not None and bool(self.full_ids(user))


_REGISTRY: dict[str, Exporter] = {}


def register(
    name: str, *, title: "str | Promise", roles: tuple[str, ...] = (), full_ids: Callable[[Any], bool] | None = None
) -> Callable[[_Export], _Export]:
    def decorator(func: _Export) -> _Export:
        _REGISTRY[name] = Exporter(name=name, title=title, func=func, roles=tuple(roles), full_ids=full_ids)
        return func

    return decorator


_exports_discovered = False


def exporters() -> dict[str, Exporter]:
    global _exports_discovered
    if not _exports_discovered:
        # Once per process, as the panels: the search looks for exports.py in every app, and the
        # coordinator's page (its export links) asked on every request.
        autodiscover_modules("exports")
        _exports_discovered = True
    return dict(_REGISTRY)


_PANELS: list[tuple[int, StudentPanel]] = []
_PANEL_RELATIONS: dict[str, FilteredRelation] = {}
_PANEL_SELECT_RELATED: list[str] = []
_PANEL_ANNOTATIONS: dict[str, Callable[[], Any]] = {}
_PAGE_VALUES: dict[str, Callable[[], Any]] = {}


def student_panel(
    *,
    order: int,
    select_related: tuple[str, ...] = (),
    relations: dict[str, FilteredRelation] | None = None,
    annotations: dict[str, Callable[[], Any]] | None = None,
) -> Callable[[_Panel], _Panel]:
    """annotations: name -> a function giving an expression over the student (a Subquery with
    OuterRef("pk")), read in the home page's query of the student as an attribute of that name."""

    def decorator(func: _Panel) -> _Panel:
        _PANELS.append((order, func))
        _PANEL_RELATIONS.update(relations or {})
        _PANEL_SELECT_RELATED.extend(name for name in select_related if name not in _PANEL_SELECT_RELATED)
        _PANEL_ANNOTATIONS.update(annotations or {})
        return func

    return decorator


def student_page_value(name: str) -> Callable[[Callable[[], Any]], Callable[[], Any]]:
    """A value of the student home page's own context (the header's unread count), read as an
    expression over the student in the page's query of the student instead of a query of its
    own: the decorated function gives the expression; the page's context gets its value as `name`
    (in place of a context processor's lazy value of that name)."""

    def decorator(func: Callable[[], Any]) -> Callable[[], Any]:
        _PAGE_VALUES[name] = func
        return func

    return decorator


@dataclass(frozen=True)
class PanelReads:
    """What the student's home page reads beside the student, declared by the panels."""

    relations: dict[str, FilteredRelation]
    select_related: tuple[str, ...]
    # name -> expression: the panels' annotations and the page's values.
    annotations: dict[str, Any]
    page_values: tuple[str, ...]


def student_panel_reads() -> PanelReads:
    """What the panels read beside the student: the FilteredRelations and annotations to annotate
    the student's query with, and the relations to select_related
    (sessions_app.selectors.student_home_profile)."""
    _discover_panels()
    annotations = {name: make() for name, make in _PANEL_ANNOTATIONS.items()}
    annotations.update({name: make() for name, make in _PAGE_VALUES.items()})
    return PanelReads(
        # Copies: a query that takes a FilteredRelation writes its own state into it.
        relations={name: copy.deepcopy(relation) for name, relation in _PANEL_RELATIONS.items()},
        select_related=tuple(_PANEL_SELECT_RELATED),
        annotations=annotations,
        page_values=tuple(_PAGE_VALUES),
    )


def preloaded(student: Any, name: str) -> tuple[bool, Any]:
    """(True, the row or None if there is none) when the student's query brought `name`;
    (False, None) when the student was read without it and the panel must query it itself."""
    row = vars(student)
    if name in row:  # a FilteredRelation's row is set as a plain attribute
        return True, row[name]
    fields_cache = student._state.fields_cache
    if name in fields_cache:
        return True, fields_cache[name]
    return False, None


_STAFF_PANELS: list[tuple[int, StaffStudentPanel]] = []


def staff_student_panel(*, order: int) -> Callable[[_StaffPanel], _StaffPanel]:
    def decorator(func: _StaffPanel) -> _StaffPanel:
        _STAFF_PANELS.append((order, func))
        return func

    return decorator


_panels_discovered = False


def _discover_panels() -> None:
    global _panels_discovered
    if not _panels_discovered:
        # Once per process: for an app without panels.py, each search costs a failed import.
        autodiscover_modules("panels")
        _panels_discovered = True


def render_staff_student_panels(student: object, viewer: object) -> list[tuple[str, dict[str, Any]]]:
    _discover_panels()
    rendered = []
    for _order, func in sorted(_STAFF_PANELS, key=lambda pair: pair[0]):
        result = func(student, viewer)
        if result is not None:
            rendered.append(result)
    return rendered


def render_student_panels(student: object) -> list[tuple[str, dict[str, Any]]]:
    _discover_panels()
    rendered = []
    for _order, func in sorted(_PANELS, key=lambda pair: pair[0]):
        result = func(student)
        if result is not None:
            rendered.append(result)
    return rendered


# --- what is still open in each campaign --------------------------------------------------------
# Several campaigns are alive at once: beside this year's work, a coordinator or counselor must
# still see last year's open retakes. Each app that has such work registers, in its `panels.py`:
#
#     @open_work
#     def open_retakes(user, campaign_ids):
#         return [OpenWork(campaign_id=..., label="未完成的补拍", count=3, url="/retakes/?campaign=2021"), ...]
#
# The header's campaign switcher shows them beside each campaign. One query per function.


@dataclass(frozen=True)
class OpenWork:
    campaign_id: int
    label: str
    count: int
    url: str


OpenWorkFunc = Callable[[Any, list[int]], list[OpenWork]]
_OPEN_WORK: list[OpenWorkFunc] = []


def open_work(func: OpenWorkFunc) -> OpenWorkFunc:
    _OPEN_WORK.append(func)
    return func


def collect_open_work(user: object, campaign_ids: list[int]) -> list[OpenWork]:
    global _panels_discovered
    if not _panels_discovered:
        autodiscover_modules("panels")
        _panels_discovered = True
    found: list[OpenWork] = []
    for func in _OPEN_WORK:
        found.extend(func(user, campaign_ids))
    return found
