"""Writing the audit trail: one call per thing done, with who, from where, and what."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver
from django.http import HttpRequest

from webapp.models import AuditEvent


def client_ip(request: HttpRequest | None) -> str | None:
    # REMOTE_ADDR only: a forwarded header is the client's to forge unless a proxy is set up.
    return request.META.get("REMOTE_ADDR") or None if request is not None else None


def record(
    request: HttpRequest | None,
    action: str,
    *,
    intake: str = "",
    applicant: str = "",
    user: Any = None,
    username: str = "",
    **detail: Any,
) -> AuditEvent:
    user = user if user is not None else getattr(request, "user", None)
    if user is not None and not user.is_authenticated:
        user = None
    return AuditEvent.objects.create(
        user=user, username=username or (user.get_username() if user else ""), action=action,
        intake=intake, applicant=applicant, detail=detail, ip=client_ip(request),
    )  # fmt: skip


@receiver(user_logged_in)
def _logged_in(sender: Any, request: HttpRequest, user: Any, **kwargs: Any) -> None:
    record(request, AuditEvent.Action.LOGIN, user=user)


@receiver(user_logged_out)
def _logged_out(sender: Any, request: HttpRequest, user: Any, **kwargs: Any) -> None:
    if user is not None:
        record(request, AuditEvent.Action.LOGOUT, user=user)


@receiver(user_login_failed)
def _login_failed(sender: Any, credentials: dict, request: HttpRequest | None = None,
                  **kwargs: Any) -> None:  # fmt: skip
    name = str(credentials.get("username", ""))[:150]
    record(request, AuditEvent.Action.LOGIN_FAILED, username=name, user=None)


def sync_runs() -> int:
    """Add to the trail each verification run that ended since the last look (runs are
    written by workers, which know nothing of the web app); returns how many were added."""
    from store import models as sm

    A = AuditEvent.Action
    seen = {d.get("run") for d in AuditEvent.objects.filter(action=A.VERIFY_RUN)
            .values_list("detail", flat=True)}  # fmt: skip
    ended = (
        sm.VerificationRun.objects.exclude(state__in=[sm.VerificationRun.State.QUEUED,
                                                      sm.VerificationRun.State.RUNNING])
        .exclude(pk__in=[r for r in seen if isinstance(r, int)])
        .select_related("intake").order_by("finished", "pk")
    )  # fmt: skip
    n = 0
    for run in ended:
        AuditEvent.objects.create(action=A.VERIFY_RUN, intake=run.intake.key, detail={
            "run": run.pk, "state": run.state, "kind": run.kind,
            "started": run.started.isoformat() if run.started else None,
            "finished": run.finished.isoformat() if run.finished else None,
            "reason": run.reason[:500], "flow_run": str(run.flow_run_id or ""),
        })  # fmt: skip
        n += 1
    return n
