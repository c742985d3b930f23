"""Intakes in the store and runs that outlive a terminal.

Unit tests of the folder import, the intake's state digest and its materialised batch run on
SQLite and again on PostgreSQL (the `store` marker). The slow end-to-end test starts a real
`credcheck serve` (Prefect server, process worker) on a free port and a temporary data root,
submits a generated batch and compares the stored results with `credcheck verify`'s. The
other starts `prefect server` and two `credcheck worker`s, restarts the server with work
queued, kills a worker mid-intake, and runs two intakes on the two workers at once; its store
is PostgreSQL when CREDCHECK_TEST_PG is set (one run, not two: CI time)."""

from __future__ import annotations

import datetime as dt
import os
import shutil
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from pipelines.service import api_call as _get
from pipelines.service import clean_env, server_defaults
from pipelines.service import free_port as _free_port
from store.dataroot import DataRoot

AS_OF = "2025-09-30"


def _batch(folder: Path, *, name_2: str = "李四", scan: bytes = b"skill scan") -> Path:
    """A small batch folder: declared.csv + awards.csv, two packets, a link leaving the
    folder. The files are not read here, only stored."""
    (folder / "packets" / "XJ-1" / "sub").mkdir(parents=True, exist_ok=True)
    (folder / "packets" / "XJ-2").mkdir(parents=True, exist_ok=True)
    (folder / "declared.csv").write_text(
        f"申报编号,申报项目,姓名\nXJ-1,新疆工匠,张三\nXJ-2,新疆工匠,{name_2}\n", encoding="utf-8"
    )
    (folder / "awards.csv").write_text(
        "申报编号,奖励名称,等级\nXJ-1,自治区技术能手,省级\n", encoding="utf-8"
    )
    (folder / "packets" / "XJ-1" / "skill.jpg").write_bytes(scan)
    (folder / "packets" / "XJ-1" / "sub" / "diploma.pdf").write_bytes(b"%PDF diploma")
    (folder / "packets" / "XJ-2" / "id.png").write_bytes(b"id card")
    link = folder / "packets" / "XJ-2" / "elsewhere.jpg"
    if not link.is_symlink():
        link.symlink_to("/etc/hostname")
    return folder


def _files(folder: Path) -> dict[str, bytes]:
    return {
        p.relative_to(folder).as_posix(): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file() and not p.is_symlink()
    }


@pytest.mark.store
@pytest.mark.django_db
def test_a_folder_is_stored_and_materialised_as_the_same_batch(tmp_path: Path) -> None:
    from pipelines.intake import import_batch
    from pipelines.stages import plan_batch
    from store import records

    root = DataRoot(tmp_path / "data")
    src = _batch(tmp_path / "in")
    got = import_batch(src, year=2025, root=root)
    assert got.intake.key == "新疆工匠-2025" and got.intake.program == "新疆工匠"
    assert got.declared.created == ["XJ-1", "XJ-2"]
    assert sorted(got.table.added) == ["awards.csv", "declared.csv"]
    assert sorted(got.packets.added) == [
        "packets/XJ-1/skill.jpg", "packets/XJ-1/sub/diploma.pdf", "packets/XJ-2/id.png",
    ]  # fmt: skip
    # the link leaving the folder is not followed into the store
    assert [rel for rel, _ in got.skipped] == ["packets/XJ-2/elsewhere.jpg"]

    state = records.intake_state(got.intake)
    assert state.digest == got.digest
    batch = records.materialise(root, state, tmp_path / "out" / "b")
    assert _files(batch) == _files(src)  # the same bytes under the same names
    for rel, sha in state.files:
        made, stored = (batch / rel).stat(), root.file_path(sha).stat()
        assert not (batch / rel).is_symlink() and made.st_ino == stored.st_ino  # hard links
    plan = plan_batch(batch)  # the verifier reads it as any batch: nothing refused
    assert sorted(f.rel for f in plan.files) == [r for r, _ in state.files if r[:8] == "packets/"]
    assert all(f.problem is None for f in plan.files)
    assert not list((tmp_path / "out").glob(".building-*"))


@pytest.mark.store
@pytest.mark.django_db
def test_the_digest_follows_the_state_not_its_history(tmp_path: Path) -> None:
    from pipelines.intake import import_batch

    root = DataRoot(tmp_path / "data")
    src = _batch(tmp_path / "in")
    first = import_batch(src, year=2025, root=root).digest
    again = import_batch(src, year=2025, root=root)
    assert again.digest == first and not again.packets.added and not again.packets.replaced
    assert again.declared.unchanged == ["XJ-1", "XJ-2"]

    rescanned = import_batch(_batch(src, scan=b"skill rescanned"), year=2025, root=root)
    assert rescanned.packets.replaced == ["packets/XJ-1/skill.jpg"]
    assert rescanned.digest != first
    renamed = import_batch(_batch(src, scan=b"skill rescanned", name_2="李思"), year=2025, root=root)
    assert renamed.declared.changed == ["XJ-2"] and renamed.digest != rescanned.digest
    # back to the first content: the first state, whatever was uploaded in between
    back = import_batch(_batch(src), year=2025, root=root)
    assert back.digest == first


