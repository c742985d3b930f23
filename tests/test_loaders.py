"""Loader and sandbox tests: real files built in tmp_path by tests/hostile.py."""

from __future__ import annotations

import functools
import hashlib
import io
import os
import resource
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pdfplumber
import pytest
from PIL import Image, PngImagePlugin
from pydantic import ValidationError

from extractors.loaders import (
    LoadOptions,
    fit_dpi,
    group_lines,
    load_file,
    render_page,
    sniff_type,
    text_layer_usable,
)
from extractors.sandbox import KeptChildren, iter_sandboxed, kept_children, run_sandboxed
from models.constants import MAX_FILE_BYTES, MAX_PAGES_PER_FILE
from models.document import OcrMode
from models.exceptions import (
    CorruptFile,
    DecompressionBomb,
    EmptyFile,
    EncryptedFile,
    PageTooLarge,
    ReaderCrashed,
    ReaderTimeout,
    UnreadableDocument,
    UnsafePath,
    UnsupportedFileType,
    UsageError,
)
from tests import hostile

RED = np.array([255, 0, 0])
WHITE = np.array([255, 255, 255])


def write(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def near(pixel: np.ndarray, colour: np.ndarray, tol: int = 40) -> bool:
    return bool(np.all(np.abs(pixel.astype(int) - colour) <= tol))


# --- images -----------------------------------------------------------------------------------


def test_png_page_hash_and_dpi(tmp_path: Path) -> None:
    data = hostile.image_bytes(hostile.marker_image(64, 48), "PNG", dpi=(150, 150))
    path = write(tmp_path, "scan.png", data)
    loaded, pages = load_file(path, rel="applicant/scan.png")
    assert loaded.kind == "image" and loaded.page_count == 1 and not loaded.pages_truncated
    assert loaded.sha256 == hashlib.sha256(data).hexdigest()
    assert loaded.file == "applicant/scan.png" and loaded.metadata["format"] == "PNG"
    (page,) = pages
    assert page.file == "applicant/scan.png" and page.page == 1 and page.mode is OcrMode.ocr
    assert page.image is not None and page.image.dtype == np.uint8
    assert page.image.shape == (48, 64, 3) and (page.width, page.height) == (64.0, 48.0)
    assert page.image.flags.writeable
    assert near(page.image[2, 2], RED, 0) and near(page.image[40, 60], WHITE, 0)
    assert page.dpi == pytest.approx(150, abs=1)


def test_image_without_dpi_defaults_to_300(tmp_path: Path) -> None:
    path = write(tmp_path, "a.png", hostile.image_bytes(hostile.marker_image(20, 20), "PNG"))
    assert load_file(path)[1][0].dpi == 300.0


def test_jpeg_exif_orientation_6_is_rotated_upright(tmp_path: Path) -> None:
    # Stored 64 wide × 32 high, marker top-left. Orientation 6 = rotate 90° clockwise to
    # display, so the upright image is 32 × 64 with the marker top-right.
    img = hostile.marker_image(64, 32)
    data = hostile.jpeg_with_exif(img, orientation=6, software="Adobe Photoshop 2024")
    loaded, (page,) = load_file(write(tmp_path, "phone.jpg", data))
    assert page.image is not None and page.image.shape == (64, 32, 3)
    assert near(page.image[4, 32 - 5], RED) and near(page.image[4, 4], WHITE)
    assert near(page.image[60, 28], WHITE)
    assert loaded.metadata["Software"] == "Adobe Photoshop 2024"
    assert loaded.metadata["Orientation"] == 6


def test_three_page_tiff(tmp_path: Path) -> None:
    loaded, pages = load_file(write(tmp_path, "scan.tif", hostile.multipage_tiff(3)))
    assert loaded.page_count == 3 and not loaded.pages_truncated
    assert [p.page for p in pages] == [1, 2, 3]
    assert [int(p.image[0, 0, 0]) for p in pages] == [0, 1, 2]  # type: ignore[index]
    assert all(p.image.shape == (24, 32, 3) for p in pages)  # type: ignore[union-attr]


def test_reading_one_page_of_a_tiff_decodes_that_frame_only(tmp_path: Path, monkeypatch) -> None:
    # A batch reads a file page by page: page k must not pay for decoding frame 1 each time.
    from extractors import loaders

    decoded: list[int] = []
    real = loaders._decode_frame

    def counting(im, fmt, index, warns, pixels=True):
        decoded.append(index)
        return real(im, fmt, index, warns, pixels)

    monkeypatch.setattr(loaders, "_decode_frame", counting)
    path = write(tmp_path, "scan.tif", hostile.multipage_tiff(3))
    opts = LoadOptions(pages=(3,), metadata=False, sandbox=False)
    _, [page] = load_file(path, options=opts)
    assert page.page == 3 and int(page.image[0, 0, 0]) == 2  # type: ignore[index]
    assert decoded == [2]
    decoded.clear()
    load_file(path, options=LoadOptions(pages=(), sandbox=False))  # inspecting checks frame 1
    assert decoded == [0]


def test_rgba_png_is_composited_on_white(tmp_path: Path) -> None:
    arr = np.zeros((10, 30, 4), np.uint8)
    arr[:, :10] = (255, 0, 0, 255)  # opaque red
    arr[:, 10:20] = (0, 0, 0, 0)  # fully transparent: white
    arr[:, 20:] = (0, 0, 0, 128)  # half-transparent black: mid grey
    path = write(tmp_path, "a.png", hostile.image_bytes(Image.fromarray(arr, "RGBA"), "PNG"))
    image = load_file(path)[1][0].image
    assert image is not None and image.shape == (10, 30, 3)
    assert near(image[5, 5], RED, 0) and near(image[5, 15], WHITE, 0)
    assert near(image[5, 25], np.array([127, 127, 127]), 2)


def test_palette_png_with_transparency(tmp_path: Path) -> None:
    img = Image.new("P", (8, 4), 0)
    img.putpalette([0, 0, 255] + [0, 255, 0] + [0] * 762)
    img.paste(1, (4, 0, 8, 4))
    plain = load_file(write(tmp_path, "p.png", hostile.image_bytes(img, "PNG")))[1][0].image
    assert plain is not None and near(plain[0, 0], np.array([0, 0, 255]), 0)
    assert near(plain[0, 6], np.array([0, 255, 0]), 0)
    clear = hostile.image_bytes(img, "PNG", transparency=0)
    image = load_file(write(tmp_path, "t.png", clear))[1][0].image
    assert image is not None and near(image[0, 0], WHITE, 0)
    assert near(image[0, 6], np.array([0, 255, 0]), 0)


def test_16_bit_and_cmyk_become_rgb8(tmp_path: Path) -> None:
    grey16 = Image.fromarray(np.tile(np.linspace(0, 65535, 50).astype(np.uint16), (5, 1)))
    assert grey16.mode.startswith("I;16")
    image = load_file(write(tmp_path, "g.png", hostile.image_bytes(grey16, "PNG")))[1][0].image
    assert image is not None and image.dtype == np.uint8 and image.shape == (5, 50, 3)
    assert image.max() == 255 and image.min() == 0 and image[0, 25, 0] in range(120, 136)
    cmyk = hostile.marker_image(32, 32).convert("CMYK")
    image = load_file(write(tmp_path, "c.jpg", hostile.image_bytes(cmyk, "JPEG")))[1][0].image
    assert image is not None and image.shape == (32, 32, 3) and near(image[4, 4], RED, 60)


@pytest.mark.parametrize("fmt,name", [("BMP", "a.bmp"), ("WEBP", "a.webp")])
def test_bmp_and_webp(tmp_path: Path, fmt: str, name: str) -> None:
    data = hostile.image_bytes(hostile.marker_image(32, 32), fmt, lossless=True)
    image = load_file(write(tmp_path, name, data))[1][0].image
    assert image is not None and near(image[4, 4], RED, 0)


def test_image_xmp_creator_tool(tmp_path: Path) -> None:
    xmp = hostile.xmp_packet("Adobe Photoshop 25.0 (Windows)", ["Adobe Photoshop 25.0"])
    data = hostile.image_bytes(hostile.marker_image(16, 16), "JPEG", xmp=xmp)
    meta = load_file(write(tmp_path, "x.jpg", data))[0].metadata
    assert meta["CreatorTool"] == "Adobe Photoshop 25.0 (Windows)"
    assert meta["XMPHistorySoftware"] == ["Adobe Photoshop 25.0"]


def test_png_text_chunk_software(tmp_path: Path) -> None:
    info = PngImagePlugin.PngInfo()
    info.add_text("Software", "美图秀秀")
    data = hostile.image_bytes(hostile.marker_image(16, 16), "PNG", pnginfo=info)
    assert load_file(write(tmp_path, "m.png", data))[0].metadata["Software"] == "美图秀秀"


def test_long_utf8_metadata_read_as_latin1_comes_back_whole() -> None:
    # A long Software/Producer string in UTF-8 bytes: cutting the Latin-1 text before decoding
    # split a character and left the whole value as mojibake.
    from extractors.loaders import _MAX_META_CHARS, _meta_text

    value = "x" + "醒图" * 400
    got = _meta_text(value.encode("utf-8").decode("latin-1"))
    assert got == value[:_MAX_META_CHARS]
    # Latin-1 that is not UTF-8 stays whole; a Chinese glyph ending in byte 85 survives
    assert _meta_text("Café") == "Café" and _meta_text("José") == "José"
    assert _meta_text("阅读".encode().decode("latin-1")) == "阅读"


# --- PDFs -------------------------------------------------------------------------------------


def test_text_layer_pdf_reads_chinese_lines(tmp_path: Path) -> None:
    info = {"Producer": "Adobe Photoshop 25.0", "Creator": "美图秀秀"}
    loaded, (page,) = load_file(write(tmp_path, "cert.pdf", hostile.cert_pdf(info=info)))
    assert loaded.kind == "pdf" and loaded.page_count == 1
    assert loaded.metadata["Producer"] == "Adobe Photoshop 25.0"
    assert loaded.metadata["Creator"] == "美图秀秀" and loaded.metadata["pdf_eof_markers"] == 1
    assert page.mode is OcrMode.text_layer and page.image is None
    assert (page.width, page.height, page.dpi) == (595.0, 842.0, 72.0)
    texts = [line.text for line in page.text_lines]
    assert texts == [
        "职业技能等级证书",
        "姓名：张三",  # two columns of one line, boxed apart as OCR boxes them
        "性别：男",
        "职业名称：电工",
        "证书编号：S000065010001230001",
    ]
    title = page.text_lines[0]
    assert title.bbox == pytest.approx((72, 80, 72 + 8 * 28, 108), abs=0.5)
    assert title.engine == "pdf_text_layer"


def test_sideways_text_layer_keeps_reading_order(tmp_path: Path) -> None:
    pdf = hostile.make_pdf(
        [hostile.PdfPage(content=hostile.cjk_text(hostile.CERT_LINES), rotate=90)]
    )
    (page,) = load_file(write(tmp_path, "rot.pdf", pdf))[1]
    assert page.mode is OcrMode.text_layer and (page.width, page.height) == (842.0, 595.0)
    assert [line.text for line in page.text_lines][:3] == [
        "职业技能等级证书",
        "姓名：张三",
        "性别：男",
    ]
    x0, top, x1, bottom = page.text_lines[0].bbox
    assert bottom - top > x1 - x0  # a vertical strip on the displayed page


def test_render_page_of_text_layer_page_matches_points(tmp_path: Path) -> None:
    path = write(tmp_path, "cert.pdf", hostile.cert_pdf())
    image = render_page(path, 1, dpi=144)
    assert image.shape == (1684, 1190, 3)
    # The title's box (points × 2) holds ink; the margin above it does not.
    assert image[160:216, 144:592].min() < 128 and image[20:120, 144:592].min() > 200
    with pytest.raises(UsageError, match="page 2"):
        render_page(path, 2)


def test_text_layer_over_full_page_image_is_reported(tmp_path: Path) -> None:
    content = hostile.cjk_text(hostile.CERT_LINES)
    pdf = hostile.make_pdf(
        [hostile.PdfPage(content=content, background=True), hostile.PdfPage(content=content)]
    )
    loaded, pages = load_file(write(tmp_path, "overlay.pdf", pdf))
    assert [p.mode for p in pages] == [OcrMode.text_layer] * 2
    assert loaded.metadata["text_layer_over_image_pages"] == [1]


def test_garbage_text_layer_is_ocred_at_300_dpi(tmp_path: Path) -> None:
    pdf = hostile.make_pdf([hostile.PdfPage(content=hostile.garbage_text(40))])
    (page,) = load_file(write(tmp_path, "g.pdf", pdf))[1]
    assert page.mode is OcrMode.ocr and page.dpi == 300
    assert page.image is not None and page.image.dtype == np.uint8
    assert abs(page.image.shape[1] - 595 * 300 / 72) <= 2
    assert abs(page.image.shape[0] - 842 * 300 / 72) <= 2
    assert page.text_lines and page.text_lines[0].text.startswith("(cid:")


def test_image_only_pdf_is_rendered(tmp_path: Path) -> None:
    # 200 × 100 px at 100 dpi → 144 × 72 pt → 600 × 300 px at 300 dpi.
    pdf = hostile.image_pdf(hostile.marker_image(200, 100), resolution=100)
    loaded, (page,) = load_file(write(tmp_path, "scan.pdf", pdf))
    assert page.mode is OcrMode.ocr and page.dpi == 300 and not page.text_lines
    assert page.image is not None and page.image.shape == (300, 600, 3)
    assert near(page.image[10, 10], RED) and near(page.image[200, 400], WHITE)


def test_text_layer_threshold() -> None:
    assert text_layer_usable(["职业技能等级证书"])
    assert not text_layer_usable(["职业技能等级证"])  # 7 CJK characters
    assert not text_layer_usable(["职业技能等级证书" + "(cid:12)" * 8])
    assert not text_layer_usable(["职业技能等级证书" + "\ue000" * 20])
    assert text_layer_usable(["⾦属焊接职业技能"])  # Kangxi radical ⾦ counts


def _char(text: str, x0: float, top: float, size: float = 10.0) -> dict[str, object]:
    return {"text": text, "x0": x0, "x1": x0 + size, "top": top, "bottom": top + size,
            "matrix": (1.0, 0.0, 0.0, 1.0, x0, 0.0)}  # fmt: skip


def test_group_lines_spacing_and_order() -> None:
    chars = [
        _char("B", 10.5, 50.5), _char("A", 0, 50), _char("C", 40, 51),  # gaps 0.5, 19.5
        _char("职", 0, 10), _char("业", 15, 10), _char("证", 40, 10),  # 0.5 em kept, 1.5 em spaced
        _char(" ", 60, 10),
    ]  # fmt: skip
    lines = group_lines(chars, dx=-1, dy=-2)
    assert [line.text for line in lines] == ["职业 证", "AB C"]
    assert lines[1].bbox == (-1, 48, 49, 59)


def test_typed_space_between_cjk_glyphs_is_kept() -> None:
    # "努尔古丽 吾守尔": a name printed with a space for its middle dot. The gap (a space's
    # advance, 0.3 em) is under the em that spaces CJK by gap alone: before, the parts ran
    # together and the name lost its dot (seed 9191).
    name = [_char(c, 10 * i, 10) for i, c in enumerate("努尔古丽")]
    name += [_char(c, 43 + 10 * i, 10) for i, c in enumerate("吾守尔")]
    space = {**_char(" ", 40, 10), "x1": 43.0}
    assert [ln.text for ln in group_lines([*name, space])] == ["努尔古丽 吾守尔"]
    assert [ln.text for ln in group_lines(name)] == ["努尔古丽吾守尔"]
    # A space on another line says nothing about this one.
    other = {**_char(" ", 40, 60), "x1": 43.0}
    assert [ln.text for ln in group_lines([*name, other])] == ["努尔古丽吾守尔"]


def test_large_page_is_rendered_at_lower_dpi(tmp_path: Path) -> None:
    opts = LoadOptions(max_render_pixels=1_000_000)
    path = write(tmp_path, "a4.pdf", hostile.make_pdf([hostile.PdfPage()]))
    (page,) = load_file(path, options=opts)[1]
    assert page.image is not None and page.dpi < 300
    h, w, _ = page.image.shape
    assert h * w <= 1_000_000 and abs(w - 595 * page.dpi / 72) <= 2
    assert fit_dpi(595, 842, 300, 10**9) == 300


def _forbid(monkeypatch: pytest.MonkeyPatch, owner: object, name: str) -> None:
    """Make owner.name raise if called. The forked sandbox child inherits the patch, so a
    call there comes back as ReaderCrashed naming it instead of the error a test expects."""

    def tripwire(*args: object, **kwargs: object) -> None:
        raise AssertionError(f"{name} called")

    monkeypatch.setattr(owner, name, tripwire)


def test_200_inch_page_raises_page_too_large(tmp_path: Path, monkeypatch) -> None:
    # Refused from the page size alone: not one pixel is rendered (how long the refusal takes
    # is a benchmark figure, bench/bounds.py).
    import pypdfium2 as pdfium

    _forbid(monkeypatch, pdfium.PdfPage, "render")
    path = write(tmp_path, "huge.pdf", hostile.make_pdf([hostile.PdfPage(14400, 14400)]))
    with pytest.raises(PageTooLarge) as info:
        load_file(path, rel="huge.pdf")
    assert info.value.file == "huge.pdf"
    # The tripwire is live in the sandbox: a page that must be rendered trips it.
    scan = write(tmp_path, "scan.pdf", hostile.image_pdf(hostile.marker_image(20, 10), 100))
    with pytest.raises(ReaderCrashed, match="render called"):
        load_file(scan)


def test_2000_page_pdf_is_cut(tmp_path: Path) -> None:
    path = write(tmp_path, "many.pdf", hostile.many_pages_pdf(2000))
    loaded, pages = load_file(path)
    assert loaded.page_count == 2000 and loaded.pages_truncated
    assert len(pages) == MAX_PAGES_PER_FILE and pages[-1].page == MAX_PAGES_PER_FILE
    assert pages[0].text_lines[0].text == "第一页职业技能等级证书"


def test_2000_page_pdf_parses_only_the_pages_kept(tmp_path: Path, monkeypatch) -> None:
    # Counting the parsers' page objects, in-process (the same worker the sandbox runs):
    # pdfplumber's PDF.pages and PDF.close() build every page of the document, which is what
    # made a 2,000-page file slow (its speed is a benchmark figure, bench/bounds.py).
    import pdfplumber.page
    import pypdfium2 as pdfium
    from pdfminer.pdfpage import PDFPage

    built: dict[str, list[int]] = {"pdfplumber": [], "pdfminer": [], "pdfium": []}

    def count(owner: type, name: str, key: str, number: Callable[..., int]) -> None:
        real = getattr(owner, name)

        def spy(*args: Any, **kwargs: Any) -> Any:
            built[key].append(number(*args, **kwargs))
            return real(*args, **kwargs)

        monkeypatch.setattr(owner, name, spy)

    count(pdfplumber.page.Page, "__init__", "pdfplumber", lambda *a, **k: k["page_number"])
    count(PDFPage, "__init__", "pdfminer", lambda *a, **k: 0)
    count(pdfium.PdfDocument, "get_page", "pdfium", lambda _, index: index + 1)
    path = write(tmp_path, "many.pdf", hostile.many_pages_pdf(2000))
    loaded, pages = load_file(path, options=LoadOptions(sandbox=False))
    kept = list(range(1, MAX_PAGES_PER_FILE + 1))
    assert loaded.page_count == 2000 and [p.page for p in pages] == kept
    assert built["pdfplumber"] == kept and built["pdfium"] == kept
    assert len(built["pdfminer"]) == MAX_PAGES_PER_FILE


def test_300_frame_tiff_is_cut(tmp_path: Path) -> None:
    loaded, pages = load_file(write(tmp_path, "t.tiff", hostile.multipage_tiff(300)))
    assert loaded.page_count == 300 and loaded.pages_truncated
    assert len(pages) == MAX_PAGES_PER_FILE
    loaded, pages = load_file(tmp_path / "t.tiff", options=LoadOptions(max_pages=2))
    assert [p.page for p in pages] == [1, 2] and loaded.pages_truncated


def test_pdf_xmp_and_incremental_saves(tmp_path: Path) -> None:
    xmp = hostile.xmp_packet("Adobe Acrobat Pro", ["Adobe Photoshop 24.0", "GIMP 2.10"])
    data = hostile.cert_pdf(xmp=xmp) + b"% appended by an editor\n%%EOF\n"
    meta = load_file(write(tmp_path, "x.pdf", data))[0].metadata
    assert meta["CreatorTool"] == "Adobe Acrobat Pro"
    assert meta["XMPHistorySoftware"] == ["Adobe Photoshop 24.0", "GIMP 2.10"]
    assert meta["pdf_eof_markers"] == 2


# --- hostile files ----------------------------------------------------------------------------


def test_zero_bytes(tmp_path: Path) -> None:
    with pytest.raises(EmptyFile) as info:
        load_file(write(tmp_path, "empty.pdf", b""), rel="x/empty.pdf")
    assert info.value.file == "x/empty.pdf"


@pytest.mark.parametrize("fmt,name", [("JPEG", "t.jpg"), ("PNG", "t.png")])
def test_truncated_images(tmp_path: Path, fmt: str, name: str) -> None:
    noisy = Image.fromarray(np.random.default_rng(0).integers(0, 255, (200, 200, 3), np.uint8))
    data = hostile.truncated(hostile.image_bytes(noisy, fmt), 0.6)
    with pytest.raises(CorruptFile, match="truncated"):
        load_file(write(tmp_path, name, data))


@pytest.mark.parametrize("fmt,name", [("PNG", "t.png"), ("TIFF", "t.tif")])
def test_a_frame_only_checked_is_decoded_but_not_converted(
    tmp_path: Path, fmt: str, name: str, monkeypatch
) -> None:
    """Inspection decodes a PNG's or TIFF's first frame whole (their damage shows only then)
    but converts one pixel of it, not the page: the same refusals, in a fraction of the work."""
    from extractors import loaders

    converted: list[tuple[int, int]] = []
    to_rgb = loaders.to_rgb

    def spy(im):  # type: ignore[no-untyped-def]
        converted.append(im.size)
        return to_rgb(im)

    monkeypatch.setattr(loaders, "to_rgb", spy)
    noisy = Image.fromarray(np.random.default_rng(0).integers(0, 255, (300, 200, 3), np.uint8))
    whole = write(tmp_path, name, hostile.image_bytes(noisy, fmt))
    checked, pages = load_file(whole, options=LoadOptions(pages=(), sandbox=False))
    assert checked.page_count == 1 and pages == [] and converted == [(1, 1)]
    read, (page,) = load_file(whole, options=LoadOptions(pages=(1,), sandbox=False))
    assert converted[1:] == [(200, 300)] and np.array_equal(page.image, np.asarray(noisy))
    assert checked.metadata == read.metadata
    if fmt == "PNG":  # a cut PNG is refused at inspection, as when it is read
        cut = write(tmp_path, "cut" + name, hostile.truncated(hostile.image_bytes(noisy, fmt), 0.6))
        with pytest.raises(CorruptFile, match="truncated"):
            load_file(cut, options=LoadOptions(pages=(), sandbox=False))

    def refuse(im):  # type: ignore[no-untyped-def]
        raise loaders.UnsupportedFileType(f"image colour mode {im.mode}: not supported")

    monkeypatch.setattr(loaders, "to_rgb", refuse)  # a mode Pillow cannot turn into RGB
    with pytest.raises(loaders.UnsupportedFileType):
        load_file(whole, options=LoadOptions(pages=(), sandbox=False))


@pytest.mark.parametrize("fraction", [0.3, 0.95, 0.999])
def test_a_jpeg_checked_at_a_small_scale_fails_as_its_full_decode_does(
    tmp_path: Path, fraction: float, monkeypatch
) -> None:
    """Inspection decodes a JPEG's first frame at 1/8 scale to check it: the same refusal,
    word for word, as reading it, and the same metadata as when it is read whole."""
    from PIL import JpegImagePlugin

    scales, draft = [], JpegImagePlugin.JpegImageFile.draft

    def spy(im, mode, size):
        scales.append(im.size[0] // size[0])
        return draft(im, mode, size)

    monkeypatch.setattr(JpegImagePlugin.JpegImageFile, "draft", spy)
    noisy = np.random.default_rng(1).integers(0, 255, (1200, 900, 3), np.uint8)
    exif = Image.Exif()
    exif[0x0131], exif[0x0112] = "Adobe Photoshop 24.0", 6  # Software, Orientation
    buf = io.BytesIO()
    Image.fromarray(noisy).save(buf, "JPEG", quality=85, exif=exif, dpi=(300, 300))
    whole = write(tmp_path, "whole.jpg", buf.getvalue())
    checked, _ = load_file(whole, options=LoadOptions(pages=(), sandbox=False))
    assert scales == [8]  # checked at 1/8
    read, (page,) = load_file(whole, options=LoadOptions(pages=(1,), sandbox=False))
    assert scales == [8]  # read whole
    assert checked.metadata == read.metadata and checked.metadata["Orientation"] == 6
    assert checked.metadata["size"] == [900, 1200] and page.image.shape == (900, 1200, 3)
    cut = write(tmp_path, "cut.jpg", hostile.truncated(buf.getvalue(), fraction))
    errors = []
    for pages in [(), (1,)]:
        with pytest.raises(CorruptFile, match="truncated") as info:
            load_file(cut, options=LoadOptions(pages=pages, sandbox=False))
        errors.append(info.value.detail)
    assert errors[0] == errors[1]


def test_html_saved_as_pdf(tmp_path: Path) -> None:
    with pytest.raises(UnsupportedFileType, match="HTML") as info:
        load_file(write(tmp_path, "cert.pdf", hostile.HTML_PAGE))
    assert ".pdf" in info.value.detail


def test_truncated_and_garbage_pdf(tmp_path: Path) -> None:
    with pytest.raises(CorruptFile):
        load_file(write(tmp_path, "t.pdf", hostile.truncated(hostile.cert_pdf(), 0.5)))
    with pytest.raises(CorruptFile):
        load_file(write(tmp_path, "g.pdf", b"%PDF-1.7\n" + os.urandom(2000)))


def test_broken_xref_is_repaired_by_readers(tmp_path: Path) -> None:
    # Both readers rebuild the table by scanning objects: the file is readable, so it reads.
    (page,) = load_file(write(tmp_path, "x.pdf", hostile.broken_xref(hostile.cert_pdf())))[1]
    assert page.mode is OcrMode.text_layer and page.text_lines[0].text == "职业技能等级证书"


def test_password_protected_pdf(tmp_path: Path) -> None:
    path = write(tmp_path, "locked.pdf", hostile.cert_pdf(user_password="secret"))
    with pdfplumber.open(path, password="secret") as pdf:  # the file is really encrypted
        assert "职业技能等级证书" in pdf.pages[0].extract_text()
    with pytest.raises(EncryptedFile):
        load_file(path)


@pytest.mark.parametrize(
    "name,data,says",
    [
        ("cv.docx", hostile.docx_bytes(), "Word"),
        ("notes.txt", "姓名：张三\n".encode(), "plain text"),
        ("photo.heic", hostile.heic_header(), "HEIC"),
        ("scan.pdf", hostile.heic_header(), "HEIC"),
        ("blob.xyz", bytes(range(256)) * 4, "unknown"),
    ],
)
def test_unsupported_types(tmp_path: Path, name: str, data: bytes, says: str) -> None:
    with pytest.raises(UnsupportedFileType, match=says):
        load_file(write(tmp_path, name, data))


def test_unknown_bytes_under_an_image_name_are_corrupt(tmp_path: Path) -> None:
    with pytest.raises(CorruptFile, match="no known format"):
        load_file(write(tmp_path, "scan.png", bytes(range(256)) * 4))


def test_png_decompression_bombs(tmp_path: Path, monkeypatch) -> None:
    # Refused from the header: no pixel is decoded (how long the refusal takes is a benchmark
    # figure, bench/bounds.py).
    from PIL import ImageFile

    _forbid(monkeypatch, ImageFile.ImageFile, "load")
    path = write(tmp_path, "bomb.png", hostile.bomb_png(100_000, 100_000))
    assert path.stat().st_size < 200
    with pytest.raises(DecompressionBomb):
        load_file(path)
    # Between 1× and 2× the limit Pillow only warns; that is refused too.
    with pytest.raises(DecompressionBomb):
        load_file(write(tmp_path, "b2.png", hostile.bomb_png(10_000, 10_000)))
    # The tripwire is live in the sandbox: an image that is decoded trips it.
    small = write(tmp_path, "ok.png", hostile.image_bytes(hostile.marker_image(20, 10), "PNG"))
    with pytest.raises(ReaderCrashed, match="load called"):
        load_file(small)


def test_file_over_size_limit(tmp_path: Path) -> None:
    path = tmp_path / "big.pdf"
    with open(path, "wb") as f:
        f.truncate(MAX_FILE_BYTES + 1)  # sparse: costs no disk
    with pytest.raises(UnreadableDocument, match="limit"):
        load_file(path)


def test_symlinks_and_root(tmp_path: Path) -> None:
    root, outside = tmp_path / "batch", tmp_path / "elsewhere"
    root.mkdir()
    outside.mkdir()
    png = hostile.image_bytes(hostile.marker_image(16, 16), "PNG")
    write(outside, "secret.png", png)
    write(root, "real.png", png)
    (root / "escape.png").symlink_to(outside / "secret.png")
    (root / "inside.png").symlink_to(root / "real.png")
    opts = LoadOptions(root=root)
    with pytest.raises(UnsafePath):
        load_file(root / "escape.png", options=opts)
    with pytest.raises(UnsafePath):
        load_file(root / ".." / "elsewhere" / "secret.png", options=opts)
    assert load_file(root / "inside.png", options=opts)[0].page_count == 1
    assert load_file(root / "escape.png")[0].page_count == 1  # no root: no restriction
    (root / "dangling.png").symlink_to(root / "gone.png")
    with pytest.raises(CorruptFile, match="missing"):
        load_file(root / "dangling.png", options=opts)


def test_fifo_is_not_read(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "pipe.png")
    with pytest.raises(UnsupportedFileType, match="regular"):
        load_file(tmp_path / "pipe.png")


def test_sniffing() -> None:
    assert sniff_type(b"\xff\xd8\xff\xe0junk", ".pdf") == ("image", "JPEG")
    assert sniff_type(b"junk" * 10 + b"%PDF-1.4", ".jpg") == ("pdf", "PDF")
    assert sniff_type(b"MM\x00*\x00\x00\x00\x08", "") == ("image", "TIFF")
    with pytest.raises(UnsupportedFileType, match="GIF"):
        sniff_type(b"GIF89a\x01\x00", ".png")


def test_options_are_validated() -> None:
    with pytest.raises(ValidationError):
        LoadOptions(max_pages=0)
    with pytest.raises(ValidationError):
        LoadOptions(timeout=5)  # type: ignore[call-arg]


def test_inline_mode_matches_sandbox(tmp_path: Path) -> None:
    path = write(tmp_path, "a.png", hostile.image_bytes(hostile.marker_image(40, 30), "PNG"))
    sandboxed = load_file(path)
    inline = load_file(path, options=LoadOptions(sandbox=False))
    assert sandboxed[0] == inline[0]
    assert np.array_equal(sandboxed[1][0].image, inline[1][0].image)  # type: ignore[arg-type]


def _big_pages(sizes: tuple[int, ...]) -> list[np.ndarray]:
    rng = np.random.default_rng(3)
    return [rng.integers(0, 256, (h, 997, 3), dtype=np.uint8) for h in sizes]


def test_arrays_larger_than_the_pipe_come_back_whole_and_writable() -> None:
    # 3 MB to 9 MB pages past a 1 MiB pipe, an empty one between, a header after: all framed.
    sizes = (1024, 0, 3001)
    got = list(iter_sandboxed(_big_pages, sizes))
    want = _big_pages(sizes)
    assert len(got) == 3 and all(np.array_equal(g, w) for g, w in zip(got, want, strict=True))
    got[2][0, 0, 0] ^= 1  # the parent owns a writable copy
    both = run_sandboxed(lambda: ("header", _big_pages((2000,))[0], "trailer"))
    assert both[0] == "header" and both[2] == "trailer"
    assert np.array_equal(both[1], _big_pages((2000,))[0])


def _children_of_this_process() -> list[int]:
    me, out = str(os.getpid()), []
    for d in Path("/proc").iterdir():
        try:
            if d.name.isdigit() and (d / "stat").read_text().rsplit(")", 1)[1].split()[1] == me:
                out.append(int(d.name))
        except OSError:
            continue
    return out


def test_sandboxed_reads_leave_no_child_behind(tmp_path: Path) -> None:
    # A night's intake forks a child per file and per page: none may linger, not even as a
    # zombie (its cost per call is a benchmark figure, bench/sandbox.py, not a timed test).
    path = write(tmp_path, "a.png", hostile.image_bytes(hostile.marker_image(64, 64), "PNG"))
    before = set(_children_of_this_process())
    for _ in range(10):
        load_file(path)
    assert set(_children_of_this_process()) - before == set()


def test_sandboxed_reads_in_threads_survive_other_threads_starting_processes(
    tmp_path: Path,
) -> None:
    # verify reads files in a thread pool while other threads start processes (OCR workers,
    # other reads): multiprocessing's registry let those reap our child, and the read failed
    # with ValueError "Cannot close a process while it is still running" (~7 % of reads here).
    import multiprocessing
    import threading

    path = write(tmp_path, "a.png", hostile.image_bytes(hostile.marker_image(16, 16), "PNG"))
    stop, errors = threading.Event(), []

    def poll() -> None:
        while not stop.is_set():
            multiprocessing.active_children()  # what Process.start() does in any thread

    def read() -> None:
        for _ in range(60):
            try:
                load_file(path)
            except Exception as e:  # noqa: BLE001 - collected for the assertion
                errors.append(repr(e))

    threads = [threading.Thread(target=read) for _ in range(2)]
    poller = threading.Thread(target=poll)
    poller.start()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    stop.set()
    poller.join()
    assert errors == []


# --- the sandbox itself -----------------------------------------------------------------------


@pytest.fixture(params=["fork per call", "kept children"])
def sandbox_mode(request):  # type: ignore[no-untyped-def]
    """The sandbox's promises hold alike for a child forked per call and a kept child."""
    if request.param == "fork per call":
        yield None
        return
    with kept_children() as kept:
        yield kept


def _hang() -> None:
    time.sleep(60)


def _allocate_10_gib() -> int:
    return int(np.empty(10 * 2**30, np.uint8).nbytes)  # fails at once under RLIMIT_AS


def _grow_until_refused() -> int:
    if resource.getrlimit(resource.RLIMIT_AS)[0] == resource.RLIM_INFINITY:
        return -1  # no cap: do not eat the machine's memory
    chunks = []
    for _ in range(200):  # 200 × 64 MiB = 12.5 GiB, touched
        chunks.append(np.ones(64 * 2**20, np.uint8))
    return len(chunks)


def _raise_typed() -> None:
    raise CorruptFile("bad xref", file="a/b.pdf", zh="自定义说明")


def _pages(n: int):  # type: ignore[no-untyped-def]
    for i in range(n):
        yield np.full((500, 500, 3), i, np.uint8)


def test_sandbox_timeout_kills_child(sandbox_mode) -> None:  # type: ignore[no-untyped-def]
    # The child sleeps a minute: an error after the timeout with no child left (not even a
    # zombie) means it was killed and reaped. How soon is a benchmark figure (bench/bounds.py).
    before = set(_children_of_this_process())
    with pytest.raises(ReaderTimeout) as info:
        run_sandboxed(_hang, timeout_s=1.0, file="slow.pdf")
    assert info.value.file == "slow.pdf" and info.value.detail.startswith("no result after 1 s")
    assert set(_children_of_this_process()) - before == set()


def test_sandbox_abort_is_reader_crashed(sandbox_mode) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ReaderCrashed, match="SIGABRT"):
        run_sandboxed(os.abort)


@pytest.mark.parametrize("fn", [_allocate_10_gib, _grow_until_refused])
def test_sandbox_memory_cap(fn, sandbox_mode) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ReaderCrashed, match="memory"):
        run_sandboxed(fn, memory_bytes=512 * 2**20, timeout_s=20)


