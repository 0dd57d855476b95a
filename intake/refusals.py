"""The words of the intake's whole-file refusals (IntakeError codes), made from their params.

An IntakeError keeps (code, params) only: a background job stores them and its page puts
them into words in the reader's language; a page that shows the refusal at once builds the
same words in the language of that request. Params are plain JSON: byte counts, numbers,
names as written in the file, never a sentence. Every importer's Messages inherits these
(intake.messages.INTAKE), so a job of any kind can render a refusal of any code here.

Nothing here imports the rest of the intake: errors.py builds IntakeError's message from it.
"""

import re

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext


def _listed(names) -> str:
    # Headers as the file writes them, listed the reader's way ("学号、姓名" / "学号, 姓名").
    return pgettext("list separator", "、").join(names)


def human_size(n: int) -> str:
    if n >= 1024 * 1024:
        return f"{n / 1024 / 1024:.1f}".removesuffix(".0") + " MB"
    return f"{max(1, round(n / 1024))} KB"


def _too_large(p) -> str:
    if "size" not in p:
        return _("文件过大：不能超过 %(limit)s") % {"limit": human_size(p["limit"])}
    return _("文件有 %(size)s，超过了 %(limit)s 的上限：请只保留数据所在的工作表后再上传") % {
        "size": human_size(p["size"]),
        "limit": human_size(p["limit"]),
    }


def _corrupt(p) -> str:
    if p.get("where") == "zip":
        return _("文件已损坏（压缩包不完整）：请重新导出或在 Excel 中另存为 .xlsx 后再试")
    return _("文件内容已损坏，无法读取：请在 Excel 或 WPS 中重新打开并另存为 .xlsx 后再试")


def _extent(p) -> str:
    if p.get("where") == "html_cells":
        return _("网页表格的单元格过多：请只保留名单所在的表格")
    if p.get("where") == "html_columns":
        return _("网页表格的列数过多：请只保留名单所在的表格")
    return _(
        "工作表的范围超过 %(rows)s 行或 %(cols)s 列（可能有大量空白格式）："
        "请把数据复制到新建的工作簿中另存为 .xlsx 后再导入"
    ) % {"rows": p["rows"], "cols": p["cols"]}


def _missing_file(p) -> str:
    if p.get("directory"):
        return _("这是一个目录，不是文件：%(path)s") % {"path": p["path"]}
    return _("找不到文件：%(path)s") % {"path": p["path"]}


def expected_text(expected: dict) -> str:
    """An importer's columns (table.Vocabulary.expected_data: headers as the file writes them) in words."""
    parts = []
    if expected.get("required"):
        parts.append(_("必需的列：%(cols)s") % {"cols": _listed(expected["required"])})
    if expected.get("one_of"):
        groups = pgettext("separator between parts", "；").join("/".join(group) for group in expected["one_of"])
        parts.append(_("至少要有其一：%(cols)s") % {"cols": groups})
    if expected.get("optional"):
        parts.append(_("可选的列：%(cols)s") % {"cols": _listed(expected["optional"])})
    return pgettext("separator between parts", "；").join(parts)


def missing_text(missing: dict) -> str:
    """The required headers a table lacks: {"fields": [...], "one_of": [[...], ...]}."""
    names = list(missing.get("fields", ()))
    names += [
        _("“%(names)s”之一") % {"names": pgettext("between alternatives", "”或“").join(group)}
        for group in missing.get("one_of", ())
    ]
    return _listed(names)


def _header_missing(p) -> str:
    found = ""
    if p.get("titles"):
        found = _("第 %(row)s 行是：%(titles)s。") % {"row": p["row"], "titles": _listed(p["titles"])}
    # n is table.HEADER_SEARCH_ROWS (20): never one, so no plural forms
    return _("没有找到表头（前 %(n)s 行中没有认识的列名）。%(found)s%(expected)s") % {
        "n": p["n"],
        "found": found,
        "expected": expected_text(p["expected"]),
    }


