"""Reading a roster file row by row: normalise each cell, validate it, find duplicates.

Nothing here writes; parse_roster() only reads the file and the lookup tables, so
the staff page's preview and the command's --dry-run see exactly what an import would do.
"""

import datetime
import re
import unicodedata
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ..idcard import InvalidIdNumber, gender_from_id, validate_id_number
from ..models import Campaign, Level, Student
from . import selectors
from .columns import COLUMNS, HeaderMap, describe_expected, map_headers, recognised_count
from .files import Source, open_first_sheet
from .results import RowError

# Title rows above the header ("2021届毕业生名单") are common; look this far down for it.
HEADER_SEARCH_ROWS = 10

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
    "collection_code": "collection_code",
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
}
GENDERS = {"男": "男", "男性": "男", "m": "男", "male": "男", "女": "女", "女性": "女", "f": "女", "female": "女"}

# Lazy, so the happy path never pays for a translation lookup; they are only rendered into error messages.
LABELS = {
    "student_no": gettext_lazy("学号"),
    "name": gettext_lazy("姓名"),
    "major": gettext_lazy("专业"),
    "class_name": gettext_lazy("班级"),
    "phone": gettext_lazy("手机号"),
    "email": gettext_lazy("邮箱"),
    "collection_code": gettext_lazy("采集码"),
    "college": gettext_lazy("学院"),
    "campus": gettext_lazy("校区"),
    "counselor": gettext_lazy("辅导员"),
}
_MAX_LENGTH = {f.name: f.max_length for f in Student._meta.concrete_fields if getattr(f, "max_length", None)}
# "王  伟": old systems pad two-character names to line up; the spaces are not part of the name.
_SPACE_BETWEEN_CJK = re.compile(r"(?<=[^\x00-\x7f])\s+(?=[^\x00-\x7f])")


class _Bad(Exception):
    """A cell's value is wrong; the message says why, in words the registrar can act on."""


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
    header: HeaderMap | None = None
    colleges: selectors.NameLookup | None = None
    campuses: selectors.NameLookup | None = None
    counselors: selectors.NameLookup | None = None

    def title(self, column: str) -> str:
        """The column's header as written in the file, so the registrar can find it."""
        if self.header is not None and column in self.header.titles:
            return self.header.titles[column]
        return next(c.label for c in COLUMNS if c.field == column)


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
    limit = _MAX_LENGTH[field_name]
    if len(text) > limit:
        raise _Bad(
            _("%(label)s 最长 %(limit)s 个字符，这里有 %(n)s 个") % {"label": label, "limit": limit, "n": len(text)}
        )
    return text


def parse_student_no(raw) -> str:
    if isinstance(raw, float) and not raw.is_integer():
        raise _Bad(_("学号是带小数的数字（%(value)s）：请把学号列设为文本格式后重新填写") % {"value": raw})
    text = "".join(cell_text(raw).split())
    if not text:
        raise _Bad(_("学号为空"))
    return _limit(text, "student_no", LABELS["student_no"])


def parse_name(raw) -> str:
    text = _SPACE_BETWEEN_CJK.sub("", cell_text(raw))
    if not text:
        raise _Bad(_("姓名为空"))
    return _limit(text, "name", LABELS["name"])


def parse_id_number(raw) -> str:
    if isinstance(raw, datetime.date | datetime.time):
        raise _Bad(_("身份证号单元格是日期格式，内容已被 Excel 改变：请把该列设为文本格式后重新填写"))
    try:
        return validate_id_number(raw)
    except InvalidIdNumber as exc:
        raise _Bad(str(exc)) from None


def parse_gender(raw) -> str:
    text = cell_text(raw)
    if not text:
        return ""
    gender = GENDERS.get(text.casefold())
    if gender is None:
        raise _Bad(_("性别“%(value)s”无法识别：请填写“男”或“女”，或留空（按身份证号判断）") % {"value": text})
    return gender


def parse_level(raw, default: str) -> str:
    text = "".join(cell_text(raw).split())
    if not text:
        return default
    level = LEVELS.get(text)
    if level is None:
        raise _Bad(
            _("层次“%(value)s”无法识别：请填写“本科”或“研究生”（也可写硕士、博士、硕士研究生、博士研究生）")
            % {"value": text}
        )
    return level


def parse_named(raw, lookup: selectors.NameLookup, *, what: str, required: bool, hint: str) -> int | None:
    text = cell_text(raw)
    if not text:
        if required:
            raise _Bad(_("%(what)s为空") % {"what": what})
        return None
    pk = lookup.find(text)
    if pk is not None:
        return pk
    key = selectors.name_key(text)
    if key in lookup.ambiguous:
        raise _Bad(
            _("“%(value)s”同时对应 %(names)s，无法确定是哪一个：%(fix)s")
            % {
                "value": text,
                "names": "、".join(f"“{n}”" for n in lookup.ambiguous[key]),
                "fix": lookup.ambiguous_fix,
            }
        )
    suggestion = lookup.suggest(text)
    reason = _("%(what)s“%(value)s”不在系统中") % {"what": what, "value": text}
    if suggestion:
        reason += _("，是不是“%(suggestion)s”？") % {"suggestion": suggestion}
    else:
        reason += _("。")
    raise _Bad(reason + str(hint))