def test_sandbox_passes_typed_errors_as_is(sandbox_mode) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(CorruptFile) as info:
        run_sandboxed(_raise_typed, file="other.pdf")
    err = info.value
    assert type(err) is CorruptFile and err.detail == "bad xref" and err.file == "a/b.pdf"
    assert err.reason_zh == "自定义说明" and str(err) == "[CC103] bad xref"


def test_sandbox_unexpected_error_keeps_child_traceback(sandbox_mode) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ReaderCrashed, match="ZeroDivisionError") as info:
        run_sandboxed(functools.partial(divmod, 1, 0))
    assert "ZeroDivisionError" in info.value.__notes__[0]


def test_sandbox_streams_and_returns_writable_arrays(sandbox_mode) -> None:  # type: ignore[no-untyped-def]
    got = list(iter_sandboxed(_pages, 4))
    assert [int(a[0, 0, 0]) for a in got] == [0, 1, 2, 3]
    assert all(a.flags.writeable and a.shape == (500, 500, 3) for a in got)
    if sandbox_mode is not None:  # the child of that call waits, kept, for the next one
        assert sandbox_mode.started == 1
    before = set(_children_of_this_process())
    stream = iter_sandboxed(_pages, 10_000)
    next(stream)
    if sandbox_mode is None:
        assert len(set(_children_of_this_process()) - before) == 1
    stream.close()  # kills the child, kept or not: it was left mid-stream
    assert len(set(before) - set(_children_of_this_process())) == (sandbox_mode is not None)
    assert set(_children_of_this_process()) - before == set()
    assert run_sandboxed(np.arange, 5).tolist() == [0, 1, 2, 3, 4]


