"""The reads a roster import needs; each is one query, whatever the file's size."""

import difflib
import unicodedata
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy

from accounts.models import Role

from ..models import Campaign, Campus, College, Student

if TYPE_CHECKING:  # a development dependency: the checker's name for a lazy translation
    from django_stubs_ext import StrPromise


def name_key(value: object) -> str:
    """How names are compared: full-width folded, spaces dropped, case ignored."""
    return "".join(unicodedata.normalize("NFKC", str(value or "")).split()).casefold()


_SHARED_SUFFIXES = ("学院", "校区", "分院", "书院", "学部", "系")


def _stem(key: str) -> str:
    for suffix in _SHARED_SUFFIXES:
        if key.endswith(suffix) and len(key) > len(suffix):
            return key[: -len(suffix)]
    return key


@dataclass
class NameLookup:
    """Names and aliases -> id, with the closest known name for a typo."""

    # What to write instead when a name is shared (two colleges with one alias, two counselors named 李老师).
    ambiguous_fix: "str | StrPromise" = gettext_lazy("请写全称")
    ids: dict[str, int] = field(default_factory=dict)
    display: dict[int, str] = field(default_factory=dict)
    ambiguous: dict[str, list[str]] = field(default_factory=dict)
    _canonical: dict[str, str] = field(default_factory=dict)
    _suggestions: dict[str, str | None] = field(default_factory=dict)
    # (college id, name key) -> id, for names that hold only within a college (None: two share it).
    college_names: dict[tuple[int, str], int | None] = field(default_factory=dict)

    def add(self, pk: int, display: str, *names: str) -> None:
        self.display[pk] = display
        for name in names:
            key = name_key(name)
            if not key:
                continue
            owner = self.ids.get(key)
            if owner is not None and owner != pk:
                self.ambiguous.setdefault(key, [self.display[owner]]).append(display)
            else:
                self.ids[key] = pk
                self._canonical[key] = display

    def find(self, value: object) -> int | None:
        key = name_key(value)
        if key in self.ambiguous:
            return None
        return self.ids.get(key)

    def suggest(self, value: object) -> str | None:
        key = name_key(value)
        if key not in self._suggestions:
            # Compared without the suffix every name shares: "经济学院" is not "机电学院" because both end in 学院.
            stems = {_stem(k): k for k in self._canonical}
            close = difflib.get_close_matches(_stem(key), list(stems), n=1, cutoff=0.6) if _stem(key) else []
            self._suggestions[key] = self._canonical[stems[close[0]]] if close else None
        return self._suggestions[key]


def college_lookup() -> NameLookup:
    lookup = NameLookup()
    for college in College.objects.only("id", "name", "aliases"):
        lookup.add(college.pk, college.name, college.name, *college.alias_list())
    return lookup


def campus_lookup() -> NameLookup:
    lookup = NameLookup()
    for campus in Campus.objects.only("id", "name", "aliases"):
        lookup.add(campus.pk, campus.name, campus.name, *campus.alias_list())
    return lookup


def counselor_lookup() -> NameLookup:
    """Counselors by staff number (username) or by name; a username wins over someone's name.

    A counselor whose account names their colleges answers to their name only in those colleges
    (`college_names`, read by the import once it knows the row's college): two colleges may each
    have their own 同名老师.
    """
    lookup = NameLookup(ambiguous_fix=gettext_lazy("请改填辅导员工号（登录用户名）"))
    users = get_user_model().objects.filter(role=Role.COUNSELOR, is_active=True)
    rows = list(users.order_by("pk").values_list("pk", "username", "display_name"))
    bound: dict[int, list[int]] = {}
    for pk, college_id in users.filter(colleges__isnull=False).values_list("pk", "colleges"):
        bound.setdefault(pk, []).append(college_id)
    for pk, username, display_name in rows:
        shown = f"{display_name}（{username}）" if display_name else username
        if pk in bound:
            lookup.add(pk, shown)
            for college_id in bound[pk]:
                pair = (college_id, name_key(display_name))
                # Two accounts of one name in one college: neither is picked by name.
                lookup.college_names[pair] = None if pair in lookup.college_names else pk
        else:
            lookup.add(pk, shown, display_name)
    # Usernames are unique, so they override any clash among display names.
    for pk, username, _display_name in rows:
        key = name_key(username)
        lookup.ambiguous.pop(key, None)
        lookup.ids[key] = pk
        lookup._canonical[key] = lookup.display[pk]
    return lookup


def existing_students(*, campaign: Campaign, fields: list[str]) -> list[tuple[Any, ...]]:
    """(pk, student_no, *fields) of every student in the campaign, in one query."""
    return list(Student.objects.filter(campaign=campaign).order_by().values_list("pk", "student_no", *fields))
