"""The reading stage: one file → pages → positioned text → documents with fields.

`Reader` holds the engines for a run (they are heavy: load once, reuse); `Reader.read_file`
is the plain function the pipeline wraps in a task.
"""

from __future__ import annotations

import logging
import re
import time
from pathlib import Path

import numpy as np
from pydantic import BaseModel, ConfigDict

from extractors import normalize as nz
from extractors.classify import classify_page, split_documents
from extractors.fields import extract_fields, extract_roster, seal_fields, wants_seals
from extractors.loaders import LoadOptions, load_file
from extractors.ocr.base import downscale, rotate_image
from extractors.ocr.registry import get_engine
from extractors.ocr.worker import EngineWorker
from extractors.reconcile import SecondOpinion, crop, second_look, second_opinion
from extractors.seals import read_seals
from models import (
    BBox,
    DocType,
    DocumentReading,
    Evidence,
    ExtractedField,
    FileReading,
    OcrMode,
    PageFailure,
    PageText,
    RasterPage,
    TextLine,
)
from models.catalogue import SECOND_OPINION_FIELDS
from models.constants import OCR_PAGE_TIMEOUT_S, TESSERACT_CROP_TIMEOUT_S
from models.exceptions import OcrEngineError

log = logging.getLogger(__name__)

# Bump when reading code (here, in fields, classify, reconcile, layout, loaders or ocr/)
# changes in a way that should invalidate cached page readings and crops.
READER_VERSION = "2026-12-08.13"  # .5: second opinions on doubt, seals; .6: text-layer columns;
# .7: short/future years checked against the page's years, ID-card ethnicity rows; .8: names'
# middle dots, quotes over a line break, a year's second glyph, headless ethnic groups;
# .9: no middle dot guessed back into a name; .10: 性别 read onto a name; .11: a diploma's
# level from its number and program length, 同志's 同, a list's names glued across columns
# .12: issuers' stray heads and lost 市, Chinese-numeral date repairs, a stop label's value,
# overprint words and 兹证明 no names, 具备…系列 titles, an ethnicity after its misread label,
# a Chinese-numeral year's E, an issuer's label head and lost first glyph
# .13: poor scans' misread phrases, prose committees, seal-note brackets, skewed rows, 第N届

# A whole date in words or digits: 二〇一九年八月十二日, 2019年8月12日.
_DATE_LINE = re.compile(r"年.{1,3}月.{1,4}日")
MAX_DATE_REREADS = 3  # per page; a certificate prints one or two dates


def _whole_date(text: str) -> bool:
    return len(nz.parse_date(text) or "") == len("YYYY-MM-DD")


def _month_day(text: str) -> str:
    return re.sub(r"\s", "", text.rsplit("年", 1)[-1].split("日", 1)[0])


