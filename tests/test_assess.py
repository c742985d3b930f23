"""assess_applicant: hand-built packets against declared rows, asserting on the real verdict.

Each fault scenario starts from a clean applicant, changes one thing, and expects exactly
one flag code (batch-contract.md "Flag codes"); variants of the same fact must not flag,
and doubtful readings must give needs_review, never a flag. Rule boundaries are in
test_rules.py; here the rules are only exercised through whole applicants.
"""

from __future__ import annotations

import random
import re
from datetime import date
from typing import Any

import pytest

from extractors.validators import id_check_char, validate_id_number
from matchers.assess import assess_applicant
from models.declared import Applicant, DeclaredAward
from models.document import DocType, DocumentReading, Evidence, ExtractedField, PageFailure
from models.evidence import PacketFile
from models.results import ApplicantResult, Flag, FlagCode, Severity, Status

AS_OF = date(2025, 6, 1)
APP_ID = "XJ2025-0001"
DIR = f"packets/{APP_ID}"
BBOX = (10.0, 10.0, 100.0, 40.0)
CJK = re.compile("[\u4e00-\u9fff]")

# ---------------------------------------------------------------- builders


def make_id(prefix6: str = "650102", birth: str = "19850312", seq: int = 11) -> str:
    """A valid 18-digit ID number (GB 11643 check character computed)."""
    first17 = f"{prefix6}{birth}{seq:03d}"
    return first17 + id_check_char(first17)


def with_digit(id_number: str, pos: int, *, fix_check: bool) -> str:
    """The number with one body digit changed; the check character recomputed or kept."""
    d = str((int(id_number[pos]) + 1) % 10)
    body = id_number[:pos] + d + id_number[pos + 1 : 17]
    return body + (id_check_char(body) if fix_check else id_number[17])


def bad_check(id_number: str) -> str:
    """The number with a wrong check character."""
    wrong = next(c for c in "0123456789X" if c != id_number[17])
    return id_number[:17] + wrong


ID = make_id()  # 乌鲁木齐市天山区, 1985-03-12, male
SOUTH_ID = make_id("653101", "19850312", 11)  # 喀什市
NAME = "张伟"

# 22-character 职业技能等级证书 numbers: S + 0000 + 65 + site + yy + level digit + serial.
CERT22_L1 = "S000065000123211000456"  # 2021, level 1 = 高级技师
CERT22_L2 = "S000065000123212000457"  # 2021, level 2 = 技师
CERT22_L3 = "S000065000123213000458"  # 2021, level 3 = 高级工
# 16-digit 职业资格证书 numbers: yy 65 prefecture orgtype orgserial level serial.
CERT16_L1 = "1565010001100123"  # 2015, 新疆 01, level 1 = 高级技师
CERT16_L2 = "1565010001200123"  # 2015, level 2 = 技师
ISSUER_XJ = "新疆维吾尔自治区职业技能鉴定指导中心"


def field(
    key: str,
    value: str,
    conf: float = 0.95,
    file: str = f"{DIR}/doc.jpg",
    page: int = 1,
    bbox: tuple[float, float, float, float] = BBOX,
) -> ExtractedField:
    return ExtractedField(
        key=key,
        value=value,
        raw=value,
        confidence=conf,
        evidence=Evidence(file=file, page=page, bbox=bbox),
    )


def doc(
    doc_type: DocType,
    *,
    file: str | None = None,
    page: int = 1,
    conf: float = 0.95,
    **fields: str | ExtractedField | None,
) -> DocumentReading:
    """A document; plain string values become fields on this file/page (None: not read)."""
    file = file or f"{DIR}/{doc_type.value}.jpg"
    built: dict[str, ExtractedField] = {}
    for i, (key, value) in enumerate(fields.items()):
        if value is None:
            continue
        if isinstance(value, ExtractedField):
            built[key] = value
        else:
            bbox = (10.0, 10.0 + 40 * i, 400.0, 40.0 + 40 * i)
            built[key] = field(key, value, conf, file=file, page=page, bbox=bbox)
    return DocumentReading(
        file=file,
        page=page,
        doc_type=doc_type,
        doc_type_confidence=0.95,
        fields=built,
        confidence=conf,
    )


def packet(*docs: DocumentReading, **kw: Any) -> PacketFile:
    """One readable file holding `docs` (all on the same file)."""
    files = {d.file for d in docs}
    assert len(files) <= 1, files
    file = kw.pop("file", None) or next(iter(files))
    pages = max((d.page for d in docs), default=1)
    kw.setdefault("page_count", pages)
    kw.setdefault("pages_read", pages)
    return PacketFile(file=file, sha256="0" * 64, size=12345, documents=list(docs), **kw)


# ---------------------------------------------------------------- documents of one person


def id_card(
    name: str | ExtractedField = NAME, id_number: str | ExtractedField = ID, **kw: Any
) -> DocumentReading:
    number = id_number.value if isinstance(id_number, ExtractedField) else id_number
    info = validate_id_number(number, today=AS_OF)
    kw.setdefault("file", f"{DIR}/id.jpg")
    return doc(
        DocType.id_card,
        name=name,
        gender=info.sex or "男",
        ethnicity="汉",
        birth_date=info.birth_date or "1985-03-12",
        id_number=id_number,
        **kw,
    )


def skill_cert(
    level: str | None = "高级技师",
    cert_no: str | None = CERT22_L1,
    name: str = NAME,
    id_number: str | None = ID,
    issue_date: str = "2021-06-30",
    **kw: Any,
) -> DocumentReading:
    kw.setdefault("file", f"{DIR}/skill.jpg")
    return doc(
        DocType.skill_certificate,
        name=name,
        id_number=id_number,
        occupation="焊工",
        skill_level=level,
        cert_no=cert_no,
        issue_date=issue_date,
        issuer=ISSUER_XJ,
        **kw,
    )