# An HTML page's tables have no names: "[html 1]" is stored and named in the reader's language
# when shown. Square brackets cannot be in an Excel sheet name, so no real sheet looks like it.
_HTML_SHEET = re.compile(r"\[html (\d+)\]")


def html_sheet_name(n: int) -> str:
    return f"[html {n}]"


def sheet_label(name: str) -> str:
    match = _HTML_SHEET.fullmatch(name or "")
    return _("网页表格 %(n)s") % {"n": int(match[1])} if match else name


def _header_incomplete(p) -> str:
    return _("工作表“%(sheet)s”第 %(row)s 行的表头缺少：%(missing)s。表头是：%(found)s。%(expected)s") % {
        "sheet": sheet_label(p["sheet"]),
        "row": p["row"],
        "missing": missing_text(p["missing"]),
        "found": _listed(p["found"]),
        "expected": expected_text(p["expected"]),
    }


WORDS = {
    "file_too_large": _too_large,
    "file_inflates": gettext_lazy(
        "文件解压后异常巨大（可能是“压缩炸弹”或含有大量空白格式）：请把数据复制到新建的工作簿中另存为 .xlsx 后再导入"
    ),
    # n is past Limits.max_parts (thousands): never one, so no plural forms
    "file_parts": gettext_lazy("工作簿包含的部件过多（%(n)s 个），不像是一份表格：请另存为新的 .xlsx"),
    "file_corrupt": _corrupt,
    "file_extent": _extent,
    "file_empty": gettext_lazy("文件是空的：请选择要导入的表格文件"),
    "file_encrypted": gettext_lazy("文件设置了打开密码：请在 Excel 或 WPS 中取消密码后另存为 .xlsx 再导入"),
    "file_missing": _missing_file,
    "format_xlsb": gettext_lazy("这是 Excel 二进制工作簿（.xlsb）：请在 Excel 或 WPS 中“另存为” .xlsx 后再导入"),
    "format_zip": gettext_lazy("这是一个压缩文件，但不是 Excel 工作簿：请上传 .xlsx、.xls 或 .csv 格式的表格"),
    "format_unknown": gettext_lazy(
        "文件内容不是表格（不是 Excel、WPS 或 CSV 文件）：请在 Excel 或 WPS 中另存为 .xlsx 后再导入"
    ),
    "format_mht": gettext_lazy(
        "这是“单个文件网页”（.mht）格式：请用 Excel 或 WPS 打开后“另存为” Excel 工作簿（.xlsx）再导入"
    ),
    "format_xml2003": gettext_lazy(
        "这是“XML 电子表格 2003”格式：请用 Excel 或 WPS 打开后“另存为” Excel 工作簿（.xlsx）再导入"
    ),
    "encoding_unknown": gettext_lazy(
        "无法识别文本文件的编码：请在 Excel 中打开后另存为 .xlsx，或另存为“CSV UTF-8（逗号分隔）”再导入"
    ),
    "csv_malformed": gettext_lazy("CSV 文件格式有误（引号不成对或单元格过长）：请在 Excel 中打开后另存为 .xlsx 再导入"),
    "html_no_table": gettext_lazy(
        "这是网页文件，但里面没有表格：请用 Excel 或 WPS 打开后“另存为” Excel 工作簿（.xlsx）再导入"
    ),
    "header_missing": _header_missing,
    "header_incomplete": _header_incomplete,
}

_EXPECTED = {"required": ["No"], "one_of": [["ID", "Passport"]], "optional": ["Note"]}

# Params for the codes whose words need more than "any key answers 1" (tests/core/test_words.py).
EXAMPLES = {
    "file_too_large": {"size": 30_000_000, "limit": 20_000_000},
    "header_missing": {"n": 20, "titles": ["A", "B"], "row": 1, "expected": _EXPECTED},
    "header_incomplete": {
        "sheet": "Sheet1",
        "row": 2,
        "missing": {"fields": ["Name"], "one_of": [["ID", "No"]]},
        "found": ["A"],
        "expected": _EXPECTED,
    },
}
