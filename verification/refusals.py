"""The words of VerificationError's codes (the online-check rules' refusals), from their params.

Params are plain JSON: a student's name as on the roster, a report's id, choice codes (worded
here by their labels when shown).
"""

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.words import Words

from .models import ProblemType, ReportStatus

WORDS = Words(
    {
        "not_own_record": gettext_lazy("只能处理你本人的网上校对和反馈"),
        "role_forbidden": gettext_lazy("只有学院负责老师和教务处可以上报问题"),
        "out_of_scope": gettext_lazy("%(name)s 不属于你负责的学院，不能处理其反馈"),
        "staff_only": gettext_lazy("只有教务处可以标记问题处理完毕"),
        "not_captured": gettext_lazy("你还没有有效的采集记录，采集后才需要网上校对"),
        "report_open": lambda p: (
            _("你反馈的“%(problem)s”还在处理中，请等处理完毕、学信网上的信息改正后再确认")
            % {"problem": ProblemType(p["problem"]).label}
        ),
        "not_confirmed": gettext_lazy("你还没有确认过，无需撤回"),
        "confirmation_not_students": gettext_lazy("这条确认来自学信网导入或教务处，不能由你撤回；如有问题请反馈"),
        "withdraw_too_late": gettext_lazy("确认只能在当天撤回；如照片或信息有问题，请在下方反馈"),
        "problem_type_missing": gettext_lazy("请选择问题类型"),
        "description_missing": gettext_lazy("请写明哪一项信息有误或照片有什么问题，学院负责老师需要据此上报"),
        "already_reported": gettext_lazy("这个问题你已经反馈过，正在处理中，请查看下方的处理进度"),
        "not_escalated_type": gettext_lazy("这类问题由学生在学信网自行处理，不需要上报"),
        "not_forwardable": lambda p: (
            _("只有待学院处理的问题可以上报，当前状态：%(s)s") % {"s": ReportStatus(p["status"]).label}
        ),
        "resolution_missing": gettext_lazy("请填写处理结果，学生会看到这段说明"),
        "already_resolved": gettext_lazy("这个问题已经处理完毕"),
    },
    name="verification.refusals",
    examples={
        "report_open": {"problem": ProblemType.values[0], "report_id": 1},
        "not_forwardable": {"status": ReportStatus.values[0]},
    },
)
