"""Whole application batches with injected faults and ground truth, for `credcheck verify`.

`generate_batch(batch_dir, applicants=…, seed=…)` writes a BATCH_DIR of the batch contract
(../shared/spec/batch-contract.md): `declared.xlsx` (or declared.csv + awards.csv) and
`packets/<申报编号>/…` evidence files, and the ground truth beside it, outside the batch:
`<batch_dir>.truth.json`. A clean applicant meets their program's rules (rules.md) on the
check day `AS_OF` and their declared row agrees with their evidence up to harmless variation
(dot forms, traditional characters, month-only birth dates, level spellings, rotated or
poor-ish scans). Each faulty applicant carries exactly one fault kind of `FAULT_KINDS`, and
`expected_codes` is the set of flags a correct verifier raises for them, and no others.

Truth schema (`BatchTruth.to_dict()`):

    {"schema_version": 1, "seed", "as_of", "declared_format", "declared_files": [...],
     "fault_kinds": [...], "headers": {canonical key (awards.<key> for 获奖情况): header},
     "applicants": [{
        "applicant_id", "program", "clean", "faults": [kind], "expected_codes": [code],
        "notes": [{"kind", "code", "note", "file"?, "page"?, "field"?, "declared"?,
                   "found"?, "rule"? (ineligible, date_after_deadline), "award"? (index)}],
        "variations": [harmless differences a verifier must tolerate],
        "person": {name, gender, ethnicity, id_number, birth_date, address},
        "declared": {canonical values of the row as an importer should read it},
        "declared_written": {canonical key: cell text as written},
        "awards": [{"award_name", "issuer", "award_level", "award_rank", "award_year",
                    "project"}],
        "files": [{"file", "format", "pages", "unreadable": null | {"kind", "reason"},
                   "documents": [TruthDoc dicts of synth.generate + "role", "fault"]}]}],
     "layouts"?: "blind" | "mixed" (absent for synth's layouts)}

With layouts blind or mixed each document also says its "family" (synth or blind; its
"layout" names the layout), and the regions of a sheet (two certificates copied onto one
page) carry their own "role", "fault", "family" and "layout".

Planning (who applies, what they declare, which documents exist, which fault) runs in the
parent from `random.Random` seeded by (seed, applicant index); rendering one file uses only
its FileSpec and a seed string of (seed, applicant index, file index), so the bytes are the
same whatever the worker count.
"""

from __future__ import annotations

import argparse
import copy
import csv
import datetime as dt
import io
import json
import random
import re
import sys
import time
import zipfile
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import NamedTuple

import numpy as np
from PIL import Image

from models.catalogue import (
    APPLICANT_HEADERS,
    AWARD_HEADERS,
    PROGRAM_NAMES,
    SKILL_LEVEL_TO_GRADE,
    SKILL_LEVELS,
    get_program,
)
from models.catalogue import PROGRAMS as CATALOGUE_PROGRAMS
from models.exceptions import UsageError
from synth import textpdf, vocab
from synth.blind import packet as blind_packet
from synth.damage import DIFFICULTIES
from synth.dates import cn_number, random_date
from synth.documents import DEGREE, EDU_AGE, LAYOUTS, RENDERERS, RenderedDoc
from synth.generate import (
    MOUNT_SHARE,
    ROTATION_SHARE,
    TEXT_LAYER_SHARE,
    TruthDoc,
    encode_pages,
    scan_page,
)
from synth.people import (
    COUNTIES,
    ETHNICITY_WEIGHTS,
    PREFECTURE_NAMES,
    REGION_WEIGHTS,
    TRADITIONAL,
    Person,
    id_check_char,
    make_id_number,
    make_name,
    make_person,
    to_traditional,
)

SCHEMA_VERSION = 1
AS_OF = dt.date(2025, 9, 30)  # the check day of generated batches

# Programs, their names and deadlines are the catalogue's; how often each is drawn and the
# prefix of its applicant ids are the generator's own choices.
XJGJ, ZD, MB, UMQ = (get_program(code).name for code in ("XJGJ", "ZD", "MB", "UMQ"))
PROGRAMS = PROGRAM_NAMES
PROGRAM_WEIGHTS = {XJGJ: 35, ZD: 20, MB: 20, UMQ: 25}
ID_PREFIX = {XJGJ: "XJ2025", ZD: "ZD2026", MB: "MB2025", UMQ: "UM2025"}
DEADLINES = {p.name: p.deadline.date() for p in CATALOGUE_PROGRAMS if p.deadline}
# Latest date on clean evidence: safely before the deadline and the check day.
EVIDENCE_CAP = {p: min(DEADLINES.get(p, AS_OF), AS_OF) - dt.timedelta(days=10) for p in PROGRAMS}
LATE_WINDOW = (dt.date(2025, 3, 20), dt.date(2025, 9, 20))  # after MB's deadline, before AS_OF

FAULT_KINDS = (
    "name_mismatch",
    "id_mismatch",
    "id_invalid",
    "birthdate_mismatch",
    "level_overclaim",
    "missing_evidence",
    "award_unsupported",
    "award_mismatch",
    "date_after_deadline",
    "cert_no_inconsistent",
    "ineligible",
    "unreadable",
)
EXPECTED_CODES: dict[str, frozenset[str]] = {
    "name_mismatch": frozenset({"NAME_MISMATCH"}),
    "id_mismatch": frozenset({"ID_MISMATCH"}),
    "id_invalid": frozenset({"ID_INVALID"}),
    "birthdate_mismatch": frozenset({"BIRTHDATE_MISMATCH"}),
    "level_overclaim": frozenset({"LEVEL_OVERCLAIM"}),
    "missing_evidence": frozenset({"MISSING_EVIDENCE"}),
    "award_unsupported": frozenset({"AWARD_UNSUPPORTED"}),
    "award_mismatch": frozenset({"AWARD_MISMATCH"}),
    "date_after_deadline": frozenset({"DATE_AFTER_DEADLINE"}),
    "cert_no_inconsistent": frozenset({"CERT_NO_INCONSISTENT"}),
    "ineligible": frozenset({"INELIGIBLE"}),
    "unreadable": frozenset({"UNREADABLE_DOCUMENT"}),
    # Opt-in kinds (never drawn by default; see "duplicates and edited copies" below). A
    # duplicate raises no flag of its own: it is a `duplicates` group of results.json.
    "duplicate_applicant": frozenset(),
    "duplicate_evidence": frozenset({"NAME_MISMATCH"}),
    "tamper": frozenset({"TAMPER_SUSPECTED"}),
}
# Asked for by name only: `faults=None` keeps drawing FAULT_KINDS.
EXTRA_FAULT_KINDS = ("duplicate_applicant", "duplicate_evidence", "tamper")
DEFAULT_DIFFICULTIES = {"clean": 0.45, "ordinary": 0.45, "poor": 0.10}
# Phone photos are jpg; png/tif scans of 300 dpi pages weigh 5–12 MB, so they stay rare.
FORMAT_WEIGHTS = {"jpg": 58, "pdf": 25, "png": 10, "tif": 7}
ID_CARD_SHARE = 0.85
OLDER_SKILL_SHARE = 0.25
OTHER_PAGE_SHARE = 0.12
COMBINED_FILE_SHARE = 0.15  # several certificates scanned into one multi-page file
# Which layouts draw the evidence: "synth" (the reader was developed on them), "blind"
# (synth/blind/, drawn from documents.md alone; see synth.blind.packet), "mixed" (each
# document picks one of the two).
LAYOUT_FAMILIES = ("synth", "blind", "mixed")
SHEET_SHARE = 0.3  # blind: applicants whose two certificates are copied onto one A4
BROKEN_KINDS = ("empty", "truncated_jpeg", "docx", "html_pdf")

# Header aliases of the declared table are the catalogue's (the contract's). The awards
# sheet is written with its Chinese headers only, under the key names of the truth and of
# the award rows (award_level, award_rank).
_AWARD_KEYS = {"level": "award_level", "rank": "award_rank"}
AWARD_ALIASES: dict[str, tuple[str, ...]] = {
    _AWARD_KEYS.get(k, k): tuple(h for h in aliases if not h.isascii())
    for k, aliases in AWARD_HEADERS.items()
}

SOUTH_PREFIXES = ("6528", "6529", "6530", "6531", "6532")
SOUTH_BINGTUAN = ("659002", "659003")  # 阿拉尔, 图木舒克: 兵团南疆师市
BINGTUAN_PREFECTURE = {
    "659001": "第八师石河子市",
    "659002": "第一师阿拉尔市",
    "659003": "第三师图木舒克市",
    "659004": "第六师五家渠市",
}
LOCAL_UNITS = (
    "供电公司", "农业技术推广中心", "人民医院", "职业技术学校", "水利管理站",
    "建筑安装工程有限公司", "热力有限公司", "自来水公司", "第一中学",
)  # fmt: skip
TITLE_SERIES_BY_PROGRAM = {
    XJGJ: ("工程", "工程", "工程", "中等职业学校教师"),
    UMQ: ("工程", "工程", "工程", "中等职业学校教师"),
    ZD: ("工程", "工程", "经济", "会计", "农业"),
    MB: ("工程", "卫生", "农业", "中小学教师", "高等学校教师", "护理"),
}
EDUCATION_SPELLINGS = {
    "中专": ("中专", "中专"),
    "高中": ("高中",),
    "大专": ("大专", "大专", "大学专科"),
    "本科": ("本科", "大学本科", "全日制本科"),
    "硕士研究生": ("硕士研究生", "研究生（硕士）"),
    "博士研究生": ("博士研究生",),
}
GRADE_CN = {1: "一级", 2: "二级", 3: "三级", 4: "四级", 5: "五级"}
RANK_FAMILIES = (("金奖", "银奖", "铜奖"), ("一等奖", "二等奖", "三等奖", "优秀奖"))
LEVEL_UP = {"县级": "地市级", "地市级": "省级", "省级": "国家级", "其他": "县级"}
_FULLWIDTH = {c: chr(ord(c) + 0xFEE0) for c in "0123456789X"}
# Middle-dot look-alikes written between the parts of a declared name (the first four in a
# clean applicant's row, all five in a duplicate applicant's).
DOT_LOOKALIKES = ("•", "．", "・", " ", "‧")


# ---------------------------------------------------------------------------------------
# plan types


@dataclass
class DocPlan:
    """One document to render: its type, the facts it prints, and who it shows."""

    doc_type: str
    facts: dict
    role: str  # id_card, skill, skill_older, title, education, award:<n>, other
    person: Person | None = None  # printed identity when it is not the applicant's own
    fault: str | None = None  # the fault kind this document carries


@dataclass
class PageSpec:
    doc_type: str
    facts: dict
    person: dict
    difficulty: str
    role: str
    rotation: int = 0
    mounted: bool = False
    text_layer: str | None = None  # None, "vector" or "sandwich"
    fault: str | None = None
    # Opt-in faults: render the certificate of this page seed (the same certificate as
    # another applicant's page), then damage it with this page's own seed ("rescanned").
    render_seed: str | None = None
    same_as: dict | None = None  # {"applicant_id", "role", "file", "page", "edited"}
    # Layouts other than synth's: the family that draws the page, its layout, and for a
    # sheet (several certificates copied onto one page) the documents on it.
    family: str = "synth"
    layout: str | None = None
    parts: list[PageSpec] | None = None


@dataclass
class FileSpec:
    """One evidence file; everything a worker needs to render and encode it."""

    path: str  # relative to BATCH_DIR
    fmt: str  # jpg, png, pdf, tif; for broken files the broken kind's container
    pages: list[PageSpec]
    seed: str
    broken: str | None = None  # one of BROKEN_KINDS
    fault: str | None = None
    software: str | None = None  # EXIF Software written into a jpg (tamper fault)
    max_dpi: int | None = None  # small pages: scans stored at no more than this resolution
    layouts: str = "synth"  # the batch's LAYOUT_FAMILIES choice (the truth names families)


