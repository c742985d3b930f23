"""Prefect 3 wiring of the verify stages (pipelines/stages/ holds the work itself).

verify_flow: plan → inspect each file (task, cached by content hash) → read each page (task,
cached by content hash + page + reader version, retried once on engine failure) → assess
each applicant (task) → results.json, report.html, report.xlsx (atomic writes). Tasks run in
waves of WAVE, each a subflow (Prefect's per-task memory is freed when a flow ends). Given an
applicant (verify-packet), the same stages run for that applicant alone: only that packet
is inspected and read, and the cross-applicant checks meet no one else.

Settings (pipelines/prefect_env.py) follow ../shared/spec/stack.md: with no PREFECT_API_URL
the run starts Prefect's
temporary server on an in-memory SQLite database (a file database stalls under concurrent
task writes), which records neither events nor task runs (its memory stays flat over a long
batch); heartbeats are off for these local runs; logs are quiet. Cached page readings
live under OUT_DIR/.credcheck/cache (PREFECT_LOCAL_STORAGE_PATH), so a re-run of an unchanged
batch, or a run after kill -9, reads nothing again.

In a deployment (`plain`) the same body runs as plain functions, side by side in a thread
pool, each result kept in the same cache as its task would keep it: there the flow run is
Prefect's unit of work (queued, retried, cached by state), and a task run per file, page and
applicant was only traffic every worker made on its way to the shared server. A local run
with no server to record on (`credcheck verify` without PREFECT_API_URL) runs the same way:
a temporary server took 8-16 s to start, and its in-memory database, all it recorded, went
with the process.
"""

from __future__ import annotations

# Prefect reads its settings at import: ours are set first.
import pipelines.prefect_env  # noqa: F401  # isort: skip

import fcntl
import functools
import hashlib
import itertools
import json
import logging
import os
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import CancelledError, Future, ThreadPoolExecutor
from concurrent.futures import as_completed as completed_futures
from contextlib import contextmanager
from contextvars import ContextVar, copy_context
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from prefect import flow, task
from prefect.exceptions import CancelledRun
from prefect.futures import as_completed
from prefect.settings import (
    PREFECT_FLOWS_HEARTBEAT_FREQUENCY,
    PREFECT_LOCAL_STORAGE_PATH,
    temporary_settings,
)
from prefect.task_runners import ThreadPoolTaskRunner

from extractors.declared import find_declared
from extractors.read import READER_VERSION, ReadOptions
from extractors.sandbox import kept_children
from models.evidence import FileInfo, PacketFile, PageReading
from models.exceptions import (
    CredcheckError,
    OcrEngineError,
    ProcessingFailed,
    ReaderCrashed,
    ReaderTimeout,
    UnreadableDocument,
    UsageError,
)
from models.results import Results
from pipelines import stages
from pipelines.pagestore import PageStore

log = logging.getLogger(__name__)

Progress = Callable[[str, int, int], None]  # (stage, done, total)


@dataclass
class Run:
    """The state of one verification: its read options, its pool of readers, and the inputs
    of the waves under way. Its tasks find it in `_RUN`, a context variable that Prefect's
    thread-pool runner copies into every task, so runs in one process keep apart."""

    options: ReadOptions
    pool: stages.ReaderPool
    waves: dict[str, tuple] = field(default_factory=dict)
    wave_no: Iterator[int] = field(default_factory=itertools.count)
    # Every file's inspection and page's reading is cached, and no server runs (_cached), or
    # a deployment's run (plain): the flow's body runs as plain functions over the cache.
    offline: bool = False
    plan: stages.BatchPlan | None = None  # planned before the flow (to see what is cached)
    # Offline with work to do (a deployment's plain run): the stages side by side.
    executor: ThreadPoolExecutor | None = None


_RUN: ContextVar[Run | None] = ContextVar("credcheck_run", default=None)


def _run() -> Run:
    run = _RUN.get()
    assert run is not None, "tasks run inside verify_batch"
    return run


