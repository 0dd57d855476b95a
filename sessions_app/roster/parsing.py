"""Reading a roster file row by row: normalise each cell, validate it, find duplicates.

Nothing here writes; parse_roster() only reads the file and the lookup tables, so
the staff page's preview and the command's --dry-run see exactly what an import would do.
"""

import datetime
import operator
import re
import unicodedata
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.core.validators import validate_email

from intake.messages import refused

from ..collection_codes import MAX_PAYLOAD_CHARS, code_hash, normalize_code
from ..idcard import InvalidIdNumber, gender_from_id, validate_id_number
from ..models import Campaign, Level, Student
from . import selectors
from .columns import COLUMNS
from .files import RosterFileError, Source, open_roster
from .messages import MESSAGES
from .results import RowError

# Parsed column -> Student field it is stored in (student_no is the key, stored separately).
MODEL_FIELD = {
    "name": "name",
    "gender": "gender",
    "id_number": "id_number",
    "college": "college_id",
    "major": "major",
    "class_name": "class_name",
    "level": "level",
    "campus": "campus_id",
    "phone": "phone",
    "email": "email",
    "counselor": "counselor_id",
    "counselor_name": "counselor_name",
    "collection_code": "collection_code_hash",
}

LEVELS = {
    "本科": Level.UNDERGRADUATE,
    "本科生": Level.UNDERGRADUATE,
    "普通本科": Level.UNDERGRADUATE,
    "研究生": Level.GRADUATE,
    "硕士": Level.GRADUATE,
    "博士": Level.GRADUATE,
    "硕士研究生": Level.GRADUATE,
    "博士研究生": Level.GRADUATE,
    "硕士生": Level.GRADUATE,
    "博士生": Level.GRADUATE,
    "硕士研究生(学术学位)": Level.GRADUATE,
    "专业学位硕士": Level.GRADUATE,
    "专科": Level.JUNIOR,
    "专科生": Level.JUNIOR,
    "大专": Level.JUNIOR,
    "高职": Level.JUNIOR,
    "高职专科": Level.JUNIOR,
    "高职高专": Level.JUNIOR,
    "普通专科": Level.JUNIOR,
    "专升本": Level.UNDERGRADUATE,
    "第二学士学位": Level.UNDERGRADUATE,
}
LEVELS.update({str(label): value for value, label in Level.choices})
# GB/T 2261.1: 1 male, 2 female; CHSI and most systems also write M/F.
GENDERS = {
    "男": "男",
    "男性": "男",
    "m": "男",
    "male": "男",
    "1": "男",
    "女": "女",
    "女性": "女",
    "f": "女",
    "female": "女",
    "2": "女",
}

_MAX_LENGTH = {f.name: f.max_length for f in Student._meta.concrete_fields if getattr(f, "max_length", None)}
# "王  伟": old systems pad two-character names to line up; the spaces are not part of the name.
_SPACE_BETWEEN_CJK = re.compile(r"(?<=[^\x00-\x7f])\s+(?=[^\x00-\x7f])")


# A strict subset of what Django's EmailValidator accepts, checked first because it is ten times
# cheaper; anything else still goes through the validator.
_PLAIN_EMAIL = re.compile(
    r"[A-Za-z0-9_%+-]+(?:\.[A-Za-z0-9_%+-]+)*@(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}"
)


class _Bad(Exception):
    """A cell's value is wrong: a code and the params its words are built from (messages.py)."""

    def __init__(self, code: str, **params):
        super().__init__(code)
        self.code = code
        self.params = params


@dataclass(slots=True)
class ParsedRow:
    row: int
    student_no: str
    values: tuple  # aligned with ParsedRoster.fields