@dataclass
class ApplicantPlan:
    index: int
    applicant_id: str
    program: str
    person: Person
    south: bool
    prefecture: str
    work_unit: str
    occupation: str | None
    skill_level: str | None
    title: str | None
    title_level: str | None
    education: str | None
    team_size: int | None
    work_start: dt.date
    awards: list[dict] = field(default_factory=list)  # declared award rows (canonical)
    docs: list[DocPlan] = field(default_factory=list)
    fault: str | None = None
    variant: str = ""
    notes: list[dict] = field(default_factory=list)
    variations: list[str] = field(default_factory=list)
    broken: list[str] = field(default_factory=list)
    # Declared values that differ on purpose from the truth (faults).
    declared_id: str | None = None
    declared_birth: dt.date | None = None
    files: list[FileSpec] = field(default_factory=list)
    declared: dict = field(default_factory=dict)  # canonical, filled when the row is written
    written: dict = field(default_factory=dict)
    # Opt-in faults: cells written as given, expected codes that depend on the variant, and
    # roles whose certificate is another applicant's (role → (applicant index, role, edited)).
    name_cell: str | None = None
    id_cell: str | None = None
    codes: list[str] | None = None
    render_links: dict[str, tuple[int, str, bool]] = field(default_factory=dict)

    @property
    def expected_codes(self) -> list[str]:
        if self.codes is not None:
            return sorted(self.codes)
        return sorted(EXPECTED_CODES[self.fault]) if self.fault else []


@dataclass
class ApplicantTruth:
    applicant_id: str
    program: str
    clean: bool
    faults: list[str]
    expected_codes: list[str]
    notes: list[dict]
    variations: list[str]
    person: dict
    declared: dict
    declared_written: dict
    awards: list[dict]
    files: list[dict]


@dataclass
class BatchTruth:
    seed: int
    as_of: str
    declared_format: str
    declared_files: list[str]
    fault_kinds: list[str]
    headers: dict[str, str]
    applicants: list[ApplicantTruth]
    schema_version: int = SCHEMA_VERSION
    layouts: str = "synth"  # LAYOUT_FAMILIES; written only when not synth's (older truths)

    def to_dict(self) -> dict:
        d = asdict(self)
        if d["layouts"] == "synth":
            del d["layouts"]
        return {"schema_version": d.pop("schema_version"), **d}

    def by_id(self) -> dict[str, ApplicantTruth]:
        return {a.applicant_id: a for a in self.applicants}


# ---------------------------------------------------------------------------------------
# small helpers


def _weighted(rng: random.Random, weights: dict) -> str:
    keys = list(weights)
    return rng.choices(keys, weights=[weights[k] for k in keys])[0]


def _years_after(d: dt.date, years: int) -> dt.date:
    try:
        return d.replace(year=d.year + years)
    except ValueError:  # 29 Feb
        return d.replace(year=d.year + years, day=28)


def _date_between(rng: random.Random, lo: dt.date, hi: dt.date) -> dt.date:
    if lo > hi:  # a young applicant: keep the date plausible but before the cap
        lo = hi - dt.timedelta(days=200)
    return random_date(rng, lo, hi)


def _is_south(code6: str) -> bool:
    return code6[:4] in SOUTH_PREFIXES or code6 in SOUTH_BINGTUAN


def _prefecture(code6: str) -> str:
    if code6[:4] == "6590":
        return BINGTUAN_PREFECTURE[code6]
    return PREFECTURE_NAMES[code6[:4]]


def _sibling_id(rng: random.Random, id_number: str) -> str:
    """Another valid number with the same region, birth date and sex (sequence changed)."""
    seq = int(id_number[14:17])
    while True:
        new = rng.randrange(0, 100) * 10 + seq % 10  # same last digit keeps the sex
        if new != seq:
            first17 = f"{id_number[:14]}{new:03d}"
            return first17 + id_check_char(first17)


def _typo_id(rng: random.Random, id_number: str) -> str:
    """One sequence digit mistyped (not the sex digit): region and birth date stay valid, the
    check character no longer fits (each weight is non-zero mod 11, so any change breaks it)."""
    pos = rng.choice((14, 15))
    digit = rng.choice([d for d in "0123456789" if d != id_number[pos]])
    typo = id_number[:pos] + digit + id_number[pos + 1 :]
    assert id_check_char(typo[:17]) != typo[17]
    return typo


def _name_parts(name: str) -> list[str]:
    return [p for p in name.split("·") if p]


_SIMPLIFIED = {v: k for k, v in TRADITIONAL.items()}


def _clearly_different(a: str, b: str) -> bool:
    """Different first character (surname) and no name part in common."""
    first_a, first_b = _SIMPLIFIED.get(a[0], a[0]), _SIMPLIFIED.get(b[0], b[0])
    return first_a != first_b and not set(_name_parts(a)) & set(_name_parts(b))


def _other_name(rng: random.Random, person: Person) -> str:
    """A colleague's name for a borrowed certificate: different surname or name parts."""
    for _ in range(200):
        name = make_name(rng, person.ethnicity, person.gender)
        if _clearly_different(name, person.name):
            return name
    raise RuntimeError(f"no clearly different name for {person.name}")  # pragma: no cover


# ---------------------------------------------------------------------------------------
# applicants


BIRTH_RANGE = {
    XJGJ: (dt.date(1967, 1, 1), dt.date(1993, 6, 30)),
    ZD: (dt.date(1967, 1, 1), dt.date(1995, 6, 30)),
    MB: (dt.date(1981, 1, 1), dt.date(1996, 6, 30)),  # MB-AGE: born on/after 1980-01-01
    UMQ: (dt.date(1981, 1, 1), dt.date(1995, 6, 30)),  # under 45: far from retirement
}


def _choose_program(rng: random.Random, fault: str | None) -> tuple[str, str]:
    """(program, variant) such that the fault yields exactly its expected codes."""
    if fault == "level_overclaim":
        return rng.choice(
            ((UMQ, "skill"), (ZD, "skill"), (XJGJ, "skill"), (ZD, "title"), (MB, "education"))
        )
    if fault == "missing_evidence":
        # Only where the missing item is no rule's condition, so no INELIGIBLE follows.
        return rng.choice(
            (
                (XJGJ, "education"),
                (UMQ, "education"),
                (ZD, "education"),
                (XJGJ, "title"),
                (UMQ, "title"),
            )
        )
    if fault == "date_after_deadline":
        return MB, rng.choice(("award", "award", "title"))  # the only deadline before AS_OF
    if fault == "ineligible":
        return rng.choice(
            ((MB, "age"), (UMQ, "team"), (UMQ, "retire"), (ZD, "team"), (XJGJ, "level"))
        )
    if fault == "cert_no_inconsistent":
        return rng.choice((XJGJ, UMQ, ZD)), "skill"
    return _weighted(rng, PROGRAM_WEIGHTS), ""


def _pick_code6(rng: random.Random, ethnicity: str, birth: dt.date, south: bool | None) -> str:
    weights = dict(REGION_WEIGHTS.get(ethnicity, REGION_WEIGHTS["汉族"]))
    if south is True:
        weights = {p: w for p, w in weights.items() if p in SOUTH_PREFIXES} or {"6531": 1}
    elif south is False:
        weights = {p: w for p, w in weights.items() if p not in SOUTH_PREFIXES} or {"6501": 1}
    pref = _weighted(rng, weights)
    # 吐鲁番/哈密 numbers issued before the 2015 change keep the old prefix.
    if pref in ("6504", "6521"):
        pref = "6521" if birth.year < 1998 else "6504"
    if pref in ("6505", "6522"):
        pref = "6522" if birth.year < 1998 else "6505"
    codes = [c for c, _ in COUNTIES[pref]]
    if south is False:
        codes = [c for c in codes if not _is_south(c)]  # 兵团南疆师市
    return rng.choice(codes)


def _make_person(
    rng: random.Random,
    program: str,
    fault: str | None,
    variant: str,
    south: bool | None,
    used: set[str],
    *,
    birth_range: tuple[dt.date, dt.date] | None = None,
) -> Person:
    gender = "男" if rng.random() < 0.6 else "女"
    lo, hi = birth_range or BIRTH_RANGE[program]
    if fault == "ineligible" and variant == "age":
        lo, hi = dt.date(1968, 1, 1), dt.date(1979, 10, 31)
    if fault == "ineligible" and variant == "retire":
        # Retires (gradual raise included) well under 2 years after AS_OF.
        lo, hi = (
            (dt.date(1965, 4, 1), dt.date(1966, 3, 31))
            if gender == "男"
            else (dt.date(1975, 4, 1), dt.date(1976, 3, 31))
        )
    if program == MB:
        minorities = {k: v for k, v in ETHNICITY_WEIGHTS.items() if k != "汉族"}
        ethnicity = _weighted(rng, minorities)
    else:
        ethnicity = _weighted(rng, ETHNICITY_WEIGHTS)
    for _ in range(50):
        birth = random_date(rng, lo, hi)
        code6 = _pick_code6(rng, ethnicity, birth, south)
        idn = make_id_number(rng, code6, birth, gender)
        person = make_person(
            rng, ethnicity=ethnicity, gender=gender, birth_date=birth.isoformat(), id_number=idn
        )
        key = person.name.replace("·", "")
        if idn not in used and key not in used:
            used.update((idn, key))
            return person
    raise RuntimeError("could not draw a unique applicant")  # pragma: no cover


def _skill_facts(
    rng: random.Random,
    person: Person,
    level: str,
    occupation: str,
    lo_age: int,
    cap: dt.date,
    *,
    before: dt.date | None = None,
) -> dict:
    lo = max(_years_after(person.birth, lo_age), dt.date(2006, 1, 1))
    hi = before or cap
    issue = _date_between(rng, lo, hi)
    era = "new" if issue >= dt.date(2020, 9, 1) else "old"
    return {
        "skill_level": level,
        "occupation": occupation,
        "issue_date": issue.isoformat(),
        "era": era,
    }


SKILL_MIN_AGE = {"初级工": 19, "中级工": 21, "高级工": 23, "技师": 26, "高级技师": 30}
TITLE_MIN_AGE = {"初级": 23, "中级": 28, "副高级": 34, "正高级": 42}


def _title_name(rng: random.Random, program: str, level: str, *, need_top: bool = False) -> str:
    """A title of `level` from a series the program's applicants hold; need_top: a series
    that also has a 正高级 title (for a declared 正高级 over a 副高级 certificate)."""
    wanted = {level, "正高级"} if need_top else {level}
    series = rng.choice(
        [
            s
            for s in TITLE_SERIES_BY_PROGRAM[program]
            if wanted <= {lv for _, lv in vocab.TITLE_SERIES[s]}
        ]
    )
    return next(t for t, lv in vocab.TITLE_SERIES[series] if lv == level)


def _top_title(title: str) -> str:
    """The 正高级 title of the series a 副高级 title belongs to."""
    for options in vocab.TITLE_SERIES.values():
        if any(t == title for t, _ in options):
            return next(t for t, lv in options if lv == "正高级")
    raise KeyError(title)


def _title_facts(rng: random.Random, person: Person, title: str, level: str, cap: dt.date) -> dict:
    lo = max(_years_after(person.birth, TITLE_MIN_AGE[level]), dt.date(2005, 1, 1))
    return {"title": title, "issue_date": _date_between(rng, lo, cap).isoformat()}


def _education_facts(rng: random.Random, person: Person, edu: str, cap: dt.date) -> dict:
    year = person.birth.year + EDU_AGE[edu] + rng.choice((0, 0, 0, 1, 2, 4))
    grad = dt.date(year, rng.choice((6, 7, 7)), rng.choice((1, 10, 20, 30)))
    grad = min(grad, cap)
    kind = "degree" if edu in DEGREE and rng.random() < 0.35 else "diploma"
    return {"education": edu, "issue_date": grad.isoformat(), "kind": kind}


