"""Duplicate applicants (variants, namesakes, history, the command) and duplicate evidence."""

from __future__ import annotations

import io
import json
import random
from pathlib import Path

import numpy as np
import pytest

from extractors.declared import load_declared, read_identities
from extractors.validators import id_check_char
from matchers.evidence import find_duplicate_evidence
from matchers.linkage.history import History
from matchers.linkage.link import find_duplicate_applicants, link_applicants
from matchers.tamper import tamper_flags
from models.declared import Applicant
from models.document import DocType, DocumentReading, Evidence, ExtractedField
from models.evidence import PacketFile, PageReading
from models.results import FlagCode
from pipelines.dupcmd import main, run_duplicates

XJGJ, UMQ, MB = "新疆工匠", "乌鲁木齐市技能大师工作室", "少数民族科技骨干特殊培养"
_FW = str.maketrans("0123456789X", "０１２３４５６７８９Ｘ")


def idn(region: str, birth: str, seq: int) -> str:
    first17 = f"{region}{birth.replace('-', '')}{seq:03d}"
    return first17 + id_check_char(first17)


def app(aid: str, name: str | None, id_number: str | None, birth: str | None = "1985-03-12",
        program: str = XJGJ, gender: str = "男", ethnicity: str = "维吾尔族") -> Applicant:  # fmt: skip
    """As the importer makes it: the name normalised, the name as written kept in raw."""
    from extractors.normalize import normalize_name

    return Applicant(
        applicant_id=aid, program=program, name=normalize_name(name) or None, gender=gender,
        ethnicity=ethnicity, id_number=id_number, birth_date=birth,
        raw={"姓名": name} if name else {},
    )  # fmt: skip


P_NAME = "艾力·买买提·吐尔逊"
P_ID = idn("653101", "1985-03-12", 123)


def typo(s: str, pos: int) -> str:
    return s[:pos] + str((int(s[pos]) + 3) % 10) + s[pos + 1 :]


VARIANTS = {
    # variant: (name, id, birth, reason the group must give)
    "exact": (P_NAME, P_ID, "1985-03-12", "same id_number"),
    "dot": ("艾力•买买提•吐尔逊", P_ID, "1985-03-12", "middle-dot or spacing variant"),
    "undotted": ("艾力买买提吐尔逊", P_ID, "1985-03-12", "middle dot"),
    "short_name": ("艾力·买买提", P_ID, "1985-03-12", "fewer parts"),
    "first_part": ("艾力", P_ID, "1985-03-12", "first part only"),
    "fullwidth_id": (P_NAME, P_ID.translate(_FW), "1985-03-12", "same id_number"),
    "id_typo_sequence": (P_NAME, typo(P_ID, 15), "1985-03-12", "differs in 1 digit (typo?)"),
    "id_typo_region": (P_NAME, typo(P_ID, 2), "1985-03-12", "differs in 1 digit (typo?)"),
    "id_typo_birth": (P_NAME, typo(P_ID, 9), "1985-03-12", "differs in 1 digit (typo?)"),
    "id_swap": (
        P_NAME,
        P_ID[:14] + P_ID[15] + P_ID[14] + P_ID[16:],
        "1985-03-12",
        "adjacent digits swapped",
    ),  # fmt: skip
    "typo_and_short": ("艾力·买买提", typo(P_ID, 16), "1985-03-12", "fewer parts"),
    "birth_month": (P_NAME, P_ID, "1985-03", "equal to the month"),
    "missing_id": (P_NAME, None, "1985-03-12", "missing on one side"),
}


@pytest.mark.parametrize("variant", sorted(VARIANTS))
def test_each_variant_is_one_person(variant):
    name, id_number, birth, reason = VARIANTS[variant]
    groups = find_duplicate_applicants(
        [app("XJ-1", P_NAME, P_ID), app("UM-7", name, id_number, birth, program=UMQ)]
    )
    assert [g.applicant_ids for g in groups] == [["UM-7", "XJ-1"]]
    g = groups[0]
    assert g.code is FlagCode.DUPLICATE_APPLICANT and 0.8 <= g.score <= 1.0
    assert any(reason in r for r in g.reasons), g.reasons
    assert all("[" in r for r in g.reasons[:2]), "field reasons carry their weight"


def test_traditional_han_name():
    a = app("A", "张国华", idn("650102", "1980-01-02", 11), "1980-01-02", ethnicity="汉族")
    b = app("B", "張國華", idn("650102", "1980-01-02", 11), "1980-01-02", ethnicity="汉族")
    (g,) = find_duplicate_applicants([a, b])
    assert any("traditional vs simplified" in r for r in g.reasons)