@dataclass
class ParsedRoster:
    fields: list[str] = field(default_factory=list)
    rows: list[ParsedRow] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    warnings: list[RowError] = field(default_factory=list)
    data_rows: int = 0
    table: object = None  # the intake Table the rows came from
    header: object = None  # the same table once a usable header was found
    colleges: selectors.NameLookup | None = None
    campuses: selectors.NameLookup | None = None
    counselors: selectors.NameLookup | None = None
    counselors_without_account: dict[str, int] = field(default_factory=dict)

    def title(self, column: str) -> str:
        """The column's header as written in the file, so the registrar can find it."""
        if self.table is not None and column in self.table.titles:
            return self.table.titles[column]
        return next(c.label for c in COLUMNS if c.key == column)


# --- cell values -----------------------------------------------------------


def cell_text(raw) -> str:
    """A cell as text: full-width folded, whitespace runs collapsed, numbers without '.0'."""
    if raw is None:
        return ""
    if isinstance(raw, str):
        text = raw if raw.isascii() else unicodedata.normalize("NFKC", raw)
        return " ".join(text.split())
    if isinstance(raw, bool):
        return str(raw)
    if isinstance(raw, int):
        return str(raw)
    if isinstance(raw, float):
        return str(int(raw)) if raw.is_integer() else repr(raw)
    if isinstance(raw, datetime.datetime) and raw.time() == datetime.time():
        return raw.date().isoformat()
    return str(raw)


def _limit(text: str, field_name: str, label: str) -> str:
    """label: the LABELS key the message names the column by."""
    limit = _MAX_LENGTH[field_name]
    if len(text) > limit:
        raise _Bad("too_long", field=label, limit=limit, n=len(text))
    return text


def _compact(raw) -> str:
    """The cell as text with every whitespace removed ("".join(cell_text(raw).split()))."""
    if raw.__class__ is str and raw.isascii() and raw.isprintable() and " " not in raw:
        # Printable ASCII without a space has no whitespace and nothing for NFKC to fold: already compact.
        return raw
    return "".join(cell_text(raw).split())


def parse_student_no(raw) -> str:
    if isinstance(raw, float) and not raw.is_integer():
        raise _Bad("student_no_decimal", value=raw)
    text = _compact(raw)
    if not text:
        raise _Bad("student_no_empty")
    return _limit(text, "student_no", "student_no")


def parse_name(raw) -> str:
    text = cell_text(raw)
    if " " in text:  # cell_text leaves single spaces only; most names have none
        text = _SPACE_BETWEEN_CJK.sub("", text)
    if not text:
        raise _Bad("name_empty")
    return _limit(text, "name", "name")


def parse_id_number(raw, today: datetime.date | None = None) -> str:
    if isinstance(raw, datetime.date | datetime.time):
        raise _Bad("id_number_date")
    try:
        return validate_id_number(raw, today=today)
    except InvalidIdNumber as exc:
        raise _Bad("id_number_invalid", reason=exc.code, **exc.params) from None


def parse_gender(raw) -> str:
    text = cell_text(raw)
    if not text:
        return ""
    gender = GENDERS.get(text.casefold())
    if gender is None:
        raise _Bad("gender_unknown", value=text)
    return gender


def parse_level(raw, default: str) -> str:
    text = _compact(raw)
    if not text:
        return default
    level = LEVELS.get(text)
    if level is None:
        raise _Bad("level_unknown", value=text)
    return level


def parse_named(raw, lookup: selectors.NameLookup, *, what: str, required: bool) -> int | None:
    """what: the column's LABELS key (college, campus, counselor), which also picks the hint."""
    text = cell_text(raw)
    if not text:
        if required:
            raise _Bad("required_empty", field=what)
        return None
    pk = lookup.find(text)
    if pk is not None:
        return pk
    key = selectors.name_key(text)
    if key in lookup.ambiguous:
        raise _Bad("name_ambiguous", field=what, value=text, names=list(lookup.ambiguous[key]))
    raise _Bad("name_unknown", field=what, value=text, suggestion=lookup.suggest(text) or "")


def parse_phone(raw) -> str:
    return _limit(_compact(raw), "phone", "phone")