@pytest.mark.store
@pytest.mark.django_db
def test_a_new_table_replaces_the_whole_old_one(tmp_path: Path) -> None:
    from store import records

    root = DataRoot(tmp_path / "data")
    intake = records.get_intake("新疆工匠", 2025)
    csv, awards, xlsx = tmp_path / "declared.csv", tmp_path / "awards.csv", tmp_path / "d.xlsx"
    csv.write_bytes(b"csv"), awards.write_bytes(b"awards"), xlsx.write_bytes(b"xlsx")
    records.set_intake_files(root, intake, [("declared.csv", csv), ("awards.csv", awards)])
    up = records.set_intake_files(root, intake, [("declared.xlsx", xlsx)])
    assert up.added == ["declared.xlsx"] and sorted(up.retired) == ["awards.csv", "declared.csv"]
    assert [rel for rel, _ in records.intake_state(intake).files] == ["declared.xlsx"]
    assert intake.files.count() == 3  # the CSVs stay for the runs that read them


@pytest.mark.store
@pytest.mark.django_db
def test_materialise_refuses_names_leaving_the_folder_and_reuses_a_state(tmp_path: Path) -> None:
    from store import records

    root = DataRoot(tmp_path / "data")
    f = tmp_path / "f"
    f.write_bytes(b"x")
    sha, _ = root.put_file(f)
    for i, bad in enumerate(("../escape.jpg", "packets/A/../../x", "/etc/x", "packets//x")):
        with pytest.raises(ValueError):
            records.materialise(root, records.IntakeState(((bad, sha),), ()), tmp_path / f"{i}")
        assert not (tmp_path / f"{i}").exists()
    state = records.IntakeState((("declared.xlsx", sha),), ())
    dest = records.materialise(root, state, tmp_path / "s" / "b")
    (dest / "marker").write_text("built before")
    assert records.materialise(root, state, dest) == dest and (dest / "marker").exists()
    assert not (tmp_path / "escape.jpg").exists()


@pytest.mark.store
@pytest.mark.django_db
def test_a_run_is_begun_finished_or_failed_and_changes_are_seen(tmp_path: Path) -> None:
    from pipelines import intake as intakes
    from store import models as m
    from tests.test_reports import _results

    root = DataRoot(tmp_path / "data")
    src = _batch(tmp_path / "in")
    key = intakes.import_batch(src, year=2025, root=root).intake.key
    assert intakes.changed_intakes() == [key]  # never verified

    p = intakes.prepare(key, as_of=AS_OF, root=root)
    assert p.run.state == m.VerificationRun.State.RUNNING and p.as_of == dt.date(2025, 9, 30)
    assert p.batch.name == key and _files(p.batch) == _files(src)
    assert p.out == root.intake_dir(key) / "report" and p.cache == root.cache
    intakes.failed(p, RuntimeError("disk full"))
    p.run.refresh_from_db()
    assert p.run.state == m.VerificationRun.State.FAILED and "disk full" in p.run.reason
    assert intakes.changed_intakes() == [key]  # a failed run verified nothing

    p = intakes.prepare(key, as_of=AS_OF, root=root)
    run_id = intakes.finish(p, _results())
    run = m.VerificationRun.objects.get(pk=run_id)
    assert run.state == m.VerificationRun.State.COMPLETED and run.results.exists()
    assert intakes.changed_intakes() == []
    intakes.import_batch(_batch(src, scan=b"rescanned"), year=2025, root=root)
    assert intakes.changed_intakes() == [key]
    m.VerificationRun.objects.filter(pk=run_id).update(state_digest=p.run.state_digest,
                                                       reader="an older reader")  # fmt: skip
    assert intakes.changed_intakes() == [key]


