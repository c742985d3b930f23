"""verify-packet: one applicant's packet verified alone, stored as a packet run.

The store-level tests run on SQLite and again on PostgreSQL (the `store` marker): the packet
state and its digest, the packet run beside the intake's runs, what the queue, the applicant
page and the officials' dashboard take from each (every applicant once, duplicates from
intake runs), and the findings carried from an intake run. The slow test queues verify-packet
on a real Prefect server and worker and compares the stored result with `credcheck verify`'s
for that applicant, once per state, reading only the new pages."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from models.results import (
    ApplicantResult,
    DuplicateGroup,
    EvidenceRef,
    Flag,
    FlagCode,
    Results,
    Severity,
    Status,
)
from store.dataroot import DataRoot
from tests.test_deploy import AS_OF, _batch, _files, _pages, _stop, _wait, server_env
from tests.test_deploy import store_url as store_url  # the fixture: PostgreSQL when asked

SKILL = "packets/XJ-1/skill.jpg"


def _flag(code: FlagCode, field: str, file: str = SKILL, sev: Severity = Severity.high) -> Flag:
    return Flag(code=code, severity=sev, field=field, evidence=[EvidenceRef(file=file, page=1)],
                message=f"{code.value} {field}")  # fmt: skip


def _result(aid: str, *flags: Flag) -> ApplicantResult:
    status = Status.flagged if flags else Status.clear
    return ApplicantResult(applicant_id=aid, program="新疆工匠", status=status, flags=list(flags))


def _whole(*flags_1: Flag) -> Results:
    """An intake run's results: both applicants, and a duplicate group across them."""
    dup = DuplicateGroup(code=FlagCode.DUPLICATE_APPLICANT, applicant_ids=["XJ-1", "XJ-2"],
                         reasons=["同一身份证号"])  # fmt: skip
    return Results(applicants=[_result("XJ-1", *flags_1), _result("XJ-2")], duplicates=[dup])


def _packet(*flags: Flag) -> Results:
    return Results(applicants=[_result("XJ-1", *flags)])


@pytest.fixture
def intake(tmp_path: Path):
    from pipelines import intake as intakes

    root = DataRoot(tmp_path / "data")
    got = intakes.import_batch(_batch(tmp_path / "in"), year=2025, root=root)
    return got.intake, root, tmp_path / "in"


# ---------------------------------------------------------------- the packet's state


@pytest.mark.store
@pytest.mark.django_db
def test_a_packet_state_names_its_files_uploads_and_row(intake, tmp_path: Path) -> None:
    from pipelines import intake as intakes
    from store import models as m
    from store import records

    it, root, src = intake
    one = m.Applicant.objects.get(intake=it, applicant_id="XJ-1")
    first = records.packet_state(one)
    assert [rel for rel, _ in first.packet] == [SKILL, "packets/XJ-1/sub/diploma.pdf"]
    assert first.declared is not None and first.declared[0] == 1
    intakes.import_batch(src, year=2025, root=root)  # the same folder again: the same state
    assert records.packet_state(one).digest == first.digest

    # Another applicant's new file is not this packet's state.
    extra = tmp_path / "extra.png"
    extra.write_bytes(b"another id card")
    records.add_packet_files(root, m.Applicant.objects.get(intake=it, applicant_id="XJ-2"),
                             [("id-back.png", extra)])  # fmt: skip
    assert records.packet_state(one).digest == first.digest

    # A rescan is a new state; sending the first scan back is a newer one still, not the
    # first again (the intake's digest goes back: its runs are keyed by content).
    intakes.import_batch(_batch(src, scan=b"skill rescanned"), year=2025, root=root)
    rescanned = records.packet_state(one).digest
    intakes.import_batch(_batch(src), year=2025, root=root)
    assert len({first.digest, rescanned, records.packet_state(one).digest}) == 3

    # A corrected declared row is a new state of the packet.
    before = records.packet_state(one).digest
    (src / "declared.csv").write_text("申报编号,申报项目,姓名\nXJ-1,新疆工匠,张三丰\nXJ-2,新疆工匠,李四\n",
                                      encoding="utf-8")  # fmt: skip
    intakes.import_batch(src, year=2025, root=root)
    now = records.packet_state(one)
    assert now.digest != before and now.declared is not None and now.declared[0] == 2

    # Laid out, it is the table and this packet only.
    p = intakes.prepare_packet(it.key, "XJ-1", as_of=AS_OF, root=root)
    assert not p.again
    assert sorted(_files(p.batch)) == ["awards.csv", "declared.csv", SKILL,
                                       "packets/XJ-1/sub/diploma.pdf"]  # fmt: skip
    assert p.batch.name == it.key and p.run.kind == "packet" and p.run.applicant == one
    assert p.run.state_digest == now.digest and p.out.parent == p.batch.parent.parent
    key = intakes.packet_idempotency_key(it.key, "XJ-1", now.digest, AS_OF)
    assert now.digest in key and AS_OF in key and key.startswith(f"packet:{it.key}:XJ-1:")

    # A second flow run of this state (two uploads queued two runs; both began after the
    # second) finds the first one, under way or done, and verifies nothing.
    again = intakes.prepare_packet(it.key, "XJ-1", as_of=AS_OF, root=root)
    assert again.again and again.run == p.run
    intakes.failed(p, RuntimeError("disk full"))  # a failed run does not stand for the state
    third = intakes.prepare_packet(it.key, "XJ-1", as_of=AS_OF, root=root)
    assert not third.again and third.run != p.run
    assert intakes.prepare_packet(it.key, "XJ-1", as_of="2025-10-01", root=root).run != third.run


