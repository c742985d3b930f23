"""Submitting an intake's verification after an upload: never OCR in a request.

CREDCHECK_VERIFY=deployment (the product path, `credcheck serve`): a flow run of the
verify-intake deployment via pipelines.deployments.queue_verify, keyed by the intake's state.
CREDCHECK_VERIFY=local (tests, a machine without Prefect's server): the same steps
(pipelines.intake.prepare → verify_batch → finish) in a child process started from a
background thread, one intake at a time, a newer state verified after the running one.
"""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import threading
from typing import Any

from django.conf import settings

from store import models as sm
from store.records import intake_state
from webapp.models import AuditEvent, VerifyRequest

log = logging.getLogger(__name__)

_LOCAL_LOCK = threading.Lock()
_LOCAL_PENDING: set[str] = set()
_LOCAL_THREADS: dict[str, threading.Thread] = {}


def submit(intake: sm.Intake, request: Any = None) -> VerifyRequest:
    """Ask for the intake's current state to be verified; the request says how it went."""
    from webapp import audit

    digest = intake_state(intake).digest
    req = VerifyRequest(intake=intake, state_digest=digest,
                        user=request.user if request is not None else None)  # fmt: skip
    mode = settings.CREDCHECK_VERIFY
    try:
        if mode == "off":  # tests and benchmarks: the request is recorded, nothing runs
            req.flow_run_id = ""
        elif mode == "local":
            _local(intake.key)
            req.flow_run_id = "local"
        else:
            from pipelines.deployments import queue_verify

            run = queue_verify(intake.key)
            req.flow_run_id = str(run.id)
    except Exception as e:  # noqa: BLE001 - the upload is stored; the run can be asked again
        log.exception("verification not submitted for %s", intake.key)
        req.error = f"{type(e).__name__}: {e}"[:2000]
    req.save()
    action = AuditEvent.Action.VERIFY_FAILED if req.error else AuditEvent.Action.VERIFY_SUBMITTED
    audit.record(request, action, intake=intake.key, flow_run=req.flow_run_id,
                 state=digest[:16], error=req.error)  # fmt: skip
    return req


def _local(key: str) -> None:
    with _LOCAL_LOCK:
        _LOCAL_PENDING.add(key)
        t = _LOCAL_THREADS.get(key)
        if t is not None and t.is_alive():
            return  # the running thread verifies again when it finishes
        t = threading.Thread(target=_local_loop, args=(key,), daemon=True, name=f"verify-{key}")
        _LOCAL_THREADS[key] = t
        t.start()


def _local_loop(key: str) -> None:
    while True:
        with _LOCAL_LOCK:
            if key not in _LOCAL_PENDING:
                _LOCAL_THREADS.pop(key, None)
                return
            _LOCAL_PENDING.discard(key)
        # The child finds the same data root and database through the environment.
        env = dict(os.environ, CREDCHECK_DATA=str(settings.DATA_ROOT))
        subprocess.run(
            [sys.executable, "-m", "webapp.verify_local", key], env=env, check=False,
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip


def wait_local(timeout: float) -> bool:
    """Tests: wait until no local verification runs; True when all finished."""
    import time

    end = time.monotonic() + timeout
    while time.monotonic() < end:
        with _LOCAL_LOCK:
            busy = [t for t in _LOCAL_THREADS.values() if t.is_alive()]
        if not busy:
            return True
        time.sleep(0.5)
    return False
