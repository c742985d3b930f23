"""Blind layouts for the documents of whole application packets (`synth.batch`, layouts blind).

The batch plans what each document prints (its facts, faults included); this module picks a
blind layout that can print those facts and draws it. A layout is eligible only where the
planned facts and any fault stay printed as planned:

- skill certificates by era (old 职业资格证书 booklets before 2020-09, 职业技能等级证书 after);
  an ID number planted on a certificate (ID_MISMATCH) never goes to the phone screenshot,
  which may mask it;
- education by heading: 中专 only under 中等职业学校, 学位证书 for degrees, 成人高等教育
  for 大专 and 本科 only; 高中 has no blind layout (the batch draws it with synth's);
- awards by kind: honours on the booklet spread, the 奖状 and the 决定 letter (talent plans,
  `…英才`, on the 入选证书); competitions on the numbered certificate and the 通报 letter;
- the two-up layouts (two_up_old_new, two_honours) paste a second, random certificate the
  applicant never declared, so packets use `render_sheet` instead: two of the applicant's
  own certificates copied side by side on one landscape A4, with overprints;
- an ID card as the front alone, both sides on one A4 copy, or front and back as two pages
  of one PDF/TIFF (`ID_FRONT_BACK`).
"""

from __future__ import annotations

import random
from dataclasses import replace

from synth.blind import BLIND_LAYOUTS, overprints
from synth.blind.common import compose, finish, plain_page
from synth.documents import RenderedDoc
from synth.people import Person

# Front and back as two pages of one file: the batch splits the file, this is not a renderer.
ID_FRONT_BACK = "card_front+card_back"
# The random second certificate of these would be evidence nobody planned.
NOT_IN_PACKETS = frozenset({"two_up_old_new", "two_honours"})
# Certificates that may be copied side by side onto one sheet (not letters, not screenshots).
SHEET_LAYOUTS = frozenset(
    {
        "old_spread_inline", "old_vertical_stacked", "old_grid_sheet", "new_college",
        "new_enterprise", "booklet_committee", "form_table", "landscape_sentence",
        "regular_portrait", "secondary_seal", "degree_committee", "adult_landscape",
        "honour_spread", "talent_plan", "jiangzhuang", "competition_numbered",
    }
)  # fmt: skip
_AWARD_FACTS = ("name", "award_name", "issuer", "issue_date", "award_rank", "award_year")
_FACTS = {
    "skill_certificate": ("name", "skill_level", "occupation", "issue_date", "issuer", "cert_no"),
    "title_certificate": ("name", "title", "issue_date"),
    "education_certificate": ("name", "education", "issue_date"),
    "award_certificate": _AWARD_FACTS,
    "id_card": (),
    "other": ("unit",),
}


def layouts_for(doc_type: str, facts: dict) -> list[str]:
    """Blind layouts that print the planned facts of one document ([] when none can)."""
    if doc_type == "skill_certificate":
        era = "new_" if facts.get("era") == "new" else "old_"
        out = [k for k in sorted(BLIND_LAYOUTS[doc_type]) if k.startswith(era)]
        if "id_number" in facts:  # a planted ID number must not be masked
            out = [k for k in out if k != "new_e_screenshot"]
        return out
    if doc_type == "education_certificate":
        edu = facts.get("education")
        if edu == "中专":
            return ["secondary_seal"]
        if edu not in ("大专", "本科", "硕士研究生", "博士研究生"):
            return []  # 高中: no heading of the blind layouts fits
        if facts.get("kind") == "degree" and edu != "大专":
            return ["degree_committee"]
        return ["regular_portrait"] + (["adult_landscape"] if edu in ("大专", "本科") else [])
    if doc_type == "award_certificate":
        if facts.get("kind") == "competition":
            return ["competition_numbered", "decision_letter"]
        if facts.get("award_name", "").endswith("英才"):
            return ["talent_plan"]
        return ["decision_letter", "honour_spread", "jiangzhuang"]
    if doc_type == "id_card":  # the back alone prints no field: it comes after a front
        return sorted(k for k in BLIND_LAYOUTS[doc_type] if k != "card_back")
    return sorted(k for k in BLIND_LAYOUTS[doc_type] if k not in NOT_IN_PACKETS)


def blind_facts(doc_type: str, facts: dict, program: str | None = None) -> dict:
    """The planned facts as the blind renderers take them."""
    out = {k: facts[k] for k in _FACTS[doc_type] if k in facts}
    if doc_type == "award_certificate":
        out["letter"] = "notice" if facts.get("kind") == "competition" else "decision"
        if facts.get("kind") == "competition":
            out.pop("award_year", None)  # a competition's year is its date's
    if facts.get("text_layer"):
        out["text_layer"] = True
    if program:
        out["program"] = program  # the 仅供…申报使用 line names the applicant's program
    return out


def render_doc(
    doc_type: str, layout: str, person: Person, rng: random.Random, facts: dict
) -> RenderedDoc:
    """One planned document drawn with a blind layout (`facts` as the batch plans them)."""
    if "id_number" in facts:  # the blind layouts print the holder's number
        person = replace(person, id_number=facts["id_number"])
    f = blind_facts(doc_type, facts, facts.get("program"))
    return BLIND_LAYOUTS[doc_type][layout](person, rng, **f)


def render_sheet(
    parts: list[tuple[str, str, Person, dict]], rng: random.Random, program: str | None = None
) -> RenderedDoc:
    """Several certificates of one applicant copied side by side on one landscape A4
    (documents.md: two small certificates on one A4). `parts`: (doc_type, layout, person,
    facts) each; one Region per part, the page's fields are the first part's."""
    docs = [
        render_doc(t, lay, person, random.Random(rng.random()), facts)
        for t, lay, person, facts in parts
    ]
    cv = plain_page(rng, (3508, 2480))
    width = (cv.w - 200) / len(docs)
    heights = [min(2150.0, width * d.image.height / d.image.width) for d in docs]
    regions = compose(cv, docs, rng, heights, rng.uniform(40, 90), (30, 60))
    cv.boxes.update(regions[0].field_boxes)
    truth = [b for r in regions for b in r.field_boxes.values()]
    over = {"certified": 0.6, "use_only": 0.4, "page_no": 0.5, "fax": 0.1}
    overprints.apply(cv, rng, {"program": program} if program else {}, truth, over,
                     [r.bbox for r in regions])  # fmt: skip
    layout = "sheet:" + "+".join(d.layout for d in docs)
    return finish(cv, docs[0].doc_type, regions[0].fields, layout, regions=regions)