def _award(
    rng: random.Random,
    person: Person,
    cap: dt.date,
    *,
    high: bool = False,
    issue: dt.date | None = None,
    exclude: Sequence[str] = (),
) -> tuple[dict, dict]:
    """(facts for the certificate, the declared award row)."""
    if issue is None:
        lo = max(_years_after(person.birth, 24), dt.date(2010, 1, 1))
        issue = _date_between(rng, lo, cap)
    ok = ("国家级", "省级") if high else ("国家级", "省级", "地市级", "县级", "其他")
    if rng.random() < 0.5:
        pool = [
            h
            for h in vocab.HONOURS
            if h[2] in ok and h[0] not in exclude and ("巾帼" not in h[0] or person.gender == "女")
        ]
        name, issuer, level = rng.choice(pool)
        facts = {
            "kind": "honour",
            "award_name": name,
            "issuer": issuer,
            "award_level": level,
            # the printed year ("2022年度" or the issue date) is the issue year
            "award_year": str(issue.year),
            "issue_date": issue.isoformat(),
        }
        rank = None
        project = rng.choice(("荣誉称号", "", name))
    else:
        for _ in range(20):
            fmt, issuer, level = rng.choice([c for c in vocab.COMPETITIONS if c[2] in ok])
            if fmt == "第{n}届全国职业技能大赛":
                n = 1 if issue.year < 2023 else 2
            else:
                n = rng.randint(1, 9)
            name = fmt.format(n=cn_number(n), y=issue.year)
            if name not in exclude:
                break
        rank = rng.choices(vocab.RANKS, weights=(6, 6, 6, 10, 12, 14, 8))[0]
        facts = {
            "kind": "competition",
            "award_name": name,
            "issuer": issuer,
            "award_level": level,
            "award_rank": rank,
            "issue_date": issue.isoformat(),
        }
        project = rng.choice(("职业技能竞赛", rng.choice(vocab.COMPETITION_EVENTS) + "项目", ""))
    declared = {
        "award_name": name,
        "issuer": issuer,
        "award_level": level,
        "award_rank": rank,
        "award_year": str(issue.year),
        "project": project,
    }
    return facts, declared


def _local_unit(rng: random.Random, code6: str) -> str:
    county = dict(COUNTIES[code6[:4]])[code6]
    return county + rng.choice(LOCAL_UNITS)


def _plan_applicant(seed: int, index: int, fault: str | None, used: set[str]) -> ApplicantPlan:
    rng = random.Random(f"batch-applicant:{seed}:{index}")
    program, variant = _choose_program(rng, fault)
    cap = EVIDENCE_CAP[program]
    south_need = _south_need(rng, program, fault)
    zd_lead = _zd_lead(rng, program, variant, fault)
    birth_range = None
    if program == ZD and zd_lead == "title":
        birth_range = (dt.date(1967, 1, 1), dt.date(1986, 12, 31))
    person = _make_person(rng, program, fault, variant, south_need, used, birth_range=birth_range)
    code6 = person.id_number[:6]
    south = _is_south(code6)
    prefecture = _prefecture(code6)
    work_unit = (
        _local_unit(rng, code6) if south or rng.random() < 0.35 else rng.choice(vocab.COMPANIES)
    )
    age = (AS_OF - person.birth).days // 365
    profile = _Profile(program, fault, variant, person, south, zd_lead, age)
    skill, title_level, education, relaxed = _QUALIFICATIONS[program](rng, profile)
    title = None
    if title_level:
        need_top = program == ZD and variant == "title"
        title = _title_name(rng, program, title_level, need_top=need_top)
    team_size = _team_size(rng, program, fault, variant)
    occupation = rng.choice(list(vocab.OCCUPATIONS)) if skill else None
    work_start = _date_between(
        rng, _years_after(person.birth, 18), _years_after(person.birth, 23)
    ).replace(day=1)

    a = ApplicantPlan(
        index=index,
        applicant_id=f"{ID_PREFIX[program]}-{index + 1:04d}",
        program=program,
        person=person,
        south=south,
        prefecture=prefecture,
        work_unit=work_unit,
        occupation=occupation,
        skill_level=skill,
        title=title,
        title_level=title_level,
        education=education,
        team_size=team_size,
        work_start=work_start,
        fault=fault,
        variant=variant,
    )
    if relaxed:
        a.variations.append(f"MB-QUAL relaxed in 南疆 ({relaxed})")
    _plan_documents(rng, a, cap, zd_lead)
    _shorten_a_printed_name(rng, a)
    if fault:
        _inject(rng, a, cap)
    return a


def _south_need(rng: random.Random, program: str, fault: str | None) -> bool | None:
    """Whether the applicant must (True) or must not (False) work in 南疆, or either (None):
    XJGJ-LEVEL and MB-QUAL depend on it."""
    if program == XJGJ:
        if fault == "level_overclaim":
            return True  # 技师 certificate still passes in 南疆
        if fault == "ineligible":
            return False  # 技师 outside 南疆 fails XJGJ-LEVEL
        return rng.random() < 0.4
    if program == MB:
        return rng.random() < 0.35
    return None


def _zd_lead(rng: random.Random, program: str, variant: str, fault: str | None) -> str:
    """What a ZD applicant leads with (skill, title or award); "" in other programs."""
    if program != ZD:
        return ""
    if variant in ("skill", "title"):
        return variant
    if fault == "missing_evidence":
        return rng.choice(("skill", "title"))
    return _weighted(rng, {"skill": 50, "title": 30, "award": 20})


class _Profile(NamedTuple):
    """What the qualifications of an applicant depend on."""

    program: str
    fault: str | None
    variant: str
    person: Person
    south: bool
    zd_lead: str
    age: int  # on AS_OF


# Qualifications per program: (skill level, title level, education, MB-QUAL relaxed in 南疆
# for "education" or "title" or ""), each None when not held.
_Quals = tuple[str | None, str | None, str | None, str]
_SCHOOLING = {"中专": 25, "高中": 10, "大专": 35, "本科": 30}


def _quals_xjgj(rng: random.Random, prof: _Profile) -> _Quals:
    title_level = education = None
    if prof.fault in ("level_overclaim", "ineligible"):
        skill = "技师"
    elif prof.south:
        skill = _weighted(rng, {"技师": 60, "高级技师": 40})
    else:
        skill = "高级技师"
    if prof.variant == "title" or rng.random() < 0.15:
        title_level = rng.choice(("初级", "中级"))
    if prof.variant == "education" or rng.random() < 0.65:
        education = _weighted(rng, _SCHOOLING)
    return skill, title_level, education, ""


def _quals_umq(rng: random.Random, prof: _Profile) -> _Quals:
    title_level = education = None
    skill = _weighted(rng, {"技师": 55, "高级技师": 45})
    if prof.variant == "title" or rng.random() < 0.15:
        title_level = rng.choice(("初级", "中级"))
    if prof.variant == "education" or rng.random() < 0.6:
        education = _weighted(rng, _SCHOOLING)
    return skill, title_level, education, ""


def _quals_zd(rng: random.Random, prof: _Profile) -> _Quals:
    skill = title_level = education = None
    if prof.zd_lead == "skill":
        skill = _weighted(rng, {"技师": 60, "高级技师": 40})
    elif rng.random() < 0.4:
        skill = rng.choice(("中级工", "高级工"))
    if prof.zd_lead == "title":
        title_level = (
            "正高级" if prof.age >= 47 and not prof.variant and rng.random() < 0.2 else "副高级"
        )
        education = _weighted(rng, {"本科": 70, "硕士研究生": 30})
    else:
        if rng.random() < 0.2:
            title_level = rng.choice(("初级", "中级"))
        if prof.variant == "education" or rng.random() < 0.6:
            education = _weighted(rng, {"大专": 30, "本科": 50, "硕士研究生": 20})
    return skill, title_level, education, ""


def _quals_mb(rng: random.Random, prof: _Profile) -> _Quals:
    """本科+ and 中级+; in 南疆 one of them may be relaxed."""
    relaxed = ""
    if prof.south and not prof.variant and rng.random() < 0.3:
        relaxed = rng.choice(("education", "title"))
    education = (
        "大专"
        if relaxed == "education"
        else "本科"
        if prof.variant == "education"
        else _weighted(rng, {"本科": 70, "硕士研究生": 25, "博士研究生": 5})
    )
    if relaxed == "title":
        title_level = "初级"
    elif prof.person.birth <= dt.date(1989, 12, 31) and rng.random() < 0.3:
        title_level = "副高级"
    else:
        title_level = "中级"
    return None, title_level, education, relaxed


_QUALIFICATIONS = {XJGJ: _quals_xjgj, UMQ: _quals_umq, ZD: _quals_zd, MB: _quals_mb}


def _team_size(rng: random.Random, program: str, fault: str | None, variant: str) -> int | None:
    if program == ZD:
        team_size = rng.randint(5, 10)
        if fault == "ineligible":
            team_size = rng.choice((rng.randint(11, 15), rng.randint(2, 4)))
        return team_size
    if program == UMQ:
        team_size = rng.randint(2, 8)
        if fault == "ineligible" and variant == "team":
            team_size = rng.choice((0, 1))
        return team_size
    return None


AWARD_COUNT_WEIGHTS = {
    XJGJ: {"0": 35, "1": 40, "2": 25},
    ZD: {"0": 40, "1": 40, "2": 20},
    MB: {"0": 60, "1": 40, "2": 0},
    UMQ: {"0": 40, "1": 40, "2": 20},
}


def _plan_documents(rng: random.Random, a: ApplicantPlan, cap: dt.date, zd_lead: str) -> None:
    """The documents of a clean packet: ID card, certificates of what is declared, awards."""
    person, skill = a.person, a.skill_level
    if rng.random() < ID_CARD_SHARE or a.fault in ("id_invalid", "id_mismatch"):
        layout = _weighted(rng, {"stacked": 55, "side_by_side": 20, "front_only": 18})
        a.docs.append(DocPlan("id_card", {"layout": layout}, "id_card"))
    if skill:
        _plan_skill_documents(rng, a, skill, cap)
    if a.title and a.title_level:
        a.docs.append(
            DocPlan(
                "title_certificate",
                _title_facts(rng, person, a.title, a.title_level, cap),
                "title",
            )
        )
    if a.education:
        a.docs.append(
            DocPlan(
                "education_certificate",
                _education_facts(rng, person, a.education, cap),
                "education",
            )
        )
    n_awards = int(_weighted(rng, AWARD_COUNT_WEIGHTS[a.program]))
    if zd_lead == "award":
        n_awards = max(n_awards, 1)
    for k in range(n_awards):
        facts, declared = _award(
            rng,
            person,
            cap,
            high=zd_lead == "award" and k == 0,
            exclude=[x["award_name"] for x in a.awards],
        )
        _add_award(a, facts, declared)
    if a.program != MB and rng.random() < OTHER_PAGE_SHARE:
        # MB: "other" pages print dates up to the check day, after MB's deadline
        a.docs.append(DocPlan("other", {"layout": rng.choice(LAYOUTS["other"])}, "other"))


def _plan_skill_documents(rng: random.Random, a: ApplicantPlan, skill: str, cap: dt.date) -> None:
    """The certificate of the declared skill level, now and then an older, lower one too."""
    person, occupation = a.person, a.occupation
    main = _skill_facts(rng, person, skill, occupation or "", SKILL_MIN_AGE[skill], cap)
    a.docs.append(DocPlan("skill_certificate", main, "skill"))
    grade = SKILL_LEVEL_TO_GRADE[skill]
    if grade < 5 and rng.random() < OLDER_SKILL_SHARE:
        lower = SKILL_LEVELS[max(0, SKILL_LEVELS.index(skill) - rng.choice((1, 1, 2)))]
        before = dt.date.fromisoformat(main["issue_date"]) - dt.timedelta(days=730)
        lo = max(_years_after(person.birth, SKILL_MIN_AGE[lower]), dt.date(2006, 1, 1))
        if before > lo:
            older = _skill_facts(
                rng, person, lower, occupation or "", SKILL_MIN_AGE[lower], cap, before=before
            )
            a.docs.append(DocPlan("skill_certificate", older, "skill_older"))
            a.variations.append(f"an older {lower} certificate besides the {skill} one")


def _shorten_a_printed_name(rng: random.Random, a: ApplicantPlan) -> None:
    """Harmless variation: one certificate prints a three-part name with two parts only."""
    parts = _name_parts(a.person.name)
    certs = [d for d in a.docs if d.role in ("skill", "title") or d.role.startswith("award")]
    if len(parts) == 3 and certs and rng.random() < 0.4:
        d = rng.choice(certs)
        d.facts["name"] = "·".join(parts[:2])
        a.variations.append(f"{d.role} prints the name with two parts only")