def title_cert(
    title: str = "工程师",
    level: str | None = "中级",
    name: str = NAME,
    issue_date: str = "2016-12-30",
    **kw: Any,
) -> DocumentReading:
    kw.setdefault("file", f"{DIR}/title.jpg")
    return doc(
        DocType.title_certificate,
        name=name,
        title=title,
        title_level=level,
        issue_date=issue_date,
        issuer="新疆维吾尔自治区人力资源和社会保障厅",
        **kw,
    )


def edu_cert(
    education: str = "本科", name: str = NAME, issue_date: str = "2008-06-30", **kw: Any
) -> DocumentReading:
    kw.setdefault("file", f"{DIR}/edu.jpg")
    return doc(
        DocType.education_certificate,
        name=name,
        education=education,
        school="新疆大学",
        issue_date=issue_date,
        **kw,
    )


AWARD_NAME = "新疆维吾尔自治区技术能手"
CONTEST_NAME = "第二届新疆维吾尔自治区职业技能大赛焊工项目"


def award_cert(
    award_name: str = AWARD_NAME,
    level: str | None = "省级",
    rank: str | None = None,
    issue_date: str = "2022-12-20",
    name: str = NAME,
    **kw: Any,
) -> DocumentReading:
    kw.setdefault("file", f"{DIR}/award.jpg")
    return doc(
        DocType.award_certificate,
        name=name,
        award_name=award_name,
        award_level=level,
        award_rank=rank,
        issue_date=issue_date,
        issuer="新疆维吾尔自治区人力资源和社会保障厅",
        **kw,
    )


def declared_award(
    award_name: str = AWARD_NAME,
    level: str | None = "省级",
    rank: str | None = None,
    year: str | None = "2022",
) -> DeclaredAward:
    return DeclaredAward(
        applicant_id=APP_ID,
        award_name=award_name,
        issuer="新疆维吾尔自治区人力资源和社会保障厅",
        award_level=level,
        award_rank=rank,
        award_year=year,
        row=2,
    )


def applicant(**kw: Any) -> Applicant:
    """A 新疆工匠 applicant in 乌鲁木齐 (not 南疆), 高级技师, 工程师, one provincial award."""
    base: dict[str, Any] = dict(
        applicant_id=APP_ID,
        program="新疆工匠",
        name=NAME,
        gender="男",
        ethnicity="汉族",
        id_number=ID,
        birth_date="1985-03-12",
        work_unit="新疆某某机械制造有限公司",
        prefecture="乌鲁木齐市",
        occupation="焊工",
        skill_level="高级技师",
        title="工程师",
        title_level="中级",
        awards=[declared_award()],
        row=2,
    )
    base.update(kw)
    return Applicant(**base)


def south_applicant(**kw: Any) -> Applicant:
    """The same person registered and working in 喀什 (技师 suffices for XJGJ-LEVEL)."""
    kw.setdefault("prefecture", "喀什地区")
    kw.setdefault("work_unit", "喀什某某机械制造有限公司")
    kw.setdefault("id_number", SOUTH_ID)
    return applicant(**kw)


def clean_docs(**replace: DocumentReading | None) -> list[DocumentReading]:
    """The clean packet's documents by role; pass a role to replace (None: leave it out)."""
    docs: dict[str, DocumentReading | None] = {
        "id": id_card(),
        "skill": skill_cert(),
        "title": title_cert(),
        "award": award_cert(),
    }
    docs.update(replace)
    return [d for d in docs.values() if d is not None]


def south_docs(**replace: DocumentReading | None) -> list[DocumentReading]:
    """The clean packet of south_applicant (ID card and certificate carry SOUTH_ID)."""
    replace.setdefault("id", id_card(id_number=SOUTH_ID))
    replace.setdefault("skill", skill_cert(id_number=SOUTH_ID))
    return clean_docs(**replace)


def packets(docs: list[DocumentReading]) -> list[PacketFile]:
    """One file per document (documents on the same file share it)."""
    by_file: dict[str, list[DocumentReading]] = {}
    for d in docs:
        by_file.setdefault(d.file, []).append(d)
    return [packet(*ds) for ds in by_file.values()]


def assess(a: Applicant, files: list[PacketFile]) -> ApplicantResult:
    return assess_applicant(a, files, as_of=AS_OF)


# ---------------------------------------------------------------- assertions


def codes(r: ApplicantResult) -> list[FlagCode]:
    return [f.code for f in r.flags]


def check_flag(f: Flag, *, with_evidence: bool = True) -> None:
    """What every flag must carry: a Chinese message, the comparison, where it came from."""
    assert f.message.strip() and CJK.search(f.message), f.message
    assert f.reasons and all(r.strip() for r in f.reasons), f
    if with_evidence:
        assert f.evidence, f
        for ev in f.evidence:
            assert ev.file.startswith(DIR + "/") and ev.page >= 1, ev


def only_flag(r: ApplicantResult, code: FlagCode, *, with_evidence: bool = True) -> Flag:
    """Exactly one flag, of `code`; status flagged."""
    assert codes(r) == [code], [(f.code, f.message) for f in r.flags]
    assert r.status is Status.flagged
    f = r.flags[0]
    check_flag(f, with_evidence=with_evidence)
    return f


def assert_clear(r: ApplicantResult) -> None:
    assert r.flags == [], [(f.code, f.message) for f in r.flags]
    assert r.review_reasons == []
    assert r.status is Status.clear


