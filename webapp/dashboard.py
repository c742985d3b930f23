"""The store's view of an intake for the officials' figures (pipelines/figures.py): the
queue's rows (states, ages, conclusions) plus each latest result's flags, documents and the
reviewers' conclusions, in a constant number of queries."""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
import threading
from typing import Any

from django.utils import timezone

from pipelines import figures as fg
from store import models as sm
from store import records
from webapp import queue
from webapp.models import FlagDecision


def _signature(code: str, field: str | None, declared: str | None, found: str | None) -> str:
    # As views.signature: a conclusion stays with the same finding after a re-verification.
    blob = json.dumps([code, field, declared, found], ensure_ascii=False)
    return hashlib.sha256(blob.encode()).hexdigest()


def load(intake: sm.Intake, *, now: dt.datetime | None = None) -> fg.IntakeData:
    rows = queue.rows(sm.Applicant.objects.filter(intake=intake))
    result_ids = [r.result_id for r in rows if r.result_id]
    verdicts: dict[tuple[int, str], str] = {}
    for aid, sig, verdict in FlagDecision.objects.filter(applicant__intake=intake).order_by(
        "when", "pk"
    ).values_list("applicant_id", "signature", "verdict"):
        verdicts[(aid, sig)] = verdict  # the latest counts
    flags: dict[int, list[fg.FlagItem]] = {}
    for rid, aid, code, sev, fld, decl, found, ev in sm.Flag.objects.filter(
        result_id__in=result_ids
    ).order_by("result_id", "ordinal").values_list(
        "result_id", "result__applicant_id", "code", "severity", "field", "declared", "found",
        "evidence",
    ):  # fmt: skip
        flags.setdefault(rid, []).append(fg.FlagItem(
            code, sev, tuple((e.get("file", ""), e.get("page") or 1) for e in ev),
            verdicts.get((aid, _signature(code, fld, decl, found))),
        ))  # fmt: skip
    docs: dict[int, tuple[fg.DocItem, ...]] = {}
    for rid, data in sm.ApplicantResult.objects.filter(pk__in=result_ids).values_list(
        "pk", "data"
    ):
        docs[rid] = tuple(
            fg.DocItem(d.get("file", ""), d.get("page") or 1, (d.get("fields") or {}).get("issuer"))
            for d in data.get("documents", [])
        )
    apps = []
    for r in rows:
        d: dict[str, Any] = r.declared
        live = r.state != fg.NO_FILES and r.result_id
        apps.append(fg.AppItem(
            applicant_id=r.applicant.applicant_id, program=r.program, state=r.state,
            name=r.name, id_number=d.get("id_number") or "", prefecture=d.get("prefecture") or "",
            flags=tuple(flags.get(r.result_id, ())) if live else (),
            documents=docs.get(r.result_id, ()) if live else (),
            last_upload=r.last_upload, outcome=r.outcome, pk=r.applicant.pk,
        ))  # fmt: skip
    apps.sort(key=lambda a: a.applicant_id)
    # Duplicates are found across applicants: by intake-level runs only (a packet run judges
    # one applicant alone and finds none); applicants' flags come from the queue's rows.
    run = records.last_completed_run(intake)
    dups = [
        fg.DupItem(g.code, tuple(g.applicant_ids), tuple(g.reasons), g.score)
        for g in (run.duplicates.all() if run else [])
    ]
    return fg.IntakeData(intake.key, intake.program, intake.year, apps, dups,
                         now=now or timezone.now())  # fmt: skip


def previous_intake(intake: sm.Intake) -> sm.Intake | None:
    """The last earlier round of the same program (a lower year, else created before)."""
    return (
        sm.Intake.objects.filter(program=intake.program).exclude(pk=intake.pk)
        .filter(year__lte=intake.year).exclude(year=intake.year, created__gt=intake.created)
        .order_by("-year", "-created").first()
    )  # fmt: skip


# ---------------------------------------------------------------- a cache of what it read

_CACHE: dict[int, tuple[tuple, fg.IntakeData]] = {}
_LOCK = threading.Lock()
_KEEP = 8  # intakes kept (each a few MB at 2,000 applications)


def fingerprint(intake: sm.Intake) -> tuple:
    """What the figures depend on, in a few aggregate queries: runs begun, finished or
    failed; uploads; declared rows; conclusions. Any change gives another fingerprint."""
    from django.db.models import Count, Max

    from webapp.models import ApplicantDecision

    return (
        intake.key, intake.created,
        tuple(sm.VerificationRun.objects.filter(intake=intake).aggregate(
            n=Count("pk"), pk=Max("pk"), s=Max("started"), f=Max("finished")).values()),
        tuple(sm.PacketFile.objects.filter(applicant__intake=intake).aggregate(
            pk=Max("pk"), r=Max("replaced")).values()),
        sm.DeclaredRow.objects.filter(applicant__intake=intake).aggregate(pk=Max("pk"))["pk"],
        FlagDecision.objects.filter(applicant__intake=intake).aggregate(pk=Max("pk"))["pk"],
        ApplicantDecision.objects.filter(applicant__intake=intake).aggregate(pk=Max("pk"))["pk"],
    )  # fmt: skip


def load_cached(intake: sm.Intake) -> fg.IntakeData:
    """load(), kept per process until the intake's fingerprint changes; ages are measured
    against now at each call. The dashboard is opened far more often than an intake changes."""
    fp = fingerprint(intake)
    with _LOCK:
        hit = _CACHE.get(intake.pk)
    if hit is None or hit[0] != fp:
        hit = (fp, load(intake))
        with _LOCK:
            _CACHE[intake.pk] = hit
            while len(_CACHE) > _KEEP:
                _CACHE.pop(next(iter(_CACHE)))
    return dataclasses.replace(hit[1], now=timezone.now())


