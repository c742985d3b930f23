"""Is a name read from a document the applicant's declared name?

`compare_names` returns a verdict, a score and the reasons behind it. The verifier uses it
to pick the documents that belong to an applicant and raises NAME_MISMATCH only on
`different`; spelling variants of one name (contract "names") never count as another name.

Verdicts, tried as levels in order (first that applies wins, like a Splink comparison):
- same: equal after normalisation (middle-dot forms and spaces → ·, full-width → half-width,
  traditional → simplified, case). Namesakes are "same": the ID number decides elsewhere.
- variant: the same letters with the dots missing or moved, or a minority name printed with
  fewer parts (the first part, the person's own name, kept, the others in order).
- uncertain: a missing name; one character swapped for an OCR look-alike (己/已 from a
  table, or two glyphs whose printed shapes nearly cover each other: 阎/阁); one
  character substituted in a long (≥6 characters) minority name; only the first part of a
  multi-part name; names in different scripts (transliteration is not compared); a Uyghur
  name part written with another of its usual Chinese spellings (买买提 / 麦麦提).
- different: everything else. Han names get no edit tolerance: 张伟 and 张玮 are two people.

Score is 1.0 for same, 0.80–0.95 for variant, 0.30–0.75 for uncertain (0 when a name
is missing), ≤0.30 for different.
"""

from __future__ import annotations

import functools
import itertools
import math
import re
import unicodedata
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from enum import StrEnum

import zhconv
from rapidfuzz.distance import Levenshtein

from extractors.normalize import name_key, normalize_name, to_halfwidth

__all__ = [
    "NameMatch",
    "NameVerdict",
    "compare_names",
    "is_ocr_lookalike",
    "name_search_key",
    "possible_misread",
]


class NameVerdict(StrEnum):
    same = "same"
    variant = "variant"
    uncertain = "uncertain"
    different = "different"


@dataclass(frozen=True)
class NameMatch:
    verdict: NameVerdict
    score: float  # 0..1
    reasons: tuple[str, ...]

    @property
    def matches(self) -> bool:
        return self.verdict in (NameVerdict.same, NameVerdict.variant)


def name_search_key(s: str | None) -> str:
    """Blocking/index key: simplified, half-width, casefolded, no dots or spaces.

    A name printed with fewer parts gets another key; block on its first part too.
    """
    return name_key(s, keep_dot=False)


# ---------------------------------------------------------------- OCR look-alikes

# Glyphs that differ by one short stroke or a stroke's length, all simplified forms that
# survive name_key. Pairs that are merely similar in sound (买/卖) are different names.
_LOOKALIKE_GROUPS: tuple[str, ...] = (
    "己已巳", "未末", "土士", "日曰", "刀刁力", "人入", "入八", "天夭", "戊戌戍戎", "王玉",
    "王主", "汩汨", "大太犬", "千干", "干于", "田由甲申", "侯候", "冶治", "采釆", "晴睛",
    "拔拨", "免兔", "折析", "颖颍", "木术", "尔尓", "崇祟", "今令", "臣巨",
)  # fmt: skip
_LOOKALIKE_PAIRS: frozenset[frozenset[str]] = frozenset(
    frozenset(pair) for group in _LOOKALIKE_GROUPS for pair in itertools.combinations(group, 2)
)


def possible_misread(
    declared: str | None, found: str | None, confidence: float, *, doubt_below: float
) -> bool:
    """A difference OCR explains better than a borrowed certificate: a character dropped or
    added at an edge (a split label such as 姓 名), or one character changed in a name of
    three or more (or on a reading less confident than `doubt_below`)."""
    a, b = name_search_key(declared), name_search_key(found)
    if not a or not b or a == b:
        return False
    if abs(len(a) - len(b)) == 1 and (b in a or a in b) and min(len(a), len(b)) >= 2:
        return True
    if Levenshtein.distance(a, b) != 1 or len(a) != len(b):
        return False
    return len(a) >= 3 or confidence < doubt_below