@pytest.mark.store
@pytest.mark.django_db
def test_old_batch_folders_are_pruned_but_not_a_running_one(tmp_path: Path) -> None:
    from pipelines import intake as intakes
    from store import records
    from tests.test_reports import _results

    root = DataRoot(tmp_path / "data")
    src = _batch(tmp_path / "in")
    key = intakes.import_batch(src, year=2025, root=root).intake.key
    first = intakes.prepare(key, as_of=AS_OF, root=root)
    intakes.import_batch(_batch(src, scan=b"second"), year=2025, root=root)
    running = intakes.prepare(key, as_of=AS_OF, root=root)  # under way meanwhile
    intakes.import_batch(_batch(src, scan=b"third"), year=2025, root=root)
    last = intakes.prepare(key, as_of=AS_OF, root=root)
    folders = [x.batch.parent for x in (first, running, last)]
    intakes.failed(first, RuntimeError("gone"))
    assert intakes.prune_batches(last) == []  # all young: maybe being laid out
    for f in folders:
        os.utime(f, (time.time() - intakes.PRUNE_AFTER - 60,) * 2)
    intakes.finish(last, _results())
    assert [f.exists() for f in folders] == [False, True, True]
    for _, sha in records.intake_state(last.intake).files:
        assert root.file_path(sha).is_file()  # the stored files stay


def test_packets_are_split_whole_balanced_and_each_part_is_a_batch() -> None:
    from pipelines.intake import split_packets
    from store.records import IntakeState

    files = (("declared.xlsx", "t"), ("packets/A/1.pdf", "a1"), ("packets/A/2.jpg", "a2"),
             ("packets/B/1.pdf", "b1"), ("packets/C/1.pdf", "c1"))  # fmt: skip
    sizes = {"t": 1, "a1": 50, "a2": 50, "b1": 60, "c1": 30}
    parts = split_packets(IntakeState(files, ()), 2, sizes)
    assert parts == [
        [("declared.xlsx", "t"), ("packets/A/1.pdf", "a1"), ("packets/A/2.jpg", "a2")],
        [("declared.xlsx", "t"), ("packets/B/1.pdf", "b1"), ("packets/C/1.pdf", "c1")],
    ]
    assert len(split_packets(IntakeState(files, ()), 8, sizes)) == 3  # one packet a part
    assert split_packets(IntakeState(files[:3], ()), 2, sizes) == []  # one packet: no split


@pytest.mark.store
@pytest.mark.django_db
def test_the_nightly_history_holds_every_earlier_intake_and_no_later_one(tmp_path: Path) -> None:
    from matchers.linkage.history import History
    from pipelines import intake as intakes

    root = DataRoot(tmp_path / "data")
    keys = [intakes.import_batch(_batch(tmp_path / k), key=k, year=2025, root=root).intake
            for k in ("a-2024", "b-2025", "c-2026")]  # fmt: skip
    path = intakes.earlier_history(keys[1], tmp_path / "h.sqlite3")
    with History.open(path) as h:
        assert [(i, rows) for i, _, rows in h.intakes()] == [("intake:a-2024", 2)]
    path = intakes.earlier_history(keys[2], tmp_path / "h.sqlite3")  # rebuilt, not added to
    with History.open(path) as h:
        assert [i for i, _, _ in h.intakes()] == ["intake:a-2024", "intake:b-2025"]


@pytest.mark.store
@pytest.mark.django_db
def test_an_unknown_or_empty_intake_is_a_usage_error(tmp_path: Path) -> None:
    from models.exceptions import UsageError
    from pipelines import intake as intakes
    from store import records

    with pytest.raises(UsageError):
        intakes.prepare("no-such-intake", root=DataRoot(tmp_path))
    records.get_intake("新疆工匠", 2030)
    with pytest.raises(UsageError):
        intakes.prepare("新疆工匠-2030", root=DataRoot(tmp_path))


@pytest.mark.store
@pytest.mark.django_db
def test_an_intake_key_that_would_leave_the_data_root_is_refused(tmp_path: Path) -> None:
    from models.exceptions import UsageError
    from pipelines.intake import import_batch

    root = DataRoot(tmp_path / "data")
    for bad in ("../x", "a/b", ".", "with space"):
        with pytest.raises(UsageError):
            import_batch(_batch(tmp_path / "in"), key=bad, year=2025, root=root)
    with pytest.raises(ValueError):
        root.intake_dir("..")
    assert not (tmp_path / "data" / "files").exists()  # refused before anything was stored


@pytest.mark.parametrize("command", [["worker"], ["submit", "."], ["status"]])
def test_commands_for_a_server_refuse_without_prefect_api_url(monkeypatch, command) -> None:
    from typer.testing import CliRunner

    from pipelines.cli import app

    monkeypatch.delenv("PREFECT_API_URL", raising=False)
    got = CliRunner().invoke(app, command)
    assert got.exit_code == 2 and "未设置 PREFECT_API_URL" in got.output


# ---------------------------------------------------------------- end to end