def assert_review(r: ApplicantResult, *needles: str) -> None:
    """No flag, status needs_review, and a Chinese reason naming each needle."""
    assert r.flags == [], [(f.code, f.message) for f in r.flags]
    assert r.status is Status.needs_review
    assert r.review_reasons and all(CJK.search(x) for x in r.review_reasons)
    text = "\n".join(r.review_reasons)
    for n in needles:
        assert n in text, (n, r.review_reasons)


# ---------------------------------------------------------------- clean applicant


def test_clean_applicant_is_clear_with_documents_in_file_page_order() -> None:
    skill_p1 = skill_cert(file=f"{DIR}/skill.pdf", page=1)
    other_p2 = doc(DocType.other, file=f"{DIR}/skill.pdf", page=2, issuer="某某公司")
    files = [
        packet(title_cert()),
        packet(skill_p1, other_p2),
        packet(id_card()),
        packet(award_cert()),
    ]
    r = assess(applicant(), files)
    assert_clear(r)
    assert r.applicant_id == APP_ID and r.program == "新疆工匠" and r.name == NAME
    assert [(d.file, d.page, d.doc_type) for d in r.documents] == [
        (f"{DIR}/award.jpg", 1, DocType.award_certificate),
        (f"{DIR}/id.jpg", 1, DocType.id_card),
        (f"{DIR}/skill.pdf", 1, DocType.skill_certificate),
        (f"{DIR}/skill.pdf", 2, DocType.other),
        (f"{DIR}/title.jpg", 1, DocType.title_certificate),
    ]
    skill = r.documents[2]
    assert skill.fields["skill_level"] == "高级技师"
    assert skill.fields["cert_no"] == CERT22_L1
    assert skill.confidence == pytest.approx(0.95)


def test_clean_south_and_minority_baselines_are_clear() -> None:
    # The fixtures the fault tests start from must themselves be clean.
    assert_clear(assess(south_applicant(), packets(south_docs())))
    assert_clear(assess(mb_applicant(), packets(mb_docs())))


# ---------------------------------------------------------------- identity


def test_name_mismatch_on_certificate() -> None:
    docs = clean_docs(skill=skill_cert(name="李强"))
    f = only_flag(assess(applicant(), packets(docs)), FlagCode.NAME_MISMATCH)
    assert f.severity is Severity.high
    assert (f.field, f.declared, f.found) == ("name", NAME, "李强")
    assert f.evidence[0].file == f"{DIR}/skill.jpg" and f.evidence[0].bbox is not None


def test_han_name_one_character_apart_is_another_person() -> None:
    docs = clean_docs(award=award_cert(name="张玮"))
    f = only_flag(assess(applicant(), packets(docs)), FlagCode.NAME_MISMATCH)
    assert f.found == "张玮" and f.evidence[0].file == f"{DIR}/award.jpg"


def test_id_mismatch_on_id_card() -> None:
    other = make_id(seq=13)
    assert validate_id_number(other).valid and other != ID
    docs = clean_docs(id=id_card(id_number=other))
    f = only_flag(assess(applicant(), packets(docs)), FlagCode.ID_MISMATCH)
    assert f.severity is Severity.high
    assert (f.field, f.declared, f.found) == ("id_number", ID, other)
    assert f.evidence[0].file == f"{DIR}/id.jpg" and f.evidence[0].bbox is not None


def test_id_invalid_declared_check_digit_card_shows_right_one() -> None:
    declared = bad_check(ID)
    assert not validate_id_number(declared).valid
    f = only_flag(assess(applicant(id_number=declared), packets(clean_docs())), FlagCode.ID_INVALID)
    assert f.severity is Severity.high
    assert (f.field, f.declared, f.found) == ("id_number", declared, ID)
    assert f.evidence[0].file == f"{DIR}/id.jpg"
    assert "校验" in f.message


def test_birthdate_mismatch_with_id_number() -> None:
    r = assess(applicant(birth_date="1985-04-12"), packets(clean_docs()))
    f = only_flag(r, FlagCode.BIRTHDATE_MISMATCH, with_evidence=False)
    assert (f.field, f.declared, f.found) == ("birth_date", "1985-04-12", "1985-03-12")


def test_birthdate_month_only_declared() -> None:
    assert_clear(assess(applicant(birth_date="1985-03"), packets(clean_docs())))
    r = assess(applicant(birth_date="1985-04"), packets(clean_docs()))
    f = only_flag(r, FlagCode.BIRTHDATE_MISMATCH, with_evidence=False)
    assert f.declared == "1985-04" and f.found is not None and f.found.startswith("1985-03")


# ---------------------------------------------------------------- levels


def test_skill_level_overclaim() -> None:
    # In 南疆 技师 meets XJGJ-LEVEL, so only the overclaim itself is flagged.
    docs = south_docs(skill=skill_cert(level="技师", cert_no=CERT22_L2, id_number=SOUTH_ID))
    f = only_flag(assess(south_applicant(), packets(docs)), FlagCode.LEVEL_OVERCLAIM)
    assert f.severity is Severity.high
    assert (f.field, f.declared, f.found) == ("skill_level", "高级技师", "技师")
    assert f.evidence[0].file == f"{DIR}/skill.jpg" and f.evidence[0].bbox is not None


def test_title_level_overclaim() -> None:
    a = applicant(title="高级工程师", title_level="副高级")
    f = only_flag(assess(a, packets(clean_docs())), FlagCode.LEVEL_OVERCLAIM)
    assert (f.field, f.declared, f.found) == ("title_level", "高级工程师", "中级")
    assert f.evidence[0].file == f"{DIR}/title.jpg"


def test_education_overclaim() -> None:
    docs = clean_docs(edu=edu_cert("大专"))
    f = only_flag(assess(applicant(education="本科"), packets(docs)), FlagCode.LEVEL_OVERCLAIM)
    assert (f.field, f.declared, f.found) == ("education", "本科", "大专")
    assert f.evidence[0].file == f"{DIR}/edu.jpg"


