"""report.html and report.xlsx: masking, escaping, no formulas, crops, determinism."""

from __future__ import annotations

import io
import re
import time
import zipfile
from pathlib import Path

import openpyxl
import pytest
from PIL import Image

from models.results import (
    ApplicantResult,
    DocumentResult,
    DuplicateGroup,
    EvidenceRef,
    Flag,
    FlagCode,
    Results,
    Severity,
    Status,
)
from pipelines.masking import mask_id, mask_phone, mask_text
from pipelines.reports import ReportMeta, write_html, write_xlsx

ID_A = "650102198503121234"
ID_A_MASKED = "650102********1234"
ID_B = "65010219900101123X"
ID_B_MASKED = "650102********123X"
ID_INVALID = "650102198513451234"  # month 13: mask_text alone would not see it as an ID
PHONE = "13912345678"
HOSTILE_NAME = "<script>alert(1)</script>"
HOSTILE_VALUE = '=HYPERLINK("http://x","y")'
META = ReportMeta(batch="2025秋季批次", generated_for="2025-10-09", credcheck_version="0.1.0")

# --- masking ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "masked"),
    [
        (ID_A, ID_A_MASKED),
        (ID_B, ID_B_MASKED),
        ("65010219900101123x", "650102********123x"),
        ("650102850312123", "650102*****2123"),  # 15-digit, pre-1999
        (" 650102 19850312 1234 ", "650102********1234"),
        (ID_INVALID, "650102********1234"),  # known to be an ID: masked even if invalid
        (None, ""),
        ("", ""),
        ("未识别", "未识别"),
    ],
)
def test_mask_id(raw: str | None, masked: str) -> None:
    assert mask_id(raw) == masked


@pytest.mark.parametrize(
    ("raw", "masked"),
    [
        (PHONE, "139****5678"),
        ("139-1234-5678", "139****5678"),
        ("+86 139 1234 5678", "139****5678"),
        (None, ""),
    ],
)
def test_mask_phone(raw: str | None, masked: str) -> None:
    assert mask_phone(raw) == masked


@pytest.mark.parametrize(
    ("raw", "masked"),
    [
        (f"身份证号{ID_A}与申报不符", f"身份证号{ID_A_MASKED}与申报不符"),
        (f"证件号：{ID_B}。", f"证件号：{ID_B_MASKED}。"),
        # full-width digits and check letter
        ("证件号６５０１０２１９８５０３１２１２３Ｘ", "证件号６５０１０２********１２３Ｘ"),
        ("旧证650102850312123号", "旧证650102*****2123号"),
        ("ID 650102-19850312-1234 end", "ID 650102-********-1234 end"),
        (f"联系电话{PHONE}，请核实", "联系电话139****5678，请核实"),
        ("电话+8613912345678", "电话+86139****5678"),
        ("电话 139 1234 5678", "电话 139 **** 5678"),
        (f"{ID_A}/{PHONE}", f"{ID_A_MASKED}/139****5678"),
    ],
)
def test_mask_text_masks(raw: str, masked: str) -> None:
    assert mask_text(raw) == masked


@pytest.mark.parametrize(
    "raw",
    [
        "S000065000000253006090",  # 22-char 职业技能等级证书 number
        "职业资格证书编号0905000000304123",  # 16 digits is not an ID
        "发证日期2025-10-08",
        "截止日20250930",
        "订单号1391234567890",  # phone-shaped prefix inside a longer run
        "6501021985031212345",  # 19 digits
        "650102189903121234",  # 18 digits, year 1899: not a birth date
        "650102198500001234",  # month 00
        "12345678901",  # 11 digits, not 1[3-9]
        "XJ2025-0001",
    ],
)
def test_mask_text_leaves_non_ids(raw: str) -> None:
    assert mask_text(raw) == raw


# --- fixtures ---------------------------------------------------------------------------------


def _png(color: tuple[int, int, int]) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (12, 8), color).save(buf, "PNG")
    return buf.getvalue()


