"""Intakes in the store: a batch folder imported into one, and one laid out again as a batch
folder for the verifier (the steps pipelines/deployments.py wires into Prefect flows).

Data root layout of an intake (store.records.state_folders):

    intakes/<key>/batches/<state digest>/<key>/   the state verified, hard links to files/
    intakes/<key>/report/                         results.json, report.html, report.xlsx
                                                  of its latest run (crops in .credcheck/)
    intakes/<key>/applicants/<pk>/<packet digest>/batch/<key>/, …/report/
                                                  a packet verified alone (verify-packet):
                                                  the table and that packet, its reports

The store (store/) knows nothing of the pipelines: the folder walk and the verification are
here, on the planner's safety (links out of the folder, FIFOs, oversized files are refused).
Call store.setup() before these functions.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import Path
from zoneinfo import ZoneInfo

from django.db import transaction
from django.utils.text import slugify

from extractors.declared import find_declared
from extractors.read import READER_VERSION
from models.exceptions import CredcheckError, UsageError
from models.results import Results
from pipelines.stages.plan import plan_batch
from store import models as m
from store import records
from store.dataroot import DataRoot

__all__ = [
    "BatchImport",
    "Prepared",
    "changed_intakes",
    "earlier_history",
    "failed",
    "finish",
    "finish_packet",
    "idempotency_key",
    "import_batch",
    "packet_idempotency_key",
    "prepare",
    "prepare_packet",
    "prune_batches",
    "prune_packets",
    "read_part",
    "split_packets",
    "today",
]

PRUNE_AFTER = 3600  # seconds: a batch folder this young is not pruned
BUREAU_TZ = ZoneInfo("Asia/Shanghai")  # the bureaus' day: the nightly run's 02:00 too


def today() -> dt.date:
    return dt.datetime.now(BUREAU_TZ).date()


# ---------------------------------------------------------------- a folder into the store


@dataclass
class BatchImport:
    intake: m.Intake
    declared: records.DeclaredImport
    table: records.PacketUpload  # the declared table's files
    packets: records.PacketUpload = field(default_factory=records.PacketUpload)
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (path, reason) not stored
    digest: str = ""  # the intake's state after the import


def _intake_key(folder: Path, programs: set[str], year: int) -> str:
    # One program: its round, so later folders of that round join it. Mixed: the folder.
    base = next(iter(programs)) if len(programs) == 1 else folder.resolve().name
    return slugify(f"{base}-{year}", allow_unicode=True)[:80] or f"intake-{year}"


def import_batch(
    folder: Path, *, key: str | None = None, year: int | None = None, root: DataRoot | None = None
) -> BatchImport:
    """Store a batch folder (declared table + packets/<申报编号>/…) in an intake, whole or not
    at all. The folder's table replaces the intake's; its packet files join the intake's,
    a file under a name already there replacing the older one. Files the planner refuses
    (links leaving the folder, FIFOs, oversized files, names that are not UTF-8) are not
    stored: they are listed in `skipped` with the reason."""
    folder = Path(folder)
    root = root or DataRoot.from_env()
    plan = plan_batch(folder)  # UsageError / DeclaredDataError: no table, links out
    table, awards = find_declared(folder)
    year = year or today().year
    programs = {a.program for a in plan.declared.applicants if a.program}
    key = key or _intake_key(folder, programs, year)
    if not re.fullmatch(r"[-\w]{1,80}", key):  # it names a folder in the data root
        raise UsageError(
            f"intake key {key!r} is not a slug",
            zh=f"申报批次名 {key} 只能由文字、数字、下划线和连字符组成（不超过 80 个字符）",
        )
    declared_ids = {a.applicant_id for a in plan.declared.applicants}
    with transaction.atomic():
        intake = records.get_intake("、".join(sorted(programs))[:80], year, key=key)
        out = BatchImport(
            intake=intake,
            declared=records.DeclaredImport(),
            table=records.set_intake_files(
                root, intake, [(p.name, p) for p in (table, awards) if p is not None]
            ),
        )
        # The first row of a repeated 申报编号 is the one verified (the planner keeps it).
        rows = [ap.applicant for ap in plan.applicants if ap.applicant.applicant_id in declared_ids]
        out.declared = records.import_declared(intake, rows, source=table.name)
        for ap in plan.applicants:
            aid = ap.applicant.applicant_id
            prefix = f"packets/{aid}/"
            files = []
            for fp in ap.files:
                if fp.problem is not None or not fp.rel.startswith(prefix):
                    reason = fp.problem.reason_zh if fp.problem else "不在材料文件夹内"
                    out.skipped.append((fp.rel, reason))
                else:
                    files.append((fp.rel[len(prefix) :], fp.path))
            if not files:
                continue
            applicant, _ = m.Applicant.objects.get_or_create(intake=intake, applicant_id=aid)
            got = records.add_packet_files(root, applicant, files)
            for name in ("added", "replaced", "unchanged"):
                getattr(out.packets, name).extend(prefix + n for n in getattr(got, name))
        out.digest = records.intake_state(intake).digest
    return out


# ---------------------------------------------------------------- an intake verified


def idempotency_key(intake: str, digest: str, as_of: str | None = None) -> str:
    """One verification per intake state, reader version and check date."""
    return f"{intake}:{digest}:{READER_VERSION}:{as_of or ''}"


def packet_idempotency_key(
    intake: str, applicant: str, digest: str, as_of: str | None = None
) -> str:
    """One verification per packet state (records.PacketState), reader version and check
    date. Prefect keys flow runs per flow, so it cannot meet an intake's key anyway."""
    return f"packet:{intake}:{applicant}:{digest}:{READER_VERSION}:{as_of or ''}"


