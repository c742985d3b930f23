"""Round seals: found by colour and ring, their rim text unrolled and read by the real engine;
what a seal's name adds to a page's fields, and what it never overrides."""

from __future__ import annotations

import random

import numpy as np
import pytest
from PIL import Image, ImageDraw

from extractors.fields import seal_fields, wants_seals
from extractors.seals import Seal, SealText, find_seals, read_seals
from models import DocType, Evidence, ExtractedField
from synth.fonts import font
from synth.ornaments import make_seal


def _page_with_seal(text: str, diameter: int = 460, grey: bool = False) -> tuple[np.ndarray, tuple]:
    """A 300 dpi-like page: print, and a red seal whose centre sits over black print."""
    page = Image.new("RGB", (1800, 1300), (252, 249, 244))
    draw = ImageDraw.Draw(page)
    f = font("serif", 64)
    draw.text((150, 150), "中等职业学校毕业证书", font=f, fill=(20, 20, 30))
    draw.text((1050, 760), "学校（盖章）", font=f, fill=(20, 20, 30))
    draw.text((1000, 900), "二〇一二年六月二十日", font=f, fill=(20, 20, 30))
    seal = make_seal(random.Random(7), text, diameter)
    centre = (1250, 830)
    page.paste(seal, (centre[0] - diameter // 2, centre[1] - diameter // 2), seal)
    if grey:  # a photocopy: no colour left
        page = page.convert("L").convert("RGB")
    return np.asarray(page), centre


@pytest.fixture(scope="module")
def engine():
    from extractors.ocr.rapid import RapidOcrEngine

    return RapidOcrEngine()


def test_a_red_seal_over_print_is_found_and_its_rim_text_read(engine):
    image, (cx, cy) = _page_with_seal("新疆化工学校")
    seals = find_seals(image)
    assert len(seals) == 1
    s = seals[0]
    assert abs(s.cx - cx) < 15 and abs(s.cy - cy) < 15 and 200 <= s.r <= 245
    texts = read_seals(image, engine.read_line)
    assert [t.text for t in texts] == ["新疆化工学校"]
    assert texts[0].confidence >= 0.85


def test_a_photocopied_page_has_no_red_seal_to_read(engine):
    image, _ = _page_with_seal("新疆化工学校", grey=True)
    assert find_seals(image) == []
    assert read_seals(image, engine.read_line) == []


def test_a_page_without_a_seal_gives_nothing():
    page = Image.new("RGB", (1200, 900), "white")
    ImageDraw.Draw(page).rectangle((100, 100, 400, 160), fill=(200, 30, 30))  # a red bar
    assert find_seals(np.asarray(page)) == []


def _field(key: str, value: str, conf: float = 0.9) -> ExtractedField:
    return ExtractedField(key=key, value=value, raw=value, confidence=conf,
                          evidence=Evidence(file="a.png", page=1, bbox=(0, 0, 10, 10)))  # fmt: skip


def _rim(text: str, conf: float = 0.95) -> SealText:
    return SealText(Seal(500.0, 400.0, 200.0, 1.0), text, conf)


def test_a_diploma_naming_its_school_only_in_its_seal_takes_it_from_the_rim():
    fields = {"name": _field("name", "孙伟强")}
    assert wants_seals(DocType.education_certificate, fields)
    seal_fields(DocType.education_certificate, fields, [_rim("伊犁州职业技术学校")], "a.png", 1)
    school = fields["school"]
    assert school.value == "伊犁州职业技术学校"
    assert school.evidence.bbox == (300.0, 200.0, 700.0, 600.0)  # the seal, for the crop
    assert school.confidence < 0.95 and "seal" in school.notes[0]


def test_the_rim_puts_back_a_school_whose_place_was_lost_but_never_replaces_a_read_one():
    fields = {"school": _field("school", "农业学校")}
    seal_fields(DocType.education_certificate, fields, [_rim("新疆农业学校")], "a.png", 1)
    assert fields["school"].value == "新疆农业学校"
    fields = {"school": _field("school", "石河子大学")}
    assert not wants_seals(DocType.education_certificate, fields)
    seal_fields(DocType.education_certificate, fields, [_rim("新疆农业大学")], "a.png", 1)
    assert fields["school"].value == "石河子大学"


def test_an_unsure_rim_reading_adds_nothing():
    fields: dict[str, ExtractedField] = {}
    seal_fields(DocType.education_certificate, fields, [_rim("塔星木大学", 0.7)], "a.png", 1)
    assert "school" not in fields


def test_a_rim_reading_starting_on_its_slant_keeps_xinjiang():
    fields: dict[str, ExtractedField] = {}
    seal_fields(DocType.education_certificate, fields, [_rim("莎疆石油学校")], "a.png", 1)
    assert fields["school"].value == "新疆石油学校"


def test_an_issuer_that_lost_its_head_under_the_seal_gets_it_back_with_its_brackets():
    fields = {"issuer": _field("issuer", "业（集团）有限公司")}
    assert wants_seals(DocType.award_certificate, fields)
    seal_fields(DocType.award_certificate, fields, [_rim("新疆天业集团有限公司")], "a.png", 1)
    assert fields["issuer"].value == "新疆天业（集团）有限公司"


def test_an_issuer_run_into_stray_ring_glyphs_is_the_rims_name():
    fields = {"issuer": _field("issuer", "州人为昌吉回族自治州人力资源和社会保障局")}
    assert wants_seals(DocType.title_certificate, fields)
    rim = _rim("昌吉回族自治州人力资源和社会保障局")
    seal_fields(DocType.title_certificate, fields, [rim], "a.png", 1)
    assert fields["issuer"].value == "昌吉回族自治州人力资源和社会保障局"


def test_a_title_evaluated_by_a_committee_was_issued_by_the_bureau_that_sealed_it():
    fields = {"issuer": _field("issuer", "阿克苏地区经济系列初级专业技术职务评审委员会")}
    assert wants_seals(DocType.title_certificate, fields)
    seal_fields(
        DocType.title_certificate, fields, [_rim("阿克办地区人力资源和社会保障局")], "a.png", 1
    )
    assert fields["issuer"].value == "阿克苏地区人力资源和社会保障局"  # mended by the lexicon
    # A committee's own seal is no issuer.
    fields = {"issuer": _field("issuer", "阿克苏地区经济系列初级专业技术职务评审委员会")}
    seal_fields(DocType.title_certificate, fields,
                [_rim("阿克苏地区经济系列初级专业技术职务评审委员会")], "a.png", 1)  # fmt: skip
    assert "委员会" in fields["issuer"].value


def test_a_whole_printed_issuer_is_never_replaced_by_another_seal():
    printed = "新疆维吾尔自治区人力资源和社会保障厅"
    fields = {"issuer": _field("issuer", printed)}
    assert not wants_seals(DocType.skill_certificate, fields)
    seal_fields(DocType.skill_certificate, fields, [_rim("新疆维吾尔自治区职业技能鉴定指导中心")],
                "a.png", 1)  # fmt: skip
    assert fields["issuer"].value == printed
