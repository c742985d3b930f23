"""TAMPER_SUSPECTED: image editors in metadata, and edited copies of another applicant's certificate."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from matchers.evidence import find_duplicate_evidence
from matchers.tamper import editor_in, tamper_flags
from models.document import DocType, DocumentReading, Evidence, ExtractedField
from models.evidence import PacketFile, PageReading
from models.results import FlagCode, Severity

EDITORS = [
    ("Software", "Adobe Photoshop 25.0 (Windows)"),
    ("Software", "Adobe Photoshop Lightroom Classic 12.0 (Windows)"),
    ("ProcessingSoftware", "GIMP 2.10.34"),
    ("Software", "美图秀秀"),
    ("Software", "MeituPic 9.9"),
    ("Software", "PicsArt"),
    ("Software", "Snapseed 2.0"),
    ("CreatorTool", "Canva"),
    ("Software", "WPS图片"),
    ("Software", "醒图"),
    ("Creator", "Adobe Illustrator 27.0"),
    ("Producer", "GPL Ghostscript 9.55; modified with Photopea"),
    ("XMPHistorySoftware", ["Adobe Photoshop CC 2019 (Macintosh)"]),
    ("Software", "ç¾\x8eå\x9b¾ç§\x80ç§\x80"),  # 美图秀秀 as UTF-8 read as Latin-1
]
NOT_EDITORS = [
    ("Software", "Canon iR-ADV C5540 III"),
    ("Software", "EPSON Scan 2"),
    ("Software", "HP Smart"),
    ("Software", "17.1"),  # iPhone firmware
    ("Software", "MediaTek Camera Application"),
    ("Software", "HUAWEI P40"),
    ("Software", "Microsoft Lens"),
    ("Software", "CamScanner"),
    ("Software", "扫描全能王"),
    ("Creator", "Adobe Scan"),
    ("Producer", "ABBYY FineReader PDF 15"),
    ("Producer", "Microsoft® Word 2016"),
    ("Creator", "WPS 文字"),
    ("Producer", "WPS Office"),
    ("Producer", "Skia/PDF m120"),
    ("Producer", "Quartz PDFContext"),
    ("Producer", "Adobe Acrobat Pro DC 21.0.0"),
    ("Producer", "Foxit PhantomPDF Printer Version 10.1"),
    ("Creator", "ScanSnap Manager #iX1600"),
    ("Creator", "HTML Canvas to PDF"),
    ("Producer", "PaperPort 14"),
]


@pytest.mark.parametrize(("key", "value"), EDITORS)
def test_image_editor_in_metadata(key, value):
    pf = PacketFile(file="packets/A/skill.jpg", sha256="a" * 64, size=10, metadata={key: value})
    flags = tamper_flags({"A": [pf]}, {})
    (f,) = flags["A"]
    assert f.code is FlagCode.TAMPER_SUSPECTED and f.severity is Severity.medium
    assert f.evidence[0].file == "packets/A/skill.jpg" and "图像编辑软件" in f.message
    assert f.reasons and "image editor" in f.reasons[0]


@pytest.mark.parametrize(("key", "value"), NOT_EDITORS)
def test_scanners_phones_and_pdf_tools_are_not_editors(key, value):
    pf = PacketFile(file="packets/A/x.pdf", sha256="b" * 64, size=10, metadata={key: value})
    assert tamper_flags({"A": [pf]}, {}) == {}
    assert editor_in(value) is None


def test_synthetic_editor_exif_reaches_the_loader(tmp_path):
    from extractors.loaders import load_file
    from synth.batch import _with_exif_software

    buf = io.BytesIO()
    Image.new("RGB", (64, 48), "white").save(buf, "JPEG", quality=80)
    named = {"Adobe Photoshop 25.0 (Windows)": "Adobe Photoshop", "美图秀秀": "美图秀秀 (Meitu)"}
    for software, editor in named.items():
        path = tmp_path / "scan.jpg"
        path.write_bytes(_with_exif_software(buf.getvalue(), software))
        loaded, _ = load_file(path)
        assert loaded.metadata["Software"] == software
        pf = PacketFile(
            file="packets/A/scan.jpg", sha256="c" * 64, size=1, metadata=loaded.metadata
        )
        (f,) = tamper_flags({"A": [pf]}, {})["A"]
        assert f"（{editor}）" in f.message  # the editor this file names, not any editor
        assert f.reasons[0].startswith(f"元数据 Software = {software}：")


def test_utf8_in_exif_ascii_fields_is_decoded_by_the_loader(tmp_path):
    """Chinese apps write UTF-8 into EXIF ASCII fields; Pillow reads them as Latin-1."""
    from extractors.loaders import load_file

    buf = io.BytesIO()
    Image.new("RGB", (64, 48), "white").save(buf, "JPEG", quality=80)
    plain = Image.open(io.BytesIO(buf.getvalue()))
    for software in ("醒图", "美图秀秀 9.6", "Café Scan 2", "EPSON Scan 2"):
        exif = plain.getexif()
        latin = software == "Café Scan 2"  # Latin-1 text that is not UTF-8 stays as it was
        exif[0x0131] = software.encode("latin-1" if latin else "utf-8")
        exif[0x010F] = "华为".encode()  # Make
        path = tmp_path / "scan.jpg"
        out = io.BytesIO()
        plain.save(out, "JPEG", exif=exif.tobytes())
        path.write_bytes(out.getvalue())
        loaded, _ = load_file(path)
        assert loaded.metadata["Make"] == "华为"
        assert loaded.metadata["Software"] == software
    flags = tamper_flags({"A": [PacketFile(file="packets/A/scan.jpg", sha256="d" * 64, size=1,
                                           metadata={"Software": "醒图"})]}, {})  # fmt: skip
    assert "醒图" in flags["A"][0].message


# ---------------------------------------------------------------- edited copies (hand-built)

AWARD = {"award_name": "自治区技术能手", "issuer": "新疆维吾尔自治区人力资源和社会保障厅",
         "issue_date": "2021-06-30", "award_level": "省级"}  # fmt: skip
H1 = "f" * 16 + "0" * 48  # 256-bit hashes as hex
H1_NEAR = "f" * 15 + "e" + "0" * 48  # one bit away
H_FAR = "0f" * 32


def _page(
    aid: str, name: str, fields: dict, phash: str | None, doc_type: str = "award_certificate"
):
    file = f"packets/{aid}/{'award' if doc_type != 'id_card' else 'id'}.jpg"
    doc = DocumentReading(
        file=file, page=1, doc_type=DocType(doc_type), confidence=0.9,
        fields={k: ExtractedField(key=k, value=v, raw=v, confidence=0.9,
                                  evidence=Evidence(file=file, page=1, bbox=(10, 20, 110, 60)))
                for k, v in {**fields, "name": name}.items()},
    )  # fmt: skip
    pf = PacketFile(file=file, sha256=aid * 8, size=100, documents=[doc], page_count=1)
    pr = PageReading(file=file, page=1, documents=[doc], phash=phash, dhash=phash)
    return aid, pf, pr


def _run(*pages):
    files = {aid: [pf] for aid, pf, _ in pages}
    readings = {(pf.file, 1): pr for _, pf, pr in pages}
    return find_duplicate_evidence(files, readings), tamper_flags(files, readings)


def test_same_image_other_name_flags_both_applicants():
    groups, flags = _run(_page("A", "李明", AWARD, H1), _page("B", "王强", AWARD, H1_NEAR))
    (g,) = groups
    assert g.files == ["packets/A/award.jpg", "packets/B/award.jpg"]
    assert set(flags) == {"A", "B"}
    for me, other in (("A", "B"), ("B", "A")):
        (f,) = flags[me]
        assert f.severity is Severity.high and f.field == "name"
        assert f"packets/{other}/award.jpg" in f.message and "无法判断哪一份为原件" in f.message
        assert f.evidence[0].bbox == (10, 20, 110, 60)
        assert any("edited copy" in r for r in f.reasons)


def test_same_number_other_name_is_an_edited_copy_even_rescanned_far():
    numbered = {**AWARD, "cert_no": "S000065123456211000123"}
    groups, flags = _run(_page("A", "李明", numbered, H1), _page("B", "王强", numbered, H_FAR))
    assert len(groups) == 1 and any("same cert_no" in r for r in groups[0].reasons)
    assert set(flags) == {"A", "B"}


def test_co_awardees_are_not_copies():
    # Same honour, issuer and date, other names, no number, unrelated scans: two certificates.
    groups, flags = _run(_page("A", "李明", AWARD, H1), _page("B", "王强", AWARD, H_FAR))
    assert groups == [] and flags == {}


def test_same_template_other_content_is_not_a_copy():
    other = {**AWARD, "issue_date": "2023-01-05", "award_name": "自治区劳动模范"}
    groups, flags = _run(_page("A", "李明", AWARD, H1), _page("B", "王强", other, H1_NEAR))
    assert groups == [] and flags == {}


def test_id_card_copies_of_different_people_look_alike_but_are_not_copies():
    a = _page("A", "李明", {"id_number": "11010519491231002X"}, H1, "id_card")
    b = _page("B", "王强", {"id_number": "440524188001010014"}, H1_NEAR, "id_card")
    assert _run(a, b) == ([], {})


def test_same_certificate_same_holder_is_duplicate_not_tamper():
    groups, flags = _run(_page("A", "李明", AWARD, H1), _page("B", "李明", AWARD, H_FAR))
    assert len(groups) == 1 and flags == {}