@pytest.mark.store
@pytest.mark.django_db
def test_a_packet_without_files_or_an_unknown_applicant_is_a_usage_error(intake) -> None:
    from models.exceptions import UsageError
    from pipelines import intake as intakes
    from store import models as m

    it, root, _ = intake
    with pytest.raises(UsageError):
        intakes.prepare_packet(it.key, "XJ-404", root=root)
    m.Applicant.objects.create(intake=it, applicant_id="XJ-3")
    with pytest.raises(UsageError):
        intakes.prepare_packet(it.key, "XJ-3", root=root)
    assert not it.runs.exists()


# ---------------------------------------------------------------- runs side by side


@pytest.mark.store
@pytest.mark.django_db
def test_a_packet_run_stands_for_its_applicant_only_and_never_for_the_intake(
    intake, tmp_path: Path
) -> None:
    from pipelines import figures
    from pipelines import intake as intakes
    from store import models as m
    from store import records
    from webapp import dashboard, queue

    it, root, src = intake
    level = _flag(FlagCode.LEVEL_OVERCLAIM, "skill_level", sev=Severity.medium)
    whole = intakes.finish(intakes.prepare(it.key, as_of=AS_OF, root=root), _whole(level))
    intakes.import_batch(_batch(src, scan=b"skill rescanned"), year=2025, root=root)
    assert intakes.changed_intakes() == [it.key]

    p = intakes.prepare_packet(it.key, "XJ-1", as_of=AS_OF, root=root)
    packet = intakes.finish_packet(p, _packet())  # the rescan shows the level declared
    run = m.VerificationRun.objects.get(pk=packet)
    assert (run.kind, run.applicant.applicant_id, run.state) == ("packet", "XJ-1", "completed")
    assert records.results_of(run).applicants == [_result("XJ-1")]
    assert not run.duplicates.exists()
    # The intake's last run is still the intake run: status and the nightly run see it so.
    assert records.last_completed_run(it).pk == whole
    assert intakes.changed_intakes() == [it.key]

    def latest() -> dict[str, tuple[int | None, str, dict]]:
        return {r.applicant.applicant_id: (r.result_id, r.state, r.flags)
                for r in queue.rows(m.Applicant.objects.filter(intake=it))}  # fmt: skip

    results = {(r.run_id, r.applicant.applicant_id): r.pk for r in m.ApplicantResult.objects.all()}
    rows = latest()
    assert sorted(rows) == ["XJ-1", "XJ-2"]  # each applicant once
    assert rows["XJ-1"] == (results[(packet, "XJ-1")], "无疑点", {})
    assert rows["XJ-2"] == (results[(whole, "XJ-2")], "无疑点", {})
    d = dashboard.load(it)
    assert [a.applicant_id for a in d.apps] == ["XJ-1", "XJ-2"]
    assert [a.flags for a in d.apps] == [(), ()]  # the overclaim was the old scan's
    assert [g.applicant_ids for g in d.duplicates] == [("XJ-1", "XJ-2")]  # the intake run's

    # An intake run begun before the next upload and its packet run, and finished after them:
    # each applicant's result is from the run begun last that judged it, not finished last.
    slow = intakes.prepare(it.key, as_of=AS_OF, root=root)
    award = tmp_path / "award.png"
    award.write_bytes(b"an award")
    records.add_packet_files(root, m.Applicant.objects.get(intake=it, applicant_id="XJ-1"),
                             [("award.png", award)])  # fmt: skip
    p = intakes.prepare_packet(it.key, "XJ-1", as_of=AS_OF, root=root)
    packet2 = intakes.finish_packet(p, _packet(level))
    whole2 = intakes.finish(slow, _whole())
    results = {(r.run_id, r.applicant.applicant_id): r.pk for r in m.ApplicantResult.objects.all()}
    rows = latest()
    assert rows["XJ-1"] == (results[(packet2, "XJ-1")], "有疑点", {"medium": 1})
    assert rows["XJ-2"][0] == results[(whole2, "XJ-2")]
    assert records.last_completed_run(it).pk == whole2
    got = figures.totals(dashboard.load(it))  # counted once each, from one run each
    assert (got["applicants"], got["flags"], got["with_flags"]) == (2, 1, 1)