def is_ocr_lookalike(a: str, b: str) -> bool:
    """True when OCR can read one of these two characters as the other: a known pair, or two
    CJK glyphs whose printed shapes nearly cover each other (阎/阁, 娟/绢)."""
    if a == b:
        return False
    if frozenset((a, b)) in _LOOKALIKE_PAIRS:
        return True
    return bool(_CJK_RE.fullmatch(a) and _CJK_RE.fullmatch(b)) and glyph_overlap(a, b) >= (
        _GLYPH_LOOKALIKE
    )


# Rendered-shape overlap at or above which two glyphs count as OCR look-alikes. Measured on
# Noto Sans CJK: the table's pairs 0.81–0.97 (阎/阁 0.90, 己/已 0.95); 3,000 random pairs of
# common name characters at most 0.87 (勇/莫); 伟/玮 0.81 stays two names.
_GLYPH_LOOKALIKE = 0.88
_GLYPH_PX = 64


@functools.lru_cache(maxsize=1)
def _cjk_font():
    """A CJK font to draw glyphs with (the Debian packages the Makefile installs)."""
    from PIL import ImageFont

    for path in (
        "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
        "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
        "/usr/share/fonts/truetype/arphic/uming.ttc",
    ):
        try:
            return ImageFont.truetype(path, _GLYPH_PX)
        except OSError:
            continue
    return None


@functools.lru_cache(maxsize=4096)
def _glyph(ch: str):
    import numpy as np
    from PIL import Image, ImageDraw

    font = _cjk_font()
    if font is None:
        return None
    im = Image.new("L", (_GLYPH_PX + 16, _GLYPH_PX + 16), 0)
    ImageDraw.Draw(im).text((8, -4), ch, font=font, fill=255)
    ink = np.array(im) > 100
    return ink if ink.any() else None


def glyph_overlap(a: str, b: str) -> float:
    """Share of each glyph's ink within a pixel of the other's, the smaller of the two (0 when
    no font can draw them)."""
    import cv2
    import numpy as np

    ga, gb = _glyph(a), _glyph(b)
    if ga is None or gb is None:
        return 0.0
    k = np.ones((3, 3), np.uint8)
    da = cv2.dilate(ga.astype(np.uint8), k) > 0
    db = cv2.dilate(gb.astype(np.uint8), k) > 0
    return float(min((ga & db).sum() / ga.sum(), (gb & da).sum() / gb.sum()))


# ---------------------------------------------------------------- scores

_SCORE_SAME = 1.0
_SCORE_LOOKALIKE = (0.75, 0.6)  # (low OCR confidence, high): a confident misread is odder
_SCORE_LONG_SUB = (0.65, 0.5)
_LOW_CONFIDENCE = 0.9
_FACTOR_DOTS = 0.95
_FACTOR_PREFIX = 0.9  # trailing parts dropped: the usual short form
_FACTOR_SUBSEQ = 0.85  # a middle part dropped: seen, but rarer
_FACTOR_GIVEN_ONLY = 0.6
_SCORE_UNSEGMENTED = 0.55
_SCORE_OTHER_SCRIPT = 0.5
_SCORE_DIFFERENT_MAX = 0.3
_LONG_NAME = 6  # characters, dots excluded; Han names have 2-4
_MAX_PARTS_SUBSETS = 6  # more parts than this is OCR noise: try prefixes only

_CJK_RE = re.compile("[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f]")

R_MISSING = "缺少姓名 (name missing)"
R_IDENTICAL = "完全一致 (identical)"
R_NORMALISED = "规范化后一致 (equal after normalisation)"
R_DOT_MISSING = "证件姓名缺少间隔号 (middle dot missing)"
R_DOT_MISSING_DECLARED = "申报姓名无间隔号 (no middle dot in declared name)"
R_DOT_MOVED = "间隔号位置不同 (middle dot moved)"
R_OTHER_SCRIPT = "文字不同，未比较音译 (different scripts; transliteration not compared)"
R_UNSEGMENTED = "无间隔号，较短姓名为前缀 (no dots; one name is the start of the other)"
R_HAN_NO_TOLERANCE = "汉族姓名不容错 (Han name: no edit tolerance)"
R_SURNAME = "姓不同 (surname differs)"
R_GIVEN = "名不同 (given name differs)"
R_FIRST_PART = "本人名字不同 (first part differs)"
R_OTHER_PARTS = "父名等部分不同 (later parts differ)"