def _options_key(options: ReadOptions) -> str:
    # What changes a reading; threads, timeouts and process isolation do not.
    keep = {"engine", "second_opinion", "engine_max_side"}
    blob = json.dumps(options.model_dump(mode="json", include=keep), sort_keys=True)
    return hashlib.sha256(f"{READER_VERSION}:{blob}".encode()).hexdigest()[:16]


def _inspect_key(_ctx: Any, params: dict[str, Any]) -> str | None:
    fp: stages.FilePlan = params["fp"]
    if not fp.sha256:
        return None
    # A refusal's detail names the suffix ("file named '.pdf' is actually …").
    suffix = hashlib.sha256(Path(fp.rel).suffix.lower().encode()).hexdigest()[:8]
    return f"inspect-{fp.sha256}-{suffix}-{READER_VERSION}"


def _page_key(_ctx: Any, params: dict[str, Any]) -> str | None:
    fp: stages.FilePlan = params["fp"]
    if not fp.sha256:
        return None
    run = _RUN.get()  # outside a run (uncache_page from a tool): the default options
    options = run.options if run is not None else ReadOptions()
    return f"page-{fp.sha256}-{params['page']}-{_options_key(options)}"


def _look_key(_ctx: Any, params: dict[str, Any]) -> str | None:
    key = _page_key(_ctx, params)
    return None if key is None else f"look-{key}"  # the page's skipped second opinions taken


def uncache_page(fp: stages.FilePlan, page: int, *, look: bool = False) -> None:
    """Drop a page's cached reading (a file named by its cache key in Prefect's local result
    storage, OUT/.credcheck/cache in a verify run), so the next run reads the page again;
    with `look`, its second look."""
    key = (_look_key if look else _page_key)(None, {"fp": fp, "page": page})
    if key is not None:
        (Path(PREFECT_LOCAL_STORAGE_PATH.value()) / key).unlink(missing_ok=True)


# Results are kept on disk only: Prefect's in-memory copy of the last 1,000 task results held
# ~17 MB of page readings in the verify process (tracemalloc on a cached 200-applicant run:
# +10.3 MB over 620 pages from ResultStore reads), which the waves wait for in a PageStore.
@task(
    name="inspect-file",
    cache_key_fn=_inspect_key,
    persist_result=True,
    cache_result_in_memory=False,
)
def inspect_task(fp: stages.FilePlan, batch_dir: str) -> FileInfo:
    return stages.inspect_file(fp, Path(batch_dir))


@task(
    name="read-page",
    cache_key_fn=_page_key,
    persist_result=True,
    cache_result_in_memory=False,
    retries=1,  # an engine crash or timeout restarts the worker; one more try, then a flag
    retry_delay_seconds=0,
)
def read_page_task(
    fp: stages.FilePlan, page: int, batch_dir: str
) -> PageReading | UnreadableDocument:
    try:
        return _read_page(fp, page, batch_dir)
    except (ReaderTimeout, ReaderCrashed):
        raise  # may pass on another try (a busy machine): retried, never cached
    except UnreadableDocument as e:
        return e  # a property of the bytes: cached, not retried, no traceback in the log


def _read_page(fp: stages.FilePlan, page: int, batch_dir: str) -> PageReading:
    with _run().pool.reader() as reader:
        return stages.read_page(reader, fp, page, Path(batch_dir))


@task(
    name="second-look",
    cache_key_fn=_look_key,
    persist_result=True,
    cache_result_in_memory=False,
    retries=1,
    retry_delay_seconds=0,
)
def look_task(fp: stages.FilePlan, page: int, batch_dir: str, reading: PageReading) -> PageReading:
    return _look(fp, page, batch_dir, reading)


def _look(fp: stages.FilePlan, page: int, batch_dir: str, reading: PageReading) -> PageReading:
    with _run().pool.reader() as reader:
        return stages.second_look(reader, fp, page, Path(batch_dir), reading)


@task(name="assess-applicant")
def assess_task(plan: stages.ApplicantPlan, files: list[PacketFile], as_of: date) -> Any:
    return stages.assess(plan, files, as_of)


