"""Zips for the batch tests, built at test time from the demo's two photos (one passes, one fails)."""

import io
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PASSES = (ROOT / "demo" / "photos" / "passes.jpg").read_bytes()
FAILS = (ROOT / "demo" / "photos" / "fails.jpg").read_bytes()
TEXT_AS_JPG = ("这不是照片，只是改了扩展名的文本文件。\n" * 40).encode()


class GbkInfo(zipfile.ZipInfo):
    """An entry whose name is stored in GBK without the UTF-8 flag, as Windows' own zip tool writes it."""

    def _encodeFilenameFlags(self):
        return self.filename.encode("gbk"), self.flag_bits & ~0x800


def inner_zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("20170000001.jpg", PASSES)
    return buffer.getvalue()


def add(archive: zipfile.ZipFile, name: str, data: bytes, *, gbk: bool = False) -> None:
    info = GbkInfo(name) if gbk else zipfile.ZipInfo(name)
    info.compress_type = zipfile.ZIP_DEFLATED
    archive.writestr(info, data)


def add_bomb(archive: zipfile.ZipFile, name: str, megabytes: int = 16) -> None:
    """Zeros that deflate about 1000 to 1: 16 MB in the zip's header, some 16 KB on disk."""
    info = zipfile.ZipInfo(name)
    info.compress_type = zipfile.ZIP_DEFLATED
    with archive.open(info, "w") as target:
        block = b"\0" * (1024 * 1024)
        for _ in range(megabytes):
            target.write(block)


def build_zip(path: Path, entries) -> Path:
    """entries: (name, data, options) with options {"gbk": True} or {"bomb": True}."""
    with zipfile.ZipFile(path, "w") as archive:
        for name, data, options in entries:
            if options.get("bomb"):
                add_bomb(archive, name)
            else:
                add(archive, name, data, gbk=options.get("gbk", False))
    return path
