"""Fake OCR engines: they crash, hang, raise, or replay recorded lines (as OCRmyPDF's tests do)."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import numpy as np

from extractors.ocr.base import LineReading, PageOcr
from models import TextLine


class HangingEngine:
    """Hangs on every call. Its pid is appended to $CC_HANG_PIDS when set (before the worker
    says it is ready), so a test can see the process is gone after the timeout."""

    name = "fake-hang"

    def __init__(self) -> None:
        if os.environ.get("CC_HANG_PIDS"):
            with open(os.environ["CC_HANG_PIDS"], "a", encoding="utf-8") as f:
                f.write(f"{os.getpid()}\n")

    def read_page(self, image: np.ndarray) -> PageOcr:
        time.sleep(3600)
        raise AssertionError("unreachable")

    def read_line(self, crop: np.ndarray) -> LineReading:
        time.sleep(3600)
        raise AssertionError("unreachable")


class CrashingEngine:
    name = "fake-crash"

    def read_page(self, image: np.ndarray) -> PageOcr:
        os.abort()  # what a native library does on a bad input

    def read_line(self, crop: np.ndarray) -> LineReading:
        os.abort()


class RaisingEngine:
    name = "fake-raise"

    def read_page(self, image: np.ndarray) -> PageOcr:
        raise ValueError("model exploded")

    def read_line(self, crop: np.ndarray) -> LineReading:
        raise ValueError("model exploded")


class ReplayEngine:
    """Returns the lines recorded in $CC_REPLAY (a JSON list of [text, bbox, conf])."""

    name = "fake-replay"

    def __init__(self) -> None:
        self.lines = json.loads(Path(os.environ["CC_REPLAY"]).read_text("utf-8"))

    def read_page(self, image: np.ndarray) -> PageOcr:
        h, w = image.shape[:2]
        lines = [TextLine(text=t, bbox=tuple(b), confidence=c, engine=self.name)
                 for t, b, c in self.lines]  # fmt: skip
        return PageOcr(lines=lines, rotation=0, width=w, height=h)

    def read_line(self, crop: np.ndarray) -> LineReading:
        return LineReading(text="", confidence=0.0)


class BadStartEngine:
    name = "fake-badstart"

    def __init__(self) -> None:
        raise RuntimeError("cannot load model")


class EchoEngine:
    """Says what arrived: each array's digest, shape and dtype, and whether it was handed over
    in shared memory (a view on an mmap) or pickled (an array of its own)."""

    name = "fake-echo"

    def describe(self, *arrays: np.ndarray) -> list[tuple[str, tuple, str, bool]]:
        import hashlib
        import mmap

        out = []
        for a in arrays:
            base = a
            while isinstance(base, np.ndarray) and base.base is not None:
                base = base.base
            digest = hashlib.sha256(np.ascontiguousarray(a).tobytes()).hexdigest()
            out.append((digest, a.shape, a.dtype.str, isinstance(base, mmap.mmap)))
        return out
