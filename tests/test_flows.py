"""What the Prefect wiring does when a task fails for a reason that is not the file's."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from extractors.reconcile import second_opinion
from models.document import DocType, DocumentReading, Evidence, ExtractedField
from models.evidence import PageReading
from models.exceptions import CorruptFile, OcrEngineUnavailable, OcrTimeout, ProcessingFailed
from pipelines import stages
from pipelines.flows import STATE_DIR, _page_key, _result, uncache_page


class _Done:
    """A finished task's future: .result() returns or raises what the task ended with."""

    def __init__(self, value=None, exc: BaseException | None = None):
        self.value, self.exc = value, exc

    def result(self):
        if self.exc is not None:
            raise self.exc
        return self.value


def _never():
    raise AssertionError("must not be called")


def test_a_task_value_is_returned() -> None:
    assert _result(_Done("info"), _never) == "info"


def test_a_typed_error_is_the_file_s_and_is_not_done_again() -> None:
    err = CorruptFile("truncated", file="a.jpg")
    assert _result(_Done(exc=err), _never) is err


def test_a_runner_failure_is_done_again_outside_prefect() -> None:
    # e.g. Prefect's API timing out under load: the file is fine, the second try reads it.
    calls = []

    def again():
        calls.append(1)
        return "read"

    assert _result(_Done(exc=RuntimeError("API timed out")), again) == "read"
    assert calls == [1]


def test_a_second_failure_is_ours_not_the_file_s(caplog: pytest.LogCaptureFixture) -> None:
    def again():
        raise KeyError("bug")

    got = _result(_Done(exc=RuntimeError("API timed out")), again)
    assert isinstance(got, ProcessingFailed)
    assert "KeyError" in got.detail
    assert "程序内部出错" in got.reason_zh and "恶意" not in got.reason_zh


def test_a_typed_error_from_the_second_try_is_kept() -> None:
    err = CorruptFile("truncated")

    def again():
        raise err

    assert _result(_Done(exc=RuntimeError("x")), again) is err


def _page_with_second_opinion(error: Exception) -> PageReading:
    """A page whose cert_no went through the real second opinion, tesseract raising `error`."""
    ev = Evidence(file="packets/A/x.jpg", page=1, bbox=(10, 10, 200, 40))
    f = ExtractedField(key="cert_no", value="Y000065000001212000123",
                       raw="Y000065000001212000123", confidence=0.9, evidence=ev)  # fmt: skip

    def tesseract(crop, whitelist=None):
        raise error

    fields = {"cert_no": f}
    second_opinion(fields, np.full((100, 300, 3), 255, np.uint8), tesseract)
    doc = DocumentReading(file=ev.file, page=1, doc_type=DocType.skill_certificate, fields=fields)
    return PageReading(file=ev.file, page=1, documents=[doc])


def test_a_page_whose_re_read_timed_out_is_read_again_next_run(tmp_path) -> None:
    from prefect.settings import PREFECT_LOCAL_STORAGE_PATH, temporary_settings  # after flows

    assert stages.read_in_a_hurry(_page_with_second_opinion(OcrTimeout("5 s")))
    # tesseract missing or broken is no hurry: caching the page is right
    assert not stages.read_in_a_hurry(_page_with_second_opinion(OcrEngineUnavailable("gone")))
    fp = stages.FilePlan(rel="packets/A/x.jpg", path=tmp_path / "x.jpg", sha256="ab" * 32)
    cache = tmp_path / "out" / STATE_DIR / "cache"
    cache.mkdir(parents=True)
    # Prefect names a cached result by its cache key (test_verify_e2e checks it on a real run)
    page2 = cache / _page_key(None, {"fp": fp, "page": 2})
    page1 = cache / _page_key(None, {"fp": fp, "page": 1})
    page1.write_text("cached"), page2.write_text("cached")
    with temporary_settings({PREFECT_LOCAL_STORAGE_PATH: str(cache)}):
        uncache_page(fp, 2)
    assert page1.exists() and not page2.exists()