def _started(pid: int) -> str | None:
    """A process's start time (field 22 of its stat), so a reused pid is not mistaken for it."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = stat[stat.rfind(")") + 2 :].split()
    return None if fields[0] == "Z" else fields[19]


def _state(api: str, flow_run: str) -> str:
    """The run's state type; "?" when the server is too busy to answer within 30 s (a
    loaded machine starves it now and then: the caller's deadline decides)."""
    try:
        return _get(f"{api}/flow_runs/{flow_run}")["state"]["type"]
    except (TimeoutError, urllib.error.URLError):
        return "?"


def _wait(api: str, flow_run: str, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while (state := _state(api, flow_run)) != "COMPLETED":
        assert state not in ("FAILED", "CRASHED", "CANCELLED"), state
        assert time.monotonic() < deadline, f"the run is still {state} after {timeout} s"
        time.sleep(1)


_IMPORT = """
import sys
import store
store.setup()
from pipelines.intake import import_batch
import_batch(sys.argv[1], key=sys.argv[2])
"""

_STORED = """
import sys
import store
store.setup()
from pipelines.stages import results_json
from store import models as m
from store.records import results_of
runs = list(m.VerificationRun.objects.filter(intake__key=sys.argv[1]))
done = [r for r in runs if r.state == "completed"]
print(len(runs), str(done[0].flow_run_id) if done else "")
sys.stdout.write(results_json(results_of(done[0])) if done else "")
"""


@pytest.mark.slow
def test_serve_verifies_a_submitted_intake_as_verify_does_once_per_state(tmp_path: Path) -> None:
    from pipelines.service import descendants
    from synth.batch import generate_batch

    exe = str(Path(sys.executable).with_name("credcheck"))
    batch, data = tmp_path / "batch", tmp_path / "data"
    generate_batch(batch, applicants=2, seed=5, faults=["level_overclaim"], clean_share=0.5,
                   difficulties={"clean": 1.0})  # fmt: skip
    # Nothing of this process's Prefect or store settings leaks into the children.
    env = clean_env()
    t = time.perf_counter()
    ref = subprocess.run(
        [exe, "verify", str(batch), "--out", str(tmp_path / "ref"), "--as-of", AS_OF, "--quiet"],
        env=env, capture_output=True, text=True, timeout=900,
    )  # fmt: skip
    assert ref.returncode == 0, ref.stderr
    t_verify = time.perf_counter() - t

    port = _free_port()
    api = f"http://127.0.0.1:{port}/api"
    env.update(CREDCHECK_DATA=str(data), PREFECT_HOME=str(data / "prefect"),
               PREFECT_WORKER_QUERY_SECONDS="1", PREFECT_WORKER_PREFETCH_SECONDS="1")  # fmt: skip
    client = {**env, "PREFECT_API_URL": api}
    out, errs = tmp_path / "serve.out", tmp_path / "serve.err"
    t = time.perf_counter()
    with open(out, "wb") as o, open(errs, "wb") as e:
        serve = subprocess.Popen(
            [exe, "serve", "--data", str(data), "--prefect-port", str(port)], env=env, stdout=o,
            stderr=e,
        )  # fmt: skip
    tree: dict[int, str | None] = {}
    try:
        deadline = time.monotonic() + 300
        while "deployments" not in out.read_text(encoding="utf-8", errors="replace"):
            assert serve.poll() is None, "serve exited"
            assert time.monotonic() < deadline, "serve did not come up in 300 s"
            time.sleep(1)
        t_serve = time.perf_counter() - t
        assert f"http://127.0.0.1:{port}" in out.read_text(encoding="utf-8")

        def submit() -> str:
            got = subprocess.run(
                [exe, "submit", str(batch), "--intake", "e2e", "--as-of", AS_OF], env=client,
                capture_output=True, text=True, timeout=300,
            )  # fmt: skip
            assert got.returncode == 0, got.stderr
            return got.stdout.strip()

        t = time.perf_counter()
        run_id = submit()
        _wait(api, run_id, 900)
        t_run = time.perf_counter() - t

        stored = subprocess.run([sys.executable, "-c", _STORED, "e2e"], env=client,
                                capture_output=True, text=True, timeout=120)  # fmt: skip
        assert stored.returncode == 0, stored.stderr
        head, _, results = stored.stdout.partition("\n")
        reference = (tmp_path / "ref" / "results.json").read_text(encoding="utf-8")
        assert head == f"1 {run_id}"  # one run in the store, the flow run's
        assert results == reference  # the stored results are verify's, byte for byte
        report = data / "intakes" / "e2e" / "report"
        assert (report / "results.json").read_text(encoding="utf-8") == reference
        assert (report / "report.html").is_file() and (report / "report.xlsx").is_file()
        assert any(p.name.startswith("page-") for p in (data / "cache").iterdir())

        # The same state again: the same flow run, nothing new queued or stored.
        assert submit() == run_id
        deployment = _get(f"{api}/deployments/name/verify-intake/verify-intake")
        runs = _get(f"{api}/flow_runs/filter",
                    {"deployments": {"id": {"any_": [deployment["id"]]}}})  # fmt: skip
        assert [r["id"] for r in runs] == [run_id]
        stored = subprocess.run([sys.executable, "-c", _STORED, "e2e"], env=client,
                                capture_output=True, text=True, timeout=120)  # fmt: skip
        assert stored.stdout.partition("\n")[0] == f"1 {run_id}"

        nightly = _get(f"{api}/deployments/name/nightly/nightly")
        (schedule,) = [s["schedule"] for s in nightly["schedules"]]
        assert (schedule["cron"], schedule["timezone"]) == ("0 2 * * *", "Asia/Shanghai")
        assert nightly["global_concurrency_limit"]["limit"] == 1
        assert nightly["concurrency_options"]["collision_strategy"] == "CANCEL_NEW"
        assert nightly["entrypoint"] == "pipelines.deployments.nightly" and not nightly["pull_steps"]
        pool = _get(f"{api}/work_pools/credcheck")
        assert pool["type"] == "process"
        assert pool["base_job_template"]["variables"]["properties"]["working_dir"]["default"] == str(data)

        status = subprocess.run([exe, "status"], env={**client, "COLUMNS": "200"},
                                capture_output=True, text=True, timeout=120)  # fmt: skip
        assert status.returncode == 0, status.stderr
        assert "e2e" in status.stdout and "#1" in status.stdout

        # The nightly run by hand: an unchanged intake is not verified again; a new upload is.
        def nightly_run() -> None:
            fr = _get(f"{api}/deployments/{nightly['id']}/create_flow_run", {})
            _wait(api, fr["id"], 300)

        def intake_runs() -> list[dict]:
            return _get(f"{api}/flow_runs/filter",
                        {"deployments": {"id": {"any_": [deployment["id"]]}},
                         "sort": "EXPECTED_START_TIME_ASC"})  # fmt: skip

        pages = _pages(data / "cache")
        written = {f.name: (f.read_bytes(), f.stat().st_mtime_ns) for f in report.iterdir()
                   if f.is_file()}  # fmt: skip
        nightly_run()
        assert [r["id"] for r in intake_runs()] == [run_id]
        assert _pages(data / "cache") == pages  # no page read again
        assert {f.name: (f.read_bytes(), f.stat().st_mtime_ns) for f in report.iterdir()
                if f.is_file()} == written  # the reports as they were, not rewritten  # fmt: skip
        later = tmp_path / "later"
        shutil.copytree(batch, later)
        scan = next((later / "packets").rglob("*.jpg"))
        shutil.copy(scan, scan.with_name("rescan.jpg"))
        imported = subprocess.run([sys.executable, "-c", _IMPORT, str(later), "e2e"], env=client,
                                  capture_output=True, text=True, timeout=120)  # fmt: skip
        assert imported.returncode == 0, imported.stderr
        nightly_run()
        runs = intake_runs()
        assert len(runs) == 2 and runs[1]["parameters"]["kind"] == "nightly", runs
        _wait(api, runs[1]["id"], 600)
        stored = subprocess.run([sys.executable, "-c", _STORED, "e2e"], env=client,
                                capture_output=True, text=True, timeout=120)  # fmt: skip
        assert stored.stdout.partition("\n")[0].startswith("2 ")

        tree = {p: _started(p) for p in descendants(serve.pid)}
        assert len(tree) >= 2  # the server and the worker at least
    except BaseException:
        for log in (errs, data / "logs" / "prefect-server.log", data / "logs" / "worker.log"):
            if log.exists():
                print(f"---- {log.name}\n{log.read_text(encoding='utf-8', errors='replace')[-6000:]}")
        raise
    finally:
        t = time.perf_counter()
        serve.send_signal(signal.SIGTERM)
        try:
            code = serve.wait(timeout=120)
        except subprocess.TimeoutExpired:
            serve.kill()
            raise
        t_stop = time.perf_counter() - t
    assert code == 0, errs.read_text(encoding="utf-8", errors="replace")
    left = [p for p, started in tree.items() if started is not None and _started(p) == started]
    assert not left, f"left running after serve stopped: {left}"
    print(f"verify {t_verify:.1f} s; serve up {t_serve:.1f} s; submit to completed {t_run:.1f} s; "
          f"stop {t_stop:.1f} s")  # fmt: skip


# ---------------------------------------------------------------- two workers and faults

_SETUP = """
import sys
from pathlib import Path
import store
store.setup(migrate=True)
from pipelines.deployments import ensure_pool, register
ensure_pool(working_dir=Path(sys.argv[1]))
register(zombie_seconds=int(sys.argv[2]))
"""

_RUNS = """
import sys
import store
store.setup()
from store import models as m
for r in m.VerificationRun.objects.filter(intake__key=sys.argv[1]).order_by("pk"):
    print(r.state, r.flow_run_id, r.reason.replace(chr(10), " "))
"""

ZOMBIE_SECONDS = 90  # three heartbeats of 30 s (two gave a busy run for dead once, PrefectHQ/prefect#16459)


def _pages(cache: Path) -> dict[str, tuple[int, int]]:
    """Cached page readings by name → (inode, mtime): a page read again is written again."""
    return {p.name: (p.stat().st_ino, p.stat().st_mtime_ns)
            for p in cache.glob("page-*")} if cache.is_dir() else {}  # fmt: skip


def _kill_tree(pid: int) -> list[int]:
    """SIGKILL a process and everything below it, as a machine that loses power."""
    from pipelines.service import descendants

    pids = [pid, *descendants(pid)]
    for p in pids:
        try:
            os.kill(p, signal.SIGKILL)
        except ProcessLookupError:
            pass
    return pids


def server_env(env: dict[str, str], data: Path, store_url: str | None) -> tuple[int, str]:
    """Point `env` at a new Prefect server of its own (SQLite under the data root, a free
    port, workers polling every second) and the store at `store_url`; returns its port and
    API URL."""
    port = _free_port()
    api = f"http://127.0.0.1:{port}/api"
    env.update(CREDCHECK_DATA=str(data), PREFECT_HOME=str(data / "prefect"), PREFECT_API_URL=api,
               PREFECT_WORKER_QUERY_SECONDS="1", PREFECT_WORKER_PREFETCH_SECONDS="1",
               PREFECT_SERVER_DATABASE_CONNECTION_URL=f"sqlite+aiosqlite:///{data}/prefect/prefect.db",
               PREFECT_SERVER_ANALYTICS_ENABLED="false")  # fmt: skip
    if store_url:
        env["DATABASE_URL"] = store_url
    server_defaults(env)  # as `credcheck serve` starts it
    (data / "prefect").mkdir(parents=True)
    return port, api


def _stop(proc: subprocess.Popen, timeout: float = 60) -> None:
    """SIGTERM to the process's group (it was started in a session of its own), then wait."""
    if proc.poll() is not None:
        return
    try:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)
    except ProcessLookupError:
        pass


