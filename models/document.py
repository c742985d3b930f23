"""Reading-side models: a file's pages, positioned text, and the fields read from it.

Every value keeps its evidence (file, page, bbox) so a flag can show where it came from.
Paths are relative to BATCH_DIR when the caller knows it; pages count from 1.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

# x0, y0, x1, y1 in pixels of the page image (PDF text layers: points).
BBox = tuple[float, float, float, float]


class DocType(StrEnum):
    skill_certificate = "skill_certificate"
    award_certificate = "award_certificate"
    title_certificate = "title_certificate"
    education_certificate = "education_certificate"
    id_card = "id_card"
    other = "other"


class OcrMode(StrEnum):
    """Per-page decision, as OCRmyPDF makes it: read the text layer or OCR the image."""

    text_layer = "text_layer"  # the PDF's text layer holds usable CJK text
    ocr = "ocr"  # image page, or a text layer that is empty or garbage


@dataclass
class RasterPage:
    """One page as loaded: an upright-by-EXIF RGB image and/or a PDF text layer.

    Not a pydantic model: it carries pixel arrays that never cross a task boundary.
    """

    file: str
    page: int  # 1-based
    mode: OcrMode
    image: np.ndarray | None = None  # H×W×3 uint8 RGB; None for text-layer pages not rendered
    dpi: float = 300.0
    width: float = 0.0  # of the image in px, or of the PDF page in points for text layers
    height: float = 0.0
    text_lines: list[TextLine] = field(default_factory=list)  # from the text layer, in points


class TextLine(BaseModel):
    model_config = ConfigDict(frozen=True)

    text: str
    bbox: BBox
    confidence: float = 1.0
    engine: str = ""


class PageText(BaseModel):
    """Positioned text of one page after orientation correction."""

    file: str
    page: int
    mode: OcrMode
    width: float
    height: float
    unit: str = "px"  # "px" for images, "pt" for PDF text layers
    rotation: int = 0  # degrees clockwise applied to make the page upright (0/90/180/270)
    lines: list[TextLine] = Field(default_factory=list)
    engine: str = ""
    seconds: float = 0.0
    warnings: list[str] = Field(default_factory=list)

    @property
    def text(self) -> str:
        return "\n".join(line.text for line in self.lines)


class Evidence(BaseModel):
    model_config = ConfigDict(frozen=True)

    file: str
    page: int
    bbox: BBox | None = None


class ExtractedField(BaseModel):
    """One field of a document: normalised value, the text it came from, and where."""

    key: str
    value: str
    raw: str
    confidence: float
    evidence: Evidence
    notes: list[str] = Field(default_factory=list)  # e.g. "tesseract agreed", "check digit ok"


class RosterEntry(BaseModel):
    """One person on a letter listing several (通报, 决定): the name as printed and the rank
    heading it stands under, if any. Whose entry is the applicant's is the assessment's
    question, not the page's."""

    model_config = ConfigDict(frozen=True)

    name: str
    rank: str | None = None
    confidence: float
    evidence: Evidence


class DocumentReading(BaseModel):
    """One document found on a page (a page may hold two: ID front and back)."""

    file: str
    page: int
    doc_type: DocType
    doc_type_confidence: float = 0.0
    region: BBox | None = None  # part of the page this document occupies, if not all of it
    fields: dict[str, ExtractedField] = Field(default_factory=dict)
    roster: list[RosterEntry] = Field(default_factory=list)  # a letter listing winners
    confidence: float = 0.0
    rotation: int = 0
    warnings: list[str] = Field(default_factory=list)

    def values(self) -> dict[str, str]:
        return {k: f.value for k, f in self.fields.items()}


class LoadedFile(BaseModel):
    """What the loader learnt about a file besides its pages (used for tamper checks)."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    file: str
    kind: str  # "pdf" | "image"
    sha256: str
    page_count: int
    metadata: dict[str, Any] = Field(default_factory=dict)  # PDF Producer/Creator, EXIF Software
    pages_truncated: bool = False


class PageFailure(BaseModel):
    """A page that could not be read (engine crash or timeout); the rest of the file goes on."""

    page: int
    code: str
    reason_zh: str
    detail: str = ""


class FileReading(BaseModel):
    """Everything read from one file."""

    file: str
    loaded: LoadedFile
    pages: list[PageText] = Field(default_factory=list)
    documents: list[DocumentReading] = Field(default_factory=list)
    failures: list[PageFailure] = Field(default_factory=list)
    seconds: float = 0.0
