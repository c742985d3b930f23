"""One intake (a declared table that was checked) linked and, given a history, kept.

Used by the verifier's cross-checks (pipelines.stages) and by `credcheck duplicates`
(pipelines.dupcmd) alike.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from matchers.linkage.history import History
from matchers.linkage.link import ApplicantLinks, link_applicants
from models.declared import Applicant

__all__ = ["intake_id", "link_intake"]


def intake_id(declared: Path) -> str:
    """Default intake id: the first 16 hex digits of the declared file's SHA-256."""
    h = hashlib.sha256()
    with open(declared, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()[:16]


def link_intake(
    applicants: list[Applicant], history: Path | None, *, intake: str, source: str
) -> ApplicantLinks:
    """Link an intake's applicants among themselves and, given a history database, with
    earlier intakes; the intake is then added to the history (a re-run replaces it)."""
    if history is None:
        return link_applicants(applicants)
    with History.open(history) as h:
        links = link_applicants(applicants, history=h, intake=intake)
        h.add_intake(intake, applicants, source=source, keys=links.keys)
    return links
