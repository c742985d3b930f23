"""The store's tables. Verifier output is kept as the verifier wrote it (JSON of the typed
models) beside the columns a queue or a report filters on; nothing here edits a result."""

from __future__ import annotations

import json
from typing import Any

from django.db import models


class JsonText(models.TextField):
    """JSON kept as the text it was written in. PostgreSQL's jsonb reorders object keys, and
    the verifier's output keeps its order (results.json is compared byte for byte)."""

    def from_db_value(self, value: str | None, expression: Any, connection: Any) -> Any:
        return None if value is None else json.loads(value)

    def to_python(self, value: Any) -> Any:
        return json.loads(value) if isinstance(value, str) else value

    def get_prep_value(self, value: Any) -> str | None:
        if value is None:
            return None
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


class Intake(models.Model):
    """One program round (新疆工匠 2025): the unit of upload, verification and reporting."""

    key = models.SlugField(max_length=80, unique=True, allow_unicode=True)
    program = models.CharField(max_length=80)  # a catalogue program name
    year = models.PositiveSmallIntegerField()
    name = models.CharField(max_length=200, blank=True)
    created = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.key


class Applicant(models.Model):
    intake = models.ForeignKey(Intake, on_delete=models.PROTECT, related_name="applicants")
    applicant_id = models.CharField(max_length=64)  # 申报编号

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["intake", "applicant_id"], name="one_applicant_id")
        ]

    def __str__(self) -> str:
        return f"{self.intake.key}/{self.applicant_id}"

    @property
    def declared(self) -> DeclaredRow | None:
        return self.versions.order_by("-version").first()


class DeclaredRow(models.Model):
    """A version of an applicant's declared row (models.declared.Applicant as JSON). A
    corrected row is a new version; the same row imported again is not. A correction undone
    is a new version too, with the content of an older one."""

    applicant = models.ForeignKey(Applicant, on_delete=models.PROTECT, related_name="versions")
    version = models.PositiveIntegerField()
    data = JsonText()
    sha256 = models.CharField(max_length=64)  # of the canonical JSON
    source = models.CharField(max_length=255, blank=True)  # the table it came from
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["applicant", "version"]
        constraints = [
            models.UniqueConstraint(fields=["applicant", "version"], name="one_version_number"),
        ]


class StoredFile(models.Model):
    """A file's content in the data root (files/ab/ab12…), stored once whoever uploads it."""

    sha256 = models.CharField(max_length=64, primary_key=True)
    size = models.BigIntegerField()
    created = models.DateTimeField(auto_now_add=True)


class Upload(models.Model):
    """A file under a name, stored by content. Re-uploading a name adds a row; the older one
    is marked replaced, never overwritten, so earlier runs still name what they read."""

    name = models.CharField(max_length=500)
    content = models.ForeignKey(
        StoredFile, on_delete=models.PROTECT, related_name="%(class)s_uses"
    )
    uploaded = models.DateTimeField(auto_now_add=True)
    replaced = models.DateTimeField(null=True, blank=True)

    class Meta:
        abstract = True


class PacketFile(Upload):
    """A file in an applicant's packet; its name is the path inside the packet, "/"
    separated."""

    applicant = models.ForeignKey(Applicant, on_delete=models.PROTECT, related_name="files")

    class Meta:
        ordering = ["applicant", "name", "uploaded"]
        indexes = [models.Index(fields=["applicant", "replaced"])]

    @property
    def rel(self) -> str:
        """The file's path as results.json names it."""
        return f"packets/{self.applicant.applicant_id}/{self.name}"


class IntakeFile(Upload):
    """A top-level file of an intake: its declared table (declared.xlsx, or declared.csv +
    awards.csv, named as uploaded). A newer table replaces all the older files."""

    intake = models.ForeignKey(Intake, on_delete=models.PROTECT, related_name="files")

    class Meta:
        ordering = ["intake", "name", "uploaded"]
        indexes = [models.Index(fields=["intake", "replaced"])]


class PageReadingRecord(models.Model):
    """One page as the reader of a version read it (models.evidence.PageReading as JSON, or
    the error that made it unreadable), shared by every packet holding the same content."""

    content = models.ForeignKey(StoredFile, on_delete=models.CASCADE, related_name="pages")
    page = models.PositiveIntegerField()
    reader = models.CharField(max_length=64)  # READER_VERSION + options key
    data = JsonText(null=True)
    error_code = models.CharField(max_length=16, blank=True)
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["content", "page", "reader"], name="one_reading")
        ]


