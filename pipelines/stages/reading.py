"""Reading: inspect each file in the sandbox, read each page with a pooled Reader, hash the
page image, and load a page image again on demand (for image comparison and crops)."""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

import numpy as np
from PIL import Image

from extractors.loaders import LoadOptions, load_file, render_page
from extractors.ocr.base import rotate_image
from extractors.read import Reader, ReadOptions
from extractors.reconcile import SECOND_OPINION_FAILED, skipped
from models.constants import (
    CONTRACT_SUFFIXES,
)
from models.evidence import FileInfo, PageReading
from models.exceptions import (
    CredcheckError,
    OcrTimeout,
    UnreadableDocument,
)
from models.results import ApplicantResult
from pipelines.stages.plan import FilePlan

log = logging.getLogger(__name__)


def load_options(batch_dir: Path, **kw) -> LoadOptions:
    return LoadOptions(root=Path(batch_dir), **kw)


def inspect_file(fp: FilePlan, batch_dir: Path) -> FileInfo:
    """Open and count the file's pages in the sandbox; a refused file gets its reason."""
    info = FileInfo(file=fp.rel, sha256=fp.sha256, size=fp.size)
    if fp.problem is not None:
        return refused(info, fp.problem)
    if Path(fp.rel).suffix.lower() not in CONTRACT_SUFFIXES:
        log.info("%s: unexpected suffix, sniffing content", fp.rel)
    try:
        loaded, _ = load_file(
            fp.path, rel=fp.rel, options=load_options(batch_dir, pages=()), sha256=fp.sha256
        )
    except CredcheckError as e:
        return refused(info, e)
    except FileNotFoundError:
        return refused(info, UnreadableDocument("file vanished while reading"))
    except (OSError, RuntimeError) as e:  # permissions, name too long, a link loop…
        return refused(info, UnreadableDocument(f"{type(e).__name__}: {e}"))
    info.kind, info.page_count, info.metadata = loaded.kind, loaded.page_count, loaded.metadata
    return info


def refused(info: FileInfo, e: CredcheckError) -> FileInfo:
    info.error_code, info.reason_zh, info.detail = e.code, e.reason_zh, e.detail
    return info


class ReaderPool:
    """One Reader (and OCR worker process) per concurrent task: engines are not thread-safe."""

    def __init__(self, size: int, options: ReadOptions):
        self.size, self.options = max(1, size), options
        self._free: queue.Queue[Reader] = queue.Queue()
        self._made = 0
        self._lock = threading.Lock()
        self._all: list[Reader] = []

    @contextmanager
    def reader(self) -> Iterator[Reader]:
        try:
            r = self._free.get_nowait()
        except queue.Empty:
            with self._lock:
                make = self._made < self.size
                self._made += make
            if make:
                r = Reader(self.options)
                with self._lock:
                    self._all.append(r)
            else:
                r = self._free.get()
        try:
            yield r
        finally:
            self._free.put(r)

    def warm(self) -> None:
        """Make every Reader now and start its engine process (its models load in seconds),
        all at once, instead of on the first pages."""
        with self._lock:
            new = [Reader(self.options) for _ in range(self.size - self._made)]
            self._made += len(new)
            self._all.extend(new)
        threads = [threading.Thread(target=r.warm, daemon=True) for r in new]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        for r in new:
            self._free.put(r)

    def close(self) -> None:
        for r in self._all:
            r.close()
        self._all.clear()


def read_page(reader: Reader, fp: FilePlan, page: int, batch_dir: Path) -> PageReading:
    """OCR (or text layer) one page and extract its documents.

    Raises OcrEngineError (the flow retries, then records a page failure) and
    UnreadableDocument when the page cannot be loaded.
    """
    t0 = time.perf_counter()
    _, rasters = load_file(
        fp.path,
        rel=fp.rel,
        options=load_options(batch_dir, pages=(page,), metadata=False),
        sha256=fp.sha256,
    )  # metadata was read once, by inspect_file
    if not rasters:
        raise UnreadableDocument(f"page {page} not found")
    text, upright = reader.ocr_page(rasters[0])
    docs = reader.documents(text, upright)
    phash, dhash = page_hashes(upright)
    return PageReading(
        file=fp.rel, page=page, documents=docs, rotation=text.rotation, unit=text.unit,
        width=text.width, height=text.height, seconds=round(time.perf_counter() - t0, 3),
        phash=phash, dhash=dhash,
    )  # fmt: skip