# ---------------------------------------------------------------- prepared names


@dataclass(frozen=True)
class _Name:
    raw: str
    key: str  # name_key: dotted, simplified, casefolded
    parts: tuple[str, ...]

    @property
    def flat(self) -> str:
        return "".join(self.parts).replace(" ", "")

    @property
    def han_like(self) -> bool:
        """One undotted run of 2-4 CJK characters: a Han (or Hui, Xibe…) name."""
        return len(self.parts) == 1 and 2 <= len(self.flat) <= 4 and _all_cjk(self.flat)


def _all_cjk(s: str) -> bool:
    return bool(s) and all(_CJK_RE.match(c) for c in s)


def _prepare(s: str | None) -> _Name:
    key = name_key(s)
    return _Name(s or "", key, tuple(p for p in key.split("\u00b7") if p))


@dataclass(frozen=True)
class _Pair:
    declared: _Name
    found: _Name
    confidence: float

    @property
    def low_confidence(self) -> bool:
        return self.confidence < _LOW_CONFIDENCE


# ---------------------------------------------------------------- reasons for spellings


def _halfwidth(s: str) -> str:
    return unicodedata.normalize("NFKC", to_halfwidth(s))


def _simplified(s: str) -> str:
    return zhconv.convert(s, "zh-cn")


# The steps of name_key in order, each with the reason it stands for.
_NORMALISATION_STEPS: tuple[tuple[str, Callable[[str], str]], ...] = (
    ("全角/半角不同 (full-width characters)", _halfwidth),
    ("间隔号或空格写法不同 (middle-dot or spacing variant)", normalize_name),
    ("繁简体不同 (traditional vs simplified)", _simplified),
    ("大小写不同 (letter case)", str.casefold),
)


def _spelling_reasons(declared: str, found: str) -> list[str]:
    """Which normalisation steps brought the two spellings closer."""
    reasons = []
    d, f = declared.strip(), found.strip()
    for reason, step in _NORMALISATION_STEPS:
        nd, nf = step(d), step(f)
        if Levenshtein.distance(nd, nf, processor=None) < Levenshtein.distance(
            d, f, processor=None
        ):
            reasons.append(reason)
        d, f = nd, nf
    return reasons


# ---------------------------------------------------------------- aligned views


@dataclass(frozen=True)
class _View:
    """The two names as compared: the parts shown on the shorter side against the same
    number of parts of the fuller side, dots dropped."""

    declared: str
    found: str
    declared_parts: tuple[str, ...]
    found_parts: tuple[str, ...]
    shown: int  # parts compared
    total: int  # parts of the fuller side
    declared_fuller: bool
    prefix: bool  # the dropped parts are the trailing ones


def _subsequences(parts: tuple[str, ...], size: int) -> Iterator[tuple[tuple[str, ...], bool]]:
    """Ordered sub-tuples of `size` parts that keep the first part; flag: is a prefix."""
    if len(parts) > _MAX_PARTS_SUBSETS:
        yield parts[:size], True
        return
    for rest in itertools.combinations(range(1, len(parts)), size - 1):
        idx = (0, *rest)
        yield tuple(parts[i] for i in idx), idx == tuple(range(size))


def _views(pair: _Pair) -> Iterator[_View]:
    d, f = pair.declared, pair.found
    total = max(len(d.parts), len(f.parts))
    yield _View(d.flat, f.flat, d.parts, f.parts, total, total, True, True)
    if len(d.parts) == len(f.parts):
        return
    declared_fuller = len(d.parts) > len(f.parts)
    fuller, shorter = (d, f) if declared_fuller else (f, d)
    # An undotted shorter side may stand for any number of parts.
    sizes = range(1, len(fuller.parts)) if len(shorter.parts) == 1 else (len(shorter.parts),)
    for size in sizes:
        for sub, prefix in _subsequences(fuller.parts, size):
            joined = "".join(sub).replace(" ", "")
            if declared_fuller:
                yield _View(joined, f.flat, sub, f.parts, size, total, True, prefix)
            else:
                yield _View(d.flat, joined, d.parts, sub, size, total, False, prefix)


