"""Writing to the store and reading back: declared rows, packet files, verification runs.

Each function is one transaction: an import or a run is stored whole or not at all.
"""

from __future__ import annotations

import datetime as dt
import errno
import hashlib
import json
import os
import shutil
import tempfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.db import transaction
from django.utils import timezone

from models.declared import Applicant as DeclaredApplicant
from models.results import ApplicantResult, Results
from store import models as m
from store.dataroot import DataRoot

__all__ = [
    "DeclaredImport",
    "IntakeState",
    "PacketState",
    "PacketUpload",
    "add_packet_files",
    "applicant_result",
    "begin_run",
    "fail_run",
    "get_intake",
    "import_declared",
    "intake_state",
    "last_completed_run",
    "latest_first",
    "materialise",
    "packet_state",
    "record_run",
    "results_of",
    "run_folders",
    "set_intake_files",
    "state_folders",
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
    retired: list[str] = field(default_factory=list)  # names the new upload no longer has


def _store_named(
    root: DataRoot,
    files: Iterable[tuple[str, Path]],
    live: Any,
    create: Callable[[str, m.StoredFile], Any],
) -> PacketUpload:
    """Store uploads among the `live` rows (of PacketFile or IntakeFile) by name: the same
    content is recognised; other content marks the live row replaced and `create`s a new one."""
    out = PacketUpload()
    for name, src in files:
        sha, size = root.put_file(src)
        content, _ = m.StoredFile.objects.get_or_create(sha256=sha, defaults={"size": size})
        row = live.filter(name=name).first()
        if row is not None and row.content_id == sha:
            out.unchanged.append(name)
            continue
        if row is not None:
            row.replaced = timezone.now()
            row.save(update_fields=["replaced"])
        create(name, content)
        (out.replaced if row is not None else out.added).append(name)
    return out


@transaction.atomic
def add_packet_files(
    root: DataRoot, applicant: m.Applicant, files: Iterable[tuple[str, Path]]
) -> PacketUpload:
    """Store (name in the packet, source path) pairs. The same content under the same name
    is recognised; other content under a name replaces the older file, which stays."""

    def create(name: str, content: m.StoredFile) -> None:
        m.PacketFile.objects.create(applicant=applicant, name=name, content=content)

    return _store_named(root, files, applicant.files.filter(replaced__isnull=True), create)


@transaction.atomic
def set_intake_files(
    root: DataRoot, intake: m.Intake, files: Iterable[tuple[str, Path]]
) -> PacketUpload:
    """Store an intake's declared table (declared.xlsx, or declared.csv + awards.csv) as its
    top-level files. The upload is the whole table: a live file it does not name (a workbook
    after CSVs were sent, say) is retired, so the table read is always the one sent last."""

    def create(name: str, content: m.StoredFile) -> None:
        m.IntakeFile.objects.create(intake=intake, name=name, content=content)

    live = intake.files.filter(replaced__isnull=True)
    out = _store_named(root, files, live, create)
    for row in live.exclude(name__in=out.added + out.replaced + out.unchanged):
        row.replaced = timezone.now()
        row.save(update_fields=["replaced"])
        out.retired.append(row.name)
    return out


# ---------------------------------------------------------------- an intake's state


@dataclass(frozen=True)
class IntakeState:
    """What a verification of an intake reads: its live files by path as a batch folder
    names them (declared.xlsx, packets/<申报编号>/…) and each applicant's declared row."""

    files: tuple[tuple[str, str], ...]  # (path in the batch, SHA-256), sorted by path
    declared: tuple[tuple[str, str], ...]  # (申报编号, SHA-256 of the latest row), sorted

    @property
    def digest(self) -> str:
        blob = json.dumps([self.files, self.declared], ensure_ascii=False, separators=(",", ":"))
        return hashlib.sha256(blob.encode()).hexdigest()


def intake_state(intake: m.Intake) -> IntakeState:
    files = [(f.name, f.content_id) for f in intake.files.filter(replaced__isnull=True)]
    files += [
        (f"packets/{aid}/{name}", sha)
        for aid, name, sha in m.PacketFile.objects.filter(
            applicant__intake=intake, replaced__isnull=True
        ).values_list("applicant__applicant_id", "name", "content_id")
    ]
    latest: dict[str, tuple[int, str]] = {}
    for aid, version, sha in m.DeclaredRow.objects.filter(applicant__intake=intake).values_list(
        "applicant__applicant_id", "version", "sha256"
    ):
        if aid not in latest or version > latest[aid][0]:
            latest[aid] = (version, sha)
    declared = sorted((aid, sha) for aid, (_, sha) in latest.items())
    return IntakeState(files=tuple(sorted(files)), declared=tuple(declared))


@dataclass(frozen=True)
class PacketState:
    """What a verification of one applicant's packet reads: the intake's declared table and
    the applicant's live files, each as (path in the batch, SHA-256, upload row), and the
    version and SHA-256 of the applicant's latest declared row.

    Upload rows and row versions only grow, so a file replaced and then sent back, or a
    correction undone, is a new state: the result shown is the newest run's, and an older
    run of the same content must not stand for the state after it."""

    applicant_id: str
    files: tuple[tuple[str, str, int], ...]  # sorted by path
    declared: tuple[int, str] | None  # (version, SHA-256) of the latest row

    @property
    def digest(self) -> str:
        blob = json.dumps([self.applicant_id, self.files, self.declared], ensure_ascii=False,
                          separators=(",", ":"))  # fmt: skip
        return hashlib.sha256(blob.encode()).hexdigest()

    @property
    def packet(self) -> list[tuple[str, str]]:
        """The applicant's own files (packets/<申报编号>/…) as (path, SHA-256)."""
        return [(rel, sha) for rel, sha, _ in self.files if rel.startswith("packets/")]

    @property
    def batch(self) -> IntakeState:
        """The state as a batch of one packet and the declared table, for materialise."""
        declared = ((self.applicant_id, self.declared[1]),) if self.declared else ()
        return IntakeState(tuple((rel, sha) for rel, sha, _ in self.files), declared)


def packet_state(applicant: m.Applicant) -> PacketState:
    files = [(f.name, f.content_id, f.pk)
             for f in applicant.intake.files.filter(replaced__isnull=True)]  # fmt: skip
    prefix = f"packets/{applicant.applicant_id}/"
    files += [(prefix + name, sha, pk) for name, sha, pk in applicant.files.filter(
        replaced__isnull=True).values_list("name", "content_id", "pk")]  # fmt: skip
    row = applicant.versions.order_by("-version").values_list("version", "sha256").first()
    return PacketState(applicant.applicant_id, tuple(sorted(files)), tuple(row) if row else None)


def state_folders(
    root: DataRoot, key: str, digest: str, applicant: int | None = None
) -> tuple[Path, Path]:
    """(batch folder, report folder) of a verified state in the data root:

        intakes/<key>/batches/<digest[:16]>/<key>/             an intake's state, as a batch
        intakes/<key>/report/                                  its latest intake run's reports
        intakes/<key>/applicants/<pk>/<digest[:16]>/batch/<key>/   a packet's state (the
        intakes/<key>/applicants/<pk>/<digest[:16]>/report/        table and that packet)

    The innermost batch folder is the intake's key: the name the reports show. A packet
    state's reports are its own, so runs of several states of a packet never share a
    folder (nor its lock) and the intake's report stays the intake run's."""
    where = root.intake_dir(key)
    if applicant is None:
        return where / "batches" / digest[:16] / key, where / "report"
    state = where / "applicants" / str(int(applicant)) / digest[:16]
    return state / "batch" / key, state / "report"


def run_folders(root: DataRoot, run: m.VerificationRun) -> tuple[Path, Path]:
    """state_folders of the state a run verified."""
    packet = run.applicant_id if run.kind == m.VerificationRun.Kind.PACKET else None
    return state_folders(root, run.intake.key, run.state_digest, packet)


def _safe_parts(rel: str) -> list[str]:
    # Names come from the database (the web app writes there too): nothing may leave `dest`.
    parts = rel.split("/")
    if rel.startswith("/") or any(p in ("", ".", "..") or "\x00" in p for p in parts):
        raise ValueError(f"not a path inside a batch: {rel!r}")
    return parts


def materialise(root: DataRoot, state: IntakeState, dest: Path) -> Path:
    """The state as a batch folder at `dest`: hard links to the data root's files (regular
    files to the verifier, so its refusal of links does not apply), copies where the volume
    has no hard links. Built beside `dest` and renamed into place: a folder at `dest` is
    whole, and one already there (the same state, built before) is used as it is."""
    dest = Path(dest)
    if dest.is_dir():
        return dest
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=".building-", dir=dest.parent))
    try:
        for rel, sha in state.files:
            target = tmp.joinpath(*_safe_parts(rel))
            target.parent.mkdir(parents=True, exist_ok=True)
            src = root.file_path(sha)
            try:
                os.link(src, target)
            except OSError as e:
                if e.errno not in (errno.EXDEV, errno.EPERM, errno.EMLINK, errno.ENOTSUP):
                    raise
                shutil.copyfile(src, target)
        try:
            os.rename(tmp, dest)
        except OSError:
            if not dest.is_dir():  # another process built the same state first: use theirs
                raise
    finally:
        if tmp.exists():
            shutil.rmtree(tmp)
    return dest


