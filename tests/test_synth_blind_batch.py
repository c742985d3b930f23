"""Batches drawn with the blind layouts (synth.batch, layouts="blind"/"mixed") and the
scoring arithmetic of bench/generalise.py.

The generator is the held-out side of issue 13, so these tests check it against its own
plan and truth only (nothing from extractors/ or matchers/).
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pypdfium2
import pytest
from PIL import Image

from bench import generalise
from bench.verify import score
from models.exceptions import UsageError
from synth.batch import (
    FileSpec,
    build_packet_file,
    generate_batch,
    plan_batch,
    truth_path,
)
from synth.blind import BLIND_LAYOUTS
from synth.blind.packet import ID_FRONT_BACK, NOT_IN_PACKETS, SHEET_LAYOUTS

KINDS = ["name_mismatch", "id_mismatch", "award_mismatch"]


def _pages(spec: FileSpec) -> list:
    return [p for ps in spec.pages for p in (ps.parts or [ps])]


def _drawn_by(doc_type: str, layout: str | None) -> bool:
    return layout in BLIND_LAYOUTS[doc_type] and layout not in NOT_IN_PACKETS


# ---------------------------------------------------------------------------------------
# plans (nothing rendered)


@pytest.fixture(scope="module")
def plans():
    return {lay: plan_batch(60, 7003, layouts=lay) for lay in ("synth", "blind", "mixed")}


def test_blind_plan_draws_every_document_it_can_blind(plans):
    sheets = front_back = 0
    for a in plans["blind"].applicants:
        for spec in a.files:
            if spec.broken:
                continue
            assert spec.layouts == "blind"
            for ps in spec.pages:
                if ps.parts:
                    sheets += 1
                    assert ps.layout == "sheet" and len(ps.parts) == 2
                    assert all(p.layout in SHEET_LAYOUTS for p in ps.parts)
                    assert ps.difficulty != "poor" and ps.text_layer is None
            for ps in _pages(spec):
                if ps.doc_type == "education_certificate" and ps.facts["education"] == "高中":
                    assert ps.family == "synth"  # no blind heading prints 高中
                    continue
                assert ps.family == "blind" and _drawn_by(ps.doc_type, ps.layout), ps
                if "id_number" in ps.facts:  # a planted ID number is never masked
                    assert ps.layout != "new_e_screenshot"
            layouts = [ps.layout for ps in spec.pages]
            if "card_back" in layouts:
                front_back += 1
                assert layouts == ["card_front", "card_back"] and spec.fmt in ("pdf", "tif")
            assert ID_FRONT_BACK not in layouts
    assert sheets and front_back


def test_layouts_change_the_drawing_not_the_faults(plans):
    def faults(plan):
        return [(a.applicant_id, a.fault, a.expected_codes, a.notes, [d.facts for d in a.docs])
                for a in plan.applicants]  # fmt: skip

    assert faults(plans["blind"]) == faults(plans["synth"]) == faults(plans["mixed"])
    synth_pages = [ps for a in plans["synth"].applicants for f in a.files for ps in f.pages]
    assert {(ps.family, ps.layout, ps.parts) for ps in synth_pages} == {("synth", None, None)}
    mixed = {ps.family for a in plans["mixed"].applicants for f in a.files for ps in _pages(f)}
    assert mixed == {"synth", "blind"}


def test_unknown_layouts_are_refused(tmp_path):
    with pytest.raises(UsageError):
        plan_batch(2, 1, layouts="tuned")
    with pytest.raises(UsageError):
        generate_batch(tmp_path / "b", applicants=2, seed=1, layouts="tuned")


def test_a_sheet_and_a_front_back_file_render_with_their_roles(plans):
    sheet = front_back = None
    for a in plans["blind"].applicants:
        for spec in a.files:
            if spec.pages and spec.pages[0].parts and sheet is None:
                sheet = spec
            if len(spec.pages) == 2 and spec.pages[1].layout == "card_back":
                front_back = front_back or spec
    assert sheet is not None and front_back is not None
    _, data, docs = build_packet_file(sheet)
    assert data and len(docs) == 1
    (page,) = docs
    assert page["family"] == "blind" and page["layout"].startswith("sheet:")
    regions = page["regions"]
    assert [r["role"] for r in regions] == [p.role for p in sheet.pages[0].parts]
    assert [r["layout"] for r in regions] == [p.layout for p in sheet.pages[0].parts]
    assert page["fields"] == regions[0]["fields"] and all(r["fields"] for r in regions)
    _, data, docs = build_packet_file(front_back)
    assert [d["layout"] for d in docs] == ["card_front", "card_back"]
    assert docs[0]["fields"]["id_number"] and docs[1]["fields"] == {}


# ---------------------------------------------------------------------------------------
# one small rendered blind batch


@pytest.fixture(scope="module")
def batch(tmp_path_factory):
    bdir = tmp_path_factory.mktemp("blind_batch") / "batch"
    truth = generate_batch(bdir, applicants=5, seed=7004, faults=KINDS, workers=2,
                           layouts="blind")  # fmt: skip
    return bdir, truth.to_dict()


def _hashes(folder: Path) -> dict[str, str]:
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def _page_count(path: Path) -> int:
    if path.suffix.lower() == ".pdf":
        return len(pypdfium2.PdfDocument(path))
    with Image.open(path) as im:
        im.load()
        return getattr(im, "n_frames", 1)


def test_every_file_opens_with_its_pages(batch):
    bdir, truth = batch
    assert truth["layouts"] == "blind"
    listed = {f["file"]: f for a in truth["applicants"] for f in a["files"]}
    on_disk = {str(p.relative_to(bdir)) for p in (bdir / "packets").rglob("*") if p.is_file()}
    assert set(listed) == on_disk
    for rel, f in listed.items():
        assert f["unreadable"] is None
        assert _page_count(bdir / rel) == f["pages"] == len(f["documents"])


def test_every_document_names_its_blind_layout(batch):
    _, truth = batch
    for a in truth["applicants"]:
        for f in a["files"]:
            for d in f["documents"]:
                for doc in d.get("regions", []) if d["layout"].startswith("sheet:") else [d]:
                    if doc["family"] == "synth":  # 高中 only
                        assert doc["fields"]["education"] == "高中"
                    else:
                        assert doc["family"] == "blind"
                        layout = doc["layout"].removesuffix("+mounted")  # on a backing sheet
                        assert layout in BLIND_LAYOUTS[doc["doc_type"]]


def test_faults_are_in_the_truth_and_printed(batch):
    """Each fault's document prints the faulty value the note names."""
    _, truth = batch
    faulty = [a for a in truth["applicants"] if not a["clean"]]
    assert sorted(k for a in faulty for k in a["faults"]) == sorted(KINDS)
    assert all(a["expected_codes"] == [] for a in truth["applicants"] if a["clean"])
    for a in faulty:
        (note,) = [n for n in a["notes"] if n["code"] in a["expected_codes"]]
        f = next(f for f in a["files"] if f["file"] == note["file"])
        docs = [x for d in f["documents"] if d["page"] == note["page"]
                for x in (d, *d.get("regions", [])) if x.get("fault")]  # fmt: skip
        printed = {x["fields"].get(note["field"], "").replace("·", "") for x in docs}
        assert note["found"].replace("·", "") in printed, (a["applicant_id"], note, printed)
        if note["field"] == "award_year":  # two years at least from what is declared
            assert abs(int(note["found"]) - int(note["declared"])) >= 2


