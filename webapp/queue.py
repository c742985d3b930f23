"""The queue: each applicant's state, flags by severity, age and reviewer, in a constant
number of queries whatever the size of the intake.

States: 待上传 (no files yet, whatever a run of the whole intake said) → 排队中 (files
newer than any stored run, none running) → 识别中 (a run of its intake, or of its packet
alone, started after its last upload) → 待复核 / 有疑点 / 无疑点 (the latest completed run
that read its current files) → 已决定 (a decision on it since).

An applicant's result is its row in the completed run begun last that judged it: an
intake-level run judges everyone, a packet run (verify-packet) one applicant, so each
applicant counts once, from one run, whatever mix of runs there is.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Max, OuterRef, QuerySet, Subquery
from django.utils import timezone

# The states are said once (pipelines/figures.py), for the queue and the officials' figures.
from pipelines.figures import CLEAR, DECIDED, FLAGGED, NEEDS_REVIEW, NO_FILES, QUEUED, RUNNING
from pipelines.figures import STATE_OF_STATUS as _BY_STATUS
from pipelines.figures import STATES as STATES
from store import models as sm
from store import records
from webapp.models import ApplicantDecision, Assignment

__all__ = ["CLEAR", "FLAGGED", "STATES", "Row", "rows", "sort_rows"]
SEVERITIES = (("high", "高"), ("medium", "中"), ("low", "低"))
_SEV_RANK = {"high": 0, "medium": 1, "low": 2}


@dataclass(frozen=True)
class Ref:
    """The applicant as the queue shows it: no model instances (2,000 of them cost more than
    the rest of the page)."""

    pk: int
    applicant_id: str
    intake_id: int


@dataclass
class Row:
    applicant: Ref
    state: str
    name: str
    program: str
    flags: dict[str, int] = field(default_factory=dict)  # severity → count
    codes: set[str] = field(default_factory=set)
    pairs: set[tuple[str, str]] = field(default_factory=set)  # (code, severity) of its flags
    result_id: int | None = None
    last_upload: dt.datetime | None = None
    reviewer: str = ""
    reviewer_id: int | None = None
    outcome: str = ""
    declared: dict[str, Any] = field(default_factory=dict)  # the latest declared row

    @property
    def age(self) -> dt.timedelta | None:
        return timezone.now() - self.last_upload if self.last_upload else None

    @property
    def age_text(self) -> str:
        a = self.age
        if a is None:
            return "—"
        if a.days:
            return f"{a.days} 天"
        return f"{a.seconds // 3600} 小时" if a.seconds >= 3600 else f"{a.seconds // 60} 分钟"

    @property
    def severity_rank(self) -> int:
        ranks = [_SEV_RANK[s] for s, n in self.flags.items() if n]
        return min(ranks) if ranks else 3


MAX_RUN_GENERATIONS = 3  # runs looked back per intake before a per-applicant subquery


def _latest_results(apps: list[Ref], pks: QuerySet | None = None) -> dict[int, dict[str, Any]]:
    """Each applicant's result in the completed run begun last that judged it (begun later:
    read the same files or newer ones), by applicant pk.

    Intake-level runs are taken newest first, one generation per query across the intakes
    shown: a whole-intake run covers every applicant, so one or two queries usually answer
    all. Then each applicant's newest packet run, where it began after that run, in one more
    query (`pks`: the applicants shown, as a subquery)."""
    run = sm.VerificationRun
    by_intake: dict[int, list[int]] = defaultdict(list)
    began: dict[int, tuple] = {}
    for iid, rid, started in run.objects.filter(
        intake_id__in={a.intake_id for a in apps}, state=run.State.COMPLETED
    ).exclude(kind=run.Kind.PACKET).order_by(*records.latest_first()).values_list(
        "intake_id", "pk", "started"
    ):  # fmt: skip
        by_intake[iid].append(rid)
        began[rid] = (started is not None, started, rid)
    wanted = {a.pk for a in apps}
    packets: dict[int, int] = {}  # applicant pk → its packet run begun last
    for aid, rid, started in run.objects.filter(
        applicant__in=pks if pks is not None else wanted, state=run.State.COMPLETED,
        kind=run.Kind.PACKET,
    ).order_by(*records.latest_first()).values_list("applicant_id", "pk", "started"):  # fmt: skip
        packets.setdefault(aid, rid)
        began.setdefault(rid, (started is not None, started, rid))
    out: dict[int, dict[str, Any]] = {}
    for gen in range(MAX_RUN_GENERATIONS):
        runs = [r[gen] for r in by_intake.values() if len(r) > gen]
        if not runs or len(out) == len(wanted):
            break
        for r in sm.ApplicantResult.objects.filter(run_id__in=runs).values(
            "pk", "applicant_id", "status", "run_id"
        ):
            if r["applicant_id"] in wanted and r["applicant_id"] not in out:
                out[r["applicant_id"]] = r
    newer = {rid for aid, rid in packets.items() if aid in wanted
             and (aid not in out or began[rid] > began[out[aid]["run_id"]])}  # fmt: skip
    if newer:
        for r in sm.ApplicantResult.objects.filter(run_id__in=newer).values(
            "pk", "applicant_id", "status", "run_id"
        ):
            out[r["applicant_id"]] = r
    rest = wanted - set(out)
    if rest and any(len(r) > MAX_RUN_GENERATIONS for r in by_intake.values()):
        older = sm.ApplicantResult.objects.filter(
            applicant=OuterRef("pk"), run__state=sm.VerificationRun.State.COMPLETED
        ).order_by(*records.latest_first("run__"))
        for aid, rid in sm.Applicant.objects.filter(pk__in=rest).annotate(
            rid=Subquery(older.values("pk")[:1])
        ).values_list("pk", "rid"):
            if rid:
                out[aid] = sm.ApplicantResult.objects.filter(pk=rid).values(
                    "pk", "applicant_id", "status", "run_id").get()  # fmt: skip
    return out


def rows(applicants: QuerySet) -> list[Row]:
    """Queue rows of the applicants (already filtered by role and intake)."""
    apps = [Ref(*t) for t in applicants.values_list("pk", "applicant_id", "intake_id")]
    pks = applicants.values("pk")  # a subquery, not a list of thousands of ids
    results = _latest_results(apps, pks)
    started = dict(sm.VerificationRun.objects.filter(
        pk__in={r["run_id"] for r in results.values()}).values_list("pk", "started"))  # fmt: skip
    programs = dict(sm.Intake.objects.filter(
        pk__in={a.intake_id for a in apps}).values_list("pk", "program"))  # fmt: skip
    assigned = {
        aid: (rid, name) for aid, rid, name in Assignment.objects.filter(applicant__in=pks)
        .values_list("applicant_id", "reviewer_id", "reviewer__username")
    }  # fmt: skip
    last_upload = dict(
        sm.PacketFile.objects.filter(applicant__in=pks, replaced__isnull=True)
        .values("applicant_id").annotate(m=Max("uploaded")).values_list("applicant_id", "m")
    )  # fmt: skip
    counts: dict[int, dict[str, int]] = defaultdict(dict)
    codes: dict[int, set[str]] = defaultdict(set)
    pairs: dict[int, set[tuple[str, str]]] = defaultdict(set)
    result_ids = {r["pk"] for r in results.values()}
    for rid, sev, code in sm.Flag.objects.filter(
        result__run_id__in={r["run_id"] for r in results.values()}, result__applicant__in=pks
    ).values_list("result_id", "severity", "code"):
        if rid in result_ids:
            counts[rid][sev] = counts[rid].get(sev, 0) + 1
            codes[rid].add(code)
            pairs[rid].add((code, sev))
    # Runs under way: of a whole intake (every applicant), or of one packet (its applicant).
    running: dict[int, dt.datetime] = {}
    running_packet: dict[int, dt.datetime] = {}
    for iid, aid, started in sm.VerificationRun.objects.filter(
        intake_id__in={a.intake_id for a in apps}, state=sm.VerificationRun.State.RUNNING
    ).values_list("intake_id", "applicant_id", "started"):
        at, k = (running_packet, aid) if aid is not None else (running, iid)
        if started and (k not in at or started < at[k]):
            at[k] = started
    latest_decision: dict[int, tuple[dt.datetime, str]] = {}
    for aid, when, outcome in ApplicantDecision.objects.filter(applicant__in=pks).values_list(
        "applicant_id", "when", "outcome"
    ):
        if aid not in latest_decision or when >= latest_decision[aid][0]:
            latest_decision[aid] = (when, outcome)
    # The latest declared rows, for names and programs, in one query.
    latest_rows: dict[int, dict[str, Any]] = {}
    for aid, version, data in sm.DeclaredRow.objects.filter(applicant__in=pks).values_list(
        "applicant_id", "version", "data"
    ):
        if aid not in latest_rows or version > latest_rows[aid]["_v"]:
            latest_rows[aid] = {"_v": version, **data}

    out = []
    labels = dict(ApplicantDecision.Outcome.choices)
    for a in apps:
        res = results.get(a.pk)
        rid = res["pk"] if res else None
        decl = latest_rows.get(a.pk, {})
        last = last_upload.get(a.pk)
        run_started = started.get(res["run_id"]) if res else None
        read_current = res is not None and (last is None or (run_started or last) >= last)
        if a.pk in latest_decision:
            state = DECIDED
        elif last is None:  # a run over the intake judged it without evidence: not yet
            state = NO_FILES
        elif read_current:
            state = _BY_STATUS.get(res["status"], NEEDS_REVIEW)
        elif (a.intake_id in running and running[a.intake_id] >= last) or (
            a.pk in running_packet and running_packet[a.pk] >= last
        ):
            state = RUNNING
        else:
            state = QUEUED
        asg = assigned.get(a.pk)
        if state == NO_FILES:  # its flags say only that nothing was sent yet
            res = None
        out.append(Row(
            applicant=a, state=state, name=decl.get("name") or "",
            program=decl.get("program") or programs.get(a.intake_id, ""),
            flags=counts.get(rid, {}) if res else {},
            codes=codes.get(rid, set()) if res else set(),
            pairs=pairs.get(rid, set()) if res else set(),
            result_id=rid, last_upload=last,
            reviewer=asg[1] if asg else "",
            reviewer_id=asg[0] if asg else None,
            outcome=labels.get(latest_decision[a.pk][1], "") if a.pk in latest_decision else "",
            declared=decl,
        ))  # fmt: skip
    return out


def sort_rows(items: list[Row], order: str) -> list[Row]:
    if order == "age":
        return sorted(items, key=lambda r: (r.last_upload is None, r.last_upload or timezone.now()))
    if order == "id":
        return sorted(items, key=lambda r: r.applicant.applicant_id)
    # Default: severity first (high, most flags), then the oldest upload.
    return sorted(items, key=lambda r: (
        r.severity_rank, -sum(r.flags.values()),
        r.last_upload or timezone.now(), r.applicant.applicant_id,
    ))  # fmt: skip