def _add_award(a: ApplicantPlan, facts: dict, declared: dict, *, with_doc: bool = True) -> int:
    n = len(a.awards)
    a.awards.append(declared)
    if with_doc:
        a.docs.append(DocPlan("award_certificate", facts, f"award:{n}"))
    return n


# ---------------------------------------------------------------------------------------
# faults


def _note(a: ApplicantPlan, note: str, doc: DocPlan | None = None, **extra) -> None:
    assert a.fault
    entry = {"kind": a.fault, "code": a.expected_codes[0], "note": note}
    if doc is not None:
        doc.fault = a.fault
        entry["role"] = doc.role
    entry.update({k: v for k, v in extra.items() if v is not None})
    a.notes.append(entry)


def _doc(a: ApplicantPlan, role: str) -> DocPlan | None:
    return next((d for d in a.docs if d.role == role), None)


def _ensure_id_card(rng: random.Random, a: ApplicantPlan) -> DocPlan:
    d = _doc(a, "id_card")
    if d is None:
        d = DocPlan("id_card", {"layout": rng.choice(("stacked", "front_only"))}, "id_card")
        a.docs.insert(0, d)
    return d


def _wrong_cert_no(rng: random.Random, facts: dict) -> str:
    """A number of the certificate's era whose level digit is not the printed level's."""
    grade = SKILL_LEVEL_TO_GRADE[facts["skill_level"]]
    wrong = rng.choice([g for g in range(1, 6) if g != grade])
    year = int(facts["issue_date"][:4])
    if facts["era"] == "new":
        org, kind = rng.choice(vocab.EVAL_ORGS)
        facts["issuer"] = org  # the number's Y/S letter must fit the issuer
        code = "0000" if rng.random() < 0.4 else f"{rng.randrange(1, 10000):04d}"
        site, serial = rng.randrange(10**6), rng.randrange(10**6)
        return f"{kind}{code}65{site:06d}{year % 100:02d}{wrong}{serial:06d}"
    pref2, issuer = rng.choice(vocab.OLD_ISSUERS)
    if year < 2008:
        for old, new in vocab.OLD_ISSUER_PRE2008.items():
            issuer = issuer.replace(old, new)
    facts["issuer"] = issuer
    org = f"{rng.randrange(5)}{rng.randrange(1000):03d}"
    return f"{year % 100:02d}65{pref2}{org}{wrong}{rng.randrange(10**5):05d}"


def _inject_name_mismatch(rng: random.Random, a: ApplicantPlan, cap: dt.date) -> None:
    p = a.person
    targets = [d for d in a.docs if d.role in ("skill", "title") or d.role.startswith("award")]
    d = rng.choice(targets)
    other = _other_name(rng, p)
    d.facts["name"] = other
    a.variations = [v for v in a.variations if "two parts" not in v or d.role not in v]
    _note(
        a,
        f"borrowed {d.doc_type}: printed name {other}, the applicant is {p.name}",
        d,
        field="name",
        declared=p.name,
        found=other,
    )


def _inject_id_mismatch(rng: random.Random, a: ApplicantPlan, cap: dt.date) -> None:
    p = a.person
    other = _sibling_id(rng, p.id_number)
    skill = _doc(a, "skill")
    if skill is not None and skill.facts["era"] == "new" and rng.random() < 0.4:
        d = skill
        d.facts["id_number"] = other
    else:
        d = _ensure_id_card(rng, a)
        d.person = replace(p, id_number=other)
    _note(
        a,
        f"{d.doc_type} prints ID {other}, declared {p.id_number} (same birth date and sex)",
        d,
        field="id_number",
        declared=p.id_number,
        found=other,
    )


def _inject_id_invalid(rng: random.Random, a: ApplicantPlan, cap: dt.date) -> None:
    p = a.person
    _ensure_id_card(rng, a)
    a.declared_id = _typo_id(rng, p.id_number)
    _note(
        a,
        f"declared ID {a.declared_id} has a mistyped digit (check character fails); "
        f"the ID card shows {p.id_number}",
        field="id_number",
        declared=a.declared_id,
        found=p.id_number,
    )


def _inject_birthdate_mismatch(rng: random.Random, a: ApplicantPlan, cap: dt.date) -> None:
    p = a.person
    b = p.birth
    if rng.random() < 0.6:
        y = b.year + rng.choice((-3, -2, -1, 1, 2, 3))
        new = dt.date(y, b.month, min(b.day, 28))
    else:
        m = (b.month - 1 + rng.choice((-5, -4, -3, -2, 2, 3, 4, 5))) % 12 + 1
        new = dt.date(b.year, m, min(b.day, 28))
    if a.program == MB and new < dt.date(1980, 1, 1):
        new = new.replace(year=b.year)  # keep the declared date within MB-AGE as well
        if (new.year, new.month) == (b.year, b.month):
            new = new.replace(month=b.month % 12 + 1)
    a.declared_birth = new
    _note(
        a,
        f"declared birth date {new.isoformat()} disagrees with the ID number's {p.birth_date}",
        field="birth_date",
        declared=new.isoformat(),
        found=p.birth_date,
    )


def _inject_level_overclaim(rng: random.Random, a: ApplicantPlan, cap: dt.date) -> None:
    if a.variant == "skill":
        cert = a.skill_level or "技师"
        i = SKILL_LEVELS.index(cert)
        a.skill_level = SKILL_LEVELS[min(i + rng.choice((1, 1, 2)), 5)]
        _note(
            a,
            f"declared skill level {a.skill_level}, best certificate shows {cert}",
            _doc(a, "skill"),
            field="skill_level",
            declared=a.skill_level,
            found=cert,
        )
    elif a.variant == "title":
        cert_title = a.title or ""
        a.title, a.title_level = _top_title(cert_title), "正高级"
        _note(
            a,
            f"declared title {a.title} (正高级), certificate shows {cert_title} (副高级)",
            _doc(a, "title"),
            field="title_level",
            declared="正高级",
            found="副高级",
        )
    else:
        a.education = rng.choice(("硕士研究生", "硕士研究生", "博士研究生"))
        _note(
            a,
            f"declared education {a.education}, certificate shows 本科",
            _doc(a, "education"),
            field="education",
            declared=a.education,
            found="本科",
        )


def _inject_missing_evidence(rng: random.Random, a: ApplicantPlan, cap: dt.date) -> None:
    role = a.variant
    d = _doc(a, role)
    assert d is not None
    a.docs.remove(d)
    value = a.education if role == "education" else a.title
    _note(
        a,
        f"declared {role} {value} but the packet holds no {d.doc_type}",
        field="education" if role == "education" else "title",
        declared=value,
    )


def _inject_award_unsupported(rng: random.Random, a: ApplicantPlan, cap: dt.date) -> None:
    p = a.person
    _, declared = _award(rng, p, cap, exclude=[x["award_name"] for x in a.awards])
    n = _add_award(a, {}, declared, with_doc=False)
    _note(
        a,
        f"declared award {declared['award_name']} ({declared['award_year']}) has no certificate",
        field="award_name",
        declared=declared["award_name"],
        award=n,
    )


def _inject_award_mismatch(rng: random.Random, a: ApplicantPlan, cap: dt.date) -> None:
    p = a.person
    if not a.awards:
        facts, declared = _award(rng, p, cap)
        _add_award(a, facts, declared)
    n = rng.randrange(len(a.awards))
    row = a.awards[n]
    options = ["year"]
    if row["award_level"] != "国家级":
        options.append("level")
    if row["award_rank"] and any(
        row["award_rank"] in fam and fam.index(row["award_rank"]) > 0 for fam in RANK_FAMILIES
    ):
        options += ["rank", "rank"]
    what = rng.choice(options)
    if what == "year":
        # 2+ years apart: a "2022年度" honour issued in 2023 must not count as a mismatch
        shift = rng.choice((-3, -2, 2) if int(row["award_year"]) <= 2022 else (-3, -2))
        found, row["award_year"] = row["award_year"], str(int(row["award_year"]) + shift)
        fld = "award_year"
    elif what == "level":
        found, row["award_level"] = row["award_level"], LEVEL_UP[row["award_level"]]
        fld = "award_level"
    else:
        fam = next(f for f in RANK_FAMILIES if row["award_rank"] in f)
        found = row["award_rank"]
        row["award_rank"] = rng.choice(fam[: fam.index(found)])
        fld = "award_rank"
    _note(
        a,
        f"declared {fld} {row[fld]} for {row['award_name']}, certificate shows {found}",
        _doc(a, f"award:{n}"),
        field=fld,
        declared=row[fld],
        found=found,
        award=n,
    )


def _inject_date_after_deadline(rng: random.Random, a: ApplicantPlan, cap: dt.date) -> None:
    p = a.person
    late = random_date(rng, *LATE_WINDOW)
    if a.variant == "title" and _doc(a, "title") is not None:
        d = _doc(a, "title")
        assert d is not None
        d.facts["issue_date"] = late.isoformat()
    else:
        facts, declared = _award(
            rng, p, cap, issue=late, exclude=[x["award_name"] for x in a.awards]
        )
        n = _add_award(a, facts, declared)
        d = _doc(a, f"award:{n}")
        assert d is not None
    _note(
        a,
        f"{d.doc_type} dated {late.isoformat()}, after the {a.program} deadline "
        f"{DEADLINES[MB].isoformat()}",
        d,
        field="issue_date",
        found=late.isoformat(),
        rule="MB-DEADLINE",
    )


def _inject_cert_no_inconsistent(rng: random.Random, a: ApplicantPlan, cap: dt.date) -> None:
    d = _doc(a, "skill")
    older = _doc(a, "skill_older")
    if older is not None and rng.random() < 0.3:
        d = older
    assert d is not None
    d.facts["cert_no"] = _wrong_cert_no(rng, d.facts)
    _note(
        a,
        f"skill certificate prints {d.facts['skill_level']} but its number "
        f"{d.facts['cert_no']} encodes another level",
        d,
        field="cert_no",
        found=d.facts["cert_no"],
    )


def _inject_ineligible(rng: random.Random, a: ApplicantPlan, cap: dt.date) -> None:
    p = a.person
    rule, why = {
        "age": ("MB-AGE", f"born {p.birth_date}, before 1980-01-01"),
        "team": (
            "ZD-TEAM" if a.program == ZD else "UMQ-TEAM",
            f"team size {a.team_size}",
        ),
        "retire": (
            "UMQ-RETIRE",
            f"{p.gender}, born {p.birth_date}: less than 2 years to statutory retirement",
        ),
        "level": ("XJGJ-LEVEL", f"技师 in {a.prefecture}, outside 南疆"),
    }[a.variant]
    _note(a, f"{rule} fails: {why}; declared data agree with the evidence", rule=rule)


def _inject_unreadable(rng: random.Random, a: ApplicantPlan, cap: dt.date) -> None:
    broken = rng.choice(BROKEN_KINDS)
    a.broken.append(broken)


# One function per fault kind of FAULT_KINDS: each plants its fault in a planned applicant
# (documents, declared values) and notes it.
FAULT_INJECTORS = {
    "name_mismatch": _inject_name_mismatch,
    "id_mismatch": _inject_id_mismatch,
    "id_invalid": _inject_id_invalid,
    "birthdate_mismatch": _inject_birthdate_mismatch,
    "level_overclaim": _inject_level_overclaim,
    "missing_evidence": _inject_missing_evidence,
    "award_unsupported": _inject_award_unsupported,
    "award_mismatch": _inject_award_mismatch,
    "date_after_deadline": _inject_date_after_deadline,
    "cert_no_inconsistent": _inject_cert_no_inconsistent,
    "ineligible": _inject_ineligible,
    "unreadable": _inject_unreadable,
}
assert tuple(FAULT_INJECTORS) == FAULT_KINDS


def _inject(rng: random.Random, a: ApplicantPlan, cap: dt.date) -> None:
    inject = FAULT_INJECTORS.get(a.fault or "")
    if inject is None:  # pragma: no cover
        raise ValueError(a.fault)
    inject(rng, a, cap)


# ---------------------------------------------------------------------------------------
# files of a packet