def test_missing_education_certificate() -> None:
    r = assess(applicant(education="本科"), packets(clean_docs()))
    f = only_flag(r, FlagCode.MISSING_EVIDENCE, with_evidence=False)
    assert f.severity is Severity.medium
    assert (f.field, f.declared) == ("education", "本科")


def test_missing_title_certificate() -> None:
    r = assess(applicant(), packets(clean_docs(title=None)))
    f = only_flag(r, FlagCode.MISSING_EVIDENCE, with_evidence=False)
    assert (f.field, f.declared) == ("title", "工程师")


def test_no_title_declared_needs_no_title_certificate() -> None:
    a = applicant(title=None, title_level=None)
    assert_clear(assess(a, packets(clean_docs(title=None))))


def test_several_skill_certificates_best_one_counts() -> None:
    lower = skill_cert(level="高级工", cert_no=CERT22_L3, file=f"{DIR}/skill_old.jpg")
    r = assess(applicant(), packets([*clean_docs(), lower]))
    assert_clear(r)
    assert len([d for d in r.documents if d.doc_type is DocType.skill_certificate]) == 2


def test_declared_level_lower_than_evidence() -> None:
    a = applicant(skill_level="技师", title="助理工程师", title_level="初级", education="大专")
    docs = clean_docs(edu=edu_cert("本科"))
    assert_clear(assess(a, packets(docs)))


# ---------------------------------------------------------------- awards


def test_award_unsupported() -> None:
    extra = declared_award("全国五一劳动奖章", level="国家级", year="2023")
    a = applicant(awards=[declared_award(), extra])
    f = only_flag(assess(a, packets(clean_docs())), FlagCode.AWARD_UNSUPPORTED, with_evidence=False)
    assert (f.field, f.declared) == ("award_name", "全国五一劳动奖章")
    assert "全国五一劳动奖章" in f.message


def test_award_unsupported_without_any_award_certificate() -> None:
    r = assess(applicant(), packets(clean_docs(award=None)))
    f = only_flag(r, FlagCode.AWARD_UNSUPPORTED, with_evidence=False)
    assert f.declared == AWARD_NAME


def test_award_on_a_page_of_unknown_type_is_for_a_reviewer() -> None:
    """A poor scan the classifier could not place may be the award: review, not a flag."""
    unplaced = doc(DocType.other, file=f"{DIR}/奖状1.jpg").model_copy(
        update={"doc_type_confidence": 0.6}
    )
    r = assess(applicant(), packets(clean_docs(award=None) + [unplaced]))
    assert r.flags == [], [(f.code, f.message) for f in r.flags]
    assert r.status is Status.needs_review
    (reason,) = r.review_reasons
    assert AWARD_NAME in reason and "奖状1.jpg" in reason


def test_a_placed_non_certificate_page_does_not_excuse_a_missing_award() -> None:
    form = doc(DocType.other, file=f"{DIR}/申报表.pdf").model_copy(
        update={"doc_type_confidence": 0.93}
    )
    r = assess(applicant(), packets(clean_docs(award=None) + [form]))
    only_flag(r, FlagCode.AWARD_UNSUPPORTED, with_evidence=False)


@pytest.mark.parametrize(
    ("decl", "cert", "key", "declared", "found"),
    [
        (
            declared_award(level="国家级"),
            award_cert(level="省级"),
            "award_level",
            "国家级",
            "省级",
        ),
        (
            declared_award(CONTEST_NAME, rank="一等奖", year="2023"),
            award_cert(CONTEST_NAME, rank="二等奖", issue_date="2023-09-15"),
            "award_rank",
            "一等奖",
            "二等奖",
        ),
        (
            declared_award(year="2019"),
            award_cert(issue_date="2022-12-20"),
            "award_year",
            "2019",
            "2022",
        ),
        (
            declared_award(year="2020"),
            award_cert(issue_date="2022-12-20"),
            "award_year",
            "2020",
            "2022",
        ),
    ],
    ids=["level", "rank", "year-3-apart", "year-2-apart"],
)
def test_award_mismatch(
    decl: DeclaredAward, cert: DocumentReading, key: str, declared: str, found: str
) -> None:
    r = assess(applicant(awards=[decl]), packets(clean_docs(award=cert)))
    f = only_flag(r, FlagCode.AWARD_MISMATCH)
    assert (f.field, f.declared, f.found) == (key, declared, found)
    assert f.evidence[0].file == f"{DIR}/award.jpg"


@pytest.mark.parametrize("year", ["2021", "2022", "2023"])
def test_award_year_one_apart_is_the_same_award(year: str) -> None:
    r = assess(applicant(awards=[declared_award(year=year)]), packets(clean_docs()))
    assert_clear(r)


# ---------------------------------------------------------------- certificate numbers


@pytest.mark.parametrize(
    ("cert_no", "printed"),
    [(CERT16_L2, "高级技师"), (CERT22_L3, "高级技师")],
    ids=["16-digit", "22-char"],
)
def test_cert_no_level_digit_contradicts_printed_level(cert_no: str, printed: str) -> None:
    issued = "2015-06-30" if len(cert_no) == 16 else "2021-06-30"
    docs = clean_docs(skill=skill_cert(level=printed, cert_no=cert_no, issue_date=issued))
    f = only_flag(assess(applicant(), packets(docs)), FlagCode.CERT_NO_INCONSISTENT)
    assert f.severity is Severity.high
    assert (f.field, f.found) == ("cert_no", cert_no)
    assert "check=level" in f.reasons
    assert f.evidence[0].file == f"{DIR}/skill.jpg" and f.evidence[0].bbox is not None


