"""Tesseract, the second opinion on ID numbers, certificate numbers and dates.

The engine itself on rendered lines (tesseract-ocr and chi_sim are installed by `make test`),
and the reader on golden pages: tesseract's reading is in the fields' notes, and when the
binary is missing the page says the second opinion is off. Without tesseract these fail:
the reader would carry on without it, which is what they are here to notice.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytesseract
import pytest
from PIL import Image, ImageDraw

from extractors.ocr.tess import TesseractEngine, TesseractOptions
from extractors.read import Reader, ReadOptions, TesseractLines
from extractors.reconcile import SecondOpinion, skipped
from models import OcrMode, PageText, TextLine
from models.exceptions import OcrEngineUnavailable, OcrTimeout
from synth.fonts import font

GOLDEN = Path(__file__).parent / "golden"
ID_NUMBER = "654322199110246811"
TITLE = "职业技能等级证书"


def _draw(lines: list[tuple[str, str, int, int]], size: tuple[int, int]) -> np.ndarray:
    """Black text on white: (text, font family, x, y) at 40 px."""
    im = Image.new("RGB", size, "white")
    draw = ImageDraw.Draw(im)
    for text, family, x, y in lines:
        draw.text((x, y), text, fill="black", font=font(family, 40))
    return np.asarray(im)


@pytest.fixture(scope="module")
def engine() -> TesseractEngine:
    return TesseractEngine()


# Line crops go to libtesseract (tesserocr) with its models loaded once, or to the command.
@pytest.fixture(scope="module", params=[True, False], ids=["library", "command"])
def lines(request) -> TesseractEngine:
    return TesseractEngine(TesseractOptions(library=request.param))


def test_line_crops_go_to_the_library_with_models_loaded_once(engine: TesseractEngine) -> None:
    image = _draw([(TITLE, "sans", 20, 10)], (380, 80))
    engine.read_line(image)
    api = engine._apis["chi_sim+eng"]
    assert api is not None  # tesserocr is a dependency: its absence is what this notices
    # built against the command's own libtesseract (make venv): they read crops alike
    import tesserocr

    library = tesserocr.tesseract_version().split()[1]
    assert library == str(pytesseract.get_tesseract_version()), library
    engine.read_line(image)
    assert engine._apis["chi_sim+eng"] is api


def test_reads_an_id_number_with_the_digit_whitelist(lines: TesseractEngine) -> None:
    got = lines.read_line(_draw([(ID_NUMBER, "latin", 20, 15)], (520, 80)), whitelist="0123456789X")
    assert got.text == ID_NUMBER and got.confidence > 0.5


def test_a_blank_crop_reads_as_nothing(lines: TesseractEngine) -> None:
    blank = np.full((60, 600, 3), 255, np.uint8)
    assert lines.read_line(blank).text == ""
    assert lines.read_line(blank, whitelist="0123456789X").text == ""


def test_reads_a_chinese_line_with_chi_sim(lines: TesseractEngine) -> None:
    got = lines.read_line(_draw([(TITLE, "sans", 20, 10)], (380, 80)))
    assert got.text == TITLE and got.confidence > 0.5


def test_read_page_gives_lines_where_they_are_printed(engine: TesseractEngine) -> None:
    image = _draw([(TITLE, "sans", 60, 40), (ID_NUMBER, "latin", 60, 200)], (700, 300))
    page = engine.read_page(image)
    assert (page.width, page.height, page.rotation) == (700, 300, 0)
    assert [ln.text for ln in page.lines] == [TITLE, ID_NUMBER]
    title, number = (ln.bbox for ln in page.lines)
    assert 40 <= title[0] < title[2] <= 450 and 40 <= title[1] < title[3] <= 110
    assert 40 <= number[0] < number[2] <= 620 and 190 <= number[1] < number[3] <= 260
    assert all(ln.engine == "tesseract" and ln.confidence > 0.5 for ln in page.lines)


def test_a_read_past_its_time_limit_is_ocr_timeout() -> None:
    slow = TesseractEngine(TesseractOptions(timeout_s=0.001, library=False))  # < the binary's start
    with pytest.raises(OcrTimeout, match="tesseract"):
        slow.read_line(_draw([(TITLE, "sans", 20, 10)], (380, 80)))


def test_a_crop_read_past_its_time_limit_in_the_reader_s_process_is_ocr_timeout() -> None:
    """The library cannot be interrupted: the Reader's tesseract runs in its own process,
    killed when a crop takes longer than its limit, and started again for the next."""
    lines = TesseractLines.start(timeout_s=0.001)
    try:
        first = lines.worker.pid
        with pytest.raises(OcrTimeout, match="TesseractEngine"):
            lines.read_line(_draw([(TITLE, "sans", 20, 10)], (380, 80)))
        assert lines.worker.pid is None  # killed
        lines.worker.timeout_s = 60
        assert lines.read_line(_draw([(TITLE, "sans", 20, 10)], (380, 80))).text == TITLE
        assert lines.worker.pid not in (None, first)
    finally:
        lines.close()


def test_a_missing_binary_is_unavailable(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(pytesseract.pytesseract, "tesseract_cmd", str(tmp_path / "tesseract"))
    with pytest.raises(OcrEngineUnavailable, match="tesseract not found"):
        TesseractEngine()


# ---------------------------------------------------------------- through the reader


def _golden(name: str) -> tuple[PageText, np.ndarray]:
    """A golden page as the page engine read it (recorded lines) and its image."""
    image = np.asarray(Image.open(GOLDEN / name).convert("RGB"))
    lines = json.loads((GOLDEN / f"{name}.ocr.json").read_text("utf-8"))
    page = PageText(
        file=name, page=1, mode=OcrMode.ocr, width=image.shape[1], height=image.shape[0],
        lines=[TextLine(text=t, bbox=tuple(b), confidence=c) for t, b, c in lines],
    )  # fmt: skip
    return page, image


@pytest.mark.parametrize(
    ("name", "checked"),
    [
        ("id_card_1.jpg", {"id_number": "654322199110246811", "birth_date": "1991-10-24"}),
        ("skill_certificate_1.jpg", {"id_number": "650106198508011079",
                                     "cert_no": "Y192865097999242301709"}),
    ],
)  # fmt: skip
def test_the_reader_takes_tesseracts_second_opinion(name: str, checked: dict[str, str]) -> None:
    # "tesseract agrees" is written only when tesseract's own reading of the crop equals the
    # value: it cannot be there unless tesseract ran and read it.
    page, image = _golden(name)
    with Reader(ReadOptions(second_opinion=SecondOpinion.always)) as reader:
        (always,) = reader.documents(page, image)
    assert always.warnings == []
    for key, value in checked.items():
        f = always.fields[key]
        assert f.value == value and "tesseract agrees" in f.notes, (key, f.notes)
        assert f.confidence >= 0.995
    # By default a confident reading that validates is not re-read with the page…
    with Reader() as reader:
        (doc,) = reader.documents(page, image)
        for key, value in checked.items():
            f = doc.fields[key]
            assert f.value == value and skipped(f) and "tesseract agrees" not in f.notes
        # …but when a flag cites the page: then the document is what `always` gives.
        assert reader.second_look(doc, image) == always


def test_the_page_says_when_the_second_opinion_is_off(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(pytesseract.pytesseract, "tesseract_cmd", str(tmp_path / "tesseract"))
    page, image = _golden("id_card_1.jpg")
    with Reader() as reader:
        (doc,) = reader.documents(page, image)
    (warning,) = doc.warnings
    assert warning.startswith("second opinion off:") and "tesseract not found" in warning
    assert doc.fields["id_number"].value == ID_NUMBER  # the page's own reading stands
    assert not [n for f in doc.fields.values() for n in f.notes if "tesseract" in n]
