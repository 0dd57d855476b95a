"""What a file really is, and the sentences that say how to re-save the ones the intake cannot read."""

import io
import zipfile

import pytest

from intake import IntakeError, Limits
from intake.formats import sniff
from intake.table import open_table
from sessions_app.roster.columns import VOCABULARY

from . import shapes


def _zip(entries: dict) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("data", "code", "words"),
    [
        (b"MIME-Version: 1.0\r\nContent-Type: multipart/related; boundary=x\r\n", "format_mht", "另存为"),
        (
            b'<?xml version="1.0"?><Workbook xmlns="urn:schemas-microsoft-com:office:spreadsheet"></Workbook>',
            "format_xml2003",
            "另存为",
        ),
        (_zip({"xl/workbook.bin": b"x", "[Content_Types].xml": b"<x/>"}), "format_xlsb", "另存为"),
        (
            b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + "EncryptedPackage".encode("utf-16-le") + b"\0" * 600,
            "file_encrypted",
            "密码",
        ),
        (b"", "file_empty", "空"),
        (b"\x89PNG\r\n\x1a\n\x00\x00", "format_unknown", "另存为"),
        (_zip({"a.txt": b"hi"}), "format_zip", "不是 Excel"),
    ],
)
def test_files_the_intake_cannot_read_say_how_to_resave(data, code, words):
    with pytest.raises(IntakeError) as caught:
        open_table(data, vocabulary=VOCABULARY, filename="名单.xls", limits=Limits())
    assert caught.value.code == code and words in caught.value.message


def test_kinds_come_from_content():
    assert sniff(shapes.xlsx([shapes.HEADER])) == "xlsx"
    assert sniff(shapes.xls([shapes.HEADER])) == "xls"
    assert sniff(shapes.html_table([shapes.HEADER])) == "html"
    assert sniff(shapes.csv_bytes([shapes.HEADER], encoding="gbk")) == "csv"


def test_an_undecidable_encoding_is_refused_not_guessed():
    # Bytes that are no UTF-8 and no Chinese text: refusing beats showing mojibake.
    with pytest.raises(IntakeError) as caught:
        open_table(b"a,b\n" + bytes(range(128, 256)) * 3, vocabulary=VOCABULARY, filename="x.csv")
    assert caught.value.code == "encoding_unknown" and "CSV UTF-8" in caught.value.message


def test_oversized_file_is_refused_before_reading(tmp_path):
    path = tmp_path / "big.xlsx"
    path.write_bytes(b"PK" + b"\0" * 2048)
    with pytest.raises(IntakeError) as caught:
        open_table(path, vocabulary=VOCABULARY, limits=Limits(max_bytes=1024))
    assert caught.value.code == "file_too_large"