def _results() -> Results:
    skill = EvidenceRef(file="packets/XJ2025-0001/skill.jpg", page=1, bbox=(10, 20, 110.5, 40))
    idcard = EvidenceRef(file="packets/XJ2025-0002/id.png", page=1, bbox=(0, 0, 50, 10))
    return Results(
        applicants=[
            ApplicantResult(
                applicant_id="XJ2025-0003",
                program="新疆工匠",
                name="阿依古丽·买买提",
                status=Status.clear,
                documents=[
                    DocumentResult(
                        file="packets/XJ2025-0003/skill.pdf",
                        page=1,
                        doc_type="skill_certificate",
                        fields={"name": "阿依古丽·买买提", "id_number": ID_B},
                        confidence=0.97,
                    )
                ],
            ),
            ApplicantResult(
                applicant_id="XJ2025-0001",
                program="新疆工匠",
                name=HOSTILE_NAME,
                status=Status.flagged,
                documents=[
                    DocumentResult(
                        file="packets/XJ2025-0001/skill.jpg",
                        page=1,
                        doc_type="skill_certificate",
                        fields={"id_number": ID_A, "skill_level": "技师", "phone": PHONE},
                        confidence=0.93,
                    )
                ],
                flags=[
                    Flag(
                        code=FlagCode.LEVEL_OVERCLAIM,
                        severity=Severity.medium,
                        field="skill_level",
                        declared="高级技师",
                        found="技师",
                        evidence=[skill],
                        message="申报职业技能等级为高级技师，证书显示为技师",
                        reasons=["best evidence: 技师"],
                    ),
                    Flag(
                        code=FlagCode.ID_MISMATCH,
                        severity=Severity.high,
                        field="id_number",
                        declared=ID_A,
                        found=ID_B,
                        evidence=[skill],
                        message=f"证书身份证号{ID_B}与申报{ID_A}不符，联系电话{PHONE}",
                        reasons=[f"declared {ID_A}"],
                    ),
                    Flag(
                        code=FlagCode.AWARD_MISMATCH,
                        severity=Severity.low,
                        field="award_name",
                        declared=HOSTILE_VALUE,
                        found="+SUM(1,2)",
                        evidence=[],
                        message="-2+3 @cmd \x07bell",
                        rule="R-AW-1",
                    ),
                ],
            ),
            ApplicantResult(
                applicant_id="XJ2025-0002",
                program="准东人才工作室",
                name="李四",
                status=Status.needs_review,
                flags=[
                    Flag(
                        code=FlagCode.ID_INVALID,
                        severity=Severity.high,
                        field="id_number",
                        declared=ID_INVALID,
                        evidence=[idcard],
                        message=f"申报身份证号{ID_INVALID}出生日期不存在",
                    )
                ],
            ),
        ],
        duplicates=[
            DuplicateGroup(
                code=FlagCode.DUPLICATE_APPLICANT,
                applicant_ids=["XJ2025-0001", "XJ2025-0003"],
                score=0.98,
                reasons=[f"same id_number {ID_A}"],
            ),
            DuplicateGroup(
                code=FlagCode.DUPLICATE_EVIDENCE,
                applicant_ids=["XJ2025-0001", "XJ2025-0002"],
                files=["packets/XJ2025-0001/skill.jpg", "packets/XJ2025-0002/id.png"],
                reasons=["=same cert_no"],
            ),
        ],
    )


N_FLAGS = 4
SECRETS = (ID_A, ID_B, ID_INVALID, PHONE)


def _crops(ref: EvidenceRef) -> bytes | None:
    return _png((255, 0, 0)) if ref.file.endswith("skill.jpg") else None


# --- HTML -------------------------------------------------------------------------------------


