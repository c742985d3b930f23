"""Tesseract: the second opinion on numbers and dates.

Alone it reads certificate pages badly (domain.md: 15–21% CER), so it only re-reads short
line crops, where it is cheap (~0.35 s) and, when both engines agree, reliable.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import numpy as np

from extractors.ocr.base import LineReading, PageOcr
from models import TextLine
from models.constants import TESSERACT_CROP_TIMEOUT_S
from models.exceptions import OcrEngineError, OcrEngineUnavailable, OcrTimeout

# Several tesseract processes at once crawl when each spawns OpenMP threads (stack.md).
os.environ.setdefault("OMP_THREAD_LIMIT", "1")


@dataclass
class TesseractOptions:
    lang: str = "chi_sim+eng"
    line_psm: int = 7
    timeout_s: float = TESSERACT_CROP_TIMEOUT_S


class TesseractEngine:
    name = "tesseract"

    def __init__(self, options: TesseractOptions | None = None):
        import pytesseract

        self.options = options or TesseractOptions()
        self._pt = pytesseract
        try:
            pytesseract.get_tesseract_version()
        except Exception as e:  # binary missing
            raise OcrEngineUnavailable(f"tesseract not found: {e}") from e

    def _call(self, fn, *args, timeout: float | None = None, **kwargs):
        try:
            return fn(*args, timeout=timeout or self.options.timeout_s, **kwargs)
        except RuntimeError as e:  # pytesseract's timeout
            if "timeout" in str(e).lower():
                raise OcrTimeout(f"tesseract: {e}") from e
            raise OcrEngineError(f"tesseract: {e}") from e
        except self._pt.TesseractError as e:
            raise OcrEngineError(f"tesseract: {e}") from e

    def read_line(self, crop: np.ndarray, *, whitelist: str | None = None) -> LineReading:
        config = f"--psm {self.options.line_psm}"
        lang = self.options.lang
        if whitelist:
            # Digits-only fields read best with the Latin model and a whitelist.
            config += f" -c tessedit_char_whitelist={whitelist}"
            lang = "eng"
        data = self._call(
            self._pt.image_to_data, crop, lang=lang, config=config,
            output_type=self._pt.Output.DICT,
        )  # fmt: skip
        words, confs = [], []
        for text, conf in zip(data["text"], data["conf"], strict=True):
            if text.strip():
                words.append(text.strip())
                confs.append(max(0.0, float(conf)) / 100.0)
        text = "".join(words)
        return LineReading(text=text, confidence=min(confs) if confs else 0.0)

    def read_page(self, image: np.ndarray) -> PageOcr:
        data = self._call(
            self._pt.image_to_data, image, lang=self.options.lang, config="--psm 3",
            output_type=self._pt.Output.DICT, timeout=60,
        )  # fmt: skip
        groups: dict[tuple[int, int, int], list[int]] = {}
        for i, text in enumerate(data["text"]):
            if text.strip():
                key = (data["block_num"][i], data["par_num"][i], data["line_num"][i])
                groups.setdefault(key, []).append(i)
        lines = []
        for idx in groups.values():
            x0 = min(data["left"][i] for i in idx)
            y0 = min(data["top"][i] for i in idx)
            x1 = max(data["left"][i] + data["width"][i] for i in idx)
            y1 = max(data["top"][i] + data["height"][i] for i in idx)
            conf = min(max(0.0, float(data["conf"][i])) for i in idx) / 100.0
            text = "".join(data["text"][i].strip() for i in idx)
            lines.append(
                TextLine(text=text, bbox=(x0, y0, x1, y1), confidence=conf, engine=self.name)
            )
        h, w = image.shape[:2]
        return PageOcr(lines=lines, rotation=0, width=w, height=h)