FILE_STEMS = {
    "id_card": ("身份证", "身份证复印件", "身份证正反面", "居民身份证", "idcard", "sfz"),
    "skill_new": ("职业技能等级证书", "技能等级证书", "{level}证书", "skill_cert"),
    "skill_old": ("职业资格证书", "{level}证书", "资格证书", "技能鉴定证书"),
    "title_certificate": ("职称证书", "专业技术资格证书", "{title}证书", "title"),
    "diploma": ("毕业证书", "毕业证", "学历证书", "diploma"),
    "degree": ("学位证书", "学位证"),
    "award_certificate": ("获奖证书{n}", "荣誉证书{n}", "奖状{n}", "award{n}"),
}
OTHER_STEMS = {
    "contract": "劳动合同",
    "application_form": "申报表",
    "recommendation": "推荐信",
    "apprentices": "带徒名单",
    "employment_proof": "在职证明",
}
COMBINED_STEMS = ("证书", "证书材料", "佐证材料", "证书合集", "相关证书扫描件")
BROKEN_NAMES = {
    "empty": ("获奖证书{n}.jpg", "scan_{k:03d}.jpg", "补充材料.pdf"),
    "truncated_jpeg": ("IMG_2025{mmdd}_{k:04d}.jpg", "扫描件{k}.jpg", "证书照片.jpg"),
    "docx": ("申报书.docx", "个人总结.docx", "业绩材料.docx"),
    "html_pdf": ("学历证书查询结果.pdf", "证书查询.pdf", "电子证书.pdf"),
}


def _stem(rng: random.Random, d: DocPlan, award_no: int) -> str:
    if d.doc_type == "skill_certificate":
        key = "skill_new" if d.facts.get("era") == "new" else "skill_old"
        return rng.choice(FILE_STEMS[key]).format(level=d.facts["skill_level"])
    if d.doc_type == "title_certificate":
        return rng.choice(FILE_STEMS["title_certificate"]).format(title=d.facts["title"])
    if d.doc_type == "education_certificate":
        return rng.choice(FILE_STEMS["degree" if d.facts.get("kind") == "degree" else "diploma"])
    if d.doc_type == "award_certificate":
        return rng.choice(FILE_STEMS["award_certificate"]).format(n=award_no)
    if d.doc_type == "other":
        return OTHER_STEMS[d.facts["layout"]]
    return rng.choice(FILE_STEMS["id_card"])


def _ext(rng: random.Random, fmt: str) -> str:
    if fmt == "jpg":
        return rng.choices((".jpg", ".jpeg", ".JPG"), weights=(85, 10, 5))[0]
    if fmt == "tif":
        return rng.choice((".tif", ".tif", ".tiff"))
    return "." + fmt


def _group_documents(rng: random.Random, a: ApplicantPlan) -> list[list[DocPlan]]:
    """The documents of each file, files in no particular order (as packets arrive)."""
    groups: list[list[DocPlan]] = []
    docs = list(a.docs)
    certs = [i for i, d in enumerate(docs) if d.doc_type not in ("id_card", "other")]
    if len(certs) >= 2 and rng.random() < COMBINED_FILE_SHARE:
        combined = sorted(rng.sample(certs, min(len(certs), rng.choice((2, 2, 3)))))
        for i, d in enumerate(docs):
            if i == combined[0]:
                groups.append([docs[j] for j in combined])
            elif i not in combined:
                groups.append([d])
    else:
        groups = [[d] for d in docs]
    rng.shuffle(groups)
    return groups


def _page_spec(
    rng: random.Random, a: ApplicantPlan, d: DocPlan, fmt: str, difficulty: str, multi: bool
) -> PageSpec:
    """How one document is scanned: text layer (clean single-page PDFs), rotation, mounting."""
    tl = None
    if (
        not multi
        and fmt == "pdf"
        and difficulty == "clean"
        and rng.random() < TEXT_LAYER_SHARE
        and textpdf.available()
    ):
        vector_ok = d.doc_type not in ("id_card", "other")
        tl = "vector" if vector_ok and rng.random() < 0.7 else "sandwich"
    rot = 0
    if tl is None and rng.random() < ROTATION_SHARE[difficulty]:
        rot = rng.choices((90, 180, 270), weights=(3, 4, 3))[0]
    mounted = tl is None and d.doc_type not in ("id_card", "other") and (rng.random() < MOUNT_SHARE)
    person = d.person or a.person
    return PageSpec(
        d.doc_type, dict(d.facts), asdict(person), difficulty, d.role, rot, mounted, tl, d.fault
    )


BROKEN_REASONS = {
    "empty": "zero-byte file",
    "truncated_jpeg": "JPEG cut off part-way (upload interrupted)",
    "docx": "a Word document, not a scan",
    "html_pdf": "named .pdf but holds an HTML page",
}


def _plan_files(
    rng: random.Random, a: ApplicantPlan, seed: int, difficulties: dict[str, float]
) -> list[FileSpec]:
    groups = _group_documents(rng, a)
    used_names: set[str] = set()
    counter = rng.randint(1, 20)
    award_no = 0
    files: list[FileSpec] = []

    def unique(name: str) -> str:
        stem, dot, ext = name.rpartition(".")
        k = 2
        while name.lower() in used_names:
            name = f"{stem}({k}){dot}{ext}"
            k += 1
        used_names.add(name.lower())
        return name

    for fi, group in enumerate(groups):
        multi = len(group) > 1
        fmt = rng.choice(("pdf", "pdf", "pdf", "tif")) if multi else _weighted(rng, FORMAT_WEIGHTS)
        difficulty = _weighted(rng, difficulties)
        if difficulty == "poor" and any(d.fault for d in group):
            difficulty = "ordinary"  # the faulty value must stay readable
        pages = [_page_spec(rng, a, d, fmt, difficulty, multi) for d in group]
        if multi:
            stem = rng.choice(COMBINED_STEMS)
        elif rng.random() < 0.3:
            stem = rng.choice((f"scan_{counter:03d}", f"扫描件{counter}", f"IMG_{counter:04d}"))
            counter += 1
        else:
            if group[0].doc_type == "award_certificate":
                award_no += 1
            stem = _stem(rng, group[0], award_no)
        name = unique(stem + _ext(rng, fmt))
        files.append(
            FileSpec(
                f"packets/{a.applicant_id}/{name}",
                fmt,
                pages,
                f"batch-file:{seed}:{a.index}:{fi}",
                fault=next((d.fault for d in group if d.fault), None),
            )
        )
    for kind in a.broken:
        pattern = rng.choice(BROKEN_NAMES[kind])
        name = unique(
            pattern.format(
                n=award_no + 1, k=counter, mmdd=f"{rng.randint(1, 9):02d}{rng.randint(1, 28):02d}"
            )
        )
        path = f"packets/{a.applicant_id}/{name}"
        fmt = name.rpartition(".")[2].lower()
        files.append(
            FileSpec(path, fmt, [], f"batch-file:{seed}:{a.index}:{len(files)}", kind, a.fault)
        )
        _note(a, f"{name}: {BROKEN_REASONS[kind]}", file=path)
    return files


# ---------------------------------------------------------------------------------------
# rendering (worker side)


def _render_page(
    spec: FileSpec, k: int, ps: PageSpec, dpi: int | None
) -> tuple[Image.Image | bytes, TruthDoc]:
    rng = random.Random(ps.render_seed or f"{spec.seed}:page:{k}")
    person = Person(**ps.person)
    facts = dict(ps.facts)
    if ps.text_layer:
        facts["text_layer"] = True
    doc: RenderedDoc
    if ps.parts:
        parts = [(p.doc_type, p.layout or "", Person(**p.person), dict(p.facts)) for p in ps.parts]
        doc = blind_packet.render_sheet(parts, rng, facts.get("program"))
    elif ps.family == "blind":
        doc = blind_packet.render_doc(ps.doc_type, ps.layout or "", person, rng, facts)
    else:
        doc = RENDERERS[ps.doc_type](person, rng, **facts)
    if ps.render_seed:  # another applicant's certificate, scanned again
        rng = random.Random(f"{spec.seed}:page:{k}:rescan")
    return scan_page(
        doc, rng, file=spec.path, page=k + 1, doc_type=ps.doc_type, fmt=spec.fmt,
        difficulty=ps.difficulty, rotation=ps.rotation, mounted=ps.mounted,
        text_layer=ps.text_layer, dpi=dpi, person=dict(ps.person), max_dpi=spec.max_dpi,
    )  # fmt: skip


def _broken_bytes(kind: str, rng: random.Random) -> bytes:
    if kind == "empty":
        return b""
    if kind == "truncated_jpeg":
        h, w = 1100, 1600
        y = np.linspace(0, 1, h)[:, None]
        x = np.linspace(0, 1, w)[None, :]
        noise = np.random.default_rng(rng.getrandbits(64)).integers(0, 40, (h, w))
        base = (200 + 40 * np.sin(6 * x + 3 * y) - noise).clip(0, 255).astype(np.uint8)
        buf = io.BytesIO()
        Image.fromarray(np.stack([base] * 3, axis=-1)).save(buf, "JPEG", quality=85)
        data = buf.getvalue()
        return data[: int(len(data) * rng.uniform(0.3, 0.6))]
    if kind == "docx":
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
            parts = {
                "[Content_Types].xml": '<?xml version="1.0" encoding="UTF-8"?><Types '
                'xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
                '<Override PartName="/word/document.xml" ContentType="application/'
                'vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>',
                "word/document.xml": '<?xml version="1.0" encoding="UTF-8"?><w:document '
                'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>'
                "<w:p><w:r><w:t>个人工作总结</w:t></w:r></w:p></w:body></w:document>",
            }
            parts["docProps/custom.xml"] = (
                f"<Properties><id>{rng.getrandbits(64):016x}</id></Properties>"
            )
            for name, text in parts.items():
                z.writestr(zipfile.ZipInfo(name, (2025, 3, 1, 0, 0, 0)), text)
        return buf.getvalue()
    if kind == "html_pdf":
        return (
            '<!DOCTYPE html>\n<html><head><meta charset="utf-8"><title>404 Not Found</title>'
            "</head><body><h1>页面不存在或已过期</h1><p>请重新登录后下载电子证书。</p>"
            f"<!-- request {rng.getrandbits(64):016x} --></body></html>\n"
        ).encode()
    raise ValueError(kind)


def build_packet_file(spec: FileSpec) -> tuple[str, bytes, list[dict]]:
    """Render, damage and encode one evidence file (runs in a worker process)."""
    rng = random.Random(f"{spec.seed}:file")
    if spec.broken:
        return spec.path, _broken_bytes(spec.broken, rng), []
    # One resolution for all pages of a multi-page file (poor pages only).
    dpi = rng.choice((150, 150, 160, 200, 200)) if len(spec.pages) > 1 else None
    images, truths = [], []
    for k, ps in enumerate(spec.pages):
        out, truth = _render_page(spec, k, ps, dpi)
        docs = [_doc_truth(truth, ps, spec.layouts)]
        if isinstance(out, bytes):  # text-layer PDF, single page
            return spec.path, out, docs
        images.append(out)
        truths.append(truth)
    data = encode_pages(images, spec.fmt, truths, rng)
    if spec.software:
        data = _with_exif_software(data, spec.software)
    docs = [_doc_truth(t, ps, spec.layouts) for t, ps in zip(truths, spec.pages, strict=True)]
    return spec.path, data, docs


def _doc_truth(truth: TruthDoc, ps: PageSpec, layouts: str = "synth") -> dict:
    d = truth.to_dict()
    d["role"] = ps.role
    d["fault"] = ps.fault
    if ps.same_as is not None:
        d["same_as"] = dict(ps.same_as)
    if layouts != "synth":  # which family drew the page ("layout" names the layout)
        d["family"] = ps.family
        for region, part in zip(d.get("regions", []), ps.parts or [], strict=False):
            region.update(role=part.role, fault=part.fault, family=part.family,
                          layout=part.layout)  # fmt: skip
    return d


# ---------------------------------------------------------------------------------------
# layouts other than synth's (synth.blind.packet)


