"""The verify stages as plain functions; pipelines/flows.py wires them into a Prefect flow.

    plan_batch → inspect_file (per file) → read_page (per page) → packet_files →
    assess_applicant (per applicant) → cross_checks → write_outputs

Nothing here writes into BATCH_DIR, follows a link out of it, or depends on Prefect.
"""

from __future__ import annotations

import hashlib
import io
import logging
import os
import queue
import stat
import threading
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from pathlib import Path

import numpy as np
from PIL import Image

from extractors.declared import find_declared, load_declared
from extractors.loaders import LoadOptions, load_file, render_page, sha256_file
from extractors.ocr.base import rotate_image
from extractors.read import Reader, ReadOptions
from extractors.reconcile import SECOND_OPINION_FAILED
from matchers.assess import assess_applicant, flag_sort_key, status_of
from matchers.evidence import evidence_pairs, find_duplicate_evidence
from matchers.linkage.intake import intake_id, link_intake
from matchers.linkage.link import find_duplicate_applicants
from matchers.tamper import tamper_flags
from models.constants import (
    MAX_FILE_BYTES,
    MAX_PAGES_PER_APPLICANT,
    MAX_PAGES_PER_FILE,
    SUPPORTED_SUFFIXES,
)
from models.declared import Applicant, DeclaredBatch
from models.evidence import FileInfo, PacketFile, PageReading
from models.exceptions import (
    CorruptFile,
    CredcheckError,
    FileTooLarge,
    FolderUnreadable,
    LinkedFolder,
    OcrEngineError,
    OcrTimeout,
    UnreadableDocument,
    UnreadableName,
    UnsafePath,
    UnsupportedFileType,
    UsageError,
)
from models.results import ApplicantResult, EvidenceRef, Results, Status
from pipelines.atomic import write_bytes_atomic

log = logging.getLogger(__name__)

# Bump when reading code changes in a way that should invalidate cached page readings.
READER_VERSION = "2026-11-21.13"


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


MAX_FOLDER_DEPTH = 16  # packets/<申报编号>/a/b/…: deeper folders are flagged, not walked
_DECLARED_NAMES = ("declared.xlsx", "declared.csv", "awards.csv")


def _walk(folder: Path, root: Path, depth: int = 0) -> Iterator[Path]:
    """Entries under folder in path order, never following a link.

    Yields regular files and everything else that is not a plain folder (links to files or
    folders, FIFOs, devices): _file_plan refuses what must not be read. A folder that cannot
    be listed, or lies deeper than MAX_FOLDER_DEPTH, is yielded itself to be flagged.
    """
    try:
        with os.scandir(folder) as it:
            entries = sorted(it, key=lambda e: e.name)
    except OSError:
        yield folder
        return
    for entry in entries:
        path = Path(entry.path)
        try:
            is_dir = entry.is_dir(follow_symlinks=False)
        except OSError:
            is_dir = False
        if is_dir and depth < MAX_FOLDER_DEPTH:
            yield from _walk(path, root, depth + 1)
        else:
            yield path


def _label(rel: str) -> tuple[str, str | None]:
    """(text to name a path by, GB18030 reading) for a name that is not valid UTF-8.

    Such names come from archives made on Chinese Windows; Python keeps their bytes as lone
    surrogates, which JSON cannot carry. The label escapes the bytes (\\xd6…), so it is unique
    and printable; the GB18030 reading is for the message only.
    """
    try:
        rel.encode("utf-8")
        return rel, None
    except UnicodeEncodeError:
        pass
    raw = os.fsencode(rel)
    try:
        guess: str | None = raw.decode("gb18030")
    except UnicodeDecodeError:
        guess = None
    return raw.decode("utf-8", "backslashreplace"), guess


def _inside(path: Path, root: Path) -> bool:
    return path.is_relative_to(root.resolve())


def _file_plan(path: Path, root: Path) -> FilePlan:
    """A file to read, hashed; or refused before any byte of it is parsed.

    Refused: names that are not UTF-8, links that leave the batch, links to folders, links
    in a loop, anything not a regular file (FIFOs would block, devices never end), folders
    that cannot be listed or nest too deep, files over MAX_FILE_BYTES (not even hashed).
    """
    original = path.relative_to(root).as_posix()
    rel, guess = _label(original)
    fp = FilePlan(rel=rel, path=path)
    try:
        if rel != original:
            shown = f"（按 GB18030 编码读作“{guess}”）" if guess else ""
            raise UnreadableName(
                f"file name is not UTF-8: {rel}",
                zh=f"文件名的字符编码无法识别（不是 UTF-8）{shown}，未读取，"
                "请将文件重命名后重新提交",
            )
        if path.is_symlink():
            try:
                target = path.resolve(strict=False)
            except (RuntimeError, OSError) as e:  # a link loop: 3.11 raises RuntimeError
                raise CorruptFile(f"link cannot be resolved ({type(e).__name__}: {e})") from None
            if not _inside(target, root):
                raise UnsafePath(f"link to {target.name} outside the batch")
            if target.is_dir():
                raise LinkedFolder(f"link to the folder {target.name}")
        st = path.stat()  # follows a link that stays inside the batch
        if stat.S_ISDIR(st.st_mode):
            raise FolderUnreadable(f"folder not read (cannot be listed or nested deeper "
                                   f"than {MAX_FOLDER_DEPTH})")  # fmt: skip
        if not stat.S_ISREG(st.st_mode):
            raise UnsupportedFileType("not a regular file (FIFO, socket or device)")
        fp.size = st.st_size
        if st.st_size > MAX_FILE_BYTES:
            raise FileTooLarge(f"file has {st.st_size} bytes, limit {MAX_FILE_BYTES}")
        fp.sha256 = sha256_file(path)
    except CredcheckError as e:
        e.file = e.file or rel
        fp.problem = e
    except FileNotFoundError:
        fp.problem = CorruptFile("link to a missing file", file=rel)
    except OSError as e:
        fp.problem = UnreadableDocument(f"{type(e).__name__}: {e}", file=rel)
    return fp


