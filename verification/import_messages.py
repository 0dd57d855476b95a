"""The words of every CHSI status import problem, built from its code and params when shown.

The import keeps (row, column, code, params); its page, the error workbook and a background
job's page put them into words here, in the reader's language.
"""

from django.utils.translation import gettext_lazy, ngettext

from core.formatting import clauses
from intake.errors import Messages
from intake.messages import INTAKE
from sessions_app import idcard

MESSAGES = Messages(
    {
        # params: the idcard reason code and its own params
        "id_number_invalid": lambda p: idcard.MESSAGES.text(p["reason"], p),
        "student_missing": gettext_lazy("学号和身份证号都为空"),
        "status_unknown": gettext_lazy("无法识别的状态“%(value)s”，应为“正确”“信息有误”“未校对”（或“已确认”“未确认”）"),
        "row_duplicate": gettext_lazy("与第 %(first)s 行重复"),
        "no_rows": gettext_lazy("表头下面没有数据行"),
        # who: the student number, or the ID number masked (never in full)
        "student_unknown": gettext_lazy("%(who)s 不在本批次名单中，不会导入"),
        "not_captured": gettext_lazy("%(who)s 没有有效的采集记录，不会导入"),
        "student_repeated": gettext_lazy("与前面某行是同一名学生"),
    },
    name="verification.import_messages",
    base=INTAKE,
    examples={"id_number_invalid": {"reason": "id_length", "n": 17}},
)


def plan_counts(*, confirm: int, unconfirm: int, report: int, unchanged: int, unmatched: int, done: bool) -> str:
    """What an import did (done) or would do, one clause per count, each with its plural forms."""
    if done:
        parts = [
            ngettext("%(n)s 人标记为已确认", "%(n)s 人标记为已确认", confirm) % {"n": confirm},
            ngettext("%(n)s 人撤销确认", "%(n)s 人撤销确认", unconfirm) % {"n": unconfirm},
            ngettext("%(n)s 人登记“信息有误”问题反馈", "%(n)s 人登记“信息有误”问题反馈", report) % {"n": report},
        ]
    else:
        parts = [
            ngettext("将标记已确认 %(n)s 人", "将标记已确认 %(n)s 人", confirm) % {"n": confirm},
            ngettext("将撤销确认 %(n)s 人", "将撤销确认 %(n)s 人", unconfirm) % {"n": unconfirm},
            ngettext("将登记“信息有误”问题反馈 %(n)s 人", "将登记“信息有误”问题反馈 %(n)s 人", report) % {"n": report},
        ]
    parts.append(ngettext("%(n)s 人未变", "%(n)s 人未变", unchanged) % {"n": unchanged})
    parts.append(ngettext("%(n)s 行未匹配（未导入）", "%(n)s 行未匹配（未导入）", unmatched) % {"n": unmatched})
    return clauses(*parts)
