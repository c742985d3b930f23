"""Batch generator: faults carry exactly their expected codes, output imports and reproduces.

Planning tests run without rendering and check every fault kind against the real rule table
(matchers.rules) as an oracle; one small rendered batch (two generations: workers 2 and 1)
checks the files themselves.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
from PIL import Image

from extractors.declared import load_declared
from extractors.loaders import LoadOptions, load_file
from extractors.normalize import name_key, normalize_skill_level
from extractors.validators import cert_no_consistency, validate_id_number
from matchers.rules import DatedEvidence, EvidencedAward, RuleInput, RuleStatus, check_rules
from models.catalogue import EDUCATION_RANK, SKILL_LEVELS, TITLE_LEVELS
from models.declared import Applicant
from models.exceptions import UnreadableDocument, UsageError
from synth import vocab
from synth.batch import (
    AS_OF,
    EXPECTED_CODES,
    FAULT_KINDS,
    ApplicantPlan,
    build_packet_file,
    generate_batch,
    main,
    plan_batch,
    truth_path,
    write_declared,
)

TITLE_LEVEL_OF = {t: lv for options in vocab.TITLE_SERIES.values() for t, lv in options}
RULE_CODES = {"INELIGIBLE", "DATE_AFTER_DEADLINE"}


def _best(values, order):
    values = [v for v in values if v]
    return max(values, key=order.index) if values else None


def _rule_input(a: ApplicantPlan) -> RuleInput:
    """What a verifier that read every document correctly would give the rules."""
    p = a.person
    docs = a.docs
    skill = _best(
        [d.facts["skill_level"] for d in docs if d.doc_type == "skill_certificate"], SKILL_LEVELS
    )
    title = _best(
        [TITLE_LEVEL_OF[d.facts["title"]] for d in docs if d.doc_type == "title_certificate"],
        TITLE_LEVELS,
    )
    edus = [d.facts["education"] for d in docs if d.doc_type == "education_certificate"]
    education = max(edus, key=EDUCATION_RANK.__getitem__) if edus else None
    awards = tuple(
        EvidencedAward(
            name=d.facts["award_name"],
            level=d.facts["award_level"],
            rank=d.facts.get("award_rank"),
            year=d.facts["issue_date"][:4],
        )
        for d in docs
        if d.doc_type == "award_certificate"
    )
    has_card = any(d.doc_type == "id_card" for d in docs)
    applicant = Applicant(
        applicant_id=a.applicant_id,
        program=a.program,
        name=p.name,
        gender=p.gender,
        id_number=a.declared_id or p.id_number,
        birth_date=(a.declared_birth.isoformat() if a.declared_birth else p.birth_date),
        work_unit=a.work_unit,
        prefecture=a.prefecture,
        skill_level=a.skill_level,
        title=a.title,
        title_level=a.title_level,
        education=a.education,
        team_size=a.team_size,
    )
    return RuleInput(
        applicant=applicant,
        check_day=AS_OF,
        skill_level=skill,
        title_level=title,
        education=education,
        doctorate=education == "博士研究生",
        awards=awards,
        page_count=sum(len(f.pages) for f in a.files),
        evidence_dates=tuple(
            DatedEvidence(value=d.facts["issue_date"]) for d in docs if "issue_date" in d.facts
        ),
        birth_date=p.birth_date if has_card else None,
        gender=p.gender if has_card else None,
    )


@pytest.fixture(scope="module")
def big_plan():
    return [plan_batch(48, seed) for seed in (1, 2, 3)]


def test_plan_covers_every_kind_with_its_codes(big_plan):
    for plan in big_plan:
        kinds = [a.fault for a in plan.applicants]
        assert set(FAULT_KINDS) <= set(kinds)
        assert kinds.count(None) >= 48 * 0.3
        for a in plan.applicants:
            assert a.expected_codes == (sorted(EXPECTED_CODES[a.fault]) if a.fault else [])
            assert bool(a.notes) == bool(a.fault)
            assert len({a.applicant_id for a in plan.applicants}) == 48
    small = plan_batch(5, 7, faults=["unreadable"], clean_share=0.0)
    assert [a.fault for a in small.applicants] == ["unreadable"] * 5


def test_rules_pass_or_fail_exactly_as_expected(big_plan):
    """The real rule table agrees: clean evidence passes every rule, INELIGIBLE and
    DATE_AFTER_DEADLINE appear exactly where expected, nothing is left unknown."""
    for plan in big_plan:
        for a in plan.applicants:
            results = check_rules(a.program, _rule_input(a))
            failed = {r.flag_code.value for r in results if r.status is RuleStatus.failed}
            unknown = [r.rule_id for r in results if r.status is RuleStatus.unknown]
            assert failed == set(a.expected_codes) & RULE_CODES, (a.applicant_id, a.fault, a.notes)
            assert not unknown, (a.applicant_id, a.fault, unknown)
            if a.fault == "ineligible":
                rule = a.notes[0]["rule"]
                assert [r.rule_id for r in results if r.status is RuleStatus.failed] == [rule]


def test_fault_details(big_plan):
    for plan in big_plan:
        for a in plan.applicants:
            p, docs = a.person, a.docs
            roles = {d.role for d in docs}
            faulty = [d for d in docs if d.fault]
            if a.fault == "name_mismatch":
                (d,) = faulty
                assert name_key(d.facts["name"])[0] != name_key(p.name)[0]
            elif a.fault == "id_mismatch":
                (d,) = faulty
                other = d.facts.get("id_number") or d.person.id_number
                info = validate_id_number(other)
                assert info.valid and other != p.id_number
                assert info.birth_date == p.birth_date and info.sex == p.gender
            elif a.fault == "id_invalid":
                info = validate_id_number(a.declared_id)
                assert info.problems == ["check_digit"] and "id_card" in roles
            elif a.fault == "birthdate_mismatch":
                assert a.declared_birth.isoformat()[:7] != p.birth_date[:7]
            elif a.fault == "level_overclaim":
                field = a.notes[0]["field"]
                declared = {"skill_level": a.skill_level, "title_level": a.title_level}.get(
                    field, a.education
                )
                order = {"skill_level": SKILL_LEVELS, "title_level": TITLE_LEVELS}.get(
                    field, list(EDUCATION_RANK)
                )
                assert order.index(declared) > order.index(a.notes[0]["found"])
            elif a.fault == "missing_evidence":
                wanted = {"education": "education_certificate", "title": "title_certificate"}
                assert a.variant in ("education", "title")
                assert not [d for d in docs if d.doc_type == wanted[a.variant]]
            elif a.fault == "award_unsupported":
                n = a.notes[0]["award"]
                assert f"award:{n}" not in roles
            elif a.fault == "award_mismatch":
                n = a.notes[0]["award"]
                facts = next(d.facts for d in docs if d.role == f"award:{n}")
                row = a.awards[n]
                printed = {
                    "award_level": facts["award_level"],
                    "award_rank": facts.get("award_rank"),
                    "award_year": facts["issue_date"][:4],
                }
                assert [k for k in printed if printed[k] != row[k]] == [a.notes[0]["field"]]
            elif a.fault == "date_after_deadline":
                (d,) = faulty
                assert d.facts["issue_date"] > "2025-03-05"
            elif a.fault == "cert_no_inconsistent":
                (d,) = faulty
                f = d.facts
                problems = cert_no_consistency(
                    f["cert_no"], printed_level=f["skill_level"], issue_date=f["issue_date"]
                )
                assert problems == ["level"], (f, problems)
            elif a.fault == "unreadable":
                assert len(a.broken) == 1
            else:
                assert not faulty


def test_declared_csv_imports_without_rendering(tmp_path):
    plan = plan_batch(12, 5)
    write_declared(tmp_path, plan, "csv")
    batch = load_declared(tmp_path)
    assert batch.problems == []
    assert [x.applicant_id for x in batch.applicants] == [a.applicant_id for a in plan.applicants]
    for got, a in zip(batch.applicants, plan.applicants, strict=True):
        assert got.problems == []
        assert got.id_number == a.declared["id_number"]
        assert got.skill_level == a.declared["skill_level"]
        assert len(got.awards) == len(a.awards)


def test_refuses_a_non_empty_folder(tmp_path):
    (tmp_path / "x.txt").write_text("x")
    with pytest.raises(UsageError):
        generate_batch(tmp_path, applicants=1, seed=0)
    assert main([str(tmp_path), "--applicants", "1"]) == 2


# ---------------------------------------------------------------------------------------
# one small rendered batch

KINDS = ["name_mismatch", "cert_no_inconsistent", "unreadable", "award_mismatch"]


@pytest.fixture(scope="module")
def batch(tmp_path_factory):
    root = tmp_path_factory.mktemp("synth_batch")
    bdir = root / "batch"
    truth = generate_batch(bdir, applicants=7, seed=11, faults=KINDS, workers=2)
    return bdir, truth


def _hashes(folder: Path) -> dict[str, str]:
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def test_truth_outside_the_batch(batch):
    bdir, truth = batch
    path = truth_path(bdir)
    assert path.parent == bdir.parent and path.is_file()
    assert not list(bdir.rglob("*.json"))
    assert json.loads(path.read_text(encoding="utf-8")) == truth.to_dict()
    d = truth.to_dict()
    assert d["as_of"] == "2025-09-30" and d["schema_version"] == 1


def test_declared_imports_every_applicant(batch):
    bdir, truth = batch
    declared = load_declared(bdir)
    assert declared.problems == []
    by_id = {a.applicant_id: a for a in declared.applicants}
    assert list(by_id) == [a.applicant_id for a in truth.applicants]
    for t in truth.applicants:
        got = by_id[t.applicant_id]
        assert got.problems == [], got.problems
        want = t.declared
        assert name_key(got.name, keep_dot=False) == name_key(want["name"], keep_dot=False)
        for key in ("program", "id_number", "birth_date", "skill_level", "title_level"):
            assert getattr(got, key) == want[key], (key, getattr(got, key), want[key])
        assert got.education == want["education"] and got.team_size == want["team_size"]
        assert [(x.award_name, x.award_level, x.award_rank, x.award_year) for x in got.awards] == [
            (w["award_name"], w["award_level"], w["award_rank"], w["award_year"]) for w in t.awards
        ]


def test_packets_match_the_truth(batch):
    bdir, truth = batch
    folders = {p.name for p in (bdir / "packets").iterdir()}
    assert folders == {a.applicant_id for a in truth.applicants}
    listed = {f["file"] for a in truth.applicants for f in a.files}
    on_disk = {str(p.relative_to(bdir)) for p in (bdir / "packets").rglob("*") if p.is_file()}
    assert listed == on_disk
    for a in truth.applicants:
        assert sum(f["pages"] for f in a.files) <= 25
        for f in a.files:
            assert len(f["documents"]) == f["pages"]


def test_expected_codes(batch):
    _, truth = batch
    seen = set()
    for a in truth.applicants:
        if a.clean:
            assert a.expected_codes == [] and a.faults == []
        else:
            (kind,) = a.faults
            seen.add(kind)
            assert a.expected_codes == sorted(EXPECTED_CODES[kind])
            assert all(n["code"] in a.expected_codes for n in a.notes)
    assert seen == set(KINDS)
    assert sum(a.clean for a in truth.applicants) == 3


def test_rendered_fields_match_the_plan(batch):
    """What the renderers printed is what the plan asked for."""
    _, truth = batch
    for a in truth.applicants:
        for f in a.files:
            for d in f["documents"]:
                fields = d["fields"]
                if d["doc_type"] == "skill_certificate":
                    cert = cert_no_consistency(
                        fields["cert_no"],
                        printed_level=fields["skill_level"],
                        issue_date=fields["issue_date"],
                    )
                    assert cert == (["level"] if d["fault"] == "cert_no_inconsistent" else [])
                if d["doc_type"] == "award_certificate":
                    row = next(w for w in a.awards if w["award_name"] == fields["award_name"])
                    same = [k for k in ("award_level", "award_rank", "award_year") if
                            row[k] != fields.get(k)]  # fmt: skip
                    assert same == ([a.notes[0]["field"]] if d["fault"] == "award_mismatch" else [])
                if d["doc_type"] != "other" and d["fault"] != "name_mismatch":
                    # the whole name, or its first parts (minority names, rare)
                    printed = name_key(fields["name"], keep_dot=False)
                    assert name_key(a.person["name"], keep_dot=False).startswith(printed)


def test_clean_skill_level_is_the_best_printed(batch):
    _, truth = batch
    for a in truth.applicants:
        if not a.clean or not a.declared["skill_level"]:
            continue
        printed = [
            d["fields"]["skill_level"]
            for f in a.files
            for d in f["documents"]
            if d["doc_type"] == "skill_certificate"
        ]
        best = max(printed, key=SKILL_LEVELS.index)
        assert normalize_skill_level(a.declared_written["skill_level"]) == best


def test_unreadable_file_fails_to_load(batch):
    bdir, truth = batch
    broken = [f for a in truth.applicants for f in a.files if f["unreadable"]]
    assert len(broken) == 1
    with pytest.raises(UnreadableDocument):
        load_file(bdir / broken[0]["file"], options=LoadOptions(sandbox=False))


def test_same_seed_same_bytes_whatever_the_workers(batch, tmp_path):
    bdir, _ = batch
    again = tmp_path / "batch"
    generate_batch(again, applicants=7, seed=11, faults=KINDS, workers=1)
    assert _hashes(again) == _hashes(bdir)
    assert truth_path(again).read_bytes() == truth_path(bdir).read_bytes()


def test_small_pages_keep_boxes_on_the_page(tmp_path):
    """max_dpi (load tests) shrinks scans and their truth boxes together."""
    bdir = tmp_path / "small"
    truth = generate_batch(bdir, applicants=2, seed=5, max_dpi=100)
    scans = [
        (f, d)
        for a in truth.applicants
        for f in a.files
        for d in f["documents"]
        if not d.get("text_layer")
    ]
    assert scans
    for f, d in scans:
        assert d["dpi"] <= 100
        # A4 (or a card photo) at ≤ 100 dpi: no side beyond 11.7 in × 100 dpi, plus a margin.
        assert max(d["width"], d["height"]) <= 1300, (f["file"], d["width"], d["height"])
        for box in d["field_boxes"].values():
            x0, y0, x1, y1 = box
            assert 0 <= x0 < x1 <= d["width"] + 1 and 0 <= y0 < y1 <= d["height"] + 1, box
    im_files = [f for f, _ in scans if f["format"] in ("jpg", "png")]
    for f in im_files:
        with Image.open(bdir / f["file"]) as im:
            assert max(im.size) <= 1300


def test_a_long_value_wrapped_in_its_cell_keeps_a_truth_box():
    """工业机器人系统操作员 + level wraps in the old booklet's cell (seed 31 broke at applicant 538)."""
    plan = plan_batch(1000, 31, None, 0.4, None)
    (a,) = [a for a in plan.applicants if a.applicant_id == "XJ2025-0538"]
    (spec,) = [s for s in a.files if s.path.endswith("扫描件17.jpg")]
    _, _, docs = build_packet_file(spec)
    (d,) = [d for d in docs if d["doc_type"] == "skill_certificate"]
    assert d["fields"]["occupation"] == "工业机器人系统操作员"
    x0, y0, x1, y1 = d["field_boxes"]["occupation"]
    lx0, ly0, lx1, ly1 = d["field_boxes"]["skill_level"]
    assert 0 <= x0 < x1 <= d["width"] and 0 <= y0 < y1 <= d["height"]
    # the level is printed after the occupation, inside the same wrapped value
    assert x0 <= lx0 and lx1 <= x1 and y0 <= ly0 and ly1 <= y1