@pytest.mark.parametrize(
    ("cert_no", "issued"),
    [(CERT16_L1, "2015-06-30"), (CERT22_L1, "2021-06-30")],
    ids=["16-digit", "22-char"],
)
def test_cert_no_consistent(cert_no: str, issued: str) -> None:
    docs = clean_docs(skill=skill_cert(cert_no=cert_no, issue_date=issued))
    assert_clear(assess(applicant(), packets(docs)))


def test_another_autonomous_region_is_not_xinjiang() -> None:
    """A Guangxi certificate's province digits (45) are not checked against Xinjiang (65)."""
    cert = skill_cert(cert_no="S000045000123211000456")
    cert.fields["issuer"] = cert.fields["issuer"].model_copy(
        update={"value": "广西壮族自治区职业技能鉴定指导中心"}
    )
    assert_clear(assess(applicant(), packets(clean_docs(skill=cert))))


# ---------------------------------------------------------------- program rules

MB_NAME = "阿依古丽·买买提"
MB_ID = make_id("653101", "19900512", 26)  # 喀什市, female


def mb_applicant(**kw: Any) -> Applicant:
    base: dict[str, Any] = dict(
        applicant_id=APP_ID,
        program="少数民族科技骨干特殊培养",
        name=MB_NAME,
        gender="女",
        ethnicity="维吾尔族",
        id_number=MB_ID,
        birth_date="1990-05-12",
        work_unit="喀什地区农业技术推广中心",
        prefecture="喀什地区",
        title="农艺师",
        title_level="中级",
        education="本科",
    )
    base.update(kw)
    return Applicant(**base)


def mb_docs(title_issued: str = "2020-12-30") -> list[DocumentReading]:
    return [
        id_card(MB_NAME, MB_ID),
        edu_cert("本科", name=MB_NAME, issue_date="2012-06-30"),
        title_cert("农艺师", "中级", name=MB_NAME, issue_date=title_issued),
    ]


def test_date_after_deadline() -> None:
    r = assess(mb_applicant(), packets(mb_docs(title_issued="2025-03-10")))
    f = only_flag(r, FlagCode.DATE_AFTER_DEADLINE)
    assert f.rule == "MB-DEADLINE" and "MB-DEADLINE" in f.message
    assert (f.field, f.found) == ("issue_date", "2025-03-10")
    assert f.evidence[0].file == f"{DIR}/title.jpg"


def test_ineligible_xjgj_level_outside_south() -> None:
    a = applicant(skill_level="技师")
    docs = clean_docs(skill=skill_cert(level="技师", cert_no=CERT22_L2))
    f = only_flag(assess(a, packets(docs)), FlagCode.INELIGIBLE, with_evidence=False)
    assert f.severity is Severity.high
    assert f.rule == "XJGJ-LEVEL" and "XJGJ-LEVEL" in f.message
    assert (f.field, f.found) == ("skill_level", "技师")


def test_same_level_in_south_is_eligible() -> None:
    docs = south_docs(skill=skill_cert(level="技师", cert_no=CERT22_L2, id_number=SOUTH_ID))
    assert_clear(assess(south_applicant(skill_level="技师"), packets(docs)))


# ---------------------------------------------------------------- unreadable files


def test_unreadable_file() -> None:
    broken = PacketFile(
        file=f"{DIR}/broken.pdf",
        error_code="pdf_corrupt",
        reason_zh="PDF文件已损坏，无法打开",
        detail="xref table broken",
    )
    r = assess(applicant(), [*packets(clean_docs()), broken])
    f = only_flag(r, FlagCode.UNREADABLE_DOCUMENT)
    assert f.evidence[0].file == f"{DIR}/broken.pdf"
    assert "broken.pdf" in f.message and "损坏" in f.message
    assert any("pdf_corrupt" in x for x in f.reasons)


def test_unreadable_page() -> None:
    skill = skill_cert(file=f"{DIR}/skill.pdf", page=1)
    pf = packet(
        skill,
        page_count=2,
        pages_read=2,
        failures=[PageFailure(page=2, code="ocr_timeout", reason_zh="识别超时")],
    )
    files = [pf, *packets(clean_docs(skill=None))]
    f = only_flag(assess(applicant(), files), FlagCode.UNREADABLE_DOCUMENT)
    assert (f.evidence[0].file, f.evidence[0].page) == (f"{DIR}/skill.pdf", 2)
    assert "识别超时" in f.message


def test_pages_beyond_limit() -> None:
    skill = skill_cert(file=f"{DIR}/skill.pdf", page=1)
    pf = packet(skill, page_count=60, pages_read=50)
    files = [pf, *packets(clean_docs(skill=None))]
    f = only_flag(assess(applicant(), files), FlagCode.UNREADABLE_DOCUMENT)
    assert f.severity is Severity.low
    assert f.evidence[0].file == f"{DIR}/skill.pdf"
    assert "60" in f.message and "50" in f.message


# ---------------------------------------------------------------- spelling variants of a name

MINORITY = "阿不都热合曼·艾则孜"


@pytest.mark.parametrize(
    ("declared", "printed"),
    [
        (MINORITY, "阿不都热合曼•艾则孜"),
        (MINORITY, "阿不都热合曼．艾则孜"),
        (MINORITY, "阿不都热合曼・艾则孜"),
        (MINORITY, "阿不都热合曼 艾则孜"),
        (MINORITY, "阿不都热合曼艾则孜"),
        (MINORITY, "阿不都熱合曼·艾則孜"),
        (NAME, "張偉"),
        ("买买提·吐尔逊·艾买提", "买买提·吐尔逊"),
        ("买买提·吐尔逊", "买买提·吐尔逊·艾买提"),
    ],
    ids=[
        "bullet",
        "fullwidth-stop",
        "katakana-dot",
        "space",
        "dot-missing",
        "traditional-minority",
        "traditional-han",
        "fewer-parts-printed",
        "fewer-parts-declared",
    ],
)
def test_name_variants_do_not_flag(declared: str, printed: str) -> None:
    docs = [
        id_card(name=declared),
        skill_cert(name=printed),
        title_cert(name=printed),
        award_cert(name=printed),
    ]
    r = assess(applicant(name=declared), packets(docs))
    assert_clear(r)


