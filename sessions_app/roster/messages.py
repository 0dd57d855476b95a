"""The words of every roster import problem, built from its code and params when shown.

Parsing and the import keep (row, column, code, params); the preview page, the command,
the error workbook and a background job's page all put them into words here, in the
language of whoever reads them (a job's stored errors hold no sentence).
"""

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from core.formatting import clauses, joined
from intake.errors import Messages
from intake.messages import INTAKE

from .. import idcard

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
# The Student fields an update can change, as the preview names them.
CHANGE_LABELS = {
    "name": gettext_lazy("姓名"),
    "gender": gettext_lazy("性别"),
    "id_number": gettext_lazy("身份证号"),
    "college_id": gettext_lazy("学院"),
    "major": gettext_lazy("专业"),
    "class_name": gettext_lazy("班级"),
    "level": gettext_lazy("层次"),
    "campus_id": gettext_lazy("校区"),
    "phone": gettext_lazy("手机号"),
    "email": gettext_lazy("邮箱"),
    "counselor_id": gettext_lazy("辅导员"),
    "counselor_name": gettext_lazy("辅导员姓名"),
    "collection_code_hash": gettext_lazy("采集码"),
}
# What to write instead when a name is shared, and how to fix a name the system does not know.
_AMBIGUOUS_FIX = {"counselor": gettext_lazy("请改填辅导员工号（登录用户名）")}
_UNKNOWN_HINT = {
    "college": gettext_lazy("请核对学院名称，或由教务处在管理后台给该学院添加别名"),
    "campus": gettext_lazy("请核对校区名称，或在管理后台给该校区添加别名"),
}


def import_counts(*, created: int, updated: int, unchanged: int) -> str:
    """'新增 2 人，更新 0 人，未变 1 人' (the preview, the import's result, its audit row), plural per count."""
    return clauses(
        ngettext("新增 %(n)s 人", "新增 %(n)s 人", created) % {"n": created},
        ngettext("更新 %(n)s 人", "更新 %(n)s 人", updated) % {"n": updated},
        ngettext("未变 %(n)s 人", "未变 %(n)s 人", unchanged) % {"n": unchanged},
    )


def _label(params) -> str:
    return str(LABELS[params["field"]])


def _too_long(p) -> str:
    return ngettext(
        "%(label)s 最长 %(limit)s 个字符，这里有 %(n)s 个",
        "%(label)s 最长 %(limit)s 个字符，这里有 %(n)s 个",
        p["n"],
    ) % {"label": _label(p), "limit": p["limit"], "n": p["n"]}


def _ambiguous(p) -> str:
    return _("“%(value)s”同时对应 %(names)s，无法确定是哪一个：%(fix)s") % {
        "value": p["value"],
        "names": joined((f"“{n}”" for n in p["names"]), "、"),
        "fix": _AMBIGUOUS_FIX.get(p["field"], gettext_lazy("请写全称")),
    }


def _unknown(p) -> str:
    reason = _("%(what)s“%(value)s”不在系统中") % {"what": _label(p), "value": p["value"]}
    if p.get("suggestion"):
        reason += _("，是不是“%(suggestion)s”？") % {"suggestion": p["suggestion"]}
    else:
        reason += _("。")
    return reason + str(_UNKNOWN_HINT.get(p["field"], ""))


def _counselor_without_account(p) -> str:
    message = ngettext(
        "辅导员“%(name)s”（%(n)s 名学生）还没有账号：学生会记下这个姓名，账号创建后自动关联",
        "辅导员“%(name)s”（%(n)s 名学生）还没有账号：学生会记下这个姓名，账号创建后自动关联",
        p["n"],
    ) % {"name": p["name"], "n": p["n"]}
    if p.get("suggestion"):
        message += _("；如果是“%(suggestion)s”，请改正名单") % {"suggestion": p["suggestion"]}
    return message


def _not_in_file(p) -> str:
    return ngettext(
        "本批次已有 %(n)s 名学生不在这份名单中：导入不会删除他们，如需删除请在管理后台操作",
        "本批次已有 %(n)s 名学生不在这份名单中：导入不会删除他们，如需删除请在管理后台操作",
        p["n"],
    ) % {"n": p["n"]}


MESSAGES = Messages(
    {
        "too_long": _too_long,
        "student_no_decimal": gettext_lazy("学号是带小数的数字（%(value)s）：请把学号列设为文本格式后重新填写"),
        "student_no_empty": gettext_lazy("学号为空"),
        "name_empty": gettext_lazy("姓名为空"),
        "id_number_date": gettext_lazy("身份证号单元格是日期格式，内容已被 Excel 改变：请把该列设为文本格式后重新填写"),
        # params: the idcard reason code and its own params.
        "id_number_invalid": lambda p: idcard.MESSAGES.text(p["reason"], p),
        "gender_unknown": gettext_lazy(
            "性别“%(value)s”无法识别：请填写“男”“女”（或 1、2，M、F），或留空（按身份证号判断）"
        ),
        "level_unknown": gettext_lazy(
            "层次“%(value)s”无法识别：请填写“本科”“专科”或“研究生”（也可写硕士、博士、高职、大专）"
        ),
        "required_empty": lambda p: _("%(what)s为空") % {"what": _label(p)},
        "name_ambiguous": _ambiguous,
        "name_unknown": _unknown,
        "email_invalid": gettext_lazy("邮箱“%(value)s”格式不正确"),
        "gender_differs": gettext_lazy("填的是“%(given)s”，但身份证号表示“%(implied)s”：已按表格导入，请核对"),
        "row_repeated": gettext_lazy("与第 %(row)s 行完全相同，只导入一次"),
        "student_no_duplicate": gettext_lazy("学号 %(no)s 与第 %(row)s 行重复，但两行内容不同：请删除或改正其中一行"),
        "id_number_duplicate": gettext_lazy("身份证号与第 %(row)s 行（学号 %(no)s）重复：同一个人不能有两个学号"),
        "collection_code_duplicate": gettext_lazy("采集码与第 %(row)s 行（学号 %(no)s）重复"),
        "column_duplicate": gettext_lazy("与“%(first)s”列都表示%(label)s，无法确定用哪一列：请删除其中一列"),
        "counselor_without_account": _counselor_without_account,
        "write_conflict": gettext_lazy("写入时与其他人同时进行的修改冲突，未写入任何数据：请重新导入"),
        "id_number_taken": gettext_lazy(
            "该身份证号已属于本批次中学号为 %(no)s 的学生：同一个人不能有两个学号，请核对学号或身份证号"
        ),
        "collection_code_taken": gettext_lazy("该采集码已属于本批次中学号为 %(no)s 的学生"),
        "not_in_file": _not_in_file,
    },
    name="sessions_app.roster.messages",
    base=INTAKE,
    examples={
        "too_long": {"field": "name", "limit": 30, "n": 31},
        "required_empty": {"field": "name"},
        "name_unknown": {"field": "college", "value": "X", "suggestion": "Y"},
        "counselor_without_account": {"name": "Wang", "n": 3, "suggestion": "Wang Li"},
        "not_in_file": {"n": 2},
        "id_number_invalid": {"reason": "id_length", "n": 17},
    },
)
