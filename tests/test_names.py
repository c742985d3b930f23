"""Name comparison: spelling variants match, other people's names do not."""

from __future__ import annotations

import itertools

import pytest
import zhconv
from hypothesis import assume, given
from hypothesis import strategies as st
from rapidfuzz.distance import Levenshtein

from extractors.normalize import name_key
from matchers.names import (
    _LOOKALIKE_GROUPS,
    NameVerdict,
    compare_names,
    is_ocr_lookalike,
    name_search_key,
)

SAME, VARIANT, UNCERTAIN, DIFFERENT = (
    NameVerdict.same,
    NameVerdict.variant,
    NameVerdict.uncertain,
    NameVerdict.different,
)

# ---------------------------------------------------------------- generated names

HAN_SURNAMES = list("王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗") + ["欧阳", "司马"]
HAN_GIVEN = "伟强磊军洋勇杰涛明超刚平辉鹏华飞斌波宇浩芳娜敏静丽艳娟霞燕玲婷雪慧"
# Uyghur/Kazakh/Mongol-style parts; no part is another's prefix or one character away.
MINORITY_PARTS = (
    "艾力", "吐尔逊", "阿依古丽", "热合曼", "依明", "库尔班", "玛依拉", "亚森", "帕尔哈提",
    "努尔兰", "叶尔江", "巴特尔", "买买提", "古丽娜尔", "阿不都", "迪丽努尔",
)  # fmt: skip
DOTS = ["·", "•", "．", "・", "‧", "⋅", "･", "∙", "﹒", ".", " ", "\u3000", " · ", "  "]

han_given = st.text(alphabet=HAN_GIVEN, min_size=1, max_size=2)
han_names = st.builds(lambda s, g: (s + g,), st.sampled_from(HAN_SURNAMES), han_given)
minority_names = st.lists(st.sampled_from(MINORITY_PARTS), min_size=2, max_size=3, unique=True).map(
    tuple
)


@st.composite
def renderings(draw: st.DrawFn, parts: tuple[str, ...]) -> str:
    """One way a document may print the name `parts`."""
    if len(parts) > 1:
        parts = parts[: draw(st.integers(2, len(parts)))]  # trailing parts dropped
        text = draw(st.sampled_from([*DOTS, ""])).join(parts)
    else:
        (name,) = parts
        text = draw(st.sampled_from([name, " ".join(name), "  ".join(name), "\u3000".join(name)]))
    if draw(st.booleans()):
        text = zhconv.convert(text, "zh-hant")
    prefix = draw(st.sampled_from(["", " ", "姓名：", "姓名:", "姓 名 "]))
    suffix = draw(st.sampled_from(["", " ", "\u3000", "。"]))
    return prefix + text + suffix


def _declared(parts: tuple[str, ...]) -> str:
    return "·".join(parts)


# ---------------------------------------------------------------- properties: variants match


@given(st.data(), st.one_of(han_names, minority_names))
def test_renderings_match(data: st.DataObject, parts: tuple[str, ...]) -> None:
    found = data.draw(renderings(parts))
    m = compare_names(_declared(parts), found)
    assert m.matches, (found, m)
    assert 0.7 <= m.score <= 1.0
    # Declared data can carry the variant as well.
    assert compare_names(found, _declared(parts)).verdict == m.verdict


@given(st.data(), st.one_of(han_names, minority_names))
def test_search_key_ignores_spelling(data: st.DataObject, parts: tuple[str, ...]) -> None:
    found = data.draw(renderings(parts))
    if len(name_key(found).split("·")) >= len(parts) or len(parts) == 1:
        assert name_search_key(found) == name_search_key(_declared(parts)) == "".join(parts)


@given(han_names, st.floats(0, 1))
def test_confidence_never_breaks_identity(parts: tuple[str, ...], conf: float) -> None:
    assert compare_names(parts[0], parts[0], found_confidence=conf).verdict == SAME


# ---------------------------------------------------------------- properties: others differ


@given(st.sampled_from(HAN_SURNAMES), st.sampled_from(HAN_SURNAMES), han_given)
def test_han_other_surname_is_different(a: str, b: str, given_name: str) -> None:
    assume(a != b and not (len(a) == len(b) == 1 and is_ocr_lookalike(a, b)))
    m = compare_names(a + given_name, b + given_name)
    assert m.verdict == DIFFERENT
    assert not m.matches
    assert m.score <= 0.3


@given(han_names, st.data())
def test_han_one_given_char_changed_is_different(
    parts: tuple[str, ...], data: st.DataObject
) -> None:
    name = parts[0]
    pos = data.draw(st.integers(len(name) - (1 if len(name) == 2 else 2), len(name) - 1))
    new = data.draw(st.sampled_from(HAN_GIVEN))
    assume(new != name[pos] and not is_ocr_lookalike(new, name[pos]))
    other = name[:pos] + new + name[pos + 1 :]
    assert compare_names(name, other).verdict == DIFFERENT
    assert compare_names(name, other, found_confidence=0.3).verdict == DIFFERENT


