"""The words of this app's refusals (CloneError, CounselorAccountError, ShotError, PhaseError,
CollectionCodeError), made from their code and params when shown.

One registry per error class: the codes are each class's own (several say "staff_only", each for
its own action). CaptureError's words are in capture_refusals.py. Nothing here imports a model,
so every module of the app may import it.
"""

from django.utils.translation import gettext_lazy

from core.words import Words

CLONE = Words(
    {
        "staff_only": gettext_lazy("只有教务处可以新建采集批次"),
        "missing": gettext_lazy("请填写新批次的代码和名称"),
        "bad_year": gettext_lazy("首个采集日应在 %(first)s 年到 %(last)s 年之间，请检查年份"),
        "code_taken": gettext_lazy("批次代码 %(code)s 已被使用，请换一个"),
    },
    name="sessions_app.refusals clone",
    examples={"bad_year": {"year": 1, "first": 2000, "last": 2100}, "code_taken": {"code": "2027"}},
)

COUNSELOR_ACCOUNTS = Words(
    {"staff_only": gettext_lazy("只有教务处可以创建辅导员账号")},
    name="sessions_app.refusals counselor accounts",
)

SHOTS = Words(
    {
        "shot_role_refused": gettext_lazy("只有教务处或采集台操作员可以处理拍摄号"),
        "shot_other_group": gettext_lazy("这个拍摄号不属于你负责的采集组"),
        "reason_missing": gettext_lazy("请填写原因"),
        "capture_undone": gettext_lazy("这次采集已撤销，拍摄号随之作废，无需再处理"),
        "shot_already_voided": gettext_lazy("这个拍摄号已经作废了"),
        "shot_superseded": gettext_lazy("这名学生已有新的拍摄号 %(number)s，请处理那个号"),
    },
    name="sessions_app.refusals shots",
    examples={"shot_superseded": {"number": 12}},
)

PHASES = Words(
    {
        "staff_only": gettext_lazy("只有教务处可以设定批次阶段"),
        "unknown_phase": gettext_lazy("没有这个阶段"),
        "reason_required": gettext_lazy("请写明设定阶段的原因"),
    },
    name="sessions_app.refusals phases",
)

COLLECTION_CODES = Words(
    {
        "not_decoded": gettext_lazy("未能识别二维码：请在学信网长按保存原图（不要截图），再上传保存的图片"),
        "empty": gettext_lazy("没有收到图片：请选择在学信网保存的采集码图片"),
        "too_large": gettext_lazy("图片太大（超过 %(mb)s MB）：请上传在学信网保存的采集码原图"),
        "too_many_pixels": gettext_lazy("图片尺寸过大：请上传在学信网保存的采集码原图"),
        "not_an_image": gettext_lazy("无法读取这张图片：请上传 JPG 或 PNG 格式的采集码图片"),
        "several_codes": gettext_lazy("图片中有多个二维码：请只上传本人的采集码"),
        "not_a_code": gettext_lazy("这不是学信网采集码：请上传在学信网下载的采集码"),
        "taken": gettext_lazy("该采集码已被其他学生绑定，请联系辅导员或教务处"),
        "conflict": gettext_lazy("绑定时与其他操作冲突，未保存：请重新上传"),
        "not_own_record": gettext_lazy("只能绑定本人的采集码"),
        "not_enabled": gettext_lazy("本批次不使用学信网采集码，无需绑定"),
        "not_allowed": gettext_lazy("只有教务处和学院负责老师可以清除采集码绑定"),
        "out_of_scope": gettext_lazy("只能处理本学院的学生"),
        "reason_missing": gettext_lazy("清除绑定必须填写原因"),
        "not_bound": gettext_lazy("这名学生没有绑定采集码"),
    },
    name="sessions_app.refusals collection codes",
    examples={"too_large": {"mb": 10}},
)