# ---------------------------------------------------------------- doubts, not flags


def test_ocr_lookalike_name_at_low_confidence_needs_review() -> None:
    declared = "陈己东"
    printed = field("name", "陈已东", conf=0.6, file=f"{DIR}/skill.jpg")
    docs = [id_card(name=declared), skill_cert(name=printed), title_cert(name=declared)]
    r = assess(applicant(name=declared, awards=[]), packets(docs))
    assert_review(r, "陈已东")


def test_id_on_document_failing_check_digit_needs_review() -> None:
    garbled = with_digit(ID, 10, fix_check=False)  # a body digit misread
    assert not validate_id_number(garbled).valid
    r = assess(applicant(), packets(clean_docs(skill=skill_cert(id_number=garbled))))
    assert_review(r, garbled)


def test_id_check_character_misread_needs_review() -> None:
    garbled = bad_check(ID)
    r = assess(applicant(), packets(clean_docs(skill=skill_cert(id_number=garbled))))
    assert_review(r, garbled)


def test_one_digit_id_difference_at_low_confidence_failing_check_needs_review() -> None:
    near = with_digit(ID, 15, fix_check=False)
    card = id_card(id_number=field("id_number", near, conf=0.6, file=f"{DIR}/id.jpg"))
    r = assess(applicant(), packets(clean_docs(id=card)))
    assert_review(r, "身份证号码")


def test_one_digit_id_difference_at_low_confidence_needs_review() -> None:
    near = with_digit(ID, 15, fix_check=True)  # body differs in one digit, still valid
    assert validate_id_number(near).valid
    card = id_card(id_number=field("id_number", near, conf=0.6, file=f"{DIR}/id.jpg"))
    r = assess(applicant(), packets(clean_docs(id=card)))
    assert_review(r, "身份证号码")


def test_one_digit_id_difference_at_high_confidence_is_a_mismatch() -> None:
    near = with_digit(ID, 15, fix_check=True)
    card = id_card(id_number=field("id_number", near, conf=0.97, file=f"{DIR}/id.jpg"))
    f = only_flag(assess(applicant(), packets(clean_docs(id=card))), FlagCode.ID_MISMATCH)
    assert f.found == near


def test_skill_level_not_read_needs_review() -> None:
    docs = clean_docs(skill=skill_cert(level=None, cert_no=None))
    r = assess(applicant(), packets(docs))
    assert_review(r, "未能识别")
    assert r.documents and "skill_level" not in r.documents[2].fields


def test_lower_certificate_read_and_another_unread_needs_review() -> None:
    read = skill_cert(level="技师", cert_no=CERT22_L2, id_number=SOUTH_ID)
    unread = skill_cert(level=None, cert_no=None, id_number=SOUTH_ID, file=f"{DIR}/skill2.jpg")
    docs = south_docs(skill=read)
    r = assess(south_applicant(), packets([*docs, unread]))
    assert_review(r, "未能识别")


# ---------------------------------------------------------------- determinism


def _messy() -> tuple[Applicant, list[PacketFile]]:
    """Several flags on several files, so ordering has something to order."""
    a = applicant(
        title="高级工程师",
        title_level="副高级",
        education="本科",
        awards=[declared_award(level="国家级"), declared_award("全国技术能手", "国家级")],
    )
    docs = clean_docs(
        skill=skill_cert(cert_no=CERT22_L3),
        award=award_cert(name="李强"),
    )
    broken = PacketFile(file=f"{DIR}/zz.tif", error_code="decode", reason_zh="图像无法解码")
    return a, [*packets(docs), broken]


def test_messy_applicant_flags_in_code_order() -> None:
    a, files = _messy()
    r = assess(a, files)
    assert r.status is Status.flagged
    assert codes(r) == [
        FlagCode.NAME_MISMATCH,
        FlagCode.LEVEL_OVERCLAIM,
        FlagCode.MISSING_EVIDENCE,
        FlagCode.AWARD_UNSUPPORTED,
        FlagCode.AWARD_MISMATCH,
        FlagCode.CERT_NO_INCONSISTENT,
        FlagCode.UNREADABLE_DOCUMENT,
    ]
    order = list(FlagCode)
    assert codes(r) == sorted(codes(r), key=order.index)
    for f in r.flags:
        check_flag(
            f, with_evidence=f.code not in (FlagCode.MISSING_EVIDENCE, FlagCode.AWARD_UNSUPPORTED)
        )


def test_same_input_twice_gives_identical_json() -> None:
    a, files = _messy()
    first = assess(a, files).model_dump_json()
    second = assess(a.model_copy(deep=True), [f.model_copy(deep=True) for f in files])
    assert second.model_dump_json() == first


def test_result_does_not_depend_on_file_order() -> None:
    a, files = _messy()
    expected = assess(a, files).model_dump_json()
    rng = random.Random(20250601)
    for _ in range(8):
        shuffled = files[:]
        rng.shuffle(shuffled)
        assert assess(a, shuffled).model_dump_json() == expected
    assert assess(a, files[::-1]).model_dump_json() == expected


# ---------------------------------------------------------------- borrowed certificates