def test_namesakes_are_different_people():
    birth = "1980-01-02"
    people = [
        # same name and birth date, same region: sibling ID numbers (other sequence)
        app("A", "张伟", idn("650102", birth, 11), birth, ethnicity="汉族"),
        app("B", "张伟", idn("650102", birth, 31), birth, ethnicity="汉族"),
        # same name and birth date, another region
        app("C", "张伟", idn("652301", birth, 75), birth, ethnicity="汉族"),
        # same first part and father's name, different ID
        app("D", "艾力·买买提", idn("653101", birth, 13), birth),
        app("E", "艾力·买买提·吐尔逊", idn("653121", birth, 57), birth),
        # same region and birth date in the ID, other names
        app("F", "王芳", idn("650102", birth, 24), birth, gender="女", ethnicity="汉族"),
    ]
    links = link_applicants(people)
    assert links.candidate_pairs >= 5  # they were compared ...
    assert links.groups == []  # ... and told apart


def test_one_group_per_person_with_pairwise_reasons():
    people = [
        app("A", P_NAME, P_ID),
        app("B", "艾力•买买提•吐尔逊", P_ID, program=UMQ),
        app("C", "艾力·买买提", typo(P_ID, 15), program=MB),
        app("D", "古丽", idn("653201", "1990-05-06", 22), "1990-05-06", gender="女"),
    ]
    (g,) = find_duplicate_applicants(people)
    assert g.applicant_ids == ["A", "B", "C"]
    assert any(r.startswith("A ~ B：") and "same id_number" in r for r in g.reasons)
    assert any(r.startswith("A ~ C：") and "typo" in r for r in g.reasons)
    assert any("XJGJ-EXCLUSIVE" in r for r in g.reasons)
    assert any("3 applications" in r for r in g.reasons)


def test_rule_reasons():
    (g,) = find_duplicate_applicants(
        [app("U1", P_NAME, P_ID, program=UMQ), app("U2", P_NAME, P_ID, program=UMQ)]
    )
    assert any("UMQ-ONE-STUDIO" in r for r in g.reasons)
    assert not any("XJGJ-EXCLUSIVE" in r for r in g.reasons)
    (g,) = find_duplicate_applicants([app("X1", P_NAME, P_ID), app("X2", P_NAME, P_ID)])
    assert not any("XJGJ-EXCLUSIVE" in r or "UMQ-ONE-STUDIO" in r for r in g.reasons)


def _crowd(n: int, seed: int) -> list[Applicant]:
    from synth.people import make_person

    rng, seen, out = random.Random(seed), set(), []
    while len(out) < n:
        p = make_person(rng)
        if p.id_number in seen:  # real ID numbers are unique
            continue
        seen.add(p.id_number)
        out.append(app(f"R{len(out):05d}", p.name, p.id_number, p.birth_date,
                       gender=p.gender, ethnicity=p.ethnicity))  # fmt: skip
    return out


def test_blocking_compares_few_pairs_and_output_is_deterministic():
    crowd = _crowd(1500, 3)
    crowd += [app("Z1", P_NAME, P_ID), app("Z2", "艾力·买买提", typo(P_ID, 5))]
    links = link_applicants(crowd)
    n = len(crowd)
    assert links.candidate_pairs < 0.01 * n * (n - 1) / 2
    assert [g.applicant_ids for g in links.groups] == [["Z1", "Z2"]]
    shuffled = list(crowd)
    random.Random(1).shuffle(shuffled)
    again = find_duplicate_applicants(shuffled)
    assert [g.model_dump() for g in again] == [g.model_dump() for g in links.groups]


# ---------------------------------------------------------------- history


def test_history_across_intakes(tmp_path):
    db = tmp_path / "history.sqlite"
    first = [app("A1", P_NAME, P_ID), app("A2", "王芳", idn("650102", "1979-02-03", 24), "1979-02-03", gender="女")]  # fmt: skip
    second = [app("B1", "艾力•买买提", typo(P_ID, 16), program=UMQ), app("B2", "李强", idn("650103", "1988-08-08", 15), "1988-08-08")]  # fmt: skip
    with History.open(db) as h:
        assert find_duplicate_applicants(first, history=h, intake="2024") == []
        assert h.add_intake("2024", first, source="declared_2024.xlsx") == 2
        groups = find_duplicate_applicants(second, history=h, intake="2025")
        assert [g.applicant_ids for g in groups] == [["2024:A1", "B1"]]
        assert any(
            "earlier intake 2024" in r and "declared_2024.xlsx" in r for r in groups[0].reasons
        )
        h.add_intake("2025", second, source="declared_2025.xlsx")
    with History.open(db) as h:  # reopened: still there
        assert [i for i, _, _ in h.intakes()] == ["2024", "2025"]
        # the same intake again: nothing new against itself, the same answer as before
        assert find_duplicate_applicants(first, history=h, intake="2024") == []
        h.add_intake("2024", first, source="declared_2024.xlsx")
        again = find_duplicate_applicants(second, history=h, intake="2025")
        assert [g.model_dump() for g in again] == [g.model_dump() for g in groups]
        h.add_intake("2025", second)
        assert [n for _, _, n in h.intakes()] == [2, 2]
        rows = h._conn.execute("SELECT count(*) FROM applicants").fetchone()[0]
        assert rows == 4


