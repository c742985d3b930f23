"""The verify stages as plain functions; pipelines/flows.py wires them into a Prefect flow.

    plan_batch → inspect_file (per file) → read_page (per page) → packet_files →
    assess_applicant (per applicant) → assemble_results → write_outputs

Nothing here writes into BATCH_DIR, follows a link out of it, or depends on Prefect.
"""

from __future__ import annotations

import hashlib
import io
import logging
import os
import queue
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from pathlib import Path

import numpy as np
from PIL import Image

from extractors.declared import load_declared
from extractors.loaders import LoadOptions, load_file, render_page
from extractors.ocr.base import rotate_image
from extractors.read import Reader, ReadOptions
from matchers.assess import assess_applicant
from models.constants import MAX_PAGES_PER_APPLICANT, MAX_PAGES_PER_FILE, SUPPORTED_SUFFIXES
from models.declared import Applicant, DeclaredBatch
from models.evidence import FileInfo, PacketFile, PageReading
from models.exceptions import CredcheckError, OcrEngineError, UnreadableDocument, UsageError
from models.results import ApplicantResult, EvidenceRef, Results, Status

log = logging.getLogger(__name__)

# Bump when reading code changes in a way that should invalidate cached page readings.
READER_VERSION = "2026-11-21.1"


# ---------------------------------------------------------------- plan


@dataclass
class FilePlan:
    rel: str  # relative to BATCH_DIR, "/" separated
    path: Path
    sha256: str | None = None
    size: int = 0
    problem: CredcheckError | None = None  # refused before reading (link out of the batch…)


@dataclass
class ApplicantPlan:
    applicant: Applicant
    files: list[FilePlan] = field(default_factory=list)
    folder_missing: bool = False


@dataclass
class BatchPlan:
    batch_dir: Path
    declared: DeclaredBatch
    applicants: list[ApplicantPlan]

    @property
    def files(self) -> list[FilePlan]:
        return [f for a in self.applicants for f in a.files]


