"""results.json, exactly as ../shared/spec/batch-contract.md gives it (schema_version 1).

Extensions are optional keys only (`rule`, `reasons`), so outside checkers keep working.
"""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, Field

from models.document import BBox, DocType

SCHEMA_VERSION = 1


class FlagCode(StrEnum):
    NAME_MISMATCH = "NAME_MISMATCH"
    ID_MISMATCH = "ID_MISMATCH"
    ID_INVALID = "ID_INVALID"
    BIRTHDATE_MISMATCH = "BIRTHDATE_MISMATCH"
    LEVEL_OVERCLAIM = "LEVEL_OVERCLAIM"
    MISSING_EVIDENCE = "MISSING_EVIDENCE"
    AWARD_UNSUPPORTED = "AWARD_UNSUPPORTED"
    AWARD_MISMATCH = "AWARD_MISMATCH"
    CERT_NO_INCONSISTENT = "CERT_NO_INCONSISTENT"
    TAMPER_SUSPECTED = "TAMPER_SUSPECTED"
    DATE_AFTER_DEADLINE = "DATE_AFTER_DEADLINE"
    INELIGIBLE = "INELIGIBLE"
    UNREADABLE_DOCUMENT = "UNREADABLE_DOCUMENT"
    DUPLICATE_APPLICANT = "DUPLICATE_APPLICANT"
    DUPLICATE_EVIDENCE = "DUPLICATE_EVIDENCE"


class Severity(StrEnum):
    high = "high"
    medium = "medium"
    low = "low"


class Status(StrEnum):
    clear = "clear"
    flagged = "flagged"
    needs_review = "needs_review"


class EvidenceRef(BaseModel):
    file: str
    page: int
    bbox: BBox | None = None


class Flag(BaseModel):
    code: FlagCode
    severity: Severity
    field: str | None = None
    declared: str | None = None
    found: str | None = None
    evidence: list[EvidenceRef] = Field(default_factory=list)
    message: str
    rule: str | None = None  # rule id from rules.md, for INELIGIBLE and deadline flags
    reasons: list[str] = Field(default_factory=list)  # the comparison that raised it


class DocumentResult(BaseModel):
    file: str
    page: int
    doc_type: DocType
    fields: dict[str, str] = Field(default_factory=dict)
    confidence: float


class ApplicantResult(BaseModel):
    applicant_id: str
    program: str | None
    name: str | None = None  # declared name (optional key: reports show it)
    status: Status
    documents: list[DocumentResult] = Field(default_factory=list)
    flags: list[Flag] = Field(default_factory=list)
    # optional key: why the status is needs_review (questions the evidence could not decide)
    review_reasons: list[str] = Field(default_factory=list)


class DuplicateGroup(BaseModel):
    code: FlagCode
    applicant_ids: list[str]
    score: float | None = None
    files: list[str] | None = None
    reasons: list[str] = Field(default_factory=list)


class Results(BaseModel):
    schema_version: int = SCHEMA_VERSION
    applicants: list[ApplicantResult] = Field(default_factory=list)
    duplicates: list[DuplicateGroup] = Field(default_factory=list)
