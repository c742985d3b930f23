"""Fuzzing (Hypothesis) of what reads untrusted bytes: the file loaders and the declared-data
importer. Bounded by max_examples so the whole file takes well under a minute on 2 cores.

Loaders: small valid PDF/PNG/JPEG/TIFF files with random byte flips, overwrites, inserts,
deletions, duplications and truncations. load_file may refuse a file only with an
UnreadableDocument subclass (a CredcheckError); a ReaderCrashed that carries a Python
traceback from the child (an exception the loader did not map) counts as a failure too, as
does a loaded file whose pages are not H×W×3 uint8 images or text lines.

Importer: generated workbooks (random headers among the contract's aliases and junk, random
cells of every type, formulas, HTML, odd sheet names, title rows), CSV text in random
encodings and delimiters, raw random bytes, and mutated workbook bytes. It reports problems;
it raises DeclaredDataError only for a table it cannot open at all.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from extractors.declared import load_declared, load_declared_table
from extractors.loaders import LoadOptions, load_file
from models.catalogue import APPLICANT_HEADERS, AWARD_HEADERS
from models.document import OcrMode
from models.exceptions import CredcheckError, DeclaredDataError, ReaderCrashed, UnreadableDocument
from tests import hostile

FUZZ = settings(
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    print_blob=True,
)

# ---------------------------------------------------------------- loaders


def _seeds() -> dict[str, tuple[str, bytes]]:
    img = hostile.marker_image(48, 32)
    return {
        "pdf_text": (".pdf", hostile.cert_pdf(info={"Title": "证书", "Producer": "fuzz"})),
        "pdf_image": (".pdf", hostile.image_pdf(img, 72.0)),
        "png": (".png", hostile.image_bytes(img, "PNG")),
        "jpeg": (".jpg", hostile.jpeg_with_exif(img, orientation=6, software="fuzz")),
        "tiff": (".tif", hostile.multipage_tiff(3, (24, 16))),
    }


SEEDS = _seeds()
_OPTS = LoadOptions(max_pages=3, dpi=72, timeout_s=15)


@pytest.fixture(scope="module")
def tmp(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("fuzz")


@st.composite
def mutated(draw: st.DrawFn, seed: bytes) -> bytes:
    data = bytearray(seed)
    for _ in range(draw(st.integers(1, 6))):
        n = len(data)
        if n == 0:
            break
        op = draw(st.sampled_from(["flip", "set", "insert", "delete", "dup", "truncate"]))
        i = draw(st.integers(0, n - 1))
        if op == "flip":
            data[i] ^= 1 << draw(st.integers(0, 7))
        elif op == "set":
            data[i] = draw(st.sampled_from([0x00, 0xFF, 0x7F, 0x80, ord("0"), ord("9")]))
        elif op == "insert":
            data[i:i] = draw(st.binary(min_size=1, max_size=16))
        elif op == "delete":
            del data[i : i + draw(st.integers(1, 64))]
        elif op == "dup":
            j = draw(st.integers(i, min(n, i + 256)))
            data[i:i] = data[i:j]
        else:
            data = data[: max(1, i)]
    return bytes(data)


def _check_load(tmp: Path, suffix: str, data: bytes) -> None:
    path = tmp / f"fuzz{suffix}"
    path.write_bytes(data)
    try:
        loaded, pages = load_file(path, rel=path.name, options=_OPTS)
    except CredcheckError as e:
        assert isinstance(e, UnreadableDocument), repr(e)
        assert e.reason_zh and e.file == path.name
        notes = "\n".join(getattr(e, "__notes__", []))
        if _KNOWN_PLUMBER_CLOSE in notes:
            return  # known, pinned by test_pdf_with_a_page_pdfminer_cannot_size_is_read
        assert not (isinstance(e, ReaderCrashed) and "child traceback" in notes), (
            f"unmapped exception in the loader: {e}\n{notes}"
        )
        return
    assert loaded.page_count >= 1 and 1 <= len(pages) <= min(loaded.page_count, 3)
    loaded.model_dump_json()  # metadata from hostile bytes is plain, serialisable data
    for page in pages:
        if page.mode is OcrMode.text_layer:
            assert page.image is None and page.width > 0 and page.height > 0
        else:
            img = page.image
            assert isinstance(img, np.ndarray) and img.dtype == np.uint8
            assert img.ndim == 3 and img.shape[2] == 3 and img.shape[0] * img.shape[1] > 0


# loaders._pdf_pages ends with pdfplumber's PDF.close(), which builds a Page object for every
# page of the file first: it raises on a page whose MediaBox pdfminer cannot read (pdfium reads
# the file fine) and costs ~1 s on a 2000-page PDF, for every page read.
_KNOWN_PLUMBER_CLOSE = "plumber.close()"


def _bad_media_box_pdf() -> bytes:
    pages = [hostile.PdfPage(content=hostile.cjk_text(hostile.CERT_LINES)),
             hostile.PdfPage(width=300.0, height=200.0)]  # fmt: skip
    old = b"/MediaBox [0 0 300 200]"
    return hostile.make_pdf(pages).replace(old, b"/MediaBox null".ljust(len(old)))


def test_pdf_with_a_page_pdfminer_cannot_size_is_read(tmp: Path) -> None:
    path = tmp / "badbox.pdf"
    path.write_bytes(_bad_media_box_pdf())
    loaded, pages = load_file(path, options=LoadOptions(pages=(1,)))
    assert loaded.page_count == 2 and pages[0].text_lines[0].text == "职业技能等级证书"


@pytest.mark.parametrize("kind", sorted(SEEDS))
def test_seed_files_load(tmp: Path, kind: str) -> None:
    # The fuzzers' premise: unmutated, every seed reads.
    suffix, data = SEEDS[kind]
    path = tmp / f"seed-{kind}{suffix}"
    path.write_bytes(data)
    loaded, pages = load_file(path, options=_OPTS)
    assert loaded.page_count >= 1 and pages


@pytest.mark.parametrize("kind", sorted(SEEDS))
@settings(FUZZ, max_examples=150)
@given(data=st.data())
def test_loader_survives_mutated_files(tmp: Path, kind: str, data: st.DataObject) -> None:
    suffix, seed = SEEDS[kind]
    _check_load(tmp, suffix, data.draw(mutated(seed)))


@settings(FUZZ, max_examples=40)
@given(head=st.sampled_from([b"%PDF-1.4\n", b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff", b"II*\x00",
                             b"MM\x00*", b"BM", b"RIFF\x00\x00\x00\x00WEBP", b""]),
       body=st.binary(max_size=600))  # fmt: skip
def test_loader_survives_random_bytes_behind_a_magic_number(
    tmp: Path, head: bytes, body: bytes
) -> None:
    _check_load(tmp, ".pdf", head + body)


# ---------------------------------------------------------------- declared-data importer

_ALIASES = sorted({a for v in (*APPLICANT_HEADERS.values(), *AWARD_HEADERS.values()) for a in v})
_XML_SAFE = st.characters(blacklist_categories=("Cs", "Cc"), blacklist_characters="\ufffe\uffff")
_text = st.text(_XML_SAFE, max_size=14)
_tricky = st.sampled_from([
    "=1+1", '=HYPERLINK("http://x","y")', "@SUM(A1)", "+cmd|' /C calc'!A0", "-2+3",
    "<script>alert(1)</script>", "650102198001010011", "1.23457E+17", "６５０１０２", "无",
    "1985年3月", "1985.03", "44197", "", " ", "高级技师", "二级", "新疆工匠", "XJ2025-0001",
    "XJ2025-0001 ", "../x", "a/b", "\u202eevil", "张三\n李四", "阿依古丽•买买提",
])  # fmt: skip
_cell = st.one_of(
    st.none(),
    _text,
    _tricky,
    st.integers(-(10**18), 10**18),
    st.floats(allow_nan=False, allow_infinity=False),
    st.dates(min_value=dt.date(1900, 1, 1)),
    st.datetimes(min_value=dt.datetime(1900, 1, 1)),
    st.booleans(),
)
_header = st.one_of(st.sampled_from(_ALIASES), _text, st.none(), st.integers(0, 9))
_row = st.lists(_cell, max_size=10)
_sheet = st.tuples(
    st.sampled_from(["申报人", "获奖情况", "Sheet1", "申报人 ", "獲獎情況", "x"]),
    st.lists(_text.map(lambda s: [s]), max_size=2),  # title rows above the header
    st.lists(_header, min_size=1, max_size=10),
    st.lists(_row, max_size=8),
)


def _workbook(sheets: list) -> bytes:
    import openpyxl

    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    used: set[str] = set()
    for k, (title, above, header, rows) in enumerate(sheets):
        name = title if title.strip() and title not in used else f"{title.strip() or 'S'}{k}"
        used.add(name)
        ws = wb.create_sheet(name)
        for row in [*above, header, *rows]:
            ws.append(row)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _check_batch(batch) -> None:
    ids = [a.applicant_id for a in batch.applicants]
    assert all(ids) and len(ids) == len(set(ids)), ids
    batch.model_dump_json()
    for a in batch.applicants:
        assert all(isinstance(p, str) and p for p in a.problems)


@settings(FUZZ, max_examples=100)
@given(st.lists(_sheet, min_size=1, max_size=3))
def test_importer_reports_random_workbooks(tmp: Path, sheets: list) -> None:
    path = tmp / "declared.xlsx"
    path.write_bytes(_workbook(sheets))
    _check_batch(load_declared_table(path))


_VALID_XLSX = _workbook(
    [("申报人", [], ["申报编号", "姓名", "身份证号", "出生日期"],
      [["A1", "张三", "650102198001010011", dt.date(1980, 1, 1)], ["A2", "=1+1", 5, None]]),
     ("获奖情况", [], ["申报编号", "奖励名称", "年度"], [["A1", "技术能手", 2021]])]
)  # fmt: skip


@settings(FUZZ, max_examples=150)
@given(st.data())
def test_importer_refuses_broken_workbooks_only_with_declared_data_error(tmp: Path, data) -> None:
    path = tmp / "broken.xlsx"
    path.write_bytes(data.draw(mutated(_VALID_XLSX)))
    try:
        batch = load_declared_table(path)
    except DeclaredDataError as e:
        assert e.reason_zh
        return
    _check_batch(batch)


_ENCODINGS = ["utf-8", "utf-8-sig", "gb18030", "utf-16"]


def _csv_bytes(rows: list[list[str]], delimiter: str, encoding: str) -> bytes:
    buf = io.StringIO()
    csv.writer(buf, delimiter=delimiter, lineterminator="\r\n").writerows(rows)
    return buf.getvalue().encode(encoding, errors="replace")


_csv_cell = st.one_of(st.text(max_size=12), _tricky, st.sampled_from(_ALIASES))
_csv_table = st.lists(st.lists(_csv_cell, max_size=9), max_size=8)


@settings(FUZZ, max_examples=150)
@given(
    head=st.lists(st.one_of(st.sampled_from(_ALIASES), _csv_cell), max_size=9),
    rows=_csv_table,
    awards=st.one_of(st.none(), _csv_table),
    delimiter=st.sampled_from([",", "\t", ";", "|"]),
    encoding=st.sampled_from(_ENCODINGS),
    junk=st.one_of(st.just(b""), st.binary(max_size=64)),
)
def test_importer_reports_random_csv(tmp, head, rows, awards, delimiter, encoding, junk) -> None:
    batch_dir = tmp / "csvbatch"
    batch_dir.mkdir(exist_ok=True)
    (batch_dir / "declared.csv").write_bytes(_csv_bytes([head, *rows], delimiter, encoding) + junk)
    awards_path = batch_dir / "awards.csv"
    awards_path.unlink(missing_ok=True)
    if awards is not None:
        awards_path.write_bytes(_csv_bytes([["申报编号", "奖励名称", "年度"], *awards], ",",
                                           encoding))  # fmt: skip
    _check_batch(load_declared(batch_dir))  # a readable CSV never raises


@settings(FUZZ, max_examples=150)
@given(st.binary(max_size=2000))
def test_importer_reports_random_bytes_as_csv(tmp: Path, data: bytes) -> None:
    path = tmp / "random.csv"
    path.write_bytes(data)
    _check_batch(load_declared_table(path))
