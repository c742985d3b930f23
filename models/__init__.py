"""Typed models shared by every stage (files → pages → text → fields → flags)."""

from models.document import (
    BBox,
    DocType,
    DocumentReading,
    Evidence,
    ExtractedField,
    FileReading,
    LoadedFile,
    OcrMode,
    PageFailure,
    PageText,
    RasterPage,
    RosterEntry,
    TextLine,
)

__all__ = [
    "BBox",
    "DocType",
    "DocumentReading",
    "RosterEntry",
    "Evidence",
    "ExtractedField",
    "FileReading",
    "LoadedFile",
    "OcrMode",
    "PageFailure",
    "PageText",
    "RasterPage",
    "TextLine",
]
