"""Duplicate applicants and duplicate evidence across the applications of a batch.

Applicants (DUPLICATE_APPLICANT), the way Splink links records:
1. Blocking. Candidate pairs are the records that share a key of one of `BLOCKING_RULES`
   (ID number without its sequence digits, without its region, without its birth date;
   name + birth month; first name part + birth month; first two characters + birth date).
   Any one mistyped ID digit leaves two of the three ID keys intact, and a name written
   another way keeps its name or first-part key. All pairs are never compared.
2. Scoring. Each candidate pair goes through `COMPARISONS` (ID number, name, birth date,
   gender, ethnicity); each gives the weight of the level that applies (a log2 Bayes factor)
   and a reason. Prior + weights → a match probability; pairs at `MATCH_PROBABILITY` or
   above are linked. Two valid ID numbers that differ always outweigh an equal name and
   birth date: namesakes are different people.
3. Groups are connected components of the linked pairs (A~B and B~C give [A, B, C]); the
   group's reasons are its linking pairs' reasons (prefixed "A ~ B:" when the group has more
   than two members), then batch-level ones (the duplicate rules of matchers.rules whose
   `batch_check` the person's applications break, the earlier intake). Its score is its
   weakest link.

Each reason reads "中文 (english) [weight]", the weight being the level's log2 Bayes factor,
like a bar of Splink's waterfall chart.

History: members found in an earlier intake are named "<intake>:<applicant_id>" and a reason
names the intake and its source file (matchers/history.py).

Evidence (DUPLICATE_EVIDENCE): `evidence_pairs` links pages of different applicants by
byte-identical file (sha256), equal certificate number, or a similar page image whose
certificate fields agree: a pHash/dHash Hamming distance, or, when the page images are at
hand (`images`), keypoint alignment (matchers.imagematch), which also finds a certificate
mounted on a backing sheet, skewed under the scanner lid or photographed, and says where the
two images differ. A pair whose certificate content agrees but whose holder (name or ID
number) differs is "the same certificate with the name edited": matchers/tamper.py turns it
into TAMPER_SUSPECTED on both applicants.
"""

from __future__ import annotations

import functools
import math
import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date
from typing import TYPE_CHECKING

from extractors.normalize import clean_cert_no, comparable, name_key
from extractors.validators import compact_id, id_check_char, upgrade_15_to_18
from matchers.names import NameVerdict, compare_names
from matchers.rules import RULES
from models.declared import Applicant
from models.document import BBox, DocType, DocumentReading, ExtractedField
from models.evidence import PacketFile, PageReading
from models.results import DuplicateGroup, FlagCode

if TYPE_CHECKING:
    # OpenCV loads only when pages are aligned: `credcheck duplicates` never does.
    from matchers.history import History
    from matchers.imagematch import Alignment, PageAligner, PageImage, Region

__all__ = [
    "BLOCKING_RULES",
    "COMPARISONS",
    "KEY_VERSION",
    "MATCH_PROBABILITY",
    "ApplicantLinks",
    "EvidencePair",
    "blocking_keys",
    "evidence_pairs",
    "find_duplicate_applicants",
    "find_duplicate_evidence",
    "link_applicants",
    "raw_name",
]

# ---------------------------------------------------------------- records


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


def _norm_id(s: str | None) -> str:
    t = compact_id(s or "")
    if len(t) == 15 and t.isdigit():
        t = upgrade_15_to_18(t)
    return t


@functools.lru_cache(maxsize=65_536)
def _id_valid(t: str) -> bool:
    return len(t) == 18 and t[:17].isdigit() and id_check_char(t[:17]) == t[17]


def _id_birth(t: str) -> str | None:
    if len(t) != 18 or not t[6:14].isdigit():
        return None
    try:
        return date(int(t[6:10]), int(t[10:12]), int(t[12:14])).isoformat()
    except ValueError:
        return None


@dataclass(frozen=True, slots=True)
class _Rec:
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