@pytest.fixture
def store_url():
    """The store for the end-to-end runs: a fresh PostgreSQL database when CREDCHECK_TEST_PG
    is set (dropped afterwards), else None (SQLite under the data root)."""
    base = os.environ.get("CREDCHECK_TEST_PG", "")
    if not base:
        yield None
        return
    import psycopg

    name = f"credcheck_e2e_{os.getpid()}_{int(time.time())}"
    with psycopg.connect(base, autocommit=True, connect_timeout=10) as c:
        c.execute(f'CREATE DATABASE "{name}"')
    try:
        yield base.rsplit("/", 1)[0] + "/" + name
    finally:
        with psycopg.connect(base, autocommit=True, connect_timeout=10) as c:
            c.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.mark.slow
def test_two_workers_a_server_restart_and_a_worker_killed_mid_intake(
    tmp_path: Path, store_url: str | None
) -> None:
    """A real `prefect server` (SQLite, temporary PREFECT_HOME) and two `credcheck worker`s.
    Work queued before a server restart is done after it; the worker running an intake is
    killed with everything below it (kill -9) while it reads pages: the server marks its run
    crashed (no heartbeat), `credcheck status` marks the store's run crashed and queues the
    intake again, the other worker verifies it without reading a cached page again, and the
    stored results are `credcheck verify`'s on the same batch. Then two intakes at once go to
    the two workers, one each, reading nothing (the cache is shared)."""
    from pipelines.service import descendants, wait_healthy
    from synth.batch import generate_batch

    py = [sys.executable, "-m", "pipelines.cli"]
    batch, data = tmp_path / "batch", tmp_path / "data"
    generate_batch(batch, applicants=3, seed=6, faults=["level_overclaim"], clean_share=0.5,
                   difficulties={"clean": 1.0})  # fmt: skip
    env = clean_env()
    ref_log = open(tmp_path / "ref.err", "wb")  # noqa: SIM115 - closed below
    ref = subprocess.Popen(  # meanwhile the server starts
        [*py, "verify", str(batch), "--out", str(tmp_path / "ref"), "--as-of", AS_OF, "--quiet"],
        env=env, stdout=subprocess.DEVNULL, stderr=ref_log,
    )  # fmt: skip

    port, api = server_env(env, data, store_url)
    logs: list[Path] = []

    def start(name: str, argv: list[str], **extra: str) -> subprocess.Popen:
        log = tmp_path / f"{name}.log"
        logs.append(log)
        with open(log, "ab") as out:
            return subprocess.Popen(argv, env={**env, **extra}, stdout=out,
                                    stderr=subprocess.STDOUT, start_new_session=True)  # fmt: skip

    def run(*argv: str, timeout: float = 300) -> subprocess.CompletedProcess:
        got = subprocess.run(argv, env={**env, "COLUMNS": "200"}, capture_output=True,
                             text=True, timeout=timeout)  # fmt: skip
        assert got.returncode == 0, got.stderr
        return got

    def server() -> subprocess.Popen:
        proc = start("server", [sys.executable, "-m", "prefect", "server", "start",
                                "--host", "127.0.0.1", "--port", str(port)])  # fmt: skip
        assert wait_healthy(api, 300), "the Prefect server did not start"
        return proc

    def state(flow_run: str) -> str:
        return _state(api, flow_run)

    procs: list[subprocess.Popen] = []
    try:
        procs.append(srv := server())
        run(sys.executable, "-c", _SETUP, str(data), str(ZOMBIE_SECONDS))
        first = run(*py, "submit", str(batch), "--intake", "kill", "--as-of", AS_OF).stdout.strip()

        # No worker yet: the run waits in the queue while the server restarts.
        _stop(srv)
        procs.append(srv := server())
        assert state(first) == "SCHEDULED"
        workers = {n: start(n, [*py, "worker", "--name", n], PREFECT_LOGGING_LEVEL="INFO")
                   for n in ("w1", "w2")}  # fmt: skip
        procs += workers.values()

        # Kill the worker reading the intake, with its flow run and OCR processes.
        deadline = time.monotonic() + 600
        while not (before := _pages(data / "cache")):
            assert state(first) in ("SCHEDULED", "PENDING", "RUNNING", "?"), state(first)
            assert time.monotonic() < deadline, "no page read in 600 s"
            time.sleep(0.2)
        flow_pid = int(_get(f"{api}/flow_runs/{first}")["infrastructure_pid"])
        (doomed,) = [n for n, w in workers.items() if flow_pid in descendants(w.pid)]
        killed = _kill_tree(workers[doomed].pid)
        workers[doomed].wait(timeout=30)
        before = _pages(data / "cache")  # what finished before the kill
        # Right after the kill Prefect still thinks it runs (read now: waiting for the
        # reference run below may outlast the silence window on a busy machine).
        assert state(first) == "RUNNING"
        assert ref.wait(timeout=900) == 0, (tmp_path / "ref.err").read_text()
        reference = (tmp_path / "ref" / "results.json").read_text(encoding="utf-8")
        every_page = len(_pages(tmp_path / "ref" / ".credcheck" / "cache"))
        assert 0 < len(before) < every_page, (len(before), every_page)

        # The server notices the silence; status marks the store's run and queues it again.
        deadline = time.monotonic() + ZOMBIE_SECONDS + 240
        while state(first) != "CRASHED":
            assert time.monotonic() < deadline, f"still {state(first)}"
            time.sleep(2)
        status = run(*py, "status")
        assert "requeued: kill" in status.stderr, status.stderr
        stored = run(sys.executable, "-c", _RUNS, "kill").stdout.splitlines()
        assert stored[0].startswith(f"crashed {first} "), stored  # no longer "running"
        dep = _get(f"{api}/deployments/name/verify-intake/verify-intake")
        again = [r["id"] for r in _get(f"{api}/flow_runs/filter",
                                       {"deployments": {"id": {"any_": [dep["id"]]}}})
                 if r["id"] != first]  # fmt: skip
        assert len(again) == 1
        _wait(api, again[0], 900)
        stored = run(sys.executable, "-c", _RUNS, "kill").stdout.splitlines()
        assert [r.split()[:2] for r in stored] == [["crashed", first], ["completed", again[0]]]

        # The other worker read a share of the intake meanwhile (verify-intake's fan-out).
        parts = _get(f"{api}/deployments/name/read-packets/read-packets")
        shared = _get(f"{api}/flow_runs/filter", {"deployments": {"id": {"any_": [parts["id"]]}}})
        assert any(r["parameters"]["intake"] == "kill" and r["state"]["type"] == "COMPLETED"
                   for r in shared), shared  # fmt: skip

        # Nothing read twice; the results are a clean run's.
        after = _pages(data / "cache")
        assert {k: after.get(k) for k in before} == before  # the same files, not rewritten
        assert len(after) >= every_page
        got = run(sys.executable, "-c", _STORED, "kill").stdout
        head, _, results = got.partition("\n")
        assert head == f"2 {again[0]}" and results == reference
        assert (data / "intakes" / "kill" / "report" / "results.json").read_text(
            encoding="utf-8") == reference  # fmt: skip
        assert not [p for p in killed if _started(p)], "a killed process lives on"

        # Two intakes at once, on two workers: one each, nothing read again.
        (survivor,) = [n for n in workers if n != doomed]
        workers[doomed] = start(doomed + "b", [*py, "worker", "--name", doomed + "b"],
                                PREFECT_LOGGING_LEVEL="INFO")  # fmt: skip
        procs.append(workers[doomed])
        ids = [run(*py, "submit", str(batch), "--intake", k, "--as-of", AS_OF).stdout.strip()
               for k in ("both-1", "both-2")]  # fmt: skip
        for i in ids:
            _wait(api, i, 900)
        assert _pages(data / "cache") == after
        for k in ("both-1", "both-2"):
            results = run(sys.executable, "-c", _STORED, k).stdout.partition("\n")[2]
            assert results == reference
        # A run's own log ("View at …/flow-run/ID") is in its worker's output; both workers
        # may try to take a run, and the server lets one (the other's is aborted).
        took = {n: [i for i in ids
                    if f"flow-run/{i}" in (tmp_path / f"{n}.log").read_text(errors="replace")]
                for n in (survivor, doomed + "b")}  # fmt: skip
        assert sorted(map(len, took.values())) == [1, 1], took
    except BaseException:
        for log in logs:
            if log.exists():
                print(f"---- {log.name}\n{log.read_text(encoding='utf-8', errors='replace')[-5000:]}")
        raise
    finally:
        ref.kill() if ref.poll() is None else None
        ref_log.close()
        for p in reversed(procs):
            _stop(p, timeout=10)  # a worker waits long for its loops; its runs are over


