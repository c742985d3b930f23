"""Assessing: gather each applicant's page readings into PacketFiles and judge them
(matchers/assess.py); an applicant whose assessment hit a bug still appears, for review."""

from __future__ import annotations

import logging
from collections.abc import Iterator, Mapping
from datetime import date

from matchers.assess import assess_applicant
from models.constants import (
    MAX_PAGES_PER_APPLICANT,
)
from models.evidence import FileInfo, PacketFile, PageReading
from models.exceptions import (
    CredcheckError,
    OcrEngineError,
)
from models.results import ApplicantResult, Status
from pipelines.stages.plan import ApplicantPlan, BatchPlan, pages_to_read

log = logging.getLogger(__name__)


class PacketFilesView(Mapping[str, list[PacketFile]]):
    """Applicant id → its PacketFiles, built from the page readings each time it is asked
    for: held for every applicant at once, they would hold every page's documents."""

    def __init__(
        self,
        plan: BatchPlan,
        infos: dict[str, FileInfo],
        pages: Mapping[tuple[str, int], PageReading | CredcheckError],
    ):
        self._plans = {ap.applicant.applicant_id: ap for ap in plan.applicants}
        self._infos, self._pages = infos, pages

    def __getitem__(self, applicant_id: str) -> list[PacketFile]:
        return packet_files(self._plans[applicant_id], self._infos, self._pages)

    def __iter__(self) -> Iterator[str]:
        return iter(self._plans)

    def __len__(self) -> int:
        return len(self._plans)

    def __contains__(self, applicant_id: object) -> bool:
        return applicant_id in self._plans  # without building its files


def packet_files(
    plan: ApplicantPlan,
    infos: dict[str, FileInfo],
    pages: Mapping[tuple[str, int], PageReading | CredcheckError],
) -> list[PacketFile]:
    wanted = pages_to_read(plan, infos)
    out = []
    for fp in plan.files:
        info = infos[fp.rel]
        pf = PacketFile(
            file=fp.rel, sha256=info.sha256, size=info.size, error_code=info.error_code,
            reason_zh=info.reason_zh, detail=info.detail, page_count=info.page_count,
            metadata=info.metadata,
        )  # fmt: skip
        if info.error_code is None:
            nums = wanted.get(fp.rel, [])
            pf.pages_read = len(nums)
            if not nums and info.page_count:
                pf.skipped_reason_zh = f"申报人材料超过{MAX_PAGES_PER_APPLICANT}页上限，未识别"
            for k in nums:
                got = pages.get((fp.rel, k))
                if isinstance(got, PageReading):
                    pf.documents.extend(got.documents)
                else:
                    err = got or OcrEngineError("no result")
                    from models.document import PageFailure

                    pf.failures.append(
                        PageFailure(page=k, code=err.code, reason_zh=err.reason_zh,
                                    detail=err.detail)
                    )  # fmt: skip
        out.append(pf)
    return out


FOLDER_MISSING = "未找到该申报编号的材料文件夹（packets/申报编号/）"


def assess(plan: ApplicantPlan, files: list[PacketFile], as_of: date) -> ApplicantResult:
    questions = [FOLDER_MISSING] if plan.folder_missing else []
    return assess_applicant(plan.applicant, files, as_of=as_of, questions=questions)


def assessment_failed(plan: ApplicantPlan, e: Exception) -> ApplicantResult:
    """The applicant still appears, for a reviewer, when assessing them hit a bug."""
    a = plan.applicant
    return ApplicantResult(
        applicant_id=a.applicant_id, program=a.program, name=a.name,
        status=Status.needs_review,
        review_reasons=[f"自动核验出错（{type(e).__name__}），请人工审核全部材料"],
    )  # fmt: skip
