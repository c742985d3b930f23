"""Blind layouts (synth/blind): every layout renders, its truth is contract-normalised and
boxed inside the page, and a seed fixes the image byte for byte."""

from __future__ import annotations

import datetime as dt
import random
import re

import numpy as np
import pytest

from models.catalogue import (
    AWARD_LEVELS,
    AWARD_RANKS,
    DOC_SPECS,
    EDUCATION_LEVELS,
    SKILL_LEVEL_TO_GRADE,
    SKILL_LEVELS,
    TITLE_LEVELS,
)
from models.document import DocType
from synth.blind import BLIND_LAYOUTS, common, other, render_blind
from synth.blind.common import id_check_char, level_of_issuer
from synth.people import make_person

CASES = [(t, lay) for t, lays in BLIND_LAYOUTS.items() for lay in lays]
SEEDS = (0, 1, 2)
DATE_RE = re.compile(r"^\d{4}(-\d{2}(-\d{2})?)?$")
LADDERS = {
    "skill_level": SKILL_LEVELS,
    "title_level": TITLE_LEVELS,
    "education": EDUCATION_LEVELS,
    "award_level": AWARD_LEVELS,
    "award_rank": AWARD_RANKS,
    "gender": ("男", "女"),
}
DERIVED = {"award_level", "title_level"}  # need not be printed, so need no box
FULLWIDTH = re.compile(r"[０-９Ａ-Ｚａ-ｚ]")


def render(doc_type: str, layout: str, seed: int, **facts):
    rng = random.Random(f"blind:{layout}:{seed}")
    return render_blind(doc_type, layout, make_person(rng), rng, **facts)


def assert_valid_id(idn: str) -> None:
    assert re.fullmatch(r"\d{17}[\dX]", idn), idn
    assert id_check_char(idn[:17]) == idn[17], idn
    dt.date(int(idn[6:10]), int(idn[10:12]), int(idn[12:14]))


def assert_truth(doc_type: str, fields: dict) -> None:
    allowed = {str(k) for k in DOC_SPECS[DocType(doc_type)].fields}
    assert set(fields) <= allowed, set(fields) - allowed
    for key, value in fields.items():
        assert isinstance(value, str) and value.strip() == value and value, (key, value)
        assert not FULLWIDTH.search(value), (key, value)
    for key, ladder in LADDERS.items():
        if key in fields:
            assert fields[key] in ladder, (key, fields[key])
    for key in ("issue_date", "birth_date"):
        if key in fields:
            v = fields[key]
            assert DATE_RE.match(v), (key, v)
            dt.date.fromisoformat(v if len(v) == 10 else (v + "-01-01")[:10])
    if "award_year" in fields:
        assert re.fullmatch(r"\d{4}", fields["award_year"])
    if "id_number" in fields:
        assert_valid_id(fields["id_number"])
        if "birth_date" in fields:  # what the card or certificate prints agrees with the number
            assert fields["id_number"][6:14].startswith(fields["birth_date"].replace("-", ""))
        if "gender" in fields:
            assert int(fields["id_number"][16]) % 2 == (fields["gender"] == "男")
    if "name" in fields:
        assert not any(c in fields["name"] for c in "•．・‧⋅ "), fields["name"]
    if "ethnicity" in fields:
        assert fields["ethnicity"].endswith("族")
    if doc_type == "skill_certificate":
        assert_skill_number(fields)
    if doc_type == "award_certificate":  # no level is printed: it follows the issuer
        assert fields["award_level"] == level_of_issuer(fields["issuer"]), fields
    if doc_type == "other":
        assert fields == {}


def assert_skill_number(f: dict) -> None:
    no, year = f["cert_no"], f["issue_date"][2:4]
    if len(no) == 22 and no[1] == "T":  # 特级技师: two letters and twenty digits
        assert f["skill_level"] == "特级技师" and no[2:].isdigit() and no[6:8] == "65", no
        assert no[14:16] == year, no
    elif len(no) == 22:
        grade = SKILL_LEVEL_TO_GRADE[f["skill_level"]]
        assert no[0] in "YS" and no[1:].isdigit(), no
        assert no[5:7] == "65" and no[13:15] == year and no[15] == str(grade), (no, f)
    else:
        grade = SKILL_LEVEL_TO_GRADE[f["skill_level"]]
        assert len(no) == 16 and no.isdigit(), no
        assert no[:2] == year and no[2:4] == "65" and no[10] == str(grade), (no, f)


def assert_boxes(boxes: dict, within: tuple[int, int, int, int]) -> None:
    for key, (x0, y0, x1, y1) in boxes.items():
        assert within[0] <= x0 < x1 <= within[2] and within[1] <= y0 < y1 <= within[3], (
            key,
            (x0, y0, x1, y1),
            within,
        )


@pytest.mark.parametrize("doc_type,layout", CASES)
def test_layout_renders_normalised_boxed_truth(doc_type: str, layout: str) -> None:
    for seed in SEEDS:
        doc = render(doc_type, layout, seed)
        assert doc.doc_type == doc_type and doc.layout == layout
        assert doc.image.mode == "RGB"
        w, h = doc.image.size
        assert_truth(doc_type, doc.fields)
        printed = set(doc.fields) - DERIVED
        assert printed <= set(doc.field_boxes), printed - set(doc.field_boxes)
        assert set(doc.field_boxes) <= set(doc.fields)
        assert_boxes(doc.field_boxes, (0, 0, w, h))
        for region in doc.regions:
            assert_boxes({"region": region.bbox}, (0, 0, w, h))
            assert_boxes(region.field_boxes, region.bbox)
            assert_truth(region.doc_type, region.fields)
        if doc.regions:  # the page's truth is that of its first document that has one
            first = next(r for r in doc.regions if r.fields)
            assert doc.fields == first.fields and doc.field_boxes == first.field_boxes
        if seed == SEEDS[0]:
            again = render(doc_type, layout, seed)
            assert again.image.tobytes() == doc.image.tobytes()
            assert again.fields == doc.fields and again.field_boxes == doc.field_boxes