def test_pages_without_metadata_read_the_same(tmp_path: Path) -> None:
    """A caller loading page by page skips the metadata scan (read once per file)."""
    info = {"Producer": "Adobe Photoshop 25.0", "Creator": "美图秀秀"}
    path = write(tmp_path, "cert.pdf", hostile.cert_pdf(info=info))
    full, (a,) = load_file(path)
    bare, (b,) = load_file(path, options=LoadOptions(metadata=False))
    assert full.metadata["Producer"] and bare.metadata == {}
    assert [t.text for t in a.text_lines] == [t.text for t in b.text_lines]
    assert bare.page_count == full.page_count


# --- kept children (a verify run's sandbox) ---------------------------------------------------


def _scan_jpeg(tmp_path: Path) -> Path:
    rng = np.random.default_rng(5)
    scan = rng.integers(0, 256, (1754, 1240, 3), dtype=np.uint8)  # A4 at 150 dpi, noisy
    return write(tmp_path, "scan.jpg", hostile.image_bytes(Image.fromarray(scan), "JPEG"))


def test_kept_children_read_as_a_fork_does_and_fork_once(tmp_path: Path) -> None:
    path = _scan_jpeg(tmp_path)
    forked = load_file(path, options=LoadOptions(pages=(1,)))
    before = set(_children_of_this_process())
    with kept_children() as kept:
        for _ in range(5):
            loaded, (page,) = load_file(path, options=LoadOptions(pages=(1,)))
            assert loaded == forked[0] and np.array_equal(page.image, forked[1][0].image)  # type: ignore[arg-type]
            assert page.image is not None and page.image.flags.writeable
        checked, pages = load_file(path, options=LoadOptions(pages=()))  # an inspection
        assert checked.page_count == 1 and pages == []
        assert kept.started == 1
        assert len(set(_children_of_this_process()) - before) == 1
    assert set(_children_of_this_process()) - before == set()  # stopped and reaped