def test_html_escapes_masks_and_embeds_crops(tmp_path: Path) -> None:
    out = tmp_path / "report.html"
    write_html(_results(), out, META, crops=_crops)
    html = out.read_text("utf-8")

    assert "人才项目申报材料核验报告" in html
    assert "2025秋季批次" in html and "2025-10-09" in html and "0.1.0" in html
    assert "<script>alert" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "=HYPERLINK(&#34;http://x&#34;,&#34;y&#34;)" in html
    assert "\x07" not in html
    for secret in SECRETS:
        assert secret not in html
    assert ID_A_MASKED in html and ID_B_MASKED in html and "139****5678" in html
    # the skill.jpg crop is embedded (once per flag citing it); id.png falls back to text
    assert html.count('src="data:image/png;base64,') == 2
    assert "packets/XJ2025-0002/id.png" in html and "0,0,50,10" in html
    assert "10,20,110.5,40" in html
    # labels
    for label in (
        "身份证号不符",
        "等级虚报",
        "身份证号无效",
        "重复申报",
        "重复使用证书",
        "职业资格/技能等级证书",
    ):
        assert label in html
    assert "<details" in html
    # no external resources
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", html)


def test_html_orders_review_first_by_severity(tmp_path: Path) -> None:
    out = tmp_path / "report.html"
    write_html(_results(), out, META)
    html = out.read_text("utf-8")
    # XJ2025-0001 and -0002 both have a high flag: id order; clear -0003 last
    first = html.index('data-status="flagged"')
    second = html.index('data-status="needs_review"')
    clear = html.index('data-status="clear"')
    assert first < second < clear
    # within an applicant the high flag comes before medium and low
    assert html.index("ID_MISMATCH</span>") < html.index("LEVEL_OVERCLAIM</span>")
    assert html.index("LEVEL_OVERCLAIM</span>") < html.index("AWARD_MISMATCH</span>")
    assert "data:image" not in html  # no CropFn: text locations only


def test_html_is_deterministic(tmp_path: Path) -> None:
    a, b = tmp_path / "a.html", tmp_path / "b.html"
    write_html(_results(), a, META, crops=_crops)
    write_html(_results(), b, META, crops=_crops)
    assert a.read_bytes() == b.read_bytes()


def test_html_unmasked_and_english(tmp_path: Path) -> None:
    out = tmp_path / "report.html"
    meta = META.model_copy(update={"lang": "en"})
    write_html(_results(), out, meta, mask=False)
    html = out.read_text("utf-8")
    assert ID_A in html and PHONE in html
    assert "Declared" in html and "Found" in html and "ID number mismatch" in html
    assert "申报值" not in html


def test_failing_crop_falls_back_to_text(tmp_path: Path) -> None:
    def broken(ref: EvidenceRef) -> bytes | None:
        raise OSError("file gone")

    out = tmp_path / "report.html"
    write_html(_results(), out, META, crops=broken)
    html = out.read_text("utf-8")
    assert "data:image" not in html and "packets/XJ2025-0001/skill.jpg" in html


# --- XLSX -------------------------------------------------------------------------------------


def _all_values(path: Path) -> list[object]:
    wb = openpyxl.load_workbook(path)
    return [c.value for ws in wb.worksheets for row in ws.iter_rows() for c in row]


