"""Tables in an HTML "web page saved as .xls" (正方/青果 exports), with rowspan and colspan."""

from html.parser import HTMLParser

from .errors import IntakeError
from .guards import Limits


class _Tables(HTMLParser):
    def __init__(self, limits: Limits):
        super().__init__(convert_charrefs=True)
        self.limits = limits
        self.tables: list[list[list[tuple[str, int, int]]]] = []
        self._stack: list[list[list[tuple[str, int, int]]]] = []
        self._cell: list[str] | None = None
        self._span = (1, 1)
        self.cells = 0

    def handle_starttag(self, tag, attrs):
        if tag == "table":
            self._stack.append([])
        elif not self._stack:
            return
        elif tag == "tr":
            self._stack[-1].append([])
        elif tag in ("td", "th"):
            if not self._stack[-1]:
                self._stack[-1].append([])
            attributes = dict(attrs)
            self._cell = []
            self._span = (_span(attributes.get("rowspan")), _span(attributes.get("colspan")))
        elif tag == "br" and self._cell is not None:
            self._cell.append(" ")

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self._cell is not None and self._stack:
            self._stack[-1][-1].append(("".join(self._cell).strip(), *self._span))
            self._cell = None
            self.cells += 1
            if self.cells > self.limits.max_cells:
                raise IntakeError("file_extent", where="html_cells")
        elif tag == "table" and self._stack:
            self.tables.append(self._stack.pop())

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)


def _span(value) -> int:
    try:
        return min(max(int(value), 1), 1000)
    except (TypeError, ValueError):
        return 1


def _grid(rows, limits: Limits):
    """Place cells on a grid, repeating a spanned value into every cell it covers."""
    grid: dict[tuple[int, int], str] = {}
    merged = []
    for r, row in enumerate(rows):
        c = 0
        for text, rowspan, colspan in row:
            while (r, c) in grid:
                c += 1
            if c + colspan > limits.max_columns:
                raise IntakeError("file_extent", where="html_columns")
            for dr in range(rowspan):
                for dc in range(colspan):
                    grid[(r + dr, c + dc)] = text if (dr, dc) == (0, 0) else ""
            if rowspan > 1 or colspan > 1:
                merged.append(((r, c), (r + rowspan - 1, c + colspan - 1)))
            c += colspan
    height = max((r for r, _c in grid), default=-1) + 1
    width = max((c for _r, c in grid), default=-1) + 1
    return [[grid.get((r, c), "") for c in range(width)] for r in range(height)], merged


def parse_tables(text: str, limits: Limits):
    parser = _Tables(limits)
    parser.feed(text)
    parser.close()
    tables = [t for t in parser.tables if len(t) > 0]
    # The data table is the biggest; layout tables around it come first in the file.
    tables.sort(key=len, reverse=True)
    return [_grid(t, limits) for t in tables]