@pytest.mark.store
@pytest.mark.django_db
def test_the_queue_shows_a_packet_run_under_way_for_its_applicant_only(intake) -> None:
    from pipelines import intake as intakes
    from store import models as m
    from webapp import queue

    it, root, _ = intake
    intakes.prepare_packet(it.key, "XJ-2", as_of=AS_OF, root=root)  # under way
    states = {r.applicant.applicant_id: r.state
              for r in queue.rows(m.Applicant.objects.filter(intake=it))}  # fmt: skip
    assert states == {"XJ-1": "排队中", "XJ-2": "识别中"}
    intakes.prepare(it.key, as_of=AS_OF, root=root)  # the whole intake: everyone
    states = {r.applicant.applicant_id: r.state
              for r in queue.rows(m.Applicant.objects.filter(intake=it))}  # fmt: skip
    assert states == {"XJ-1": "识别中", "XJ-2": "识别中"}


@pytest.mark.store
@pytest.mark.django_db
def test_a_finding_across_applicants_is_carried_while_its_file_is_unchanged(
    intake, tmp_path: Path
) -> None:
    from pipelines import intake as intakes
    from store import models as m
    from store import records

    it, root, src = intake
    copy = _flag(FlagCode.TAMPER_SUSPECTED, "name")  # an edited copy of XJ-2's certificate
    meta = _flag(FlagCode.TAMPER_SUSPECTED, "metadata", sev=Severity.medium)  # its own file
    intakes.finish(intakes.prepare(it.key, as_of=AS_OF, root=root), _whole(copy, meta))

    # A new file beside the copied one: the copy stays flagged, with the packet's own flags.
    one = m.Applicant.objects.get(intake=it, applicant_id="XJ-1")
    new = tmp_path / "award.png"
    new.write_bytes(b"an award")
    records.add_packet_files(root, one, [("award.png", new)])
    p = intakes.prepare_packet(it.key, "XJ-1", as_of=AS_OF, root=root)
    own = _flag(FlagCode.AWARD_MISMATCH, "award_name", file="packets/XJ-1/award.png")
    got = records.results_of(m.VerificationRun.objects.get(
        pk=intakes.finish_packet(p, _packet(own)))).applicants[0]  # fmt: skip
    assert [(f.code, f.field) for f in got.flags] == [  # in the verifier's order of codes
        (FlagCode.AWARD_MISMATCH, "award_name"), (FlagCode.TAMPER_SUSPECTED, "name")]  # fmt: skip
    assert got.status is Status.flagged
    # The metadata flag is the packet's own to raise (its file was read again): not carried.

    # The copied file replaced: nothing to carry until an intake run looks again.
    intakes.import_batch(_batch(src, scan=b"another scan"), year=2025, root=root)
    p = intakes.prepare_packet(it.key, "XJ-1", as_of=AS_OF, root=root)
    got = records.results_of(m.VerificationRun.objects.get(
        pk=intakes.finish_packet(p, _packet()))).applicants[0]  # fmt: skip
    assert got.flags == [] and got.status is Status.clear


