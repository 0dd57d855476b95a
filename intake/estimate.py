"""How many rows a file holds, roughly and without parsing it: is an import long work or not?

An import page runs a file of more than a few hundred rows as a background job; deciding that
must not cost what the import itself costs, and must not hand a bomb to a worker. So the
cheap guards run first (size, what the file is, the zip directory and sheet extents, which
refuse a bomb here as they would in the import), then: the highest row the sheet XML names
(.xlsx, from the extent scan), row tags (.ods), line ends (CSV), <tr> tags (HTML tables), and
for .xls its size. An upper bound: header, title and blank rows and every sheet count.
"""

import re
import zipfile
from io import BytesIO

from . import formats
from .guards import Limits, check_size, check_zip
from .table import Source, read_bytes

# A BIFF8 row of a roster (a dozen short cells with their records) takes 150-250 bytes; 64 errs high.
XLS_BYTES_PER_ROW = 64
_ODS_ROW = re.compile(rb"<table:table-row[\s>]")
_CHUNK = 1 << 20


def _ods_rows(data: bytes) -> int:
    rows = 0
    with zipfile.ZipFile(BytesIO(data)) as archive, archive.open("content.xml") as stream:
        tail = b""
        while chunk := stream.read(_CHUNK):
            block = tail + chunk
            # The last '<' may open a tag the next chunk finishes: it is counted next time.
            cut = block.rfind(b"<")
            cut = cut if cut >= 0 else len(block)
            rows += len(_ODS_ROW.findall(block, 0, cut))
            tail = block[cut:]
        rows += len(_ODS_ROW.findall(tail))
    return rows


def estimate_rows(source: Source, limits: Limits | None = None) -> int:
    """Raises IntakeError (code + params) for a file the import would refuse before parsing."""
    limits = limits or Limits()
    data = read_bytes(source)
    check_size(len(data), limits)
    kind = formats.sniff(data)
    if kind == formats.XLSX:
        return check_zip(data, limits)
    if kind == formats.ODS:
        check_zip(data, limits)
        return _ods_rows(data)
    if kind == formats.XLS:
        return len(data) // XLS_BYTES_PER_ROW
    if kind == formats.HTML:
        return data.lower().count(b"<tr")
    return data.count(b"\n") + 1
