"""Submitting verifications after an upload: never OCR in a request.

One applicant's packet uploaded: that packet alone is verified (verify-packet); a whole
intake uploaded, or "整批核验" pressed: the intake (verify-intake, with the checks across
applicants). The nightly run verifies every intake changed since its last intake run.

CREDCHECK_VERIFY=deployment (the product path, `credcheck serve`): a flow run of the
deployment via pipelines.deployments.queue_packet / queue_verify, keyed by the state.
CREDCHECK_VERIFY=local (tests, a machine without Prefect's server): the same steps in a child
process (webapp.verify_local) started from a background thread, one at a time per intake; a
newer state is verified after the running one, and a pending whole-intake run takes the
place of the intake's pending packets (it reads them all). What each child prints goes to
logs/verify-local.log under the data root.
"""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

from django.conf import settings

from store import models as sm
from store.records import intake_state, packet_state
from webapp.models import AuditEvent, VerifyRequest

log = logging.getLogger(__name__)

_LOCAL_LOCK = threading.Lock()
_LOCAL_PENDING: dict[str, set[str | None]] = {}  # intake → applicants (None: the whole intake)
_LOCAL_THREADS: dict[str, threading.Thread] = {}


def submit(intake: sm.Intake, request: Any = None) -> VerifyRequest:
    """Ask for the intake's current state to be verified; the request says how it went."""
    return _submit(intake, None, request)


def submit_packet(applicant: sm.Applicant, request: Any = None) -> VerifyRequest:
    """Ask for the applicant's current packet to be verified alone."""
    return _submit(applicant.intake, applicant, request)


def _submit(intake: sm.Intake, applicant: sm.Applicant | None, request: Any) -> VerifyRequest:
    from webapp import audit

    aid = applicant.applicant_id if applicant is not None else None
    digest = (packet_state(applicant) if applicant is not None else intake_state(intake)).digest
    req = VerifyRequest(intake=intake, applicant=applicant, state_digest=digest,
                        user=request.user if request is not None else None)  # fmt: skip
    mode = settings.CREDCHECK_VERIFY
    try:
        if mode == "off":  # tests and benchmarks: the request is recorded, nothing runs
            req.flow_run_id = ""
        elif mode == "local":
            _local(intake.key, aid)
            req.flow_run_id = "local"
        elif aid is not None:
            from pipelines.deployments import queue_packet

            req.flow_run_id = str(queue_packet(intake.key, aid).id)
        else:
            from pipelines.deployments import queue_verify

            req.flow_run_id = str(queue_verify(intake.key).id)
    except Exception as e:  # noqa: BLE001 - the upload is stored; the run can be asked again
        log.exception("verification not submitted for %s", intake.key)
        req.error = f"{type(e).__name__}: {e}"[:2000]
    req.save()
    action = AuditEvent.Action.VERIFY_FAILED if req.error else AuditEvent.Action.VERIFY_SUBMITTED
    extra = {"applicant": aid} if aid is not None else {}
    audit.record(request, action, intake=intake.key, flow_run=req.flow_run_id,
                 state=digest[:16], error=req.error, **extra)  # fmt: skip
    return req


def _local(key: str, applicant: str | None) -> None:
    with _LOCAL_LOCK:
        _LOCAL_PENDING.setdefault(key, set()).add(applicant)
        t = _LOCAL_THREADS.get(key)
        if t is not None and t.is_alive():
            return  # the running thread takes it when its run finishes
        t = threading.Thread(target=_local_loop, args=(key,), daemon=True, name=f"verify-{key}")
        _LOCAL_THREADS[key] = t
        t.start()


def _next_local(key: str) -> tuple[bool, str | None]:
    """(anything to do, the applicant or None for the whole intake); call under the lock."""
    pending = _LOCAL_PENDING.get(key)
    if not pending:
        _LOCAL_PENDING.pop(key, None)
        return False, None
    if None in pending:  # the whole intake reads every pending packet too
        pending.clear()
        return True, None
    applicant = min(a for a in pending if a is not None)
    pending.discard(applicant)
    return True, applicant


def _local_loop(key: str) -> None:
    while True:
        with _LOCAL_LOCK:
            more, applicant = _next_local(key)
            if not more:
                _LOCAL_THREADS.pop(key, None)
                return
        # The child finds the same data root and database through the environment.
        env = dict(os.environ, CREDCHECK_DATA=str(settings.DATA_ROOT))
        argv = [sys.executable, "-m", "webapp.verify_local", key]
        argv += [applicant] if applicant is not None else []
        logs = Path(settings.DATA_ROOT) / "logs"  # a child that fails leaves its trace
        logs.mkdir(parents=True, exist_ok=True)
        with open(logs / "verify-local.log", "a", encoding="utf-8") as out:
            out.write(f"--- {' '.join(argv[2:])}\n")
            out.flush()
            done = subprocess.run(argv, env=env, check=False, stdout=out, stderr=out)
        if done.returncode:
            log.error("local verification %s exited %s (logs/verify-local.log)",
                      " ".join(argv[3:]), done.returncode)  # fmt: skip


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
