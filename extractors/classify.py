"""Document type of a page from its words and layout.

Each type has cue phrases with weights; a cue in the page's title line (the tallest text in
the upper part of the page) counts three times, since a certificate names itself there.
Form-like pages (申报表, 合同, 推荐信…) carry many of the same labels, so they have cues of
their own that push towards `other`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from extractors import normalize as nz
from extractors.layout import vertical_gutter
from extractors.lexicon import HONOUR_LINE, OVERPRINT
from models import DocType, PageText, TextLine
from models.catalogue import DOC_SPECS

# Cue phrases with weights, per document type (models/catalogue.py).
CUES: dict[DocType, tuple[tuple[str, float], ...]] = {t: s.cues for t, s in DOC_SPECS.items()}

# Below this best score a page shows nothing certificate-like.
MIN_SCORE = 4.0
HONOUR_LINE_WEIGHT = 4.0


@dataclass
class Classification:
    doc_type: DocType
    confidence: float
    scores: dict[DocType, float]
    title: str


def title_line(lines: list[TextLine], page_height: float) -> TextLine | None:
    """The heading: the tallest short line in the upper part of the page (a long body line
    on a skewed scan has a tall box too, so long lines do not count)."""
    top = [
        ln for ln in lines
        if ln.bbox[1] < 0.45 * page_height and 2 <= len(ln.text.strip()) <= 14
    ]  # fmt: skip
    if not top:
        return None
    return max(top, key=lambda ln: ln.bbox[3] - ln.bbox[1])


def classify_lines(lines: list[TextLine], page_height: float) -> Classification:
    text = nz.comparable("\n".join(ln.text for ln in lines)).upper()
    text = re.sub(r"[ \t]", "", text)
    title = title_line(lines, page_height)
    title_text = re.sub(r"\s", "", nz.comparable(title.text)) if title else ""
    scores: dict[DocType, float] = {}
    for doc_type, cues in CUES.items():
        score = 0.0
        for cue, weight in cues:
            if cue in text:
                score += weight
                if cue in title_text:
                    score += 2 * weight
        scores[doc_type] = score
    if any(HONOUR_LINE.fullmatch(re.sub(r"\s", "", nz.to_halfwidth(ln.text))) for ln in lines):
        # A line that is an honour title and nothing else ("全国劳动模范"): what an honour
        # certificate prints in large type, whatever its heading ("证书" alone, or none).
        scores[DocType.award_certificate] += HONOUR_LINE_WEIGHT
    if title_text.endswith("表"):
        # 申报表, 情况表, 汇总表…: a form or a table, whatever labels it repeats.
        scores[DocType.other] += 8
    best = max(scores, key=lambda t: scores[t])
    ordered = sorted(scores.values(), reverse=True)
    if ordered[0] < MIN_SCORE:
        return Classification(DocType.other, 0.6, scores, title_text)
    margin = ordered[0] - ordered[1]
    confidence = min(0.99, 0.5 + margin / (2 * ordered[0]) + min(ordered[0], 20) / 80)
    return Classification(best, round(confidence, 3), scores, title_text)


def classify_page(page: PageText) -> Classification:
    return classify_lines(page.lines, page.height or 1.0)


SPLIT_MIN_CONFIDENCE = 0.7


def split_documents(page: PageText) -> list[tuple[tuple[float, float, float, float] | None,
                                                  PageText]]:  # fmt: skip
    """The documents on a page: [(None, page)], or two (region, page of its lines) when two
    certificates stand side by side, each placed with confidence and each naming its own
    holder (a booklet's spread of one certificate names its holder once). An ID card's two
    faces side by side stay one card."""
    from extractors.fields import extract_fields  # fields import this module

    gutter = vertical_gutter(page.lines, page.width or 0.0)
    if gutter is None:
        return [(None, page)]
    mid = (gutter[0] + gutter[1]) / 2

    # A line across the gutter (a note) goes with the side holding its middle; a stamp laid
    # over the sheet goes with both, so each side knows its date for the stamp's.
    def side(ln: TextLine, left: bool) -> bool:
        return bool(OVERPRINT.search(ln.text)) or ((ln.bbox[0] + ln.bbox[2]) / 2 < mid) == left

    sides = [
        ((0.0, 0.0, mid, page.height), [ln for ln in page.lines if side(ln, True)]),
        ((mid, 0.0, page.width, page.height), [ln for ln in page.lines if side(ln, False)]),
    ]
    out = []
    for region, lines in sides:
        sub = page.model_copy(update={"lines": lines})
        cls = classify_page(sub)
        if cls.doc_type is DocType.other or cls.confidence < SPLIT_MIN_CONFIDENCE:
            return [(None, page)]
        got = extract_fields(sub, cls.doc_type)
        if len(got) < 3:
            return [(None, page)]  # a column of labels, a caption: no document of its own
        out.append((cls.doc_type, region, sub, bool({"name", "id_number"} & set(got)), len(got)))
    if all(t is DocType.id_card for t, *_x in out):
        return [(None, page)]
    # Each side names its holder; or one does and the other, a document of another kind,
    # reads four facts of its own without (its holder's line lost under an overprint).
    (t1, *_a, named1, n1), (t2, *_b, named2, n2) = out
    if not (named1 and named2) and not (
        t1 is not t2
        and DocType.id_card not in (t1, t2)  # a form's personal half is no ID card
        and (named1 or n1 >= 4)
        and (named2 or n2 >= 4)
        and (named1 or named2)
    ):
        return [(None, page)]
    return [(region, sub) for _t, region, sub, *_x in out]