def _draw_with_layouts(
    a: ApplicantPlan, seed: int, layouts: str, linked: set[tuple[int, str]]
) -> None:
    """Pick the family and layout of each planned page (the plan's own random streams are
    untouched, so a synth batch stays byte-identical), then lay out what only blind drawings
    have: an ID card's front and back as two pages of one PDF/TIFF, and two certificates
    copied onto one sheet. Pages linked to another applicant's (opt-in faults) keep their
    file as it is."""
    rng = random.Random(f"batch-layouts:{seed}:{a.index}")
    for spec in a.files:
        spec.layouts = layouts
        for ps in spec.pages:
            if layouts == "mixed" and rng.random() < 0.5:
                continue  # drawn by synth's layouts
            options = blind_packet.layouts_for(ps.doc_type, ps.facts)
            if (
                ps.doc_type == "id_card"
                and spec.fmt in ("pdf", "tif")
                and len(spec.pages) == 1
                and ps.text_layer is None
                and (a.index, ps.role) not in linked
            ):
                options.append(blind_packet.ID_FRONT_BACK)
            if not options:
                continue  # 高中: no blind layout prints it
            ps.family, ps.layout = "blind", rng.choice(options)
            ps.facts = {**ps.facts, "program": a.program}
            if ps.doc_type == "other":
                ps.facts["unit"] = a.work_unit
    for spec in a.files:
        if spec.pages and spec.pages[0].layout == blind_packet.ID_FRONT_BACK:
            front = spec.pages[0]
            front.layout = "card_front"
            spec.pages.append(replace(front, layout="card_back", fault=None))
    _copy_onto_a_sheet(rng, a, linked)


def _copy_onto_a_sheet(rng: random.Random, a: ApplicantPlan, linked: set[tuple[int, str]]) -> None:
    """Now and then two single-page certificates of the applicant become one sheet: a copy of
    both side by side (documents.md), at most an office scan (small print on a shared page)."""
    singles = [
        f
        for f in a.files
        if not f.broken
        and len(f.pages) == 1
        and f.pages[0].layout in blind_packet.SHEET_LAYOUTS
        and f.pages[0].text_layer is None
        and (a.index, f.pages[0].role) not in linked
    ]
    if len(singles) < 2 or rng.random() >= SHEET_SHARE:
        return
    first, second = sorted(rng.sample(singles, 2), key=a.files.index)
    parts = [first.pages[0], second.pages[0]]
    for ps in parts:
        ps.mounted, ps.rotation = False, 0
    _cap_difficulty(parts[0])
    sheet = PageSpec(
        parts[0].doc_type, {"program": a.program}, parts[0].person, parts[0].difficulty,
        parts[0].role, rotation=rng.choice((0, 0, 0, 90, 270)), fault=parts[0].fault,
        family="blind", layout="sheet", parts=parts,
    )  # fmt: skip
    first.pages = [sheet]
    first.fault = next((p.fault for p in parts if p.fault), None)
    a.files.remove(second)


# ---------------------------------------------------------------------------------------
# duplicates and edited copies (opt-in fault kinds, EXTRA_FAULT_KINDS)
#
# These faults link two applicants, so they are applied after every applicant is planned:
# - duplicate_applicant: the applicant is another (clean) applicant applying again, in the
#   same program or, when the rules allow it, the other skill program (新疆工匠 ↔ 乌鲁木齐市
#   技能大师工作室). Their certificates are the same certificates scanned again; the declared
#   row spells the person another way (DUPLICATE_VARIANTS). No flag of its own, except
#   ID_INVALID for the mistyped-ID variant. Notes: code DUPLICATE_APPLICANT, "of".
# - duplicate_evidence: the applicant declares a clean applicant's award and submits that
#   applicant's certificate (rescanned, or the very same file): NAME_MISMATCH, and a
#   DUPLICATE_EVIDENCE note.
# - tamper: two tamper applicants share one award certificate, the copy with the name
#   edited and scanned again (both get TAMPER_SUSPECTED: the scans cannot tell which one is
#   the original); or one certificate file carries an image editor in its EXIF Software.
# A copied certificate's truth documents carry "same_as": {"applicant_id", "role", "file",
# "page", "edited"}: the DUPLICATE_EVIDENCE pairs of the batch.

DUPLICATE_VARIANTS = ("same", "dot", "traditional", "fullwidth_id", "short_name", "id_typo")
EDITOR_SOFTWARE = (
    "Adobe Photoshop 25.0 (Windows)", "Adobe Photoshop CC 2019 (Macintosh)", "GIMP 2.10.34",
    "美图秀秀", "Meitu", "PicsArt", "Snapseed 2.0", "醒图", "Canva", "WPS图片",
)  # fmt: skip
# Whole-page hashes cannot match a phone photo of a sheet on a desk to a flatbed scan, so a
# copied certificate is at worst an office scan ("ordinary") on both sides.
LINKED_MAX_DIFFICULTY = "ordinary"


def _switch_program(rng: random.Random, j: ApplicantPlan) -> tuple[str, int | None] | None:
    """Another program the same person meets the rules of, with its team size; or None."""
    if j.program == XJGJ and j.person.birth >= dt.date(1981, 1, 1) and rng.random() < 0.5:
        return UMQ, rng.randint(2, 8)  # UMQ-RETIRE: far from retirement; UMQ-TEAM ≥ 2
    if j.program == UMQ and j.skill_level == "高级技师" and rng.random() < 0.5:
        return XJGJ, None
    return None


def _clone(rng: random.Random, j: ApplicantPlan, index: int) -> ApplicantPlan:
    c = copy.deepcopy(j)
    c.index = index
    switched = _switch_program(rng, j)
    if switched:
        c.program, c.team_size = switched
    c.applicant_id = f"{ID_PREFIX[c.program]}-{index + 1:04d}"
    c.fault, c.notes, c.files, c.broken = "duplicate_applicant", [], [], []
    c.render_links = {d.role: (j.index, d.role, False) for d in c.docs}
    name = j.person.name
    parts = _name_parts(name)
    variants = ["same", "fullwidth_id", "id_typo"]
    if "·" in name:
        variants.append("dot")
    if to_traditional(name):
        variants.append("traditional")
    if len(parts) >= 3:
        variants += ["short_name", "short_name"]  # rare names: make the variant show up
    variant = rng.choice(variants)
    if variant == "dot":
        c.name_cell = name.replace("·", rng.choice(DOT_LOOKALIKES))
    elif variant == "traditional":
        c.name_cell = to_traditional(name)
    elif variant == "short_name":
        c.name_cell = "·".join(parts[:2])
    elif variant == "fullwidth_id":
        c.id_cell = "".join(_FULLWIDTH.get(ch, ch) for ch in j.person.id_number)
    elif variant == "id_typo":
        _ensure_id_card(rng, c)
        c.declared_id = _typo_id(rng, j.person.id_number)
        c.codes = ["ID_INVALID"]
        c.notes.append(
            {"kind": c.fault, "code": "ID_INVALID", "field": "id_number",
             "note": f"declared ID {c.declared_id} has a mistyped digit (check character fails)",
             "declared": c.declared_id, "found": j.person.id_number}
        )  # fmt: skip
    if variant in ("same", "fullwidth_id", "id_typo"):
        c.name_cell = name  # the variant is the only difference
    if variant != "fullwidth_id":
        c.id_cell = c.declared_id or j.person.id_number
    c.variations.append(f"the same person as {j.applicant_id}, declared name/ID: {variant}")
    c.notes.append(
        {"kind": c.fault, "code": "DUPLICATE_APPLICANT", "of": j.applicant_id,
         "variant": variant, "note": f"{j.applicant_id} applying again ({j.program} → "
         f"{c.program}), declared {variant}"}
    )  # fmt: skip
    return c


def _award_doc(rng: random.Random, j: ApplicantPlan, cap: dt.date) -> tuple[DocPlan, dict] | None:
    """An award certificate of j dated on or before cap (added when j has none)."""
    for d in j.docs:
        if d.role.startswith("award:") and dt.date.fromisoformat(d.facts["issue_date"]) <= cap:
            return d, j.awards[int(d.role.split(":")[1])]
    facts, declared = _award(
        rng,
        j.person,
        min(cap, EVIDENCE_CAP[j.program]),
        exclude=[x["award_name"] for x in j.awards],
    )
    n = _add_award(j, facts, declared)
    j.variations.append("an award added as the source of another applicant's copy")
    d = _doc(j, f"award:{n}")
    assert d is not None
    return d, declared


def _borrow_award(
    rng: random.Random, a: ApplicantPlan, j: ApplicantPlan, *, edited: bool
) -> DocPlan:
    """a declares j's award and submits j's certificate (its name edited to a's if edited)."""
    src, row = _award_doc(rng, j, EVIDENCE_CAP[a.program])  # type: ignore[misc]
    facts = dict(src.facts)
    if edited:
        # Both renders take the name from the facts, so they draw the same layout.
        src.facts.setdefault("name", j.person.name)
        facts["name"] = a.person.name
        person = None
    else:
        person = src.person or j.person
    n = _add_award(a, facts, dict(row))
    d = _doc(a, f"award:{n}")
    assert d is not None
    d.person = person
    a.render_links[d.role] = (j.index, src.role, edited)
    return d


def _apply_linked_faults(
    plans: list[ApplicantPlan], linked: list[str | None], seed: int
) -> list[ApplicantPlan]:
    rng = random.Random(f"batch-linked:{seed}")
    clean = [a for a, k in zip(plans, linked, strict=True) if k is None and a.fault is None]
    rng.shuffle(clean)
    if not clean:
        raise UsageError("duplicate and tamper faults need clean applicants to copy from")
    sources = iter(clean * 3)  # each clean applicant is copied once before any twice
    out = list(plans)
    tamper = [i for i, k in enumerate(linked) if k == "tamper"]
    pairs: dict[int, int] = {}  # copy index → original index (edited copies)
    while len(tamper) >= 2:  # two of every three tamper slots share an edited certificate
        i, j = tamper.pop(0), tamper.pop(0)
        pairs[j] = i
        tamper = tamper[1:]  # the next one: an editor in the metadata
    for i, kind in enumerate(linked):
        a = out[i]
        if kind == "duplicate_applicant":
            out[i] = _clone(rng, next(sources), i)
        elif kind == "duplicate_evidence":
            j = next(sources)
            a.fault = kind
            d = _borrow_award(rng, a, j, edited=False)
            d.fault = kind
            printed = (d.person or j.person).name
            _note(a, f"submits {j.applicant_id}'s award certificate (printed name {printed})", d,
                  field="name", declared=a.person.name, found=printed)  # fmt: skip
            a.notes.append(
                {
                    "kind": kind,
                    "code": "DUPLICATE_EVIDENCE",
                    "of": j.applicant_id,
                    "role": d.role,
                    "note": f"the certificate of {j.applicant_id}",
                }
            )
        elif kind == "tamper":
            a.fault = kind
            if i in pairs:  # the copy, name edited to a's
                j = out[pairs[i]]
                j.fault = kind
                d = _borrow_award(rng, a, j, edited=True)
                d.fault = kind
                src_role = a.render_links[d.role][1]
                src = _doc(j, src_role)
                assert src is not None
                src.fault = kind
                for who, other, role in ((a, j, d.role), (j, a, src_role)):
                    who.notes.append(
                        {
                            "kind": kind,
                            "code": "TAMPER_SUSPECTED",
                            "role": role,
                            "of": other.applicant_id,
                            "note": f"award certificate shared with {other.applicant_id}, the "
                            "holder's name edited on one of them and scanned again",
                        }
                    )
                    who.notes.append(
                        {
                            "kind": kind,
                            "code": "DUPLICATE_EVIDENCE",
                            "of": other.applicant_id,
                            "note": f"the same certificate as {other.applicant_id}'s",
                        }
                    )
    return out


def _page_with(a: ApplicantPlan, role: str) -> tuple[FileSpec, int, PageSpec] | None:
    for spec in a.files:
        for k, ps in enumerate(spec.pages):
            if ps.role == role:
                return spec, k, ps
    return None


def _rename(a: ApplicantPlan, spec: FileSpec, ext: str) -> None:
    stem = spec.path.rsplit("/", 1)[1].rsplit(".", 1)[0]
    taken = {f.path.lower() for f in a.files if f is not spec}
    path, k = f"packets/{a.applicant_id}/{stem}{ext}", 2
    while path.lower() in taken:
        path, k = f"packets/{a.applicant_id}/{stem}({k}){ext}", k + 1
    spec.path = path