def parse_email(raw) -> str:
    text = _compact(raw)
    if not text:
        return ""
    if len(text) <= 254 and _PLAIN_EMAIL.fullmatch(text):
        return _limit(text, "email", "email")
    try:
        validate_email(text)
    except ValidationError:
        raise _Bad("email_invalid", value=text) from None
    return _limit(text, "email", "email")


def parse_collection_code(raw) -> str | None:
    """The keyed hash of the payload, normalised as the desk does (case kept); never the text."""
    text = normalize_code(cell_text(raw))
    if not text:
        return None
    if len(text) > MAX_PAYLOAD_CHARS:
        raise _Bad("too_long", field="collection_code", limit=MAX_PAYLOAD_CHARS, n=len(text))
    return code_hash(text)


def _memoized(convert):
    cache: dict = {}
    texts: dict = {}  # str cells by themselves: no other type's key equals a str, no tuple to build

    def converted(raw):
        if raw.__class__ is str:
            outcome = texts.get(raw)
            if outcome is None:
                try:
                    outcome = (True, convert(raw))
                except _Bad as exc:
                    outcome = (False, exc)
                texts[raw] = outcome
            if outcome[0]:
                return outcome[1]
            raise _Bad(outcome[1].code, **outcome[1].params)
        # Keyed by type too: 1, 1.0 and True are equal dictionary keys but different cells.
        key = (type(raw), raw)
        try:
            outcome = cache[key]
        except TypeError:
            return convert(raw)  # an unhashable cell value: nothing to share
        except KeyError:
            try:
                outcome = (True, convert(raw))
            except _Bad as exc:
                outcome = (False, exc)
            cache[key] = outcome
        if outcome[0]:
            return outcome[1]
        raise _Bad(outcome[1].code, **outcome[1].params)

    return converted


# --- the file --------------------------------------------------------------

PROGRESS_EVERY = 2000


def parse_roster(*, source: Source, campaign: Campaign, filename: str = "", progress=None) -> ParsedRoster:
    """Read and validate every row; raises files.RosterFileError if the file itself is unreadable.

    progress, when given, is called as progress(done, total) every few thousand rows.
    """
    result = ParsedRoster()
    try:
        table = open_roster(source, filename=filename)
    except RosterFileError as exc:
        if not exc.code.startswith("header_"):
            raise
        # The file was read; what is wrong is its content, listed like the rows' problems.
        result.errors.append(refused(exc))
        return result
    result.table = table
    result.warnings.extend(n.as_error() for n in table.notices)
    _check_header(table, result)
    if result.errors:
        return result
    result.header = table
    plan = _plan(table, campaign, result)
    _parse_rows(table, plan, result, progress)
    return result


def _check_header(table, result: ParsedRoster) -> None:
    for label, first, second in table.duplicates:
        result.errors.append(
            MESSAGES.error(table.header_row, second, "column_duplicate", first=first, label=str(label))
        )


@dataclass
class _Plan:
    """How each row is converted: built once per file from its header."""

    columns: list[str]
    steps: list[tuple]  # (column, position, convert, title)
    student_no_at: int
    gender_index: int
    id_index: int
    code_index: int | None
    counselor_at: int | None
    student_no_title: str = ""


