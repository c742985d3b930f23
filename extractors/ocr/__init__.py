"""OCR engines behind one interface, registered in one place (see registry.py)."""

from extractors.ocr.base import LineReading, OcrEngine, PageOcr
from extractors.ocr.registry import available_engines, get_engine, register_engine

__all__ = [
    "LineReading",
    "OcrEngine",
    "PageOcr",
    "available_engines",
    "get_engine",
    "register_engine",
]