@dataclass
class Prepared:
    """An intake's state (or one packet's: `applicant`) laid out as a batch, with its run
    begun in the store."""

    intake: m.Intake
    batch: Path
    out: Path
    cache: Path
    as_of: dt.date
    run: m.VerificationRun
    root: DataRoot
    applicant: m.Applicant | None = None
    again: bool = False  # the state is verified, or being verified, by `run` already


def prepare(
    key: str,
    *,
    as_of: str | None = None,
    kind: str = m.VerificationRun.Kind.INTAKE,
    flow_run_id: object = None,
    root: DataRoot | None = None,
) -> Prepared:
    root = root or DataRoot.from_env()
    intake = _intake(key)
    state = records.intake_state(intake)
    if not state.files:
        raise UsageError(f"intake {key!r} has no files", zh=f"申报批次 {key} 中还没有文件")
    # Named by the state: a run reads the folder of the state it began with, whatever is
    # uploaded meanwhile, and the innermost folder is the batch name the reports show.
    batch, out = records.state_folders(root, key, state.digest)
    batch = records.materialise(root, state, batch)
    day = dt.date.fromisoformat(as_of) if as_of else today()
    run = records.begin_run(
        intake, kind=kind, as_of=day, reader=READER_VERSION, state_digest=state.digest,
        flow_run_id=flow_run_id,
    )  # fmt: skip
    return Prepared(intake, batch, out, root.cache, day, run, root)


def _intake(key: str) -> m.Intake:
    try:
        return m.Intake.objects.get(key=key)
    except m.Intake.DoesNotExist:
        raise UsageError(f"no intake {key!r}", zh=f"没有名为 {key} 的申报批次") from None


def prepare_packet(
    key: str,
    applicant: str,
    *,
    as_of: str | None = None,
    flow_run_id: object = None,
    root: DataRoot | None = None,
) -> Prepared:
    """One applicant's packet state laid out as a batch of its own (the intake's declared
    table and that packet), with a packet run begun in the store; or, when a run of the
    same state, reader and day is under way or completed (two uploads in a row: both flow
    runs began after the second), that run, with `again` set: nothing to verify."""
    root = root or DataRoot.from_env()
    intake = _intake(key)
    who = m.Applicant.objects.filter(intake=intake, applicant_id=applicant).first()
    if who is None:
        raise UsageError(f"no applicant {applicant!r} in intake {key!r}",
                         zh=f"申报批次 {key} 中没有申报编号 {applicant}")  # fmt: skip
    state = records.packet_state(who)
    if not state.packet:
        raise UsageError(f"applicant {applicant!r} has no files",
                         zh=f"申报编号 {applicant} 还没有上传材料")  # fmt: skip
    batch, out = records.state_folders(root, key, state.digest, who.pk)
    day = dt.date.fromisoformat(as_of) if as_of else today()
    same = intake.runs.filter(
        applicant=who, state_digest=state.digest, reader=READER_VERSION, as_of=day,
        state__in=[m.VerificationRun.State.RUNNING, m.VerificationRun.State.COMPLETED],
    ).order_by("-pk").first()  # fmt: skip
    if same is not None:
        return Prepared(intake, batch, out, root.cache, day, same, root, who, again=True)
    batch = records.materialise(root, state.batch, batch)
    run = records.begin_run(
        intake, kind=m.VerificationRun.Kind.PACKET, as_of=day, reader=READER_VERSION,
        state_digest=state.digest, flow_run_id=flow_run_id, applicant=who,
    )  # fmt: skip
    return Prepared(intake, batch, out, root.cache, day, run, root, who)