@pytest.mark.slow
def test_two_verifications_run_in_one_process_apart(tmp_path) -> None:
    """Each run keeps its own options, reader pool and waves (no module state): two runs of
    one batch at once, with different worker counts, one on Prefect's tasks and one plain
    (a local run's default), give the same bytes and lose no page."""
    import threading
    from datetime import date

    from pipelines.flows import verify_batch
    from synth.batch import generate_batch

    batch = tmp_path / "batch"
    truth = generate_batch(batch, applicants=2, seed=5, faults=["level_overclaim"],
                           clean_share=0.5, difficulties={"clean": 1.0})  # fmt: skip
    outs = {1: tmp_path / "out1", 2: tmp_path / "out2"}
    errors: list[BaseException] = []

    def verify(workers: int) -> None:
        try:
            verify_batch(batch, outs[workers], workers=workers, as_of=date(2025, 9, 30),
                         plain=None if workers == 2 else False)  # fmt: skip
        except BaseException as e:  # noqa: BLE001 - reported by the assertion below
            errors.append(e)

    threads = [threading.Thread(target=verify, args=(w,)) for w in outs]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=900)
    assert not errors, errors
    # One temporary Prefect server for the process (the tasks' run's; the plain run starts
    # none), not one per run (the lost one outlived us).
    servers = [p for p in Path("/proc").glob("[0-9]*") if _child_uvicorn(p)]
    assert len(servers) == 1, servers
    first, second = ((outs[w] / "results.json").read_text("utf-8") for w in outs)
    assert first == second
    results = json.loads(first)
    ids = {a["applicant_id"] for a in truth.to_dict()["applicants"]}
    assert {a["applicant_id"] for a in results["applicants"]} == ids
    # A task that lost its run (its pool closed by the other run) ends as our own error.
    assert ProcessingFailed.code not in first and OcrEngineUnavailable.code not in first
    assert all(a["documents"] for a in results["applicants"])


def _child_uvicorn(proc) -> bool:
    import os

    try:
        stat = (proc / "stat").read_text()
        cmd = (proc / "cmdline").read_bytes()
    except OSError:
        return False
    ppid = int(stat.rsplit(")", 1)[1].split()[1])
    return ppid == os.getpid() and b"uvicorn" in cmd