def test_xlsx_sheets_rows_and_no_formulas(tmp_path: Path) -> None:
    out = tmp_path / "report.xlsx"
    write_xlsx(_results(), out, META)

    wb = openpyxl.load_workbook(out)
    assert wb.sheetnames == ["疑点清单", "申报人", "重复申报"]
    flags = wb["疑点清单"]
    header = [c.value for c in flags[1]]
    assert header == [
        "申报编号", "姓名", "申报项目", "审核状态", "疑点代码", "疑点名称", "严重程度", "字段",
        "申报值", "材料所示", "说明", "规则", "证据文件", "页码", "位置",
    ]  # fmt: skip
    assert flags.max_row - 1 == N_FLAGS
    assert flags.freeze_panes == "A2"
    assert flags.auto_filter.ref == f"A1:O{N_FLAGS + 1}"
    assert all(c.font.b for c in flags[1])

    rows = [[c.value for c in r] for r in flags.iter_rows(min_row=2)]
    by_code = {r[4]: dict(zip(header, r, strict=True)) for r in rows}
    # Formula-like text keeps a leading apostrophe (issue 16: an edit or a CSV export would
    # make it live).
    assert by_code["AWARD_MISMATCH"]["申报值"] == "'" + HOSTILE_VALUE
    assert by_code["AWARD_MISMATCH"]["材料所示"] == "'+SUM(1,2)"
    assert by_code["AWARD_MISMATCH"]["说明"] == "'-2+3 @cmd bell"  # control char dropped
    assert by_code["ID_MISMATCH"]["申报值"] == ID_A_MASKED
    assert by_code["ID_MISMATCH"]["疑点名称"] == "身份证号不符"
    assert by_code["ID_MISMATCH"]["严重程度"] == "高"
    assert by_code["ID_MISMATCH"]["页码"] == 1
    assert by_code["ID_MISMATCH"]["位置"] == "10,20,110.5,40"
    assert by_code["ID_INVALID"]["申报值"] == "650102********1234"
    assert rows[0][0] == "XJ2025-0001" and rows[-1][0] == "XJ2025-0002"

    applicants = [[c.value for c in r] for r in wb["申报人"].iter_rows(min_row=2)]
    assert [r[0] for r in applicants] == ["XJ2025-0001", "XJ2025-0002", "XJ2025-0003"]
    assert applicants[0][3:] == [
        "有疑点",
        3,
        "高",
        "ID_MISMATCH, LEVEL_OVERCLAIM, AWARD_MISMATCH",
        None,
    ]
    assert applicants[2][3:5] == ["通过", 0]
    dups = [[c.value for c in r] for r in wb["重复申报"].iter_rows(min_row=2)]
    assert len(dups) == 2 and dups[0][2] == 0.98 and dups[1][4] == "'=same cert_no"

    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for c in row:
                assert c.data_type != "f", (ws.title, c.coordinate, c.value)
                assert not isinstance(c.value, float) or c.value == 0.98
    with zipfile.ZipFile(out) as z:
        sheets = [n for n in z.namelist() if n.startswith("xl/worksheets/")]
        assert len(sheets) == 3
        for n in sheets:
            assert not re.search(rb"<(\w+:)?f[ >]", z.read(n)), n

    values = "\n".join(str(v) for v in _all_values(out))
    for secret in SECRETS:
        assert secret not in values
    assert ID_A_MASKED in values


def test_xlsx_ids_stay_strings_unmasked(tmp_path: Path) -> None:
    out = tmp_path / "report.xlsx"
    write_xlsx(_results(), out, META, mask=False)
    values = _all_values(out)
    assert ID_A in values and ID_INVALID in values
    assert not any(isinstance(v, float) and v > 1e10 for v in values)


def test_xlsx_is_byte_identical(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    a, b = tmp_path / "a.xlsx", tmp_path / "b.xlsx"
    write_xlsx(_results(), a, META)
    # an hour later: zip entry stamps and docProps must not follow the clock
    later = time.time() + 3600
    monkeypatch.setattr(time, "time", lambda: later)
    write_xlsx(_results(), b, META)
    assert a.read_bytes() == b.read_bytes()
    props = openpyxl.load_workbook(a).properties
    assert props.created.date().isoformat() == "2025-10-09"
    assert props.modified == props.created


def test_empty_results(tmp_path: Path) -> None:
    write_html(Results(), tmp_path / "r.html", META)
    write_xlsx(Results(), tmp_path / "r.xlsx", META)
    wb = openpyxl.load_workbook(tmp_path / "r.xlsx")
    assert wb["疑点清单"].max_row == 1
    assert "人才项目申报材料核验报告" in (tmp_path / "r.html").read_text("utf-8")
