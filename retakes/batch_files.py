"""The files of a batch of electronic photos: a zip (or a folder), read entry by entry with guards.

Nothing is extracted to disk. Each entry is judged on its own and a bad one is refused with its
reason while the rest go on: a name that climbs out of the archive (../, /etc, C:\\), an
encrypted entry, an archive inside the archive, a name that is no photo, a system file
(__MACOSX/, Thumbs.db), an entry larger than an upload may be, or one whose compression ratio
gives it away as a bomb. The declared sizes in a zip can lie, so an entry is read with a cap and
refused as soon as it passes it; the whole archive has a cap on its expanded size and its number
of entries too. Windows zips store names in the system code page (GBK in China) without the
UTF-8 flag (bit 0x800); Python then decodes them as cp437, so they are decoded again as GBK.
"""

import re
import unicodedata
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from django.conf import settings

from sessions_app.idcard import mask_id_number

PHOTO_SUFFIXES = frozenset({".jpg", ".jpeg", ".png"})
ARCHIVE_SUFFIXES = frozenset({".zip", ".rar", ".7z", ".tar", ".gz", ".tgz", ".bz2", ".xz", ".cab", ".jar"})
ARCHIVE_MAGIC = (b"PK\x03\x04", b"Rar!", b"7z\xbc\xaf", b"\x1f\x8b", b"BZh", b"\xfd7zXZ")
SYSTEM_NAMES = frozenset({"thumbs.db", ".ds_store", "desktop.ini"})
UTF8_FLAG = 0x800
ENCRYPTED_FLAG = 0x1
_ID_IN_TEXT = re.compile(r"\d{17}[\dXx]")


@dataclass(frozen=True)
class Limits:
    max_entry_bytes: int  # one photo, as an upload may be
    max_total_bytes: int  # everything the archive expands to
    max_entries: int
    max_ratio: float  # uncompressed / compressed above this is a bomb

    @classmethod
    def from_settings(cls) -> "Limits":
        batch = settings.PHOTO_BATCH
        return cls(
            max_entry_bytes=settings.PHOTO_CHECK["upload_max_bytes"],
            max_total_bytes=batch["max_total_bytes"],
            max_entries=batch["max_entries"],
            max_ratio=batch["max_ratio"],
        )


@dataclass
class Entry:
    """One file of the batch: its name as the uploader wrote it, and why it is refused (or its bytes)."""

    index: int
    name: str  # the full path inside the archive, decoded
    refusal: str = ""  # a code (Refusal); "" for a file to match and check
    data: bytes | None = None

    @property
    def basename(self) -> str:
        return PurePosixPath(self.name.replace("\\", "/")).name

    @property
    def stem(self) -> str:
        base = self.basename
        return base.rsplit(".", 1)[0] if "." in base else base

    @property
    def shown_name(self) -> str:
        """The name as a page or a console may show it: ID numbers in it masked."""
        return masked(self.name)


def masked(text: str) -> str:
    return _ID_IN_TEXT.sub(lambda m: mask_id_number(m.group(0).upper()), text)


class BatchFileError(Exception):
    """The whole upload is unreadable (not a zip at all); `code` says why."""

    def __init__(self, code: str):
        super().__init__(code)
        self.code = code


def decoded_name(info: zipfile.ZipInfo) -> str:
    """The entry's name: UTF-8 when the zip says so, else the cp437 Python used read again as GBK."""
    if info.flag_bits & UTF8_FLAG:
        return info.filename
    try:
        return info.filename.encode("cp437").decode("gbk")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return info.filename


def unsafe(name: str) -> bool:
    """A name that would leave the folder it is extracted into, or names a device or drive."""
    text = name.replace("\\", "/")
    if text.startswith("/") or re.match(r"^[A-Za-z]:", text) or "\x00" in text:
        return True
    return any(part == ".." for part in text.split("/"))


