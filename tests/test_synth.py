"""Synthetic document generator: truth must be exact, valid and reproducible."""

from __future__ import annotations

import datetime as dt
import io
import json
import random
import re
from collections import Counter
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from extractors.validators import SOUTHERN_PREFIXES, XINJIANG_PREFECTURES, id_check_char
from models.catalogue import (
    AWARD_LEVELS,
    AWARD_RANKS,
    EDUCATION_LEVELS,
    FIELD_KEYS,
    SKILL_LEVEL_TO_GRADE,
    SKILL_LEVELS,
    TITLE_LEVELS,
)
from synth.damage import degrade, rotate_page, rotation_matrix, transform_box
from synth.documents import DOC_TYPES, LAYOUTS, RENDERERS
from synth.generate import FileJob, PageJob, build_file, generate_documents, plan, scan_page
from synth.people import TRADITIONAL, make_person

DATE_RE = re.compile(r"^\d{4}(-\d{2}(-\d{2})?)?$")
OTHER_DOTS = "•．・‧⋅"


def assert_valid_id(idn: str) -> None:
    assert re.fullmatch(r"\d{17}[\dX]", idn), idn
    assert id_check_char(idn[:17]) == idn[17], idn
    assert idn[:4] in XINJIANG_PREFECTURES, idn
    dt.date(int(idn[6:10]), int(idn[10:12]), int(idn[12:14]))  # a real date


def assert_truth_valid(doc_type: str, fields: dict) -> None:
    assert set(fields) <= set(FIELD_KEYS), set(fields) - set(FIELD_KEYS)
    checks = {
        "skill_level": SKILL_LEVELS,
        "title_level": TITLE_LEVELS,
        "education": EDUCATION_LEVELS,
        "award_level": AWARD_LEVELS,
        "award_rank": AWARD_RANKS,
        "gender": ("男", "女"),
    }
    for key, vocab in checks.items():
        if key in fields:
            assert fields[key] in vocab, (key, fields[key])
    for key in ("issue_date", "birth_date"):
        if key in fields:
            assert DATE_RE.match(fields[key]), (key, fields[key])
    if "award_year" in fields:
        assert re.fullmatch(r"\d{4}", fields["award_year"])
    if "id_number" in fields:
        assert_valid_id(fields["id_number"])
    if "name" in fields:
        assert not any(c in fields["name"] for c in OTHER_DOTS)
    if doc_type == "skill_certificate":
        assert_cert_no_consistent(fields)
    if doc_type == "other":
        assert fields == {}


def assert_cert_no_consistent(f: dict) -> None:
    no, grade, year = f["cert_no"], SKILL_LEVEL_TO_GRADE[f["skill_level"]], f["issue_date"][:4]
    if len(no) == 22:  # 职业技能等级证书
        assert no[0] in "YS" and no[1:].isdigit(), no
        assert no[5:7] == "65" and no[13:15] == year[2:] and no[15] == str(grade), (no, f)
    else:  # 职业资格证书
        assert len(no) == 16 and no.isdigit(), no
        assert no[:2] == year[2:] and no[2:4] == "65" and no[10] == str(grade), (no, f)


def assert_boxes_inside(boxes: dict, w: float, h: float) -> None:
    for key, (x0, y0, x1, y1) in boxes.items():
        assert 0 <= x0 < x1 <= w and 0 <= y0 < y1 <= h, (key, (x0, y0, x1, y1), (w, h))


# ------------------------------------------------------------------------ people


def test_people_are_valid_and_varied() -> None:
    rng = random.Random(1)
    people = [make_person(rng) for _ in range(400)]
    for p in people:
        assert_valid_id(p.id_number)
        assert p.id_number[6:14] == p.birth_date.replace("-", "")
        assert int(p.id_number[16]) % 2 == (1 if p.gender == "男" else 0)
        if p.ethnicity in ("维吾尔族", "哈萨克族", "柯尔克孜族"):
            assert "·" in p.name and 2 <= len(p.name.split("·")) <= 3, p.name
    prefixes = Counter(p.id_number[:4] for p in people)
    assert prefixes["6521"] + prefixes["6522"] > 0  # pre-2015 吐鲁番/哈密 codes
    assert sum(prefixes[p] for p in SOUTHERN_PREFIXES) > 40
    assert len({p.ethnicity for p in people}) >= 6
    trad = set(TRADITIONAL.values()) - set(TRADITIONAL)
    assert any(c in trad for p in people for c in p.name)  # some names print traditional forms