def test_same_seed_same_bytes(batch, tmp_path):
    bdir, _ = batch
    again = tmp_path / "batch"
    generate_batch(again, applicants=5, seed=7004, faults=KINDS, workers=1, layouts="blind")
    assert _hashes(again) == _hashes(bdir)
    assert truth_path(again).read_bytes() == truth_path(bdir).read_bytes()


# Pinned before layouts existed (commit 14abb8c): two applicants, seed 5, award_mismatch.
# Pins this machine's fonts and Pillow too; bench the whole default with the 4101 check.
SYNTH_GOLDEN = "2c75fbf39407056841e0676afef30d393b15772d4529398b56a32c39e704c31d"


def test_default_synth_batch_is_unchanged(tmp_path):
    bdir = tmp_path / "batch"
    generate_batch(bdir, applicants=2, seed=5, faults=["award_mismatch"])
    h = hashlib.sha256()
    for p in sorted(bdir.rglob("*")):
        if p.is_file():
            h.update(str(p.relative_to(bdir)).encode() + b"\0")
            h.update(hashlib.sha256(p.read_bytes()).digest())
    h.update(truth_path(bdir).read_bytes())
    truth = json.loads(truth_path(bdir).read_text(encoding="utf-8"))
    assert "layouts" not in truth
    assert not any("family" in d for a in truth["applicants"] for f in a["files"]
                   for d in f["documents"])  # fmt: skip
    assert h.hexdigest() == SYNTH_GOLDEN


# ---------------------------------------------------------------------------------------
# bench/generalise.py: the arithmetic


def _flag(code: str, message: str = "") -> dict:
    return {"code": code, "message": message or f"{code} message"}