def finish(p: Prepared, results: Results) -> int:
    """Store the run's results; returns the run's id in the store. Older batch folders of
    the intake go (prune_batches), and those of packet runs it supersedes (prune_packets)."""
    pk = records.record_run(p.intake, results, as_of=p.as_of, run=p.run).pk
    prune_batches(p)
    prune_packets(p.root, p.intake, p.run)
    return pk


def finish_packet(p: Prepared, results: Results) -> int:
    """Store a packet run's result; returns the run's id in the store.

    The verifier judged the applicant alone. What only a run over the whole intake can see
    of this applicant, an edited copy of another applicant's certificate (matchers.tamper),
    is carried over from the intake's latest run that judged it while the file it points at
    is still the one that run read: a new upload must not clear such a finding before the
    next intake run (nightly) looks again. The applicant's older packet folders go."""
    from pipelines.stages import settle

    assert p.applicant is not None and not p.again, "a packet run of its own"
    (mine,) = results.applicants
    settle(mine, _carried(p.applicant))
    pk = records.record_run(p.intake, results, as_of=p.as_of, run=p.run).pk
    prune_packets(p.root, p.intake, p.run, applicant=p.applicant)
    return pk


def _carried(applicant: m.Applicant) -> list:
    from matchers.tamper import found_with_another_applicant

    run = m.VerificationRun
    last = (applicant.results.filter(run__state=run.State.COMPLETED)
            .exclude(run__kind=run.Kind.PACKET).select_related("run")
            .order_by(*records.latest_first("run__")).first())  # fmt: skip
    if last is None or last.run.started is None:
        return []
    # A file the run read is live now and was uploaded before the run began.
    prefix = f"packets/{applicant.applicant_id}/"
    live = applicant.files.filter(replaced__isnull=True).values_list("name", "uploaded")
    unchanged = {prefix + name for name, up in live if up <= last.run.started}
    return [f for f in records.applicant_result(last).flags
            if found_with_another_applicant(f) and f.evidence
            and all(e.file in unchanged for e in f.evidence)]  # fmt: skip


def failed(p: Prepared, error: BaseException) -> None:
    """Keep why the run ended without results, for `credcheck status`."""
    # SIGTERM, Ctrl-C, a cancelled run: stopped from outside, not failed on its input.
    crashed = not isinstance(error, Exception)
    if isinstance(error, CredcheckError):
        reason = f"{error.reason_zh} ({error})"
    elif str(error):
        reason = f"{type(error).__name__}: {error}"
    else:
        reason = f"{'被终止 / stopped' if crashed else '失败 / failed'} ({type(error).__name__})"
    records.fail_run(p.run, reason, crashed=crashed)


def prune_packets(
    root: DataRoot,
    intake: m.Intake,
    run: m.VerificationRun,
    *,
    applicant: m.Applicant | None = None,
) -> list[Path]:
    """Remove the folders of packet runs that `run` supersedes: those begun before it (of
    `applicant` only, for a packet run; of every applicant, for an intake run), since `run`
    read the same files or newer ones. A folder of a run still under way, of a run begun
    after `run`, or younger than PRUNE_AFTER stays (its run may be about to begin); returns
    what was removed. Hard links and reports, made again by a run of that state."""
    import shutil
    import time

    base = root.intake_dir(intake.key) / "applicants"
    if not base.is_dir() or run.started is None:
        return []
    packets = intake.runs.filter(kind=m.VerificationRun.Kind.PACKET)
    if applicant is not None:
        packets = packets.filter(applicant=applicant)
    keep = {
        (str(a), d[:16]) for a, d, state, started in packets.values_list(
            "applicant_id", "state_digest", "state", "started")
        if state == m.VerificationRun.State.RUNNING or started is None or started >= run.started
    }  # fmt: skip
    removed = []
    for who in sorted(base.iterdir()):
        if applicant is not None and who.name != str(applicant.pk):
            continue
        for folder in sorted(who.iterdir()) if who.is_dir() else []:
            young = time.time() - folder.stat().st_mtime < PRUNE_AFTER
            if folder.is_dir() and (who.name, folder.name) not in keep and not young:
                shutil.rmtree(folder, ignore_errors=True)
                removed.append(folder)
    return removed