def _check_not_linked_out(batch_dir: Path) -> None:
    """The declared tables and packets/ must lie inside the batch (nothing outside is read)."""
    try:
        entries = list(batch_dir.iterdir())
    except OSError as e:
        zh = f"批次目录无法读取：{batch_dir}"
        raise UsageError(f"cannot list {batch_dir}: {e}", zh=zh) from e
    for p in entries:
        if p.name.lower() not in (*_DECLARED_NAMES, "packets") or not p.is_symlink():
            continue
        try:
            target = p.resolve(strict=False)
        except (RuntimeError, OSError):
            target = None
        if target is None or not _inside(target, batch_dir):
            raise UsageError(
                f"{p.name} is a link outside the batch",
                zh=f"批次目录中的 {p.name} 是指向批次目录以外的链接，出于安全原因未读取；"
                "请将文件本身放入批次目录",
            )


def plan_batch(batch_dir: Path) -> BatchPlan:
    """Declared applicants, each with the files of packets/<申报编号>/ (hashed, not read).

    A packet folder without a declared row still becomes an applicant (with a problem
    noted), so every file in the batch is looked at. A link in packets/ becomes an applicant
    too, whose one "file" is the refused link.
    """
    batch_dir = Path(batch_dir)
    if not batch_dir.is_dir():
        raise UsageError(f"{batch_dir} is not a folder", zh=f"批次目录不存在：{batch_dir}")
    _check_not_linked_out(batch_dir)
    declared = load_declared(batch_dir)
    packets = batch_dir / "packets"
    folders: dict[str, Path] = {}
    if packets.is_dir():
        for p in sorted(packets.iterdir()):
            if p.is_symlink() or p.is_dir():
                folders[_label(p.name)[0]] = p
            else:
                log.warning("%s: a file directly in packets/, not in a packet folder", p.name)

    def files_of(folder: Path) -> list[FilePlan]:
        if folder.is_symlink():
            return [_file_plan(folder, batch_dir)]
        return [_file_plan(p, batch_dir) for p in _walk(folder, batch_dir)]

    plans: list[ApplicantPlan] = []
    seen: set[str] = set()
    for a in declared.applicants:
        if a.applicant_id in seen:
            continue  # the importer already reported the repeated 申报编号 on the first row
        seen.add(a.applicant_id)
        folder = folders.get(a.applicant_id)
        ap = ApplicantPlan(applicant=a, folder_missing=folder is None)
        if folder is not None:
            ap.files = files_of(folder)
        plans.append(ap)
    for name, folder in folders.items():
        if name in seen:
            continue
        problems = ["申报表中没有该申报编号的记录，仅有材料文件夹"]
        if name != folder.name:
            problems.append("材料文件夹名的字符编码无法识别（不是 UTF-8），申报编号按原始字节记录")
        a = Applicant(applicant_id=name, problems=problems)
        plans.append(ApplicantPlan(a, files_of(folder)))
    plans.sort(key=lambda p: p.applicant.applicant_id)
    return BatchPlan(batch_dir, declared, plans)


# ---------------------------------------------------------------- inspect and read


def load_options(batch_dir: Path, **kw) -> LoadOptions:
    return LoadOptions(root=Path(batch_dir), **kw)


def inspect_file(fp: FilePlan, batch_dir: Path) -> FileInfo:
    """Open and count the file's pages in the sandbox; a refused file gets its reason."""
    info = FileInfo(file=fp.rel, sha256=fp.sha256, size=fp.size)
    if fp.problem is not None:
        return refused(info, fp.problem)
    if Path(fp.rel).suffix.lower() not in SUPPORTED_SUFFIXES:
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


class PacketFilesView(Mapping[str, list[PacketFile]]):
    """Applicant id → its PacketFiles, built from the page readings each time it is asked
    for: held for every applicant at once, they would hold every page's documents."""

    def __init__(
        self,
        plan: BatchPlan,
        infos: dict[str, FileInfo],
        pages: Mapping[tuple[str, int], PageReading | CredcheckError],
    ):
        self._plans = {ap.applicant.applicant_id: ap for ap in plan.applicants}
        self._infos, self._pages = infos, pages

    def __getitem__(self, applicant_id: str) -> list[PacketFile]:
        return packet_files(self._plans[applicant_id], self._infos, self._pages)

    def __iter__(self) -> Iterator[str]:
        return iter(self._plans)

    def __len__(self) -> int:
        return len(self._plans)

    def __contains__(self, applicant_id: object) -> bool:
        return applicant_id in self._plans  # without building its files


