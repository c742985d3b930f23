"""Files → pages: sniff the real type, then parse PDFs and images inside the sandbox.

The parent only stats, sniffs the first bytes and hashes; every byte the parsers see is parsed
in a forked child (extractors/sandbox.py) because pdfium can abort the process and both
readers can be made to allocate gigabytes (../shared/spec/stack.md).

Coordinates: text-layer pages are in points with a top-left origin, relative to the page's
crop box (what pdfium renders), and carry dpi=72 so that width / dpi is inches for every page;
rendered and image pages are in pixels at the dpi recorded on the page.
"""

from __future__ import annotations

import codecs
import contextlib
import functools
import hashlib
import math
import mmap
import os
import re
import stat
import unicodedata
import warnings
import zlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pdfplumber
import pypdfium2 as pdfium
from pdfminer.pdfdocument import PDFPasswordIncorrect
from pdfminer.pdfpage import PDFPage
from pdfplumber.page import Page as PlumberPage
from pdfplumber.utils.exceptions import PdfminerException
from PIL import Image, ImageFile, ImageOps
from pydantic import BaseModel, ConfigDict, Field

from extractors.sandbox import iter_sandboxed, run_sandboxed
from models.constants import (
    LOADER_MEMORY_BYTES,
    LOADER_TIMEOUT_S,
    MAX_FILE_BYTES,
    MAX_IMAGE_PIXELS,
    MAX_PAGES_PER_FILE,
    MAX_RENDER_PIXELS,
    READABLE_SUFFIXES,
    RENDER_DPI,
)
from models.document import LoadedFile, OcrMode, RasterPage, TextLine
from models.exceptions import (
    CorruptFile,
    CredcheckError,
    DecompressionBomb,
    EmptyFile,
    EncryptedFile,
    FileTooLarge,
    PageTooLarge,
    UnsafePath,
    UnsupportedFileType,
    UsageError,
)

__all__ = [
    "LoadOptions",
    "fit_dpi",
    "group_lines",
    "load_file",
    "render_page",
    "sniff_type",
    "text_layer_usable",
    "to_rgb",
]

# Set on purpose rather than inherited: Pillow refuses images above 2× this at open, and we
# turn its warning between 1× and 2× into an error as well.
Image.MAX_IMAGE_PIXELS = MAX_IMAGE_PIXELS
ImageFile.LOAD_TRUNCATED_IMAGES = False  # a half-received scan must not pass as a page

DEFAULT_IMAGE_DPI = 300.0
# A text layer counts only with this many CJK characters and at most this share of glyphs
# without a Unicode mapping ("(cid:N)", U+FFFD, private use).
MIN_CJK_CHARS = 8
MAX_GARBAGE_SHARE = 0.3
_HEAD_BYTES = 4096
_MAX_META_CHARS = 300
_MAX_XMP_BYTES = 1 << 20