def decisive_pages(
    applicants: list[ApplicantResult], pages: Mapping[tuple[str, int], object]
) -> list[tuple[str, int]]:
    """Pages a flag cites that hold a field whose second opinion was skipped (confident and
    valid): there tesseract's word decides, as it would have had it been asked (a one-digit
    ID difference tesseract doubts is a question for a reviewer, not ID_MISMATCH)."""
    out: dict[tuple[str, int], None] = {}
    for a in applicants:
        for flag in a.flags:
            for ev in flag.evidence:
                got = pages.get((ev.file, ev.page))
                if isinstance(got, PageReading) and _has_skipped(got):
                    out[(ev.file, ev.page)] = None
    return list(out)


def _has_skipped(reading: PageReading) -> bool:
    return any(skipped(f) for d in reading.documents for f in d.fields.values())


def second_look(
    reader: Reader, fp: FilePlan, page: int, batch_dir: Path, reading: PageReading
) -> PageReading:
    """The page's reading with the second opinions it skipped taken now, from the page
    decoded again and turned as it was read."""
    _, rasters = load_file(
        fp.path,
        rel=fp.rel,
        options=load_options(batch_dir, pages=(page,), metadata=False),
        sha256=fp.sha256,
    )
    if not rasters or rasters[0].image is None:
        return reading
    upright = rotate_image(rasters[0].image, reading.rotation)
    docs = [reader.second_look(d, upright) or d for d in reading.documents]
    return reading.model_copy(update={"documents": docs})


def read_in_a_hurry(reading: PageReading) -> bool:
    """Whether a tesseract re-read of the page timed out (a busy machine): the reading stands
    for this run but is not kept in the cache, so the next run reads the page again."""
    timed_out = f"{SECOND_OPINION_FAILED}: {OcrTimeout.code}"
    return any(
        n == timed_out for d in reading.documents for f in d.fields.values() for n in f.notes
    )


def page_hashes(upright: np.ndarray | None) -> tuple[str | None, str | None]:
    """pHash and dHash (16×16 → 256 bits) of a page, on a small grey copy."""
    if upright is None:
        return None, None
    import imagehash

    im = Image.fromarray(upright).convert("L")
    im.thumbnail((512, 512))
    return str(imagehash.phash(im, hash_size=16)), str(imagehash.dhash(im, hash_size=16))


def relabel(reading: PageReading, rel: str) -> PageReading:
    """A page reading under the name of the file it stands for: readings are cached by
    content, so identical files (one scan uploaded twice, or by two applicants) share one."""
    if reading.file == rel:
        return reading
    docs = []
    for d in reading.documents:
        fields = {
            k: f.model_copy(update={"evidence": f.evidence.model_copy(update={"file": rel})})
            for k, f in d.fields.items()
        }
        docs.append(d.model_copy(update={"file": rel, "fields": fields}))
    return reading.model_copy(update={"file": rel, "documents": docs})


class PageImages:
    """The upright image of a page as it was read, loaded again from BATCH_DIR on demand
    (matchers.imagematch aligns two pages whose certificates agree); None when the page was
    not read or no longer loads."""

    def __init__(self, batch_dir: Path, pages: Mapping[tuple[str, int], PageReading]):
        self.batch_dir = Path(batch_dir)
        self.pages = pages
        self.loaded = 0  # pages loaded so far

    def __call__(self, file: str, page: int) -> np.ndarray | None:
        reading = self.pages.get((file, page))
        if reading is None:
            return None
        self.loaded += 1
        try:
            img = render_page(
                self.batch_dir / file, page, rel=file, options=load_options(self.batch_dir)
            )
        except (CredcheckError, OSError):  # gone or changed since it was read
            return None
        if reading.unit == "pt" or not reading.rotation:
            return img
        return rotate_image(img, reading.rotation)
