"""The spreadsheet intake shared by every import (roster, payments, CHSI status).

It knows files, not students: it opens an upload, guards it, finds the table and yields
rows with the row numbers the clerk sees in Excel. An importer supplies its vocabulary
(which headers mean which field) and validates the values; nothing here imports an app.

formats.py   what a file really is, whatever its extension says
guards.py    size, zip inflation, parts, rows and columns: refused before parsing
readers.py   .xlsx/.xlsm/.ods (calamine), .xls (xlrd), .csv (charset detection), HTML tables
table.py     the sheet, the header row(s), merged cells filled, footers and blank rows skipped
errors.py    IntakeError (the whole file), RowError and Notice (data: row, column, code, params)
workbooks.py the downloadable error workbook and the template of each import page
staging.py   uploads waiting between preview and confirmation, expired and swept
"""

from .errors import IntakeError, Notice, RowError
from .guards import Limits
from .table import Field, Table, Vocabulary, open_table

__all__ = ["Field", "IntakeError", "Limits", "Notice", "RowError", "Table", "Vocabulary", "open_table"]