# ---------------------------------------------------------------- verification runs


def begin_run(
    intake: m.Intake,
    *,
    kind: str,
    as_of: dt.date,
    reader: str = "",
    state_digest: str = "",
    flow_run_id: Any = None,
    applicant: m.Applicant | None = None,
) -> m.VerificationRun:
    """A run under way (state RUNNING): `credcheck status` shows it, and its failure is
    kept with the reason (fail_run). A packet run names its applicant."""
    return m.VerificationRun.objects.create(
        intake=intake, kind=kind, state=m.VerificationRun.State.RUNNING, as_of=as_of,
        reader=reader, state_digest=state_digest, flow_run_id=flow_run_id,
        applicant=applicant, started=timezone.now(),
    )  # fmt: skip


def fail_run(run: m.VerificationRun, reason: str, *, crashed: bool = False) -> None:
    """The run ended without results: failed, or crashed (stopped from outside)."""
    run.state = m.VerificationRun.State.CRASHED if crashed else m.VerificationRun.State.FAILED
    run.reason = reason
    run.finished = timezone.now()
    run.save(update_fields=["state", "reason", "finished"])


def last_completed_run(intake: m.Intake) -> m.VerificationRun | None:
    """The intake's last completed intake-level run: packet runs judge one applicant alone
    and find no duplicates, so they never stand for the intake (the nightly run, status)."""
    done = intake.runs.filter(state=m.VerificationRun.State.COMPLETED)
    return done.exclude(kind=m.VerificationRun.Kind.PACKET).order_by(*latest_first()).first()


