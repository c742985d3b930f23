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
from pipelines.crops import Cropper


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
    monkeypatch.setattr(stages.plan, "MAX_PAGES_PER_APPLICANT", 60)
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
    crop = Cropper(batch, pages, shas={"packets/A/id.png": "ab" * 32}, cache_dir=cache)
    data = crop(ref)
    assert data is not None and len(list(cache.iterdir())) == 1
    arr = np.asarray(Image.open(io.BytesIO(data)).convert("L"))
    # the middle of the ID line (birth date, sequence digits) is blacked out
    assert arr[arr.shape[0] // 2, arr.shape[1] // 2] == 0
    # a second run finds the crop on disk without rendering the page again
    (batch / "packets" / "A" / "id.png").unlink()
    again = Cropper(batch, pages, shas={"packets/A/id.png": "ab" * 32}, cache_dir=cache)
    assert again(ref) == data
    # another file content (hash) is never served a stale crop
    other = Cropper(batch, pages, shas={"packets/A/id.png": "cd" * 32}, cache_dir=cache)
    assert other(ref) is None


def test_prefetched_crops_are_the_report_s_crops_each_page_decoded_once(tmp_path):
    batch, page, bbox = _id_page(tmp_path)
    other = page.model_copy(update={"file": "packets/A/copy.png"})
    (batch / "packets" / "A" / "copy.png").write_bytes((batch / "packets/A/id.png").read_bytes())
    pages = {("packets/A/id.png", 1): page, ("packets/A/copy.png", 1): other}
    refs = [EvidenceRef(file=f, page=1, bbox=b) for f in ("packets/A/id.png", "packets/A/copy.png")
            for b in (bbox, (100.0, 100.0, 400.0, 150.0))]  # fmt: skip
    plain = [Cropper(batch, pages)(r) for r in refs]
    crop = Cropper(batch, pages)
    crop.prefetch([*refs, EvidenceRef(file="packets/A/id.png", page=1)], threads=2)
    loaded = crop._page.__wrapped__.loaded  # PageImages behind the page cache
    assert loaded == 2  # two pages, four crops
    (batch / "packets" / "A" / "id.png").unlink()  # served from what was rendered
    assert [crop(r) for r in refs] == plain and all(plain)
    assert crop._page.__wrapped__.loaded == loaded


def _reading(file: str, page: int = 1, name: str = "张三") -> PageReading:
    f = ExtractedField(key="name", value=name, raw=name, confidence=0.9,
                       evidence=Evidence(file=file, page=page, bbox=(1, 2, 3, 4)))  # fmt: skip
    doc = DocumentReading(file=file, page=page, doc_type=DocType.award_certificate,
                          fields={"name": f})  # fmt: skip
    return PageReading(file=file, page=page, documents=[doc], phash="ab" * 32)


def test_page_store_gives_back_equal_readings_and_keeps_errors_apart():
    from models.exceptions import CorruptFile
    from pipelines.pagestore import PageStore

    store = PageStore()
    a, b = _reading("packets/A/x.jpg"), _reading("packets/A/x.jpg", 2, "李四")
    err = CorruptFile("page 3 cut", file="packets/A/x.jpg")
    store.put(("packets/A/x.jpg", 1), a)
    store.put(("packets/A/x.jpg", 2), b)
    store.put(("packets/A/x.jpg", 3), err)
    assert store[("packets/A/x.jpg", 1)] == a and store[("packets/A/x.jpg", 2)] == b
    assert store[("packets/A/x.jpg", 1)] is not a  # a copy: the store holds bytes, not objects
    assert store[("packets/A/x.jpg", 3)] is err and len(store) == 3
    read = store.readings()
    assert set(read) == {("packets/A/x.jpg", 1), ("packets/A/x.jpg", 2)}
    assert read.get(("packets/A/x.jpg", 3)) is None and read[("packets/A/x.jpg", 2)] == b
    # a page read again after an error replaces it
    store.put(("packets/A/x.jpg", 3), _reading("packets/A/x.jpg", 3))
    assert ("packets/A/x.jpg", 3) in read and len(store) == 3


def test_packet_files_view_builds_each_applicant_from_the_store():
    from pipelines.pagestore import PageStore

    fps = {aid: stages.FilePlan(rel=f"packets/{aid}/x.jpg", path=Path(f"/b/packets/{aid}/x.jpg"))
           for aid in ("A", "B")}  # fmt: skip
    plan = stages.BatchPlan(Path("/b"), None, [
        stages.ApplicantPlan(Applicant(applicant_id=aid), [fp]) for aid, fp in fps.items()
    ])  # fmt: skip
    infos = {fp.rel: FileInfo(file=fp.rel, page_count=1) for fp in fps.values()}
    store = PageStore()
    store.put(("packets/A/x.jpg", 1), _reading("packets/A/x.jpg"))
    view = stages.PacketFilesView(plan, infos, store)
    assert sorted(view) == ["A", "B"]
    [pa], [pb] = view["A"], view["B"]
    assert [d.fields["name"].value for d in pa.documents] == ["张三"]
    assert pb.documents == [] and pb.failures[0].page == 1  # not read: a page failure


def test_cross_checks_with_history_find_an_applicant_of_an_earlier_intake(tmp_path):
    # verify --history: the same person (same ID number) in this year's and last year's intake
    idn = "650102198503120011"
    rows = {
        "2024": f"申报编号,姓名,身份证号码\nA-1,张伟,{idn}\nA-2,李娜,650102199001010022\n",
        "2025": f"申报编号,姓名,身份证号码\nB-1,张伟,{idn}\n",
    }
    db = tmp_path / "history.sqlite"
    got = {}
    for year, text in rows.items():
        batch = tmp_path / year
        (batch / "packets").mkdir(parents=True)
        (batch / "declared.csv").write_text(text, encoding="utf-8")
        plan = stages.plan_batch(batch)
        got[year] = stages.cross_checks([], plan, {}, {}, history_path=db)
    assert got["2024"].duplicates == []
    [g] = got["2025"].duplicates
    assert g.code.value == "DUPLICATE_APPLICANT"
    assert g.applicant_ids[1] == "B-1" and g.applicant_ids[0].endswith(":A-1")  # intake:编号
    # a re-run of this year's intake does not meet itself
    again = stages.cross_checks([], stages.plan_batch(tmp_path / "2025"), {}, {}, history_path=db)
    assert again.duplicates == got["2025"].duplicates


def test_only_pages_a_flag_cites_get_their_skipped_second_opinions_taken():
    from extractors.reconcile import SECOND_OPINION_SKIPPED
    from models.results import ApplicantResult, Flag, FlagCode, Severity

    def page(file: str, notes: list[str]) -> PageReading:
        f = ExtractedField(key="id_number", value="11010519491231002X", raw="x", confidence=0.97,
                           evidence=Evidence(file=file, page=1, bbox=(1, 2, 3, 4)), notes=notes)  # fmt: skip
        doc = DocumentReading(file=file, page=1, doc_type=DocType.id_card, fields={"id_number": f})
        return PageReading(file=file, page=1, documents=[doc])

    pages = {
        ("a.jpg", 1): page("a.jpg", [SECOND_OPINION_SKIPPED]),  # cited, skipped: look
        ("b.jpg", 1): page("b.jpg", ["tesseract agrees"]),  # cited, re-read already
        ("c.jpg", 1): page("c.jpg", [SECOND_OPINION_SKIPPED]),  # skipped, cited by no flag
    }
    flag = Flag(code=FlagCode.ID_MISMATCH, severity=Severity.high, message="m",
                evidence=[EvidenceRef(file=f, page=1, bbox=(1, 2, 3, 4))
                          for f in ("a.jpg", "b.jpg", "gone.jpg")])  # fmt: skip
    a = ApplicantResult(applicant_id="A1", program=None, status=Status.flagged, flags=[flag])
    clear = ApplicantResult(applicant_id="A2", program=None, status=Status.clear)
    assert stages.decisive_pages([a, clear], pages) == [("a.jpg", 1)]