@given(minority_names, st.sampled_from(MINORITY_PARTS), st.data())
def test_minority_other_own_name_is_different(
    parts: tuple[str, ...], first: str, data: st.DataObject
) -> None:
    assume(first not in parts)
    other = (first, *parts[1:])
    found = data.draw(renderings(other))
    assert compare_names(_declared(parts), found).verdict == DIFFERENT


@given(han_names, st.sampled_from(_LOOKALIKE_GROUPS), st.data())
def test_ocr_lookalike_is_uncertain(
    parts: tuple[str, ...], group: str, data: st.DataObject
) -> None:
    a, b = data.draw(st.permutations(group))[:2]
    declared, found = parts[0] + a, parts[0] + b
    low = compare_names(declared, found, found_confidence=0.5)
    high = compare_names(declared, found, found_confidence=0.95)
    assert low.verdict == high.verdict == UNCERTAIN
    assert f"OCR 易混字 {a}/{b}" in low.reasons
    assert low.score > high.score >= 0.3


def test_minority_test_pool_is_far_apart() -> None:
    # The different-name properties rely on this.
    for a, b in itertools.combinations(MINORITY_PARTS, 2):
        assert Levenshtein.distance(a, b) >= 2, (a, b)
        assert not a.startswith(b) and not b.startswith(a), (a, b)


def test_lookalike_table_survives_normalisation() -> None:
    for group in _LOOKALIKE_GROUPS:
        for ch in group:
            assert name_key(ch) == ch, ch
    assert is_ocr_lookalike("己", "已") and is_ocr_lookalike("已", "己")
    assert not is_ocr_lookalike("买", "卖")
    assert not is_ocr_lookalike("己", "己")


# ---------------------------------------------------------------- examples, one per reason


@pytest.mark.parametrize(
    ("declared", "found", "verdict", "reason"),
    [
        ("张伟", "张伟", SAME, "完全一致"),
        ("张伟", "張偉", SAME, "繁简体不同"),
        ("阿依古丽·吐尔逊", "阿依古麗·吐爾遜", SAME, "繁简体不同"),
        ("阿依古丽·吐尔逊", "阿依古丽•吐尔逊", SAME, "间隔号或空格写法不同"),
        ("阿依古丽·吐尔逊", "阿依古丽 吐尔逊", SAME, "间隔号或空格写法不同"),
        ("张伟", "张  伟", SAME, "间隔号或空格写法不同"),
        ("阿依古丽·吐尔逊", "阿依古丽\u3000吐尔逊", SAME, "间隔号或空格写法不同"),
        ("ZHANG WEI", "ＺＨＡＮＧ ＷＥＩ", SAME, "全角/半角不同"),
        ("ZHANG WEI", "zhang wei", SAME, "大小写不同"),
        ("买买提·艾力", "买买提艾力", VARIANT, "证件姓名缺少间隔号"),
        ("买买提艾力", "买买提·艾力", VARIANT, "申报姓名无间隔号"),
        ("阿依古丽·吐尔逊", "阿依古丽吐·尔逊", VARIANT, "间隔号位置不同"),
        ("阿依古丽·吐尔逊·买买提", "阿依古丽·吐尔逊", VARIANT, "fewer parts: 2 of 3"),
        ("阿依古丽·吐尔逊·买买提", "阿依古丽·买买提", VARIANT, "fewer parts: 2 of 3"),
        ("阿依古丽·吐尔逊·买买提", "阿依古丽吐尔逊", VARIANT, "fewer parts: 2 of 3"),
        ("阿依古丽·吐尔逊", "阿依古丽·吐尔逊·买买提", VARIANT, "申报姓名省略部分"),
        ("阿依古丽吐尔逊买买提", "阿依古丽·吐尔逊", VARIANT, "fewer parts: 2 of more"),
        (None, "张伟", UNCERTAIN, "缺少姓名"),
        ("张伟", "", UNCERTAIN, "缺少姓名"),
        ("张伟", "  姓名： ", UNCERTAIN, "缺少姓名"),
        ("李己", "李已", UNCERTAIN, "OCR 易混字 己/已"),
        ("王芳", "玉芳", UNCERTAIN, "OCR 易混字 王/玉"),
        ("艾力·吐尔逊", "艾刀·吐尔逊", UNCERTAIN, "OCR 易混字 力/刀"),
        ("阿依古丽·吐尔逊", "阿依古丽·吐尔洪", UNCERTAIN, "编辑距离 1"),
        ("阿依古丽·吐尔逊·买买提", "阿依古丽", UNCERTAIN, "first part only: 1 of 3"),
        ("阿依古丽吐尔逊买买提", "阿依古丽吐尔逊", UNCERTAIN, "较短姓名为前缀"),
        ("阿依古丽·吐尔逊", "AYGUL TURSUN", UNCERTAIN, "未比较音译"),
        # usual Chinese spellings of one Uyghur name part: a reviewer looks, no mismatch
        ("买买提·艾力", "麦麦提·艾力", UNCERTAIN, "音译用字不同 (transliteration variant: 买买提"),
        ("阿布都热依木·吐尔逊", "阿不都热依木·图尔逊", UNCERTAIN, "吐尔逊 / 图尔逊"),
        ("艾合买提·托合提", "艾合麦提·托乎提", UNCERTAIN, "托合提 / 托乎提"),
        ("张伟", "张玮", DIFFERENT, "汉族姓名不容错"),
        # 乾 and the surname 於 are standard simplified characters, not 干 / 于
        ("李乾", "李干", DIFFERENT, "汉族姓名不容错"),
        ("於明", "于明", DIFFERENT, "姓不同"),
        ("李乾", "李乾", SAME, "完全一致"),
        ("张伟", "王伟", DIFFERENT, "姓不同"),
        ("欧阳娜娜", "欧阳娜", DIFFERENT, "名不同"),
        ("艾力·吐尔逊", "艾力·吐尔洪", DIFFERENT, "父名等部分不同"),
        # A son carries his father's name as his second part: another person.
        ("艾力·吐尔逊", "买买提·艾力·吐尔逊", DIFFERENT, "本人名字不同"),
        ("买买提·艾力·吐尔逊", "艾力·吐尔逊", DIFFERENT, "本人名字不同"),
        ("阿依古丽·吐尔逊", "帕尔哈提·亚森", DIFFERENT, "编辑距离"),
    ],
)
def test_examples(declared: str | None, found: str, verdict: NameVerdict, reason: str) -> None:
    m = compare_names(declared, found)
    assert m.verdict == verdict, m
    assert any(reason in r for r in m.reasons), m
    assert m.matches == (verdict in (SAME, VARIANT))
    assert 0.0 <= m.score <= 1.0


