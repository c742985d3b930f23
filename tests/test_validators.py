"""ID numbers (GB 11643-1999) and certificate numbers (domain.md)."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from extractors.validators import (
    BINGTUAN_CITIES,
    SOUTHERN_PREFIXES,
    XINJIANG_PREFECTURES,
    cert_no_consistency,
    cert_no_consistency_messages,
    id_candidates,
    id_check_char,
    id_problem_message,
    parse_cert_no,
    upgrade_15_to_18,
    validate_id_number,
)

TODAY = date(2025, 6, 1)


def _make_id(prefix6: str, birth: date, seq: int) -> str:
    first17 = f"{prefix6}{birth:%Y%m%d}{seq:03d}"
    return first17 + id_check_char(first17)


# ---------------------------------------------------------------- ID numbers


def test_public_examples() -> None:
    info = validate_id_number("11010519491231002X", today=TODAY)
    assert info.valid and info.problems == []
    assert info.birth_date == "1949-12-31"
    assert info.sex == "女"  # 17th digit 2 is even
    assert info.province_code == "11" and info.region_name == "北京市"
    assert not info.is_xinjiang and not info.is_south

    old = validate_id_number("440524188001010014", today=TODAY, min_birth_year=1800)
    assert old.valid and old.birth_date == "1880-01-01" and old.sex == "男"
    # By default a birth before 1900 is impossible for an applicant; the check char is fine.
    assert validate_id_number("440524188001010014", today=TODAY).problems == ["birth_date"]


def test_altered_digit_fails_check() -> None:
    info = validate_id_number("11010519491231003X", today=TODAY)
    assert not info.valid
    assert info.problems == ["check_digit"]
    assert info.messages == ["身份证号码校验码错误"]


def test_normalisation_of_reading() -> None:
    info = validate_id_number(" １１０１０５ 1949 1231 002x ", today=TODAY)
    assert info.valid
    assert info.normalized == "11010519491231002X"


@pytest.mark.parametrize(
    ("raw", "problem"),
    [
        ("", "empty"),
        ("1101051949123100", "length"),
        ("11010519491231002X1", "length"),
        ("1101051949123100AX", "format"),
        ("11010519491231002Y", "format"),
    ],
)
def test_malformed(raw: str, problem: str) -> None:
    info = validate_id_number(raw, today=TODAY)
    assert not info.valid
    assert problem in info.problems
    assert id_problem_message(problem)


def test_impossible_and_future_birth_dates() -> None:
    assert validate_id_number(_make_id("650102", date(2021, 2, 28), 11), today=TODAY).valid
    bad = "650102" + "20210230" + "011"
    assert "birth_date" in validate_id_number(bad + id_check_char(bad), today=TODAY).problems
    future = _make_id("650102", date(2030, 1, 1), 11)
    info = validate_id_number(future, today=TODAY)
    assert info.problems == ["birth_date"] and info.birth_date is None
    assert validate_id_number(future, today=date(2031, 1, 1)).valid


@pytest.mark.parametrize(
    ("prefix", "ok"),
    [
        ("650102", True),  # 乌鲁木齐 天山区
        ("652901", True),  # 阿克苏
        ("652101", True),  # pre-2015 吐鲁番地区
        ("659001", True),  # 石河子
        ("659012", True),
        ("659013", False),  # no such 兵团 city
        ("659101", False),
        ("652401", False),  # not a prefecture code
        ("653301", False),
        ("990101", False),  # no such province
        ("100101", False),
        ("110105", True),
        ("820001", True),
    ],
)
def test_region_codes(prefix: str, ok: bool) -> None:
    info = validate_id_number(_make_id(prefix, date(1985, 3, 12), 15), today=TODAY)
    assert info.valid is ok
    assert ("region" in info.problems) is (not ok)


def test_southern_xinjiang() -> None:
    kashgar = validate_id_number(_make_id("653101", date(1985, 3, 12), 15), today=TODAY)
    assert kashgar.is_xinjiang and kashgar.is_south
    assert kashgar.region_prefix == "6531" and kashgar.region_name == "喀什地区"
    urumqi = validate_id_number(_make_id("650102", date(1985, 3, 12), 15), today=TODAY)
    assert urumqi.is_xinjiang and not urumqi.is_south
    shz = validate_id_number(_make_id("659001", date(1985, 3, 12), 15), today=TODAY)
    assert shz.region_name == "石河子市"


def test_fifteen_digit_upgrade() -> None:
    assert upgrade_15_to_18("650102850312001") == "650102198503120019"
    info = validate_id_number("650102850312001", today=TODAY)
    assert info.valid and info.upgraded_from_15
    assert info.normalized == "650102198503120019"
    assert info.birth_date == "1985-03-12" and info.sex == "男"
    with pytest.raises(ValueError):
        upgrade_15_to_18("65010285031200")


_xj_prefix = st.one_of(
    st.sampled_from(sorted(p for p in XINJIANG_PREFECTURES if p != "6590")).flatmap(
        lambda p: st.integers(1, 99).map(lambda c: f"{p}{c:02d}")
    ),
    st.sampled_from(sorted(BINGTUAN_CITIES)),
)
_birth = st.dates(min_value=date(1900, 1, 1), max_value=TODAY)
_seq = st.integers(0, 999)


@given(_xj_prefix, _birth, _seq)
def test_generated_xinjiang_ids_validate(prefix: str, birth: date, seq: int) -> None:
    number = _make_id(prefix, birth, seq)
    info = validate_id_number(number, today=TODAY)
    assert info.valid, info.problems
    assert info.birth_date == birth.isoformat()
    assert info.sex == ("男" if seq % 2 else "女")
    assert info.is_xinjiang
    assert info.is_south == (prefix[:4] in SOUTHERN_PREFIXES)


@given(_xj_prefix, _birth, _seq, st.integers(0, 16), st.integers(1, 9))
def test_single_digit_change_fails(
    prefix: str, birth: date, seq: int, pos: int, delta: int
) -> None:
    number = _make_id(prefix, birth, seq)
    changed = number[:pos] + str((int(number[pos]) + delta) % 10) + number[pos + 1 :]
    info = validate_id_number(changed, today=TODAY)
    assert not info.valid
    assert "check_digit" in info.problems


@given(st.text())
def test_validate_never_raises(s: str) -> None:
    info = validate_id_number(s, today=TODAY)
    assert info.valid == (info.problems == [])


# ---------------------------------------------------------------- OCR candidates


def _valid_candidates(s: str) -> list[str]:
    # What extractors/reconcile.py repairs an ID number from: it takes a repair that is the
    # only candidate to pass the check digit.
    return [c for c in id_candidates(s) if validate_id_number(c, today=TODAY).valid]


def test_id_candidates_fix_confusions() -> None:
    true = "11010519491231002X"
    cands = id_candidates("11O1O5l949I23lOO2x")
    assert cands[0] == "11O1O5L949I23LOO2X"  # the literal reading first
    assert true in cands
    assert len(cands) <= 6
    assert _valid_candidates("11O1O5l949I23lOO2x") == [true]


def test_id_candidates_cut_from_line() -> None:
    assert "11010519491231002X" in id_candidates("身份证号:11010519491231002X")
    assert _valid_candidates("公民身份号码 11010519491231002X。") == ["11010519491231002X"]
    assert id_candidates("") == []


@given(_xj_prefix, _birth, _seq, st.data())
def test_candidates_recover_letter_confusions(prefix: str, birth: date, seq: int, data) -> None:  # type: ignore[no-untyped-def]
    number = _make_id(prefix, birth, seq)
    swaps = {"0": "O", "1": "l", "2": "Z", "5": "S", "8": "B", "6": "G"}
    positions = data.draw(st.lists(st.integers(0, 16), max_size=4))
    garbled = list(number)
    for p in positions:
        garbled[p] = swaps.get(garbled[p], garbled[p])
    assert _valid_candidates("".join(garbled)) == [number]


# ---------------------------------------------------------------- certificate numbers


def test_parse_skill_level_22() -> None:
    info = parse_cert_no("Y000065000001212000123", today=TODAY)
    assert info is not None
    assert info.kind == "skill_level_22"
    assert info.org_type == "Y" and info.org_type_name == "用人单位"
    assert info.org_code == "0000"
    assert info.province_code == "65" and info.province_name == "新疆维吾尔自治区"
    assert info.site == "000001"
    assert info.year == 2021
    assert info.level_grade == 2 and info.level == "技师"
    assert info.serial == "000123"
    assert info.valid_structure and info.problems == []

    s_info = parse_cert_no("s 0012 65 000003 23 1 000009", today=TODAY)
    assert s_info is not None and s_info.org_type == "S" and s_info.level == "高级技师"


@pytest.mark.parametrize(
    ("number", "problem"),
    [
        ("Y000099000001212000123", "province_unknown"),
        ("Y000065000001210000123", "level_digit"),
        ("Y000065000001216000123", "level_digit"),
        ("Y000065000001272000123", "year_future"),
        ("X000065000001212000123", "org_type"),
    ],
)
def test_skill_level_22_problems(number: str, problem: str) -> None:
    info = parse_cert_no(number, today=TODAY)
    assert info is not None
    assert problem in info.problems
    assert not info.valid_structure


def test_parse_special_22() -> None:
    info = parse_cert_no("TJ00006500000124100001", today=TODAY)
    assert info is not None
    assert info.kind == "special_22"
    assert info.level == "特级技师" and info.year == 2024 and info.province_code == "65"


def test_parse_qualification_16() -> None:
    info = parse_cert_no("0865010210020012345", today=TODAY)
    assert info is None  # 19 digits: no known shape
    info = parse_cert_no("0865012001230345", today=TODAY)
    assert info is not None
    assert info.kind == "qualification_16"
    assert info.year == 2008
    assert info.province_code == "65"
    assert info.prefecture_code == "01"
    assert info.org_type == "2" and info.org_code == "001"
    assert info.level_grade == 2 and info.level == "技师"
    assert info.serial == "30345"
    old = parse_cert_no("9865012001230345", today=TODAY)
    assert old is not None and old.year == 1998
    bad = parse_cert_no("0865019001900345", today=TODAY)
    assert bad is not None and set(bad.problems) == {"org_type", "level_digit"}


def test_parse_qualification_13_and_unknown() -> None:
    info = parse_cert_no("1234567890123", today=TODAY)
    assert info is not None and info.kind == "qualification_13" and info.year is None
    assert parse_cert_no("ABC", today=TODAY) is None
    assert parse_cert_no("", today=TODAY) is None


def test_cert_no_consistency() -> None:
    number = "Y000065000001212000123"  # 2021, level 2 = 技师, Xinjiang
    assert (
        cert_no_consistency(
            number, printed_level="二级/技师", issue_date="2021年6月30日", today=TODAY
        )
        == []
    )
    assert cert_no_consistency(
        number, printed_level="一级/高级技师", issue_date="2021年6月30日", today=TODAY
    ) == ["level"]
    assert cert_no_consistency(number, issue_date="二〇二二年一月五日", today=TODAY) == ["year"]
    assert cert_no_consistency(number, province="62", today=TODAY) == ["province"]
    assert cert_no_consistency(number, province="甘肃", today=TODAY) == ["province"]
    assert cert_no_consistency(number, province=None, today=TODAY) == []
    assert cert_no_consistency("Y000065000001272000123", today=TODAY) == ["year_future"]
    assert cert_no_consistency("TJ00006500000124100001", printed_level="特级技师") == []
    assert cert_no_consistency("TJ00006500000124100001", printed_level="高级技师", today=TODAY) == [
        "level"
    ]
    # 16-digit: level 3 = 高级工, year 2008
    assert cert_no_consistency("0865012001330345", printed_level="高级", issue_date="2008.05") == []
    assert cert_no_consistency("0865012001330345", printed_level="技师") == ["level"]
    # Nothing to compare: no known structure.
    assert cert_no_consistency("1234567890123", printed_level="技师") == []
    assert cert_no_consistency("NO-SUCH", printed_level="技师") == []


def test_cert_no_consistency_messages_name_values() -> None:
    msgs = cert_no_consistency_messages(
        "Y000065000001222000001",
        printed_level="一级/高级技师",
        issue_date="2021-06-30",
        province="62",
        today=TODAY,
    )
    assert msgs == [
        "证书编号等级代码为2（技师），证书印制等级为高级技师",
        "证书编号年份为2022年，发证日期为2021-06-30",
        "证书编号省份代码为65（新疆维吾尔自治区），发证机构在甘肃省",
    ]


@given(
    st.sampled_from("YS"),
    st.integers(2019, 2025),
    st.sampled_from([1, 2, 3, 4, 5]),
    st.integers(0, 999999),
)
def test_generated_skill_numbers_round_trip(org: str, year: int, grade: int, serial: int) -> None:
    number = f"{org}0000" + "65" + "000001" + f"{year % 100:02d}{grade}{serial:06d}"
    info = parse_cert_no(number, today=TODAY)
    assert info is not None and info.kind == "skill_level_22", number
    assert info.year == year and info.level_grade == grade and info.serial == f"{serial:06d}"
    levels = {
        1: "一级/高级技师",
        2: "二级/技师",
        3: "三级/高级工",
        4: "四级/中级工",
        5: "五级/初级工",
    }
    assert (
        cert_no_consistency(
            number, printed_level=levels[grade], issue_date=f"{year}-03-01", today=TODAY
        )
        == []
    )
    other = grade % 5 + 1
    assert cert_no_consistency(number, printed_level=levels[other], today=TODAY) == ["level"]


@given(st.text())
def test_cert_functions_never_raise(s: str) -> None:
    info = parse_cert_no(s, today=TODAY)
    assert info is None or info.valid_structure == (info.problems == [])
    cert_no_consistency(s, printed_level=s, issue_date=s, province=s, today=TODAY)
    id_candidates(s)