def test_history_rejects_a_non_database(tmp_path):
    from models.exceptions import UsageError

    bad = tmp_path / "notes.sqlite"
    bad.write_text("not a database", encoding="utf-8")
    with pytest.raises(UsageError):
        History.open(bad)


# ---------------------------------------------------------------- the command

CSV_HEAD = (
    "2025年度人才项目申报人员汇总表\n申报编号,项目,姓名,性别,民族,公民身份号码,出生年月,工作单位\n"
)


def _csv(path: Path, rows: list[tuple], encoding: str = "utf-8") -> Path:
    text = CSV_HEAD + "".join(",".join(map(str, r)) + "\n" for r in rows)
    path.write_bytes(text.encode(encoding))
    return path


def test_a_placeholder_id_shared_by_hundreds_links_nobody_and_is_reported(tmp_path, capsys):
    # A form filled with one dummy ID number by 600 applicants is no identity: its block is
    # skipped (not 179,700 pairs), and the command says so.
    crowd = _crowd(600, 5)
    rows = [(a.applicant_id, "新疆工匠", a.name, a.gender, a.ethnicity, P_ID, a.birth_date)
            for a in crowd]  # fmt: skip
    declared = _csv(tmp_path / "d.csv", rows)
    assert main([str(declared), "--out", str(tmp_path / "out")]) == 0
    written = json.loads((tmp_path / "out" / "duplicates.json").read_text(encoding="utf-8"))
    assert written["duplicates"] == []
    assert "未用这些键配对" in capsys.readouterr().err
    links = link_applicants([a.model_copy(update={"id_number": P_ID}) for a in crowd])
    assert links.skipped_blocks >= 1 and links.candidate_pairs < 0.01 * 600 * 599 / 2


def test_a_dummy_id_on_a_few_forms_is_not_evidence_but_a_real_repeat_still_links():
    crowd = _crowd(8, 11)
    dummy = [a.model_copy(update={"id_number": P_ID}) for a in crowd]
    # two different people who happen to share a common name, both on the dummy ID
    twin = dummy[0].model_copy(update={"applicant_id": "T1", "birth_date": "1999-09-09"})
    # one real person applying to two programs under their own ID
    real = [app("U1", "张伟", idn("650102", "1980-01-02", 11), "1980-01-02"),
            app("U2", "张伟", idn("650102", "1980-01-02", 11), "1980-01-02")]  # fmt: skip
    links = link_applicants([*dummy, twin, *real])
    assert [g.applicant_ids for g in links.groups] == [["U1", "U2"]]


def test_a_dummy_id_recurring_across_intakes_is_a_placeholder_too(tmp_path):
    # Two or three names on it per year, five over two years: the same dummy, not a person.
    first = [app("A1", "张伟", P_ID, "1970-01-01"), app("A2", "李娜", P_ID, "1980-02-02"),
             app("A3", "王芳", P_ID, "1990-03-03")]  # fmt: skip
    second = [app("B1", "张伟", P_ID, "1975-05-05"), app("B2", "刘洋", P_ID, "1988-08-08")]
    with History.open(tmp_path / "h.sqlite") as h:
        h.add_intake("2024", first, keys=link_applicants(first).keys)
        links = link_applicants(second, history=h, intake="2025")
    assert links.history_candidates == 3 and links.groups == []


def test_duplicates_command_and_history(tmp_path):
    d1 = _csv(tmp_path / "d1.csv", [
        ("XJ-1", "新疆工匠", "艾力·买买提·吐尔逊", "男", "维吾尔族", P_ID, "1985.03"),
        ("XJ-2", "新疆工匠（2025年度）", "艾力．买买提．吐尔逊", "男", "维吾尔", P_ID.translate(_FW), "1985年3月"),
        ("XJ-3", "新疆工匠", "张伟", "男", "汉族", idn("650102", "1980-01-02", 11), "1980-01-02"),
        ("XJ-4", "新疆工匠", "张伟", "男", "汉族", idn("650102", "1980-01-02", 31), "1980-01-02"),
    ], encoding="gb18030")  # fmt: skip
    applicants, problems = read_identities(d1)
    assert [a.name for a in applicants[:2]] == [P_NAME, P_NAME] and not problems
    assert applicants[1].program == XJGJ and applicants[1].ethnicity == "维吾尔族"
    db = tmp_path / "h.sqlite"
    res = run_duplicates(d1, tmp_path / "out1", history=db)
    written = json.loads((tmp_path / "out1" / "duplicates.json").read_text(encoding="utf-8"))
    assert written["schema_version"] == 1 and set(written) == {"schema_version", "duplicates"}
    assert [g["applicant_ids"] for g in written["duplicates"]] == [["XJ-1", "XJ-2"]]
    assert res.stats is not None and res.stats.candidate_pairs >= 2
    assert not list((tmp_path / "out1").glob(".*.tmp"))

    d2 = _csv(tmp_path / "d2.csv", [
        ("UM-1", "乌鲁木齐市技能大师工作室", "艾力·买买提", "男", "维吾尔族", typo(P_ID, 4), "1985-03-12"),
    ])  # fmt: skip
    assert (
        main([str(d2), "--out", str(tmp_path / "out2"), "--history", str(db), "--intake", "2025"])
        == 0
    )
    second = json.loads((tmp_path / "out2" / "duplicates.json").read_text(encoding="utf-8"))
    (g,) = second["duplicates"]
    intake1 = res.stats.intake
    # Members in id order: "UM-1" sorts before or after the earlier intake's hash prefix.
    assert g["applicant_ids"] == sorted([f"{intake1}:XJ-1", f"{intake1}:XJ-2", "UM-1"])
    assert any(f"earlier intake {intake1}" in r and "d1.csv" in r for r in g["reasons"])
    # the first intake again: the same output, nothing from itself
    run_duplicates(d1, tmp_path / "out1b", history=db)
    assert (tmp_path / "out1b" / "duplicates.json").read_bytes() == (
        tmp_path / "out1" / "duplicates.json"
    ).read_bytes()


