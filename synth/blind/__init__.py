"""Blind layouts: new synthetic document layouts drawn from spec/documents.md alone.

They measure whether the reader generalises to documents it was not tuned on, so they were
drawn without looking at the reader (extractors/, matchers/) or its tests. Each renderer has
the signature of `synth.documents`' renderers, `(person, rng, **facts) -> RenderedDoc`, and
returns contract-normalised truth with the box where each value is printed.

`BLIND_LAYOUTS[doc_type][layout]` is the renderer; `render_blind(doc_type, layout, ...)`
calls it. `synth.blind.packet` draws the documents of whole application packets with them.

Facts a caller may fix: `name` everywhere; `skill_level`, `occupation`, `issue_date`,
`issuer`, `cert_no` (skill); `award_name`, `award_rank`, `issuer`, `issue_date`, `cert_no`,
`award_year` (a "…年度" honour), `letter="notice"|"decision"` (decision_letter) (award; the
level always follows the printed issuer, so fix the issuer with the award);
`title`, `title_level`, `issuer`, `issue_date` (title); `education`, `school`,
`issue_date`, `cert_no` (education; a layout keeps the levels its heading allows);
`unit` (在职证明); `overprints=()` or a tuple of `overprints.KINDS` to fix the marks a copy
carries, `program` for the 仅供…申报使用 line; `text_layer=True` draws TrueType families
only (Uyghur labels and pages pasted into a composite copy are raster only).
"""

from __future__ import annotations

import random
from collections.abc import Callable

from synth.blind import award, education, idcard, other, skill, title
from synth.documents import RenderedDoc
from synth.people import Person

Renderer = Callable[..., RenderedDoc]

BLIND_LAYOUTS: dict[str, dict[str, Renderer]] = {
    "skill_certificate": dict(skill.LAYOUTS),
    "award_certificate": dict(award.LAYOUTS),
    "title_certificate": dict(title.LAYOUTS),
    "education_certificate": dict(education.LAYOUTS),
    "id_card": dict(idcard.LAYOUTS),
    "other": dict(other.LAYOUTS),
}


def render_blind(
    doc_type: str, layout: str, person: Person, rng: random.Random, **facts
) -> RenderedDoc:
    return BLIND_LAYOUTS[doc_type][layout](person, rng, **facts)
