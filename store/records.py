"""Writing to the store and reading back: declared rows, packet files, verification runs.

Each function is one transaction: an import or a run is stored whole or not at all.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from django.db import transaction
from django.utils import timezone

from models.declared import Applicant as DeclaredApplicant
from models.results import Results
from store import models as m
from store.dataroot import DataRoot

__all__ = [
    "DeclaredImport",
    "PacketUpload",
    "add_packet_files",
    "get_intake",
    "import_declared",
    "record_run",
    "results_of",
]


def get_intake(program: str, year: int, *, key: str | None = None, name: str = "") -> m.Intake:
    """The intake of a program round, created on first use."""
    intake, _ = m.Intake.objects.get_or_create(
        key=key or f"{program}-{year}", defaults={"program": program, "year": year, "name": name}
    )
    return intake


# ---------------------------------------------------------------- declared rows


@dataclass
class DeclaredImport:
    created: list[str] = field(default_factory=list)  # new applicants
    changed: list[str] = field(default_factory=list)  # a new version of their row
    unchanged: list[str] = field(default_factory=list)


def _row_digest(a: DeclaredApplicant) -> str:
    # Where the row sat in the table is no change of what was declared.
    data = a.model_dump(mode="json", exclude={"row"})
    for award in data["awards"]:
        award.pop("row", None)
    blob = json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(blob.encode()).hexdigest()


@transaction.atomic
def import_declared(
    intake: m.Intake, applicants: Iterable[DeclaredApplicant], *, source: str = ""
) -> DeclaredImport:
    """Add each applicant's row as a new version when it differs from the latest one."""
    out = DeclaredImport()
    for a in applicants:
        row, new = m.Applicant.objects.get_or_create(intake=intake, applicant_id=a.applicant_id)
        digest = _row_digest(a)
        latest = row.versions.order_by("-version").first()
        if latest is not None and latest.sha256 == digest:
            out.unchanged.append(a.applicant_id)
            continue
        m.DeclaredRow.objects.create(
            applicant=row, version=(latest.version + 1) if latest else 1,
            data=a.model_dump(mode="json"), sha256=digest, source=source,
        )  # fmt: skip
        (out.created if new else out.changed).append(a.applicant_id)
    return out


# ---------------------------------------------------------------- packet files


@dataclass
class PacketUpload:
    added: list[str] = field(default_factory=list)  # new names
    replaced: list[str] = field(default_factory=list)  # a name with other content
    unchanged: list[str] = field(default_factory=list)  # the same content again


@transaction.atomic
def add_packet_files(
    root: DataRoot, applicant: m.Applicant, files: Iterable[tuple[str, Path]]
) -> PacketUpload:
    """Store (name in the packet, source path) pairs. The same content under the same name
    is recognised; other content under a name replaces the older file, which stays."""
    out = PacketUpload()
    for name, src in files:
        sha, size = root.put_file(src)
        content, _ = m.StoredFile.objects.get_or_create(sha256=sha, defaults={"size": size})
        live = applicant.files.filter(name=name, replaced__isnull=True).first()
        if live is not None and live.content_id == sha:
            out.unchanged.append(name)
            continue
        if live is not None:
            live.replaced = timezone.now()
            live.save(update_fields=["replaced"])
        m.PacketFile.objects.create(applicant=applicant, name=name, content=content)
        (out.replaced if live is not None else out.added).append(name)
    return out


# ---------------------------------------------------------------- verification runs


@transaction.atomic
def record_run(
    intake: m.Intake,
    results: Results,
    *,
    kind: str = m.VerificationRun.Kind.CLI,
    as_of: dt.date,
    reader: str = "",
    started: dt.datetime | None = None,
) -> m.VerificationRun:
    """Store a finished run's results. Applicants the store does not know yet are added
    (a run of `credcheck verify` over a folder names them first)."""
    run = m.VerificationRun.objects.create(
        intake=intake, kind=kind, state=m.VerificationRun.State.COMPLETED, as_of=as_of,
        reader=reader, started=started or timezone.now(), finished=timezone.now(),
    )  # fmt: skip
    by_id: dict[str, m.Applicant] = {}
    for k, a in enumerate(results.applicants):
        row, _ = m.Applicant.objects.get_or_create(intake=intake, applicant_id=a.applicant_id)
        by_id[a.applicant_id] = row
        res = m.ApplicantResult.objects.create(
            run=run, ordinal=k, applicant=row, declared=row.declared, status=a.status.value,
            data=a.model_dump(mode="json", exclude={"flags"}),
        )  # fmt: skip
        m.Flag.objects.bulk_create(
            m.Flag(
                result=res, ordinal=i, code=f.code.value, severity=f.severity.value,
                field=f.field, declared=f.declared, found=f.found, message=f.message,
                rule=f.rule, evidence=[e.model_dump(mode="json") for e in f.evidence],
                reasons=f.reasons,
            )  # fmt: skip
            for i, f in enumerate(a.flags)
        )
    for i, g in enumerate(results.duplicates):
        group = m.DuplicateGroup.objects.create(
            run=run, ordinal=i, code=g.code.value, applicant_ids=g.applicant_ids,
            score=g.score, files=g.files, reasons=g.reasons,
        )  # fmt: skip
        known = [by_id[x] for x in g.applicant_ids if x in by_id]
        group.applicants.add(*known)
    return run


def results_of(run: m.VerificationRun) -> Results:
    """The run's results as the verifier wrote them (results.json of the run, rebuilt)."""
    applicants = []
    for res in run.results.order_by("ordinal").prefetch_related("flags"):
        data = dict(res.data)
        data["flags"] = [
            {
                "code": f.code, "severity": f.severity, "field": f.field,
                "declared": f.declared, "found": f.found, "evidence": f.evidence,
                "message": f.message, "rule": f.rule, "reasons": f.reasons,
            }  # fmt: skip
            for f in res.flags.all()
        ]
        applicants.append(data)
    duplicates = [
        {"code": g.code, "applicant_ids": g.applicant_ids, "score": g.score, "files": g.files,
         "reasons": g.reasons}  # fmt: skip
        for g in run.duplicates.all()
    ]
    return Results.model_validate({"applicants": applicants, "duplicates": duplicates})
