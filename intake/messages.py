"""The words of the intake's own codes (its notices and refusals), shared by every importer's Messages."""

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from . import formats
from .errors import REFUSALS, Messages
from .refusals import sheet_label


def _rows(params) -> str:
    return "、".join(map(str, params["lines"][:10]))


def _names(params) -> str:
    return "、".join(params["names"])


INTAKE = Messages(
    {
        "format_mismatch": lambda p: (
            _("文件名是 .%(ext)s，但内容实际是%(kind)s：已按%(kind)s读取")
            % {"ext": p["ext"], "kind": formats.describe(p["kind"])}
        ),
        "encoding": gettext_lazy("按 %(encoding)s 编码读取了这个文本文件"),
        "sheet_chosen": lambda p: _("读取了工作表“%(name)s”") % {"name": sheet_label(p["name"])},
        "sheet_hidden": lambda p: _("跳过了隐藏的工作表：%(names)s") % {"names": _names(p)},
        "sheet_instructions": lambda p: _("跳过了说明工作表：%(names)s") % {"names": _names(p)},
        "columns_ignored": lambda p: _("以下列不需要，已忽略：%(names)s") % {"names": _names(p)},
        "footer_skipped": lambda p: (
            _("第 %(rows)s 行是表尾（如制表人、打印日期、合计），没有当作数据读取") % {"rows": _rows(p)}
        ),
        "header_repeated": lambda p: _("第 %(rows)s 行重复了表头，已跳过") % {"rows": _rows(p)},
    },
    name="intake.messages",
    base=REFUSALS,
    examples={"format_mismatch": {"ext": "xls", "kind": formats.CSV}},
)


def refused(error) -> "object":
    """An IntakeError as a file-level RowError (the header problems a preview lists with the rows)."""
    return INTAKE.error(None, None, error.code, **error.params)
