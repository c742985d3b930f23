"""Golden pages, one per fixture in tests/golden (rebuilt by tests/golden/make_golden.py).

Two pins: the fields read from the recorded OCR lines (fast, no engine), and the whole
reading stage on the image with the real engines.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from extractors.classify import classify_page
from extractors.fields import extract_fields
from models import OcrMode, PageText, TextLine

GOLDEN = Path(__file__).parent / "golden"
EXPECTED: dict[str, dict] = json.loads((GOLDEN / "expected.json").read_text("utf-8"))


def _recorded_page(name: str) -> PageText:
    lines = json.loads((GOLDEN / f"{name}.ocr.json").read_text("utf-8"))
    return PageText(
        file=name, page=1, mode=OcrMode.ocr, width=2000, height=2000,
        lines=[TextLine(text=t, bbox=tuple(b), confidence=c) for t, b, c in lines],
    )  # fmt: skip


def test_every_type_is_pinned():
    assert {e["doc_type"] for e in EXPECTED.values()} == {
        "skill_certificate", "award_certificate", "title_certificate", "education_certificate",
        "id_card", "other",
    }  # fmt: skip


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_fields_from_recorded_lines(name):
    page = _recorded_page(name)
    page.height = max(ln.bbox[3] for ln in page.lines) * 1.1
    want = EXPECTED[name]
    assert classify_page(page).doc_type == want["doc_type"]
    got = {k: f.value for k, f in extract_fields(page, want["doc_type"]).items()}
    assert {k: got.get(k) for k in want["fields"]} == want["fields"]


@pytest.fixture(scope="module")
def reader():
    from extractors.read import Reader

    with Reader() as r:
        yield r


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_reading_the_image(reader, name):
    reading = reader.read_file(GOLDEN / name, rel=name)
    want = EXPECTED[name]
    assert not reading.failures
    doc = reading.documents[0]
    assert doc.doc_type == want["doc_type"]
    got = doc.values()
    assert {k: got.get(k) for k in want["fields"]} == want["fields"]
    # tesseract re-read the ID number's crop, or left it for a second look as confident and
    # valid (when tesseract is missing, the page says the check is off)
    assert not [w for w in doc.warnings if w.startswith("second opinion off")], doc.warnings
    if "id_number" in want["fields"]:
        notes = doc.fields["id_number"].notes
        assert [n for n in notes if n.startswith(("tesseract", "second opinion skipped"))], notes
    for f in doc.fields.values():  # every value points at where it was read
        assert f.evidence.file == name and f.evidence.page == 1
        x0, y0, x1, y1 = f.evidence.bbox
        assert 0 <= x0 < x1 and 0 <= y0 < y1


@pytest.mark.parametrize("degrees", [90, 180, 270])
def test_sideways_and_upside_down_pages_are_turned_upright(reader, tmp_path, degrees):
    from PIL import Image

    name = "skill_certificate_1.jpg"
    path = tmp_path / name
    # PIL rotates counter-clockwise; the reader must undo it whatever the direction.
    Image.open(GOLDEN / name).rotate(degrees, expand=True).save(path, quality=90)
    reading = reader.read_file(path, rel=name)
    doc = reading.documents[0]
    assert doc.rotation == degrees  # clockwise turn that undoes PIL's counter-clockwise one
    want = EXPECTED[name]
    assert doc.doc_type == want["doc_type"]
    assert {k: doc.values().get(k) for k in want["fields"]} == want["fields"]
