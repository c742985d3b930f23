"""Program rules: the table matches rules.md, and every rule at its boundaries."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from extractors.normalize import canonical_program
from extractors.validators import id_check_char
from matchers.retirement import retirement_date
from matchers.rules import (
    RULES,
    DatedEvidence,
    EvidencedAward,
    Rule,
    RuleInput,
    RuleKind,
    RuleStatus,
    check_rules,
    get_rule,
    rules_for,
    south_status,
)
from models.catalogue import PROGRAM_NAMES as PROGRAMS
from models.declared import Applicant
from models.results import EvidenceRef, FlagCode, Severity

RULES_MD = Path(__file__).resolve().parents[2] / "shared" / "spec" / "rules.md"
CHECK_DAY = date(2025, 6, 1)

P, F, U = RuleStatus.passed, RuleStatus.failed, RuleStatus.unknown


def make_id(prefix6: str, birth: str, seq: int = 11) -> str:
    first17 = f"{prefix6}{birth}{seq:03d}"
    return first17 + id_check_char(first17)


def applicant(**kw: Any) -> Applicant:
    kw.setdefault("applicant_id", "A-1")
    return Applicant(**kw)


def inp(app: Applicant | None = None, **kw: Any) -> RuleInput:
    kw.setdefault("check_day", CHECK_DAY)
    return RuleInput(applicant=app or applicant(), **kw)


def one(rule_id: str, i: RuleInput) -> Any:
    results = get_rule(rule_id).evaluate(i)
    assert len(results) == 1, results
    r = results[0]
    assert r.rule_id == rule_id and rule_id in r.message
    return r


def status(rule_id: str, i: RuleInput) -> RuleStatus:
    return one(rule_id, i).status


# ---------------------------------------------------------------- the table


def test_rule_ids_match_rules_md() -> None:
    if not RULES_MD.exists():
        pytest.skip("shared spec not present")
    documented = set(re.findall(r"^- ([A-Z]+(?:-[A-Z]+)+):", RULES_MD.read_text(), re.M))
    assert documented == {r.id for r in RULES}


def test_table_shape() -> None:
    assert PROGRAMS == (
        "新疆工匠",
        "准东人才工作室",
        "少数民族科技骨干特殊培养",
        "乌鲁木齐市技能大师工作室",
    )
    for r in RULES:
        assert r.program in PROGRAMS
        assert r.description and r.source
        assert (r.check is None) == (r.kind is RuleKind.duplicate)
    assert get_rule("ZD-PAGES").severity is Severity.low
    assert get_rule("XJGJ-EXCLUSIVE").flag_code is FlagCode.DUPLICATE_APPLICANT
    assert get_rule("UMQ-ONE-STUDIO").flag_code is FlagCode.DUPLICATE_APPLICANT
    assert get_rule("MB-DEADLINE").flag_code is FlagCode.DATE_AFTER_DEADLINE
    assert [r.id for r in rules_for("新疆工匠")] == [
        "XJGJ-LEVEL",
        "XJGJ-DEADLINE",
        "XJGJ-EXCLUSIVE",
    ]


@pytest.mark.parametrize(
    ("text", "program"),
    [
        ("新疆工匠", "新疆工匠"),
        (" 新疆工匠项目 ", "新疆工匠"),
        ("准东开发区高层次人才（技能大师）工作室", "准东人才工作室"),
        ("2025年度新疆少数民族科技骨干特殊培养", "少数民族科技骨干特殊培养"),
        ("乌鲁木齐市技能大师工作室", "乌鲁木齐市技能大师工作室"),
        ("技能大师工作室", "乌鲁木齐市技能大师工作室"),
        ("天山英才", None),
        ("", None),
        (None, None),
    ],
)
def test_canonical_program(text: str | None, program: str | None) -> None:
    assert canonical_program(text) == program


def test_check_rules_skips_duplicate_rules_and_unknown_programs() -> None:
    i = inp(applicant(skill_level="高级技师"), skill_level="高级技师")
    ids = [r.rule_id for r in check_rules("新疆工匠", i)]
    assert ids == ["XJGJ-LEVEL", "XJGJ-DEADLINE"]
    assert check_rules("天山英才", i) == []
    umq = [r.rule_id for r in check_rules("乌鲁木齐市技能大师工作室", i)]
    assert umq == ["UMQ-LEVEL", "UMQ-RETIRE", "UMQ-TEAM"]


def test_a_crashing_check_gives_unknown_not_an_exception() -> None:
    def boom(_: RuleInput) -> list[Any]:
        raise RuntimeError("bad")

    rule = Rule("X-TEST", "新疆工匠", "测试", Severity.high, RuleKind.eligibility, boom)
    [r] = rule.evaluate(inp())
    assert r.status is U and "规则检查出错" in r.message and r.to_flag() is None


# ---------------------------------------------------------------- 南疆


@pytest.mark.parametrize(
    ("prefecture", "work_unit", "id_number", "south"),
    [
        ("喀什地区", None, None, True),
        ("巴音郭楞蒙古自治州", None, None, True),
        ("巴州", None, None, True),
        ("克孜勒苏柯尔克孜自治州", None, None, True),
        ("和田地区", None, None, True),
        ("阿克苏地区", None, None, True),
        ("乌鲁木齐市", None, None, False),
        ("伊犁哈萨克自治州", None, None, False),
        ("兵团第一师阿拉尔市", None, None, True),
        ("新疆生产建设兵团第二师", None, None, True),
        ("第三师图木舒克市", None, None, True),
        ("第十四师昆玉市", None, None, True),
        ("兵团第十一师", None, None, False),
        ("第四师可克达拉市", None, None, False),
        ("", "新疆第一师范学院", None, None),  # 第一师范 is a college, not 第一师
        ("", "喀什某某有限公司", None, True),
        # the stated prefecture beats the ID's place of first registration
        ("乌鲁木齐市", None, make_id("653101", "19900101"), False),
        ("", None, make_id("653101", "19900101"), True),
        ("", None, make_id("652801", "19900101"), True),
        ("", None, make_id("650102", "19900101"), False),
        ("", None, make_id("659002", "19900101"), True),  # 阿拉尔市
        ("", None, make_id("659001", "19900101"), False),  # 石河子市
        ("", None, make_id("410102", "19900101"), None),  # registered outside Xinjiang
        (None, None, None, None),
    ],
)
def test_south_status(
    prefecture: str | None, work_unit: str | None, id_number: str | None, south: bool | None
) -> None:
    got, why = south_status(prefecture, work_unit, id_number)
    assert got is south
    assert why


# ---------------------------------------------------------------- XJGJ-LEVEL


@pytest.mark.parametrize(
    ("evidenced", "prefecture", "expected"),
    [
        ("高级技师", "乌鲁木齐市", P),
        ("特级技师", "乌鲁木齐市", P),
        ("技师", "乌鲁木齐市", F),  # north: 技师 is not enough
        ("技师", "喀什地区", P),  # 南疆五地州: 技师 suffices
        ("技师", "兵团第三师图木舒克市", P),  # 兵团南疆师市
        ("技师", "兵团第八师石河子市", F),
        ("高级工", "和田地区", F),
        ("技师", None, U),  # region unknown: passes only if south
        ("高级技师", None, P),
    ],
)
def test_xjgj_level(evidenced: str, prefecture: str | None, expected: RuleStatus) -> None:
    i = inp(applicant(skill_level="高级技师", prefecture=prefecture), skill_level=evidenced)
    r = one("XJGJ-LEVEL", i)
    assert r.status is expected
    assert r.found == evidenced
    if expected is F:
        flag = r.to_flag()
        assert flag is not None and flag.code is FlagCode.INELIGIBLE
        assert flag.rule == "XJGJ-LEVEL" and flag.severity is Severity.high
        assert "不符合XJGJ-LEVEL" in flag.message and evidenced in flag.message


def test_xjgj_level_without_evidence_uses_the_declaration_as_upper_bound() -> None:
    north = "乌鲁木齐市"
    # declared high enough but nothing shown: cannot tell
    assert status("XJGJ-LEVEL", inp(applicant(skill_level="高级技师", prefecture=north))) is U
    # declared too low already: fails on the declaration itself
    r = one("XJGJ-LEVEL", inp(applicant(skill_level="技师", prefecture=north)))
    assert r.status is F and "申报职业技能等级为技师" in r.message
    # nothing declared, nothing shown
    assert status("XJGJ-LEVEL", inp(applicant(prefecture=north))) is U
    # a loose spelling of the evidence is normalised
    assert status("XJGJ-LEVEL", inp(applicant(prefecture=north), skill_level="一级")) is P


def test_is_south_override() -> None:
    i = inp(applicant(prefecture="乌鲁木齐市"), skill_level="技师", is_south=True)
    assert status("XJGJ-LEVEL", i) is P


# ---------------------------------------------------------------- deadlines


def ev(value: str, file: str = "packets/A-1/a.jpg") -> DatedEvidence:
    return DatedEvidence(value=value, evidence=EvidenceRef(file=file, page=1))


@pytest.mark.parametrize(
    ("rule_id", "on_time", "late"),
    [
        ("XJGJ-DEADLINE", "2025-10-08", "2025-10-09"),
        ("ZD-DEADLINE", "2026-06-15", "2026-06-16"),
        ("MB-DEADLINE", "2025-03-05", "2025-03-06"),
    ],
)
def test_deadline_day_and_day_after(rule_id: str, on_time: str, late: str) -> None:
    assert status(rule_id, inp(evidence_dates=(ev(on_time),))) is P
    r = one(rule_id, inp(evidence_dates=(ev(on_time), ev(late, "packets/A-1/late.jpg"))))
    assert r.status is F and late in r.message
    flag = r.to_flag()
    assert flag is not None and flag.code is FlagCode.DATE_AFTER_DEADLINE and flag.rule == rule_id
    assert [e.file for e in flag.evidence] == ["packets/A-1/late.jpg"]


def test_xjgj_deadline_hour() -> None:
    assert status("XJGJ-DEADLINE", inp(evidence_dates=(ev("2025-10-08T19:59"),))) is P
    assert status("XJGJ-DEADLINE", inp(evidence_dates=(ev("2025-10-08T20:00"),))) is P
    assert status("XJGJ-DEADLINE", inp(evidence_dates=(ev("2025-10-08 20:01"),))) is F


def test_deadline_partial_dates_and_many_items() -> None:
    assert status("XJGJ-DEADLINE", inp(evidence_dates=(ev("2025-10"),))) is U
    assert status("XJGJ-DEADLINE", inp(evidence_dates=(ev("2025-09"),))) is P
    assert status("XJGJ-DEADLINE", inp(evidence_dates=(ev("2025-11"),))) is F
    assert status("XJGJ-DEADLINE", inp(evidence_dates=(ev("2026"),))) is F
    assert status("XJGJ-DEADLINE", inp(evidence_dates=(ev("2025"),))) is U
    # nothing dated: nothing is late
    assert status("XJGJ-DEADLINE", inp()) is P
    # unreadable dates are not evidence of lateness
    assert status("XJGJ-DEADLINE", inp(evidence_dates=(ev("不详"),))) is P
    # one result per late item, so each flag points at its own file
    results = get_rule("MB-DEADLINE").evaluate(
        inp(
            evidence_dates=(
                ev("2025-04-01", "a.jpg"),
                ev("2024-01-01", "b.jpg"),
                ev("2025-05-01", "c.jpg"),
            )
        )
    )
    assert [(r.status, r.evidence[0].file) for r in results] == [(F, "a.jpg"), (F, "c.jpg")]


# ---------------------------------------------------------------- teams and pages


@pytest.mark.parametrize(("size", "expected"), [(4, F), (5, P), (10, P), (11, F), (None, U)])
def test_zd_team(size: int | None, expected: RuleStatus) -> None:
    assert status("ZD-TEAM", inp(applicant(team_size=size))) is expected


@pytest.mark.parametrize(("size", "expected"), [(0, F), (1, F), (2, P), (30, P), (None, U)])
def test_umq_team(size: int | None, expected: RuleStatus) -> None:
    assert status("UMQ-TEAM", inp(applicant(team_size=size))) is expected


def test_team_size_evidence_overrides_declaration() -> None:
    assert status("ZD-TEAM", inp(applicant(team_size=8), team_size=3)) is F


def test_zd_pages() -> None:
    assert status("ZD-PAGES", inp(page_count=25)) is P
    r = one("ZD-PAGES", inp(page_count=26))
    assert r.status is F
    flag = r.to_flag()
    assert flag is not None and flag.severity is Severity.low and flag.code is FlagCode.INELIGIBLE
    assert status("ZD-PAGES", inp()) is U


# ---------------------------------------------------------------- ZD-LEAD


@pytest.mark.parametrize(
    ("kw", "expected"),
    [
        ({"title_level": "副高级"}, P),
        ({"title_level": "中级"}, U),
        ({"skill_level": "技师"}, P),
        ({"skill_level": "高级工"}, U),
        ({"doctorate": True}, P),
        ({"education": "博士研究生"}, P),
        ({"awards": (EvidencedAward(name="自治区技术能手", level="省级"),)}, P),
        ({"awards": (EvidencedAward(name="全国五一劳动奖章", level="国家级"),)}, P),
        ({"awards": (EvidencedAward(name="“庭州英才”人才计划入选者", level="地市级"),)}, P),
        ({"awards": (EvidencedAward(name="昌吉州有突出贡献优秀人才", level="地市级"),)}, P),
        ({"awards": (EvidencedAward(name="优秀员工", level="地市级"),)}, U),
        ({}, U),
    ],
)
def test_zd_lead(kw: dict[str, Any], expected: RuleStatus) -> None:
    r = one("ZD-LEAD", inp(**kw))
    assert r.status is expected
    # condition (5) "其他…优秀人才" is for reviewers: the rule never fails on its own
    assert r.status is not F
    if expected is U:
        assert "条件（5）" in r.message


# ---------------------------------------------------------------- MB-AGE


@pytest.mark.parametrize(
    ("birth", "expected"),
    [
        ("1979-12-31", F),
        ("1980-01-01", P),
        ("1990-06-30", P),
        ("1980-01", P),  # any day of January 1980 is on or after the 1st
        ("1979-12", F),
        ("1979", F),
        ("1980", P),
    ],
)
def test_mb_age_boundaries(birth: str, expected: RuleStatus) -> None:
    r = one("MB-AGE", inp(applicant(birth_date=birth)))
    assert r.status is expected
    assert r.values["birth_date"] == birth


def test_mb_age_sources() -> None:
    # the declared ID number decides over the declared birth date
    a = applicant(birth_date="1985-01-01", id_number=make_id("653101", "19791231"))
    r = one("MB-AGE", inp(a))
    assert r.status is F and r.values["source"] == "申报身份证号"
    # the ID card read from the packet decides over both
    assert status("MB-AGE", inp(a, birth_date="1980-01-01")) is P
    assert status("MB-AGE", inp()) is U


# ---------------------------------------------------------------- MB-QUAL

SOUTH, NORTH = "喀什地区", "乌鲁木齐市"


@pytest.mark.parametrize(
    ("education", "title", "prefecture", "expected"),
    [
        ("本科", "中级", NORTH, P),
        ("硕士研究生", "副高级", NORTH, P),
        ("大专", "中级", NORTH, F),
        ("本科", "初级", NORTH, F),
        ("大专", "中级", SOUTH, P),  # education relaxed
        ("本科", "初级", SOUTH, P),  # title relaxed
        ("大专", "初级", SOUTH, F),  # never both
        ("中专", "中级", SOUTH, F),  # below the relaxed floor
        ("本科", None, SOUTH, U),  # no title declared or shown: not guessed
        ("大专", "中级", "巴音郭楞蒙古自治州", P),  # 巴州 counts as 南疆
        ("大专", "中级", None, U),  # region unknown
        ("大专", "初级", None, F),  # fails wherever
        ("本科", "中级", None, P),
    ],
)
def test_mb_qual(
    education: str, title: str | None, prefecture: str | None, expected: RuleStatus
) -> None:
    a = applicant(education=education, title_level=title, prefecture=prefecture)
    r = one("MB-QUAL", inp(a, education=education, title_level=title))
    assert r.status is expected, r.message


def test_mb_qual_north_relaxable_mentions_shortage_majors() -> None:
    a = applicant(prefecture=NORTH)
    r = one("MB-QUAL", inp(a, education="大专", title_level="中级"))
    assert r.status is F and "紧缺专业" in r.message


def test_mb_qual_evidence_missing() -> None:
    # declared 本科 + 中级 with nothing shown: cannot tell
    a = applicant(education="本科", title_level="中级", prefecture=NORTH)
    assert status("MB-QUAL", inp(a)) is U
    # declared 大专 + 初级 fails even unproven
    a = applicant(education="大专", title_level="初级", prefecture=SOUTH)
    assert status("MB-QUAL", inp(a)) is F


# ---------------------------------------------------------------- UMQ-LEVEL


@pytest.mark.parametrize(("level", "expected"), [("技师", P), ("高级技师", P), ("高级工", F)])
def test_umq_level(level: str, expected: RuleStatus) -> None:
    assert status("UMQ-LEVEL", inp(skill_level=level)) is expected


# ---------------------------------------------------------------- UMQ-RETIRE


def man(birth: str) -> Applicant:
    return applicant(gender="男", birth_date=birth)


def test_umq_retire_exactly_two_years() -> None:
    # Born 1970-06-15: 65 months after 1965-01 → 17 months' delay → 61y5m → 2031-11-15.
    assert retirement_date(date(1970, 6, 15), "male") == date(2031, 11, 15)
    ok = one("UMQ-RETIRE", inp(man("1970-06-15"), check_day=date(2029, 11, 15)))
    assert ok.status is P and ok.values["retirement_date"] == "2031-11-15"
    late = one("UMQ-RETIRE", inp(man("1970-06-15"), check_day=date(2029, 11, 16)))
    assert late.status is F
    assert "61岁5个月" in late.message and "2031-11-15" in late.message
    flag = late.to_flag()
    assert flag is not None and flag.code is FlagCode.INELIGIBLE and flag.rule == "UMQ-RETIRE"


def test_umq_retire_women_worker_by_default_cadre_with_senior_title() -> None:
    woman = applicant(gender="女", birth_date="1980-03-10")
    # worker post (50): 62 months after 1975-01 → 32 months → 52y8m → 2032-11-10
    assert status("UMQ-RETIRE", inp(woman, check_day=date(2030, 11, 10))) is P
    assert status("UMQ-RETIRE", inp(woman, check_day=date(2030, 11, 11))) is F
    # an evidenced 副高级 title: cadre post (55) → 57y7m → 2037-10-10
    r = one("UMQ-RETIRE", inp(woman, check_day=date(2030, 11, 11), title_level="副高级"))
    assert r.status is P and r.values["retirement_date"] == "2037-10-10"
    # 副高级 only declared: the two categories disagree → reviewers decide
    declared = applicant(gender="女", birth_date="1980-03-10", title_level="副高级")
    assert status("UMQ-RETIRE", inp(declared, check_day=date(2030, 11, 11))) is U
    # …but where both agree there is an answer
    assert status("UMQ-RETIRE", inp(declared, check_day=date(2036, 1, 1))) is F


def test_umq_retire_gender_and_birth_from_the_id_number() -> None:
    # 17th digit odd → man; born 1963-05-01 → retired at 60 in 2023
    a = applicant(id_number=make_id("650102", "19630501", 11))
    r = one("UMQ-RETIRE", inp(a))
    assert r.status is F and "申报身份证号" in r.message


def test_umq_retire_unknowns() -> None:
    assert status("UMQ-RETIRE", inp(applicant(birth_date="1970-06-15"))) is U  # no gender
    assert status("UMQ-RETIRE", inp(applicant(gender="男"))) is U  # no birth date
    # month only: the 2-year mark falls inside the birth month
    assert status("UMQ-RETIRE", inp(man("1970-06"), check_day=date(2029, 11, 15))) is U
    assert status("UMQ-RETIRE", inp(man("1970-06"), check_day=date(2029, 10, 31))) is P
    assert status("UMQ-RETIRE", inp(man("1970-06"), check_day=date(2029, 12, 1))) is F


@given(
    st.dates(min_value=date(1955, 1, 1), max_value=date(1995, 12, 31)),
    st.dates(min_value=date(2024, 1, 1), max_value=date(2040, 12, 31)),
)
def test_umq_retire_agrees_with_the_schedule(birth: date, day: date) -> None:
    r = one("UMQ-RETIRE", inp(man(birth.isoformat()), check_day=day))
    retire = retirement_date(birth, "male")
    try:
        mark = day.replace(year=day.year + 2)
    except ValueError:  # 29 February
        mark = date(day.year + 2, 2, 28)
    assert r.status is (P if retire >= mark else F)


# ---------------------------------------------------------------- results as flags


def test_passed_and_unknown_raise_no_flag() -> None:
    assert one("ZD-TEAM", inp(applicant(team_size=6))).to_flag() is None
    assert one("ZD-TEAM", inp()).to_flag() is None


def test_failed_flag_carries_values() -> None:
    flag = one("ZD-TEAM", inp(applicant(team_size=3))).to_flag()
    assert flag is not None
    assert flag.field == "team_size" and flag.found == "3"
    assert "team_size=3" in flag.reasons
    assert flag.message.startswith("不符合ZD-TEAM")