def test_at_least_three_layouts_per_kind() -> None:
    assert set(BLIND_LAYOUTS) == {t.value for t in DocType}
    assert all(len(lays) >= 3 for lays in BLIND_LAYOUTS.values())


def test_boxes_hold_ink() -> None:
    """A box marks printed text: ink and paper inside it, not an empty patch."""
    for doc_type, layout in CASES:
        doc = render(doc_type, layout, 7)
        grey = np.asarray(doc.image.convert("L"), dtype=np.int16)
        for key, (x0, y0, x1, y1) in doc.field_boxes.items():
            patch = grey[y0:y1, x0:x1]
            assert patch.size and int(patch.max()) - int(patch.min()) > 60, (layout, key)


def test_id_card_sides() -> None:
    back = render("id_card", "card_back", 0)
    assert back.fields == {} and back.field_boxes == {}
    for layout in ("a4_certified", "a4_side_fax"):
        doc = render("id_card", layout, 3)
        assert len(doc.regions) == 2
        assert sorted(bool(r.fields) for r in doc.regions) == [False, True]


def test_overprints_are_never_truth() -> None:
    for doc_type, layout in (("id_card", "a4_certified"), ("skill_certificate", "two_up_old_new")):
        bare = render(doc_type, layout, 4, overprints=())
        marked = render(doc_type, layout, 4, overprints=("certified", "use_only", "page_no", "fax"))
        assert marked.fields == bare.fields and marked.field_boxes == bare.field_boxes
        assert marked.image.tobytes() != bare.image.tobytes()


def test_uyghur_labels_fall_back_without_the_font(monkeypatch) -> None:
    with_font = render("id_card", "card_front", 5)
    monkeypatch.setattr(common, "_uy_font", lambda size, bold: None)
    without = render("id_card", "card_front", 5)
    assert without.fields == with_font.fields and without.field_boxes == with_font.field_boxes
    if common.uyghur_font_path() is not None:  # fonts-ukij-uyghur installed: labels were drawn
        assert without.image.tobytes() != with_font.image.tobytes()


def test_one_unit_one_letter_template() -> None:
    """Two employees of one unit get the same letterhead and wording frame."""
    unit = "新疆众和股份有限公司"
    for layout in other.LAYOUTS:
        a = render("other", layout, 1, unit=unit, overprints=())
        b = render("other", layout, 2, unit=unit, overprints=())
        top_a = np.asarray(a.image)[:420]
        top_b = np.asarray(b.image)[:420]
        assert np.array_equal(top_a, top_b), layout
        assert a.image.tobytes() != b.image.tobytes()


def test_letter_lists_the_applicant_once() -> None:
    for seed in range(6):
        doc = render("award_certificate", "decision_letter", seed)
        x0, y0, x1, y1 = doc.field_boxes["name"]
        assert y1 - y0 < 100, (seed, doc.field_boxes["name"])  # one line: one printed name


def test_issuer_levels() -> None:
    assert level_of_issuer("共青团新疆维吾尔自治区委员会") == "省级"
    assert level_of_issuer("中共昌吉州委人才工作领导小组") == "地市级"
    assert level_of_issuer("第八师石河子市人力资源和社会保障局") == "地市级"
    assert level_of_issuer("玛纳斯县人民政府") == "县级"
    assert level_of_issuer("库车市人力资源和社会保障局") == "县级"
    assert level_of_issuer("中华人民共和国人力资源和社会保障部") == "国家级"
    assert level_of_issuer("特变电工股份有限公司") == "其他"
    assert id_check_char("11010519491231002") == "X"
    assert id_check_char("44052418800101001") == "4"


def test_a_scan_set_can_be_drawn_from_the_blind_layouts(tmp_path) -> None:
    import hashlib

    from synth.blind import BLIND_LAYOUTS
    from synth.generate import generate_documents

    def draw(out):
        truth = generate_documents(out, per_difficulty=4, seed=3, difficulties=("ordinary",),
                                   layouts="blind")  # fmt: skip
        digests = {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in out.iterdir()}
        return truth, digests

    truth, first = draw(tmp_path / "a")
    assert truth and all(t.layout in BLIND_LAYOUTS[t.doc_type] for t in truth)
    assert draw(tmp_path / "b")[1] == first  # the same seed, the same bytes
    with pytest.raises(ValueError):
        generate_documents(tmp_path / "c", per_difficulty=1, seed=3, layouts="other")


def test_an_id_card_back_of_someone_born_on_29_february_draws() -> None:
    from synth.blind.idcard import valid_period
    from synth.people import Person

    leap = Person("张三", "男", "汉族", "650102198802290011", "1988-02-29", "乌鲁木齐市")
    for seed in range(20):  # seed 8109's batch died here: 1988-02-29 moved to 2006
        issued = dt.date.fromisoformat(
            valid_period(leap, random.Random(seed))[:10].replace(".", "-")
        )
        assert dt.date(2004, 2, 28) <= issued <= dt.date(2024, 2, 28)
