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