def _name_refusal(name: str) -> str:
    if unsafe(name):
        return "unsafe_name"
    path = PurePosixPath(name.replace("\\", "/"))
    base = path.name
    if path.parts and path.parts[0] == "__MACOSX" or base.startswith("._") or base.lower() in SYSTEM_NAMES:
        return "system_file"
    suffix = path.suffix.lower()
    if suffix in ARCHIVE_SUFFIXES:
        return "nested_archive"
    if suffix not in PHOTO_SUFFIXES:
        return "not_photo_name"
    return ""


def _content_refusal(data: bytes) -> str:
    return "nested_archive" if data.startswith(ARCHIVE_MAGIC) else ""


def count_entries(path: Path) -> int:
    """How many files the batch holds (the job's total), without reading any of them."""
    if path.is_dir():
        return sum(1 for p in sorted(path.rglob("*")) if p.is_file())
    try:
        with zipfile.ZipFile(path) as archive:
            return sum(1 for info in archive.infolist() if not info.is_dir())
    except (zipfile.BadZipFile, OSError):
        raise BatchFileError("not_a_zip") from None


def read_entries(path: Path, limits: Limits, want: Callable[[Entry], bool] = lambda entry: True) -> Iterator[Entry]:
    """The batch's files one by one, each with its refusal, and its bytes when `want(entry)` says so
    (a first pass reads only the names). Folders are read too (the command)."""
    if path.is_dir():
        yield from _folder_entries(path, limits, want)
        return
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError):
        raise BatchFileError("not_a_zip") from None
    with archive:
        total = 0
        infos = [info for info in archive.infolist() if not info.is_dir()]
        for index, info in enumerate(infos):
            entry = Entry(index=index, name=unicodedata.normalize("NFC", decoded_name(info)))
            if index >= limits.max_entries:
                entry.refusal = "too_many_files"
            else:
                entry.refusal = _name_refusal(entry.name) or _size_refusal(info, limits, total)
            if not entry.refusal and want(entry):
                entry.data, entry.refusal = _read_capped(archive, info, limits.max_entry_bytes)
                if entry.data is not None:
                    total += len(entry.data)
                    entry.refusal = _content_refusal(entry.data)
            if entry.refusal:
                entry.data = None
            yield entry


def _size_refusal(info: zipfile.ZipInfo, limits: Limits, total: int) -> str:
    if info.flag_bits & ENCRYPTED_FLAG:
        return "encrypted"
    if info.file_size / max(info.compress_size, 1) > limits.max_ratio:
        return "bomb"
    if info.file_size > limits.max_entry_bytes:
        return "too_large"
    if total + info.file_size > limits.max_total_bytes:
        return "total_too_large"
    return ""


def _read_capped(archive: zipfile.ZipFile, info: zipfile.ZipInfo, cap: int) -> tuple[bytes | None, str]:
    """The entry's bytes, never more than cap + 1 of them held (its header may understate its size)."""
    try:
        with archive.open(info) as stream:
            data = stream.read(cap + 1)
    except (zipfile.BadZipFile, NotImplementedError, RuntimeError, OSError, EOFError, ValueError):
        # A broken or unsupported entry (bad CRC, an unknown compression method, a password).
        return None, "unreadable"
    if len(data) > cap:
        return None, "bomb"
    return data, ""


def _folder_entries(root: Path, limits: Limits, want: Callable[[Entry], bool]) -> Iterator[Entry]:
    total = 0
    files = [p for p in sorted(root.rglob("*")) if p.is_file()]
    for index, file in enumerate(files):
        entry = Entry(index=index, name=file.relative_to(root).as_posix())
        if index >= limits.max_entries:
            entry.refusal = "too_many_files"
        elif file.is_symlink():
            entry.refusal = "unsafe_name"
        else:
            entry.refusal = _name_refusal(entry.name)
        if not entry.refusal:
            size = file.stat().st_size
            if size > limits.max_entry_bytes:
                entry.refusal = "too_large"
            elif total + size > limits.max_total_bytes:
                entry.refusal = "total_too_large"
            elif want(entry):
                entry.data = file.read_bytes()
                total += size
                entry.refusal = _content_refusal(entry.data)
                if entry.refusal:
                    entry.data = None
        yield entry