def _editor_metadata(a: ApplicantPlan) -> None:
    rng = random.Random(f"batch-editor:{a.applicant_id}")
    singles = [f for f in a.files if len(f.pages) == 1 and not f.broken]
    certs = [f for f in singles if f.pages[0].doc_type not in ("id_card", "other")]
    spec = rng.choice(certs or singles)
    ps = spec.pages[0]
    ps.text_layer, ps.fault = None, "tamper"
    spec.software, spec.fault = rng.choice(EDITOR_SOFTWARE), "tamper"
    if spec.fmt != "jpg":
        spec.fmt = "jpg"
        _rename(a, spec, ".jpg")
    a.notes.append(
        {"kind": "tamper", "code": "TAMPER_SUSPECTED", "file": spec.path, "page": 1,
         "field": "metadata", "found": spec.software,
         "note": f"EXIF Software of {spec.path} names an image editor ({spec.software})"}
    )  # fmt: skip


def _cap_difficulty(ps: PageSpec) -> None:
    order = list(DIFFICULTIES)
    if order.index(ps.difficulty) > order.index(LINKED_MAX_DIFFICULTY):
        ps.difficulty = LINKED_MAX_DIFFICULTY


def _link_renders(plans: list[ApplicantPlan]) -> None:
    """Point each copied certificate at the page seed of its original (files are planned)."""
    by_index = {a.index: a for a in plans}
    for a in plans:
        for role, (src_index, src_role, edited) in sorted(a.render_links.items()):
            src = by_index[src_index]
            got, own = _page_with(src, src_role), _page_with(a, role)
            if got is None or own is None:
                continue
            sspec, sk, sps = got
            ospec, _, ops = own
            for ps in (sps, ops):  # scans on both sides (see LINKED_MAX_DIFFICULTY)
                ps.text_layer = None
                _cap_difficulty(ps)
            ops.same_as = {"applicant_id": src.applicant_id, "role": src_role,
                           "file": sspec.path, "page": sk + 1, "edited": edited}  # fmt: skip
            same_file = (
                a.fault == "duplicate_evidence"
                and len(sspec.pages) == len(ospec.pages) == 1
                and random.Random(f"batch-same-file:{a.applicant_id}").random() < 0.35
            )
            if same_file:  # the very same file: same seed, same page, same bytes
                ospec.seed, ospec.fmt = sspec.seed, sspec.fmt
                keep = (ops.role, ops.fault, ops.same_as)
                ospec.pages = [copy.deepcopy(sps)]
                ospec.pages[0].role, ospec.pages[0].fault, ospec.pages[0].same_as = keep
                _rename(a, ospec, "." + sspec.path.rsplit(".", 1)[1])
            else:
                ops.render_seed = f"{sspec.seed}:page:{sk}"
                ops.family, ops.layout = sps.family, sps.layout  # the same drawing
        if a.fault == "tamper" and not any(n["code"] == "DUPLICATE_EVIDENCE" for n in a.notes):
            _editor_metadata(a)


def _with_exif_software(data: bytes, software: str) -> bytes:
    """A JPEG with an EXIF block naming `software`, inserted after the JFIF header."""
    exif = Image.Exif()
    # UTF-8 bytes in the ASCII field, as Chinese apps write their names
    exif[0x0131] = software if software.isascii() else software.encode("utf-8")
    body = exif.tobytes()
    segment = b"\xff\xe1" + (len(body) + 2).to_bytes(2, "big") + body
    at = 2
    if data[2:4] == b"\xff\xe0":  # keep APP0 (JFIF) first
        at = 4 + int.from_bytes(data[4:6], "big")
    return data[:at] + segment + data[at:]


# ---------------------------------------------------------------------------------------
# declared data


def declared_name(cell: str) -> str:
    """The name an importer reads from a name cell this generator wrote: the cells differ from
    the printed name only by a dot look-alike between parts, which reads as U+00B7 (names
    have no single-character parts, so a space never joins a padded Han name)."""
    return cell.translate({ord(c): "·" for c in DOT_LOOKALIKES})


# How a 申报项目 cell sometimes words the program (the importer matches it by alias).
PROGRAM_SPELLINGS = {
    XJGJ: "新疆工匠（2025年度）",
    ZD: "准东开发区人才工作室",
    MB: "少数民族科技骨干特殊培养计划",
    UMQ: "乌鲁木齐市技能大师工作室",
}


def _spell_skill(rng: random.Random, level: str) -> str:
    grade = SKILL_LEVEL_TO_GRADE.get(level)
    if grade is None:
        return level
    g = GRADE_CN[grade]
    return _weighted(
        rng,
        {level: 45, f"{g}/{level}": 20, f"国家职业资格{g}": 15, f"{level}（{g}）": 20},
    )


def _spell_name(rng: random.Random, a: ApplicantPlan) -> str:
    name = a.person.name
    r = rng.random()
    if "·" in name and r < 0.2:
        alt = rng.choice(DOT_LOOKALIKES[:4])
        a.variations.append(f"declared name written with '{alt}' between parts")
        return name.replace("·", alt)
    trad = to_traditional(name)
    if trad and r < 0.12:
        a.variations.append("declared name written in traditional characters")
        return trad
    if "·" not in name and len(name) == 2 and r > 0.9:
        return f"{name[0]}  {name[1]}"  # padded to the width of a three-character name
    return name


def _spell_id(rng: random.Random, idn: str, a: ApplicantPlan) -> str:
    r = rng.random()
    if r < 0.05:
        a.variations.append("declared ID number in full-width digits")
        return "".join(_FULLWIDTH.get(c, c) for c in idn)
    if r < 0.1:
        a.variations.append("stray spaces in the declared ID number")
        return f" {idn[:6]} {idn[6:14]} {idn[14:]}"
    return idn


def _spell_month(rng: random.Random, d: dt.date) -> str:
    return rng.choice(
        (f"{d.year}.{d.month:02d}", f"{d.year}年{d.month}月", f"{d.year}-{d.month:02d}")
    )


def _declared_row(rng: random.Random, a: ApplicantPlan, title_level_col: bool) -> dict:
    """Cells of the 申报人 row (by canonical key) and the canonical values behind them."""
    p = a.person
    birth = a.declared_birth or p.birth
    style = _weighted(rng, {"iso": 45, "dot": 20, "cn": 15, "cell": 20})
    if style == "iso":
        birth_cell: object = birth.isoformat()
        birth_value = birth.isoformat()
    elif style == "cell":
        birth_cell = dt.datetime(birth.year, birth.month, birth.day)
        birth_value = birth.isoformat()
    else:
        birth_cell = (
            f"{birth.year}.{birth.month:02d}"
            if style == "dot"
            else f"{birth.year}年{birth.month}月"
        )
        birth_value = f"{birth.year}-{birth.month:02d}"
        if not a.declared_birth:
            a.variations.append("declared birth date gives the month only")
    idn = a.declared_id or p.id_number
    program_cell = a.program
    if rng.random() < 0.08:
        program_cell = PROGRAM_SPELLINGS[a.program]
    cells = {
        "applicant_id": a.applicant_id,
        "program": program_cell,
        "name": _spell_name(rng, a) if a.name_cell is None else a.name_cell,
        "gender": p.gender,
        "ethnicity": p.ethnicity,
        "id_number": _spell_id(rng, idn, a) if a.id_cell is None else a.id_cell,
        "birth_date": birth_cell,
        "work_unit": a.work_unit + (" " if rng.random() < 0.05 else ""),
        "prefecture": a.prefecture,
        "occupation": a.occupation or "",
        "skill_level": _spell_skill(rng, a.skill_level) if a.skill_level else "",
        "title": a.title or "",
        "title_level": (a.title_level or "") if title_level_col else None,
        "education": rng.choice(EDUCATION_SPELLINGS[a.education]) if a.education else "",
        "work_start": _spell_month(rng, a.work_start),
        "team_size": ""
        if a.team_size is None
        else (a.team_size if rng.random() < 0.8 else f"{a.team_size}人"),
    }
    cells = {k: v for k, v in cells.items() if v is not None}
    a.declared = {
        "applicant_id": a.applicant_id,
        "program": a.program,
        "name": p.name,
        "gender": p.gender,
        "ethnicity": p.ethnicity,
        "id_number": idn,
        "birth_date": birth_value,
        "work_unit": a.work_unit,
        "prefecture": a.prefecture,
        "occupation": a.occupation,
        "skill_level": a.skill_level,
        "title": a.title,
        "title_level": a.title_level,
        "education": a.education,
        "work_start": f"{a.work_start.year}-{a.work_start.month:02d}",
        "team_size": a.team_size,
    }
    if a.name_cell is not None:
        a.declared["name"] = declared_name(a.name_cell)
    a.written = {
        k: (v.date().isoformat() if isinstance(v, dt.datetime) else v) for k, v in cells.items()
    }
    return cells


def _award_cells(rng: random.Random, a: ApplicantPlan, row: dict) -> dict:
    level = row["award_level"]
    if level == "省级" and rng.random() < 0.3:
        level = "自治区级"
    year = row["award_year"] if rng.random() < 0.8 else f"{row['award_year']}年"
    return {
        "applicant_id": a.applicant_id,
        "project": row["project"],
        "award_name": row["award_name"],
        "issuer": row["issuer"],
        "award_level": level,
        "award_rank": row["award_rank"] or "",
        "award_year": year,
    }


@dataclass
class _Sheets:
    headers: dict[str, str]  # canonical key → header text
    award_headers: dict[str, str]
    extra: list[str]  # unknown columns the importer must ignore
    title_row: str | None
    title_level_col: bool


def _choose_sheets(rng: random.Random) -> _Sheets:
    headers = {}
    for k, aliases in APPLICANT_HEADERS.items():
        if k in ("applicant_id", "program", "name") and rng.random() < 0.8:
            headers[k] = aliases[0]  # English keys are rare on these forms
        else:
            headers[k] = rng.choice(aliases)
    award_headers = {k: rng.choice(v) for k, v in AWARD_ALIASES.items()}
    extra = [c for c in ("序号", "联系电话", "备注") if rng.random() < 0.4]
    title_row = "2025年度人才项目申报人员汇总表" if rng.random() < 0.3 else None
    return _Sheets(headers, award_headers, extra, title_row, rng.random() < 0.5)


def _table(
    sheets: _Sheets, plans: list[ApplicantPlan], rng: random.Random
) -> tuple[list[list], list[list]]:
    keys = [k for k in APPLICANT_HEADERS if k != "title_level" or sheets.title_level_col]
    head = [*(["序号"] if "序号" in sheets.extra else []), *(sheets.headers[k] for k in keys)]
    head += [c for c in sheets.extra if c != "序号"]
    rows: list[list] = [head]
    for n, a in enumerate(plans, start=1):
        cells = _declared_row(rng, a, sheets.title_level_col)
        row = [*([n] if "序号" in sheets.extra else []), *(cells.get(k, "") for k in keys)]
        for c in sheets.extra:
            if c == "联系电话":
                row.append(f"1{rng.choice('3589')}{rng.randrange(10**9):09d}")
            elif c == "备注":
                row.append(rng.choice(("", "", "单位推荐", "已公示")))
        rows.append(row)
    akeys = list(AWARD_ALIASES)
    awards: list[list] = [[sheets.award_headers[k] for k in akeys]]
    for a in plans:
        for row in a.awards:
            cells = _award_cells(rng, a, row)
            awards.append([cells[k] for k in akeys])
    return rows, awards


_FIXED_ZIP_TIME = (2025, 9, 30, 0, 0, 0)


def _write_xlsx(path: Path, sheets: _Sheets, rows: list[list], awards: list[list]) -> None:
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "申报人"
    if sheets.title_row:
        ws.append([sheets.title_row])
    for row in rows:
        ws.append(row)
    for line in ws.iter_rows():
        for c in line:
            if isinstance(c.value, dt.datetime):
                c.number_format = "yyyy-mm-dd"
    ws2 = wb.create_sheet("获奖情况")
    for row in awards:
        ws2.append(row)
    fixed = dt.datetime(*_FIXED_ZIP_TIME)
    wb.properties.created = fixed
    wb.properties.creator = "credcheck synth"
    buf = io.BytesIO()
    wb.save(buf)
    path.write_bytes(_deterministic_zip(buf.getvalue()))