class VerificationRun(models.Model):
    """One verification. An intake-level run (cli, intake, nightly) judges every applicant of
    the intake's state together, duplicates across applicants included; a packet run judges
    one applicant's packet alone (`applicant`, its state_digest a records.PacketState's). An
    applicant's result shown is that of the completed run begun last that judged it, so a
    packet run begun after the intake's last run stands for that applicant until the next
    intake run; duplicate groups come from intake-level runs only."""

    class Kind(models.TextChoices):
        CLI = "cli", "命令行核验"
        PACKET = "packet", "单个申报"
        INTAKE = "intake", "整批核验"
        NIGHTLY = "nightly", "夜间复核"

    class State(models.TextChoices):
        QUEUED = "queued", "排队中"
        RUNNING = "running", "识别中"
        COMPLETED = "completed", "已完成"
        FAILED = "failed", "失败"
        CRASHED = "crashed", "中断"

    intake = models.ForeignKey(Intake, on_delete=models.PROTECT, related_name="runs")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    state = models.CharField(max_length=16, choices=State.choices, default=State.QUEUED)
    reason = models.TextField(blank=True)  # why it failed, for `credcheck status`
    as_of = models.DateField()
    reader = models.CharField(max_length=64, blank=True)
    idempotency_key = models.CharField(max_length=128, blank=True)
    # The intake's state verified (records.IntakeState.digest): a later state that differs
    # is what the nightly run re-verifies.
    state_digest = models.CharField(max_length=64, blank=True)
    flow_run_id = models.UUIDField(null=True, blank=True)
    # The applicant a packet run judged (kind PACKET); None for intake-level runs.
    applicant = models.ForeignKey(
        Applicant, on_delete=models.PROTECT, null=True, blank=True, related_name="packet_runs"
    )
    created = models.DateTimeField(auto_now_add=True)
    started = models.DateTimeField(null=True, blank=True)
    finished = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created"]
        indexes = [models.Index(fields=["intake", "state"])]


class ApplicantResult(models.Model):
    """One applicant's verdict in one run: models.results.ApplicantResult as JSON without its
    flags (rows of Flag, for filtering), with the declared version it was judged against."""

    run = models.ForeignKey(VerificationRun, on_delete=models.CASCADE, related_name="results")
    ordinal = models.PositiveIntegerField()  # its place in results.json
    applicant = models.ForeignKey(Applicant, on_delete=models.PROTECT, related_name="results")
    declared = models.ForeignKey(DeclaredRow, on_delete=models.PROTECT, null=True)
    status = models.CharField(max_length=16)
    data = JsonText()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["run", "applicant"], name="one_result_per_run")
        ]
        ordering = ["run", "ordinal"]
        indexes = [models.Index(fields=["run", "status"])]


class Flag(models.Model):
    result = models.ForeignKey(ApplicantResult, on_delete=models.CASCADE, related_name="flags")
    ordinal = models.PositiveIntegerField()  # its place in results.json
    code = models.CharField(max_length=32)
    severity = models.CharField(max_length=8)
    field = models.CharField(max_length=32, null=True)
    declared = models.TextField(null=True)
    found = models.TextField(null=True)
    message = models.TextField()
    rule = models.CharField(max_length=32, null=True)
    evidence = JsonText(default=list)
    reasons = JsonText(default=list)

    class Meta:
        ordering = ["result", "ordinal"]
        indexes = [models.Index(fields=["code", "severity"])]


class DuplicateGroup(models.Model):
    run = models.ForeignKey(VerificationRun, on_delete=models.CASCADE, related_name="duplicates")
    ordinal = models.PositiveIntegerField()
    code = models.CharField(max_length=32)
    applicant_ids = JsonText()  # 申报编号s, as results.json lists them
    applicants = models.ManyToManyField(Applicant, related_name="duplicate_groups")
    score = models.FloatField(null=True)
    files = JsonText(null=True)
    reasons = JsonText(default=list)

    class Meta:
        ordering = ["run", "ordinal"]