@pytest.mark.store
@pytest.mark.django_db
def test_superseded_packet_folders_are_pruned(intake) -> None:
    from pipelines import intake as intakes

    it, root, src = intake
    first = intakes.prepare_packet(it.key, "XJ-1", as_of=AS_OF, root=root)
    intakes.finish_packet(first, _packet())
    intakes.import_batch(_batch(src, scan=b"second"), year=2025, root=root)
    other = intakes.prepare_packet(it.key, "XJ-2", as_of=AS_OF, root=root)
    intakes.finish_packet(other, Results(applicants=[_result("XJ-2")]))
    second = intakes.prepare_packet(it.key, "XJ-1", as_of=AS_OF, root=root)
    folders = [x.batch.parent.parent for x in (first, other, second)]
    for f in folders:
        os.utime(f, (time.time() - intakes.PRUNE_AFTER - 60,) * 2)
    intakes.finish_packet(second, _packet())
    # XJ-1's first state went; XJ-2's packet is no business of XJ-1's run.
    assert [f.exists() for f in folders] == [False, True, True]
    whole = intakes.prepare(it.key, as_of=AS_OF, root=root)
    intakes.finish(whole, _whole())  # begun after every packet run: supersedes them all
    assert [f.exists() for f in folders] == [False, False, False]
    assert whole.batch.is_dir()


def test_local_verification_takes_the_whole_intake_before_its_packets() -> None:
    from webapp import verify

    verify._LOCAL_PENDING["k"] = {"B", "A"}
    assert verify._next_local("k") == (True, "A")
    verify._LOCAL_PENDING["k"] |= {None, "C"}
    assert verify._next_local("k") == (True, None)  # it reads B and C too
    assert verify._next_local("k") == (False, None) and "k" not in verify._LOCAL_PENDING


# ---------------------------------------------------------------- end to end

_SETUP = """
import sys
from pathlib import Path
import store
store.setup(migrate=True)
from pipelines.deployments import ensure_pool, register
ensure_pool(working_dir=Path(sys.argv[1]))
register()
"""

_PACKET = """
import sys
import store
store.setup()
from store import models as m
from store.records import results_of
runs = m.VerificationRun.objects.filter(intake__key=sys.argv[1]).order_by("pk")
print(len(runs))
for r in runs:
    print(r.kind, r.applicant.applicant_id if r.applicant else "-", r.state, r.flow_run_id)
print(results_of(runs.last()).model_dump_json())
"""