def test_person_overrides_keep_id_consistent() -> None:
    p = make_person(random.Random(2), gender="女", birth_date="1990-02-28", ethnicity="哈萨克族")
    assert p.id_number[6:14] == "19900228" and int(p.id_number[16]) % 2 == 0
    assert_valid_id(p.id_number)


# ------------------------------------------------------------------------ renderers


@pytest.mark.parametrize(
    "doc_type,layout", [(t, lay) for t, lays in LAYOUTS.items() for lay in lays]
)
def test_every_layout_renders_valid_truth(doc_type: str, layout: str) -> None:
    rng = random.Random(f"layout:{layout}")
    doc = RENDERERS[doc_type](make_person(rng), rng, layout=layout)
    assert doc.doc_type == doc_type and doc.layout == layout
    assert doc.image.mode == "RGB" and min(doc.image.size) >= 2400
    assert_truth_valid(doc_type, doc.fields)
    printed = set(doc.fields) - {"award_level", "title_level"}  # derived, not necessarily printed
    assert printed <= set(doc.field_boxes), printed - set(doc.field_boxes)
    assert_boxes_inside(doc.field_boxes, *doc.image.size)
    for region in doc.regions:
        assert_boxes_inside({"region": region.bbox, **region.field_boxes}, *doc.image.size)
    if doc_type == "id_card" and layout in ("stacked", "side_by_side"):
        assert [bool(r.fields) for r in doc.regions].count(True) == 1  # front only carries fields
    if doc_type == "id_card" and layout == "back_only":
        assert doc.fields == {}


def test_skill_numbers_follow_printed_level_and_year() -> None:
    for i in range(8):
        rng = random.Random(f"skill:{i}")
        doc = RENDERERS["skill_certificate"](
            make_person(rng), rng, layout="new_table" if i % 2 else "old_table"
        )
        assert_cert_no_consistent(doc.fields)


def test_facts_override_printed_values() -> None:
    rng = random.Random(3)
    p = make_person(rng)
    doc = RENDERERS["skill_certificate"](
        p, rng, skill_level="高级技师", occupation="焊工", issue_date="2022-06-30"
    )
    assert doc.fields["skill_level"] == "高级技师" and doc.fields["occupation"] == "焊工"
    assert doc.fields["cert_no"][13:16] == "221"
    doc = RENDERERS["award_certificate"](p, rng, name="张伟", kind="competition", award_rank="金奖")
    assert doc.fields["name"] == "张伟" and doc.fields["award_rank"] == "金奖"


# ------------------------------------------------------------------------ damage


def test_degrade_levels_and_rotation() -> None:
    img = Image.new("RGB", (620, 877), (250, 250, 250))
    for diff in ("clean", "ordinary", "poor"):
        out, info = degrade(img, diff, random.Random(4))
        assert info["difficulty"] == diff and len(info["matrix"]) == 3
        if diff == "poor":
            assert out.width < img.width and info["dpi"] < 300
        else:
            assert out.size == img.size
    for deg in (90, 270):
        r = rotate_page(img, deg)
        assert r.size == (img.height, img.width)
    assert rotate_page(img, 180).size == img.size
    # the box of a marked pixel follows the turn
    mark = img.copy()
    mark.putpixel((10, 20), (0, 0, 0))
    for deg in (90, 180, 270):
        rot = rotate_page(mark, deg)
        x0, y0, _, _ = transform_box((10, 20, 11, 21), rotation_matrix(deg, *img.size))
        assert rot.getpixel((x0, y0)) == (0, 0, 0), deg


