"""Spreadsheet cells safe to edit: the one neutralisation of formula-like text (OWASP's CSV
injection advice), for every xlsx and CSV credcheck writes.

A cell stored as text still becomes a live formula once someone edits it in Excel or exports
the sheet to CSV, so text that begins with =, +, -, @, tab or carriage return is written with
a leading apostrophe: it shows, and stays, as text.
"""

from __future__ import annotations

from typing import Any

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value: Any) -> Any:
    """A text value with a leading apostrophe when it could start a formula; anything else
    (numbers, None, other text) unchanged."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def csv_cell(value: Any) -> str:
    """A CSV field: None as empty, everything as text, neutralised."""
    return neutralise("" if value is None else str(value))


__all__ = ["FORMULA_START", "csv_cell", "neutralise"]
