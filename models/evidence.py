"""What the verifier knows about one applicant's packet after reading it.

`PacketFile` is one submitted file: either read (documents, page failures) or refused with
a typed reason. It is what the per-applicant assessment takes, so matching and rules can be
tested on hand-built packets without OCR.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

from models.document import DocumentReading, PageFailure


class PacketFile(BaseModel):
    file: str  # relative to BATCH_DIR
    sha256: str | None = None
    size: int = 0
    error_code: str | None = None  # set when the file as a whole could not be read
    reason_zh: str | None = None
    detail: str = ""
    page_count: int = 0  # pages the file holds
    pages_read: int = 0  # pages looked at (page limits may cut)
    metadata: dict[str, Any] = Field(default_factory=dict)
    failures: list[PageFailure] = Field(default_factory=list)
    documents: list[DocumentReading] = Field(default_factory=list)
    skipped_reason_zh: str | None = None  # not read at all (applicant page limit)

    @property
    def readable(self) -> bool:
        return self.error_code is None and self.skipped_reason_zh is None


class FileInfo(BaseModel):
    """A file checked and counted (not yet read): the first, cheap look at it."""

    file: str
    sha256: str | None = None
    size: int = 0
    kind: str | None = None  # "pdf" | "image"
    page_count: int = 0
    metadata: dict[str, Any] = Field(default_factory=dict)
    error_code: str | None = None
    reason_zh: str | None = None
    detail: str = ""


class PageReading(BaseModel):
    """One page read: the documents found on it and how the page image was oriented."""

    file: str
    page: int
    documents: list[DocumentReading] = Field(default_factory=list)
    rotation: int = 0  # clockwise turn applied to make the page upright
    unit: str = "px"  # bbox unit: "px" of the upright image, "pt" for text layers
    width: float = 0.0
    height: float = 0.0
    seconds: float = 0.0
    # Perceptual hashes (hex) of the upright page image: the same certificate rescanned or
    # photographed again stays within a few bits (duplicate-evidence search). None for
    # text-layer pages.
    phash: str | None = None
    dhash: str | None = None
