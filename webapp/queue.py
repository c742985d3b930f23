"""The queue: each applicant's state, flags by severity, age and reviewer, in a constant
number of queries whatever the size of the intake.

States: 待上传 (no files yet, whatever a run of the whole intake said) → 排队中 (files
newer than any stored run, none running) → 识别中 (a run of its intake started after its
last upload) → 待复核 / 有疑点 / 无疑点 (the latest completed run that read its current
files) → 已决定 (a decision on it since).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Max, OuterRef, Q, QuerySet, Subquery
from django.utils import timezone

from store import models as sm
from webapp.models import ApplicantDecision

NO_FILES, QUEUED, RUNNING = "待上传", "排队中", "识别中"
NEEDS_REVIEW, FLAGGED, CLEAR, DECIDED = "待复核", "有疑点", "无疑点", "已决定"
STATES = (NO_FILES, QUEUED, RUNNING, NEEDS_REVIEW, FLAGGED, CLEAR, DECIDED)
_BY_STATUS = {"needs_review": NEEDS_REVIEW, "flagged": FLAGGED, "clear": CLEAR}
SEVERITIES = (("high", "高"), ("medium", "中"), ("low", "低"))
_SEV_RANK = {"high": 0, "medium": 1, "low": 2}


@dataclass
class Row:
    applicant: sm.Applicant
    state: str
    name: str
    program: str
    flags: dict[str, int] = field(default_factory=dict)  # severity → count
    codes: set[str] = field(default_factory=set)
    result_id: int | None = None
    last_upload: dt.datetime | None = None
    reviewer: str = ""
    reviewer_id: int | None = None
    outcome: str = ""

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


def latest_result_subquery() -> Subquery:
    done = sm.ApplicantResult.objects.filter(
        applicant=OuterRef("pk"), run__state=sm.VerificationRun.State.COMPLETED
    ).order_by("-run__finished", "-run__pk")
    return Subquery(done.values("pk")[:1])


def rows(applicants: QuerySet) -> list[Row]:
    """Queue rows of the applicants (already filtered by role and intake)."""
    qs = applicants.select_related("intake", "assignment__reviewer").annotate(
        result_id=latest_result_subquery(),
        last_upload=Max("files__uploaded", filter=Q(files__replaced__isnull=True)),
    )
    apps = list(qs)
    result_ids = [a.result_id for a in apps if a.result_id]
    results = {
        r["pk"]: r
        for r in sm.ApplicantResult.objects.filter(pk__in=result_ids).values(
            "pk", "status", "run__started", "run__finished", "run__created"
        )
    }
    counts: dict[int, dict[str, int]] = defaultdict(dict)
    codes: dict[int, set[str]] = defaultdict(set)
    for rid, sev, code in sm.Flag.objects.filter(result_id__in=result_ids).values_list(
        "result_id", "severity", "code"
    ):
        counts[rid][sev] = counts[rid].get(sev, 0) + 1
        codes[rid].add(code)
    intake_ids = {a.intake_id for a in apps}
    running: dict[int, dt.datetime] = {}
    for iid, started in sm.VerificationRun.objects.filter(
        intake_id__in=intake_ids, state=sm.VerificationRun.State.RUNNING
    ).values_list("intake_id", "started"):
        if started and (iid not in running or started < running[iid]):
            running[iid] = started
    latest_decision: dict[int, tuple[dt.datetime, str]] = {}
    for aid, when, outcome in ApplicantDecision.objects.filter(
        applicant__in=[a.pk for a in apps]
    ).values_list("applicant_id", "when", "outcome"):
        if aid not in latest_decision or when >= latest_decision[aid][0]:
            latest_decision[aid] = (when, outcome)
    # The latest declared rows, for names and programs, in one query.
    latest_rows: dict[int, dict[str, Any]] = {}
    for aid, version, data in sm.DeclaredRow.objects.filter(
        applicant__in=[a.pk for a in apps]
    ).values_list("applicant_id", "version", "data"):
        if aid not in latest_rows or version > latest_rows[aid]["_v"]:
            latest_rows[aid] = {"_v": version, **data}

    out = []
    labels = dict(ApplicantDecision.Outcome.choices)
    for a in apps:
        res = results.get(a.result_id)
        decl = latest_rows.get(a.pk, {})
        last = a.last_upload
        read_current = res is not None and (last is None or res["run__started"] >= last)
        if a.pk in latest_decision:
            state = DECIDED
        elif last is None:  # a run over the intake judged it without evidence: not yet
            state = NO_FILES
        elif read_current:
            state = _BY_STATUS.get(res["status"], NEEDS_REVIEW)
        elif a.intake_id in running and running[a.intake_id] >= last:
            state = RUNNING
        else:
            state = QUEUED
        asg = getattr(a, "assignment", None) if _loaded(a) else None
        out.append(Row(
            applicant=a, state=state, name=decl.get("name") or "",
            program=decl.get("program") or a.intake.program,
            flags=counts.get(a.result_id, {}) if res else {},
            codes=codes.get(a.result_id, set()) if res else set(),
            result_id=a.result_id, last_upload=last,
            reviewer=asg.reviewer.get_username() if asg else "",
            reviewer_id=asg.reviewer_id if asg else None,
            outcome=labels.get(latest_decision[a.pk][1], "") if a.pk in latest_decision else "",
        ))  # fmt: skip
    return out


def _loaded(a: sm.Applicant) -> bool:
    from webapp.models import Assignment

    try:
        a.assignment  # noqa: B018 - fetched by select_related
    except Assignment.DoesNotExist:
        return False
    return True


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
