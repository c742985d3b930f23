"""Roles, what each may do, and which applicants a user sees: said once, used by every view.

Roles are Django groups (made by migration 0002). A superuser counts as 管理员.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import HttpRequest

REVIEWER, LEAD, OFFICIAL, ADMIN = "审核员", "组长", "领导", "管理员"
ROLES = (REVIEWER, LEAD, OFFICIAL, ADMIN)

# What each action needs (any of these roles).
CAN = {
    "see_queue": {REVIEWER, LEAD, OFFICIAL, ADMIN},
    "create_intake": {REVIEWER, LEAD, ADMIN},
    "upload": {REVIEWER, LEAD, ADMIN},
    "assign_self": {REVIEWER, LEAD},
    "assign_others": {LEAD, ADMIN},
    "decide": {REVIEWER, LEAD},
    "reports": {LEAD, OFFICIAL},
    "dashboard": {LEAD, OFFICIAL, ADMIN},  # the officials' view of an intake (read-only)
    "unmask": {LEAD},  # every unmasked view is audited
    "audit": {ADMIN},
    "users": {ADMIN},
}


def roles_of(user: Any) -> set[str]:
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return set()
    cached = getattr(user, "_credcheck_roles", None)
    if cached is None:
        cached = set(user.groups.values_list("name", flat=True)) & set(ROLES)
        if user.is_superuser:
            cached.add(ADMIN)
        user._credcheck_roles = cached
    return cached


def can(user: Any, action: str) -> bool:
    return bool(roles_of(user) & CAN[action])


def require(action: str) -> Callable:
    """View decorator: 403 unless the user's role may do `action` (checked on the server)."""

    def deco(view: Callable) -> Callable:
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
            if not can(request.user, action):
                raise PermissionDenied(action)
            return view(request, *args, **kwargs)

        return wrapped

    return deco


def visible_applicants(user: Any, qs: QuerySet) -> QuerySet:
    """Applicants (store.Applicant) the user sees: reviewers their own and the unassigned
    ones (to take), everyone else with a role all of them."""
    r = roles_of(user)
    if r & {LEAD, OFFICIAL, ADMIN}:
        return qs
    if REVIEWER in r:
        return qs.filter(Q(assignment__isnull=True) | Q(assignment__reviewer=user))
    return qs.none()


def may_decide(user: Any, applicant: Any) -> bool:
    """Leads decide on any applicant; a reviewer on those assigned to them (or unassigned:
    deciding takes it)."""
    r = roles_of(user)
    if LEAD in r:
        return True
    if REVIEWER not in r:
        return False
    a = getattr(applicant, "assignment", None) if _has_assignment(applicant) else None
    return a is None or a.reviewer_id == user.pk


def _has_assignment(applicant: Any) -> bool:
    from webapp.models import Assignment

    try:
        applicant.assignment  # noqa: B018
    except Assignment.DoesNotExist:
        return False
    return True


def context(request: HttpRequest) -> dict[str, Any]:
    """Template context: the user's roles and what they may do (menus only; views check)."""
    user = getattr(request, "user", None)
    return {
        "roles": sorted(roles_of(user)),
        "can": {k: can(user, k) for k in CAN} if user is not None else {},
    }
