"""One application as applicant linkage sees it: name forms, ID number, birth dates.

The name is the one written on the form (`raw_name`), keyed simplified, half-width and
casefolded with and without its middle dots; the ID number is compacted and a 15-digit one
upgraded; the birth date is the declared one, else the one printed in the ID number.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from datetime import date

from extractors.normalize import name_key
from extractors.validators import compact_id, id_check_char, upgrade_15_to_18
from models.declared import Applicant

__all__ = ["Record", "differing_digits", "id_valid", "norm_id", "raw_name", "to_record"]


_NAME_HEADERS = frozenset({"姓名", "name"})
_HEADER_NOTE_RE = re.compile(r"[(（][^()（）]*[)）]$|[\s*:：]")


def raw_name(a: Applicant) -> str | None:
    """The name as written on the form (the importer normalises middle dots in `name`)."""
    for header, value in a.raw.items():
        h = _HEADER_NOTE_RE.sub("", header).casefold()
        if h in _NAME_HEADERS and value.strip():
            return value.strip()
    return a.name


@functools.lru_cache(maxsize=200_000)
def _name_forms(name: str) -> tuple[str, str, tuple[str, ...]]:
    """(dotted key, undotted key, parts): simplified, half-width, casefolded."""
    key = name_key(name)
    parts = tuple(p for p in key.split("\u00b7") if p)
    return key, "".join(parts).replace(" ", ""), parts


def norm_id(s: str | None) -> str:
    """An ID number compacted (half-width, no spaces), a 15-digit one upgraded to 18."""
    t = compact_id(s or "")
    if len(t) == 15 and t.isdigit():
        t = upgrade_15_to_18(t)
    return t


@functools.lru_cache(maxsize=65_536)
def id_valid(t: str) -> bool:
    """A normalised ID number of 18 characters whose check character is right."""
    return len(t) == 18 and t[:17].isdigit() and id_check_char(t[:17]) == t[17]


def _id_birth(t: str) -> str | None:
    """The birth date printed in an ID number when it is a real date."""
    if len(t) != 18 or not t[6:14].isdigit():
        return None
    try:
        return date(int(t[6:10]), int(t[10:12]), int(t[12:14])).isoformat()
    except ValueError:
        return None


def differing_digits(a: str, b: str) -> int:
    """How many places two ID numbers of one length differ in (a typo is one, a swap two)."""
    return sum(x != y for x, y in zip(a, b, strict=True))


@dataclass(frozen=True, slots=True)
class Record:
    """One application as linkage compares it."""

    uid: str  # applicant_id, or "<intake>:<applicant_id>" for history
    program: str | None
    intake: str | None  # None: the batch being checked
    source: str  # the earlier intake's declared file
    name_raw: str
    key: str  # name key with dots
    flat: str  # name key without dots
    parts: tuple[str, ...]
    id: str  # normalised ID number ("" when missing)
    birth: str  # declared birth date (YYYY-MM-DD / YYYY-MM), else the ID's, else ""
    id_birth: str  # birth date printed in the ID number, "" when not a real date
    gender: str
    ethnicity: str
    id_shared: int = 0  # names sharing this ID number when it is a placeholder (else 0)


def to_record(
    a: Applicant, uid: str | None = None, intake: str | None = None, source: str = ""
) -> Record:
    """`uid`, `intake`, `source`: where a history record came from (None: this batch)."""
    raw = raw_name(a) or ""
    key, flat, parts = _name_forms(raw) if raw else ("", "", ())
    idn = norm_id(a.id_number)
    id_birth = _id_birth(idn) or ""
    return Record(
        uid=uid or a.applicant_id,
        program=a.program,
        intake=intake,
        source=source,
        name_raw=raw,
        key=key,
        flat=flat,
        parts=parts,
        id=idn,
        birth=a.birth_date or id_birth,
        id_birth=id_birth,
        gender=a.gender or "",
        ethnicity=a.ethnicity or "",
    )