def _dot_reason(view: _View) -> str | None:
    d_lens = [len(p) for p in view.declared_parts]
    f_lens = [len(p) for p in view.found_parts]
    if d_lens == f_lens:
        return None
    if len(f_lens) == 1:
        return R_DOT_MISSING
    if len(d_lens) == 1:
        return R_DOT_MISSING_DECLARED
    return R_DOT_MOVED


def _judge_view(view: _View, pair: _Pair) -> NameMatch | None:
    ops = Levenshtein.editops(view.declared, view.found, processor=None)
    reasons: list[str] = []
    if not ops:
        score, verdict = _SCORE_SAME, NameVerdict.variant
    elif len(ops) == 1 and ops[0].tag == "replace":
        a, b = view.declared[ops[0].src_pos], view.found[ops[0].dest_pos]
        pick = 0 if pair.low_confidence else 1
        if is_ocr_lookalike(a, b):
            score, verdict = _SCORE_LOOKALIKE[pick], NameVerdict.uncertain
            reasons.append(f"OCR 易混字 {a}/{b}")
        elif len(view.declared) >= _LONG_NAME:
            score, verdict = _SCORE_LONG_SUB[pick], NameVerdict.uncertain
            reasons.append(f"编辑距离 1 (长姓名 {a}/{b})")
        else:
            return None
    else:
        return None
    dot = _dot_reason(view)
    if dot:
        score *= _FACTOR_DOTS
        reasons.insert(0, dot)
    if view.shown < view.total:
        count = f"{view.shown} of {view.total}"
        if view.shown == 1:
            score *= _FACTOR_GIVEN_ONLY
            verdict = NameVerdict.uncertain
            reasons.append(f"仅有本人名字，无父名 (first part only: {count})")
        else:
            score *= _FACTOR_PREFIX if view.prefix else _FACTOR_SUBSEQ
            who = (
                "少数民族姓名省略部分 (fewer parts"
                if view.declared_fuller
                else ("申报姓名省略部分 (declared fewer parts")
            )
            reasons.append(f"{who}: {count})")
    return NameMatch(verdict, round(score, 4), tuple(reasons))


# ---------------------------------------------------------------- levels

_Level = Callable[[_Pair], NameMatch | None]


def _missing(pair: _Pair) -> NameMatch | None:
    if not pair.declared.flat or not pair.found.flat:
        return NameMatch(NameVerdict.uncertain, 0.0, (R_MISSING,))
    return None


def _identical(pair: _Pair) -> NameMatch | None:
    if pair.declared.key != pair.found.key:
        return None
    if pair.declared.raw.strip() == pair.found.raw.strip():
        return NameMatch(NameVerdict.same, _SCORE_SAME, (R_IDENTICAL,))
    reasons = _spelling_reasons(pair.declared.raw, pair.found.raw) or [R_NORMALISED]
    return NameMatch(NameVerdict.same, _SCORE_SAME, tuple(reasons))


def _other_script(pair: _Pair) -> NameMatch | None:
    d_cjk = bool(_CJK_RE.search(pair.declared.flat))
    f_cjk = bool(_CJK_RE.search(pair.found.flat))
    if d_cjk != f_cjk:
        return NameMatch(NameVerdict.uncertain, _SCORE_OTHER_SCRIPT, (R_OTHER_SCRIPT,))
    return None


def _aligned(pair: _Pair) -> NameMatch | None:
    best: NameMatch | None = None
    for view in _views(pair):
        m = _judge_view(view, pair)
        if m is not None and (best is None or m.score > best.score):
            best = m
    if best is None:
        return None
    spelling = _spelling_reasons(pair.declared.raw, pair.found.raw)
    return NameMatch(best.verdict, best.score, (*spelling, *best.reasons))