def _hash(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _walk(folder: Path, root: Path) -> Iterator[Path]:
    """Files under folder, sorted, without following directory links."""
    for dirpath, dirnames, filenames in os.walk(folder, followlinks=False):
        dirnames.sort()
        for name in sorted(filenames):
            yield Path(dirpath) / name


def _file_plan(path: Path, root: Path) -> FilePlan:
    from models.exceptions import UnsafePath

    rel = path.relative_to(root).as_posix()
    fp = FilePlan(rel=rel, path=path)
    try:
        if path.is_symlink():
            target = path.resolve(strict=False)
            if not target.is_relative_to(root.resolve()):
                raise UnsafePath(f"link to {target.name} outside the batch")
        if path.is_file():
            fp.size = path.stat().st_size
            fp.sha256 = _hash(path)
    except CredcheckError as e:
        fp.problem = e
    except OSError as e:
        fp.problem = UnreadableDocument(f"{type(e).__name__}: {e}")
    return fp


def plan_batch(batch_dir: Path) -> BatchPlan:
    """Declared applicants, each with the files of packets/<申报编号>/ (hashed, not read).

    A packet folder without a declared row still becomes an applicant (with a problem
    noted), so every file in the batch is looked at.
    """
    batch_dir = Path(batch_dir)
    if not batch_dir.is_dir():
        raise UsageError(f"{batch_dir} is not a folder", zh=f"批次目录不存在：{batch_dir}")
    declared = load_declared(batch_dir)
    packets = batch_dir / "packets"
    folders = {}
    if packets.is_dir():
        for p in sorted(packets.iterdir()):
            if p.is_dir() and not p.is_symlink():
                folders[p.name] = p
    plans: list[ApplicantPlan] = []
    seen: set[str] = set()
    for a in declared.applicants:
        if a.applicant_id in seen:
            continue  # the importer already reported the repeated 申报编号 on the first row
        seen.add(a.applicant_id)
        folder = folders.get(a.applicant_id)
        ap = ApplicantPlan(applicant=a, folder_missing=folder is None)
        if folder is not None:
            ap.files = [_file_plan(p, batch_dir) for p in _walk(folder, batch_dir)]
        plans.append(ap)
    for name, folder in folders.items():
        if name in seen:
            continue
        a = Applicant(applicant_id=name, problems=["申报表中没有该申报编号的记录，仅有材料文件夹"])
        plans.append(ApplicantPlan(a, [_file_plan(p, batch_dir) for p in _walk(folder, batch_dir)]))
    plans.sort(key=lambda p: p.applicant.applicant_id)
    return BatchPlan(batch_dir, declared, plans)


# ---------------------------------------------------------------- inspect and read


def load_options(batch_dir: Path, **kw) -> LoadOptions:
    return LoadOptions(root=Path(batch_dir), **kw)


def inspect_file(fp: FilePlan, batch_dir: Path) -> FileInfo:
    """Open and count the file's pages in the sandbox; a refused file gets its reason."""
    info = FileInfo(file=fp.rel, sha256=fp.sha256, size=fp.size)
    if fp.problem is not None:
        return _refused(info, fp.problem)
    if Path(fp.rel).suffix.lower() not in SUPPORTED_SUFFIXES:
        log.info("%s: unexpected suffix, sniffing content", fp.rel)
    try:
        loaded, _ = load_file(fp.path, rel=fp.rel, options=load_options(batch_dir, pages=()))
    except CredcheckError as e:
        return _refused(info, e)
    except FileNotFoundError:
        return _refused(info, UnreadableDocument("file vanished while reading"))
    info.kind, info.page_count, info.metadata = loaded.kind, loaded.page_count, loaded.metadata
    return info


def _refused(info: FileInfo, e: CredcheckError) -> FileInfo:
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
    _, rasters = load_file(fp.path, rel=fp.rel, options=load_options(batch_dir, pages=(page,)))
    if not rasters:
        raise UnreadableDocument(f"page {page} not found")
    text, upright = reader.ocr_page(rasters[0])
    docs = reader.documents(text, upright)
    return PageReading(
        file=fp.rel, page=page, documents=docs, rotation=text.rotation, unit=text.unit,
        width=text.width, height=text.height, seconds=round(time.perf_counter() - t0, 3),
    )  # fmt: skip


def pages_to_read(plan: ApplicantPlan, infos: dict[str, FileInfo]) -> dict[str, list[int]]:
    """Pages of each readable file, within the per-file and per-applicant limits."""
    out: dict[str, list[int]] = {}
    budget = MAX_PAGES_PER_APPLICANT
    for fp in plan.files:
        info = infos[fp.rel]
        if info.error_code:
            continue
        n = min(info.page_count, MAX_PAGES_PER_FILE, budget)
        out[fp.rel] = list(range(1, n + 1))
        budget -= n
    return out


def packet_files(
    plan: ApplicantPlan,
    infos: dict[str, FileInfo],
    pages: dict[tuple[str, int], PageReading | CredcheckError],
) -> list[PacketFile]:
    wanted = pages_to_read(plan, infos)
    out = []
    for fp in plan.files:
        info = infos[fp.rel]
        pf = PacketFile(
            file=fp.rel, sha256=info.sha256, size=info.size, error_code=info.error_code,
            reason_zh=info.reason_zh, detail=info.detail, page_count=info.page_count,
            metadata=info.metadata,
        )  # fmt: skip
        if info.error_code is None:
            nums = wanted.get(fp.rel, [])
            pf.pages_read = len(nums)
            if not nums and info.page_count:
                pf.skipped_reason_zh = f"申报人材料超过{MAX_PAGES_PER_APPLICANT}页上限，未识别"
            for k in nums:
                got = pages.get((fp.rel, k))
                if isinstance(got, PageReading):
                    pf.documents.extend(got.documents)
                else:
                    err = got or OcrEngineError("no result")
                    from models.document import PageFailure

                    pf.failures.append(
                        PageFailure(page=k, code=err.code, reason_zh=err.reason_zh,
                                    detail=err.detail)
                    )  # fmt: skip
        out.append(pf)
    return out


def assess(plan: ApplicantPlan, files: list[PacketFile], as_of: date) -> ApplicantResult:
    result = assess_applicant(plan.applicant, files, as_of=as_of)
    if plan.folder_missing:
        result.review_reasons.insert(0, "未找到该申报编号的材料文件夹（packets/申报编号/）")
        if result.status is Status.clear:
            result.status = Status.needs_review
    return result


def assemble_results(applicants: list[ApplicantResult]) -> Results:
    return Results(applicants=sorted(applicants, key=lambda a: a.applicant_id))


def results_json(results: Results) -> str:
    return results.model_dump_json(indent=2, exclude_none=False) + "\n"


# ---------------------------------------------------------------- evidence crops


class Cropper:
    """PNG crops of evidence boxes for report.html, drawn from the page as it was read."""

    MARGIN = 0.35  # of the box height, around the box
    MAX_WIDTH = 900

    def __init__(self, batch_dir: Path, pages: dict[tuple[str, int], PageReading]):
        self.batch_dir = Path(batch_dir)
        self.pages = pages
        self._page = lru_cache(maxsize=8)(self._upright)

    def _upright(self, file: str, page: int) -> np.ndarray | None:
        reading = self.pages.get((file, page))
        if reading is None:
            return None
        opts = load_options(self.batch_dir)
        try:
            img = render_page(self.batch_dir / file, page, rel=file, options=opts)
        except CredcheckError:
            return None
        if reading.unit == "pt" and reading.width:
            return img  # scaled in __call__
        return rotate_image(img, reading.rotation) if reading.rotation else img

    def _is_id_number(self, ref: EvidenceRef) -> bool:
        reading = self.pages.get((ref.file, ref.page))
        return reading is not None and any(
            f.key == "id_number" and f.evidence.bbox == ref.bbox
            for d in reading.documents
            for f in d.fields.values()
        )

    def __call__(self, ref: EvidenceRef) -> bytes | None:
        if ref.bbox is None:
            return None
        mask_digits = self._is_id_number(ref)
        img = self._page(ref.file, ref.page)
        if img is None:
            return None
        x0, y0, x1, y1 = ref.bbox
        reading = self.pages[(ref.file, ref.page)]
        if reading.unit == "pt" and reading.width:
            s = img.shape[1] / reading.width
            x0, y0, x1, y1 = x0 * s, y0 * s, x1 * s, y1 * s
        m = self.MARGIN * max(y1 - y0, 10)
        h, w = img.shape[:2]
        a0, b0 = max(0, int(x0 - 4 * m)), max(0, int(y0 - m))
        a1, b1 = min(w, int(x1 + 4 * m)), min(h, int(y1 + m))
        if a1 - a0 < 4 or b1 - b0 < 4:
            return None
        crop = Image.fromarray(np.ascontiguousarray(img[b0:b1, a0:a1]))
        if mask_digits:
            # ID numbers are masked in reports: cover the birth date and sequence digits.
            from PIL import ImageDraw

            bw = x1 - x0
            ImageDraw.Draw(crop).rectangle(
                (x0 - a0 + bw * 6 / 18, y0 - b0, x0 - a0 + bw * 14 / 18, y1 - b0), fill="black"
            )
        if crop.width > self.MAX_WIDTH:
            crop = crop.resize((self.MAX_WIDTH, round(crop.height * self.MAX_WIDTH / crop.width)))
        buf = io.BytesIO()
        crop.save(buf, "PNG", optimize=True)
        return buf.getvalue()