def latest_first(prefix: str = "") -> list[Any]:
    """Order runs (or rows by their `prefix`run) newest state first: by when the run began,
    which is when it read its state; a run begun later read the same files or newer ones,
    whenever it finished. Runs never begun sort last (PostgreSQL puts NULL first)."""
    from django.db.models import F

    return [F(f"{prefix}started").desc(nulls_last=True), f"-{prefix}pk"]


@transaction.atomic
def record_run(
    intake: m.Intake,
    results: Results,
    *,
    kind: str = m.VerificationRun.Kind.CLI,
    as_of: dt.date,
    reader: str = "",
    started: dt.datetime | None = None,
    run: m.VerificationRun | None = None,
) -> m.VerificationRun:
    """Store a finished run's results, in `run` (begun by begin_run) or a new run. Applicants
    the store does not know yet are added (a run of `credcheck verify` over a folder names
    them first)."""
    if run is None:
        run = m.VerificationRun.objects.create(
            intake=intake, kind=kind, state=m.VerificationRun.State.COMPLETED, as_of=as_of,
            reader=reader, started=started or timezone.now(), finished=timezone.now(),
        )  # fmt: skip
    else:
        run.state, run.finished = m.VerificationRun.State.COMPLETED, timezone.now()
        run.save(update_fields=["state", "finished"])
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


def _result_data(res: m.ApplicantResult) -> dict[str, Any]:
    data = dict(res.data)
    data["flags"] = [
        {
            "code": f.code, "severity": f.severity, "field": f.field,
            "declared": f.declared, "found": f.found, "evidence": f.evidence,
            "message": f.message, "rule": f.rule, "reasons": f.reasons,
        }  # fmt: skip
        for f in res.flags.all()
    ]
    return data


def applicant_result(res: m.ApplicantResult) -> ApplicantResult:
    """One applicant's stored result as the verifier wrote it."""
    return ApplicantResult.model_validate(_result_data(res))


def results_of(run: m.VerificationRun) -> Results:
    """The run's results as the verifier wrote them (results.json of the run, rebuilt)."""
    applicants = [_result_data(res)
                  for res in run.results.order_by("ordinal").prefetch_related("flags")]  # fmt: skip
    duplicates = [
        {"code": g.code, "applicant_ids": g.applicant_ids, "score": g.score, "files": g.files,
         "reasons": g.reasons}  # fmt: skip
        for g in run.duplicates.all()
    ]
    return Results.model_validate({"applicants": applicants, "duplicates": duplicates})