def parse_phone(raw) -> str:
    return _limit("".join(cell_text(raw).split()), "phone", LABELS["phone"])


def parse_email(raw) -> str:
    text = "".join(cell_text(raw).split())
    if not text:
        return ""
    try:
        validate_email(text)
    except ValidationError:
        raise _Bad(_("邮箱“%(value)s”格式不正确") % {"value": text}) from None
    return _limit(text, "email", LABELS["email"])


def parse_collection_code(raw) -> str | None:
    text = "".join(cell_text(raw).split())
    return _limit(text, "collection_code", LABELS["collection_code"]) if text else None


def _memoized(convert):
    cache: dict = {}

    def converted(raw):
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
        raise _Bad(str(outcome[1]))

    return converted


# --- the file --------------------------------------------------------------


def parse_roster(*, source: Source, campaign: Campaign) -> ParsedRoster:
    """Read and validate every row; raises files.RosterFileError if the file itself is unreadable."""
    result = ParsedRoster()
    with open_first_sheet(source) as sheet:
        if sheet.other_sheets:
            result.warnings.append(
                RowError(
                    None,
                    None,
                    _("工作簿有多个工作表，只读取了第一个“%(first)s”，未读取：%(others)s")
                    % {"first": sheet.title, "others": "、".join(sheet.other_sheets)},
                )
            )
        header = _find_header(sheet.rows, result)
        if header is None or result.errors:
            return result
        result.header = header
        _parse_rows(sheet.rows, header, campaign, result)
    return result


def _find_header(rows, result: ParsedRoster) -> HeaderMap | None:
    first_seen: tuple[int, tuple] | None = None
    for number, values in enumerate(rows, start=1):
        if first_seen is None and any(v is not None and str(v).strip() for v in values):
            first_seen = (number, values)
        if recognised_count(values) >= 2:
            header = map_headers(values, row=number)
            _check_header(header, result)
            return header
        if number >= HEADER_SEARCH_ROWS:
            break
    found = ""
    if first_seen is not None:
        titles = [str(v).strip() for v in first_seen[1] if v is not None and str(v).strip()]
        found = _("第 %(row)s 行是：%(titles)s。") % {"row": first_seen[0], "titles": "、".join(titles)}
    result.errors.append(
        RowError(
            None,
            None,
            _("前 %(n)s 行中没有找到表头（如“学号”“姓名”“身份证号”“学院”）。%(found)s%(expected)s")
            % {"n": HEADER_SEARCH_ROWS, "found": found, "expected": describe_expected()},
        )
    )
    return None


def _check_header(header: HeaderMap, result: ParsedRoster) -> None:
    missing = header.missing()
    if missing:
        result.errors.append(
            RowError(
                header.row,
                None,
                _("缺少必需的列：%(missing)s。表头是：%(found)s。%(expected)s")
                % {
                    "missing": "、".join(c.label for c in missing),
                    "found": "、".join(list(header.titles.values()) + header.unknown),
                    "expected": describe_expected(),
                },
            )
        )
    for label, first, second in header.duplicates:
        result.errors.append(
            RowError(
                header.row,
                second,
                _("与“%(first)s”列都表示%(label)s，无法确定用哪一列：请删除其中一列")
                % {"first": first, "label": label},
            )
        )
    if header.unknown:
        result.warnings.append(
            RowError(
                header.row,
                None,
                _("以下列不是名单所需的信息，已忽略：%(unknown)s") % {"unknown": "、".join(header.unknown)},
            )
        )


