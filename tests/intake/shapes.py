"""Files shaped like real exports, built at test time: xlsx (openpyxl), xls (xlwt), CSV, HTML tables, bombs."""

import io
import zipfile

from openpyxl import Workbook

HEADER = ["学号", "姓名", "性别", "身份证号", "学院", "专业", "班级", "层次", "校区"]


def xlsx(rows, *, before=(), after=(), title="名单", merges=(), sheets_before=(), hidden_before=()) -> bytes:
    workbook = Workbook()
    first = workbook.active
    first.title = "tmp"
    for name, lines in sheets_before:
        sheet = workbook.create_sheet(name)
        for line in lines:
            sheet.append(line)
    for name, lines in hidden_before:
        sheet = workbook.create_sheet(name)
        sheet.sheet_state = "hidden"
        for line in lines:
            sheet.append(line)
    sheet = workbook.create_sheet(title)
    for line in [*before, *rows, *after]:
        sheet.append(line)
    for ref in merges:
        sheet.merge_cells(ref)
    workbook.remove(first)
    workbook.active = workbook.index(sheet)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def xls(rows, *, before=(), merges=(), hidden_first=False) -> bytes:
    import xlwt

    book = xlwt.Workbook(encoding="utf-8")
    if hidden_first:
        hidden = book.add_sheet("旧数据")
        hidden.write(0, 0, "学号")
        hidden.write(0, 1, "姓名")
        hidden.write(0, 2, "身份证号")
        hidden.visibility = 1
    sheet = book.add_sheet("Sheet1")
    merged_cells = {}
    for r0, r1, c0, c1 in merges:
        merged_cells[(r0, c0)] = (r1, c1)
    covered = {
        (r, c) for (r0, c0), (r1, c1) in merged_cells.items() for r in range(r0, r1 + 1) for c in range(c0, c1 + 1)
    }
    for r, line in enumerate([*before, *rows]):
        for c, value in enumerate(line):
            if (r, c) in merged_cells:
                r1, c1 = merged_cells[(r, c)]
                sheet.write_merge(r, r1, c, c1, value)
            elif (r, c) in covered or value is None:
                continue
            else:
                sheet.write(r, c, value)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def csv_bytes(rows, *, encoding="utf-8", bom=False, delimiter=",") -> bytes:
    import csv

    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n")
    for line in rows:
        writer.writerow(["" if v is None else v for v in line])
    data = buffer.getvalue().encode(encoding)
    return (b"\xef\xbb\xbf" + data) if bom else data


def html_table(rows, *, title="2021届毕业生名单", charset="utf-8", rowspans=None) -> bytes:
    """A "web page saved as .xls" like 正方 exports: a meta charset, a caption table, the data table."""
    rowspans = rowspans or {}
    body = []
    for r, line in enumerate(rows):
        cells = []
        for c, value in enumerate(line):
            if value is ...:
                continue  # covered by a rowspan above
            span = rowspans.get((r, c))
            attr = f' rowspan="{span}"' if span else ""
            tag = "th" if r == 0 else "td"
            cells.append(f"<{tag}{attr} style=\"mso-number-format:'\\@'\">{'' if value is None else value}</{tag}>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    page = (
        f'<html xmlns:x="urn:schemas-microsoft-com:office:excel"><head><meta http-equiv="Content-Type" '
        f'content="text/html; charset={charset}"></head><body><table><tr><td>{title}</td></tr></table>'
        f'<table border="1">{"".join(body)}</table></body></html>'
    )
    return page.encode("gb18030" if charset.lower() in ("gbk", "gb2312", "gb18030") else charset)


# --- bombs -----------------------------------------------------------------

# ruff: noqa: E501  (the package parts are copied as Excel writes them)
_CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    "</Types>"
)
_RELS = (
    '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>'
    "</Relationships>"
)
_WORKBOOK = (
    '<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets>'
    '<sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>'
)
_WORKBOOK_RELS = (
    '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>'
    '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/>'
    "</Relationships>"
)
_NS = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'


def _package(sheet_xml_parts, shared=None) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        archive.writestr("[Content_Types].xml", _CONTENT_TYPES)
        archive.writestr("_rels/.rels", _RELS)
        archive.writestr("xl/workbook.xml", _WORKBOOK)
        archive.writestr("xl/_rels/workbook.xml.rels", _WORKBOOK_RELS)
        with archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as out:
            for part in sheet_xml_parts:
                out.write(part)
        if shared is not None:
            with archive.open("xl/sharedStrings.xml", "w", force_zip64=True) as out:
                for part in shared:
                    out.write(part)
    return buffer.getvalue()


def _header_xml() -> bytes:
    cells = "".join(f'<c r="{chr(65 + i)}1" t="inlineStr"><is><t>{h}</t></is></c>' for i, h in enumerate(HEADER))
    return f'<?xml version="1.0"?><worksheet {_NS}><sheetData><row r="1">{cells}</row>'.encode()


def huge_cell_bomb(megabytes=130) -> bytes:
    """One cell holding hundreds of megabytes of text: a few hundred KB on disk."""

    def parts():
        yield _header_xml()
        yield b'<row r="2"><c r="A2" t="inlineStr"><is><t>'
        chunk = b"A" * (1 << 20)
        for _ in range(megabytes):
            yield chunk
        yield b"</t></is></c></row></sheetData></worksheet>"

    return _package(parts())


def shared_strings_bomb(count=3_000_000) -> bytes:
    """Millions of tiny shared strings (the table openpyxl and calamine both build in memory)."""

    def sheet():
        yield _header_xml()
        yield b'<row r="2"><c r="A2" t="s"><v>0</v></c></row></sheetData></worksheet>'

    def shared():
        yield f'<?xml version="1.0"?><sst {_NS} count="{count}" uniqueCount="{count}">'.encode()
        block = b"<si><t>x</t></si>" * 10000
        for _ in range(count // 10000):
            yield block
        yield b"</sst>"

    return _package(sheet(), shared())


def rows_bomb() -> bytes:
    """Two cells, A1 and XFD1048576: a dense reader allocates 17 billion cells."""

    def parts():
        yield _header_xml()
        yield b'<row r="1048576"><c r="XFD1048576" t="inlineStr"><is><t>x</t></is></c></row></sheetData></worksheet>'

    return _package(parts())


def many_rows_bomb(rows=210_000) -> bytes:
    """Real rows, each tiny, far more than any roster: refused by the row count."""

    def parts():
        yield _header_xml()
        for start in range(2, rows + 2, 10000):
            yield b"".join(
                b'<row r="%d"><c r="A%d"><v>1</v></c></row>' % (r, r)
                for r in range(start, min(start + 10000, rows + 2))
            )
        yield b"</sheetData></worksheet>"

    return _package(parts())


def truncated(data: bytes) -> bytes:
    return data[: len(data) * 2 // 3]