class ReadOptions(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    engine: str = "rapidocr"
    # A confident reading that validates keeps its value whatever tesseract says; it is re-read
    # only when a flag comes to cite its page (`Reader.second_look`), as `always` would have.
    second_opinion: SecondOpinion = SecondOpinion.on_doubt
    isolate_engine: bool = True  # engine in a child process, so a hung page can be killed
    page_timeout_s: float = OCR_PAGE_TIMEOUT_S
    engine_threads: int = 0  # 0 = all cores
    engine_max_side: int | None = 2000  # RapidOCR's working size: it reads nothing finer
    # Then a fresh engine process (its memory; worker.py). A call is a page or, now and then,
    # one of its date lines read again.
    engine_max_calls: int | None = 250
    load: LoadOptions = LoadOptions()


class Reader:
    def __init__(self, options: ReadOptions | None = None):
        self.options = options or ReadOptions()
        engine_opts = {}
        if self.options.engine == "rapidocr" and self.options.engine_threads:
            from extractors.ocr.rapid import RapidOptions

            engine_opts["options"] = RapidOptions(threads=self.options.engine_threads)
        if self.options.isolate_engine:
            self._engine = EngineWorker(
                self.options.engine, engine_opts, timeout_s=self.options.page_timeout_s,
                max_calls=self.options.engine_max_calls,
            )  # fmt: skip
        else:
            self._engine = _Inline(get_engine(self.options.engine, **engine_opts))
        self._tess = None
        self.tesseract_note = ""
        # Time spent reading line crops again: tesseract's second opinion, RapidOCR's date lines.
        self.crop_seconds = 0.0  # (for benchmarks)

    # -- engines -----------------------------------------------------------------------------
    def _tesseract(self):
        if self._tess is None and self.options.second_opinion is not SecondOpinion.never:
            try:
                if self.options.isolate_engine:  # a crop that hangs it is killed with it
                    self._tess = TesseractLines.start()
                else:
                    self._tess = get_engine("tesseract")
            except OcrEngineError as e:  # not installed, or its process did not start
                self.tesseract_note = f"second opinion off: {e}"
                self._tess = False
        return self._tess or None

    def warm(self) -> None:
        """Start the engine (its process and models) before the first page needs it; a
        failure here is left for the first page to meet and report."""
        start = getattr(self._engine, "start", None)  # an in-process engine is loaded
        try:
            if start is not None:
                start()
        except OcrEngineError as e:
            log.info("engine warm-up failed: %s", e.code)
        self._tesseract()  # its models too (a failure is kept as the note the pages carry)

    def close(self) -> None:
        for engine in (self._engine, self._tess):
            close = getattr(engine, "close", None)
            if close:
                close()

    def __enter__(self) -> Reader:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- stages ------------------------------------------------------------------------------
    def ocr_page(self, raster: RasterPage) -> tuple[PageText, np.ndarray | None]:
        """Positioned text of one page and the upright image it was read from."""
        t0 = time.perf_counter()
        if raster.mode is OcrMode.text_layer:
            page = PageText(
                file=raster.file, page=raster.page, mode=raster.mode, width=raster.width,
                height=raster.height, unit="pt", lines=raster.text_lines, engine="text_layer",
            )  # fmt: skip
            return page, None
        assert raster.image is not None
        # The engine reads at its working size; sending it no more pixels than that saves
        # copying a 26 MB page between processes. Boxes come back in full-page pixels.
        small, scale = downscale(raster.image, self.options.engine_max_side)
        result = self._engine.call("read_page", small)
        upright = rotate_image(raster.image, result.rotation)
        lines = result.lines
        if scale != 1.0:
            lines = [
                ln.model_copy(update={"bbox": tuple(round(v / scale, 1) for v in ln.bbox)})
                for ln in lines
            ]
        lines = self._reread_dates(lines, upright)
        page = PageText(
            file=raster.file, page=raster.page, mode=raster.mode, width=upright.shape[1],
            height=upright.shape[0], unit="px", rotation=result.rotation, lines=lines,
            engine=self.options.engine, seconds=round(time.perf_counter() - t0, 3),
        )  # fmt: skip
        return page, upright

    def _reread_dates(self, lines: list[TextLine], upright: np.ndarray) -> list[TextLine]:
        """Lines printing a whole date (…年…月…日) that does not parse are read again from the
        full-resolution crop: the page was read at the engine's working size, where a
        Chinese-numeral year loses or changes a glyph now and then (二0十九年 for 二〇一九年).
        The second reading is kept only when it parses and reads the same month and day."""
        out, tries = list(lines), 0
        for i, ln in enumerate(lines):
            if tries >= MAX_DATE_REREADS or not _DATE_LINE.search(ln.text):
                continue
            if _whole_date(ln.text):
                continue
            tries += 1
            t = time.perf_counter()
            try:
                got = self._engine.call("read_line", crop(upright, ln.bbox, pad=0.15))
            except OcrEngineError as e:
                log.info("date line re-read failed on a page: %s", e.code)
                continue
            finally:
                self.crop_seconds += time.perf_counter() - t
            text = getattr(got, "text", "")
            # The year is what was garbled; month and day must read the same both times, so
            # a crop that caught a neighbouring line's date is not taken.
            if _whole_date(text) and _month_day(text) == _month_day(ln.text):
                conf = min(ln.confidence, getattr(got, "confidence", 0.0))
                out[i] = ln.model_copy(update={"text": text, "confidence": conf})
        return out

    def _reread_ethnicity(
        self, page: PageText, fields: dict[str, ExtractedField], upright: np.ndarray
    ) -> None:
        """An ID card's 民族 is one glyph beside its label, which the page-sized reading
        loses or misreads now and then ("民族没"); the value's own crop, read at full size,
        seldom does. Taken only when it names an ethnic group."""
        for ln in page.lines:
            at = ln.text.find("民族")
            if at < 0 and re.match(r"[\u4e00-\u9fff]族", ln.text.strip()):
                at = ln.text.find(ln.text.strip())  # the label with its 民 misread: "安族"
            if not 0 <= at <= 1 or len(ln.text.strip()) > 6:
                continue  # the label, not a 仅供少数民族…申报使用 line across the card
            x0, y0, x1, y1 = ln.bbox
            h = y1 - y0
            n = max(1, len(ln.text))
            start = x0 + (x1 - x0) * (at + 2) / n  # glyphs of an ID card are evenly spaced
            # The value inside the line's box, or (the box ends at the label) beside it.
            box = (start, y0, max(x1, start + 3.5 * h), y1)
            H, W = upright.shape[:2]
            best: tuple[float, str, str] | None = None
            # Xinjiang cards print the Uyghur word over the value (its dots read 汉 as 汶, or
            # hide 哈): crops that begin a quarter down the line leave it out. Glyph positions
            # may be off (a box holding label and value, the value lost): crops from the
            # label's middle and its start too; the most confident reading is kept.
            mid = x0 + (x1 - x0) * (at + 1) / n
            for left, above, below in (
                (start, -0.25, 0.2), (mid, -0.25, 0.2), (x0, -0.25, 0.2), (start, -0.4, 0.2),
                (x0, -0.4, 0.2), (start, 0.4, 0.4), (start, 0.1, 0.1),
            ):  # fmt: skip
                a, b = max(0, int(left - 0.4 * h)), max(0, int(y0 - above * h))
                c, d = min(W, int(box[2] + 0.4 * h)), min(H, int(y1 + below * h))
                t = time.perf_counter()
                try:
                    got = self._engine.call("read_line", np.ascontiguousarray(upright[b:d, a:c]))
                except OcrEngineError as e:
                    log.info("ethnicity re-read failed on a page: %s", e.code)
                    return
                finally:
                    self.crop_seconds += time.perf_counter() - t
                text = re.sub(r"[^\u4e00-\u9fff]", "", getattr(got, "text", ""))
                tail = text.rsplit("族", 1)[-1] or text
                # The value ends the line: its longest ending that names a group (安汉 → 汉).
                value = next(
                    (v for i in range(len(tail)) if (v := nz.normalize_ethnicity(tail[i:]))),
                    None,
                )
                conf = float(getattr(got, "confidence", 0.0))
                if value and (best is None or conf > best[0]):
                    best = (conf, value, text)
                if best and best[0] >= 0.8:
                    break
            if best is not None:
                conf, value, text = best
                fields["ethnicity"] = ExtractedField(
                    key="ethnicity", value=value, raw=text,
                    confidence=round(min(ln.confidence, conf), 4),
                    evidence=Evidence(file=page.file, page=page.page,
                                      bbox=tuple(round(v, 1) for v in box)),
                    notes=["found: re-read beside its label"],
                )  # fmt: skip
            return

    def _read_seals(
        self, page: PageText, doc_type: DocType, fields: dict[str, ExtractedField],
        upright: np.ndarray, region: BBox | None,
    ) -> None:  # fmt: skip
        """The names around the rims of the document's seals, where its print left a gap."""
        t = time.perf_counter()
        if region is not None:  # one of two certificates on the sheet: its own seals only
            x0, y0, x1, y1 = (int(v) for v in region)
            image, dx, dy = upright[y0:y1, x0:x1], x0, y0
        else:
            image, dx, dy = upright, 0, 0

        def read_line(strip: np.ndarray) -> object:
            return self._engine.call("read_line", strip)

        try:
            texts = read_seals(image, read_line)
        except OcrEngineError as e:
            log.info("seal read failed on a page: %s", e.code)
            return
        finally:
            self.crop_seconds += time.perf_counter() - t
        texts = [st.moved(dx, dy) for st in texts]
        seal_fields(doc_type, fields, texts, page.file, page.page)

    def documents(self, page: PageText, upright: np.ndarray | None) -> list[DocumentReading]:
        try:
            return self._documents(page, upright)
        except Exception as e:  # a bug in a rule must not lose the page: show it instead
            log.exception("field extraction failed on %s p%d", page.file, page.page)
            return [
                DocumentReading(
                    file=page.file,
                    page=page.page,
                    doc_type=DocType.other,
                    warnings=[f"field extraction failed: {type(e).__name__}: {e}"],
                )  # fmt: skip
            ]

    def _documents(self, page: PageText, upright: np.ndarray | None) -> list[DocumentReading]:
        return [
            self._document(part, upright, region)
            for region, part in split_documents(page)
        ]  # fmt: skip

    def _document(
        self, page: PageText, upright: np.ndarray | None, region: BBox | None
    ) -> DocumentReading:
        cls = classify_page(page)
        fields = extract_fields(page, cls.doc_type)
        tess = self._tesseract() if upright is not None else None
        if tess is not None and fields:
            t = time.perf_counter()
            second_opinion(
                fields, upright, tess.read_line, policy=self.options.second_opinion,
                keys=_second_opinion_keys(cls.doc_type),
            )  # fmt: skip
            self.crop_seconds += time.perf_counter() - t
        if upright is not None and cls.doc_type is DocType.id_card and "ethnicity" not in fields:
            self._reread_ethnicity(page, fields, upright)
        if upright is not None and wants_seals(cls.doc_type, fields):
            self._read_seals(page, cls.doc_type, fields, upright, region)
        confidence = _confidence(cls.confidence, fields)
        warnings = [self.tesseract_note] if self.tesseract_note else []
        if not page.lines:
            warnings.append("no text found on page")
        roster = extract_roster(page) if cls.doc_type is DocType.award_certificate else []
        return DocumentReading(
            file=page.file,
            page=page.page,
            doc_type=cls.doc_type,
            doc_type_confidence=cls.confidence,
            region=region,
            fields=fields,
            roster=roster,
            confidence=confidence,
            rotation=page.rotation,
            warnings=warnings,
        )  # fmt: skip

    def second_look(self, doc: DocumentReading, upright: np.ndarray) -> DocumentReading | None:
        """The document with the second opinions skipped while its page was read taken now
        (a flag came to rest on it); None when there were none to take. Same fields, notes
        and confidence as reading the page with `SecondOpinion.always`."""
        tess = self._tesseract()
        if tess is None:
            return None
        fields = {k: f.model_copy(deep=True) for k, f in doc.fields.items()}
        t = time.perf_counter()
        try:
            if not second_look(fields, upright, tess.read_line):
                return None
        finally:
            self.crop_seconds += time.perf_counter() - t
        return doc.model_copy(
            update={"fields": fields, "confidence": _confidence(doc.doc_type_confidence, fields)}
        )

    def read_file(self, path: Path, *, rel: str | None = None) -> FileReading:
        """Read one file. Raises UnreadableDocument when the file as a whole cannot be read;
        a page the engine fails on becomes a PageFailure and the other pages go on."""
        t0 = time.perf_counter()
        loaded, rasters = load_file(Path(path), rel=rel, options=self.options.load)
        out = FileReading(file=loaded.file, loaded=loaded)
        for raster in rasters:
            try:
                page, upright = self.ocr_page(raster)
            except OcrEngineError as e:
                out.failures.append(
                    PageFailure(page=raster.page, code=e.code, reason_zh=e.reason_zh,
                                detail=e.detail)
                )  # fmt: skip
                continue
            out.pages.append(page)
            out.documents.extend(self.documents(page, upright))
        out.seconds = round(time.perf_counter() - t0, 3)
        return out


def _confidence(doc_type_confidence: float, fields: dict[str, ExtractedField]) -> float:
    confs = [f.confidence for f in fields.values()]
    return round(doc_type_confidence * (sum(confs) / len(confs) if confs else 1.0), 4)


def _second_opinion_keys(doc_type: DocType) -> tuple[str, ...]:
    """Fields re-read by tesseract. A certificate number is checked against the structure
    of skill certificates' numbers, so only there: on a title or award certificate a
    misread with a stray digit can pass that structure ("5202631326436" for 202631326436)
    and would win over the right reading."""
    if doc_type is DocType.skill_certificate:
        return SECOND_OPINION_FIELDS
    return tuple(k for k in SECOND_OPINION_FIELDS if k != "cert_no")


class TesseractLines:
    """tesseract's `read_line` in its own process (EngineWorker): libtesseract keeps its
    models loaded there, and a crop it hangs on is killed after TESSERACT_CROP_TIMEOUT_S."""

    def __init__(self, worker: EngineWorker):
        self.worker = worker

    @classmethod
    def start(cls, timeout_s: float = TESSERACT_CROP_TIMEOUT_S) -> TesseractLines:
        """A worker started now, with this process's tesseract command (pytesseract's)."""
        import pytesseract

        from extractors.ocr.tess import TesseractOptions

        cmd = pytesseract.pytesseract.tesseract_cmd
        options = {"options": TesseractOptions(timeout_s=timeout_s, cmd=cmd)}
        worker = EngineWorker("tesseract", options, timeout_s=timeout_s)
        worker.start()
        return cls(worker)

    def read_line(self, crop: np.ndarray, *, whitelist: str | None = None):
        return self.worker.call("read_line", crop, whitelist=whitelist)

    def close(self) -> None:
        self.worker.close()


class _Inline:
    """Same `call` surface as EngineWorker, in-process (no time bound): for tests and benches."""

    def __init__(self, engine):
        self.engine = engine

    def call(self, method: str, *args, **kwargs):
        try:
            return getattr(self.engine, method)(*args, **kwargs)
        except OcrEngineError:
            raise
        except Exception as e:
            raise OcrEngineError(f"{type(e).__name__}: {e}") from e
