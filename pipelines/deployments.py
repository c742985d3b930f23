"""credcheck as Prefect deployments on a `process` work pool named `credcheck`.

    verify-intake   one intake: its state laid out as a batch → verify_flow → the store;
                    with other workers online, its packets split among them first
    verify-packet   one applicant's packet (what the web app queues after an upload): the
                    declared table and that packet → verify_flow for that applicant alone →
                    the store as a packet run; once per packet state. Cross-applicant checks
                    (duplicates, 多头申报) stay with verify-intake and the nightly run
    read-packets    some packets of an intake read into the shared cache (verify-intake's
                    fan-out: two workers share one intake)
    nightly         02:00 Asia/Shanghai: verify-intake for each intake whose state or reader
                    version changed since its last completed run; one at a time, a second
                    one cancelled rather than queued

A run whose machine is lost (kill -9, power) stops sending heartbeats: an automation on the
server marks it Crashed (ensure_zombie_automation), and recover() — run by `credcheck
status`, by serve every minute and by the nightly run — marks its run in the store crashed
and queues its intake again on a live worker. Pages read before the crash are in the data
root's reading cache, so the new run does not read them again.

Entrypoints are module paths (pipelines.deployments.verify_intake): a worker runs the
credcheck installed beside it, with no Docker image and no git pull. The flows only wire
the steps of pipelines/intake.py and the verifier; a worker needs CREDCHECK_DATA (the shared
data root), the store's DATABASE_URL and PREFECT_API_URL in its environment.
"""

from __future__ import annotations

# Prefect reads its settings at import: ours are set first.
import pipelines.prefect_env  # noqa: F401  # isort: skip

import datetime as dt
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from prefect import flow
from prefect.client.schemas.objects import ConcurrencyLimitConfig, FlowRun
from prefect.deployments import run_deployment
from prefect.deployments.runner import EntrypointType
from prefect.schedules import Cron

import store

if TYPE_CHECKING:
    from extractors.read import ReadOptions

POOL = "credcheck"
VERIFY_INTAKE = "verify-intake/verify-intake"
VERIFY_PACKET = "verify-packet/verify-packet"
READ_PACKETS = "read-packets/read-packets"
NIGHTLY = "nightly/nightly"
NIGHTLY_CRON = "0 2 * * *"
TIMEZONE = "Asia/Shanghai"  # the bureaus' night, not UTC's
MAX_RESUBMITS = 20  # a state whose runs failed this often is not queued again by itself
# A deployed run sends a heartbeat every HEARTBEAT_SECONDS (workers set Prefect's
# PREFECT_FLOWS_HEARTBEAT_FREQUENCY; 30 s is its minimum); one silent for ZOMBIE_SECONDS
# lost its machine. Four beats, so a busy machine is not taken for a dead one.
HEARTBEAT_SECONDS = 30
POLL_SECONDS = 2  # how often a worker asks for runs (`credcheck worker`)
ZOMBIE_SECONDS = 120
ZOMBIE_AUTOMATION = "credcheck-crash-silent-runs"
READERS_ENV, THREADS_ENV = "CREDCHECK_READERS", "CREDCHECK_ENGINE_THREADS"
RECOVER_WITHIN = 2  # days: crashed runs older than this are left to the nightly run


@flow(name="verify-intake", log_prints=False)
def verify_intake(intake: str, as_of: str | None = None, kind: str = "intake") -> int:
    """Verify an intake's current state; returns the run's id in the store."""
    from prefect.runtime import flow_run

    store.setup()  # before the store's models are imported
    from pipelines import intake as intakes
    from pipelines.flows import verify_batch

    p = intakes.prepare(intake, as_of=as_of, kind=kind, flow_run_id=flow_run.id)
    readers, options = reading_options()
    with tempfile.TemporaryDirectory(prefix="credcheck-history-") as tmp:
        # The nightly run looks for the same person in every earlier intake too; a run
        # queued by submit keeps `credcheck verify`'s results for the same folder.
        try:
            # Other idle workers read some packets meanwhile; the whole batch below then
            # finds their pages in the cache (and reads what they did not). A flow run here
            # is Prefect's unit of work: its stages run plain, with no task run per page.
            mine, parts = fan_out(p)
            if parts:
                name = p.run.state_digest[:16]
                intakes.read_part(p.intake.key, mine, as_of=p.as_of.isoformat(),
                                  name=f"{name}-0", workers=readers,
                                  read_options=options)  # fmt: skip
                # Done first (another worker starts later, parts are uneven): read the
                # others' files from their far end meanwhile, so both finish together.
                if rest := unfinished(parts):
                    intakes.read_part(p.intake.key, rest, as_of=p.as_of.isoformat(),
                                      name=f"{name}-back", workers=readers,
                                      read_options=options, backwards=True)  # fmt: skip
                settle([run for run, _files in parts])
            history = intakes.earlier_history(p.intake, Path(tmp) / "history.sqlite3") if (
                kind == "nightly") else None  # fmt: skip
            results = verify_batch(
                p.batch, p.out, as_of=p.as_of, cache_dir=p.cache, workers=readers,
                read_options=options, history=history, plain=True,
            )  # fmt: skip
        except BaseException as e:
            intakes.failed(p, e)
            raise
    return intakes.finish(p, results)


