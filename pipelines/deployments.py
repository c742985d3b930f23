"""credcheck as Prefect deployments on a `process` work pool named `credcheck`.

    verify-intake   one intake: its state laid out as a batch → verify_flow → the store
    nightly         02:00 Asia/Shanghai: verify-intake for each intake whose state or reader
                    version changed since its last completed run; one at a time, a second
                    one cancelled rather than queued

Entrypoints are module paths (pipelines.deployments.verify_intake): a worker runs the
credcheck installed beside it, with no Docker image and no git pull. The flows only wire
the steps of pipelines/intake.py and the verifier; a worker needs CREDCHECK_DATA (the shared
data root), the store's DATABASE_URL and PREFECT_API_URL in its environment.
"""

from __future__ import annotations

# Prefect reads its settings at import: ours are set first.
import pipelines.prefect_env  # noqa: F401  # isort: skip

from pathlib import Path
from typing import Any

from prefect import flow
from prefect.client.schemas.objects import ConcurrencyLimitConfig, FlowRun
from prefect.deployments import run_deployment
from prefect.deployments.runner import EntrypointType
from prefect.schedules import Cron

import store

POOL = "credcheck"
VERIFY_INTAKE = "verify-intake/verify-intake"
NIGHTLY = "nightly/nightly"
NIGHTLY_CRON = "0 2 * * *"
TIMEZONE = "Asia/Shanghai"  # the bureaus' night, not UTC's
MAX_RESUBMITS = 20  # a state whose runs failed this often is not queued again by itself


@flow(name="verify-intake", log_prints=False)
def verify_intake(intake: str, as_of: str | None = None, kind: str = "intake") -> int:
    """Verify an intake's current state; returns the run's id in the store."""
    from prefect.runtime import flow_run

    store.setup()  # before the store's models are imported
    from pipelines import intake as intakes
    from pipelines.flows import verify_batch

    p = intakes.prepare(intake, as_of=as_of, kind=kind, flow_run_id=flow_run.id)
    try:
        results = verify_batch(p.batch, p.out, as_of=p.as_of, cache_dir=p.cache)
    except BaseException as e:
        intakes.failed(p, e)
        raise
    return intakes.finish(p, results)


@flow(name="nightly", log_prints=False)
def nightly(as_of: str | None = None) -> list[str]:
    """Queue verify-intake for every intake changed since its last completed run; returns
    the flow run ids (a state already queued or verified gives its existing run)."""
    store.setup()
    from pipelines import intake as intakes

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
    params = {"intake": intake, "as_of": as_of, "kind": kind}
    for attempt in range(1, MAX_RESUBMITS + 1):
        key = base if attempt == 1 else f"{base}#{attempt}"
        run = run_deployment(
            VERIFY_INTAKE, parameters=params, timeout=0, idempotency_key=key, as_subflow=False
        )
        s = run.state
        if s is None or not (s.is_failed() or s.is_crashed() or s.is_cancelled()):
            break
    return run


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


def register() -> list[str]:
    """Create or update the deployments on the server in PREFECT_API_URL."""
    out = []
    for d in (
        verify_intake.to_deployment(
            name="verify-intake",
            work_pool_name=POOL,
            entrypoint_type=EntrypointType.MODULE_PATH,
            description="核验一个申报批次的当前状态 / verify an intake's current state",
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
    "NIGHTLY",
    "POOL",
    "VERIFY_INTAKE",
    "ensure_pool",
    "nightly",
    "queue_verify",
    "register",
    "verify_intake",
]
