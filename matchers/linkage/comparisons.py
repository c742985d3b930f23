"""Scoring: each candidate pair goes through `COMPARISONS`, the way Splink compares.

Each comparison (ID number, birth date, gender, ethnicity, name) gives the weight of the level
that applies (a log2 Bayes factor) and a reason. Prior + weights → a match probability; pairs
at `MATCH_PROBABILITY` or above are linked. Two valid ID numbers that differ always outweigh
an equal name and birth date: namesakes are different people.

Each reason reads "中文 (english) [weight]", the weight being the level's log2 Bayes factor,
like a bar of Splink's waterfall chart.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable
from dataclasses import dataclass

from matchers.linkage.records import Record, differing_digits, id_valid
from matchers.names import NameVerdict, compare_names

__all__ = [
    "COMPARISONS",
    "MATCH_PROBABILITY",
    "PLACEHOLDER_ID_NAMES",
    "PRIOR",
    "Comparison",
    "Level",
    "PairScore",
    "score_pair",
]


@dataclass(frozen=True)
class Level:
    weight: float  # log2 Bayes factor
    reason: str


@dataclass(frozen=True)
class Comparison:
    """One field compared: `judge` picks the level that applies (or None: not compared)."""

    name: str
    judge: Callable[[Record, Record], Level | None]
    best: float  # the highest weight any level gives (for pruning)


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


def _judge_id(a: Record, b: Record) -> Level:
    if a.id_shared or b.id_shared:
        n = max(a.id_shared, b.id_shared)
        return Level(ID_PLACEHOLDER.weight, ID_PLACEHOLDER.reason.format(n=n))
    if not a.id or not b.id:  # name and birth date alone: a weaker link, said so
        return ID_MISSING if a.id or b.id else ID_MISSING_BOTH
    if a.id == b.id:
        return ID_SAME
    if len(a.id) == len(b.id):
        n = differing_digits(a.id, b.id)
        if id_valid(a.id) and id_valid(b.id):  # one wrong digit always breaks the check
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


def _judge_name(a: Record, b: Record) -> Level | None:
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


def _judge_birth(a: Record, b: Record) -> Level | None:
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

    def judge(a: Record, b: Record) -> Level | None:
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


def score_pair(a: Record, b: Record) -> PairScore | None:
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