HAND_TRUTH = {
    "applicants": [
        {"applicant_id": "A", "expected_codes": [], "notes": []},
        {"applicant_id": "B", "expected_codes": [], "notes": []},
        {"applicant_id": "C", "expected_codes": ["NAME_MISMATCH"],
         "notes": [{"code": "NAME_MISMATCH", "note": "borrowed certificate"}]},
        {"applicant_id": "D", "expected_codes": ["NAME_MISMATCH"],
         "notes": [{"code": "NAME_MISMATCH", "note": "another borrowed one"}]},
        {"applicant_id": "E", "expected_codes": ["LEVEL_OVERCLAIM"],
         "notes": [{"code": "LEVEL_OVERCLAIM", "note": "declared 高级技师"}]},
    ]
}  # fmt: skip
HAND_RESULTS = {
    "applicants": [
        {"applicant_id": "A", "status": "clear", "flags": []},
        {"applicant_id": "B", "status": "flagged", "flags": [_flag("NAME_MISMATCH", "姓名不符")]},
        {"applicant_id": "C", "status": "flagged", "flags": [_flag("NAME_MISMATCH")]},
        {"applicant_id": "D", "status": "needs_review", "flags": [],
         "review_reasons": ["姓名可能识别有误"]},
        {"applicant_id": "E", "status": "flagged",
         "flags": [_flag("LEVEL_OVERCLAIM"), _flag("DATE_AFTER_DEADLINE", "晚于截止日期")]},
    ]
}  # fmt: skip


def test_scoring_counts_false_and_missed_flags():
    s = score(HAND_TRUTH, HAND_RESULTS)
    name = s["codes"]["NAME_MISMATCH"]
    assert (name["expected"], name["raised"], name["tp"]) == (2, 2, 1)
    assert name["precision"] == 0.5 and name["recall"] == 0.5
    assert s["codes"]["DATE_AFTER_DEADLINE"]["precision"] == 0.0
    assert s["codes"]["DATE_AFTER_DEADLINE"]["recall"] is None
    o = generalise.overall(s)
    assert (o["expected"], o["raised"], o["tp"]) == (3, 4, 2)
    assert o["precision"] == 0.5 and o["recall"] == pytest.approx(2 / 3)
    assert (s["clean"], s["clean_flagged"], s["clean_needs_review"]) == (2, 1, 0)
    assert [(f["applicant_id"], f["code"], f["message"], f["clean"]) for f in s["false_flags"]] == [
        ("B", "NAME_MISMATCH", "姓名不符", True),
        ("E", "DATE_AFTER_DEADLINE", "晚于截止日期", False),
    ]
    assert s["missed"] == [
        {"applicant_id": "D", "code": "NAME_MISMATCH", "status": "needs_review",
         "review_reasons": ["姓名可能识别有误"], "note": "another borrowed one"}
    ]  # fmt: skip


def test_seeds_merge_and_the_table_names_goals_and_seeds():
    truth, results = generalise.merge([(7001, HAND_TRUTH, HAND_RESULTS),
                                       (7002, HAND_TRUTH, HAND_RESULTS)])  # fmt: skip
    s = score(truth, results)
    assert s["clean"] == 4 and s["clean_flagged"] == 2
    assert {f["applicant_id"] for f in s["false_flags"]} == {"7001/B", "7001/E", "7002/B", "7002/E"}
    reading = generalise.ReadingScores()
    reading.type_ok.update({"clean": [True] * 199 + [False], "ordinary": [True], "poor": [True]})
    reading.field_ok.update({("clean", "name"): [True, False], ("poor", "name"): [True]})
    table = generalise.Table([7001, 7002], 5, 1, reading, s)
    md = generalise.markdown(table)
    assert "seeds 7001, 7002" in md
    assert "| document type | 99.5 % ✓ | 100.0 % ✓ | 100.0 % ✓ | ≥ 99.5% |" in md
    assert "| fields, exact match | 50.0 % ✗ |" in md
    assert "| NAME_MISMATCH | 4 | 4 | 2 | 0.500 ✗ | 0.500 ✗ |" in md
    assert "| all codes | 6 | 8 | 4 | 0.500 ✗ | 0.667 ✗ |" in md
    assert "2 / 4 = 50.0 % ✗ (only 4 clean: one is 25.0 %)" in md
    assert "≤ 1%" in md and "≤ 10%" in md
    text = generalise.mistakes(s)
    assert "7001/B (clean) NAME_MISMATCH: 姓名不符" in text
    assert "7002/D NAME_MISMATCH (status needs_review): another borrowed one" in text


@pytest.mark.parametrize(
    "applicants,clean_share,clean",
    [(24, 0.4, 10), (60, 0.4, 24), (125, 0.4, 50), (250, 0.4, 100), (60, 0.8, 48)],
)
def test_clean_applicants_per_seed_as_generalise_says(applicants, clean_share, clean):
    """bench/generalise.py's docstring tells how many clean applicants a seed gives."""
    plan = plan_batch(applicants, 7006, clean_share=clean_share)
    assert sum(a.fault is None for a in plan.applicants) == clean