def _result(fut: Any, again: Callable[[], Any]) -> Any:
    """A task's value, or the CredcheckError it ended with.

    A task that failed otherwise (Prefect's own machinery under load, or a bug) is done once
    more by `again`, the plain stage call outside Prefect: a hiccup of the runner must not
    become an UNREADABLE_DOCUMENT flag on a good file. If that fails too, ProcessingFailed
    says it was our fault; it is not cached, so the next run tries again.
    """
    try:
        return fut.result()
    except CredcheckError as e:
        return e
    except (CancelledError, CancelledRun):
        raise  # the run is being stopped: nothing to do again
    except Exception as e:  # noqa: BLE001 - one failed task must not lose the batch
        log.warning("task failed (%s: %s); doing it again outside Prefect", type(e).__name__, e)
    try:
        return again()
    except CredcheckError as e:
        return e
    except Exception as e:  # noqa: BLE001
        log.exception("task failed twice")
        return ProcessingFailed(f"{type(e).__name__}: {e}")


class _FromCache:
    """A task's future when the run is offline: its cached result (Prefect's own record,
    read from its result storage), or the stage done here when it is not cached, and kept
    there as the task would have kept it (a second look no earlier run took)."""

    def __init__(self, t: Any, args: tuple) -> None:
        self.t, self.args = t, args

    def result(self) -> Any:
        from prefect.filesystems import LocalFileSystem
        from prefect.results import ResultRecord, ResultStore

        params = dict(zip(("fp", "page"), self.args, strict=False))
        key = self.t.cache_key_fn(None, params) if self.t.cache_key_fn else None
        storage = Path(PREFECT_LOCAL_STORAGE_PATH.value())
        if key is not None and (storage / key).is_file():
            return ResultRecord.deserialize((storage / key).read_bytes()).result
        for tries_left in range(self.t.retries or 0, -1, -1):
            try:
                got = self.t.fn(*self.args)
                break
            except (ReaderTimeout, ReaderCrashed):  # as the task retries them: never cached
                if not tries_left:
                    raise
        if key is not None:
            try:
                store = ResultStore(result_storage=LocalFileSystem(basepath=str(storage)))
                store.write(got, key=key)
            except Exception:  # noqa: BLE001 - an unwritable cache costs the next run a look
                log.warning("could not keep %s in the cache", key, exc_info=True)
        return got


def _submit(t: Any, *args: Any) -> Any:
    run = _run()
    if not run.offline:
        return t.submit(*args)
    job = _FromCache(t, args)
    if run.executor is None:
        return job  # done when asked, in order
    return run.executor.submit(copy_context().run, job.result)  # the run's context with it


def _as_done(futs: list[Any]) -> Iterator[Any]:
    """The futures as they end: Prefect's, the thread pool's, or in order (from the cache)."""
    if not futs or isinstance(futs[0], _FromCache):
        return iter(futs)
    if isinstance(futs[0], Future):
        return completed_futures(futs)
    return as_completed(futs)


# Prefect keeps every task's state and result until its flow ends (PrefectHQ/prefect#12668):
# with one flow the verify process grew ~30 KB a page over the first 822 pages of a
# 3,817-page batch (bench/memory.py). Pages, files and applicants therefore run in waves, each
# a subflow whose bookkeeping goes when it returns (bench/prefect_waves.py: 26.5 MB per 1,000
# tasks in one flow, 1.6 MB in waves).
# A subflow's parameters go to the Prefect API as JSON (file names need not be UTF-8, and a
# wave's plans are large), so each wave is handed over by a key into its run's `waves`.
WAVE = 200