def test_a_kept_child_that_failed_is_not_used_again(tmp_path: Path) -> None:
    path = write(tmp_path, "a.png", hostile.image_bytes(hostile.marker_image(64, 64), "PNG"))
    with kept_children() as kept:
        load_file(path)
        with pytest.raises(CorruptFile):  # a Python error: the child is sound and kept
            run_sandboxed(_raise_typed)
        assert kept.started == 1
        with pytest.raises(ReaderCrashed, match="SIGABRT"):
            run_sandboxed(os.abort)
        load_file(path)
        assert kept.started == 2
        with pytest.raises(ReaderTimeout):
            run_sandboxed(_hang, timeout_s=0.5)
        load_file(path)
        assert kept.started == 3


def test_a_kept_child_is_replaced_after_its_calls(tmp_path: Path) -> None:
    path = write(tmp_path, "a.png", hostile.image_bytes(hostile.marker_image(8, 8), "PNG"))
    before = set(_children_of_this_process())
    with kept_children(max_calls=3) as kept:
        for _ in range(7):
            load_file(path)
        assert kept.started == 3
        assert len(set(_children_of_this_process()) - before) == 1  # the others reaped


def test_a_kept_child_outlives_the_thread_that_first_needed_it(tmp_path: Path) -> None:
    # A child dies with the thread that forked it (PR_SET_PDEATHSIG): a wave's task runner and
    # a pool of crops end their threads long before the run ends.
    import contextvars
    import signal
    import threading

    path = write(tmp_path, "a.png", hostile.image_bytes(hostile.marker_image(8, 8), "PNG"))
    before = set(_children_of_this_process())
    with kept_children() as kept:
        t = threading.Thread(target=contextvars.copy_context().run, args=(load_file, path))
        t.start()
        t.join()
        time.sleep(0.2)  # a child killed with its thread would be gone by now
        load_file(path)
        assert kept.started == 1
        (child,) = set(_children_of_this_process()) - before
        os.kill(child, signal.SIGKILL)  # dies while idle: the next call forks another
        time.sleep(0.2)
        load_file(path)
        assert kept.started == 2