def _rec(a: Applicant, uid: str | None = None, intake: str | None = None, source: str = "") -> _Rec:
    raw = raw_name(a) or ""
    key, flat, parts = _name_forms(raw) if raw else ("", "", ())
    idn = _norm_id(a.id_number)
    id_birth = _id_birth(idn) or ""
    return _Rec(
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


# ---------------------------------------------------------------- blocking


@dataclass(frozen=True)
class BlockingRule:
    """Records that share a key of the rule become a candidate pair."""

    name: str
    keys: Callable[[_Rec], Iterable[str]]
    description: str


def _months(r: _Rec) -> set[str]:
    return {b[:7] for b in (r.birth, r.id_birth) if len(b) >= 7}


def _days(r: _Rec) -> set[str]:
    return {b for b in (r.birth, r.id_birth) if len(b) == 10} or _months(r)


def _id_keys(part: Callable[[str], str]) -> Callable[[_Rec], Iterable[str]]:
    return lambda r: [part(r.id)] if len(r.id) == 18 else ([r.id] if r.id else [])


BLOCKING_RULES: tuple[BlockingRule, ...] = (
    BlockingRule(
        "id_no_sequence", _id_keys(lambda t: t[:14]), "region + birth date of the ID number"
    ),
    BlockingRule("id_no_region", _id_keys(lambda t: t[6:]), "ID number without its region"),
    BlockingRule(
        "id_no_birth", _id_keys(lambda t: t[:6] + t[14:]), "ID number without its birth date"
    ),
    BlockingRule(
        "name_birth_month",
        lambda r: [f"{r.flat}|{m}" for m in _months(r)] if r.flat else [],
        "name (no dots, simplified) + birth month",
    ),
    BlockingRule(
        "first_part_birth_month",
        lambda r: [f"{r.parts[0]}|{m}" for m in _months(r)] if len(r.parts) > 1 else [],
        "first part of a dotted name + birth month",
    ),
    BlockingRule(
        "prefix_birth_date",
        lambda r: [f"{r.flat[:2]}|{d}" for d in _days(r)] if len(r.flat) >= 2 else [],
        "first two characters of the name + birth date (undotted vs shortened names)",
    ),
)
# Bump when a rule or a name key changes: stored history keys are rebuilt on open.
# 2: name_key keeps 乾 and 於 (were folded into 干 and 于).
KEY_VERSION = 2
MAX_BLOCK = 500  # a key shared by more records is a placeholder value, not an identity


def _rec_keys(r: _Rec) -> list[str]:
    return [f"{rule.name}\x1f{k}" for rule in BLOCKING_RULES for k in dict.fromkeys(rule.keys(r))]


def blocking_keys(a: Applicant) -> list[str]:
    """The blocking keys of one applicant (stored in the history database)."""
    return _rec_keys(_rec(a))


def _candidate_pairs(
    keys_of: Sequence[Sequence[str]], n_current: int
) -> tuple[set[tuple[int, int]], int]:
    """Index pairs (i < j) sharing a key, at least one of them current; and the keys skipped."""
    buckets: dict[str, list[int]] = defaultdict(list)
    for i, keys in enumerate(keys_of):
        for k in keys:
            buckets[k].append(i)
    pairs: set[tuple[int, int]] = set()
    skipped = 0
    for members in buckets.values():
        if len(members) < 2:
            continue
        if len(members) > MAX_BLOCK:
            skipped += 1
            continue
        for x, i in enumerate(members):
            for j in members[x + 1 :]:
                if i < n_current or j < n_current:  # history pairs among themselves: not ours
                    pairs.add((i, j) if i < j else (j, i))
    return pairs, skipped


# ---------------------------------------------------------------- comparisons


@dataclass(frozen=True)
class Level:
    weight: float  # log2 Bayes factor
    reason: str


@dataclass(frozen=True)
class Comparison:
    """One field compared: `judge` picks the level that applies (or None: not compared)."""

    name: str
    judge: Callable[[_Rec, _Rec], Level | None]
    best: float  # the highest weight any level gives (for pruning)


def _differing_digits(a: str, b: str) -> int:
    """How many places two ID numbers of one length differ in (a typo is one, a swap two)."""
    return sum(x != y for x, y in zip(a, b, strict=True))


ID_SAME = Level(14.0, "身份证号相同 (same id_number)")
ID_ONE_DIGIT = Level(8.0, "身份证号仅1位不同，疑似录入错误 (id_number differs in 1 digit (typo?))")
ID_SWAPPED = Level(7.0, "身份证号相邻两位颠倒 (id_number: two adjacent digits swapped (typo?))")
ID_SIBLING = Level(
    -14.0,
    "两个有效身份证号仅顺序码不同，为同地同日出生的不同人 "
    "(different valid id_numbers: same region and birth date, other sequence number)",
)
ID_DIFFERENT_VALID = Level(-14.0, "两个有效身份证号不同 (different valid id_numbers)")
ID_DIFFERENT = Level(-8.0, "身份证号不同 (id_number differs in {n} digits)")
ID_MISSING = Level(-2.0, "一方身份证号缺失，未比较 (id_number missing on one side)")
ID_MISSING_BOTH = Level(-2.0, "双方身份证号均缺失，未比较 (id_number missing on both sides)")
ID_PLACEHOLDER = Level(
    -2.0,
    "身份证号为{n}个不同姓名共用的占位值，未比较 (id_number shared by {n} names: a placeholder)",
)
# One ID number under more different names than this is a dummy filled into the form (a
# person applying to several programs keeps one name): it identifies nobody.
PLACEHOLDER_ID_NAMES = 3


def _judge_id(a: _Rec, b: _Rec) -> Level:
    if a.id_shared or b.id_shared:
        n = max(a.id_shared, b.id_shared)
        return Level(ID_PLACEHOLDER.weight, ID_PLACEHOLDER.reason.format(n=n))
    if not a.id or not b.id:  # name and birth date alone: a weaker link, said so
        return ID_MISSING if a.id or b.id else ID_MISSING_BOTH
    if a.id == b.id:
        return ID_SAME
    if len(a.id) == len(b.id):
        n = _differing_digits(a.id, b.id)
        if _id_valid(a.id) and _id_valid(b.id):  # one wrong digit always breaks the check
            return ID_SIBLING if a.id[:14] == b.id[:14] else ID_DIFFERENT_VALID
        if n == 1:
            return ID_ONE_DIGIT
        if n == 2:
            k = next(i for i in range(len(a.id)) if a.id[i] != b.id[i])
            if k + 1 < len(a.id) and a.id[k] == b.id[k + 1] and a.id[k + 1] == b.id[k]:
                return ID_SWAPPED
        return Level(ID_DIFFERENT.weight, ID_DIFFERENT.reason.format(n=n))
    return Level(ID_DIFFERENT.weight, ID_DIFFERENT.reason.format(n="several"))


NAME_WEIGHTS = {
    NameVerdict.same: 6.0,
    NameVerdict.variant: 4.5,
    NameVerdict.uncertain: 1.0,
    NameVerdict.different: -6.0,
}
_NAME_LABELS = {
    NameVerdict.same: "姓名相同 (name equal)",
    NameVerdict.variant: "姓名为同一人的不同写法 (name variant)",
    NameVerdict.uncertain: "姓名相近，无法确定 (name uncertain)",
    NameVerdict.different: "姓名不同 (name differs)",
}


@functools.lru_cache(maxsize=50_000)
def _compare_names(longer: str, shorter: str) -> tuple[NameVerdict, tuple[str, ...]]:
    m = compare_names(longer, shorter)
    return m.verdict, m.reasons


def _judge_name(a: _Rec, b: _Rec) -> Level | None:
    if not a.key or not b.key:
        return None
    if a.key == b.key and a.name_raw == b.name_raw:
        return Level(NAME_WEIGHTS[NameVerdict.same], _NAME_LABELS[NameVerdict.same])
    # compare_names reads (declared, found); the fuller name first gives "fewer parts" reasons
    longer, shorter = (a, b) if (len(a.parts), a.name_raw) >= (len(b.parts), b.name_raw) else (b, a)
    verdict, reasons = _compare_names(longer.name_raw, shorter.name_raw)
    weight = NAME_WEIGHTS[verdict]
    if verdict is NameVerdict.uncertain and not reasons:
        weight = 0.0
    detail = "：" + "；".join(reasons) if reasons else ""
    return Level(weight, _NAME_LABELS[verdict] + detail)


BIRTH_SAME = Level(4.0, "出生日期相同 (birth_date equal)")
BIRTH_MONTH = Level(3.0, "出生年月相同（一方只填到月） (birth_date equal to the month)")
BIRTH_DIFFERENT = Level(-5.0, "出生日期不同 (birth_date differs)")


def _judge_birth(a: _Rec, b: _Rec) -> Level | None:
    if not a.birth or not b.birth:
        return None
    if a.birth == b.birth:
        return BIRTH_SAME if len(a.birth) == 10 else BIRTH_MONTH
    n = min(len(a.birth), len(b.birth))
    if n >= 7 and a.birth[:n] == b.birth[:n]:
        return BIRTH_MONTH
    # A typo in the ID's birth digits must not count against a declared date that agrees.
    if a.id_birth and a.id_birth == b.id_birth:
        return BIRTH_SAME
    return BIRTH_DIFFERENT


def _equal_or_not(field_: str, zh: str, agree: float, disagree: float) -> Callable:
    same = Level(agree, f"{zh}相同 ({field_} equal)")
    differs = Level(disagree, f"{zh}不同 ({field_} differs)")

    def judge(a: _Rec, b: _Rec) -> Level | None:
        x, y = getattr(a, field_), getattr(b, field_)
        if not x or not y:
            return None
        return same if x == y else differs

    return judge


COMPARISONS: tuple[Comparison, ...] = (
    Comparison("id_number", _judge_id, ID_SAME.weight),
    Comparison("birth_date", _judge_birth, BIRTH_SAME.weight),
    Comparison("gender", _equal_or_not("gender", "性别", 0.5, -3.0), 0.5),
    Comparison("ethnicity", _equal_or_not("ethnicity", "民族", 0.5, -2.0), 0.5),
    # Last: the costliest, skipped when the others already rule the pair out.
    Comparison("name", _judge_name, NAME_WEIGHTS[NameVerdict.same]),
)
# Reasons are listed in this order whatever order the comparisons run in.
_REASON_ORDER = ("id_number", "name", "birth_date", "gender", "ethnicity")
PRIOR = -6.0  # log2 odds of a match before any field is compared, for a blocked pair
MATCH_PROBABILITY = 0.8


def _probability(weight: float) -> float:
    return 1.0 / (1.0 + 2.0 ** (-weight))


MATCH_WEIGHT = math.log2(MATCH_PROBABILITY / (1 - MATCH_PROBABILITY))  # 2.0 for 0.8


@dataclass(frozen=True)
class PairScore:
    weight: float
    probability: float
    reasons: tuple[str, ...]


def score_pair(a: _Rec, b: _Rec) -> PairScore | None:
    """Weights of every comparison; None when pruned (cannot reach the match threshold)."""
    total = PRIOR
    levels: dict[str, Level] = {}
    remaining = sum(c.best for c in COMPARISONS)
    for c in COMPARISONS:
        remaining -= c.best
        level = c.judge(a, b)
        if level is not None:
            levels[c.name] = level
            total += level.weight
        if total + remaining < MATCH_WEIGHT:
            return None
    reasons = tuple(
        f"{levels[k].reason} [{levels[k].weight:+.1f}]" for k in _REASON_ORDER if k in levels
    )
    return PairScore(total, _probability(total), reasons)


# ---------------------------------------------------------------- groups


class _UnionFind:
    def __init__(self) -> None:
        self.parent: dict[int, int] = {}

    def find(self, x: int) -> int:
        self.parent.setdefault(x, x)
        while self.parent[x] != x:
            self.parent[x] = self.parent[self.parent[x]]
            x = self.parent[x]
        return x

    def union(self, a: int, b: int) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[max(ra, rb)] = min(ra, rb)

    def groups(self) -> list[list[int]]:
        out: dict[int, list[int]] = defaultdict(list)
        for x in self.parent:
            out[self.find(x)].append(x)
        return list(out.values())


@dataclass
class ApplicantLinks:
    """What the applicant search did: the groups and the figures behind them."""

    groups: list[DuplicateGroup]
    records: int  # records compared (batch + history candidates)
    history_candidates: int
    keys: dict[str, list[str]]  # applicant_id → blocking keys (History.add_intake takes them)
    candidate_pairs: int
    linked_pairs: int
    skipped_blocks: int  # keys shared by more than MAX_BLOCK records (placeholders), unused


def _rule_reasons(members: list[_Rec]) -> list[str]:
    current = [r for r in members if r.intake is None]
    out: list[str] = []
    if len(current) >= 2:
        programs = sorted({r.program or "未填写申报项目" for r in current})
        out.append(
            f"同一人在本批次有{len(current)}份申报：{'、'.join(programs)} "
            f"(one person in {len(current)} applications of this batch)"
        )
        held = tuple(r.program for r in current)
        out.extend(
            f"{rule.id}：{rule.description}"
            for rule in RULES
            if rule.batch_check is not None and rule.batch_check(held)
        )
    for intake, source in sorted({(r.intake, r.source) for r in members if r.intake}):
        where = f"（{source}）" if source else ""
        out.append(f"往期申报 {intake}{where} 中已有此人 (found in earlier intake {intake})")
    return out


def _mark_placeholder_ids(recs: list[_Rec]) -> list[_Rec]:
    names: dict[str, set[str]] = defaultdict(set)
    for r in recs:
        if r.id and r.flat:
            names[r.id].add(r.flat)
    out = []
    for r in recs:
        if r.id and len(names[r.id]) > PLACEHOLDER_ID_NAMES:
            # Nor is the birth date printed in it anyone's.
            birth = "" if r.birth == r.id_birth else r.birth
            r = replace(r, id_shared=len(names[r.id]), id_birth="", birth=birth)
        out.append(r)
    return out


def link_applicants(
    applicants: Sequence[Applicant],
    *,
    history: History | None = None,
    intake: str | None = None,
) -> ApplicantLinks:
    """Block, score and group; see the module docstring."""
    seen: set[str] = set()
    recs: list[_Rec] = []
    for a in applicants:
        if a.applicant_id and a.applicant_id not in seen:
            seen.add(a.applicant_id)
            recs.append(_rec(a))
    n_current = len(recs)
    keys_of = [_rec_keys(r) for r in recs]
    n_history = 0
    if history is not None:
        for h in history.candidates((k for ks in keys_of for k in ks), intake=intake):
            rec = _rec(h.applicant, uid=h.uid, intake=h.intake, source=h.source)
            recs.append(rec)
            keys_of.append(_rec_keys(rec))
            n_history += 1
    # Over this intake and the earlier ones it meets: a dummy ID may recur across years.
    recs = _mark_placeholder_ids(recs)
    pairs, skipped = _candidate_pairs(keys_of, n_current)

    uf = _UnionFind()
    linked: dict[tuple[int, int], PairScore] = {}
    for i, j in sorted(pairs):
        s = score_pair(recs[i], recs[j])
        if s is not None and s.probability >= MATCH_PROBABILITY:
            linked[(i, j)] = s
            uf.union(i, j)

    by_root: dict[int, list[tuple[int, int]]] = defaultdict(list)
    for i, j in linked:
        by_root[uf.find(i)].append((i, j))
    groups: list[DuplicateGroup] = []
    for component in uf.groups():
        members = sorted((recs[i] for i in component), key=lambda r: r.uid)
        if all(r.intake is not None for r in members):
            continue
        edges = sorted(
            (tuple(sorted((recs[i].uid, recs[j].uid))), linked[(i, j)])
            for i, j in by_root[uf.find(component[0])]
        )
        reasons: list[str] = []
        for (u, v), s in edges:
            prefix = f"{u} ~ {v}：" if len(members) > 2 else ""
            if len(members) > 2:
                reasons.append(f"{prefix}匹配概率 {s.probability:.4f} (match probability)")
            reasons.extend(prefix + r for r in s.reasons)
        reasons.extend(_rule_reasons(members))
        groups.append(
            DuplicateGroup(
                code=FlagCode.DUPLICATE_APPLICANT,
                applicant_ids=[r.uid for r in members],
                score=round(min(s.probability for _, s in edges), 4),
                reasons=reasons,
            )
        )
    groups.sort(key=lambda g: (g.code.value, g.applicant_ids))
    return ApplicantLinks(
        groups=groups,
        records=len(recs),
        history_candidates=n_history,
        keys={r.uid: keys_of[k] for k, r in enumerate(recs[:n_current])},
        candidate_pairs=len(pairs),
        linked_pairs=len(linked),
        skipped_blocks=skipped,
    )


def find_duplicate_applicants(
    applicants: Sequence[Applicant],
    *,
    history: History | None = None,
    intake: str | None = None,
) -> list[DuplicateGroup]:
    """DUPLICATE_APPLICANT groups of a batch (and against earlier intakes in `history`).

    Does not write to `history`: add the intake with `History.add_intake` afterwards.
    """
    return link_applicants(applicants, history=history, intake=intake).groups


# ---------------------------------------------------------------- evidence

# Certificate content: equal on two certificates of one holder set, and, apart from the
# holder's name and ID, what an edited copy keeps.
CONTENT_FIELDS = (
    "cert_no", "issue_date", "issuer", "award_name", "award_level", "award_rank", "award_year",
    "skill_level", "occupation", "title", "title_level", "education", "school",
)  # fmt: skip
HOLDER_FIELDS = ("name", "id_number")
# The holder's own lines: an edited copy changes them, the rest of the sheet stays.
PERSONAL_FIELDS = ("name", "id_number", "gender", "ethnicity", "birth_date")
MIN_CERT_NO = 6  # shorter numbers ("001") repeat across issuers
# pHash/dHash (256 bits each) Hamming distances, measured on synthetic certificates scanned
# twice (synth.damage): rescans of one certificate have a median of ~36/51 bits, office scans
# mostly stay under ~80/100, phone photos of the sheet on a desk or a certificate mounted on
# card reach 100-140 (as far as unrelated pages). Different certificates of the same layout came
# no closer than 46/51, but copies of ID cards (small cards on a white page) of different
# people can: so "near" (pHash ≤ 28) counts only where what was read does not disagree,
# "similar" needs certificate fields to agree, and an image alone (nothing read on one side)
# only when all but identical. Fields decide the rest: a certificate number (the ID number
# for ID cards), or the same holder and the same content.
IDENTICAL_PHASH, IDENTICAL_DHASH = 12, 24
NEAR_PHASH, NEAR_DHASH = 28, 72
SIMILAR_PHASH, SIMILAR_DHASH = 80, 100
_BANDS = 16  # 16-bit bands of each hash: pages within 15 bits share a band for sure
_EMPTY_SHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"


@dataclass
class _Page:
    applicant: str
    file: str
    page: int
    sha256: str | None
    phash: int | None
    dhash: int | None
    docs: list[DocumentReading]
    size: tuple[float, float] = (0.0, 0.0)  # width, height of the page in its bbox unit

    @property
    def node(self) -> tuple[str, int]:
        return (self.file, self.page)


@dataclass(frozen=True)
class EvidencePair:
    """Two pages of different applicants that show the same certificate."""

    a: tuple[str, str, int]  # (applicant_id, file, page)
    b: tuple[str, str, int]
    score: float
    reasons: tuple[str, ...]
    edited: bool = False  # same certificate, different holder: TAMPER_SUSPECTED on both
    holder_field: str | None = None  # "name" or "id_number" when edited
    doc_type: str | None = None
    bbox_a: tuple[float, float, float, float] | None = None  # the holder field on each side
    bbox_b: tuple[float, float, float, float] | None = None
    # Where the aligned images differ (largest first), in each page's bbox unit.
    regions_a: tuple[tuple[float, float, float, float], ...] = ()
    regions_b: tuple[tuple[float, float, float, float], ...] = ()


def _hash_int(h: str | None) -> int | None:
    if not h:
        return None
    try:
        return int(h, 16)
    except ValueError:
        return None


def _pages(
    files_by_applicant: Mapping[str, Sequence[PacketFile]],
    pages: Mapping[tuple[str, int], PageReading],
) -> list[_Page]:
    out: dict[tuple[str, int], _Page] = {}
    read: dict[str, set[int]] = defaultdict(set)
    for f, k in pages:
        read[f].add(k)
    for aid in sorted(files_by_applicant):
        for pf in files_by_applicant[aid]:
            if pf.error_code and not pf.sha256:
                continue
            sha = pf.sha256 if pf.sha256 != _EMPTY_SHA256 and pf.size != 0 else None
            nums = {d.page for d in pf.documents} | read.get(pf.file, set())
            if not nums:
                nums = {1}  # unread file: still comparable by its bytes
            for k in sorted(nums):
                pr = pages.get((pf.file, k))
                out[(pf.file, k)] = _Page(
                    aid,
                    pf.file,
                    k,
                    sha,
                    _hash_int(pr.phash) if pr else None,
                    _hash_int(pr.dhash) if pr else None,
                    [d for d in pf.documents if d.page == k] or (list(pr.documents) if pr else []),
                    (pr.width, pr.height) if pr else (0.0, 0.0),
                )
    return [out[k] for k in sorted(out)]


def _value(d: DocumentReading, key: str) -> str | None:
    f = d.fields.get(key)
    if f is None or not f.value:
        return None
    if key == "cert_no":
        return clean_cert_no(f.value)
    if key == "id_number":
        return _norm_id(f.value)
    if key == "name":
        return name_key(f.value)
    return comparable(f.value)


def _number(d: DocumentReading) -> str | None:
    """What identifies the document: its certificate number; an ID card's ID number."""
    if d.doc_type is DocType.id_card:
        idn = _value(d, "id_number")
        return idn if idn and _id_valid(idn) else None
    no = _value(d, "cert_no")
    return no if no and len(no) >= MIN_CERT_NO else None


def _evidence_keys(p: _Page) -> Iterator[str]:
    if p.sha256:
        yield f"sha\x1f{p.sha256}"
    for d in p.docs:
        no = _number(d)
        if no:
            yield f"no\x1f{d.doc_type}\x1f{no}"
        issued = _value(d, "issue_date")
        if issued:
            yield f"date\x1f{d.doc_type}\x1f{issued}"
        award = _value(d, "award_name")  # awards carry no number, and dates misread
        if award:
            yield f"award\x1f{award}"
    for tag, h in (("ph", p.phash), ("dh", p.dhash)):
        if h is not None:
            for band in range(_BANDS):
                yield f"{tag}{band}\x1f{(h >> (16 * band)) & 0xFFFF:04x}"


def _distance(a: int | None, b: int | None) -> int | None:
    return None if a is None or b is None else (a ^ b).bit_count()


@dataclass(frozen=True)
class _DocMatch:
    agree: tuple[str, ...]
    differ: tuple[str, ...]
    holder_differs: str | None  # "name" / "id_number"
    holder_same: bool  # same name (or a spelling of it), ID numbers not different
    name_reason: str | None
    x: DocumentReading
    y: DocumentReading
    number: str | None  # the shared certificate (or ID card) number


def _match_docs(x: DocumentReading, y: DocumentReading) -> _DocMatch:
    agree, differ = [], []
    for k in CONTENT_FIELDS:
        vx, vy = _value(x, k), _value(y, k)
        if vx and vy:
            (agree if vx == vy else differ).append(k)
    holder, name_reason, same_name = None, None, False
    nx, ny = x.fields.get("name"), y.fields.get("name")
    if nx and ny and nx.value and ny.value:
        m = compare_names(nx.value, ny.value, found_confidence=ny.confidence)
        if m.verdict is NameVerdict.different:
            holder, name_reason = "name", "；".join(m.reasons)
        same_name = m.matches
    ix, iy = _value(x, "id_number"), _value(y, "id_number")
    if holder is None and ix and iy and ix != iy and _more_than_a_slip(ix, iy):
        holder = "id_number"
    number = _number(x)
    return _DocMatch(
        tuple(agree),
        tuple(differ),
        holder,
        same_name and holder is None,
        name_reason,
        x,
        y,
        number if number is not None and number == _number(y) else None,
    )


def _more_than_a_slip(a: str, b: str) -> bool:
    """Two ID numbers differ by more than an OCR slip (one character)."""
    return len(a) != len(b) or _differing_digits(a, b) > 1


def _bbox(f: ExtractedField | None) -> tuple[float, float, float, float] | None:
    return tuple(f.evidence.bbox) if f is not None and f.evidence.bbox else None  # type: ignore[return-value]


def _image_level(a: _Page, b: _Page) -> tuple[str | None, str | None]:
    """("identical" / "near" / "similar" / None, the reason naming the distances)."""
    dp, dd = _distance(a.phash, b.phash), _distance(a.dhash, b.dhash)
    if dp is None or dd is None:
        return None, None
    if dp <= IDENTICAL_PHASH and dd <= IDENTICAL_DHASH:
        level, zh = "identical", "页面图像几乎完全相同"
    elif dp <= NEAR_PHASH and dd <= NEAR_DHASH:
        level, zh = "near", "页面图像几乎相同"
    elif dp <= SIMILAR_PHASH and dd <= SIMILAR_DHASH:
        level, zh = "similar", "页面图像相似"
    else:
        return None, None
    return level, f"{zh} (same image rescanned: pHash distance {dp}/256, dHash {dd}/256)"


def _best_match(a: _Page, b: _Page) -> _DocMatch | None:
    """The pair of same-type documents on the two pages that agrees best."""
    best: _DocMatch | None = None
    for x in a.docs:
        for y in b.docs:
            if x.doc_type != y.doc_type:
                continue
            m = _match_docs(x, y)
            if best is None or len(m.agree) - 2 * len(m.differ) > len(best.agree) - 2 * len(
                best.differ
            ):
                best = m
    return best


def _to_units(region: Region, page: _Page) -> BBox:
    w, h = page.size
    return (round(region[0] * w, 1), round(region[1] * h, 1), round(region[2] * w, 1),
            round(region[3] * h, 1))  # fmt: skip


def _personal_regions(d: DocumentReading, page: _Page) -> list[Region]:
    """The holder's fields on a page as fractions of it (none when its size is unknown)."""
    w, h = page.size
    if not w or not h:
        return []
    out = []
    for key in PERSONAL_FIELDS:
        box = _bbox(d.fields.get(key))
        if box is not None:
            out.append((box[0] / w, box[1] / h, box[2] / w, box[3] / h))
    return out


def _on_lines(regions: Sequence[Region], lines: Sequence[Region]) -> bool:
    """Does a differing region lie on the text line of one of `lines`?"""
    return any(r[1] < b[3] and b[1] < r[3] for r in regions for b in lines)


def _same_holder_and_content(m: _DocMatch) -> bool:
    """One holder has no two certificates alike: same holder, ≥3 content fields equal with
    the issue date, none different."""
    content = [k for k in m.agree if k != "cert_no"]
    return m.holder_same and len(content) >= 3 and "issue_date" in content and not m.differ


def _align(
    a: _Page, b: _Page, aligner: PageAligner | None, best: _DocMatch | None, image: str | None
) -> tuple[Alignment | None, list[Region]]:
    """Align the two page images when that decides something: an edited copy (is it the same
    sheet apart from the holder's lines, and where do they differ?), or content that agrees
    where neither the hashes nor the same holder with the issue date link the pages (a
    mounted or photographed copy). ID cards are told apart by their numbers only: the back
    of every card is alike. Returns the alignment and the holder's lines on page a."""
    if aligner is None or best is None or best.differ or len(best.agree) < 2:
        return None, []
    if best.x.doc_type is DocType.id_card:
        return None, []
    if not best.holder_differs:
        if image is not None or _same_holder_and_content(best):
            return None, []
        return aligner(a.node, b.node), []
    lines_a, lines_b = _personal_regions(best.x, a), _personal_regions(best.y, b)
    return aligner(a.node, b.node, ignore_a=lines_a, ignore_b=lines_b), lines_a


def _image_reason(al: Alignment) -> str:
    return (
        f"页面图像对齐后一致 (same image after alignment: {al.inliers} matching keypoints, "
        f"{al.differing}/{al.compared} cells differ)"
    )


def _edit_reason(al: Alignment, holder: str, on_line: bool) -> str:
    what = "姓名" if holder == "name" else "身份证号"
    if on_line:
        return (
            f"对齐后两图仅在持证人信息所在行不同（{what}等） (after alignment the images differ "
            f"only on the holder's lines, the {holder} among them: {al.differing}/{al.compared} "
            "other cells differ)"
        )
    return (
        f"对齐后除持证人信息外两图一致 (after alignment the images agree apart from the "
        f"holder's fields: {al.differing}/{al.compared} other cells differ)"
    )


def _judge_pages(a: _Page, b: _Page, aligner: PageAligner | None = None) -> EvidencePair | None:
    """Do two pages show one certificate? Tried in order; the reasons say which held.

    - same bytes; - same certificate (ID card) number, content not contradicting it unless
    the images match; - similar image (hashes, or alignment when the images are at hand) and
    ≥2 content fields equal, none different; - same holder and ≥3 content fields equal
    including the issue date (one holder has no two certificates alike); - a near-identical
    image where nothing read disagrees (no documents read: only an all-but-identical image).
    "Edited" (TAMPER) needs a number or image+content basis and another holder. An alignment
    that finds the images different in most places overrides a loose hash similarity.
    """
    image, image_reason = _image_level(a, b)
    best = _best_match(a, b)
    reasons: list[str] = []
    score = 0.0
    same_bytes = a.sha256 is not None and a.sha256 == b.sha256
    if same_bytes:
        reasons.append("文件完全相同 (byte-identical file, same sha256)")
        score = 1.0
    alignment, holder_lines = (None, []) if same_bytes else _align(a, b, aligner, best, image)
    if alignment is not None:
        if alignment.same_image and image is None:
            image, image_reason = "aligned", _image_reason(alignment)
        elif alignment.different_image and image == "similar":
            image, image_reason = None, None
    by_number = by_image = by_holder = by_near = False
    if best is not None:
        by_number = bool(best.number) and (not best.differ or image is not None)
        by_image = image is not None and len(best.agree) >= 2 and not best.differ
        by_holder = _same_holder_and_content(best)
        by_near = image in ("identical", "near") and not best.differ and not best.holder_differs
    elif image == "identical":
        by_near = True  # nothing read on one side: only the image speaks
    if by_number:
        is_id = best is not None and best.x.doc_type is DocType.id_card
        reasons.append(
            "身份证号相同（同一身份证） (same id_number on the ID card)"
            if is_id
            else "证书编号相同 (same cert_no)"
        )
        score = max(score, 0.99)
    if by_holder:
        reasons.append("持证人与证书内容均相同 (same holder, same certificate content)")
        score = max(score, 0.9)
    if by_image or by_near:
        score = max(score, 0.95 if image in ("identical", "near", "aligned") else 0.9)
    if not (same_bytes or by_number or by_image or by_holder or by_near):
        return None
    if image_reason:
        reasons.append(image_reason)
    if best is not None and (agreed := [k for k in best.agree if k != "cert_no"]):
        reasons.append(f"证书内容一致 (fields equal: {', '.join(agreed)})")
    edited = (
        not same_bytes
        and best is not None
        and bool(best.holder_differs)
        and (by_number or by_image)
    )
    holder = best.holder_differs if edited and best is not None else None
    bbox_a = bbox_b = None
    regions_a: tuple[BBox, ...] = ()
    regions_b: tuple[BBox, ...] = ()
    if edited and best is not None and holder:
        what = "姓名" if holder == "name" else "身份证号"
        reasons.append(
            f"同一证书但{what}不同，疑似修改后重新扫描 "
            f"(same certificate, {holder} differs: edited copy?)"
            + (f"：{best.name_reason}" if best.name_reason else "")
        )
        bbox_a, bbox_b = _bbox(best.x.fields.get(holder)), _bbox(best.y.fields.get(holder))
        if alignment is not None and alignment.same_image:
            on_line = _on_lines(alignment.regions_a, holder_lines)
            reasons.append(_edit_reason(alignment, holder, on_line))
            if all(a.size) and all(b.size):
                regions_a = tuple(_to_units(r, a) for r in alignment.regions_a[:3])
                regions_b = tuple(_to_units(r, b) for r in alignment.regions_b[:3])
    return EvidencePair(
        a=(a.applicant, a.file, a.page),
        b=(b.applicant, b.file, b.page),
        score=round(score, 4),
        reasons=tuple(reasons),
        edited=edited,
        holder_field=holder,
        doc_type=best.x.doc_type.value if best is not None else None,
        bbox_a=bbox_a,
        bbox_b=bbox_b,
        regions_a=regions_a,
        regions_b=regions_b,
    )


def evidence_pairs(
    files_by_applicant: Mapping[str, Sequence[PacketFile]],
    pages: Mapping[tuple[str, int], PageReading],
    *,
    images: PageImage | None = None,
) -> list[EvidencePair]:
    """Pages of different applicants showing the same certificate (blocked, then judged).

    `images` gives the upright image of a page (file, page) as it was read; with it, pages
    whose certificate content agrees are also compared by keypoint alignment."""
    items = _pages(files_by_applicant, pages)
    buckets: dict[str, list[int]] = defaultdict(list)
    for i, p in enumerate(items):
        for k in dict.fromkeys(_evidence_keys(p)):
            buckets[k].append(i)
    candidates: set[tuple[int, int]] = set()
    for members in buckets.values():
        if len(members) < 2 or len(members) > MAX_BLOCK:
            continue
        for x, i in enumerate(members):
            for j in members[x + 1 :]:
                if items[i].applicant != items[j].applicant:
                    candidates.add((i, j))
    aligner = None
    if images is not None:
        from matchers.imagematch import PageAligner  # noqa: PLC0415 - loads OpenCV

        aligner = PageAligner(images)
    out = []
    for i, j in sorted(candidates):
        pair = _judge_pages(items[i], items[j], aligner)
        if pair is not None:
            out.append(pair)
    return out


def find_duplicate_evidence(
    files_by_applicant: Mapping[str, Sequence[PacketFile]],
    pages: Mapping[tuple[str, int], PageReading],
    *,
    images: PageImage | None = None,
    pairs: Sequence[EvidencePair] | None = None,
) -> list[DuplicateGroup]:
    """DUPLICATE_EVIDENCE groups: connected components of `evidence_pairs` over pages
    (`pairs` when the caller already has them)."""
    if pairs is None:
        pairs = evidence_pairs(files_by_applicant, pages, images=images)
    index: dict[tuple[str, str, int], int] = {}
    for p in pairs:
        for side in (p.a, p.b):
            index.setdefault(side, len(index))
    nodes = {v: k for k, v in index.items()}
    uf = _UnionFind()
    for p in pairs:
        uf.union(index[p.a], index[p.b])
    by_root: dict[int, list[EvidencePair]] = defaultdict(list)
    for p in pairs:
        by_root[uf.find(index[p.a])].append(p)
    groups = []
    for component in uf.groups():
        sides = sorted(nodes[i] for i in component)
        edges = sorted(by_root[uf.find(component[0])], key=lambda p: (p.a, p.b))
        multi_page = any(s[2] > 1 for s in sides)
        reasons = []
        for p in edges:
            pa = f"{p.a[1]}" + (f" 第{p.a[2]}页" if multi_page else "")
            pb = f"{p.b[1]}" + (f" 第{p.b[2]}页" if multi_page else "")
            reasons.extend(f"{pa} ~ {pb}：{r}" for r in p.reasons)
        groups.append(
            DuplicateGroup(
                code=FlagCode.DUPLICATE_EVIDENCE,
                applicant_ids=sorted({s[0] for s in sides}),
                score=min(p.score for p in edges),
                files=sorted({s[1] for s in sides}),
                reasons=reasons,
            )
        )
    groups.sort(key=lambda g: (g.code.value, g.applicant_ids, g.files or []))
    return groups