def _deterministic_zip(data: bytes) -> bytes:
    """Same workbook bytes on every run: fixed entry times and document timestamps."""
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(data)) as src,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst,
    ):
        for info in src.infolist():
            body = src.read(info.filename)
            if info.filename == "docProps/core.xml":
                body = re.sub(
                    rb"(<dcterms:modified[^>]*>)[^<]*(</dcterms:modified>)",
                    rb"\g<1>2025-09-30T00:00:00Z\g<2>",
                    body,
                )
            dst.writestr(
                zipfile.ZipInfo(info.filename, _FIXED_ZIP_TIME), body, zipfile.ZIP_DEFLATED
            )
    return out.getvalue()


def _write_csv(path: Path, rows: list[list], encoding: str) -> None:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    for row in rows:
        w.writerow([v.date().isoformat() if isinstance(v, dt.datetime) else v for v in row])
    path.write_bytes(buf.getvalue().encode(encoding))


# ---------------------------------------------------------------------------------------
# the batch


@dataclass
class BatchPlan:
    seed: int
    applicants: list[ApplicantPlan]
    fault_kinds: tuple[str, ...]

    @property
    def files(self) -> list[FileSpec]:
        return [f for a in self.applicants for f in a.files]


def _fault_slots(
    rng: random.Random, n: int, kinds: Sequence[str], clean_share: float
) -> list[str | None]:
    n_faulty = round(n * (1 - clean_share))
    if n >= 2 * len(kinds):
        n_faulty = max(n_faulty, len(kinds))  # every kind at least once
    n_faulty = min(n, max(0, n_faulty)) if kinds else 0
    order = list(kinds)
    rng.shuffle(order)
    slots: list[str | None] = [order[i % len(order)] for i in range(n_faulty)]
    slots += [None] * (n - n_faulty)
    rng.shuffle(slots)
    return slots


def plan_batch(
    applicants: int,
    seed: int,
    faults: Sequence[str] | None = None,
    clean_share: float = 0.4,
    difficulties: dict[str, float] | None = None,
    layouts: str = "synth",
) -> BatchPlan:
    """Who applies, what they declare, their documents and faults; nothing is rendered."""
    if layouts not in LAYOUT_FAMILIES:
        raise UsageError(f"layouts must be one of {LAYOUT_FAMILIES}, not {layouts!r}")
    kinds = tuple(FAULT_KINDS if faults is None else faults)
    unknown = [k for k in kinds if k not in EXPECTED_CODES]
    if unknown:
        known = ", ".join((*FAULT_KINDS, *EXTRA_FAULT_KINDS))
        raise UsageError(f"unknown fault kinds {unknown}; known: {known}")
    if applicants < 1:
        raise UsageError("applicants must be at least 1")
    if not 0 <= clean_share <= 1:
        raise UsageError("clean_share must be within 0..1")
    diffs = dict(DEFAULT_DIFFICULTIES if difficulties is None else difficulties)
    bad = [d for d in diffs if d not in DIFFICULTIES]
    if bad or not any(w > 0 for w in diffs.values()):
        raise UsageError(f"difficulties must weigh some of {DIFFICULTIES}, got {diffs}")
    diffs = {k: w for k, w in diffs.items() if w > 0}
    rng = random.Random(f"batch-plan:{seed}")
    slots = _fault_slots(rng, applicants, kinds, clean_share)
    used: set[str] = set()
    linked = [s if s in EXTRA_FAULT_KINDS else None for s in slots]
    plans = [
        _plan_applicant(seed, i, None if linked[i] else slots[i], used) for i in range(applicants)
    ]
    if any(linked):
        plans = _apply_linked_faults(plans, linked, seed)
    # pages another applicant's copy is drawn from, and those copies
    linked_roles = {(a.index, r) for a in plans for r in a.render_links} | {
        (i, r) for a in plans for i, r, _ in a.render_links.values()
    }
    for a in plans:
        frng = random.Random(f"batch-files:{seed}:{a.index}")
        a.files = _plan_files(frng, a, seed, diffs)
        if layouts != "synth":
            _draw_with_layouts(a, seed, layouts, linked_roles)
    if any(linked):
        _link_renders(plans)
    return BatchPlan(seed, plans, kinds)


def write_declared(
    batch_dir: Path, plan: BatchPlan, declared_format: str = "xlsx"
) -> tuple[_Sheets, list[str]]:
    """Write the declared data of a planned batch; fills each applicant's declared values."""
    srng = random.Random(f"batch-declared:{plan.seed}")
    sheets = _choose_sheets(srng)
    rows, awards = _table(sheets, plan.applicants, srng)
    if declared_format == "xlsx":
        _write_xlsx(batch_dir / "declared.xlsx", sheets, rows, awards)
        return sheets, ["declared.xlsx"]
    encoding = srng.choice(("utf-8", "utf-8-sig", "gb18030"))
    head = [[sheets.title_row]] if sheets.title_row else []
    _write_csv(batch_dir / "declared.csv", head + rows, encoding)
    _write_csv(batch_dir / "awards.csv", awards, encoding)
    return sheets, ["declared.csv", "awards.csv"]


def _check_empty(batch_dir: Path) -> None:
    if batch_dir.exists() and (not batch_dir.is_dir() or any(batch_dir.iterdir())):
        raise UsageError(
            f"{batch_dir} exists and is not empty; choose a new folder",
            zh=f"目录 {batch_dir} 已存在且不为空，请指定新目录",
        )


def generate_batch(
    batch_dir: Path,
    *,
    applicants: int,
    seed: int,
    faults: Sequence[str] | None = None,
    clean_share: float = 0.4,
    difficulties: dict[str, float] | None = None,
    workers: int = 1,
    declared_format: str = "xlsx",
    max_dpi: int | None = None,
    layouts: str = "synth",
) -> BatchTruth:
    """Write a batch (declared data + packets) and its truth file beside it; return the truth.

    `max_dpi` stores every scan at no more than that resolution (small pages: load tests).
    `layouts` (LAYOUT_FAMILIES) names the layouts that draw the evidence: "blind" draws every
    document it can with synth/blind/'s layouts (each truth document says its "family" and
    "layout"), "mixed" lets each document pick; faults and expected codes are the same."""
    batch_dir = Path(batch_dir)
    if declared_format not in ("xlsx", "csv"):
        raise UsageError(f"declared_format must be xlsx or csv, not {declared_format!r}")
    _check_empty(batch_dir)
    plan = plan_batch(applicants, seed, faults, clean_share, difficulties, layouts)
    batch_dir.mkdir(parents=True, exist_ok=True)

    specs = [replace(f, max_dpi=max_dpi) for f in plan.files] if max_dpi else plan.files
    docs_by_file: dict[str, list[dict]] = {}

    def store(result: tuple[str, bytes, list[dict]]) -> None:
        rel, data, docs = result
        out = batch_dir / rel
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_bytes(data)
        docs_by_file[rel] = docs

    if workers > 1 and len(specs) > 1:
        with ProcessPoolExecutor(max_workers=workers) as ex:
            for result in ex.map(build_packet_file, specs, chunksize=1):
                store(result)
    else:
        for spec in specs:
            store(build_packet_file(spec))
    for a in plan.applicants:  # an applicant whose files all failed still has a folder
        (batch_dir / "packets" / a.applicant_id).mkdir(parents=True, exist_ok=True)

    sheets, declared_files = write_declared(batch_dir, plan, declared_format)
    truth = BatchTruth(
        seed=seed,
        as_of=AS_OF.isoformat(),
        declared_format=declared_format,
        declared_files=declared_files,
        fault_kinds=list(plan.fault_kinds),
        headers={
            k: v for k, v in sheets.headers.items() if k != "title_level" or sheets.title_level_col
        }
        | {f"awards.{k}": v for k, v in sheets.award_headers.items()},
        applicants=[_applicant_truth(a, docs_by_file) for a in plan.applicants],
        layouts=layouts,
    )
    truth_path(batch_dir).write_text(
        json.dumps(truth.to_dict(), ensure_ascii=False, indent=1), encoding="utf-8"
    )
    return truth


def truth_path(batch_dir: Path) -> Path:
    """Where the truth of a batch lives: beside the batch, never inside it."""
    batch_dir = Path(batch_dir)
    return batch_dir.parent / f"{batch_dir.name}.truth.json"


def _applicant_truth(a: ApplicantPlan, docs_by_file: dict[str, list[dict]]) -> ApplicantTruth:
    files = []
    for spec in a.files:
        unreadable = None
        if spec.broken:
            reason = next(n["note"] for n in a.notes if n.get("file") == spec.path)
            unreadable = {"kind": spec.broken, "reason": reason}
        files.append(
            {
                "file": spec.path,
                "format": spec.fmt,
                "pages": len(spec.pages),
                "unreadable": unreadable,
                "documents": docs_by_file.get(spec.path, []),
            }
        )
    for n in a.notes:  # point each note at the file (and page) holding the faulty document
        role = n.pop("role", None)
        if role is None or "file" in n:
            continue
        for f in files:
            for d in f["documents"]:
                for doc in (d, *d.get("regions", ())):  # a sheet's regions name their roles
                    if doc.get("role") == role and doc.get("fault"):
                        n["file"], n["page"] = f["file"], d["page"]
    return ApplicantTruth(
        applicant_id=a.applicant_id,
        program=a.program,
        clean=a.fault is None,
        faults=[a.fault] if a.fault else [],
        expected_codes=a.expected_codes,
        notes=a.notes,
        variations=a.variations,
        person=asdict(a.person),
        declared=a.declared,
        declared_written=a.written,
        awards=a.awards,
        files=files,
    )


def load_truth(batch_dir: Path) -> dict:
    """The truth JSON of a generated batch."""
    return json.loads(truth_path(batch_dir).read_text(encoding="utf-8"))


# ---------------------------------------------------------------------------------------
# command line


def _parse_difficulties(s: str) -> dict[str, float]:
    out = {}
    for part in s.split(","):
        name, _, weight = part.partition("=")
        out[name.strip()] = float(weight) if weight else 1.0
    return out


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        prog="python -m synth.batch",
        description="Generate an application batch with injected faults; the truth file is "
        "written beside the batch as <OUT>.truth.json.",
    )
    ap.add_argument("out_dir", type=Path, help="the BATCH_DIR to create (must be new or empty)")
    ap.add_argument("--applicants", type=int, default=40)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument(
        "--faults",
        default=None,
        help=f"comma list of {', '.join(FAULT_KINDS)} (default: all of these), or of the "
        f"opt-in {', '.join(EXTRA_FAULT_KINDS)}",
    )
    ap.add_argument("--clean-share", type=float, default=0.4)
    ap.add_argument("--difficulties", default=None, help="e.g. clean=0.45,ordinary=0.45,poor=0.1")
    ap.add_argument("--workers", type=int, default=1)
    ap.add_argument("--format", dest="declared_format", choices=("xlsx", "csv"), default="xlsx")
    ap.add_argument(
        "--layouts", choices=LAYOUT_FAMILIES, default="synth",
        help="synth (developed on), blind (synth/blind/, held out) or mixed (each document)",
    )  # fmt: skip
    a = ap.parse_args(argv)
    t0 = time.perf_counter()
    try:
        truth = generate_batch(
            a.out_dir,
            applicants=a.applicants,
            seed=a.seed,
            faults=a.faults.split(",") if a.faults else None,
            clean_share=a.clean_share,
            difficulties=_parse_difficulties(a.difficulties) if a.difficulties else None,
            workers=a.workers,
            declared_format=a.declared_format,
            layouts=a.layouts,
        )
    except UsageError as e:
        print(f"{e.reason_zh} / {e.detail}", file=sys.stderr)
        return 2
    files = [f for ap_ in truth.applicants for f in ap_.files]
    pages = sum(f["pages"] for f in files)
    faulty = sum(1 for x in truth.applicants if not x.clean)
    print(
        f"{len(truth.applicants)} applicants ({faulty} with a fault), {len(files)} files, "
        f"{pages} pages → {a.out_dir} in {time.perf_counter() - t0:.1f} s; "
        f"truth: {truth_path(a.out_dir)}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