# ------------------------------------------------------------------------ generator


SEED = 26  # its six pages use every type and format, one a text-layer PDF


@pytest.fixture(scope="module")
def batch(tmp_path_factory) -> tuple[Path, list]:
    out = tmp_path_factory.mktemp("synth")
    truths = generate_documents(out, per_difficulty=2, seed=SEED)
    return out, truths


def test_batch_truth_and_files(batch) -> None:
    out, truths = batch
    on_disk = json.loads((out / "truth.json").read_text(encoding="utf-8"))
    assert on_disk == [t.to_dict() for t in truths]
    assert Counter(t.difficulty for t in truths) == {"clean": 2, "ordinary": 2, "poor": 2}
    assert {t.doc_type for t in truths} == set(DOC_TYPES)
    for t in truths:
        assert (out / t.file).exists()
        assert_truth_valid(t.doc_type, t.fields)
        assert_boxes_inside(t.field_boxes, t.width, t.height)
        assert t.upright_rotation == (360 - t.rotation) % 360
        if t.format != "pdf":
            with Image.open(out / t.file) as im:
                im.seek(t.page - 1)
                assert im.size == (t.width, t.height)


def test_same_seed_same_bytes(batch) -> None:
    out, truths = batch
    jobs = plan(2, SEED, ("clean", "ordinary", "poor"), ("jpg", "png", "pdf", "tif"))
    by_file = {t.file: t for t in truths}
    # PDF (timestamps) and TIFF are the formats that could smuggle in run-dependent bytes.
    picked = {(j.fmt, j.pages[0].text_layer): j for j in jobs if j.fmt in ("pdf", "tif")}
    assert ("pdf", "vector") in picked
    for job in picked.values():
        name, data, ts = build_file(job)
        assert data == (out / name).read_bytes(), name
        assert ts[0].to_dict() == by_file[name].to_dict()


def test_plan_covers_every_type_and_format() -> None:
    jobs = plan(30, 5, ("clean", "ordinary", "poor"), ("jpg", "png", "pdf", "tif"))
    pages = [p for j in jobs for p in j.pages]
    assert len(pages) == 90
    counts = Counter(p.doc_type for p in pages)
    assert set(counts) == set(DOC_TYPES) and max(counts.values()) - min(counts.values()) <= 3
    assert {j.fmt for j in jobs} == {"jpg", "png", "pdf", "tif"}
    assert any(len(j.pages) > 1 for j in jobs)
    assert any(p.rotation for p in pages) and any(p.text_layer for p in pages)
    assert plan(30, 5, ("clean",), ("jpg",))[0].fmt == "jpg"


def test_rotated_page_has_swapped_dimensions() -> None:
    def page(rot: int):
        job = FileJob(
            0, "x.png", "png", [PageJob("award_certificate", "clean", rot, False, None)], 99
        )
        _, data, (t,) = build_file(job)
        return Image.open(io.BytesIO(data)), t

    upright, t0 = page(0)
    turned, t1 = page(90)
    assert turned.size == (upright.height, upright.width) == (t1.width, t1.height)
    assert t1.rotation == 90 and t1.upright_rotation == 270 and t1.fields == t0.fields
    assert rotate_page(turned, t1.upright_rotation).tobytes() == upright.tobytes()
    x0, y0, x1, y1 = t0.field_boxes["name"]
    assert t1.field_boxes["name"] == [upright.height - y1, x0, upright.height - y0, x1]


def test_text_layer_pdf_carries_the_truth() -> None:
    pdfplumber = pytest.importorskip("pdfplumber")
    pytest.importorskip("reportlab")
    job = FileJob(0, "t.pdf", "pdf", [PageJob("title_certificate", "clean", 0, False, "vector")], 7)
    _, data, (t,) = build_file(job)
    assert t.text_layer and t.unit == "pt"
    with pdfplumber.open(io.BytesIO(data)) as pdf:
        page = pdf.pages[0]
        assert abs(page.width - t.width) < 1 and abs(page.height - t.height) < 1
        text = page.extract_text().replace(" ", "")
        for key in ("name", "cert_no"):
            assert t.fields[key] in text
        x0, top, x1, bottom = t.field_boxes["cert_no"]
        crop = page.crop((x0 - 2, top - 2, x1 + 2, bottom + 2)).extract_text().replace(" ", "")
        assert t.fields["cert_no"] in crop


