"""The words of the retake rules' refusals (RetakeError codes), made from their params when shown.

A refusal keeps (code, params) only, so a background job (the batch import, the photo export)
stores them and its page puts them into words in the reader's language. Params are plain JSON:
status codes, a name as written on the roster, an ISO time, figures.
"""

import datetime

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext

from core import formatting
from core.words import Words

from .models import Status
from .photo_check.messages import FINDINGS


def _role_forbidden(p) -> str:
    if p.get("what") == "paper":
        return _("只有辅导员或教务处可以登记纸质照片")
    if p.get("what") == "batch":
        return _("只有教务处和辅导员可以批量导入电子照片")
    return _("你的角色不能办理补拍")


def _staff_only(p) -> str:
    if p.get("what") == "export":
        return _("只有教务处可以导出电子照片（文件名含完整身份证号）")
    return _("只有教务处可以审核补拍照片")


def _status(code) -> str:
    return str(Status(code).label)


def _file_too_large(p) -> str:
    if "size" in p:
        return _("文件太大：%(size)s MB，上传上限为 %(max)s MB") % {"size": p["size"], "max": p["max"]}
    return _("文件太大")


def _findings(p) -> str:
    # The photo's own refusals (services.PhotoRejected, NoteRequired): what the check found.
    return pgettext("separator between parts", "；").join(FINDINGS.text(f["code"], f) for f in p["findings"])


WORDS = Words(
    {
        "photo_rejected": _findings,
        "note_required": _findings,
        "role_forbidden": _role_forbidden,
        "not_own_request": gettext_lazy("只能办理你本人的补拍申请"),
        "out_of_scope": gettext_lazy("%(name)s 不是你负责的学生，不能办理其补拍"),
        "staff_only": _staff_only,
        "bad_transition": lambda p: (
            _("当前状态为“%(current)s”，不能变为“%(target)s”")
            % {"current": _status(p["current"]), "target": _status(p["target"])}
        ),
        "reason_missing": gettext_lazy("请选择补拍原因"),
        "channel_missing": gettext_lazy("请选择补拍方式"),
        "other_reason_missing": gettext_lazy("原因选择“其他”时，请说明具体原因"),
        "already_open": gettext_lazy("%(name)s 已有一个未完成的补拍申请，请在原申请中继续办理"),
        "file_too_large": _file_too_large,
        "not_accepting_photos": lambda p: (
            _("当前状态为“%(status)s”，不能再提交照片") % {"status": _status(p["status"])}
        ),
        "not_reviewable": gettext_lazy("只有已自动检查、待审核的申请才能审核"),
        "override_reason_missing": gettext_lazy("这张照片没有通过自动检查：如仍要通过，请填写理由"),
        "return_reason_missing": gettext_lazy("退回照片时请写明原因，学生会看到"),
        "cancelled": gettext_lazy("申请已撤销"),
        "paper_already_received": lambda p: (
            _("已于 %(when)s 登记过收到纸质照片")
            % {"when": formatting.datetime_short(datetime.datetime.fromisoformat(p["when"]))}
        ),
        "paper_not_received": gettext_lazy("还没有登记收到纸质照片，无需撤销"),
        "paper_not_yours": gettext_lazy("只能撤销自己登记的纸质照片；其他请联系教务处"),
        "name_by_missing": gettext_lazy("请选择照片文件的命名方式"),
        "actor_required": gettext_lazy("导入照片需要指明操作人（教务处账号）"),
    },
    name="retakes.refusals",
    examples={
        "bad_transition": {"current": Status.DONE, "target": Status.CHECKED},
        "not_accepting_photos": {"status": Status.DONE},
        "paper_already_received": {"when": "2026-09-01T10:00:00+08:00"},
        "file_too_large": {"size": "12.5", "max": "10"},
        "photo_rejected": {"findings": [FINDINGS.examples["not_an_image"]]},
        "note_required": {"findings": [FINDINGS.examples["head_top"], FINDINGS.examples["no_face"]]},
    },
)