def test_a_borrowed_higher_certificate_does_not_cover_an_inflated_level() -> None:
    # Own certificate: 技师; a colleague's 高级技师 certificate is attached to claim 高级技师.
    own = skill_cert(level="技师", cert_no=CERT22_L2, id_number=SOUTH_ID)
    borrowed = skill_cert(name="李强", id_number=None, file=f"{DIR}/skill_2.jpg")
    docs = south_docs(skill=own) + [borrowed]
    r = assess(south_applicant(skill_level="高级技师"), packets(docs))
    assert sorted(codes(r)) == [FlagCode.LEVEL_OVERCLAIM, FlagCode.NAME_MISMATCH]
    over = next(f for f in r.flags if f.code is FlagCode.LEVEL_OVERCLAIM)
    assert over.found == "技师" and over.evidence[0].file == f"{DIR}/skill.jpg"


def test_a_level_on_someone_else_s_certificate_is_not_held_against_the_applicant() -> None:
    # The only skill certificate is another person's (and lower): the name is the finding,
    # not a level the applicant never claimed to hold on it.
    borrowed = skill_cert(name="李强", level="高级工", cert_no=CERT22_L3, id_number=None)
    r = assess(applicant(), packets(clean_docs(skill=borrowed)))
    assert FlagCode.NAME_MISMATCH in codes(r)
    assert FlagCode.LEVEL_OVERCLAIM not in codes(r) and FlagCode.MISSING_EVIDENCE not in codes(r)


def test_rule_facts_come_from_the_applicant_s_own_documents_only() -> None:
    # A colleague's doctorate diploma, ID card and dated certificate are no facts about the
    # applicant for the program rules (degree, sex, issue dates).
    from matchers.assess import _best, _Doc, _rule_input

    theirs = [_Doc(edu_cert("博士研究生", name="李强")), _Doc(id_card(name="李强")),
              _Doc(title_cert(name="李强", issue_date="2025-09-01")),
              _Doc(award_cert(name="李强", level="国家级"))]  # fmt: skip
    foreign = {id(d) for d in theirs}
    best = {k: _best(theirs, t, k, foreign) for k, t in (
        ("skill_level", DocType.skill_certificate), ("title_level", DocType.title_certificate),
        ("education", DocType.education_certificate))}  # fmt: skip
    inp = _rule_input(applicant(), theirs, [], best, None, AS_OF, foreign)
    assert inp.doctorate is None and inp.gender is None and inp.evidence_dates == ()
    assert inp.education is None and inp.title_level is None and inp.awards == ()
    mine = _rule_input(applicant(), theirs, [], best, None, AS_OF)  # nobody else's: all count
    assert mine.doctorate and mine.gender == "男" and len(mine.evidence_dates) == 3
    assert [x.level for x in mine.awards] == ["国家级"]


# ---------------------------------------------------------------- doubt before a flag (issue 13)


def test_a_certificate_on_an_unplaced_page_is_a_question_not_missing_evidence() -> None:
    """The title certificate read so poorly that its type is unknown: no MISSING_EVIDENCE."""
    unplaced = doc(DocType.other, file=f"{DIR}/职称.jpg").model_copy(
        update={"doc_type_confidence": 0.6}
    )
    r = assess(applicant(), packets(clean_docs(title=None) + [unplaced]))
    assert_review(r, "职称.jpg", "工程师")
    # Placed with confidence as something else, it excuses nothing.
    form = unplaced.model_copy(update={"doc_type_confidence": 0.93})
    r = assess(applicant(), packets(clean_docs(title=None) + [form]))
    only_flag(r, FlagCode.MISSING_EVIDENCE, with_evidence=False)


def test_lookalike_glyph_in_a_two_character_name_is_a_question() -> None:
    """阎波 read 阁波 on a diploma, confidently: OCR's confusion, not another person."""
    a = applicant(name="阎波", education="本科")
    docs = [
        id_card(name="阎波"),
        skill_cert(name="阎波"),
        title_cert(name="阎波"),
        award_cert(name="阎波"),
        edu_cert(name="阁波"),
    ]
    assert_review(assess(a, packets(docs)), "阁波")


def test_one_glyph_off_on_a_document_bearing_the_applicant_s_own_id_is_a_question() -> None:
    """张玮 on a skill certificate that prints the applicant's own ID number: the holder is
    the applicant (a slip in print or reading), unlike the same name on an award (above)."""
    r = assess(applicant(), packets(clean_docs(skill=skill_cert(name="张玮"))))
    assert_review(r, "张玮")
    other = make_id(seq=13)
    r = assess(applicant(), packets(clean_docs(skill=skill_cert(name="张玮", id_number=other))))
    assert FlagCode.NAME_MISMATCH in codes(r)


def test_a_name_misread_on_the_applicant_s_own_id_card_is_a_question() -> None:
    """The card's number is the declared one: whatever name was read on it (a line of the
    sheet around it, 有限公; 良汉 from the card's 民族 row), the card is the applicant's. A
    certificate naming the person that card was read to name (許磊 for 許傑磊, a glyph OCR
    drops on every page) is theirs too; a certificate in a third name still is not."""
    for read in ("有限公", "良汉"):
        r = assess(applicant(), packets(clean_docs(id=id_card(name=read))))
        assert_review(r, read)
    a = applicant(name="許傑磊")
    docs = [id_card(name="許磊"), skill_cert(name="許磊"), title_cert(name="許傑磊"),
            award_cert(name="許磊")]  # fmt: skip
    r = assess(a, packets(docs))
    assert FlagCode.NAME_MISMATCH not in codes(r) and r.status is Status.needs_review
    docs[3] = award_cert(name="李强")
    assert FlagCode.NAME_MISMATCH in codes(assess(a, packets(docs)))
    other = make_id(seq=13)  # another person's card: their name is a finding, as before
    r = assess(applicant(), packets(clean_docs(id=id_card(name="李强", id_number=other))))
    assert FlagCode.NAME_MISMATCH in codes(r)