def test_duplicates_command_reads_xlsx_and_fails_cleanly(tmp_path, capsys):
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "申报人"
    ws.append(["申报编号", "申报项目", "姓名", "身份证号", "出生日期"])
    ws.append(["A", "新疆工匠", "張偉", idn("650102", "1980-01-02", 11), "1980-01-02"])
    ws.append(["B", "乌鲁木齐市技能大师工作室", "张伟", idn("650102", "1980-01-02", 11), None])
    path = tmp_path / "declared.xlsx"
    buf = io.BytesIO()
    wb.save(buf)
    path.write_bytes(buf.getvalue())
    assert main([str(path), "--out", str(tmp_path / "o")]) == 0
    out = json.loads((tmp_path / "o" / "duplicates.json").read_text(encoding="utf-8"))
    assert [g["applicant_ids"] for g in out["duplicates"]] == [["A", "B"]]
    assert main([str(tmp_path / "missing.csv"), "--out", str(tmp_path / "o2")]) == 5
    assert "不存在" in capsys.readouterr().err


# ---------------------------------------------------------------- generated batches


def test_generated_batch_duplicate_applicants(tmp_path):
    from synth.batch import EXTRA_FAULT_KINDS, FAULT_KINDS, plan_batch, write_declared

    assert not set(EXTRA_FAULT_KINDS) & set(FAULT_KINDS)  # opt-in only
    plan = plan_batch(40, 11, faults=["duplicate_applicant"], clean_share=0.6)
    write_declared(tmp_path, plan, "csv")
    truth = set()
    by_id = {a.applicant_id: a for a in plan.applicants}
    for a in plan.applicants:
        for n in a.notes:
            if n["code"] == "DUPLICATE_APPLICANT":
                assert by_id[n["of"]].person == a.person
                truth.add(frozenset((a.applicant_id, n["of"])))
    assert len(truth) >= 10
    groups = find_duplicate_applicants(load_declared(tmp_path).applicants)
    found = {frozenset(p) for g in groups for p in [g.applicant_ids] if len(p) == 2}
    assert all(len(g.applicant_ids) == 2 for g in groups)
    assert found == truth


# ---------------------------------------------------------------- evidence (rendered pages)


def _doc(
    file: str, doc_type: str, fields: dict[str, str], boxes: dict | None = None
) -> DocumentReading:
    return DocumentReading(
        file=file, page=1, doc_type=DocType(doc_type), confidence=0.95,
        fields={k: ExtractedField(key=k, value=v, raw=v, confidence=0.95,
                                  evidence=Evidence(file=file, page=1,
                                                    bbox=tuple((boxes or {}).get(k, (0, 0, 10, 10)))))
                for k, v in fields.items() if v},
    )  # fmt: skip


def _packet(
    file: str, image: np.ndarray | None, doc: DocumentReading | None, data: bytes | None = None
):
    import hashlib

    from pipelines.stages import page_hashes

    ph, dh = page_hashes(image) if image is not None else (None, None)
    blob = data if data is not None else (image.tobytes() if image is not None else file.encode())
    pf = PacketFile(file=file, sha256=hashlib.sha256(blob).hexdigest(), size=len(blob),
                    documents=[doc] if doc else [], page_count=1, pages_read=1)  # fmt: skip
    pr = PageReading(file=file, page=1, documents=pf.documents, phash=ph, dhash=dh)
    return pf, pr