def packet_files(
    plan: ApplicantPlan,
    infos: dict[str, FileInfo],
    pages: Mapping[tuple[str, int], PageReading | CredcheckError],
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
        result.status = status_of(result.flags, result.review_reasons)
    return result


def assessment_failed(plan: ApplicantPlan, e: Exception) -> ApplicantResult:
    """The applicant still appears, for a reviewer, when assessing them hit a bug."""
    a = plan.applicant
    return ApplicantResult(
        applicant_id=a.applicant_id, program=a.program, name=a.name,
        status=Status.needs_review,
        review_reasons=[f"自动核验出错（{type(e).__name__}），请人工审核全部材料"],
    )  # fmt: skip


def cross_checks(
    applicants: list[ApplicantResult],
    plan: BatchPlan,
    files: Mapping[str, list[PacketFile]],
    pages: Mapping[tuple[str, int], PageReading],
    *,
    history_path: Path | None = None,
) -> Results:
    """Checks across applicants: the same person twice (DUPLICATE_APPLICANT, also against
    earlier intakes in the history database), the same certificate twice
    (DUPLICATE_EVIDENCE), and files showing signs of editing (TAMPER_SUSPECTED flags).
    Page images are loaded again (`PageImages`) only for pages whose certificate content
    agrees with another applicant's, to align the two."""
    declared = [ap.applicant for ap in plan.applicants]
    if history_path is not None:
        # The intake is named by its declared file's content, so a re-run never meets itself.
        src, _awards = find_declared(plan.batch_dir)
        groups = link_intake(declared, history_path, intake=intake_id(src), source=src.name).groups
    else:
        groups = find_duplicate_applicants(declared)
    pairs = evidence_pairs(files, pages, images=PageImages(plan.batch_dir, pages))
    groups += find_duplicate_evidence(files, pages, pairs=pairs)
    tampered = tamper_flags(files, pages, pairs=pairs)
    for a in applicants:
        extra = tampered.get(a.applicant_id, [])
        if extra:
            a.flags = sorted([*a.flags, *extra], key=flag_sort_key)
            a.status = status_of(a.flags, a.review_reasons)
    groups.sort(key=lambda g: (g.code.value, g.applicant_ids, g.files or []))
    return Results(applicants=sorted(applicants, key=lambda a: a.applicant_id), duplicates=groups)


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


def results_json(results: Results) -> str:
    return results.model_dump_json(indent=2, exclude_none=False) + "\n"


# ---------------------------------------------------------------- evidence crops


class Cropper:
    """PNG crops of evidence boxes for report.html, drawn from the page as it was read."""

    MARGIN = 0.35  # of the box height, around the box
    MAX_WIDTH = 900

    def __init__(
        self,
        batch_dir: Path,
        pages: Mapping[tuple[str, int], PageReading],
        *,
        shas: dict[str, str | None] | None = None,
        cache_dir: Path | None = None,
    ):
        self.batch_dir = Path(batch_dir)
        self.pages = pages
        # Text-layer pages come unturned (boxes in points, scaled in _crop).
        self._page = lru_cache(maxsize=8)(PageImages(batch_dir, pages))
        # Crops of files whose hash is known are kept under cache_dir: a re-run of an unchanged
        # batch renders no page again (rendering was most of a second run's time).
        self.shas = shas or {}
        self.cache_dir = cache_dir

    def _is_id_number(self, ref: EvidenceRef) -> bool:
        reading = self.pages.get((ref.file, ref.page))
        return reading is not None and any(
            f.key == "id_number" and f.evidence.bbox == ref.bbox
            for d in reading.documents
            for f in d.fields.values()
        )

    def _cache_path(self, ref: EvidenceRef, mask_digits: bool) -> Path | None:
        sha, reading = self.shas.get(ref.file), self.pages.get((ref.file, ref.page))
        if self.cache_dir is None or not sha or reading is None:
            return None
        spec = ":".join(map(str, (
            READER_VERSION, sha, ref.page, reading.rotation, reading.unit, reading.width,
            ref.bbox, mask_digits, self.MARGIN, self.MAX_WIDTH,
        )))  # fmt: skip
        return self.cache_dir / f"{hashlib.sha256(spec.encode()).hexdigest()[:32]}.png"

    def __call__(self, ref: EvidenceRef) -> bytes | None:
        if ref.bbox is None:
            return None
        mask_digits = self._is_id_number(ref)
        cached = self._cache_path(ref, mask_digits)
        if cached is not None and cached.is_file():
            return cached.read_bytes()
        data = self._crop(ref, mask_digits)
        if cached is not None and data is not None:
            write_bytes_atomic(cached, data)
        return data

    def _crop(self, ref: EvidenceRef, mask_digits: bool) -> bytes | None:
        assert ref.bbox is not None
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
