"""Cells of a declared table as both of its readers see them (extractors.declared).

The full importer (`load_declared`) and the identity reader of `credcheck duplicates`
(`read_identities`) share these: a cell's text, header matching, dates, and the
normalisation of the applicant id, name, gender and ethnicity. Cell text is only ever read
as text: formulas are kept as their source string and never evaluated.
"""

from __future__ import annotations

import csv
import functools
import io
import math
import re
from datetime import date, datetime, timedelta
from typing import Any

from extractors.normalize import (
    comparable,
    normalize_ethnicity,
    normalize_gender,
    normalize_name,
    parse_date,
    to_halfwidth,
)

__all__ = [
    "HEADER_SCAN_ROWS",
    "alias_index",
    "applicant_id_text",
    "cell_text",
    "clean_text",
    "csv_reader",
    "decode_table",
    "ethnicity_of",
    "gender_of",
    "header_key",
    "normalize_header",
    "parse_date_cell",
    "person_name",
    "shorten",
]

HEADER_SCAN_ROWS = 10  # title rows above the header are searched this far down
_EXCEL_EPOCH = date(1899, 12, 30)  # serial 1 = 1900-01-01 with Excel's leap-year bug


# ---------------------------------------------------------------- text


def cell_text(v: Any) -> str:
    """A cell value as text, without evaluating anything."""
    if v is None:
        return ""
    if isinstance(v, str):
        return v
    if isinstance(v, bool):
        return "TRUE" if v else "FALSE"
    if isinstance(v, datetime):
        return v.date().isoformat() if v.time() == datetime.min.time() else v.isoformat(" ")
    if isinstance(v, date):
        return v.isoformat()
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        if math.isfinite(v) and v.is_integer() and abs(v) < 2**53:
            return str(int(v))
        return repr(v)
    text = getattr(v, "text", None)  # openpyxl ArrayFormula / DataTableFormula
    return str(text) if isinstance(text, str) else str(v)


def clean_text(s: str) -> str:
    """Stray spaces and in-cell line breaks removed; a break between CJK joins without space."""
    lines = [" ".join(part.split()) for part in re.split(r"[\r\n]+", s)]
    out = ""
    for line in filter(None, lines):
        if out and not (_is_cjk(out[-1]) and _is_cjk(line[0])):
            out += " "
        out += line
    return out.strip()


def _is_cjk(ch: str) -> bool:
    return "\u3400" <= ch <= "\u9fff" or "\uf900" <= ch <= "\ufaff"


def shorten(s: str, n: int = 40) -> str:
    s = " ".join(s.split())
    return s if len(s) <= n else s[: n - 1] + "…"


def decode_table(data: bytes) -> tuple[str, str | None]:
    """Text of a CSV: UTF-8 (BOM or not), UTF-16 with BOM, else GB18030."""
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="replace"), None
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16", errors="replace"), None
    try:
        return data.decode("utf-8"), None
    except UnicodeDecodeError:
        pass
    text = data.decode("gb18030", errors="replace")
    problem = "部分字符无法按 GB18030 编码识别，已替换为“�”" if "\ufffd" in text else None
    return text, problem


def csv_reader(text: str) -> Any:
    """A csv.reader over the text, its delimiter (comma, tab or semicolon) sniffed."""
    try:
        delimiter = csv.Sniffer().sniff(text[:4096], delimiters=",\t;").delimiter
    except csv.Error:
        delimiter = ","
    return csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)


# ---------------------------------------------------------------- headers


def normalize_header(s: Any) -> str:
    """Header key: half-width, simplified, no whitespace, （）→(), edge * and trailing : dropped."""
    t = comparable(cell_text(s))
    t = t.strip("*※")
    t = t.rstrip(":").rstrip("*")
    return t


def alias_index(headers: dict[str, tuple[str, ...]]) -> dict[str, str]:
    """Normalised alias → canonical key."""
    return {normalize_header(a): key for key, aliases in headers.items() for a in aliases}


_TRAILING_NOTE_RE = re.compile(r"\([^()]*\)$")