def _parse_rows(rows, header: HeaderMap, campaign: Campaign, result: ParsedRoster) -> None:
    colleges = result.colleges = selectors.college_lookup()
    campuses = result.campuses = selectors.campus_lookup()
    counselors = result.counselors = selectors.counselor_lookup() if "counselor" in header.positions else None
    college_hint = gettext_lazy("请核对学院名称，或由教务处在管理后台给该学院添加别名")
    campus_hint = gettext_lazy("请核对校区名称，或在管理后台给该校区添加别名")
    counselor_hint = gettext_lazy("请填写辅导员的姓名或工号（登录用户名），或先在管理后台创建该辅导员账号")
    level_default = campaign.level

    converters = {
        "name": parse_name,
        "gender": parse_gender,
        "id_number": parse_id_number,
        "college": lambda raw: parse_named(raw, colleges, what=LABELS["college"], required=True, hint=college_hint),
        "major": lambda raw: _limit(cell_text(raw), "major", LABELS["major"]),
        "class_name": lambda raw: _limit(cell_text(raw), "class_name", LABELS["class_name"]),
        "level": lambda raw: parse_level(raw, level_default),
        "campus": lambda raw: parse_named(raw, campuses, what=LABELS["campus"], required=False, hint=campus_hint),
        "phone": parse_phone,
        "email": parse_email,
        "counselor": lambda raw: parse_named(
            raw, counselors, what=LABELS["counselor"], required=False, hint=counselor_hint
        ),
        "collection_code": parse_collection_code,
    }
    # Colleges, classes, levels... repeat down the file: convert each distinct cell once.
    for column in ("gender", "college", "major", "class_name", "level", "campus", "counselor"):
        converters[column] = _memoized(converters[column])
    # Gender is always written: when the file has no such column (or a blank cell) it follows from the ID number.
    columns = [
        c.field for c in COLUMNS if c.field != "student_no" and (c.field in header.positions or c.field == "gender")
    ]
    result.fields = [MODEL_FIELD[c] for c in columns]
    plan = [(c, header.positions.get(c), converters[c], result.title(c)) for c in columns]
    student_no_at = header.positions["student_no"]
    student_no_title = result.title("student_no")
    gender_index = columns.index("gender")
    id_index = columns.index("id_number")
    code_index = columns.index("collection_code") if "collection_code" in columns else None
    width = max(header.positions.values()) + 1

    seen_no: dict[str, tuple[int, tuple, tuple | None]] = {}
    seen_id: dict[str, tuple[int, str]] = {}
    seen_code: dict[str, tuple[int, str]] = {}
    errors, warnings = result.errors, result.warnings
    id_title = result.title("id_number")

    for number, raw_row in enumerate(rows, start=header.row + 1):
        if len(raw_row) < width:
            raw_row = raw_row + (None,) * (width - len(raw_row))
        raw = tuple(raw_row[i] for i in header.positions.values())
        if all(v is None or (isinstance(v, str) and not v.strip()) for v in raw):
            continue
        result.data_rows += 1
        row_errors: list[RowError] = []
        try:
            student_no = parse_student_no(raw_row[student_no_at])
        except _Bad as exc:
            student_no = None
            row_errors.append(RowError(number, student_no_title, str(exc)))
        values: list = []
        for _column, position, convert, title in plan:
            try:
                values.append(convert(raw_row[position] if position is not None else None))
            except _Bad as exc:
                values.append(None)
                row_errors.append(RowError(number, title, str(exc)))
        id_number = values[id_index]
        if id_number is not None:
            implied = gender_from_id(id_number)
            if not values[gender_index]:
                values[gender_index] = implied
            elif values[gender_index] != implied:
                warnings.append(
                    RowError(
                        number,
                        result.title("gender"),
                        _("填的是“%(given)s”，但身份证号表示“%(implied)s”：已按表格导入，请核对")
                        % {"given": values[gender_index], "implied": implied},
                    )
                )
        parsed = tuple(values) if not row_errors else None

        if student_no is not None:
            earlier = seen_no.get(student_no)
            if earlier is not None:
                earlier_row, earlier_raw, earlier_parsed = earlier
                if earlier_raw == raw or (parsed is not None and parsed == earlier_parsed):
                    # A row pasted twice says nothing new: importing it once is what the registrar meant.
                    warnings.append(
                        RowError(number, None, _("与第 %(row)s 行完全相同，只导入一次") % {"row": earlier_row})
                    )
                    continue
                row_errors.append(
                    RowError(
                        number,
                        student_no_title,
                        _("学号 %(no)s 与第 %(row)s 行重复，但两行内容不同：请删除或改正其中一行")
                        % {"no": student_no, "row": earlier_row},
                    )
                )
            else:
                seen_no[student_no] = (number, raw, parsed)
        if id_number is not None:
            earlier = seen_id.get(id_number)
            if earlier is not None and earlier[1] != student_no:
                row_errors.append(
                    RowError(
                        number,
                        id_title,
                        _("身份证号与第 %(row)s 行（学号 %(no)s）重复：同一个人不能有两个学号")
                        % {"row": earlier[0], "no": earlier[1]},
                    )
                )
            elif earlier is None and student_no is not None:
                seen_id[id_number] = (number, student_no)
        if code_index is not None and values[code_index] and student_no is not None:
            code = values[code_index]
            earlier = seen_code.get(code)
            if earlier is not None and earlier[1] != student_no:
                row_errors.append(
                    RowError(
                        number,
                        result.title("collection_code"),
                        _("采集码与第 %(row)s 行（学号 %(no)s）重复") % {"row": earlier[0], "no": earlier[1]},
                    )
                )
            elif earlier is None:
                seen_code[code] = (number, student_no)

        if row_errors:
            errors.extend(row_errors)
        else:
            result.rows.append(ParsedRow(number, student_no, tuple(values)))
