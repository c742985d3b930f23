"""Tesseract: the second opinion on numbers and dates.

Alone it reads certificate pages badly (domain.md: 15–21% CER), so it only re-reads short
line crops, where it is cheap and, when both engines agree, reliable.

Line crops go to libtesseract through tesserocr, its models loaded once: the `tesseract`
command loads chi_sim for every crop, 0.35-1.9 s a crop where the reading itself takes
0.05 s. In-process calls cannot be timed out, so a Reader runs this engine in its own
process (extractors/ocr/worker.py), as it runs RapidOCR. Without tesserocr, the command.
"""

from __future__ import annotations

import os
import re
import subprocess
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
    cmd: str | None = None  # the command (pytesseract's tesseract_cmd), as the parent has it
    library: bool = True  # line crops through tesserocr when it is installed


class TesseractEngine:
    name = "tesseract"

    def __init__(self, options: TesseractOptions | None = None):
        import pytesseract

        self.options = options or TesseractOptions()
        self._pt = pytesseract
        if self.options.cmd:
            pytesseract.pytesseract.tesseract_cmd = self.options.cmd
        try:
            pytesseract.get_tesseract_version()
        except Exception as e:  # binary missing
            raise OcrEngineUnavailable(f"tesseract not found: {e}") from e
        self._apis: dict[str, object] = {}  # lang → tesserocr's PyTessBaseAPI, loaded once
        self._tessdata = _tessdata(pytesseract.pytesseract.tesseract_cmd)

    def _api(self, lang: str):
        """libtesseract for `lang` reading single lines, or None (no tesserocr, or it cannot
        load the command's own models): then the command reads the crop."""
        if self._tessdata is None or not self.options.library:
            return None
        if lang not in self._apis:
            try:
                import tesserocr

                self._apis[lang] = tesserocr.PyTessBaseAPI(
                    path=self._tessdata, lang=lang, psm=tesserocr.PSM.SINGLE_LINE
                )
            except (ImportError, RuntimeError):
                self._apis[lang] = None
        return self._apis[lang]

    def close(self) -> None:
        for api in self._apis.values():
            if api is not None:
                api.End()
        self._apis.clear()

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
        api = self._api(lang) if self.options.line_psm == 7 else None
        if api is not None:
            return _read_with_api(api, crop, whitelist or "")
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


def _read_with_api(api, crop: np.ndarray, whitelist: str) -> LineReading:
    """What `tesseract --psm 7` prints for the crop, word by word (image_to_data's words and
    confidences), from models already loaded."""
    import tesserocr
    from PIL import Image

    api.SetVariable("tessedit_char_whitelist", whitelist)  # "" lifts the last one
    api.SetImage(Image.fromarray(np.ascontiguousarray(crop)))
    try:
        if not api.Recognize():
            raise OcrEngineError("tesseract: recognition failed")
        words, confs = [], []
        level = tesserocr.RIL.WORD
        for word in tesserocr.iterate_level(api.GetIterator(), level):
            try:
                text = (word.GetUTF8Text(level) or "").strip()
            except RuntimeError:  # "No text returned": a blank crop, where the command prints none
                continue
            if text:
                words.append(text)
                confs.append(max(0.0, float(word.Confidence(level))) / 100.0)
    finally:
        api.Clear()
    return LineReading(text="".join(words), confidence=min(confs) if confs else 0.0)


def _tessdata(cmd: str) -> str | None:
    """The folder of the command's own models (`tesseract --list-langs` names it), so the
    library reads with the same chi_sim and eng; None without tesserocr."""
    try:
        import tesserocr  # noqa: F401
    except ImportError:
        return None
    try:
        out = subprocess.run([cmd, "--list-langs"], capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.SubprocessError):
        return None
    m = re.search(r'"([^"]+)"', out.stdout + out.stderr)
    return m.group(1) if m else None
