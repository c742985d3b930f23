"""What people do, kept beside the verifier's output: the audit trail, assignments and
decisions. Decisions and audit events are append-only: a later decision is a new row (the
latest counts), nothing here edits or deletes a row through the app."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models

from store import models as sm


class AppendOnlyError(Exception):
    """An attempt to change or delete a record that is kept as written."""


class AppendOnlyQuerySet(models.QuerySet):
    def update(self, **kwargs: Any) -> int:
        raise AppendOnlyError(f"{self.model.__name__} rows are never updated")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise AppendOnlyError(f"{self.model.__name__} rows are never deleted")

    def bulk_update(self, *args: Any, **kwargs: Any) -> int:
        raise AppendOnlyError(f"{self.model.__name__} rows are never updated")


class AppendOnly(models.Model):
    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise AppendOnlyError(f"{type(self).__name__} rows are never updated")
        kwargs["force_insert"] = True
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        raise AppendOnlyError(f"{type(self).__name__} rows are never deleted")


class AuditEvent(AppendOnly):
    class Action(models.TextChoices):
        LOGIN = "login", "登录"
        LOGIN_FAILED = "login_failed", "登录失败"
        LOGOUT = "logout", "退出"
        INTAKE_CREATED = "intake_created", "创建申报批次"
        DECLARED_IMPORTED = "declared_imported", "导入申报数据表"
        UPLOAD = "upload", "上传材料"
        VERIFY_SUBMITTED = "verify_submitted", "提交核验"
        VERIFY_FAILED = "verify_failed", "提交核验失败"
        VERIFY_RUN = "verify_run", "核验运行结束"
        ASSIGNED = "assigned", "分配"
        FLAG_DECIDED = "flag_decided", "疑点结论"
        APPLICANT_DECIDED = "applicant_decided", "申报人结论"
        UNMASKED_VIEW = "unmasked_view", "查看未遮盖身份证号"
        EXPORT = "export", "导出/下载"
        USER_CHANGED = "user_changed", "用户变更"

    when = models.DateTimeField(auto_now_add=True, db_index=True)
    # The name is kept as text too: the trail still says who when a user is renamed.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT
    )
    username = models.CharField(max_length=150, blank=True)
    action = models.CharField(max_length=32, choices=Action.choices, db_index=True)
    intake = models.CharField(max_length=80, blank=True)
    applicant = models.CharField(max_length=64, blank=True)
    detail = sm.JsonText(default=dict)
    ip = models.GenericIPAddressField(null=True, blank=True)

    class Meta:
        ordering = ["-when", "-pk"]


class Assignment(models.Model):
    """Who works an applicant now (one row per applicant; each change is in the audit trail)."""

    applicant = models.OneToOneField(
        sm.Applicant, on_delete=models.PROTECT, related_name="assignment"
    )
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="assignments"
    )
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    when = models.DateTimeField(auto_now=True)


class FlagDecision(AppendOnly):
    class Verdict(models.TextChoices):
        CONFIRMED = "confirmed", "属实"
        FALSE_ALARM = "false_alarm", "误报"
        NEED_ORIGINALS = "need_originals", "需补充材料"

    flag = models.ForeignKey(sm.Flag, on_delete=models.PROTECT, related_name="decisions")
    applicant = models.ForeignKey(
        sm.Applicant, on_delete=models.PROTECT, related_name="flag_decisions"
    )
    # What the flag said (code|field|declared|found): a re-verification raises new Flag rows,
    # and a decision on the same finding is shown against them as an earlier one.
    signature = models.CharField(max_length=64, db_index=True)
    verdict = models.CharField(max_length=16, choices=Verdict.choices)
    reason = models.TextField()
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT)
    when = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["when", "pk"]


class ApplicantDecision(AppendOnly):
    class Outcome(models.TextChoices):
        PASS = "pass", "通过"
        FAIL = "fail", "不通过"
        RETURN = "return", "退回补充"

    applicant = models.ForeignKey(sm.Applicant, on_delete=models.PROTECT, related_name="decisions")
    run = models.ForeignKey(sm.VerificationRun, on_delete=models.PROTECT, null=True)
    outcome = models.CharField(max_length=8, choices=Outcome.choices)
    note = models.TextField(blank=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT)
    when = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["when", "pk"]


class VerifyRequest(models.Model):
    """A verification the app asked for: the intake's state then (or, for one applicant's
    packet, the packet's state: store.records.PacketState), and the flow run (or why it
    could not be submitted). The queue shows 排队中 from these until a run is stored."""

    intake = models.ForeignKey(sm.Intake, on_delete=models.PROTECT, related_name="requests")
    # The applicant whose packet alone is verified (verify-packet); None: the whole intake.
    applicant = models.ForeignKey(sm.Applicant, on_delete=models.PROTECT, null=True, blank=True,
                                  related_name="verify_requests")  # fmt: skip
    state_digest = models.CharField(max_length=64)
    flow_run_id = models.CharField(max_length=64, blank=True)
    error = models.TextField(blank=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT)
    when = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-when", "-pk"]