def test_the_generators_own_helpers_agree_with_the_verifiers():
    """synth writes its truth with its own check character, prefecture names and name reading;
    on everything the generator produces they give what the verifier's code gives."""
    import random

    from extractors.normalize import normalize_name
    from extractors.validators import XINJIANG_PREFECTURES
    from extractors.validators import id_check_char as verifier_check_char
    from synth.batch import DOT_LOOKALIKES, _prefecture, declared_name
    from synth.people import (
        COUNTIES,
        ETHNICITY_WEIGHTS,
        id_check_char,
        make_name,
        to_traditional,
    )

    rng = random.Random(12)
    for _ in range(5000):
        first17 = f"{rng.randrange(10**17):017d}"
        assert id_check_char(first17) == verifier_check_char(first17), first17

    modern = {"6521": "6504", "6522": "6505"}  # pre-2015 codes name today's prefecture
    for code4, counties in COUNTIES.items():
        if code4 == "6590":
            continue
        for code6, _ in counties:
            assert _prefecture(code6) == XINJIANG_PREFECTURES[modern.get(code4, code4)]

    for ethnicity in ETHNICITY_WEIGHTS:
        for gender in ("男", "女"):
            for _ in range(300):
                name = make_name(rng, ethnicity, gender)
                parts = [p for p in name.split("·") if p]
                cells = [name, to_traditional(name) or name, "·".join(parts[:2])]
                cells += [name.replace("·", alt) for alt in DOT_LOOKALIKES]
                for cell in cells:
                    assert declared_name(cell) == normalize_name(cell), cell


def test_synth_imports_nothing_from_the_verifier():
    """The truth must not share code with what it tests: synth imports models/ and itself."""
    import ast

    verifier = ("extractors", "matchers", "pipelines")
    for path in sorted((Path(__file__).resolve().parents[1] / "synth").glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                names = [node.module or ""]
            else:
                continue
            bad = [n for n in names if n.split(".")[0] in verifier]
            assert not bad, (path.name, bad)
