"""The officials' figures: one function per figure over one intake's data.

The dashboard (webapp/dashboard.py loads `IntakeData` from the store) and the officials' PDF
(from the store, or from results.json + the declared table for `credcheck verify`) draw the
same numbers from these functions, so a number means the same thing wherever it is shown.
Nothing here touches a database, the clock or the file system: ages are measured against
`IntakeData.now`, given by the caller.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from extractors.validators import XINJIANG_PREFECTURES

# Queue states (webapp/queue.py says how each is reached); the verifier's statuses map onto
# the three middle ones when there is no queue (credcheck verify).
NO_FILES, QUEUED, RUNNING = "待上传", "排队中", "识别中"
NEEDS_REVIEW, FLAGGED, CLEAR, DECIDED = "待复核", "有疑点", "无疑点", "已决定"
STATES = (NO_FILES, QUEUED, RUNNING, NEEDS_REVIEW, FLAGGED, CLEAR, DECIDED)
STATE_OF_STATUS = {"needs_review": NEEDS_REVIEW, "flagged": FLAGGED, "clear": CLEAR}
SEVERITIES = ("high", "medium", "low")
CONFIRMED, FALSE_ALARM, NEED_MORE = "confirmed", "false_alarm", "need_originals"
UNKNOWN_PREFECTURE = "未填写"
UNKNOWN_ISSUER = "（未识别发证单位）"
# Waiting-time buckets, in days: [lo, hi). The queue filters on the same names (?age=).
AGE_BUCKETS = (("<1天", 0, 1), ("1–3天", 1, 3), ("3–7天", 3, 7), ("7–14天", 7, 14),
               ("≥14天", 14, 10**6))  # fmt: skip
WAITING = frozenset({QUEUED, RUNNING, NEEDS_REVIEW, FLAGGED, CLEAR})


@dataclass(frozen=True)
class FlagItem:
    code: str
    severity: str
    evidence: tuple[tuple[str, int], ...] = ()  # (file, page) the flag points at
    verdict: str | None = None  # the latest reviewer's conclusion on it


@dataclass(frozen=True)
class DocItem:
    file: str
    page: int
    issuer: str | None


@dataclass(frozen=True)
class AppItem:
    applicant_id: str
    program: str
    state: str
    name: str = ""
    id_number: str = ""
    prefecture: str = ""  # as declared (所在地州)
    flags: tuple[FlagItem, ...] = ()
    documents: tuple[DocItem, ...] = ()
    last_upload: dt.datetime | None = None
    outcome: str = ""  # the applicant's conclusion label (通过 / 不通过 / 退回补充)
    pk: int | None = None


@dataclass(frozen=True)
class DupItem:
    code: str
    applicant_ids: tuple[str, ...]
    reasons: tuple[str, ...] = ()
    score: float | None = None


@dataclass
class IntakeData:
    key: str
    program: str
    year: int
    apps: list[AppItem]
    duplicates: list[DupItem] = field(default_factory=list)
    now: dt.datetime | None = None  # what ages are measured against


# ---------------------------------------------------------------- prefecture


@functools.lru_cache(maxsize=4096)
def _region_name(id_number: str) -> str:
    return XINJIANG_PREFECTURES.get((id_number or "")[:4], "")


@functools.lru_cache(maxsize=4096)
def _norm_pref(s: str) -> str:
    """A declared 地州 onto the catalogue's names: 喀什 / 喀什地区 / 喀什市(地区) are one."""
    s = (s or "").strip()
    if not s:
        return ""
    for name in XINJIANG_PREFECTURES.values():
        short = name[:2]
        if s == name or (s.startswith(short) and len(s) <= len(name) + 2):
            return name
    return s


def prefecture_of(declared: str, id_number: str) -> str:
    """The prefecture an application counts under: the declared 地州, else the ID region."""
    return _norm_pref(declared) or _region_name(id_number) or UNKNOWN_PREFECTURE


# ---------------------------------------------------------------- figures


def totals(d: IntakeData) -> dict[str, int]:
    """The cover's counts."""
    flagged = sum(1 for a in d.apps if a.flags)
    confirmed = sum(1 for a in d.apps if any(f.verdict == CONFIRMED for f in a.flags))
    return {
        "applicants": len(d.apps),
        "with_files": sum(1 for a in d.apps if a.state != NO_FILES),
        "with_flags": flagged,
        "flags": sum(len(a.flags) for a in d.apps),
        "high": sum(1 for a in d.apps for f in a.flags if f.severity == "high"),
        "confirmed_applicants": confirmed,
        "decided": sum(1 for a in d.apps if a.state == DECIDED),
        "duplicate_people": len(multi_applications(d)),
    }