def test_waves_are_as_even_as_their_bound_allows() -> None:
    from pipelines.flows import WAVE, _waves

    for n in (0, 1, WAVE, WAVE + 1, WAVE + 3, 2 * WAVE + 1, 5 * WAVE):
        sizes = [len(w) for w in _waves(list(range(n)))]
        assert sum(sizes) == n and all(s <= WAVE for s in sizes)
        assert not sizes or max(sizes) - min(sizes) <= 1, (n, sizes)
    assert [w[0] for w in _waves(list(range(WAVE + 3)))] == [0, WAVE // 2 + 2]  # order kept


@pytest.mark.slow
def test_a_part_read_for_an_intake_writes_no_report_and_leaves_its_pages_cached(
    tmp_path,
) -> None:
    """verify-intake's parts (reading_only, plain as in a deployment): the far end's helper
    (backwards) reads and takes the second looks from the far end, the front's part finds
    them done, neither writes a report; the intake's own run then reads nothing again, on
    the server without Prefect's tasks (plain), and writes the reports."""
    from datetime import UTC, date, datetime

    from prefect import flow
    from prefect.client.orchestration import get_client

    from pipelines.flows import verify_batch
    from synth.batch import generate_batch

    batch = tmp_path / "batch"
    generate_batch(batch, applicants=2, seed=7, faults=["level_overclaim"], clean_share=0.5,
                   difficulties={"clean": 1.0})  # fmt: skip
    cache, day = tmp_path / "cache", date(2025, 9, 30)
    back = verify_batch(batch, tmp_path / "back", as_of=day, cache_dir=cache,
                        reading_only=True, backwards=True, plain=True)  # fmt: skip
    looked = sorted(p.name for p in cache.iterdir())
    assert any(n.startswith("page-") for n in looked)
    assert any(n.startswith("look-") for n in looked)
    for n in looked:  # the front's part, offline (every page cached), takes them again
        if n.startswith("look-"):
            (cache / n).unlink()
    part = verify_batch(batch, tmp_path / "part", as_of=day, cache_dir=cache, reading_only=True,
                        plain=True)  # fmt: skip
    for got in (back, part):
        assert [f.code.value for a in got.applicants for f in a.flags] == ["LEVEL_OVERCLAIM"]
        assert not got.duplicates  # the cross-applicant checks are the intake's run's
    for out in ("back", "part"):
        assert not [p for p in (tmp_path / out).iterdir() if p.name != STATE_DIR]
        assert not (tmp_path / out / STATE_DIR / "crops").exists()
    assert sorted(p.name for p in cache.iterdir()) == looked  # no page again; the looks kept

    @flow(name="an-intake-after-its-parts")
    def intake_run() -> None:
        verify_batch(batch, tmp_path / "whole", as_of=day, cache_dir=cache, plain=True)

    since = datetime.now(UTC)
    intake_run()
    assert sorted(p.name for p in cache.iterdir()) == looked  # nothing read again
    with get_client(sync_client=True) as client:  # the flow runs since (this process's server)
        flows = {f.id: f.name for f in client.read_flows()}
        ran = [flows[r.flow_id] for r in client.read_flow_runs() if r.created >= since]
    assert ran == ["an-intake-after-its-parts"]  # no credcheck-verify, no read-pages
    results = json.loads((tmp_path / "whole" / "results.json").read_text("utf-8"))
    assert (tmp_path / "whole" / "report.html").is_file()
    flagged = [a for a in results["applicants"] if a["flags"]]
    assert [f["code"] for a in flagged for f in a["flags"]] == ["LEVEL_OVERCLAIM"]


@pytest.mark.slow
def test_a_plain_run_reads_as_the_tasks_do_without_a_task_run(tmp_path) -> None:
    """A deployment's run (plain): the pages read side by side on its readers, no subflow or
    task run on the server, the same results as the tasks' run, and a cache either reads
    from the other's (the same records under the same keys)."""
    from datetime import UTC, date, datetime

    from prefect import flow
    from prefect.client.orchestration import get_client

    from pipelines.flows import verify_batch
    from synth.batch import generate_batch

    batch = tmp_path / "batch"
    generate_batch(batch, applicants=3, seed=11, faults=["name_mismatch"], clean_share=0.6,
                   difficulties={"clean": 1.0})  # fmt: skip
    day = date(2025, 9, 30)
    verify_batch(batch, tmp_path / "tasks", as_of=day, workers=2, plain=False)
    tasks_cache = tmp_path / "tasks" / STATE_DIR / "cache"

    @flow(name="a-deployment-run")
    def deployed() -> None:
        verify_batch(batch, tmp_path / "plain", as_of=day, cache_dir=tmp_path / "cache",
                     workers=2, plain=True)  # fmt: skip

    since = datetime.now(UTC)
    deployed()
    with get_client(sync_client=True) as client:
        flows = {f.id: f.name for f in client.read_flows()}
        ran = [flows[r.flow_id] for r in client.read_flow_runs() if r.created >= since]
    assert ran == ["a-deployment-run"]  # nothing per wave, file or page
    plain = (tmp_path / "plain" / "results.json").read_text("utf-8")
    assert plain == (tmp_path / "tasks" / "results.json").read_text("utf-8")
    got = sorted(p.name for p in (tmp_path / "cache").iterdir())
    assert [n for n in got if n.startswith("page-")] == sorted(
        p.name for p in tasks_cache.iterdir() if p.name.startswith("page-"))  # fmt: skip
    assert any(n.startswith("page-") for n in got)
    # The tasks' run over the plain run's cache reads nothing again, and the other way round.
    before = {p.name: p.stat().st_mtime_ns for p in (tmp_path / "cache").iterdir()}
    verify_batch(batch, tmp_path / "again", as_of=day, cache_dir=tmp_path / "cache",
                 plain=False)  # fmt: skip
    assert {p.name: p.stat().st_mtime_ns for p in (tmp_path / "cache").iterdir()} == before
    assert (tmp_path / "again" / "results.json").read_text("utf-8") == plain


@pytest.mark.parametrize("plain", [True, False], ids=["plain", "prefect tasks"])
def test_a_verify_run_opens_every_file_in_kept_sandbox_children(tmp_path, monkeypatch, plain):
    """Inspection, reading and the report's crops all go to the run's kept sandbox children,
    in the run's own threads and in Prefect's: no fork of the run's large process per file
    or page (extractors/sandbox.py)."""
    from datetime import date

    import extractors.sandbox as sandbox
    from pipelines.flows import verify_batch
    from synth.batch import generate_batch

    forked, kept = [], []
    supervise, start = sandbox._supervise, sandbox._Kept.__init__

    def fork_per_call(fn, *args, **kw):  # type: ignore[no-untyped-def]
        forked.append(getattr(fn, "__name__", repr(fn)))
        return supervise(fn, *args, **kw)

    def kept_start(self, *args, **kw):  # type: ignore[no-untyped-def]
        kept.append(1)
        start(self, *args, **kw)

    monkeypatch.setattr(sandbox, "_supervise", fork_per_call)
    monkeypatch.setattr(sandbox._Kept, "__init__", kept_start)
    batch = tmp_path / "batch"
    generate_batch(batch, applicants=2, seed=7, faults=["level_overclaim"], clean_share=0.5,
                   difficulties={"clean": 1.0})  # fmt: skip
    calls = []
    messages = sandbox.KeptChildren.messages

    def counted(self, *args, **kw):  # type: ignore[no-untyped-def]
        calls.append(1)
        return messages(self, *args, **kw)

    monkeypatch.setattr(sandbox.KeptChildren, "messages", counted)
    got = verify_batch(batch, tmp_path / "out", workers=2, as_of=date(2025, 9, 30), plain=plain)
    assert [f.code.value for a in got.applicants for f in a.flags] == ["LEVEL_OVERCLAIM"]
    html = (tmp_path / "out" / "report.html").read_text("utf-8")
    assert "data:image/png;base64," in html  # the flag's evidence crop, from a kept child
    assert forked == []
    files = len([p for p in (batch / "packets").rglob("*") if p.is_file()])
    assert len(calls) > 2 * files  # each file inspected, each page read, the crop's page
    assert 1 <= len(kept) <= 4  # a child for each thread at once, not one per call
