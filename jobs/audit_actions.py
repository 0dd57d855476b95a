"""How the audit trail shows a job's file being downloaded."""

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.audit import register_action

from .registry import get_kind


@register_action("job.file_download", gettext_lazy("下载任务文件"))
def _file_download(data, names):
    kind = get_kind(data.get("kind", ""))
    text = _("下载 %(file)s（%(kind)s，任务 #%(job)s）") % {
        "file": data.get("file", ""),
        "kind": kind.title if kind else data.get("kind", ""),
        "job": data.get("job", ""),
    }
    return text + _("，含完整身份证号") if data.get("full_ids") else text
