"""Linking: groups of applications that are one person (DUPLICATE_APPLICANT).

Groups are connected components of the linked pairs (A~B and B~C give [A, B, C]); the
group's reasons are its linking pairs' reasons (prefixed "A ~ B:" when the group has more
than two members), then batch-level ones: how many applications the person has in this
batch, the duplicate rules of matchers.rules whose `batch_check` they break, the earlier
intake a member comes from. Its score is its weakest link.

An ID number written on the forms of more than `PLACEHOLDER_ID_NAMES` different names is a
dummy filled in, not an identity: it is not compared (nor the birth date printed in it).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, replace

from matchers.linkage.blocking import candidate_pairs, record_keys
from matchers.linkage.comparisons import (
    MATCH_PROBABILITY,
    PLACEHOLDER_ID_NAMES,
    PairScore,
    score_pair,
)
from matchers.linkage.history import History
from matchers.linkage.records import Record, to_record
from matchers.rules import RULES
from models.declared import Applicant
from models.results import DuplicateGroup, FlagCode

__all__ = ["ApplicantLinks", "UnionFind", "find_duplicate_applicants", "link_applicants"]


class UnionFind:
    """Connected components of linked pairs of indexes; a component is named by its least."""

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


def _rule_reasons(members: list[Record]) -> list[str]:
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


def _mark_placeholder_ids(recs: list[Record]) -> list[Record]:
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
    """Block, score and group; see matchers.linkage."""
    seen: set[str] = set()
    recs: list[Record] = []
    for a in applicants:
        if a.applicant_id and a.applicant_id not in seen:
            seen.add(a.applicant_id)
            recs.append(to_record(a))
    n_current = len(recs)
    keys_of = [record_keys(r) for r in recs]
    n_history = 0
    if history is not None:
        for h in history.candidates((k for ks in keys_of for k in ks), intake=intake):
            rec = to_record(h.applicant, uid=h.uid, intake=h.intake, source=h.source)
            recs.append(rec)
            keys_of.append(record_keys(rec))
            n_history += 1
    # Over this intake and the earlier ones it meets: a dummy ID may recur across years.
    recs = _mark_placeholder_ids(recs)
    pairs, skipped = candidate_pairs(keys_of, n_current)

    uf = UnionFind()
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