def header_key(cell: Any, index: dict[str, str]) -> str | None:
    h = normalize_header(cell)
    if not h:
        return None
    if h in index:
        return index[h]
    # "出生年月(例:1985.03)": a note after the label.
    bare = _TRAILING_NOTE_RE.sub("", h).rstrip(":*")
    return index.get(bare) if bare != h else None


# ---------------------------------------------------------------- values


def _date_from_serial(n: float) -> str | None:
    try:
        d = _EXCEL_EPOCH + timedelta(days=int(n))
    except OverflowError:
        return None
    return d.isoformat() if 1900 <= d.year <= 2100 else None


def parse_date_cell(value: Any, number_format: str = "General") -> tuple[str | None, str | None]:
    """(ISO date or YYYY-MM / YYYY, problem) for a date cell of any shape a form holds."""
    if value is None or value == "":
        return None, None
    if isinstance(value, str):
        return _date_text(value)
    if isinstance(value, datetime | date):
        d = value.date() if isinstance(value, datetime) else value
        # Locale tags ([$-804], [DBNum1]) and quoted literals hold letters that are not codes.
        fmt = re.sub(r'\[[^\]]*\]|"[^"]*"', "", (number_format or "").lower())
        if fmt not in ("", "general") and "d" not in fmt:
            return f"{d.year:04d}-{d.month:02d}", None  # the cell shows a month only
        return d.isoformat(), None
    if isinstance(value, bool):
        return None, f"无法识别为日期（{value}）"
    if isinstance(value, float) and not value.is_integer():
        if not math.isfinite(value):
            return None, "无法识别为日期"
        if 1900 <= value < 2101:
            return _year_dot_month(value, number_format)
        if 1 <= value < 2958466 and (iso := _date_from_serial(value)):
            return iso, None
        return None, f"无法识别为日期（{value}）"
    if isinstance(value, int | float):
        n = int(value)
        digits = str(abs(n))
        if len(digits) in (4, 6, 8):
            iso = parse_date(digits)
            if iso:
                return iso, None
        if 1 <= n < 2958466 and len(digits) == 5:
            iso = _date_from_serial(n)
            if iso:
                return iso, None
        return None, f"无法识别为日期（{n}）"
    return _date_text(cell_text(value))


@functools.lru_cache(maxsize=65_536)  # read_identities reads up to 2,000,000 rows
def _date_text(value: str) -> tuple[str | None, str | None]:
    t = clean_text(to_halfwidth(value)).lstrip("'")
    if re.fullmatch(r"[0-9]{5}(?:\.[0-9]+)?", t):
        iso = _date_from_serial(float(t))
        if iso:
            return iso, None
    iso = parse_date(t)
    if iso is None:
        return None, f"“{shorten(t)}”无法识别为日期"
    return iso, None


def _year_dot_month(v: float, number_format: str) -> tuple[str | None, str | None]:
    """1985.03 typed into a number cell. 1985.1 may have been typed 1985.10 (Excel drops the 0)."""
    year_s, frac = repr(v).split(".")
    year = int(year_s)
    if len(frac) == 2:
        month = int(frac)
    elif len(frac) == 1 and frac != "1":
        month = int(frac)
    elif frac == "1":
        if "0.00" in (number_format or ""):
            month = 10
        else:
            return f"{year:04d}", (
                f"以数字{v}存储，无法区分{year}年1月和10月，仅取年份；请改为文本“{year}.01”或“{year}.10”"
            )
    else:
        return None, f"无法识别为日期（{v}）"
    if not 1 <= month <= 12:
        return None, f"无法识别为日期（{v}）"
    return f"{year:04d}-{month:02d}", None


def applicant_id_text(value: Any) -> str:
    """The 申报编号 of a cell: half-width, no whitespace, no leading text-marker quote."""
    return "".join(to_halfwidth(cell_text(value)).split()).lstrip("'")


# Cached, as dates are: read_identities reads up to 2,000,000 rows.
@functools.lru_cache(maxsize=200_000)
def person_name(text: str) -> str | None:
    return normalize_name(text) or None


@functools.lru_cache(maxsize=256)
def gender_of(text: str) -> str | None:
    return normalize_gender(text)


@functools.lru_cache(maxsize=1024)
def ethnicity_of(text: str) -> str | None:
    return normalize_ethnicity(text)
