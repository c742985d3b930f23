"""Reader: a whole date the page reading garbled is read again from its full-size crop."""

from __future__ import annotations

import numpy as np
import pytest

from extractors.ocr.base import LineReading, PageOcr
from extractors.read import Reader, ReadOptions, _Inline
from models import OcrMode, RasterPage, TextLine


class _Engine:
    """Page reading with a garbled Chinese-numeral year; the crop re-read answers `line`."""

    name = "fake-dates"

    def __init__(self, line: str) -> None:
        self.line, self.crops = line, []

    def read_page(self, image: np.ndarray) -> PageOcr:
        lines = [
            TextLine(text="荣誉证书", bbox=(100, 50, 300, 90), confidence=0.99),
            TextLine(text="二0十九年八月十二日", bbox=(100, 400, 500, 440), confidence=0.92),
            TextLine(text="2020年5月1日", bbox=(100, 500, 500, 540), confidence=0.99),
        ]
        return PageOcr(lines=lines, rotation=0, width=image.shape[1], height=image.shape[0])

    def read_line(self, crop: np.ndarray) -> LineReading:
        self.crops.append(crop.shape)
        return LineReading(text=self.line, confidence=0.96)


def _read(line: str) -> tuple[list[str], _Engine]:
    reader = Reader(ReadOptions(isolate_engine=False, engine_max_side=None))
    engine = _Engine(line)
    reader._engine = _Inline(engine)
    image = np.full((800, 600, 3), 255, np.uint8)
    page, _ = reader.ocr_page(RasterPage(file="a.png", page=1, mode=OcrMode.ocr, image=image))
    return [ln.text for ln in page.lines], engine


def test_garbled_date_line_is_read_again_and_kept_when_it_parses():
    texts, engine = _read("二〇一九年八月十二日")
    assert texts == ["荣誉证书", "二〇一九年八月十二日", "2020年5月1日"]
    assert len(engine.crops) == 1  # only the line that did not parse; crop of its height
    assert 40 <= engine.crops[0][0] <= 60


def test_second_reading_that_does_not_parse_either_changes_nothing():
    texts, engine = _read("二〇年八月十二日")
    assert texts[1] == "二0十九年八月十二日" and len(engine.crops) == 1


def test_second_reading_with_another_month_or_day_is_another_line():
    texts, _ = _read("二〇一九年九月十二日")  # a neighbouring line's date caught by the crop
    assert texts[1] == "二0十九年八月十二日"


@pytest.mark.parametrize("label_read", ["民族没", "安族"])
def test_id_card_ethnicity_lost_beside_its_label_is_read_again_from_its_crop(label_read) -> None:
    """The page reading lost the value beside 民族: misread into the label's box (民族没), or
    with the label's 民 misread too (安族, still the label). The value's own crop, read at full
    size by the same engine, gives 汉 back. Real engine, real rendered card."""
    import random

    from synth.blind import render_blind
    from synth.people import make_person

    person = make_person(random.Random(3), ethnicity="汉族")
    doc = render_blind("id_card", "card_front", person, random.Random(3))
    image = np.asarray(doc.image.convert("RGB"))
    with Reader(ReadOptions(isolate_engine=False, second_opinion="never")) as reader:
        h, w = image.shape[:2]
        raster = RasterPage(file="id.png", page=1, mode=OcrMode.ocr, width=w, height=h,
                            image=image)  # fmt: skip
        page, upright = reader.ocr_page(raster)
        label = next(ln for ln in page.lines if ln.text.strip().startswith("民族"))
        lines = [ln for ln in page.lines if ln is label or ln.text.strip() not in ("汉", "汉族")]
        lines[lines.index(label)] = label.model_copy(update={"text": label_read})
        fields: dict = {}
        reader._reread_ethnicity(page.model_copy(update={"lines": lines}), fields, upright)
    assert fields["ethnicity"].value == "汉族"
    assert "re-read" in fields["ethnicity"].notes[0]