def _unsegmented(pair: _Pair) -> NameMatch | None:
    """One side without dots starts with the other: parts may have been dropped."""
    d, f = pair.declared, pair.found
    longer, shorter = (d, f) if len(d.flat) > len(f.flat) else (f, d)
    if len(longer.parts) != 1 or not longer.flat.startswith(shorter.flat):
        return None
    if len(shorter.parts) >= 2:
        # The dotted side names its parts, so whole parts were dropped from the other.
        dot = R_DOT_MISSING if longer is f else R_DOT_MISSING_DECLARED
        who = "申报姓名省略部分" if longer is f else "少数民族姓名省略部分"
        count = f"{len(shorter.parts)} of more"
        score = round(_FACTOR_DOTS * _FACTOR_PREFIX, 4)
        return NameMatch(NameVerdict.variant, score, (dot, f"{who} (fewer parts: {count})"))
    if len(shorter.flat) >= 3 and len(longer.flat) >= 5:
        return NameMatch(NameVerdict.uncertain, _SCORE_UNSEGMENTED, (R_UNSEGMENTED,))
    return None


def _different(pair: _Pair) -> NameMatch:
    d, f = pair.declared, pair.found
    distance = Levenshtein.distance(d.flat, f.flat, processor=None)
    similarity = Levenshtein.normalized_similarity(d.flat, f.flat, processor=None)
    reasons = []
    if d.han_like and f.han_like:
        reasons.append(R_SURNAME if d.flat[0] != f.flat[0] else R_GIVEN)
        if distance == 1:
            reasons.append(R_HAN_NO_TOLERANCE)
    else:
        reasons.append(R_FIRST_PART if d.parts[0] != f.parts[0] else R_OTHER_PARTS)
    reasons.append(f"编辑距离 {distance}")
    return NameMatch(
        NameVerdict.different, round(_SCORE_DIFFERENT_MAX * similarity, 4), tuple(reasons)
    )


# Spellings of one Uyghur name part used side by side on official documents (买买提 and 麦麦提
# both write Mehmet): one person's ID card and certificate may differ in them. Not proof of
# one person either, so "uncertain": a reviewer looks, no NAME_MISMATCH.
_TRANSLITERATIONS: tuple[tuple[str, ...], ...] = (
    ("买买提", "麦麦提", "买买体"),
    ("艾合买提", "艾合麦提"),
    ("阿不都", "阿布都", "阿卜杜", "阿布杜"),
    ("吐尔逊", "图尔逊"),
    ("奥斯曼", "吾斯曼"),
    ("托合提", "托乎提", "托呼提"),
    ("努尔", "奴尔"),
)
_TRANSLIT_RE = re.compile(
    "|".join(sorted((v for g in _TRANSLITERATIONS for v in g[1:]), key=len, reverse=True))
)
_TRANSLIT_CANON = {v: g[0] for g in _TRANSLITERATIONS for v in g[1:]}
_SCORE_TRANSLITERATED = 0.7
R_TRANSLITERATED = "音译用字不同 (transliteration variant: {a} / {b})"


def _transliterated(pair: _Pair) -> NameMatch | None:
    d, f = pair.declared, pair.found
    if d.han_like and f.han_like:
        return None

    def canon(s: str) -> str:
        return _TRANSLIT_RE.sub(lambda m: _TRANSLIT_CANON[m.group()], s)

    if canon(d.flat) != canon(f.flat):
        return None
    pairs = [
        R_TRANSLITERATED.format(a=a, b=b)
        for group in _TRANSLITERATIONS
        for a in group
        for b in group
        if a != b and a in d.flat and b in f.flat
    ]
    spelling = _spelling_reasons(d.raw, f.raw)
    return NameMatch(NameVerdict.uncertain, _SCORE_TRANSLITERATED, (*spelling, *pairs))


_LEVELS: tuple[_Level, ...] = (
    _missing, _identical, _other_script, _aligned, _unsegmented, _transliterated
)  # fmt: skip


def compare_names(
    declared: str | None, found: str | None, *, found_confidence: float = 1.0
) -> NameMatch:
    """Judge whether `found` (read from a document) is the `declared` name.

    found_confidence is the OCR confidence of the name field (0..1); it only moves the
    score of near-misses, never the verdict.
    """
    confidence = 0.0 if math.isnan(found_confidence) else min(max(found_confidence, 0.0), 1.0)
    pair = _Pair(_prepare(declared), _prepare(found), confidence)
    for level in _LEVELS:
        m = level(pair)
        if m is not None:
            return m
    return _different(pair)