def _waves(items: list, size: int = WAVE) -> Iterator[list]:
    """At most `size` items a wave, the waves as even as can be: a wave ends when its slowest
    page does, so 203 pages as 200 + 3 kept a worker idle twice where 102 + 101 do once."""
    count = -(-len(items) // size)
    even = -(-len(items) // count) if count else size
    for i in range(0, len(items), even):
        yield items[i : i + even]


def _run_waves(sub: Any, name: str, items: list, *rest: Any) -> list[Any]:
    """`sub` over `items` in waves, the results in order; `rest` goes to every wave."""
    return [got for _, results in _each_wave(sub, name, items, *rest) for got in results]


def _each_wave(sub: Any, name: str, items: list, *rest: Any) -> Iterator[tuple[list, list]]:
    """(wave's items, their results) for each wave: a caller can put a wave away before the
    next one runs."""
    for wave in _waves(items):
        yield wave, _run_wave(sub, name, wave, *rest)


def _run_wave(sub: Any, name: str, *args: Any) -> list[Any]:
    run = _run()
    key = f"{name}-{next(run.wave_no)}"
    run.waves[key] = args
    try:
        if run.offline:
            return sub.fn(key)
        runner = ThreadPoolTaskRunner(max_workers=run.pool.size)
        return sub.with_options(task_runner=runner)(key)
    finally:
        del run.waves[key]


@flow(name="credcheck-inspect-files", validate_parameters=False, log_prints=False)
def inspect_wave(key: str) -> list[Any]:
    fps, batch_dir = _run().waves[key]
    futs = [_submit(inspect_task, fp, batch_dir) for fp in fps]
    return [
        _result(f, functools.partial(stages.inspect_file, fp, Path(batch_dir)))
        for fp, f in zip(fps, futs, strict=True)
    ]


@flow(name="credcheck-read-pages", validate_parameters=False, log_prints=False)
def read_wave(key: str) -> list[Any]:
    jobs, batch_dir, tick = _run().waves[key]
    futs = [_submit(read_page_task, fp, k, batch_dir) for fp, k in jobs]
    for _ in _as_done(futs):
        tick()
    return [
        _result(f, functools.partial(_read_page, fp, k, batch_dir))
        for (fp, k), f in zip(jobs, futs, strict=True)
    ]


@flow(name="credcheck-second-looks", validate_parameters=False, log_prints=False)
def look_wave(key: str) -> list[Any]:
    jobs, batch_dir = _run().waves[key]
    futs = [_submit(look_task, fp, k, batch_dir, r) for fp, k, r in jobs]
    return [
        _result(f, functools.partial(_look, fp, k, batch_dir, r))
        for (fp, k, r), f in zip(jobs, futs, strict=True)
    ]


@flow(name="credcheck-assess", validate_parameters=False, log_prints=False)
def assess_wave(key: str) -> list[Any]:
    aps, files, as_of = _run().waves[key]
    futs = [_submit(assess_task, ap, files[ap.applicant.applicant_id], as_of) for ap in aps]
    out = []
    for ap, fut in zip(aps, futs, strict=True):
        try:
            out.append(fut.result())
        except Exception as e:  # noqa: BLE001 - a bug on one applicant must not lose the batch
            log.exception("assessment failed for %s", ap.applicant.applicant_id)
            out.append(stages.assessment_failed(ap, e))
    return out


@flow(name="credcheck-verify", validate_parameters=False, log_prints=False)
def verify_flow(
    batch_dir: str,
    out_dir: str,
    as_of: str,
    progress: Progress | None = None,
    history: str | None = None,
    applicant: str | None = None,
    reading_only: bool = False,
    backwards: bool = False,
) -> Results:
    batch = Path(batch_dir)
    run = _RUN.get()
    plan = run.plan if run is not None and run.plan is not None else stages.plan_batch(batch)
    if applicant is not None:
        plan = stages.only_applicant(plan, applicant)
    tick = progress or (lambda *_: None)

    inspected = _run_waves(inspect_wave, "inspect", plan.files, batch_dir)
    infos: dict[str, FileInfo] = {}
    for fp, got in zip(plan.files, inspected, strict=True):
        if isinstance(got, FileInfo):
            got = got.model_copy(update={"file": fp.rel})  # cached by content, as pages are
        infos[fp.rel] = got if isinstance(got, FileInfo) else stages.refused(
            FileInfo(file=fp.rel, sha256=fp.sha256, size=fp.size), got
        )  # fmt: skip
    del inspected  # infos holds its own copies; these lived to the end of the run

    jobs = []
    for ap in plan.applicants:
        wanted = stages.pages_to_read(ap, infos)
        jobs += [(fp, k) for fp in ap.files for k in wanted.get(fp.rel, [])]
    if backwards:  # another worker reads these from the front: each page read once
        jobs.reverse()
    tick("read", 0, len(jobs))
    done = 0

    def page_done() -> None:
        nonlocal done
        done += 1
        tick("read", done, len(jobs))

    # Readings wait for the cross-applicant checks pickled, not as objects (PageStore).
    pages = PageStore()
    for wave, got_wave in _each_wave(read_wave, "read", jobs, batch_dir, page_done):
        for (fp, k), got in zip(wave, got_wave, strict=True):
            key = (fp.rel, k)
            if isinstance(got, PageReading):
                if stages.read_in_a_hurry(got):
                    uncache_page(fp, k)
                got = stages.relabel(got, key[0])  # cached by content: maybe another's name
            elif not isinstance(got, CredcheckError):
                got = OcrEngineError(f"unexpected result {type(got).__name__}")
            pages.put(key, got)
        del got_wave  # the wave's objects go before the next wave runs, not after

    day = date.fromisoformat(as_of)
    files = stages.PacketFilesView(plan, infos, pages)  # built per applicant when asked
    applicants = _run_waves(assess_wave, "assess", plan.applicants, files, day)
    applicants = _second_looks(plan, pages, applicants, files, day, batch_dir, backwards)
    tick("assess", len(applicants), len(applicants))
    if reading_only:  # a part of an intake, read for its pages and second looks: the
        # cross-applicant checks and the reports are the intake's run's
        return Results(applicants=sorted(applicants, key=lambda a: a.applicant_id))
    read_pages = pages.readings()
    results = stages.cross_checks(
        applicants, plan, files, read_pages,
        history_path=Path(history) if history else None,
    )  # fmt: skip
    shas = {fp.rel: fp.sha256 for fp in plan.files}
    stages.write_outputs(results, Path(out_dir), batch, as_of, read_pages, shas=shas,
                         officials_pdf=applicant is None)  # fmt: skip
    return results


MAX_LOOK_ROUNDS = 3  # a look can move a flag onto another page; it seldom does twice


def _second_looks(
    plan: stages.BatchPlan, pages: PageStore, applicants: list[Any],
    files: stages.PacketFilesView, day: date, batch_dir: str, backwards: bool = False,
) -> list[Any]:  # fmt: skip
    """Second opinions skipped while reading (confident, valid) are taken on the pages a flag
    cites, and those applicants assessed again: the flags come out as if every field had
    been re-read. Cached like pages, so a re-run reads nothing here either; `backwards`
    takes them last to first, so a worker helping from the far end meets the front's
    worker taking the same looks in the middle."""
    by_rel = {fp.rel: fp for fp in plan.files}
    for _ in range(MAX_LOOK_ROUNDS):
        wanted = stages.decisive_pages(applicants, pages)
        if not wanted:
            break
        jobs = [(by_rel[rel], k, pages[(rel, k)]) for rel, k in wanted if rel in by_rel]
        if backwards:
            jobs.reverse()
        changed = set()
        for (fp, k, _r), got in zip(jobs, _run_waves(look_wave, "look", jobs, batch_dir),
                                    strict=True):  # fmt: skip
            if not isinstance(got, PageReading):
                continue  # the flag stands on the reading as it was
            if stages.read_in_a_hurry(got):
                uncache_page(fp, k, look=True)
            pages.put((fp.rel, k), stages.relabel(got, fp.rel))
            changed.add(fp.rel)
        again = [i for i, ap in enumerate(plan.applicants)
                 if any(fp.rel in changed for fp in ap.files)]  # fmt: skip
        if not again:
            break
        redo = _run_waves(assess_wave, "assess", [plan.applicants[i] for i in again], files, day)
        for i, got in zip(again, redo, strict=True):
            applicants[i] = got
    return applicants


# ---------------------------------------------------------------- entry point


@contextmanager
def _out_lock(out_dir: Path):
    """One run per OUT_DIR at a time: a second run refuses instead of mixing outputs."""
    state = out_dir / stages.STATE_DIR
    state.mkdir(parents=True, exist_ok=True)
    fh = open(state / "lock", "a+")  # noqa: SIM115 - held for the whole run
    try:
        fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        fh.close()
        raise UsageError(
            f"{out_dir} is locked by another run",
            zh=f"输出目录 {out_dir} 正被另一个核验任务使用，请等待其结束或换一个输出目录",
        ) from None
    try:
        yield state
    finally:
        fcntl.flock(fh, fcntl.LOCK_UN)
        fh.close()


def check_dirs(batch_dir: Path, out_dir: Path) -> None:
    b, o = batch_dir.resolve(), out_dir.resolve()
    if not b.is_dir():
        raise UsageError(f"{batch_dir} is not a folder", zh=f"批次目录不存在：{batch_dir}")
    if o == b or o.is_relative_to(b):
        raise UsageError(
            "OUT_DIR inside BATCH_DIR", zh="输出目录不能位于批次目录之内（批次目录只读）"
        )
    find_declared(b)  # before any work: no table (or an old .xls) is the user's to fix


_SERVER_START = threading.Lock()


def _start_temporary_server() -> None:
    """Start Prefect's temporary server once per process, before any flow asks for it.

    Prefect starts it on first use without a lock: two runs starting together in one
    process each started one, and the one Prefect lost track of outlived the process (an
    orphaned uvicorn after the two-runs test). Nothing to do against a running server."""
    from prefect.server.api.server import SubprocessASGIServer
    from prefect.settings import PREFECT_API_URL

    if PREFECT_API_URL.value():
        return
    with _SERVER_START:
        SubprocessASGIServer().start()


def _nowhere_to_record() -> bool:
    """No Prefect server runs and no flow run is around: task runs would go to a temporary
    server whose in-memory database nobody reads and the process takes with it."""
    from prefect.context import FlowRunContext
    from prefect.settings import PREFECT_API_URL

    return not PREFECT_API_URL.value() and FlowRunContext.get() is None


def _cached(
    run: Run, batch_dir: Path, applicant: str | None = None, on_server: bool = False
) -> bool:
    """Whether the run can go offline: no Prefect server is running (one would have to be
    started, 8-16 s, most of a re-run's time) and every file's inspection and every page's
    reading is in the cache. Then the flow's body runs as plain functions reading the cache
    (`_FromCache`), and a re-run of an unchanged batch starts no server. With `on_server`,
    also inside a flow run on a server (a deployment's plain run: then it starts no reader)."""
    from prefect.results import ResultRecord

    if not on_server and not _nowhere_to_record():
        return False  # runs are recorded on a running server
    try:
        plan = stages.plan_batch(batch_dir.resolve())
        if applicant is not None:  # verify-packet: that packet's files only
            plan = stages.only_applicant(plan, applicant)
    except CredcheckError:
        return False  # the flow says what is wrong, as it does
    run.plan = plan  # the flow need not hash every file again
    storage = Path(PREFECT_LOCAL_STORAGE_PATH.value())
    token = _RUN.set(run)  # the keys depend on the run's options
    try:
        infos: dict[str, FileInfo] = {}
        for fp in plan.files:
            key = _inspect_key(None, {"fp": fp})
            if key is None:
                infos[fp.rel] = stages.inspect_file(fp, batch_dir.resolve())  # refused: no read
                continue
            if not (storage / key).is_file():
                return False
            got = ResultRecord.deserialize((storage / key).read_bytes()).result
            if not isinstance(got, FileInfo):
                return False  # an error the flow would have to handle: let it
            infos[fp.rel] = got
        for ap in plan.applicants:
            wanted = stages.pages_to_read(ap, infos)
            for fp in ap.files:
                for k in wanted.get(fp.rel, []):
                    key = _page_key(None, {"fp": fp, "page": k})
                    if key is None or not (storage / key).is_file():
                        return False
    except Exception:  # noqa: BLE001 - an unreadable cache record: the flow will do it
        log.debug("cache check failed", exc_info=True)
        return False
    finally:
        _RUN.reset(token)
    run.offline = True
    return True


def verify_batch(
    batch_dir: Path,
    out_dir: Path,
    *,
    workers: int = 2,
    as_of: date | None = None,
    read_options: ReadOptions | None = None,
    progress: Progress | None = None,
    history: Path | None = None,
    cache_dir: Path | None = None,
    applicant: str | None = None,
    reading_only: bool = False,
    backwards: bool = False,
    plain: bool | None = None,
) -> Results:
    """Run verify_flow on a local Prefect (no server to start by hand); returns the results.

    Page readings are cached in `cache_dir`, by default OUT_DIR/.credcheck/cache; a
    deployment passes the data root's cache, which every machine shares. With `applicant`,
    that applicant alone is verified (verify-packet). With `reading_only`, nothing is written
    to OUT_DIR: the pages and second looks land in the cache (a part of verify-intake), and
    the results lack the cross-applicant checks; `backwards` reads the pages and takes the
    second looks last to first (a worker helping another from the far end).
    With `plain` (a deployment's flow run), the stages run as plain functions on the run's
    readers, their results kept in the cache as the tasks would keep them, with no task run
    or subflow per file, page or applicant. By default a run is plain when there is nothing
    to record it on (no PREFECT_API_URL, no flow run around it), and Prefect's tasks
    otherwise; `plain=False` runs the tasks on a temporary server."""
    batch_dir, out_dir = Path(batch_dir), Path(out_dir)
    check_dirs(batch_dir, out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    day = as_of or date.today()
    workers = max(1, workers)
    opts = read_options or ReadOptions(engine_threads=max(1, (os.cpu_count() or 2) // workers))
    if plain is None:
        plain = _nowhere_to_record()
    warm: threading.Thread | None = None
    # Files are opened in sandbox children forked once for the run, not once per file and page
    # (extractors/sandbox.py: ~100 ms a page in a fork and a pipe, bench/throughput.py).
    with _out_lock(out_dir) as state, kept_children():
        run = Run(opts, stages.ReaderPool(workers, opts))
        token = _RUN.set(run)
        try:
            with temporary_settings(
                {
                    PREFECT_LOCAL_STORAGE_PATH: str(Path(cache_dir or state / "cache").resolve()),
                    PREFECT_FLOWS_HEARTBEAT_FREQUENCY: None,
                }
            ):
                args = (str(batch_dir.resolve()), str(out_dir.resolve()), day.isoformat(),
                        progress, str(history) if history else None, applicant,
                        reading_only, backwards)  # fmt: skip
                if _cached(run, batch_dir, applicant, on_server=plain):
                    return verify_flow.fn(*args)  # same wiring, no server to start
                # The OCR processes load their models while the server starts (both take
                # seconds, mostly on different cores) and while the files are inspected (a
                # server already running: a deployment's worker), which needs no reader.
                warm = threading.Thread(target=run.pool.warm, daemon=True)
                warm.start()
                if plain:
                    run.offline = True
                    if run.pool.size > 1:
                        run.executor = ThreadPoolExecutor(run.pool.size, "credcheck-stage")
                    return verify_flow.fn(*args)
                _start_temporary_server()
                # Its tasks run in the waves' subflows, each with its own runner (_run_wave).
                return verify_flow(*args)
        finally:
            _RUN.reset(token)
            if run.executor is not None:  # all done, or the run stops: nothing to wait for
                run.executor.shutdown(wait=False, cancel_futures=True)
            if warm is not None:
                warm.join()  # an engine still starting is closed once started
            run.pool.close()


STATE_DIR = stages.STATE_DIR
__all__ = ["STATE_DIR", "check_dirs", "verify_batch", "verify_flow"]
