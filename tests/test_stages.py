"""Plain stages of verify, without Prefect or OCR."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
from PIL import Image

from models.declared import Applicant
from models.document import DocType, DocumentReading, Evidence, ExtractedField
from models.evidence import FileInfo, PageReading
from models.results import EvidenceRef, Status
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


def _id_page(tmp_path: Path) -> tuple[Path, PageReading, tuple[float, float, float, float]]:
    batch = tmp_path / "batch"
    (batch / "packets" / "A").mkdir(parents=True)
    img = np.full((400, 900, 3), 255, np.uint8)
    img[180:220, 100:800] = 30  # a dark bar where the ID number line is
    Image.fromarray(img).save(batch / "packets" / "A" / "id.png")
    bbox = (100.0, 180.0, 800.0, 220.0)
    f = ExtractedField(key="id_number", value="650102199001011234", raw="650102199001011234",
                       confidence=0.99, evidence=Evidence(file="packets/A/id.png", page=1,
                                                          bbox=bbox))  # fmt: skip
    doc = DocumentReading(file="packets/A/id.png", page=1, doc_type=DocType.id_card,
                          fields={"id_number": f})  # fmt: skip
    page = PageReading(file="packets/A/id.png", page=1, documents=[doc], width=900, height=400)
    return batch, page, bbox


def test_evidence_crops_mask_id_numbers_and_are_kept_for_the_next_run(tmp_path):
    batch, page, bbox = _id_page(tmp_path)
    pages = {("packets/A/id.png", 1): page}
    ref = EvidenceRef(file="packets/A/id.png", page=1, bbox=bbox)
    cache = tmp_path / "crops"
    crop = stages.Cropper(batch, pages, shas={"packets/A/id.png": "ab" * 32}, cache_dir=cache)
    data = crop(ref)
    assert data is not None and len(list(cache.iterdir())) == 1
    arr = np.asarray(Image.open(io.BytesIO(data)).convert("L"))
    # the middle of the ID line (birth date, sequence digits) is blacked out
    assert arr[arr.shape[0] // 2, arr.shape[1] // 2] == 0
    # a second run finds the crop on disk without rendering the page again
    (batch / "packets" / "A" / "id.png").unlink()
    again = stages.Cropper(batch, pages, shas={"packets/A/id.png": "ab" * 32}, cache_dir=cache)
    assert again(ref) == data
    # another file content (hash) is never served a stale crop
    other = stages.Cropper(batch, pages, shas={"packets/A/id.png": "cd" * 32}, cache_dir=cache)
    assert other(ref) is None