def test_score_bands() -> None:
    assert compare_names("张伟", "張偉").score == 1.0
    assert 0.7 <= compare_names("阿依古丽·吐尔逊·买买提", "阿依古丽吐尔逊").score < 1.0
    assert compare_names("张伟", "张玮").score <= 0.3
    assert compare_names(None, None).score == 0.0


def test_trailing_parts_beat_a_dropped_middle_part() -> None:
    full = "阿依古丽·吐尔逊·买买提"
    assert (
        compare_names(full, "阿依古丽·吐尔逊").score > compare_names(full, "阿依古丽·买买提").score
    )


def test_odd_confidence_values() -> None:
    for conf in (float("nan"), -1.0, 2.0):
        assert compare_names("李己", "李已", found_confidence=conf).verdict == UNCERTAIN


def test_name_search_key() -> None:
    keys = {
        name_search_key(s)
        for s in (
            "阿依古丽·吐尔逊",
            "阿依古丽•吐尔逊",
            "阿依古麗 吐爾遜",
            "阿依古丽吐尔逊",
            "阿依古丽．吐尔逊",
        )
    }
    assert keys == {"阿依古丽吐尔逊"}
    assert name_search_key("張 偉") == name_search_key("张伟") == "张伟"
    assert name_search_key("ＺＨＡＮＧ Wei") == "zhangwei"
    assert name_search_key(None) == name_search_key("") == ""


def test_possible_misread_is_an_edge_glyph_or_one_glyph_of_a_long_name():
    from matchers.names import possible_misread

    assert possible_misread(
        "张三丰", "名张三丰", 0.95, doubt_below=0.8
    )  # a split label's glyph at the edge
    assert possible_misread("阿依古丽", "阿依古而", 0.99, doubt_below=0.8)  # one glyph of four
    assert not possible_misread(
        "张三", "张山", 0.95, doubt_below=0.8
    )  # two-glyph names: a different person
    assert possible_misread(
        "张三", "张山", 0.5, doubt_below=0.8
    )  # ... unless the reading is doubtful
    assert not possible_misread("张三丰", "李四光", 0.5, doubt_below=0.8)
    assert not possible_misread("张三丰", "张三丰", 0.5, doubt_below=0.8)  # the same is no misread


def test_lookalikes_by_printed_shape_beyond_the_table() -> None:
    """Glyphs whose shapes nearly cover each other are OCR look-alikes (阎/阁, 娟/绢); glyphs
    that share a side only are not (伟/玮, 张/章)."""
    from matchers.names import glyph_overlap, is_ocr_lookalike

    assert is_ocr_lookalike("阎", "阁") and is_ocr_lookalike("娟", "绢")
    assert not is_ocr_lookalike("伟", "玮") and not is_ocr_lookalike("张", "章")
    assert glyph_overlap("阎", "阁") > glyph_overlap("伟", "玮") > glyph_overlap("张", "章")
    assert compare_names("阎波", "阁波").verdict is NameVerdict.uncertain