def by_state(d: IntakeData) -> list[tuple[str, int]]:
    """Applications per queue state, in the queue's order; states with none left out."""
    c = Counter(a.state for a in d.apps)
    return [(s, c[s]) for s in STATES if c[s]]


def by_program(d: IntakeData) -> list[tuple[str, int]]:
    c = Counter(a.program or "（未填写）" for a in d.apps)
    return sorted(c.items(), key=lambda t: (-t[1], t[0]))


@dataclass(frozen=True)
class CodeRow:
    code: str
    by_severity: dict[str, int]
    applicants: int  # applications with at least one flag of the code

    @property
    def total(self) -> int:
        return sum(self.by_severity.values())


def flags_by_code(d: IntakeData) -> list[CodeRow]:
    """Flags per code and severity, most frequent code first."""
    sev: dict[str, Counter[str]] = defaultdict(Counter)
    apps: Counter[str] = Counter()
    for a in d.apps:
        for f in a.flags:
            sev[f.code][f.severity] += 1
        for code in {f.code for f in a.flags}:
            apps[code] += 1
    rows = [CodeRow(c, {s: sev[c][s] for s in SEVERITIES}, apps[c]) for c in sev]
    return sorted(rows, key=lambda r: (-r.total, r.code))


@dataclass(frozen=True)
class PrefRow:
    prefecture: str
    applicants: int
    with_flags: int
    id_elsewhere: int  # declared here, but the ID number's region is another prefecture

    @property
    def rate(self) -> float:
        return self.with_flags / self.applicants if self.applicants else 0.0


def by_prefecture(d: IntakeData) -> list[PrefRow]:
    """Applications per prefecture (declared 地州, else the ID region), ranked by how many
    have flags."""
    n: Counter[str] = Counter()
    flagged: Counter[str] = Counter()
    elsewhere: Counter[str] = Counter()
    for a in d.apps:
        p = prefecture_of(a.prefecture, a.id_number)
        n[p] += 1
        flagged[p] += bool(a.flags)
        region = _region_name(a.id_number)
        if _norm_pref(a.prefecture) and region and region != _norm_pref(a.prefecture):
            elsewhere[p] += 1
    rows = [PrefRow(p, n[p], flagged[p], elsewhere[p]) for p in n]
    return sorted(rows, key=lambda r: (-r.with_flags, -r.applicants, r.prefecture))


@dataclass(frozen=True)
class IssuerRow:
    issuer: str
    documents: int
    flagged_documents: int  # documents a flag points at

    @property
    def rate(self) -> float:
        return self.flagged_documents / self.documents if self.documents else 0.0


def by_issuer(d: IntakeData, *, min_documents: int = 1) -> list[IssuerRow]:
    """Documents per issuer and how many of them a flag points at, most flagged first."""
    docs: Counter[str] = Counter()
    flagged: Counter[str] = Counter()
    for a in d.apps:
        pointed = {e for f in a.flags for e in f.evidence}
        for doc in a.documents:
            who = (doc.issuer or "").strip() or UNKNOWN_ISSUER
            docs[who] += 1
            flagged[who] += (doc.file, doc.page) in pointed
    rows = [IssuerRow(i, docs[i], flagged[i]) for i in docs if docs[i] >= min_documents]
    return sorted(rows, key=lambda r: (-r.flagged_documents, -r.rate, r.issuer))


@dataclass(frozen=True)
class DecisionRow:
    code: str
    flags: int
    confirmed: int
    false_alarm: int
    need_more: int

    @property
    def undecided(self) -> int:
        return self.flags - self.confirmed - self.false_alarm - self.need_more

    @property
    def false_alarm_rate(self) -> float | None:
        """误报 among the flags concluded either way (属实 or 误报); None before any."""
        n = self.confirmed + self.false_alarm
        return self.false_alarm / n if n else None


def decisions_by_code(d: IntakeData) -> list[DecisionRow]:
    """Reviewers' conclusions per flag code (each flag's latest), so each check's false-alarm
    rate shows."""
    c: dict[str, Counter[str | None]] = defaultdict(Counter)
    for a in d.apps:
        for f in a.flags:
            c[f.code][f.verdict] += 1
    rows = [DecisionRow(code, sum(v.values()), v[CONFIRMED], v[FALSE_ALARM], v[NEED_MORE])
            for code, v in c.items()]  # fmt: skip
    return sorted(rows, key=lambda r: (-r.flags, r.code))