@pytest.fixture(scope="module")
def rendered():
    """Certificates rendered once and scanned twice; an award with its name edited."""
    from synth.damage import degrade
    from synth.documents import RENDERERS
    from synth.people import make_person

    rng = random.Random(5)
    p = make_person(rng, ethnicity="维吾尔族", gender="男")
    q = make_person(rng, ethnicity="维吾尔族", gender="男")

    def render(doc_type: str, person, seed: str, **facts):
        return RENDERERS[doc_type](person, random.Random(seed), **facts)

    def scan(img, difficulty: str, seed: str) -> np.ndarray:
        return np.asarray(degrade(img, difficulty, random.Random(seed))[0].convert("RGB"))

    skill = render("skill_certificate", p, "skill", skill_level="技师", era="new")
    other_skill = render("skill_certificate", q, "skill-2", skill_level="技师", era="new",
                         layout=skill.layout)  # fmt: skip
    facts = {"kind": "honour", "issue_date": "2019-05-20"}  # as synth.batch plans them
    award = render("award_certificate", p, "award", name=p.name, **facts)
    edited = render("award_certificate", q, "award", name=q.name, **facts)
    return {
        "p": p, "q": q,
        "skill": (skill, scan(skill.image, "clean", "s1"), scan(skill.image, "ordinary", "s2")),
        "other_skill": (other_skill, scan(other_skill.image, "ordinary", "s3")),
        "award": (award, scan(award.image, "ordinary", "a1"), scan(award.image, "clean", "a2")),
        "edited": (edited, scan(edited.image, "ordinary", "e1")),
    }  # fmt: skip


def _f(r) -> dict[str, str]:
    return {k: str(v) for k, v in r.fields.items() if v}


def test_rescans_and_same_number_are_duplicate_evidence(rendered):
    skill, s1, s2 = rendered["skill"]
    award, a1, a2 = rendered["award"]
    files, pages = {}, {}
    for aid, name, img, doc in (
        ("XJ-1", "packets/XJ-1/skill.jpg", s1, _doc("packets/XJ-1/skill.jpg", "skill_certificate", _f(skill))),
        ("UM-2", "packets/UM-2/证书.jpg", s2, _doc("packets/UM-2/证书.jpg", "skill_certificate", _f(skill))),
        ("XJ-1", "packets/XJ-1/award.jpg", a1, _doc("packets/XJ-1/award.jpg", "award_certificate", _f(award))),
        ("MB-3", "packets/MB-3/荣誉.jpg", a2, _doc("packets/MB-3/荣誉.jpg", "award_certificate", _f(award))),
        ("XJ-1", "packets/XJ-1/skill_again.jpg", s2, _doc("packets/XJ-1/skill_again.jpg", "skill_certificate", _f(skill))),
    ):  # fmt: skip
        pf, pr = _packet(name, img, doc)
        files.setdefault(aid, []).append(pf)
        pages[(name, 1)] = pr
    groups = find_duplicate_evidence(files, pages)
    by_files = {tuple(g.files): g for g in groups}
    skill_group = by_files[
        ("packets/UM-2/证书.jpg", "packets/XJ-1/skill.jpg", "packets/XJ-1/skill_again.jpg")
    ]
    assert skill_group.applicant_ids == ["UM-2", "XJ-1"]
    assert any("same cert_no" in r for r in skill_group.reasons)
    award_group = by_files[("packets/MB-3/荣誉.jpg", "packets/XJ-1/award.jpg")]
    assert any(
        "same holder, same certificate content" in r or "same image" in r
        for r in award_group.reasons
    )
    assert len(groups) == 2
    assert tamper_flags(files, pages) == {}


def test_name_edited_rescan_is_duplicate_and_tamper(rendered):
    award, a1, _ = rendered["award"]
    edited, e1 = rendered["edited"]
    assert _f(award)["name"] != _f(edited)["name"]
    assert {k: v for k, v in _f(award).items() if k != "name"} == {
        k: v for k, v in _f(edited).items() if k != "name"
    }
    fa, pa = _packet(
        "packets/A/award.jpg",
        a1,
        _doc("packets/A/award.jpg", "award_certificate", _f(award), award.field_boxes),
    )
    fb, pb = _packet(
        "packets/B/award.jpg",
        e1,
        _doc("packets/B/award.jpg", "award_certificate", _f(edited), edited.field_boxes),
    )
    files, pages = (
        {"A": [fa], "B": [fb]},
        {("packets/A/award.jpg", 1): pa, ("packets/B/award.jpg", 1): pb},
    )
    (g,) = find_duplicate_evidence(files, pages)
    assert g.applicant_ids == ["A", "B"] and any("edited copy" in r for r in g.reasons)
    flags = tamper_flags(files, pages)
    assert set(flags) == {"A", "B"}
    (fa_flag,) = flags["A"]
    assert fa_flag.code is FlagCode.TAMPER_SUSPECTED and fa_flag.severity == "high"
    assert "packets/B/award.jpg" in fa_flag.message and fa_flag.field == "name"
    assert fa_flag.evidence[0].bbox == tuple(award.field_boxes["name"])
    assert "packets/A/award.jpg" in flags["B"][0].message