class LoadOptions(BaseModel):
    """Limits for reading one file. Defaults come from models/constants.py."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    max_pages: int = Field(MAX_PAGES_PER_FILE, ge=1)
    dpi: float = Field(RENDER_DPI, ge=72, le=1200)
    max_render_pixels: int = Field(MAX_RENDER_PIXELS, ge=10_000)
    timeout_s: float = Field(LOADER_TIMEOUT_S, gt=0)
    memory_bytes: int = Field(LOADER_MEMORY_BYTES, ge=64 * 2**20)
    root: Path | None = None  # files (after resolving symlinks) must lie under it
    # 1-based pages to return (None: all up to max_pages; (): none, only check and count).
    pages: tuple[int, ...] | None = None
    # Read the file's metadata (PDF info, XMP, %%EOF count; EXIF, PNG text): once per file is
    # enough, so a caller loading page by page turns it off.
    metadata: bool = True
    sandbox: bool = True  # False parses in-process: for debugging only


# --- public API -----------------------------------------------------------------------------


def load_file(
    path: Path,
    *,
    rel: str | None = None,
    options: LoadOptions | None = None,
    sha256: str | None = None,
) -> tuple[LoadedFile, list[RasterPage]]:
    """Read a PDF or image into pages: text-layer pages carry text lines, others an RGB image.

    At most options.max_pages pages are returned; LoadedFile.page_count is the real count and
    pages_truncated says when pages were left out. Raises UnreadableDocument subclasses.
    `sha256`: the file's hash when the caller already has it (a batch reads a file once per
    page; hashing it again each time is wasted I/O).
    """
    opts = options or LoadOptions()
    label = rel if rel is not None else str(path)
    with _name_file(label):
        real, size = _checked_path(Path(path), opts.root)
        kind, fmt = sniff_type(_read_head(real), Path(path).suffix or real.suffix, size)
        digest = sha256 or sha256_file(real)
        worker = _pdf_pages if kind == "pdf" else _image_pages
        items = list(_run_iter(worker, opts, label, str(real), label, fmt, opts))
    header, pages, trailer = items[0], items[1:-1], items[-1]
    assert isinstance(header, _Header) and isinstance(trailer, _Trailer)
    metadata = {**header.metadata, **trailer.metadata}
    if trailer.warnings:
        metadata["loader_warnings"] = trailer.warnings
    loaded = LoadedFile(
        file=label,
        kind=kind,
        sha256=digest,
        page_count=header.page_count,
        metadata=metadata,
        pages_truncated=header.page_count > opts.max_pages,
    )
    return loaded, pages


def render_page(
    path: Path,
    page_no: int,
    dpi: float = RENDER_DPI,
    *,
    rel: str | None = None,
    options: LoadOptions | None = None,
) -> np.ndarray:
    """Render one page (1-based) of a PDF, or return one frame of an image, as H×W×3 RGB.

    For PDFs the dpi is lowered when the page would exceed options.max_render_pixels; the
    dpi used is image width / page width in points × 72 (RasterPage.width of a text-layer
    page is in points). Images come back at their own resolution (dpi is ignored).
    """
    opts = options or LoadOptions()
    label = rel if rel is not None else str(path)
    if page_no < 1 or not dpi > 0:
        raise UsageError(f"page {page_no} at {dpi} dpi: pages count from 1, dpi must be > 0")
    with _name_file(label):
        real, size = _checked_path(Path(path), opts.root)
        kind, fmt = sniff_type(_read_head(real), Path(path).suffix or real.suffix, size)
        worker = _render_pdf_page if kind == "pdf" else _render_image_frame
        fn = functools.partial(worker, str(real), label, fmt, page_no, dpi, opts)
        if not opts.sandbox:
            return fn()
        return run_sandboxed(
            fn, timeout_s=opts.timeout_s, memory_bytes=opts.memory_bytes, file=label
        )


# --- parent side: path, size, type ----------------------------------------------------------


@contextlib.contextmanager
def _name_file(label: str) -> Iterator[None]:
    """Name the file on errors raised without one (the checks below, the sandbox)."""
    try:
        yield
    except CredcheckError as e:
        if e.file is None:
            e.file = label
        raise


def _checked_path(path: Path, root: Path | None) -> tuple[Path, int]:
    """Resolve symlinks, refuse anything outside root or not a regular file; return size."""
    if not os.path.lexists(path):
        raise FileNotFoundError(path)
    real = path.resolve(strict=False)
    if root is not None and not real.is_relative_to(root.resolve()):
        raise UnsafePath(f"{path} resolves to {real}, outside {root}")
    try:
        st = real.stat()
    except FileNotFoundError:
        raise CorruptFile(f"{path} is a link to a missing file") from None
    if not stat.S_ISREG(st.st_mode):
        # FIFOs and devices would block or never end.
        raise UnsupportedFileType(f"{path} is not a regular file")
    if st.st_size == 0:
        raise EmptyFile("file has 0 bytes")
    if st.st_size > MAX_FILE_BYTES:
        # No dedicated class yet (a FileTooLarge was proposed to the lead).
        raise FileTooLarge(f"file has {st.st_size} bytes, limit {MAX_FILE_BYTES}")
    return real, st.st_size


def _read_head(path: Path) -> bytes:
    with open(path, "rb") as f:
        return f.read(_HEAD_BYTES)


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


_HEIF_BRANDS = (b"heic", b"heix", b"hevc", b"heim", b"heis", b"mif1", b"msf1", b"avif", b"avis")


def sniff_type(head: bytes, suffix: str = "", size: int | None = None) -> tuple[str, str]:
    """("pdf", "PDF") or ("image", Pillow format name) from the first bytes, whatever the
    extension says; raises UnsupportedFileType / CorruptFile / EmptyFile otherwise."""
    if not head or size == 0:
        raise EmptyFile("file has 0 bytes")
    named = f"file named {suffix!r}" if suffix else "file without extension"
    if b"%PDF-" in head[:1024]:  # readers accept up to 1 KiB of junk before the header
        return "pdf", "PDF"
    if head.startswith(b"\xff\xd8\xff"):
        return "image", "JPEG"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image", "PNG"
    if head[:4] in (b"II*\x00", b"MM\x00*", b"II+\x00", b"MM\x00+"):
        return "image", "TIFF"
    if head.startswith(b"BM") and len(head) >= 26:
        return "image", "BMP"
    if head.startswith(b"RIFF") and head[8:12] == b"WEBP":
        return "image", "WEBP"
    other = _recognise_other(head)
    if other is not None:
        raise UnsupportedFileType(f"{named} is actually {other}")
    if suffix.lower() in READABLE_SUFFIXES:
        raise CorruptFile(f"{named} matches no known format (first bytes {head[:8].hex()})")
    raise UnsupportedFileType(f"{named}: unknown format (first bytes {head[:8].hex()})")


def _recognise_other(head: bytes) -> str | None:
    """Name common non-supported formats so the detail says what the file really is."""
    if head.startswith(b"PK\x03\x04"):
        if b"word/" in head:
            return "a Word document (.docx)"
        if b"xl/" in head:
            return "an Excel workbook (.xlsx)"
        return "a ZIP archive (or .docx/.xlsx/.ofd)"
    if head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        return "a legacy Office document (.doc/.xls)"
    if head[4:8] == b"ftyp":
        brand = head[8:12]
        return "a HEIC/HEIF/AVIF photo" if brand in _HEIF_BRANDS else "an ISO media file (video?)"
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return "a GIF image"
    if head.startswith((b"Rar!", b"7z\xbc\xaf\x27\x1c", b"\x1f\x8b")):
        return "a compressed archive"
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if text.startswith((b"<!doctype html", b"<html", b"<head", b"<body", b"<meta")) or (
        text.startswith(b"<") and b"<html" in text
    ):
        return "an HTML page (a saved web page or a download error page), not a document"
    if text.startswith(b"<?xml") or text.startswith(b"<svg"):
        return "an XML/SVG file"
    if b"\x00" not in head:
        for enc in ("utf-8", "gb18030"):
            try:
                head.decode(enc)
            except UnicodeDecodeError as e:
                if e.start < len(head) - 4:  # a character cut by the 4 KiB window is fine
                    continue
            return "plain text"
    return None


# --- running workers ------------------------------------------------------------------------


def _run_iter(
    worker: Callable[..., Iterable[Any]], opts: LoadOptions, label: str, *args: Any
) -> Iterable[Any]:
    if not opts.sandbox:
        return list(worker(*args))
    return iter_sandboxed(
        worker, *args, timeout_s=opts.timeout_s, memory_bytes=opts.memory_bytes, file=label
    )


@dataclass
class _Header:
    """First item a worker yields: what the file holds beyond the pages sent."""

    page_count: int
    metadata: dict[str, Any] = field(default_factory=dict)


@dataclass
class _Trailer:
    """Last item a worker yields: what was learnt while reading pages."""

    warnings: list[str]
    metadata: dict[str, Any] = field(default_factory=dict)


# --- PDF (child side) ---------------------------------------------------------------------


def _open_pdfium(path: str) -> pdfium.PdfDocument:
    try:
        return pdfium.PdfDocument(path)
    except pdfium.PdfiumError as e:
        if "password" in str(e).lower():
            raise EncryptedFile(f"pdfium: {e}") from None
        raise CorruptFile(f"pdfium: {e}") from None


def _pdf_pages(path: str, label: str, fmt: str, opts: LoadOptions) -> Iterator[Any]:
    doc = _open_pdfium(path)
    page_count = len(doc)
    if page_count < 1:
        raise CorruptFile("PDF has no pages")
    warns: list[str] = []
    plumber = _open_plumber(path, warns)
    metadata = _pdf_metadata(doc, plumber, path, warns) if opts.metadata else {}
    yield _Header(page_count, metadata)

    try:
        doc.init_forms()  # so filled-in form fields are drawn
    except Exception:  # noqa: BLE001 - forms are optional; pages still render
        pass
    plumber_pages = _iter_plumber_pages(plumber, warns)
    over_image: list[int] = []
    for index in range(min(page_count, opts.max_pages)):
        if opts.pages is not None and index + 1 not in opts.pages:
            if opts.pages and index + 1 < max(opts.pages):
                next(plumber_pages, None)
                continue
            break
        ppage = next(plumber_pages, None)
        try:
            page = doc[index]
        except pdfium.PdfiumError as e:
            raise CorruptFile(f"page {index + 1}: pdfium: {e}") from None
        lines, crop_w, crop_h, image_share = _page_text(ppage, index + 1, warns)
        if text_layer_usable([line.text for line in lines]):
            if image_share >= 0.5:
                # Trusted as text, but a scan with typed text laid over it looks the same:
                # left for the tamper checks to weigh.
                over_image.append(index + 1)
            yield RasterPage(
                file=label, page=index + 1, mode=OcrMode.text_layer, image=None, dpi=72.0,
                width=crop_w, height=crop_h, text_lines=lines,
            )  # fmt: skip
        else:
            image, dpi = _render(page, opts.dpi, opts.max_render_pixels, index + 1)
            # Text lines stay (in points) even when unusable: hidden text over a scan is
            # itself worth a look later.
            yield RasterPage(
                file=label, page=index + 1, mode=OcrMode.ocr, image=image, dpi=dpi,
                width=float(image.shape[1]), height=float(image.shape[0]), text_lines=lines,
            )  # fmt: skip
        page.close()
    if plumber is not None:
        _close_plumber(plumber)
    doc.close()
    yield _Trailer(warns, {"text_layer_over_image_pages": over_image} if over_image else {})


def _close_plumber(pdf: pdfplumber.PDF) -> None:
    """Close the file only: PDF.close() first builds a Page for every page of the document
    (~1 s for 2000 pages, on each page read) and raises on a page pdfminer cannot size."""
    with contextlib.suppress(Exception):
        pdf.flush_cache()
        if not pdf.stream_is_external:
            pdf.stream.close()


def _open_plumber(path: str, warns: list[str]) -> pdfplumber.PDF | None:
    try:
        return pdfplumber.open(path, raise_unicode_errors=False)
    except PdfminerException as e:
        cause = e.args[0] if e.args else None
        if isinstance(cause, PDFPasswordIncorrect):
            raise EncryptedFile("pdfminer: password required") from None
        warns.append(f"text layer unreadable (pdfminer: {cause!r}); pages will be OCRed")
    except RecursionError:
        warns.append("text layer unreadable (objects nested too deep); pages will be OCRed")
    except Exception as e:  # noqa: BLE001 - pdfium opened the file: degrade to OCR
        warns.append(f"text layer unreadable ({type(e).__name__}: {e}); pages will be OCRed")
    return None


def _iter_plumber_pages(pdf: pdfplumber.PDF | None, warns: list[str]) -> Iterator[PlumberPage]:
    """Pages one by one: PDF.pages builds every page object first (0.6 s for 2000 pages)."""
    if pdf is None:
        return
    try:
        for number, obj in enumerate(PDFPage.create_pages(pdf.doc), start=1):
            yield PlumberPage(pdf, obj, page_number=number)
    except Exception as e:  # noqa: BLE001 - remaining pages get no text layer
        warns.append(f"text layer stops early ({type(e).__name__}: {e})")


def _page_text(
    ppage: PlumberPage | None, page_no: int, warns: list[str]
) -> tuple[list[TextLine], float, float, float]:
    """Text lines relative to the crop box, its size, and the share of it covered by images."""
    if ppage is None:
        return [], 0.0, 0.0, 0.0
    try:
        x0, top, x1, bottom = (float(v) for v in ppage.cropbox)
        area = max((x1 - x0) * (bottom - top), 1e-6)
        covered = sum(
            max(0.0, min(x1, float(i["x1"])) - max(x0, float(i["x0"])))
            * max(0.0, min(bottom, float(i["bottom"])) - max(top, float(i["top"])))
            for i in ppage.images
        )
        chars = [
            c for c in ppage.dedupe_chars().chars
            # Off-page text is invisible to readers and OCR alike.
            if x0 <= (c["x0"] + c["x1"]) / 2 <= x1 and top <= (c["top"] + c["bottom"]) / 2 <= bottom
        ]  # fmt: skip
        lines = group_lines(chars, dx=-x0, dy=-top)
        return lines, x1 - x0, bottom - top, min(1.0, covered / area)
    except RecursionError:
        warns.append(f"page {page_no}: text layer nested too deep")
    except Exception as e:  # noqa: BLE001 - the page is OCRed instead
        warns.append(f"page {page_no}: text layer unreadable ({type(e).__name__}: {e})")
    finally:
        ppage.close()  # drop pdfplumber's per-page caches
    return [], 0.0, 0.0, 0.0


def fit_dpi(width_pt: float, height_pt: float, dpi: float, max_pixels: int) -> float:
    """The requested dpi, or a lower one whose render stays within max_pixels."""
    if (
        not (math.isfinite(width_pt) and math.isfinite(height_pt))
        or width_pt <= 0
        or height_pt <= 0
    ):
        raise CorruptFile(f"page size {width_pt}×{height_pt} pt is invalid")

    def pixels(d: float) -> int:
        return math.ceil(width_pt * d / 72) * math.ceil(height_pt * d / 72)

    if pixels(dpi) <= max_pixels:
        return dpi
    floor_dpi = min(72.0, dpi)
    fit = float(math.floor(72 * math.sqrt(max_pixels / (width_pt * height_pt))))
    while fit >= floor_dpi and pixels(fit) > max_pixels:
        fit -= 1
    if fit < floor_dpi:
        inches = f"{width_pt / 72:.0f}×{height_pt / 72:.0f} in"
        raise PageTooLarge(f"page of {inches} exceeds {max_pixels} px even at {floor_dpi:g} dpi")
    return fit


def _render(
    page: pdfium.PdfPage, dpi: float, max_pixels: int, page_no: int
) -> tuple[np.ndarray, float]:
    width_pt, height_pt = page.get_size()  # after /Rotate, as rendered
    used = fit_dpi(width_pt, height_pt, dpi, max_pixels)
    try:
        bitmap = page.render(scale=used / 72, rev_byteorder=True, may_draw_forms=True)
    except pdfium.PdfiumError as e:
        raise CorruptFile(f"page {page_no}: render failed: {e}") from None
    # Copy out of pdfium's buffer (its rows may be padded) before the bitmap is freed.
    image = np.ascontiguousarray(bitmap.to_numpy()[:, :, :3]).copy()
    bitmap.close()
    return image, used


def _pdf_metadata(
    doc: pdfium.PdfDocument, plumber: pdfplumber.PDF | None, path: str, warns: list[str]
) -> dict[str, Any]:
    meta: dict[str, Any] = {"format": "PDF"}
    try:
        for key, value in doc.get_metadata_dict(skip_empty=True).items():
            meta[key] = _meta_text(value)
        meta["pdf_version"] = doc.get_version()
    except Exception as e:  # noqa: BLE001 - metadata is a bonus
        warns.append(f"info dictionary unreadable ({type(e).__name__})")
    # Each incremental save appends a %%EOF: more than one means the file was edited after
    # it was first written (or signed).
    try:
        with open(path, "rb") as f, mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ) as m:
            count, pos = 0, m.find(b"%%EOF")
            while pos != -1:
                count, pos = count + 1, m.find(b"%%EOF", pos + 5)
        meta["pdf_eof_markers"] = count
    except (OSError, ValueError):
        pass
    if plumber is not None:
        try:
            xmp = _pdf_xmp(plumber)
            if xmp:
                meta.update(_xmp_fields(xmp))
        except Exception as e:  # noqa: BLE001
            warns.append(f"XMP metadata unreadable ({type(e).__name__})")
    return meta


def _pdf_xmp(pdf: pdfplumber.PDF) -> bytes | None:
    from pdfminer.pdftypes import resolve1  # noqa: PLC0415 - only needed here

    catalog = pdf.doc.catalog
    stream = resolve1(catalog.get("Metadata")) if isinstance(catalog, dict) else None
    if stream is None or not hasattr(stream, "rawdata"):
        return None
    raw = stream.rawdata or b""
    filters = resolve1(stream.attrs.get("Filter"))
    names = [getattr(f, "name", f) for f in (filters if isinstance(filters, list) else [filters])]
    if names == [None] or not names:
        return raw[:_MAX_XMP_BYTES]
    if names == ["FlateDecode"]:
        # Bounded: a metadata stream is a cheap place to hide a decompression bomb.
        return zlib.decompressobj().decompress(raw, _MAX_XMP_BYTES)
    return None


# --- text lines -----------------------------------------------------------------------------


def _is_cjk(ch: str) -> bool:
    cp = ord(ch)
    return (
        0x4E00 <= cp <= 0x9FFF
        or 0x3400 <= cp <= 0x4DBF
        or 0x20000 <= cp <= 0x3134F
        or 0xF900 <= cp <= 0xFAFF
        or 0x2E80 <= cp <= 0x2FDF  # radicals: some PDFs map 金 to ⾦ (U+2FA6)
    )


def _is_garbage(text: str) -> bool:
    if text.startswith("(cid:"):
        return True
    return any(
        ch == "\ufffd" or 0xE000 <= ord(ch) <= 0xF8FF or unicodedata.category(ch) == "Cc"
        for ch in text
    )


def text_layer_usable(texts: Iterable[str]) -> bool:
    """True when the text holds at least MIN_CJK_CHARS CJK characters and little garbage."""
    cjk = garbage = total = 0
    for text in texts:
        for token in re.findall(r"\(cid:\d+\)|\S", text):
            total += 1
            if len(token) > 1 or _is_garbage(token):
                garbage += 1
            elif _is_cjk(token):
                cjk += 1
    return cjk >= MIN_CJK_CHARS and garbage <= MAX_GARBAGE_SHARE * total


@dataclass
class _Glyph:
    # Box in the text's own frame (the line runs along +x), and the box on the page.
    x0: float
    top: float
    x1: float
    bottom: float
    text: str
    page_box: tuple[float, float, float, float]


def _direction(char: dict[str, Any]) -> str:
    """Which way the text runs on the page (after /Rotate): right, down, left or up."""
    a, b = (char.get("matrix") or (1.0, 0.0))[:2]
    dx, dy = float(a), -float(b)  # PDF y grows upwards, page top-left y downwards
    if abs(dx) >= abs(dy):
        return "right" if dx >= 0 else "left"
    return "down" if dy > 0 else "up"


def _to_text_frame(box: tuple[float, float, float, float], direction: str) -> tuple[float, ...]:
    """Rotate a page box so that text running `direction` runs left to right, lines stacking
    downwards: then one grouping rule serves sideways and upside-down text too."""
    x0, top, x1, bottom = box
    if direction == "down":  # glyph tops point right: the next line is to the left
        return top, -x1, bottom, -x0
    if direction == "left":
        return -x1, -bottom, -x0, -top
    if direction == "up":  # glyph tops point left: the next line is to the right
        return -bottom, x0, -top, x1
    return box


def group_lines(chars: list[dict[str, Any]], dx: float = 0.0, dy: float = 0.0) -> list[TextLine]:
    """Group pdfplumber chars into visual lines, top to bottom, each in reading order.

    Chars are grouped per writing direction (a sideways stamp stays apart from the body
    text). A char joins a line when they overlap across the line by half the smaller height.
    Spaces come from gaps: a quarter em between Latin characters, a full em between CJK
    characters (certificates letter-space titles like "荣 誉 证 书" and mean one word), and
    from space characters the producer typed ("努尔古丽 吾守尔": a name printed with a space
    for its middle dot, narrower than an em).
    Bboxes are shifted by (dx, dy), e.g. to make them relative to the crop box.
    """
    by_direction: dict[str, list[_Glyph]] = {}
    typed: dict[str, list[_Glyph]] = {}  # space characters, kept apart: they have no ink
    for c in chars:
        text = c.get("text") or ""
        box = (
            float(c["x0"]) + dx,
            float(c["top"]) + dy,
            float(c["x1"]) + dx,
            float(c["bottom"]) + dy,
        )
        direction = _direction(c)
        glyph = _Glyph(*_to_text_frame(box, direction), text=text, page_box=box)
        (by_direction if text.strip() else typed).setdefault(direction, []).append(glyph)
    # Reading order: the dominant direction first (upright wins ties), each direction's lines
    # top to bottom and left to right in its own frame.
    groups = sorted(by_direction.items(), key=lambda kv: (-len(kv[1]), kv[0] != "right"))
    out = []
    for direction, glyphs in groups:
        lines = _cluster_lines(glyphs)
        lines.sort(key=lambda m: (min(g.top for g in m), min(g.x0 for g in m)))
        for members in lines:
            out.extend(_line(part, typed.get(direction, [])) for part in _columns(members))
    return out


def _cluster_lines(glyphs: list[_Glyph]) -> list[list[_Glyph]]:
    glyphs = sorted(glyphs, key=lambda g: (g.top, g.x0))
    lines: list[list[_Glyph]] = []
    spans: list[list[float]] = []  # [top, bottom] per line
    active: list[int] = []
    for g in glyphs:
        # Lines ending above this glyph can take no more (glyphs are sorted by top).
        active = [i for i in active if spans[i][1] > g.top]
        for i in active:
            overlap = min(g.bottom, spans[i][1]) - max(g.top, spans[i][0])
            if overlap > 0 and overlap >= 0.5 * min(g.bottom - g.top, spans[i][1] - spans[i][0]):
                lines[i].append(g)
                spans[i] = [min(spans[i][0], g.top), max(spans[i][1], g.bottom)]
                break
        else:
            lines.append([g])
            spans.append([g.top, g.bottom])
            active.append(len(lines) - 1)
    return lines


# A gap this many ems wide parts two columns of one visual line, as OCR boxes them apart
# ("Name 奥斯曼•买买提    Occupation & Level 工业机器人…": a label's value under it).
COLUMN_GAP_EM = 3.0


def _columns(members: list[_Glyph]) -> list[list[_Glyph]]:
    members = sorted(members, key=lambda g: g.x0)
    parts = [[members[0]]]
    for prev, cur in zip(members, members[1:], strict=False):
        em = max(prev.bottom - prev.top, cur.bottom - cur.top, 1.0)
        if cur.x0 - prev.x1 > COLUMN_GAP_EM * em:
            parts.append([])
        parts[-1].append(cur)
    return parts


def _line(members: list[_Glyph], spaces: list[_Glyph] = ()) -> TextLine:
    members.sort(key=lambda g: g.x0)
    top, bottom = min(g.top for g in members), max(g.bottom for g in members)
    # Typed spaces on this line, by the middle of their advance.
    mids = sorted((g.x0 + g.x1) / 2 for g in spaces if top < (g.top + g.bottom) / 2 < bottom)
    parts = [members[0].text]
    for prev, cur in zip(members, members[1:], strict=False):
        em = max(prev.bottom - prev.top, cur.bottom - cur.top, 1.0)
        both_cjk = _is_cjk(prev.text[-1]) and _is_cjk(cur.text[0])
        typed = any(prev.x1 - 0.1 * em <= m <= cur.x0 + 0.1 * em for m in mids)
        if typed or cur.x0 - prev.x1 > (1.0 if both_cjk else 0.25) * em:
            parts.append(" ")
        parts.append(cur.text)
    bbox = (
        min(g.page_box[0] for g in members),
        min(g.page_box[1] for g in members),
        max(g.page_box[2] for g in members),
        max(g.page_box[3] for g in members),
    )
    return TextLine(text="".join(parts), bbox=bbox, confidence=1.0, engine="pdf_text_layer")


# --- images (child side) ------------------------------------------------------------------

# Formats Pillow may try for each sniffed type: never its full plugin list (EPS would start
# Ghostscript). Phone JPEGs open as MPO.
_PIL_FORMATS = {
    "JPEG": ["JPEG", "MPO"],
    "PNG": ["PNG"],
    "TIFF": ["TIFF"],
    "BMP": ["BMP"],
    "WEBP": ["WEBP"],
}
_IMAGE_ERRORS = (OSError, SyntaxError, ValueError, EOFError, IndexError, KeyError, TypeError,
                 zlib.error)  # fmt: skip


def _open_image(path: str, fmt: str) -> Image.Image:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            im = Image.open(path, formats=_PIL_FORMATS[fmt])
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as e:
        raise DecompressionBomb(str(e)) from None
    except _IMAGE_ERRORS as e:
        raise CorruptFile(f"{fmt}: {type(e).__name__}: {e}") from None
    _check_pixels(im)
    return im


def _check_pixels(im: Image.Image) -> None:
    w, h = im.size
    if w <= 0 or h <= 0:
        raise CorruptFile(f"image size {w}×{h}")
    if w * h > MAX_IMAGE_PIXELS:  # from the header, before any pixel is decoded
        raise DecompressionBomb(f"image of {w}×{h} px exceeds {MAX_IMAGE_PIXELS} px")


def _frame_count(im: Image.Image, fmt: str) -> int:
    # Only TIFF frames are pages; other formats' extra frames are thumbnails or animation.
    if fmt != "TIFF":
        return 1
    try:
        return max(1, int(getattr(im, "n_frames", 1)))
    except _IMAGE_ERRORS as e:
        raise CorruptFile(f"TIFF frame list unreadable: {e}") from None


def _decode_frame(
    im: Image.Image, fmt: str, index: int, warns: list[str], pixels: bool = True
) -> tuple[np.ndarray | None, float]:
    try:
        if index:
            im.seek(index)
        _check_pixels(im)
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            im.load()
    except DecompressionBomb:
        raise
    except Image.DecompressionBombWarning as e:
        raise DecompressionBomb(str(e)) from None
    except _IMAGE_ERRORS as e:
        raise CorruptFile(f"{fmt} frame {index + 1}: {type(e).__name__}: {e}") from None
    try:
        upright = ImageOps.exif_transpose(im)
    except Exception as e:  # noqa: BLE001 - a broken EXIF block should not lose the page
        warns.append(f"frame {index + 1}: EXIF orientation ignored ({type(e).__name__})")
        upright = im
    if not pixels:  # only checked (inspection): a pixel's conversion meets what the page's would
        to_rgb(upright.crop((0, 0, 1, 1)))
        return None, _image_dpi(im)
    return to_rgb(upright), _image_dpi(im)


_CHECK_SCALE = 8  # libjpeg's largest DCT scaling


def _image_pages(path: str, label: str, fmt: str, opts: LoadOptions) -> Iterator[Any]:
    im = _open_image(path, fmt)
    warns: list[str] = []
    count = _frame_count(im, fmt)
    # The first frame is decoded when it is asked for, for the metadata (PNG text chunks after
    # the pixel data are read by then), and to check the file (pages=()); not to read page k.
    first, meta, meta_warns = None, None, []
    if opts.metadata or not opts.pages or 1 in opts.pages:
        if fmt == "JPEG" and opts.pages is not None and 1 not in opts.pages:
            # Only checked (inspection): a JPEG's markers, all its metadata, are read at open,
            # and its coded data decoded whole at 1/8 scale (DCT scaling) meets the same
            # truncation and corruption as at full size, in a fraction of the time.
            meta = _image_metadata(im, fmt, meta_warns) if opts.metadata else {}
            if min(im.size) >= _CHECK_SCALE * 8:
                im.draft(im.mode, (im.size[0] // _CHECK_SCALE, im.size[1] // _CHECK_SCALE))
        wanted = opts.pages is None or 1 in opts.pages
        first = _decode_frame(im, fmt, 0, warns, pixels=wanted)
    if meta is None:
        meta = _image_metadata(im, fmt, warns) if opts.metadata else {}
    warns += meta_warns  # after the decode's, as when the metadata is read after it
    yield _Header(count, meta)
    for index in range(min(count, opts.max_pages)):
        if opts.pages is not None and index + 1 not in opts.pages:
            continue
        if index == 0 and first:
            image, dpi = first
        else:
            image, dpi = _decode_frame(im, fmt, index, warns)
        assert image is not None
        yield RasterPage(
            file=label, page=index + 1, mode=OcrMode.ocr, image=image, dpi=dpi,
            width=float(image.shape[1]), height=float(image.shape[0]),
        )  # fmt: skip
    im.close()
    yield _Trailer(warns)


def _image_dpi(im: Image.Image) -> float:
    dpi = im.info.get("dpi")
    try:
        value = float(dpi[0]) if isinstance(dpi, tuple | list) else float(dpi)
    except (TypeError, ValueError, IndexError):
        return DEFAULT_IMAGE_DPI
    return value if math.isfinite(value) and 1 <= value <= 10_000 else DEFAULT_IMAGE_DPI


def to_rgb(im: Image.Image) -> np.ndarray:
    """Any Pillow mode → H×W×3 uint8 RGB; transparency is composited on white."""
    mode = im.mode
    if mode.startswith("I") or mode == "F":
        arr = np.asarray(im).astype(np.float32)
        top = float(arr.max()) if arr.size else 0.0
        if mode == "F" and top <= 1.0:
            arr = arr * 255.0
        elif top > 255:
            arr = arr * (255.0 / top)  # 16-bit scans: stretch to the brightest value
        grey = np.clip(arr, 0, 255).astype(np.uint8)
        return np.ascontiguousarray(np.repeat(grey[:, :, None], 3, axis=2))
    has_alpha = mode in ("RGBA", "LA", "PA", "RGBa", "La") or "transparency" in im.info
    if has_alpha:
        rgba = im.convert("RGBA")
        canvas = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        canvas.alpha_composite(rgba)
        rgb = canvas.convert("RGB")
    elif mode == "RGB":
        rgb = im
    else:
        try:
            rgb = im.convert("RGB")
        except ValueError as e:  # e.g. LAB without a colour profile
            raise UnsupportedFileType(f"image colour mode {mode}: {e}") from None
    return np.array(rgb, dtype=np.uint8)


_EXIF_TAGS = {0x0131: "Software", 0x000B: "ProcessingSoftware", 0x010F: "Make",
              0x0110: "Model", 0x0132: "DateTime"}  # fmt: skip


def _image_metadata(im: Image.Image, fmt: str, warns: list[str]) -> dict[str, Any]:
    meta: dict[str, Any] = {"format": im.format or fmt, "mode": im.mode, "size": list(im.size)}
    try:
        exif = im.getexif()
        for tag, name in _EXIF_TAGS.items():
            if exif.get(tag):
                meta[name] = _meta_text(exif[tag])
        original = exif.get_ifd(0x8769).get(0x9003)
        if original:
            meta["DateTimeOriginal"] = _clean(original)
        if exif.get(0x0112):
            meta["Orientation"] = int(exif[0x0112])
    except Exception as e:  # noqa: BLE001 - metadata is a bonus
        warns.append(f"EXIF unreadable ({type(e).__name__})")
    # PNG text chunks land in info (or in .text when they follow the pixel data).
    texts = {**getattr(im, "text", {}), **im.info} if fmt == "PNG" else im.info
    for key in ("Software", "Comment", "Author", "Description"):
        value = texts.get(key)
        if isinstance(value, str | bytes) and value and key not in meta:
            meta[key] = _meta_text(value)
    xmp = im.info.get("xmp") or im.info.get("XML:com.adobe.xmp")
    if xmp is None and fmt == "TIFF":
        xmp = getattr(im, "tag_v2", {}).get(700)
    if isinstance(xmp, str | bytes) and xmp:
        meta.update(_xmp_fields(xmp if isinstance(xmp, bytes) else xmp.encode("utf-8", "replace")))
    return meta


_XMP_CREATOR = re.compile(rb"CreatorTool(?:=\"([^\"]*)\"|>([^<]*)<)")
_XMP_AGENT = re.compile(rb"softwareAgent(?:=\"([^\"]*)\"|>([^<]*)<)")


def _xmp_fields(xmp: bytes) -> dict[str, Any]:
    xmp = xmp[:_MAX_XMP_BYTES]
    out: dict[str, Any] = {}
    found = _XMP_CREATOR.search(xmp)
    if found:
        out["CreatorTool"] = _clean(found.group(1) or found.group(2))
    # Editing history: each save by an editor adds a softwareAgent entry.
    agents = sorted({_clean(a or b) for a, b in _XMP_AGENT.findall(xmp)} - {""})
    if agents:
        out["XMPHistorySoftware"] = agents[:20]
    return out


def _clean(value: Any, limit: int = _MAX_META_CHARS) -> str:
    if isinstance(value, bytes):
        value = value.decode("utf-8", "replace")
    return str(value).replace("\x00", "").strip()[:limit]


def _meta_text(value: Any) -> str:
    """A metadata string as the writing program meant it. EXIF ASCII fields, PNG tEXt chunks
    and PDF info strings are read as Latin-1 (PDFDocEncoding), but Chinese apps write UTF-8
    into them: "é\x86\x92å\x9b¾" is 醒图. Text that is not valid UTF-8 that way stays."""
    raw = value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)
    # Nothing stripped before decoding: \x85 and \xa0 are also the last bytes of some Chinese
    # characters (阅 is e9 98 85). Room for the UTF-8 bytes of the characters kept.
    limit = 4 * _MAX_META_CHARS
    text = raw[:limit]
    if not text.isascii():
        try:
            # Unfinished only when cut here: a character split by the cut is dropped, while a
            # real Latin-1 text ending in é ("Café") fails and stays as it is.
            utf8 = codecs.getincrementaldecoder("utf-8")()
            text = utf8.decode(text.encode("latin-1"), final=len(raw) <= limit)
        except (UnicodeEncodeError, UnicodeDecodeError):
            pass
    return _clean(text)


# --- single-page rendering (child side) ---------------------------------------------------


def _render_pdf_page(
    path: str, label: str, fmt: str, page_no: int, dpi: float, opts: LoadOptions
) -> np.ndarray:
    doc = _open_pdfium(path)
    if page_no > len(doc):
        raise UsageError(f"page {page_no} requested, PDF has {len(doc)}")
    try:
        doc.init_forms()
    except Exception:  # noqa: BLE001
        pass
    image, _ = _render(doc[page_no - 1], dpi, opts.max_render_pixels, page_no)
    return image


def _render_image_frame(
    path: str, label: str, fmt: str, page_no: int, dpi: float, opts: LoadOptions
) -> np.ndarray:
    im = _open_image(path, fmt)
    count = _frame_count(im, fmt)
    if page_no > count:
        raise UsageError(f"page {page_no} requested, image has {count}")
    image, _ = _decode_frame(im, fmt, page_no - 1, [])
    assert image is not None
    return image
