"""Cross-checks: what needs every applicant at once (duplicates, reused evidence, tampering),
and the status of each applicant, decided once all its flags and questions are in."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from pathlib import Path

from extractors.declared import find_declared
from matchers.assess import flag_sort_key, status_of
from matchers.evidence import evidence_pairs, find_duplicate_evidence
from matchers.linkage.intake import intake_id, link_intake
from matchers.linkage.link import find_duplicate_applicants
from matchers.tamper import tamper_flags
from models.evidence import PacketFile, PageReading
from models.results import ApplicantResult, Flag, Results
from pipelines.stages.plan import BatchPlan
from pipelines.stages.reading import PageImages

log = logging.getLogger(__name__)


def cross_checks(
    applicants: list[ApplicantResult],
    plan: BatchPlan,
    files: Mapping[str, list[PacketFile]],
    pages: Mapping[tuple[str, int], PageReading],
    *,
    history_path: Path | None = None,
) -> Results:
    """Checks across applicants: the same person twice (DUPLICATE_APPLICANT, also against
    earlier intakes in the history database), the same certificate twice
    (DUPLICATE_EVIDENCE), and files showing signs of editing (TAMPER_SUSPECTED flags).
    Page images are loaded again (`PageImages`) only for pages whose certificate content
    agrees with another applicant's, to align the two."""
    declared = [ap.applicant for ap in plan.applicants]
    if history_path is not None:
        # The intake is named by its declared file's content, so a re-run never meets itself.
        src, _awards = find_declared(plan.batch_dir)
        groups = link_intake(declared, history_path, intake=intake_id(src), source=src.name).groups
    else:
        groups = find_duplicate_applicants(declared)
    pairs = evidence_pairs(files, pages, images=PageImages(plan.batch_dir, pages))
    groups += find_duplicate_evidence(files, pages, pairs=pairs)
    tampered = tamper_flags(files, pages, pairs=pairs)
    for a in applicants:
        settle(a, tampered.get(a.applicant_id, []))
    groups.sort(key=lambda g: (g.code.value, g.applicant_ids, g.files or []))
    return Results(applicants=sorted(applicants, key=lambda a: a.applicant_id), duplicates=groups)


def settle(a: ApplicantResult, extra: list[Flag]) -> None:
    """Add flags found beyond the applicant's own assessment, in the flags' order; then its
    status, the last step: every flag and question of the applicant is in."""
    if extra:
        a.flags = sorted([*a.flags, *extra], key=flag_sort_key)
    a.status = status_of(a.flags, a.review_reasons)