def test_different_certificates_and_same_bytes(rendered):
    skill, s1, _ = rendered["skill"]
    other, o1 = rendered["other_skill"]
    fa, pa = _packet("packets/A/s.jpg", s1, _doc("packets/A/s.jpg", "skill_certificate", _f(skill)))
    fb, pb = _packet("packets/B/s.jpg", o1, _doc("packets/B/s.jpg", "skill_certificate", _f(other)))
    # an unread file byte-identical to A's
    fc = PacketFile(file="packets/C/copy.jpg", sha256=fa.sha256, size=fa.size, error_code="CC108")
    files = {"A": [fa], "B": [fb], "C": [fc]}
    pages = {("packets/A/s.jpg", 1): pa, ("packets/B/s.jpg", 1): pb}
    (g,) = find_duplicate_evidence(files, pages)
    assert g.applicant_ids == ["A", "C"] and any("byte-identical" in r for r in g.reasons)
    assert tamper_flags(files, pages) == {}


# ---------------------------------------------------------------- evidence: page images aligned


@pytest.fixture(scope="module")
def mounted():
    """An award scanned flat, the same sheet mounted on a backing sheet, a copy with the
    name edited mounted and photographed, and a co-awardee's own certificate (same award,
    same day, same layout, printed on its own)."""
    from synth.damage import degrade
    from synth.documents import RENDERERS
    from synth.generate import scan_page
    from synth.people import make_person

    rng = random.Random(11)
    p = make_person(rng, ethnicity="维吾尔族", gender="男")
    q = make_person(rng, ethnicity="汉族", gender="女")
    facts = {"kind": "honour", "issue_date": "2019-05-20", "award_name": "自治区劳动模范",
             "issuer": "新疆维吾尔自治区人民政府", "award_level": "省级",
             "award_year": "2019"}  # fmt: skip

    def render(person, seed: str, **extra):
        return RENDERERS["award_certificate"](
            person, random.Random(seed), name=person.name, **facts, **extra
        )

    def scan(doc, seed: str, difficulty: str, mount: bool):
        img, truth = scan_page(
            doc, random.Random(seed), file="x.jpg", page=1, doc_type="award_certificate",
            fmt="jpg", difficulty=difficulty, rotation=0, mounted=mount, text_layer=None,
            dpi=None, person={},
        )  # fmt: skip
        return np.asarray(img.convert("RGB")), truth

    def phone_photo(doc):
        for k in range(50):
            img, info = degrade(doc.image, "poor", random.Random(f"phone{k}"))
            if any("phone_photo" in op for op in info["ops"]):
                return np.asarray(img.convert("RGB")), info
        raise AssertionError("no phone photo drawn")

    award, edited = render(p, "award"), render(q, "award")  # one layout, one seal: a copy
    co = render(q, "co-awardee", layout=award.layout)
    return {
        "p": p, "q": q, "award": award, "edited": edited, "co": co,
        "flat": scan(award, "s1", "clean", False),
        "mounted": scan(award, "s2", "ordinary", True),
        "edited_mounted": scan(edited, "s3", "ordinary", True),
        "edited_phone": phone_photo(edited),
        "co_scan": scan(co, "s4", "ordinary", False),
    }  # fmt: skip


def _scanned(aid: str, file: str, img: np.ndarray, fields: dict, boxes: dict, hashes=None):
    """PacketFile and PageReading of one scanned page, with its size and field boxes (a field
    missing from `boxes` has none)."""
    import hashlib

    from pipelines.stages import page_hashes

    ph, dh = hashes or page_hashes(img)
    doc = DocumentReading(
        file=file, page=1, doc_type=DocType.award_certificate, confidence=0.95,
        fields={k: ExtractedField(key=k, value=v, raw=v, confidence=0.95,
                                  evidence=Evidence(file=file, page=1, bbox=boxes.get(k)))
                for k, v in fields.items() if v},
    )  # fmt: skip
    blob = img.tobytes()
    pf = PacketFile(file=file, sha256=hashlib.sha256(blob).hexdigest(), size=len(blob),
                    documents=[doc], page_count=1, pages_read=1)  # fmt: skip
    pr = PageReading(file=file, page=1, documents=[doc], phash=ph, dhash=dh,
                     width=float(img.shape[1]), height=float(img.shape[0]))  # fmt: skip
    return aid, pf, pr, img


def _batch(*scanned):
    files = {aid: [pf] for aid, pf, _, _ in scanned}
    pages = {(pf.file, 1): pr for _, pf, pr, _ in scanned}
    images = {pf.file: img for _, pf, _, img in scanned}
    return files, pages, lambda file, page: images.get(file) if page == 1 else None


def _distance(x: str, y: str) -> int:
    return (int(x, 16) ^ int(y, 16)).bit_count()


def test_alignment_tells_rescans_edits_and_co_awardees_apart(mounted):
    from matchers.imagematch import compare_images

    flat, truth = mounted["flat"]
    h, w = flat.shape[:2]
    name = truth.field_boxes["name"]
    name_line = [(name[0] / w, name[1] / h, name[2] / w, name[3] / h)]
    rescan = compare_images(flat, mounted["mounted"][0])
    assert rescan is not None and rescan.same_image and rescan.differing_share < 0.05
    for key in ("edited_mounted", "edited_phone"):
        al = compare_images(flat, mounted[key][0], ignore_a=name_line)
        assert al is not None and al.same_image, key
        # what differs lies on the name's line
        assert al.regions_a and all(r[1] < name_line[0][3] and name_line[0][1] < r[3]
                                    for r in al.regions_a[:1]), key  # fmt: skip
        assert compare_images(flat, mounted[key][0]).differing > al.differing
    co = compare_images(flat, mounted["co_scan"][0], ignore_a=name_line)
    assert not co.same_image and co.different_image


