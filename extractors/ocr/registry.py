"""Engines registered in one place, by name → "module:factory".

Names map to import paths (not objects) so an engine can be built inside a worker process.
"""

from __future__ import annotations

import importlib
from typing import Any

from models.exceptions import UnknownEngine

_ENGINES: dict[str, str] = {
    "rapidocr": "extractors.ocr.rapid:RapidOcrEngine",
    "tesseract": "extractors.ocr.tess:TesseractEngine",
}


def register_engine(name: str, target: str) -> None:
    """Add an engine (tests register fakes this way)."""
    _ENGINES[name] = target


def available_engines() -> list[str]:
    return sorted(_ENGINES)


def resolve(name_or_target: str) -> str:
    if ":" in name_or_target:
        return name_or_target
    try:
        return _ENGINES[name_or_target]
    except KeyError:
        known = available_engines()
        raise UnknownEngine(f"unknown OCR engine {name_or_target!r}; known: {known}") from None


def get_engine(name_or_target: str, **options: Any):
    module, _, attr = resolve(name_or_target).partition(":")
    factory = getattr(importlib.import_module(module), attr)
    return factory(**options) if options else factory()
