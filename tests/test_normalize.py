"""Normalisers: contract vocabularies, awkward spellings, and properties that must hold."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from extractors.normalize import (
    ETHNIC_GROUPS,
    clean_cert_no,
    comparable,
    format_cn_date,
    name_key,
    name_parts,
    normalize_award_level,
    normalize_award_rank,
    normalize_education,
    normalize_ethnicity,
    normalize_gender,
    normalize_name,
    normalize_skill_level,
    normalize_title,
    normalize_title_level,
    parse_date,
    skill_level_parts,
    to_halfwidth,
)
from models.catalogue import (
    AWARD_LEVELS,
    AWARD_RANKS,
    EDUCATION_LEVELS,
    SKILL_GRADE_TO_LEVEL,
    SKILL_LEVELS,
    TITLE_LEVELS,
)

# ---------------------------------------------------------------- half-width


def test_to_halfwidth() -> None:
    assert to_halfwidth("ＡＢＣ１２３，（）\u3000ｘ") == "ABC123,() x"
    assert to_halfwidth("张三·") == "张三·"
    assert to_halfwidth(None) == ""


@given(st.text())
def test_to_halfwidth_idempotent(s: str) -> None:
    once = to_halfwidth(s)
    assert to_halfwidth(once) == once
    assert not any(0xFF01 <= ord(c) <= 0xFF5E for c in once)


def test_comparable() -> None:
    assert comparable(" 高級 技師 ") == "高级技师"
    assert comparable("ＡＢｃ") == "abc"
    assert comparable(None) == ""


# ---------------------------------------------------------------- names


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("艾尔肯·吐尔逊", "艾尔肯·吐尔逊"),
        ("艾尔肯•吐尔逊", "艾尔肯·吐尔逊"),
        ("艾尔肯．吐尔逊", "艾尔肯·吐尔逊"),
        ("艾尔肯・吐尔逊", "艾尔肯·吐尔逊"),
        ("艾尔肯‧吐尔逊", "艾尔肯·吐尔逊"),
        ("艾尔肯⋅吐尔逊", "艾尔肯·吐尔逊"),
        ("艾尔肯･吐尔逊", "艾尔肯·吐尔逊"),
        ("艾尔肯﹒吐尔逊", "艾尔肯·吐尔逊"),
        ("艾尔肯.吐尔逊", "艾尔肯·吐尔逊"),
        ("艾尔肯 吐尔逊", "艾尔肯·吐尔逊"),
        ("艾尔肯 · 吐尔逊", "艾尔肯·吐尔逊"),
        ("阿依古丽·买买提·吐尔洪", "阿依古丽·买买提·吐尔洪"),
        ("张  三", "张三"),
        ("王 小 明", "王小明"),
        ("　张　三　", "张三"),
        ("张三同志：", "张三"),
        ("姓名：李四", "李四"),
        ("张三。", "张三"),
        ("·张三·", "张三"),
        ("張三", "張三"),  # traditional kept as printed
        ("ＪＯＨＮ  ｓｍｉｔｈ", "JOHN smith"),
        ("", ""),
    ],
)
def test_normalize_name(raw: str, expected: str) -> None:
    assert normalize_name(raw) == expected


def test_name_key_and_parts() -> None:
    assert name_key("張三") == name_key("张三") == "张三"
    assert name_key("阿依古麗•買買提") == "阿依古丽·买买提"
    assert name_key("ＪＯＨＮ") == "john"
    assert name_key("艾尔肯吐尔逊") != name_key("艾尔肯·吐尔逊")
    assert name_key("艾尔肯吐尔逊", keep_dot=False) == name_key("艾尔肯•吐尔逊", keep_dot=False)
    assert name_parts("阿依古丽 · 买买提・吐尔洪") == ["阿依古丽", "买买提", "吐尔洪"]
    assert name_parts("张  三") == ["张三"]
    assert name_parts("") == []


# Ordinary name characters, so generated names never end in a label like 同志.
_NAME_CHARS = "艾尔肯吐逊阿依古丽买提洪热合曼努力麦麦江巴哈尔沙拉木王李张刘陈杨黄赵周吴"
_name_part = st.text(alphabet=_NAME_CHARS, min_size=1, max_size=5)
_DOT_VARIANTS = ["·", "•", "．", "・", "‧", "⋅", "･", "﹒", ".", "\u00b7", " · ", "\u2027"]


@given(st.lists(_name_part, min_size=2, max_size=4), st.sampled_from(_DOT_VARIANTS))
def test_normalize_name_dot_variant_invariant(parts: list[str], dot: str) -> None:
    assert normalize_name(dot.join(parts)) == "·".join(parts)


@given(st.lists(st.text(alphabet=_NAME_CHARS, min_size=2, max_size=5), min_size=2, max_size=4))
def test_space_separated_multichar_parts_get_dots(parts: list[str]) -> None:
    assert normalize_name(" ".join(parts)) == "·".join(parts)
    assert name_parts("  ".join(parts)) == parts


@given(st.text())
def test_normalize_name_idempotent(s: str) -> None:
    once = normalize_name(s)
    assert normalize_name(once) == once


@given(st.lists(st.sampled_from(list(_NAME_CHARS)), min_size=2, max_size=4))
def test_padded_han_names_join(chars: list[str]) -> None:
    assert normalize_name("  ".join(chars)) == "".join(chars)


# ---------------------------------------------------------------- skill levels


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("五级", "初级工"),
        ("四级", "中级工"),
        ("三级", "高级工"),
        ("二级", "技师"),
        ("一级", "高级技师"),
        ("初级工", "初级工"),
        ("中级工", "中级工"),
        ("高级工", "高级工"),
        ("技师", "技师"),
        ("高级技师", "高级技师"),
        ("特级技师", "特级技师"),
        ("首席技师", "首席技师"),
        ("一级/高级技师", "高级技师"),
        ("二级/技师", "技师"),
        ("三级/高级工", "高级工"),
        ("国家职业资格二级", "技师"),
        ("国家职业资格一级", "高级技师"),
        ("职业技能等级三级", "高级工"),
        ("高级（三级）", "高级工"),
        ("中级（四级）", "中级工"),
        ("3级", "高级工"),
        ("３级", "高级工"),
        ("四 级", "中级工"),
        (" 高 级 技 师 ", "高级技师"),
        ("高級技師", "高级技师"),
        ("貳級／技師", "技师"),
        ("高级技工", "高级工"),
        ("三级心理咨询师", "高级工"),
        ("学徒工", None),
        ("高级工程师", None),  # a title, not a skill level
        ("一级建造师", None),  # a licence
        ("二级教师", None),
        ("技师学院", None),
        ("职业技能等级证书", None),
        ("", None),
    ],
)
def test_normalize_skill_level(raw: str, expected: str | None) -> None:
    assert normalize_skill_level(raw) == expected


def test_skill_level_parts_expose_contradiction() -> None:
    assert skill_level_parts("二级/高级技师") == ("技师", "高级技师")
    assert normalize_skill_level("二级/高级技师") == "高级技师"  # the printed name wins
    assert skill_level_parts("一级/高级技师") == ("高级技师", "高级技师")
    assert skill_level_parts("国家职业资格三级") == ("高级工", None)
    assert skill_level_parts(None) == (None, None)


_CN_GRADE = {1: "一", 2: "二", 3: "三", 4: "四", 5: "五"}


@given(st.sampled_from(sorted(SKILL_GRADE_TO_LEVEL)), st.sampled_from(["/", "／", " ", ""]))
def test_skill_grade_words_and_names_agree(grade: int, sep: str) -> None:
    level = SKILL_GRADE_TO_LEVEL[grade]
    assert normalize_skill_level(f"{_CN_GRADE[grade]}级") == level
    assert normalize_skill_level(f"{grade}级") == level
    assert normalize_skill_level(level) == level
    both = f"{_CN_GRADE[grade]}级{sep}{level}"
    assert skill_level_parts(both) == (level, level)


# ---------------------------------------------------------------- titles


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("正高级工程师", "正高级"),
        ("教授级高级工程师", "正高级"),
        ("研究员", "正高级"),
        ("教授", "正高级"),
        ("主任医师", "正高级"),
        ("正高级教师", "正高级"),
        ("正高级经济师", "正高级"),
        ("高级工程师", "副高级"),
        ("高 级 工 程 師", "副高级"),
        ("副研究员", "副高级"),
        ("副教授", "副高级"),
        ("副主任医师", "副高级"),
        ("高级讲师", "副高级"),
        ("高级经济师", "副高级"),
        ("高级会计师", "副高级"),
        ("高级教师", "副高级"),
        ("高级农艺师", "副高级"),
        ("工程师", "中级"),
        ("讲师", "中级"),
        ("主治医师", "中级"),
        ("经济师", "中级"),
        ("会计师", "中级"),
        ("一级教师", "中级"),
        ("助理研究员", "中级"),
        ("助理工程师", "初级"),
        ("技术员", "初级"),
        ("助教", "初级"),
        ("医师", "初级"),
        ("助理经济师", "初级"),
        ("二级教师", "初级"),
        ("三级教师", "初级"),
        ("会计员", "初级"),
        ("初级会计师", "初级"),
        ("中级职称", "中级"),
        ("副高级", "副高级"),
        ("正高级", "正高级"),
        ("高级", "副高级"),
        ("高级技师", None),  # a skill level
        ("", None),
    ],
)
def test_normalize_title_level(raw: str, expected: str | None) -> None:
    assert normalize_title_level(raw) == expected


def test_normalize_title() -> None:
    assert normalize_title(" 高级 工程师 ") == "高级工程师"
    assert normalize_title("ＩＴ工程师：") == "IT工程师"
    assert normalize_title("  ") is None


# ---------------------------------------------------------------- education


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("中等专业学校", "中专"),
        ("中专", "中专"),
        ("职高", "中专"),
        ("技工学校", "中专"),
        ("中技", "中专"),
        ("职业高中", "中专"),
        ("高中", "高中"),
        ("普通高中", "高中"),
        ("大专", "大专"),
        ("专科", "大专"),
        ("大学专科", "大专"),
        ("高职", "大专"),
        ("本科", "本科"),
        ("大学本科", "本科"),
        ("学士", "本科"),
        ("专科起点本科", "本科"),
        ("硕士", "硕士研究生"),
        ("硕士研究生", "硕士研究生"),
        ("研究生（硕士）", "硕士研究生"),
        ("研究生", "硕士研究生"),
        ("碩士", "硕士研究生"),
        ("博士", "博士研究生"),
        ("研究生（博士）", "博士研究生"),
        ("初中", None),
        ("", None),
    ],
)
def test_normalize_education(raw: str, expected: str | None) -> None:
    assert normalize_education(raw) == expected


# ---------------------------------------------------------------- awards


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("金奖", "金奖"),
        ("金牌", "金奖"),
        ("银牌", "银奖"),
        ("铜奖", "铜奖"),
        ("一等奖", "一等奖"),
        ("荣获二等奖", "二等奖"),
        ("三等奖（团体）", "三等奖"),
        ("壹等奖", "一等奖"),
        ("优秀奖", "优秀奖"),
        ("特等奖", None),
        ("第一名", None),
        ("一等功", None),
        ("劳动模范", None),
        ("", None),
    ],
)
def test_normalize_award_rank(raw: str, expected: str | None) -> None:
    assert normalize_award_rank(raw) == expected


@pytest.mark.parametrize(
    ("award", "issuer", "expected"),
    [
        ("全国技术能手", None, "国家级"),
        ("中华技能大奖", None, "国家级"),
        ("第46届世界技能大赛金牌", None, "国家级"),
        ("全国五一劳动奖章", "中华全国总工会", "国家级"),
        ("技术能手", "人力资源和社会保障部", "国家级"),
        ("劳动模范", "国务院", "国家级"),
        ("技术能手", "新疆维吾尔自治区人力资源和社会保障厅", "省级"),
        ("五一劳动奖章", "新疆维吾尔自治区总工会", "省级"),
        ("开发建设新疆奖章", None, "省级"),
        ("劳动模范", "新疆生产建设兵团", "省级"),
        ("先进工作者", "教育部", "省级"),  # 部委 count as 省级 (contract)
        ("技术能手", "乌鲁木齐市总工会", "地市级"),
        ("技术能手", "昌吉回族自治州人民政府", "地市级"),  # 自治州 is not 自治区
        ("技术能手", "伊犁哈萨克自治州总工会", "地市级"),
        ("技术能手", "甘孜藏族自治州人民政府", "地市级"),
        ("技术能手", "广西壮族自治区人民政府", "省级"),
        ("技术能手", "新疆维吾尔自治区乌鲁木齐市总工会", "地市级"),
        ("技术能手", "新疆维吾尔自治区 乌鲁木齐市 总工会", "地市级"),
        ("技术能手", "新疆生产建设兵团第八师", "地市级"),
        ("先进个人", "阿克苏地区行政公署", "地市级"),
        ("乌鲁木齐市技能大赛一等奖", None, "地市级"),
        ("先进个人", "新疆生产建设兵团第八师一四二团", "县级"),
        ("先进个人", "察布查尔锡伯自治县人民政府", "县级"),
        ("先进个人", "乌鲁木齐市天山区人民政府", "县级"),
        ("先进个人", "新疆某某建设有限公司", "其他"),
        ("先进个人", "某某街道办事处", "其他"),
        ("优秀员工", None, "其他"),
        ("先进个人", "人力资源社会保障部、中华全国总工会", "国家级"),
    ],
)
def test_normalize_award_level(award: str, issuer: str | None, expected: str) -> None:
    assert normalize_award_level(award, issuer) == expected


def test_award_level_issuer_beats_award_name() -> None:
    # The award name says 全国 but the issuer is a city body.
    assert normalize_award_level("全国技术能手选拔", "克拉玛依市人民政府") == "地市级"
    assert normalize_award_level("", "") is None
    assert normalize_award_level(None, None) is None


# ---------------------------------------------------------------- dates


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("2021年6月30日", "2021-06-30"),
        ("2021年06月30日", "2021-06-30"),
        ("2021.06.30", "2021-06-30"),
        ("2021-6-30", "2021-06-30"),
        ("2021/06/30", "2021-06-30"),
        ("20210630", "2021-06-30"),
        ("1985.03", "1985-03"),
        ("1985年3月", "1985-03"),
        ("1985-03", "1985-03"),
        ("198503", "1985-03"),
        ("1985", "1985"),
        ("2021年度", "2021"),
        ("二〇一六年六月三十日", "2016-06-30"),
        ("二零一六年六月", "2016-06"),
        ("贰零壹陆年陆月拾日", "2016-06-10"),
        ("二O一六年十二月二十一日", "2016-12-21"),
        ("二○一六年十月一日", "2016-10-01"),
        ("一九八五年元月五日", "1985-01-05"),
        ("２０２１年６月３０日", "2021-06-30"),
        ("2021 年 6 月 30 日", "2021-06-30"),
        ("发证日期：2021年6月30日（盖章）", "2021-06-30"),
        ("编号1234.56 日期2021年2月3日", "2021-02-03"),
        ("2021-02-30", None),
        ("2021年2月30日", None),
        ("2021年13月1日", None),
        ("二〇二一年二月三十日", None),
        ("1899年1月1日", None),
        ("2101-01-01", None),
        ("650102198503120011", None),  # digits inside an ID number are not a date
        ("2 01 4.0 7.2 0", "2014-07-20"),  # glyphs read apart on a poor scan
        ("2014 07 20", None),  # no separators: not a spaced numeric date
        ("无", None),
        ("", None),
    ],
)
def test_parse_date(raw: str, expected: str | None) -> None:
    assert parse_date(raw) == expected


def test_format_cn_date() -> None:
    assert format_cn_date("2016-06-30") == "二〇一六年六月三十日"
    assert format_cn_date("2000-10-10") == "二〇〇〇年十月十日"
    assert format_cn_date("1990-01-21") == "一九九〇年一月二十一日"
    assert format_cn_date("2016-06") == "二〇一六年六月"
    assert format_cn_date("2016") == "二〇一六年"
    with pytest.raises(ValueError):
        format_cn_date("2021-02-30")


_dates = st.dates(min_value=date(1900, 1, 1), max_value=date(2100, 12, 31))


@given(_dates)
def test_cn_date_round_trip(d: date) -> None:
    iso = d.isoformat()
    assert parse_date(format_cn_date(iso)) == iso
    assert parse_date(format_cn_date(iso[:7])) == iso[:7]


@given(_dates, st.sampled_from(["{y}年{m}月{d}日", "{y}年{m:02d}月{d:02d}日", "{y}.{m}.{d}"]))
def test_parse_date_arabic_forms(d: date, fmt: str) -> None:
    assert parse_date(fmt.format(y=d.year, m=d.month, d=d.day)) == d.isoformat()


@given(st.integers(1900, 2100), st.integers(1, 12), st.integers(29, 31))
def test_parse_date_rejects_impossible(y: int, m: int, d: int) -> None:
    try:
        expected: str | None = date(y, m, d).isoformat()
    except ValueError:
        expected = None
    assert parse_date(f"{y}年{m}月{d}日") == expected


# ---------------------------------------------------------------- person fields


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("男", "男"), ("女性", "女"), ("性别：女", "女"), ("M", "男"), ("female", "女"), ("", None)],
)
def test_normalize_gender(raw: str, expected: str | None) -> None:
    assert normalize_gender(raw) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("维吾尔", "维吾尔族"),
        ("维吾尔族", "维吾尔族"),
        ("維吾爾族", "维吾尔族"),
        ("维族", "维吾尔族"),
        ("汉", "汉族"),
        ("汉族", "汉族"),
        ("哈萨克", "哈萨克族"),
        ("柯尔克孜族", "柯尔克孜族"),
        ("土家族", "土家族"),
        ("土族", "土族"),
        ("民族：回族", "回族"),
        ("火星族", None),
        ("", None),
    ],
)
def test_normalize_ethnicity(raw: str, expected: str | None) -> None:
    assert normalize_ethnicity(raw) == expected


def test_all_56_groups_round_trip() -> None:
    assert len(ETHNIC_GROUPS) == len(set(ETHNIC_GROUPS)) == 56
    for group in ETHNIC_GROUPS:
        assert normalize_ethnicity(group) == group
        assert normalize_ethnicity(group[:-1]) == group


def test_clean_cert_no() -> None:
    assert clean_cert_no(" ｙ0000-65-000001 21 2 000001 ") == "Y000065000001212000001"
    assert clean_cert_no("证书编号：S000065000001212000001") == "S000065000001212000001"
    assert clean_cert_no("") is None


# ---------------------------------------------------------------- totality

_NORMALISERS = [
    to_halfwidth,
    comparable,
    normalize_name,
    name_key,
    name_parts,
    normalize_skill_level,
    skill_level_parts,
    normalize_title_level,
    normalize_title,
    normalize_education,
    normalize_award_rank,
    normalize_award_level,
    parse_date,
    normalize_gender,
    normalize_ethnicity,
    clean_cert_no,
]
_VOCAB = {
    normalize_skill_level: SKILL_LEVELS,
    normalize_title_level: TITLE_LEVELS,
    normalize_education: EDUCATION_LEVELS,
    normalize_award_rank: AWARD_RANKS,
    normalize_award_level: AWARD_LEVELS,
}


@given(st.text(), st.sampled_from(_NORMALISERS))
def test_normalisers_never_raise(s: str, fn) -> None:  # type: ignore[no-untyped-def]
    out = fn(s)
    if fn in _VOCAB and out is not None:
        assert out in _VOCAB[fn]


# Text made of the characters the normalisers look for, to reach deeper branches.
_hot = st.text(
    alphabet="一二三四五六七八九十〇零O年月日级高中初技师工正副教授研究员等奖"
    "金银铜全国自治区州市县团第师·. /（）()0123456789",
    max_size=30,
)


@given(_hot, st.sampled_from(_NORMALISERS))
def test_normalisers_never_raise_on_relevant_text(s: str, fn) -> None:  # type: ignore[no-untyped-def]
    out = fn(s)
    if fn in _VOCAB and out is not None:
        assert out in _VOCAB[fn]
    if fn is parse_date and out is not None and len(out) == 10:
        date.fromisoformat(out)