@flow(name="verify-packet", log_prints=False)
def verify_packet(intake: str, applicant: str, as_of: str | None = None) -> int:
    """Verify one applicant's packet as it is now, alone; returns the run's id in the store.
    Its pages read before, by any run, come from the shared reading cache."""
    from prefect.runtime import flow_run

    store.setup()
    from pipelines import intake as intakes
    from pipelines.flows import verify_batch

    p = intakes.prepare_packet(intake, applicant, as_of=as_of, flow_run_id=flow_run.id)
    if p.again:  # another flow run has this very state (queued for an earlier one)
        return p.run.pk
    readers, options = reading_options()
    try:
        results = verify_batch(
            p.batch, p.out, as_of=p.as_of, cache_dir=p.cache, workers=readers,
            read_options=options, applicant=applicant, plain=True,
        )  # fmt: skip
    except BaseException as e:
        intakes.failed(p, e)
        raise
    return intakes.finish_packet(p, results)


def reading_options() -> tuple[int, ReadOptions]:
    """A flow run's OCR processes and each engine's threads, from its worker's environment
    (`credcheck worker --readers N --engine-threads T`): default 2 processes sharing the
    machine's cores. Two workers on one machine each want --readers 1 --engine-threads 1."""
    from extractors.read import ReadOptions  # the reader's imports only where it reads

    readers = max(1, int(os.environ.get(READERS_ENV) or 2))
    threads = int(os.environ.get(THREADS_ENV) or 0) or max(1, (os.cpu_count() or 2) // readers)
    return readers, ReadOptions(engine_threads=threads)


@flow(name="read-packets", log_prints=False)
def read_packets(intake: str, files: list[list[str]], as_of: str, part: str) -> int:
    """Read the pages of some packets of an intake into the shared reading cache (queued by
    verify-intake for another worker); returns how many files it was given."""
    store.setup()
    from pipelines import intake as intakes

    readers, options = reading_options()
    intakes.read_part(intake, [(r, s) for r, s in files], as_of=as_of, name=part,
                      workers=readers, read_options=options)  # fmt: skip
    return len(files)


def _online_workers() -> int:
    from prefect.client.orchestration import get_client

    with get_client(sync_client=True) as client:
        return sum(w.status == "ONLINE" for w in client.read_workers_for_work_pool(POOL))


Files = list[tuple[str, str]]  # (path in the batch, SHA-256)


def fan_out(p: Any) -> tuple[Files, list[tuple[FlowRun, Files]]]:
    """Split the intake's packets among the pool's online workers (this one included):
    queue read-packets for every part but the first, which is returned to read here, with
    the queued runs and their files. No split with one worker or one packet. The parts'
    idempotency keys name the state, so a verify-intake run again after a crash finds the
    parts already queued or done."""
    from pipelines import intake as intakes
    from store import models as m
    from store.records import intake_state

    state = intake_state(p.intake)
    if state.digest != p.run.state_digest:  # changed since prepare: no split, read it all
        return [], []
    workers = _online_workers()
    if workers < 2:
        return [], []
    sizes = dict(m.StoredFile.objects.filter(sha256__in=[sha for _, sha in state.files])
                 .values_list("sha256", "size"))  # fmt: skip
    parts = intakes.split_packets(state, workers, sizes)
    if not parts:
        return [], []
    base = intakes.idempotency_key(p.intake.key, state.digest, p.as_of.isoformat())
    runs = []
    for i, files in enumerate(parts[1:], 1):
        name = f"{state.digest[:16]}-{i}"
        runs.append((run_deployment(
            READ_PACKETS, timeout=0, as_subflow=False,
            idempotency_key=f"{base}:part{i}/{len(parts)}",
            parameters={"intake": p.intake.key, "files": [list(f) for f in files],
                        "as_of": p.as_of.isoformat(), "part": name},
        ), files))  # fmt: skip
    return parts[0], runs


TAKEN_BACK = "由核验本身读取 / read by its verify-intake"


def _take_back_unstarted(client: Any, run_id: Any) -> Any:
    """A part's state as read; one no worker has taken yet is cancelled meanwhile (its caller
    reads its pages instead), the next read sees it ended."""
    from prefect.states import Cancelled

    s = client.read_flow_run(run_id).state
    if s is not None and s.is_scheduled():
        client.set_flow_run_state(run_id, Cancelled(message=TAKEN_BACK))
    return s


def unfinished(parts: list[tuple[FlowRun, Files]]) -> Files:
    """The files of the parts not yet done, for this worker to read from their far end: a
    part no worker has taken yet is cancelled (this worker reads it all, as settle does)."""
    from prefect.client.orchestration import get_client

    out: Files = []
    with get_client(sync_client=True) as client:
        for run, files in parts:
            s = _take_back_unstarted(client, run.id)
            if s is not None and not s.is_final():
                out += [f for f in files if f[0].startswith("packets/")]
    if not out:
        return []
    top = [f for f in parts[0][1] if not f[0].startswith("packets/")]  # the declared table
    return sorted(set(top + out))


def settle(runs: list[FlowRun], poll: float = 0.5) -> None:
    """Wait for the parts other workers have begun; a part no worker has taken yet is
    cancelled (its pages are read by the caller instead: every worker may be busy waiting
    like this one). A part pending longer than ZOMBIE_SECONDS is left (its worker is gone).
    Polled often: the intake's last pass waits on this, and a poll is one small read."""
    import time

    from prefect.client.orchestration import get_client

    waiting = {r.id: time.monotonic() for r in runs}
    with get_client(sync_client=True) as client:
        while waiting:
            for run_id, since in list(waiting.items()):
                s = _take_back_unstarted(client, run_id)
                if s is None or s.is_final():
                    del waiting[run_id]
                elif s.is_pending() and time.monotonic() - since > ZOMBIE_SECONDS:
                    del waiting[run_id]
            if waiting:
                time.sleep(poll)


@flow(name="nightly", log_prints=False)
def nightly(as_of: str | None = None) -> list[str]:
    """Queue verify-intake for every intake changed since its last completed run; returns
    the flow run ids (a state already queued or verified gives its existing run)."""
    store.setup()
    from pipelines import intake as intakes

    recover()
    return [str(queue_verify(key, as_of=as_of, kind="nightly").id)
            for key in intakes.changed_intakes()]  # fmt: skip


def queue_verify(intake: str, *, as_of: str | None = None, kind: str = "intake") -> FlowRun:
    """Queue verify-intake for the intake's current state without waiting for it.

    The idempotency key names the state (intakes.idempotency_key): the same state queued
    twice, by `credcheck submit` or the nightly run, is one flow run. Only when that run
    failed, crashed or was cancelled is the state queued again, under a numbered key."""
    from pipelines import intake as intakes
    from store import models as m
    from store.records import intake_state

    digest = intake_state(m.Intake.objects.get(key=intake)).digest
    base = intakes.idempotency_key(intake, digest, as_of)
    return _queue(VERIFY_INTAKE, {"intake": intake, "as_of": as_of, "kind": kind}, base)


def queue_packet(intake: str, applicant: str, *, as_of: str | None = None) -> FlowRun:
    """Queue verify-packet for the applicant's current packet state without waiting for it.

    The idempotency key names the packet's state (store.records.PacketState: the files'
    SHA-256 and upload rows, the declared row's version), the reader version and `as_of`:
    the same state queued twice is one flow run; one that failed, crashed or was cancelled
    is queued again under a numbered key, as queue_verify does."""
    from pipelines import intake as intakes
    from store import models as m
    from store.records import packet_state

    who = m.Applicant.objects.get(intake__key=intake, applicant_id=applicant)
    base = intakes.packet_idempotency_key(intake, applicant, packet_state(who).digest, as_of)
    return _queue(VERIFY_PACKET, {"intake": intake, "applicant": applicant, "as_of": as_of}, base)


def _queue(deployment: str, params: dict[str, Any], base: str) -> FlowRun:
    for attempt in range(1, MAX_RESUBMITS + 1):
        key = base if attempt == 1 else f"{base}#{attempt}"
        run = run_deployment(
            deployment, parameters=params, timeout=0, idempotency_key=key, as_subflow=False
        )
        s = run.state
        if s is None or not (s.is_failed() or s.is_crashed() or s.is_cancelled()):
            break
    return run


# ---------------------------------------------------------------- crashed runs


@dataclass
class Recovered:
    crashed: list[int] = field(default_factory=list)  # store runs marked crashed
    requeued: list[tuple[str, str]] = field(default_factory=list)  # (intake, flow run id)


def recover(now: dt.datetime | None = None) -> Recovered:
    """Runs that ended without telling the store (a worker killed, its machine lost): their
    VerificationRun is marked crashed, and the intake of each crashed verify-intake run (the
    packet of each crashed verify-packet run) is queued again (queue_verify, queue_packet:
    a later state or an earlier retry is reused, not doubled). Safe to call often and from
    several machines. Call store.setup() first."""
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import (
        DeploymentFilter,
        DeploymentFilterName,
        FlowRunFilter,
        FlowRunFilterExpectedStartTime,
        FlowRunFilterId,
        FlowRunFilterState,
        FlowRunFilterStateType,
    )
    from prefect.client.schemas.objects import StateType

    from store import models as m
    from store.records import fail_run

    out = Recovered()
    now = now or dt.datetime.now(dt.UTC)
    running = list(
        m.VerificationRun.objects.filter(
            state=m.VerificationRun.State.RUNNING, flow_run_id__isnull=False
        )
    )
    with get_client(sync_client=True) as client:
        if running:
            ids = FlowRunFilterId(any_=[r.flow_run_id for r in running])
            ended = {
                fr.id: fr
                for fr in client.read_flow_runs(flow_run_filter=FlowRunFilter(id=ids))
                if fr.state is not None and fr.state.is_final()
            }
            for run in running:
                fr = ended.get(run.flow_run_id)
                if fr is None:
                    continue
                why = fr.state.message or fr.state.name
                fail_run(run, f"运行中断，已重新排队 / interrupted: {why}", crashed=True)
                out.crashed.append(run.pk)
        flt = FlowRunFilter(
            state=FlowRunFilterState(type=FlowRunFilterStateType(any_=[StateType.CRASHED])),
            expected_start_time=FlowRunFilterExpectedStartTime(
                after_=now - dt.timedelta(days=RECOVER_WITHIN)
            ),
        )
        deployment = DeploymentFilter(
            name=DeploymentFilterName(any_=["verify-intake", "verify-packet"])
        )
        crashed = client.read_flow_runs(flow_run_filter=flt, deployment_filter=deployment)
    seen = set()
    for fr in crashed:
        p = fr.parameters
        packet = p.get("applicant")  # only verify-packet has one
        key = (p.get("intake"), packet, p.get("as_of"))
        if key in seen or not m.Intake.objects.filter(key=key[0]).exists():
            continue
        seen.add(key)
        if packet is None:
            again = queue_verify(key[0], as_of=key[2], kind=p.get("kind") or "intake")
        elif m.Applicant.objects.filter(intake__key=key[0], applicant_id=packet).exists():
            again = queue_packet(key[0], packet, as_of=key[2])
        else:
            continue
        if again.created is not None and again.created >= now:  # new, not found again
            out.requeued.append((key[0] if packet is None else f"{key[0]}/{packet}",
                                 str(again.id)))  # fmt: skip
    return out


# ---------------------------------------------------------------- registration


def pool_job_variables(working_dir: Path) -> dict[str, Any]:
    # A process worker runs each flow run in a new temporary folder unless told otherwise.
    return {"working_dir": str(working_dir)}


def ensure_pool(working_dir: Path) -> bool:
    """Create the `credcheck` process work pool when missing, running flows in
    `working_dir`; True when it was created. An existing pool is left as it is."""
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.actions import WorkPoolCreate
    from prefect.exceptions import ObjectAlreadyExists, ObjectNotFound
    from prefect.workers.process import ProcessWorker

    with get_client(sync_client=True) as client:
        try:
            client.read_work_pool(POOL)
            return False
        except ObjectNotFound:
            pass
        template = ProcessWorker.get_default_base_job_template()
        for name, value in pool_job_variables(working_dir).items():
            template["variables"]["properties"][name]["default"] = value
        try:
            client.create_work_pool(
                WorkPoolCreate(name=POOL, type="process", base_job_template=template)
            )
        except ObjectAlreadyExists:  # another machine made it meanwhile
            return False
        return True


def ensure_zombie_automation(within: int = ZOMBIE_SECONDS) -> None:
    """The server marks a flow run Crashed when its heartbeats stop for `within` seconds
    (Prefect's recipe for "zombie" runs; a server has none by itself). Created or updated."""
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.objects import StateType
    from prefect.events.actions import ChangeFlowRunState
    from prefect.events.schemas.automations import (
        AutomationCore,
        EventTrigger,
        Posture,
        ResourceSpecification,
    )

    ends = {f"prefect.flow-run.{s}" for s in ("Completed", "Failed", "Cancelled", "Crashed")}
    automation = AutomationCore(
        name=ZOMBIE_AUTOMATION,
        description="心跳停止的运行记为崩溃 / runs whose heartbeats stopped are crashed",
        trigger=EventTrigger(
            after={"prefect.flow-run.heartbeat"},
            expect={"prefect.flow-run.heartbeat", *ends},
            match=ResourceSpecification({"prefect.resource.id": ["prefect.flow-run.*"]}),
            for_each={"prefect.resource.id"},
            posture=Posture.Proactive,
            threshold=1,
            within=dt.timedelta(seconds=within),
        ),
        actions=[
            ChangeFlowRunState(
                state=StateType.CRASHED,
                message=f"{within} 秒无心跳：工作机器已失联 / no heartbeat for {within} s",
            )
        ],
    )
    with get_client(sync_client=True) as client:
        found = client.read_automations_by_name(ZOMBIE_AUTOMATION)
        if found:
            client.update_automation(found[0].id, automation)
        else:
            client.create_automation(automation)


def register(zombie_seconds: int = ZOMBIE_SECONDS) -> list[str]:
    """Create or update the deployments on the server in PREFECT_API_URL, and the automation
    that marks silent runs crashed."""
    ensure_zombie_automation(zombie_seconds)
    out = []
    for d in (
        verify_intake.to_deployment(
            name="verify-intake",
            work_pool_name=POOL,
            entrypoint_type=EntrypointType.MODULE_PATH,
            description="核验一个申报批次的当前状态 / verify an intake's current state",
        ),
        verify_packet.to_deployment(
            name="verify-packet",
            work_pool_name=POOL,
            entrypoint_type=EntrypointType.MODULE_PATH,
            description="核验一个申报人的材料（单独） / verify one applicant's packet alone",
        ),
        read_packets.to_deployment(
            name="read-packets",
            work_pool_name=POOL,
            entrypoint_type=EntrypointType.MODULE_PATH,
            description="为核验读取部分材料 / read some packets for a verify-intake run",
        ),
        nightly.to_deployment(
            name="nightly",
            work_pool_name=POOL,
            entrypoint_type=EntrypointType.MODULE_PATH,
            schedules=[Cron(NIGHTLY_CRON, timezone=TIMEZONE)],
            concurrency_limit=ConcurrencyLimitConfig(limit=1, collision_strategy="CANCEL_NEW"),
            description="每晚复核有变化的申报批次 / re-verify changed intakes nightly",
        ),
    ):
        d.apply()
        out.append(f"{d.flow_name}/{d.name}")
    return out


__all__ = [
    "HEARTBEAT_SECONDS",
    "NIGHTLY",
    "POOL",
    "READ_PACKETS",
    "VERIFY_INTAKE",
    "VERIFY_PACKET",
    "Recovered",
    "ensure_pool",
    "ensure_zombie_automation",
    "fan_out",
    "nightly",
    "queue_packet",
    "queue_verify",
    "reading_options",
    "recover",
    "read_packets",
    "register",
    "settle",
    "verify_intake",
    "verify_packet",
]