@pytest.mark.slow
def test_verify_packet_on_a_server_reads_one_packet_once_per_state(
    tmp_path: Path, store_url: str | None
) -> None:
    """A real `prefect server` and one `credcheck worker`; `credcheck submit --applicant`
    queues verify-packet. The stored result equals `credcheck verify`'s for that applicant
    on the same batch; only its pages were read; the same state again is the same flow run;
    a rescanned file is a new run that reads that file's page and nothing else."""
    from pipelines.service import api_call, clean_env, wait_healthy
    from synth.batch import generate_batch

    py = [sys.executable, "-m", "pipelines.cli"]
    batch, data = tmp_path / "batch", tmp_path / "data"
    generate_batch(batch, applicants=2, seed=5, faults=["level_overclaim"], clean_share=0.5,
                   difficulties={"clean": 1.0})  # fmt: skip
    env = clean_env()
    ref = subprocess.run(
        [*py, "verify", str(batch), "--out", str(tmp_path / "ref"), "--as-of", AS_OF, "--quiet"],
        env=env, capture_output=True, text=True, timeout=900,
    )  # fmt: skip
    assert ref.returncode == 0, ref.stderr
    reference = json.loads((tmp_path / "ref" / "results.json").read_text(encoding="utf-8"))
    # The applicant with the fault: its packet has flags to compare.
    mine = next(a for a in reference["applicants"] if a["flags"])
    aid = mine["applicant_id"]
    others = [a["applicant_id"] for a in reference["applicants"] if a["applicant_id"] != aid]

    def page_shas(cache: Path) -> set[str]:
        return {p.name.split("-")[1] for p in cache.glob("page-*")}

    def shas_of(folder: Path) -> set[str]:
        from extractors.loaders import sha256_file

        return {sha256_file(p) for p in folder.rglob("*") if p.is_file()}

    port, api = server_env(env, data, store_url)
    logs: list[Path] = []

    def start(name: str, argv: list[str]) -> subprocess.Popen:
        log = tmp_path / f"{name}.log"
        logs.append(log)
        with open(log, "ab") as out:
            return subprocess.Popen(argv, env=env, stdout=out, stderr=subprocess.STDOUT,
                                    start_new_session=True)  # fmt: skip

    def run(*argv: str) -> subprocess.CompletedProcess:
        got = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=300)
        assert got.returncode == 0, got.stderr
        return got

    def submit(folder: Path) -> str:
        return run(*py, "submit", str(folder), "--intake", "pk", "--as-of", AS_OF,
                   "--applicant", aid).stdout.strip()  # fmt: skip

    def packet_runs() -> list[dict]:
        dep = api_call(f"{api}/deployments/name/verify-packet/verify-packet")
        return api_call(f"{api}/flow_runs/filter", {"deployments": {"id": {"any_": [dep["id"]]}},
                                                    "sort": "EXPECTED_START_TIME_ASC"})  # fmt: skip

    procs: list[subprocess.Popen] = []
    try:
        procs.append(start("server", [sys.executable, "-m", "prefect", "server", "start",
                                      "--host", "127.0.0.1", "--port", str(port)]))  # fmt: skip
        assert wait_healthy(api, 300), "the Prefect server did not start"
        run(sys.executable, "-c", _SETUP, str(data))
        procs.append(start("worker", [*py, "worker", "--name", "w1"]))

        first = submit(batch)
        _wait(api, first, 900)
        got = run(sys.executable, "-c", _PACKET, "pk").stdout.splitlines()
        assert got[0] == "1" and got[1].split() == ["packet", aid, "completed", first]
        stored = json.loads(got[2])
        assert stored["duplicates"] == [] and stored["applicants"] == [mine]  # verify's, as is
        cache = data / "cache"
        assert page_shas(cache) == shas_of(batch / "packets" / aid)  # that packet's pages only
        assert not page_shas(cache) & set().union(*(shas_of(batch / "packets" / o) for o in others))
        assert not (data / "intakes" / "pk" / "report").exists()  # the intake's report is not one packet's

        # The same state again: the same flow run, nothing queued.
        assert submit(batch) == first
        assert [r["id"] for r in packet_runs()] == [first]

        # A rescan of one file (other bytes, same picture): a new run reading that page only.
        later = tmp_path / "later"
        shutil.copytree(batch, later)
        scan = sorted((later / "packets" / aid).rglob("*.jpg"))[0]
        from PIL import Image

        with Image.open(scan) as im:
            im.convert("RGB").save(scan, "JPEG", quality=90)
        before = _pages(cache)
        second = submit(later)
        assert second != first
        _wait(api, second, 900)
        after = _pages(cache)
        assert {k: after[k] for k in before} == before  # no page read again
        new = set(after) - set(before)
        assert {n.split("-")[1] for n in new} == shas_of(scan.parent) - shas_of(batch / "packets" / aid)
        assert len(new) == 1  # one image, one page
        got = run(sys.executable, "-c", _PACKET, "pk").stdout.splitlines()
        assert got[0] == "2" and got[2].split()[:3] == ["packet", aid, "completed"]
        assert [r["id"] for r in packet_runs()] == [first, second]
    except BaseException:
        for log in logs:
            if log.exists():
                print(f"---- {log.name}\n{log.read_text(encoding='utf-8', errors='replace')[-5000:]}")
        raise
    finally:
        for p in reversed(procs):
            _stop(p, timeout=10)
