"""Plain stages of verify, without Prefect or OCR."""

from __future__ import annotations

from pathlib import Path

from models.declared import Applicant
from models.document import DocType, DocumentReading, Evidence, ExtractedField
from models.evidence import FileInfo, PageReading
from models.results import Status
from pipelines import stages


def test_a_failed_assessment_keeps_the_applicant_for_review():
    r = stages.assessment_failed(stages.ApplicantPlan(Applicant(applicant_id="A1", name="张三")),
                                 ValueError("boom"))  # fmt: skip
    assert r.applicant_id == "A1" and r.name == "张三"
    assert r.status is Status.needs_review and "ValueError" in r.review_reasons[0]


def test_relabel_gives_a_cached_reading_its_own_file_name():
    f = ExtractedField(key="name", value="张三", raw="张三", confidence=0.9,
                       evidence=Evidence(file="packets/A/x.jpg", page=1, bbox=(1, 2, 3, 4)))  # fmt: skip
    doc = DocumentReading(file="packets/A/x.jpg", page=1, doc_type=DocType.award_certificate,
                          fields={"name": f})  # fmt: skip
    r = stages.relabel(
        PageReading(file="packets/A/x.jpg", page=1, documents=[doc]), "packets/B/y.jpg"
    )
    assert r.file == "packets/B/y.jpg"
    assert r.documents[0].file == "packets/B/y.jpg"
    assert r.documents[0].fields["name"].evidence.file == "packets/B/y.jpg"


def test_pages_to_read_respects_the_per_applicant_budget(monkeypatch):
    monkeypatch.setattr(stages, "MAX_PAGES_PER_APPLICANT", 60)
    files = [stages.FilePlan(rel=f"packets/A/{i}.pdf", path=Path(f"/x/{i}.pdf")) for i in range(3)]
    infos = {fp.rel: FileInfo(file=fp.rel, page_count=40) for fp in files}
    plan = stages.ApplicantPlan(Applicant(applicant_id="A"), files)
    got = stages.pages_to_read(plan, infos)
    assert [len(got.get(fp.rel, [])) for fp in files] == [40, 20, 0]