def split_packets(
    state: records.IntakeState, parts: int, sizes: dict[str, int]
) -> list[list[tuple[str, str]]]:
    """The state's files as `parts` batches of whole packets, balanced by bytes (the largest
    packet to the lightest part); every part holds the declared table too, so each is a
    batch the verifier accepts. Fewer parts when there are fewer packets; none for one."""
    top = [f for f in state.files if not f[0].startswith("packets/")]
    packets: dict[str, list[tuple[str, str]]] = {}
    for rel, sha in state.files:
        if rel.startswith("packets/"):
            packets.setdefault(rel.split("/")[1], []).append((rel, sha))
    parts = min(parts, len(packets))
    if parts < 2:
        return []
    weight = {aid: sum(sizes.get(sha, 0) for _, sha in fs) for aid, fs in packets.items()}
    out: list[list[tuple[str, str]]] = [[] for _ in range(parts)]
    load = [0] * parts
    for aid in sorted(packets, key=lambda a: (-weight[a], a)):
        i = load.index(min(load))
        out[i] += packets[aid]
        load[i] += weight[aid]
    return [sorted(top + part) for part in out]


def read_part(
    key: str, files: list[tuple[str, str]], *, as_of: str, name: str, **verify: object
) -> Path:
    """Read the pages of some packets into the data root's reading cache (verify-intake's
    fan-out): those files laid out as a batch and read, with the second looks their flags
    want, but no reports written (the intake's run writes them); the verifier's own cache
    keys make a page read here a hit for every later run (or, with backwards=True, for the
    worker reading the same files from the front). Returns the scratch folder's path
    (gone)."""
    import shutil

    from pipelines.flows import verify_batch

    root = DataRoot.from_env()
    where = root.intake_dir(key) / "parts" / name
    state = records.IntakeState(tuple(sorted((r, s) for r, s in files)), ())
    batch = records.materialise(root, state, where / "batch" / key)
    try:
        verify_batch(batch, where / "out", as_of=dt.date.fromisoformat(as_of),
                     cache_dir=root.cache, reading_only=True, plain=True,
                     **verify)  # type: ignore[arg-type]  # fmt: skip
    finally:
        shutil.rmtree(where, ignore_errors=True)
    return where


def earlier_history(intake: m.Intake, dest: Path) -> Path:
    """A history database (matchers.linkage.history) of the latest declared rows of every
    intake created before `intake`, for duplicates against earlier intakes (the nightly run).
    Built afresh at `dest` for one run, on local disk: the store is the record, and SQLite
    shared over a network volume by several writers is not safe."""
    from matchers.linkage.history import History
    from models.declared import Applicant as Declared

    for suffix in ("", "-wal", "-shm"):
        Path(f"{dest}{suffix}").unlink(missing_ok=True)
    with History.open(dest) as h:
        earlier = m.Intake.objects.filter(created__lt=intake.created).order_by("created", "pk")
        for other in earlier:
            rows = [Declared.model_validate(a.declared.data)
                    for a in other.applicants.order_by("applicant_id") if a.declared]  # fmt: skip
            if rows:
                h.add_intake(f"intake:{other.key}", rows, source=other.key)
    return dest


def prune_batches(p: Prepared) -> list[Path]:
    """Remove the intake's materialised batches other than this run's and those of runs
    still under way; returns what was removed. They are hard links into files/, so nothing
    is lost: a run of an old state lays it out again (materialise). A folder younger than
    PRUNE_AFTER stays: its run may be between laying it out and beginning in the store."""
    import shutil
    import time

    keep = {p.batch.parent.name}
    running = p.intake.runs.filter(state=m.VerificationRun.State.RUNNING)
    keep |= {d[:16] for d in running.values_list("state_digest", flat=True)}
    removed = []
    for folder in sorted((p.batch.parent.parent).iterdir()):
        young = time.time() - folder.stat().st_mtime < PRUNE_AFTER
        if folder.is_dir() and folder.name not in keep and not young:
            shutil.rmtree(folder, ignore_errors=True)
            removed.append(folder)
    return removed


def changed_intakes() -> list[str]:
    """Keys of the intakes whose state or reader version differs from their last completed
    run (or that never completed one), in key order: what the nightly run verifies again."""
    keys = []
    for intake in m.Intake.objects.order_by("key"):
        state = records.intake_state(intake)
        if not state.files:
            continue
        last = records.last_completed_run(intake)
        if last is None or last.state_digest != state.digest or last.reader != READER_VERSION:
            keys.append(intake.key)
    return keys
