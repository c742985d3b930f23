"""Blocking: which records are compared at all.

Candidate pairs are the records that share a key of one of `BLOCKING_RULES` (ID number
without its sequence digits, without its region, without its birth date; name + birth
month; first name part + birth month; first two characters + birth date). Any one mistyped
ID digit leaves two of the three ID keys intact, and a name written another way keeps its
name or first-part key. All pairs are never compared. The keys of earlier intakes are
stored in the history database (matchers.linkage.history), hence `KEY_VERSION`.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from matchers.linkage.records import Record, to_record
from models.declared import Applicant

__all__ = [
    "BLOCKING_RULES",
    "KEY_VERSION",
    "MAX_BLOCK",
    "BlockingRule",
    "blocking_keys",
    "candidate_pairs",
    "record_keys",
]


@dataclass(frozen=True)
class BlockingRule:
    """Records that share a key of the rule become a candidate pair."""

    name: str
    keys: Callable[[Record], Iterable[str]]
    description: str


def _months(r: Record) -> set[str]:
    return {b[:7] for b in (r.birth, r.id_birth) if len(b) >= 7}


def _days(r: Record) -> set[str]:
    return {b for b in (r.birth, r.id_birth) if len(b) == 10} or _months(r)


def _id_keys(part: Callable[[str], str]) -> Callable[[Record], Iterable[str]]:
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


def record_keys(r: Record) -> list[str]:
    """The keys of every rule, "<rule>\x1f<key>", each once, in rule order."""
    return [f"{rule.name}\x1f{k}" for rule in BLOCKING_RULES for k in dict.fromkeys(rule.keys(r))]


def blocking_keys(a: Applicant) -> list[str]:
    """The blocking keys of one applicant (stored in the history database)."""
    return record_keys(to_record(a))


def candidate_pairs(
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