@pytest.mark.store
@pytest.mark.django_db
def test_the_demo_batch_is_stored_as_an_intake_with_its_run(tmp_path: Path, monkeypatch) -> None:
    """`credcheck demo` leaves its batch in the store as intake "demo", with the run's results
    and reports, so `credcheck serve` shows it in the queue at once."""
    from models.results import ApplicantResult, Results, Status
    from pipelines.cli import _demo_into_store
    from store import models as m
    from store.dataroot import DataRoot

    monkeypatch.setenv("CREDCHECK_DATA", str(tmp_path / "data"))  # not made yet: demo makes it
    src = _batch(tmp_path / "in")
    result = tmp_path / "result"
    result.mkdir()
    (result / "report.html").write_text("<html>报告</html>", encoding="utf-8")
    results = Results(applicants=[
        ApplicantResult(applicant_id=a, program="新疆工匠", name=n, status=Status.clear)
        for a, n in (("XJ-1", "张三"), ("XJ-2", "李四"))
    ])  # fmt: skip
    _demo_into_store(src, result, results, "2025-09-30")
    intake = m.Intake.objects.get(key="demo")
    run = m.VerificationRun.objects.get(intake=intake)
    assert run.state == m.VerificationRun.State.COMPLETED
    assert sorted(m.ApplicantResult.objects.filter(run=run).values_list("applicant__applicant_id", flat=True)) == [
        "XJ-1", "XJ-2"]  # fmt: skip
    report = DataRoot(tmp_path / "data").intake_dir("demo") / "report" / "report.html"
    assert report.read_text(encoding="utf-8") == "<html>报告</html>"


def test_a_sqlite_prefect_server_records_no_task_runs_or_events_unless_told() -> None:
    env = {"PREFECT_SERVER_DATABASE_CONNECTION_URL": "sqlite+aiosqlite:////x/prefect.db"}
    server_defaults(env)
    assert env["PREFECT_SERVER_SERVICES_TASK_RUN_RECORDER_ENABLED"] == "false"
    assert env["PREFECT_SERVER_SERVICES_EVENT_PERSISTER_ENABLED"] == "false"
    pg = {"PREFECT_SERVER_DATABASE_CONNECTION_URL": "postgresql+asyncpg://h/prefect"}
    server_defaults(pg)
    assert len(pg) == 1
    told = {"PREFECT_SERVER_SERVICES_TASK_RUN_RECORDER_ENABLED": "true"}  # SQLite by default
    server_defaults(told)
    assert told["PREFECT_SERVER_SERVICES_TASK_RUN_RECORDER_ENABLED"] == "true"
    assert told["PREFECT_SERVER_SERVICES_EVENT_PERSISTER_ENABLED"] == "false"