def _converters(campaign: Campaign, result: ParsedRoster, counselors_present: bool) -> dict:
    colleges = result.colleges = selectors.college_lookup()
    campuses = result.campuses = selectors.campus_lookup()
    counselors = result.counselors = selectors.counselor_lookup() if counselors_present else None
    level_default = campaign.level
    today = datetime.date.today()  # once per file: a birth date after it is refused

    def counselor(raw):
        # A counselor without an account is no error: the name is kept and linked once the account exists.
        text = cell_text(raw)
        if not text or counselors.find(text) is not None or selectors.name_key(text) in counselors.ambiguous:
            return parse_named(raw, counselors, what="counselor", required=False)
        return None

    converters = {
        "name": parse_name,
        "gender": parse_gender,
        "id_number": lambda raw: parse_id_number(raw, today),
        "college": lambda raw: parse_named(raw, colleges, what="college", required=True),
        "major": lambda raw: _limit(cell_text(raw), "major", "major"),
        "class_name": lambda raw: _limit(cell_text(raw), "class_name", "class_name"),
        "level": lambda raw: parse_level(raw, level_default),
        "campus": lambda raw: parse_named(raw, campuses, what="campus", required=False),
        "phone": parse_phone,
        "email": parse_email,
        "counselor": counselor,
        "collection_code": parse_collection_code,
    }
    # Colleges, classes, levels... repeat down the file: convert each distinct cell once.
    for column in ("gender", "college", "major", "class_name", "level", "campus", "counselor"):
        converters[column] = _memoized(converters[column])
    return converters


def _plan(table, campaign: Campaign, result: ParsedRoster) -> _Plan:
    converters = _converters(campaign, result, table.has("counselor"))
    # Gender is always written: when the file has no such column (or a blank cell) it follows from the ID number.
    columns = [c.key for c in COLUMNS if c.key != "student_no" and (table.has(c.key) or c.key == "gender")]
    result.fields = [MODEL_FIELD[c] for c in columns]
    if table.has("counselor"):
        result.fields.append("counselor_name")
    steps = [(c, table.columns.get(c), converters[c], result.title(c)) for c in columns]
    return _Plan(
        columns=columns,
        steps=steps,
        student_no_at=table.columns["student_no"],
        gender_index=columns.index("gender"),
        id_index=columns.index("id_number"),
        code_index=columns.index("collection_code") if "collection_code" in columns else None,
        counselor_at=table.columns.get("counselor"),
        student_no_title=result.title("student_no"),
    )


def _convert(number: int, cells: list, plan: _Plan) -> tuple[str | None, list, list[RowError]]:
    """One row's cells as the values the model stores, and what is wrong with them."""
    errors: list[RowError] = []
    try:
        student_no = parse_student_no(cells[plan.student_no_at])
    except _Bad as exc:
        student_no = None
        errors.append(MESSAGES.error(number, plan.student_no_title, exc.code, **exc.params))
    values: list = []
    for _column, position, convert, title in plan.steps:
        try:
            values.append(convert(cells[position] if position is not None else None))
        except _Bad as exc:
            values.append(None)
            errors.append(MESSAGES.error(number, title, exc.code, **exc.params))
    if plan.counselor_at is not None:
        values.append(_limit(cell_text(cells[plan.counselor_at]), "counselor_name", "counselor") or "")
    return student_no, values, errors


def _check_gender(number: int, values: list, plan: _Plan, result: ParsedRoster) -> None:
    id_number = values[plan.id_index]
    if id_number is None:
        return
    implied = gender_from_id(id_number)
    if not values[plan.gender_index]:
        values[plan.gender_index] = implied
    elif values[plan.gender_index] != implied:
        result.warnings.append(
            MESSAGES.error(
                number, result.title("gender"), "gender_differs", given=values[plan.gender_index], implied=implied
            )
        )


class _Seen:
    """Student numbers, ID numbers and collection codes met so far in the file."""

    def __init__(self):
        self.numbers: dict[str, tuple[int, tuple, tuple | None]] = {}
        self.ids: dict[str, tuple[int, str]] = {}
        self.codes: dict[str, tuple[int, str]] = {}


