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
from extractors.lexicon import HONOUR_LINE
from models import DocType, PageText, TextLine

CUES: dict[DocType, tuple[tuple[str, float], ...]] = {
    DocType.skill_certificate: (
        ("职业技能等级证书", 6), ("职业资格证书", 6), ("技能等级证书", 4), ("职业技能等级", 2),
        ("评价机构", 2), ("职业名称", 1.5), ("鉴定", 1), ("工种", 1), ("国家职业资格", 2),
        ("技师", 0.5), ("高级工", 0.5), ("技能人才评价", 1.5), ("职业方向", 1.5),
        ("CERTIFICATE OF SKILL", 2), ("技能鉴定", 1.5), ("理论知识", 3), ("操作技能", 3),
        ("评定成绩", 2.5), ("及等级", 2), ("职业(工种)", 2), ("技能等级认定", 2),
    ),
    DocType.award_certificate: (
        ("荣誉证书", 6), ("获奖证书", 6), ("奖状", 5), ("荣获", 2), ("授予", 1.5),
        ("特发此证", 3), ("以资鼓励", 3), ("获奖者", 2.5), ("称号", 2), ("一等奖", 1.5),
        ("二等奖", 1.5), ("三等奖", 1.5), ("金奖", 1.5), ("银奖", 1.5), ("铜奖", 1.5),
        ("优秀奖", 1.5), ("大赛", 1), ("竞赛", 1), ("奖章", 1.5), ("技术能手", 1.5),
        ("劳动模范", 1.5), ("表彰", 1.5), ("荣誉", 1), ("赛事名称", 3), ("获奖等次", 3),
        ("获得奖项", 3), ("赛项", 2), ("比赛项目", 2), ("竞赛项目", 2), ("英才", 2),
        ("标兵", 2), ("能手", 2), ("同志", 1), ("被评为", 2.5), ("表现突出", 1.5),
    ),
    DocType.title_certificate: (
        ("专业技术资格证书", 6), ("职称证书", 6), ("专业技术职务任职资格", 5),
        ("专业技术资格", 3), ("资格名称", 2.5), ("评审委员会", 2), ("任职资格", 2),
        ("职称", 1.5), ("工程师", 1), ("专业技术", 1), ("评审通过", 2), ("资格级别", 2),
    ),
    DocType.education_certificate: (
        ("毕业证书", 6), ("学位证书", 6), ("准予毕业", 4), ("学业证书", 4), ("修完", 2),
        ("学制", 2), ("校长", 2), ("院长", 1), ("学士学位", 3), ("硕士学位", 3),
        ("博士学位", 3), ("在本校", 2), ("专业", 0.5), ("教学计划", 2), ("毕业", 1),
    ),
    DocType.id_card: (
        ("居民身份证", 6), ("公民身份号码", 3), ("签发机关", 3), ("有效期限", 3),
        ("住址", 3), ("民族", 1.5), ("出生", 1), ("中华人民共和国", 1), ("身份证", 2),
    ),
    DocType.other: (
        ("申报表", 6), ("汇总表", 6), ("推荐表", 6), ("登记表", 6), ("劳动合同", 6),
        ("合同", 3), ("甲方", 3), ("乙方", 3), ("推荐信", 6), ("推荐意见", 3),
        ("承诺书", 6), ("证明", 3), ("兹证明", 4), ("情况说明", 5), ("花名册", 5),
        ("信息表", 5), ("审核意见", 3), ("工作简历", 3), ("主要业绩", 3), ("签字", 1),
        ("盖章", 1), ("培养徒弟", 3), ("序号", 2), ("申报人", 2), ("附件", 2),
        ("聘用", 2), ("单位意见", 3), ("兹推荐", 4), ("特此推荐", 4), ("特此证明", 4),
        ("尊敬的", 3),
        ("同意推荐", 3), ("情况表", 5), ("一览表", 5), ("统计表", 5),
        ("名单", 3), ("带徒", 3), ("拜师", 3), ("徒弟", 3), ("复印件无效", 0),
    ),
}  # fmt: skip

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