def test_mounted_name_edited_copy_is_duplicate_evidence_and_tamper(mounted):
    flat, t1 = mounted["flat"]
    copy, t2 = mounted["edited_mounted"]
    a = _scanned("A", "packets/A/award.jpg", flat, _f(mounted["award"]), t1.field_boxes)
    b = _scanned("B", "packets/B/荣誉证书.jpg", copy, _f(mounted["edited"]), t2.field_boxes)
    assert _distance(a[2].phash, b[2].phash) > 80  # whole-page hashes lose the mounted copy
    files, pages, images = _batch(a, b)
    assert find_duplicate_evidence(files, pages) == []  # without the images: not found
    (g,) = find_duplicate_evidence(files, pages, images=images)
    assert g.files == ["packets/A/award.jpg", "packets/B/荣誉证书.jpg"]
    assert any("same image after alignment" in r for r in g.reasons)
    assert any("edited copy" in r for r in g.reasons)
    assert any("only on the holder's lines, the name among them" in r for r in g.reasons)
    flags = tamper_flags(files, pages, images=images)
    assert set(flags) == {"A", "B"}
    (fa,) = flags["A"]
    assert fa.field == "name" and fa.evidence[0].bbox == tuple(t1.field_boxes["name"])
    assert "packets/B/荣誉证书.jpg" in fa.message
    assert flags["B"][0].evidence[0].bbox == tuple(t2.field_boxes["name"])


def test_phone_photo_of_an_edited_copy_is_found(mounted):
    flat, t1 = mounted["flat"]
    photo, _ = mounted["edited_phone"]
    a = _scanned("A", "packets/A/award.jpg", flat, _f(mounted["award"]), t1.field_boxes)
    # a phone's OCR gives the name without a box: the flag points at where the images differ
    b = _scanned("B", "packets/B/IMG_0001.jpg", photo, _f(mounted["edited"]), {})
    files, pages, images = _batch(a, b)
    flags = tamper_flags(files, pages, images=images)
    assert set(flags) == {"A", "B"}
    x0, y0, x1, y1 = flags["B"][0].evidence[0].bbox
    assert 0 <= x0 < x1 <= photo.shape[1] and 0 <= y0 < y1 <= photo.shape[0]


def test_same_holder_mounted_rescan_without_issue_date_needs_alignment(mounted):
    flat, t1 = mounted["flat"]
    again, t2 = mounted["mounted"]
    fields = {k: v for k, v in _f(mounted["award"]).items() if k != "issue_date"}
    a = _scanned("A", "packets/A/award.jpg", flat, fields, t1.field_boxes)
    b = _scanned("B", "packets/B/award.jpg", again, fields, t2.field_boxes)
    files, pages, images = _batch(a, b)
    assert find_duplicate_evidence(files, pages) == []
    (g,) = find_duplicate_evidence(files, pages, images=images)
    assert any("same image after alignment" in r for r in g.reasons)
    assert tamper_flags(files, pages, images=images) == {}


def test_co_awardees_alignment_overrides_a_loose_hash_similarity(mounted):
    flat, t1 = mounted["flat"]
    other, t2 = mounted["co_scan"]
    assert {k: v for k, v in _f(mounted["award"]).items() if k != "name"} == {
        k: v for k, v in _f(mounted["co"]).items() if k != "name"
    }
    h = "f" * 64
    near_h = "0" * 11 + "f" * 53  # 44 bits away: "similar" by the hashes alone
    a = _scanned("A", "packets/A/award.jpg", flat, _f(mounted["award"]), t1.field_boxes, (h, h))
    b = _scanned("B", "packets/B/award.jpg", other, _f(mounted["co"]), t2.field_boxes,
                 (near_h, near_h))  # fmt: skip
    files, pages, images = _batch(a, b)
    assert len(find_duplicate_evidence(files, pages)) == 1  # the hashes alone would link them
    assert find_duplicate_evidence(files, pages, images=images) == []
    assert tamper_flags(files, pages, images=images) == {}


def test_page_images_loads_the_page_upright(tmp_path):
    from PIL import Image

    from extractors.ocr.base import rotate_image
    from pipelines.stages import PageImages

    page = np.zeros((40, 60, 3), np.uint8)
    page[:10, :20] = 255
    turned = rotate_image(page, 90)  # stored turned; read with a 270° turn to upright
    (tmp_path / "packets" / "A").mkdir(parents=True)
    Image.fromarray(turned).save(tmp_path / "packets" / "A" / "x.png")
    reading = PageReading(file="packets/A/x.png", page=1, rotation=270)
    images = PageImages(tmp_path, {("packets/A/x.png", 1): reading})
    assert np.array_equal(images("packets/A/x.png", 1), page)
    assert images("packets/A/missing.png", 1) is None and images.loaded == 1