def test_a_kept_child_holds_no_descriptor_of_the_parent(tmp_path: Path) -> None:
    # A lock file, an engine's pipe or a database socket the parent closes must close: a
    # child that lives the whole run would otherwise keep it open.
    import select

    path = write(tmp_path, "a.png", hostile.image_bytes(hostile.marker_image(8, 8), "PNG"))
    r, w = os.pipe()
    try:
        with kept_children() as kept:
            load_file(path)  # the child is forked while both ends are open here
            assert kept.started == 1
            os.close(w)
            w = -1
            ready, _, _ = select.select([r], [], [], 5.0)
            assert ready and os.read(r, 1) == b""  # EOF: no other process holds the end
    finally:
        os.close(r)
        if w >= 0:
            os.close(w)


def test_kept_children_serve_threads_side_by_side(tmp_path: Path) -> None:
    import contextvars
    from concurrent.futures import ThreadPoolExecutor

    path = _scan_jpeg(tmp_path)
    want = load_file(path)[1][0].image
    with kept_children() as kept, ThreadPoolExecutor(2) as pool:
        ctx = contextvars.copy_context
        jobs = [pool.submit(ctx().run, load_file, path) for _ in range(8)]
        assert all(np.array_equal(j.result()[1][0].image, want) for j in jobs)  # type: ignore[arg-type]
        assert 1 <= kept.started <= 2


def test_a_message_larger_than_the_shared_memory_takes_the_pipe() -> None:
    sizes = (1024, 0, 3001)  # 3 MB and 9 MB past 1 MiB of shared memory
    kept = KeptChildren(shared_bytes=2**20)
    try:
        got = list(kept.messages(_kept_request(_big_pages, sizes), 30.0, 2**30, None))
    finally:
        kept.close()
    items = [v for k, v in got if k == "item"]
    assert got[-1] == ("done", None) and len(items) == 1
    assert all(np.array_equal(g, w) for g, w in zip(items[0], _big_pages(sizes), strict=True))


def _kept_request(fn, *args):  # type: ignore[no-untyped-def]
    import pickle

    return pickle.dumps((_one_item, (fn, *args), True), protocol=5)


def _one_item(fn, *args):  # type: ignore[no-untyped-def]
    yield fn(*args)