def _duplicates(number, student_no, raw, values, parsed, plan: _Plan, seen: _Seen, result) -> list[RowError] | None:
    """Clashes with earlier rows; None when the row repeats an earlier one exactly (imported once)."""
    errors: list[RowError] = []
    if student_no is not None:
        earlier = seen.numbers.get(student_no)
        if earlier is not None:
            earlier_row, earlier_raw, earlier_parsed = earlier
            if earlier_raw == raw or (parsed is not None and parsed == earlier_parsed):
                # A row pasted twice says nothing new: importing it once is what the registrar meant.
                result.warnings.append(MESSAGES.error(number, None, "row_repeated", row=earlier_row))
                return None
            errors.append(
                MESSAGES.error(
                    number, result.title("student_no"), "student_no_duplicate", no=student_no, row=earlier_row
                )
            )
        else:
            seen.numbers[student_no] = (number, raw, parsed)
    id_number = values[plan.id_index]
    if id_number is not None:
        earlier = seen.ids.get(id_number)
        if earlier is not None and earlier[1] != student_no:
            errors.append(
                MESSAGES.error(number, result.title("id_number"), "id_number_duplicate", row=earlier[0], no=earlier[1])
            )
        elif earlier is None and student_no is not None:
            seen.ids[id_number] = (number, student_no)
    if plan.code_index is not None and values[plan.code_index] and student_no is not None:
        code = values[plan.code_index]
        earlier = seen.codes.get(code)
        if earlier is not None and earlier[1] != student_no:
            errors.append(
                MESSAGES.error(
                    number, result.title("collection_code"), "collection_code_duplicate", row=earlier[0], no=earlier[1]
                )
            )
        elif earlier is None:
            seen.codes[code] = (number, student_no)
    return errors


def _parse_rows(table, plan: _Plan, result: ParsedRoster, progress=None) -> None:
    positions = list(table.columns.values())
    # The row's cells in the recognised columns, as a tuple, in C (itemgetter of one index returns a value).
    pick = operator.itemgetter(*positions) if len(positions) > 1 else (lambda cells: (cells[positions[0]],))
    seen = _Seen()
    total = len(table.rows)
    for done, (number, cells) in enumerate(table.rows, start=1):
        if progress is not None and done % PROGRESS_EVERY == 0:
            progress(done, total)
        raw = pick(cells)
        first = raw[0]
        # A filled first cell settles it without the generator (the common row).
        if (first is None or (isinstance(first, str) and not first.strip())) and all(
            v is None or (isinstance(v, str) and not v.strip()) for v in raw
        ):
            continue
        result.data_rows += 1
        student_no, values, row_errors = _convert(number, cells, plan)
        _check_gender(number, values, plan, result)
        parsed = tuple(values) if not row_errors else None
        clashes = _duplicates(number, student_no, raw, values, parsed, plan, seen, result)
        if clashes is None:
            continue
        row_errors.extend(clashes)
        if plan.counselor_at is not None and values[-1] and values[plan.columns.index("counselor")] is None:
            _counselor_of_college(values, plan, result)
        if plan.counselor_at is not None and values[-1] and values[plan.columns.index("counselor")] is None:
            if not any(e.column == result.title("counselor") for e in row_errors):
                name = values[-1]
                result.counselors_without_account[name] = result.counselors_without_account.get(name, 0) + 1
        if row_errors:
            result.errors.extend(row_errors)
            continue
        result.rows.append(ParsedRow(number, student_no, tuple(values)))
    if progress is not None:
        progress(total, total)
    _counselor_notices(result)


def _counselor_of_college(values: list, plan: _Plan, result: ParsedRoster) -> None:
    """A name the roster gives is that college's counselor of the name, never another college's."""
    if result.counselors is None:
        return
    college = values[plan.columns.index("college")]
    pk = result.counselors.college_names.get((college, selectors.name_key(values[-1])))
    if pk is not None:
        values[plan.columns.index("counselor")] = pk


def _counselor_notices(result: ParsedRoster) -> None:
    for name, count in sorted(result.counselors_without_account.items()):
        suggestion = result.counselors.suggest(name) if result.counselors else None
        result.warnings.append(
            MESSAGES.error(
                None,
                result.title("counselor"),
                "counselor_without_account",
                name=name,
                n=count,
                suggestion=suggestion or "",
            )
        )