@pytest.mark.parametrize(
    ("names", "ethnicity", "seed", "turned"),
    [
        # a shorter name pulls the award onto the name's line: the paragraph re-wraps
        (("阿卜杜热西提·阿不都热合曼", "萨仁"), "维吾尔族", "r2", 0),
        # seed 55 of the bench: one RANSAC fit over all keypoints sheared the page to line up
        # the moved text; only the fit grown from a similarity lines the sheet up
        (("萨仁", "万志强"), "汉族", "r6", 180),
    ],
)
def test_name_edit_that_moves_text_is_still_an_edited_copy(names, ethnicity, seed, turned):
    import dataclasses

    from extractors.ocr.base import rotate_image
    from synth.documents import RENDERERS
    from synth.generate import scan_page
    from synth.people import make_person

    base = make_person(random.Random(1), ethnicity=ethnicity, gender="男")
    facts = {"kind": "honour", "issue_date": "2019-04-19", "award_name": "自治区技术能手",
             "issuer": "新疆维吾尔自治区人力资源和社会保障厅", "award_level": "省级",
             "award_year": "2019"}  # fmt: skip
    docs = [
        RENDERERS["award_certificate"](
            dataclasses.replace(base, name=n), random.Random(seed), name=n, **facts
        )
        for n in names
    ]
    scans = []
    for doc, scan_seed, difficulty, rot in ((docs[0], "a2", "ordinary", turned),
                                            (docs[1], "b2", "clean", 0)):  # fmt: skip
        img, truth = scan_page(
            doc, random.Random(scan_seed), file="x.jpg", page=1, doc_type="award_certificate",
            fmt="jpg", difficulty=difficulty, rotation=rot, mounted=False, text_layer=None,
            dpi=None, person={},
        )  # fmt: skip
        upright = rotate_image(np.asarray(img.convert("RGB")), (360 - rot) % 360)
        h, w = upright.shape[:2]
        boxes = {k: ((w - b[2], h - b[3], w - b[0], h - b[1]) if rot == 180 else tuple(b))
                 for k, b in truth.field_boxes.items()}  # fmt: skip
        scans.append((upright, boxes))
    a = _scanned("A", "packets/A/award.jpg", scans[0][0], _f(docs[0]), scans[0][1])
    b = _scanned("B", "packets/B/award.jpg", scans[1][0], _f(docs[1]), scans[1][1],
                 hashes=("0" * 64, "0" * 64))  # fmt: skip  # far from A's: alignment decides
    files, pages, images = _batch(a, b)
    (g,) = find_duplicate_evidence(files, pages, images=images)
    assert any("only on the holder's lines" in r for r in g.reasons)
    assert set(tamper_flags(files, pages, images=images)) == {"A", "B"}


def test_letters_from_one_template_for_two_people_are_two_documents() -> None:
    """Two 在职证明 a unit printed from one template (pHash 22/256 apart) for two people:
    not the same evidence; the same letter in two packets still is."""
    rng = random.Random(13)
    ph = rng.getrandbits(256)
    dh = rng.getrandbits(256)

    def flip(h: int, n: int) -> str:
        for bit in rng.sample(range(256), n):
            h ^= 1 << bit
        return f"{h:064x}"

    def letter(app: str, id_number: str, phash: str, dhash: str):
        from extractors.fields import extract_fields
        from tests.test_fields import page

        file = f"packets/{app}/在职证明.jpg"
        text = page(
            ("在职证明", (984, 726, 1496, 835)),
            (f"亚森·奥斯曼（身份证号：{id_number}），男，自", (391, 1024, 2140, 1093)),
            ("2008年2月起在我公司动力分厂工作至今。特此证明。", (265, 1147, 2212, 1212)),
            ("中国石油新疆油田分公司", (1349, 1805, 2052, 1870)),
        )  # what the reader finds on it: whose letter it is
        doc = DocumentReading(file=file, page=1, doc_type=DocType.other, confidence=0.9,
                              fields=extract_fields(text, DocType.other))  # fmt: skip
        pf = PacketFile(file=file, sha256=f"{hash((app, id_number)) & 0xFFFFFFFF:064x}",
                        size=1, documents=[doc], page_count=1, pages_read=1)  # fmt: skip
        return pf, PageReading(file=file, page=1, documents=[doc], phash=phash, dhash=dhash)

    a = letter("A1", "650102198503120011", f"{ph:064x}", f"{dh:064x}")
    b = letter("A2", "650102199001010022", flip(ph, 22), flip(dh, 40))
    c = letter("A3", "650102198503120011", flip(ph, 20), flip(dh, 30))
    files = {"A1": [a[0]], "A2": [b[0]], "A3": [c[0]]}
    pages = {(pf.file, 1): pr for pf, pr in (a, b, c)}
    groups = find_duplicate_evidence(files, pages)
    assert [sorted(g.applicant_ids) for g in groups] == [["A1", "A3"]]