def test_truth_boxes_of_a_mounted_page_sit_on_the_ink():
    """mount() moves the field boxes; scan_page must not move them a second time."""
    person = make_person(random.Random(3))
    rng = random.Random(5)
    doc = RENDERERS["skill_certificate"](person, rng)
    img, truth = scan_page(
        doc, rng, file="x.png", page=1, doc_type="skill_certificate", fmt="png",
        difficulty="clean", rotation=0, mounted=True, text_layer=None, dpi=None,
        person={},
    )  # fmt: skip
    grey = np.asarray(img.convert("L"))
    for key in ("name", "cert_no"):
        x0, y0, x1, y1 = truth.field_boxes[key]
        assert 0 <= x0 < x1 <= img.width and 0 <= y0 < y1 <= img.height
        ink = (grey[y0:y1, x0:x1] < 110).mean()
        assert ink > 0.03, (key, ink)  # a box on text has dark strokes


def test_name_dot_missing_from_a_font_falls_back_instead_of_a_box():
    # Noto CJK has no ⋅ and WenQuanYi no •: before, such names printed a missing-glyph box
    # (truth said "·"), which no printer produces.
    from synth.fonts import has_glyph, printable

    assert not has_glyph("sans", "⋅") and has_glyph("sans", "•")
    assert not has_glyph("hei", "•")
    assert printable("sans", "努尔古丽⋅帕尔哈提") == "努尔古丽·帕尔哈提"
    assert printable("hei", "高娃•苏和") == "高娃·苏和"
    assert printable("sans", "高娃•苏和") == "高娃•苏和"  # the font has it: printed as chosen
    for fam in ("sans", "serif", "kai", "ming", "hei"):
        assert has_glyph(fam, "·")


def test_justified_label_longer_than_its_column_keeps_its_colon_after_it():
    # Before, the colon was drawn at the column's end, inside 号 of 公民身份号码, and a
    # text-layer PDF read "公民身份号: 码 6542…" (seed 9191).
    from synth.canvas import Canvas
    from synth.fonts import FontSet
    from synth.layouts import Style, draw_label

    fonts = FontSet({r: "hei" for r in FontSet.ROLES})
    st = Style({}, (0, 0, 0), (0, 0, 0), (0, 0, 0), "：", True, False)
    cv = Canvas(1200, 400, fonts, text_layer=True)
    draw_label(cv, 100, 200, "公民身份号码", 40, st, width=160)
    *glyphs, colon = cv.ops
    assert colon.text == "："
    assert "".join(op.text for op in glyphs) == "公民身份号码"
    assert colon.x >= glyphs[-1].x + cv.measure("码", "label", 40) - 1
    cv = Canvas(1200, 400, fonts, text_layer=True)
    draw_label(cv, 100, 200, "姓名", 40, st, width=300)
    assert cv.ops[-1].x == 400  # a short label: the colon at the column's end, as before


def test_box_of_a_name_whose_dot_the_font_lacks():
    # The canvas prints "努尔·古丽" for "努尔⋅古丽" in Noto (no ⋅); looking the truth box up by
    # the name as chosen raised KeyError and stopped generation (found in review).
    from synth.canvas import Canvas
    from synth.documents import _sub_box
    from synth.fonts import FontSet

    cv = Canvas(1200, 400, FontSet({r: "sans" for r in FontSet.ROLES}))
    whole = cv.text((100, 200), "努尔⋅古丽 同志", "name", 60)
    box = _sub_box(cv, "努尔⋅古丽")
    assert whole[0] <= box[0] < box[2] < whole[2]
    assert _sub_box(cv, "努尔⋅古丽", within="努尔⋅古丽 同志") == box