def test_award_level_no_tier_recognised_is_a_question() -> None:
    """A plan's certificate whose issuer and name give no tier (其他) does not contradict a
    declared 地市级; a recognised tier that differs still does."""
    plan = "“庭州英才”人才计划"
    decl = declared_award(plan, level="地市级", year="2022")
    cert = award_cert(plan, level="其他")
    assert_review(assess(applicant(awards=[decl]), packets(clean_docs(award=cert))), plan)
    cert = award_cert(plan, level="县级")
    r = assess(applicant(awards=[decl]), packets(clean_docs(award=cert)))
    assert only_flag(r, FlagCode.AWARD_MISMATCH).found == "县级"


def test_a_contradiction_read_with_low_confidence_is_a_question() -> None:
    """A level or a rank read poorly (confidence below 0.6) that contradicts the declaration
    goes to a reviewer; read well, it is a flag."""
    weak = field("skill_level", "技师", conf=0.45, file=f"{DIR}/skill.jpg")
    r = assess(applicant(), packets(clean_docs(skill=skill_cert(level=weak, cert_no=None))))
    assert_review(r, "技师", "置信度低")
    r = assess(applicant(), packets(clean_docs(skill=skill_cert(level="技师", cert_no=None))))
    assert FlagCode.LEVEL_OVERCLAIM in codes(r)  # (and INELIGIBLE: 技师 is too low here)
    decl = declared_award(CONTEST_NAME, rank="一等奖", year="2023")
    weak = field("award_rank", "二等奖", conf=0.5, file=f"{DIR}/award.jpg")
    cert = award_cert(CONTEST_NAME, rank=weak, issue_date="2023-09-15")
    assert_review(assess(applicant(awards=[decl]), packets(clean_docs(award=cert))), "二等奖")


# ---------------------------------------------------------------- letters listing winners


def _roster_letter(*entries: tuple[str, str | None]) -> DocumentReading:
    from models.document import RosterEntry

    file = f"{DIR}/通报.jpg"
    roster = [
        RosterEntry(name=n, rank=r, confidence=0.97,
                    evidence=Evidence(file=file, page=1, bbox=(100.0, 100.0 + 60 * i, 400.0, 150.0 + 60 * i)))
        for i, (n, r) in enumerate(entries)
    ]  # fmt: skip
    d = doc(DocType.award_certificate, file=file, award_name=CONTEST_NAME,
            award_level="省级", issue_date="2023-09-15")  # fmt: skip
    return d.model_copy(update={"roster": roster})


def test_a_letter_listing_the_applicant_reads_as_theirs_with_their_rank() -> None:
    decl = declared_award(CONTEST_NAME, rank="二等奖", year="2023")
    letter = _roster_letter(("丁磊林", "一等奖"), ("张伟", "二等奖"), ("何蓉", "三等奖"))
    assert_clear(assess(applicant(awards=[decl]), packets(clean_docs(award=letter))))
    decl = declared_award(CONTEST_NAME, rank="一等奖", year="2023")
    r = assess(applicant(awards=[decl]), packets(clean_docs(award=letter)))
    f = only_flag(r, FlagCode.AWARD_MISMATCH)
    assert (f.declared, f.found) == ("一等奖", "二等奖")
    assert f.evidence[0].bbox == (100.0, 160.0, 400.0, 210.0)  # the applicant's line


def test_a_letter_listing_others_only_is_a_question() -> None:
    """OCR may lose a line of a long list: the applicant's absence is for a reviewer."""
    decl = declared_award(CONTEST_NAME, rank="一等奖", year="2023")
    letter = _roster_letter(("丁磊林", "一等奖"), ("廖莉娟", "二等奖"), ("何蓉", "三等奖"))
    r = assess(applicant(awards=[decl]), packets(clean_docs(award=letter)))
    assert_review(r, "获奖名单", "丁磊林")
    # One name on the list a glyph off the applicant's (阎波/阁波): a question.
    a = applicant(name="阎波", awards=[decl])
    docs = [id_card(name="阎波"), skill_cert(name="阎波"), title_cert(name="阎波"),
            _roster_letter(("丁磊林", "一等奖"), ("阁波", "一等奖"), ("何蓉", "三等奖"))]  # fmt: skip
    assert_review(assess(a, packets(docs)), "阁波")


def test_an_enterprise_s_honour_is_其他_and_contradicts_a_declared_county_level() -> None:
    decl = declared_award("优秀共产党员", level="县级", year="2022")
    cert = award_cert("优秀共产党员", level="其他").model_copy()
    cert.fields["issuer"] = field("issuer", "特变电工股份有限公司", file=cert.file)
    r = assess(applicant(awards=[decl]), packets(clean_docs(award=cert)))
    assert only_flag(r, FlagCode.AWARD_MISMATCH).found == "其他"


def test_a_date_after_the_check_day_is_a_misread_year_not_a_finding() -> None:
    """2084 on a certificate checked in 2025: the year was misread. Neither a late paper
    (DATE_AFTER_DEADLINE) nor another award year (AWARD_MISMATCH): a question."""
    a = mb_applicant()
    docs = mb_docs(title_issued="2084-07-20")
    r = assess(a, packets(docs))
    assert FlagCode.DATE_AFTER_DEADLINE not in codes(r)
    assert any("2084" in q and "识别错误" in q for q in r.review_reasons)
    decl = declared_award(year="2022")
    r = assess(
        applicant(awards=[decl]), packets(clean_docs(award=award_cert(issue_date="2035-12-20")))
    )
    assert FlagCode.AWARD_MISMATCH not in codes(r)
    assert_review(r, "2035")
