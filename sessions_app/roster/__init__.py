"""Roster import from .xlsx (issue 2, item 4).

columns.py   which headers mean which field
files.py     is this upload really a readable .xlsx; streaming the rows
parsing.py   one row at a time: normalise, validate, find duplicates in the file
selectors.py the reads the import needs (lookups, existing students)
services.py  import_roster(): compare with the database, write all or nothing
"""