@dataclass(frozen=True)
class MultiLink:
    """One person in several applications (a DUPLICATE_APPLICANT group), with the evidence."""

    person: str  # the name of the first application of this intake
    applications: tuple[tuple[str, str], ...]  # (申报编号, program or "其他批次")
    reasons: tuple[str, ...]
    score: float | None


def multi_applications(d: IntakeData) -> list[MultiLink]:
    """多头申报: the duplicate-applicant groups, each with the programs applied to; ids not in
    this intake come from earlier intakes (--history)."""
    by_id = {a.applicant_id: a for a in d.apps}
    out = []
    for g in d.duplicates:
        if g.code != "DUPLICATE_APPLICANT":
            continue
        mine = [by_id[i] for i in g.applicant_ids if i in by_id]
        person = next((a.name for a in mine if a.name), "") or g.applicant_ids[0]
        apps = tuple((i, by_id[i].program if i in by_id else "其他批次") for i in g.applicant_ids)
        out.append(MultiLink(person, apps, g.reasons, g.score))
    return out


def shared_evidence(d: IntakeData) -> list[DupItem]:
    return [g for g in d.duplicates if g.code == "DUPLICATE_EVIDENCE"]


def queue_age(d: IntakeData) -> list[tuple[str, int]]:
    """How long applications still waiting (files in, no conclusion) have waited since their
    last upload, in AGE_BUCKETS."""
    counts = dict.fromkeys((b[0] for b in AGE_BUCKETS), 0)
    now = d.now
    for a in d.apps:
        if a.state in WAITING and a.last_upload and now:
            counts[age_bucket(now - a.last_upload)] += 1
    return list(counts.items())


def age_bucket(age: dt.timedelta) -> str:
    days = age.total_seconds() / 86400
    return next(name for name, lo, hi in AGE_BUCKETS if lo <= days < hi)


def confirmed_problems(d: IntakeData) -> list[tuple[AppItem, list[str]]]:
    """Applications with flags a reviewer confirmed (属实), with the confirmed codes."""
    out = []
    for a in d.apps:
        codes = list(dict.fromkeys(f.code for f in a.flags if f.verdict == CONFIRMED))
        if codes:
            out.append((a, codes))
    return sorted(out, key=lambda t: t[0].applicant_id)


@dataclass(frozen=True)
class Comparison:
    previous: str  # the earlier intake's key
    counts: list[tuple[str, int, int]]  # (label, this, previous)
    code_rates: list[tuple[str, float, float]]  # (code, share of this, share of previous)
    repeat_applicants: int  # the same ID number in both intakes


def compare(d: IntakeData, prev: IntakeData) -> Comparison:
    """This round beside the previous one of the same program."""
    labels = (("申报人数", "applicants"), ("有疑点", "with_flags"), ("疑点总数", "flags"),
              ("高严重度疑点", "high"), ("确认属实的申报", "confirmed_applicants"))  # fmt: skip
    t, p = totals(d), totals(prev)
    counts = [(label, t[k], p[k]) for label, k in labels]

    def shares(x: IntakeData) -> dict[str, float]:
        n = len(x.apps) or 1
        return {r.code: r.applicants / n for r in flags_by_code(x)}

    s, ps = shares(d), shares(prev)
    rates = [(c, s.get(c, 0.0), ps.get(c, 0.0)) for c in sorted(set(s) | set(ps),
             key=lambda c: (-s.get(c, 0.0), c))]  # fmt: skip
    ids = {a.id_number for a in prev.apps if a.id_number}
    repeat = sum(1 for a in d.apps if a.id_number and a.id_number in ids)
    return Comparison(prev.key, counts, rates, repeat)


__all__ = [
    "AGE_BUCKETS", "STATES", "AppItem", "CodeRow", "Comparison", "DecisionRow", "DocItem",
    "DupItem", "FlagItem", "IntakeData", "IssuerRow", "MultiLink", "PrefRow", "age_bucket",
    "by_issuer", "by_prefecture", "by_program", "by_state", "compare", "confirmed_problems",
    "decisions_by_code", "flags_by_code", "multi_applications", "prefecture_of", "queue_age",
    "shared_evidence", "totals",
]  # fmt: skip
