"""The officials' reports: report.html (self-contained) and report.xlsx (filterable flags).

Both are views of results.json. ID and phone numbers are masked by default, applicant data is
escaped (HTML) or stored as literal strings (xlsx), and the same Results give the same bytes.
"""

from __future__ import annotations

import base64
import datetime as dt
import io
import zipfile
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any, Literal

import jinja2
from pydantic import BaseModel

from models.catalogue import doc_label, field_label
from models.document import BBox
from models.results import (
    ApplicantResult,
    DuplicateGroup,
    EvidenceRef,
    Flag,
    FlagCode,
    Results,
    Severity,
    Status,
)
from pipelines.atomic import write_bytes_atomic, write_text_atomic
from pipelines.cells import neutralise
from pipelines.masking import Masker

CropFn = Callable[[EvidenceRef], bytes | None]  # PNG bytes of the evidence crop, or None

# --- labels -----------------------------------------------------------------------------------

CODE_NAMES = {
    "zh": {
        FlagCode.NAME_MISMATCH: "姓名不符",
        FlagCode.ID_MISMATCH: "身份证号不符",
        FlagCode.ID_INVALID: "身份证号无效",
        FlagCode.BIRTHDATE_MISMATCH: "出生日期不符",
        FlagCode.LEVEL_OVERCLAIM: "等级虚报",
        FlagCode.MISSING_EVIDENCE: "缺少证明材料",
        FlagCode.AWARD_UNSUPPORTED: "奖项无证书",
        FlagCode.AWARD_MISMATCH: "奖项信息不符",
        FlagCode.CERT_NO_INCONSISTENT: "证书编号不一致",
        FlagCode.TAMPER_SUSPECTED: "疑似篡改",
        FlagCode.DATE_AFTER_DEADLINE: "材料日期晚于截止日",
        FlagCode.INELIGIBLE: "不符合申报条件",
        FlagCode.UNREADABLE_DOCUMENT: "文件无法识别",
        FlagCode.DUPLICATE_APPLICANT: "重复申报",
        FlagCode.DUPLICATE_EVIDENCE: "重复使用证书",
    },
    "en": {
        FlagCode.NAME_MISMATCH: "Name mismatch",
        FlagCode.ID_MISMATCH: "ID number mismatch",
        FlagCode.ID_INVALID: "Invalid ID number",
        FlagCode.BIRTHDATE_MISMATCH: "Birth date mismatch",
        FlagCode.LEVEL_OVERCLAIM: "Level overclaimed",
        FlagCode.MISSING_EVIDENCE: "Missing evidence",
        FlagCode.AWARD_UNSUPPORTED: "Award without certificate",
        FlagCode.AWARD_MISMATCH: "Award details differ",
        FlagCode.CERT_NO_INCONSISTENT: "Certificate number inconsistent",
        FlagCode.TAMPER_SUSPECTED: "Suspected tampering",
        FlagCode.DATE_AFTER_DEADLINE: "Dated after deadline",
        FlagCode.INELIGIBLE: "Ineligible",
        FlagCode.UNREADABLE_DOCUMENT: "Unreadable document",
        FlagCode.DUPLICATE_APPLICANT: "Duplicate applicant",
        FlagCode.DUPLICATE_EVIDENCE: "Evidence reused",
    },
}
STATUS_NAMES = {
    "zh": {Status.clear: "通过", Status.flagged: "有疑点", Status.needs_review: "需人工复核"},
    "en": {Status.clear: "clear", Status.flagged: "flagged", Status.needs_review: "needs review"},
}
SEVERITY_NAMES = {
    "zh": {Severity.high: "高", Severity.medium: "中", Severity.low: "低"},
    "en": {Severity.high: "high", Severity.medium: "medium", Severity.low: "low"},
}
LABELS = {
    "zh": {
        "title": "人才项目申报材料核验报告",
        "batch": "批次",
        "generated_for": "核验日期",
        "version": "credcheck 版本",
        "summary": "概况",
        "applicants": "申报人数",
        "by_status": "审核状态",
        "by_code": "疑点类型",
        "by_severity": "严重程度",
        "count": "数量",
        "code": "疑点代码",
        "code_name": "疑点名称",
        "flagged_section": "有疑点及需复核的申报",
        "clear_section": "通过的申报",
        "applicant_id": "申报编号",
        "name": "姓名",
        "program": "申报项目",
        "status": "审核状态",
        "severity": "严重程度",
        "field": "字段",
        "declared": "申报值",
        "found": "材料所示",
        "message": "说明",
        "rule": "规则",
        "reasons": "依据",
        "evidence": "证据",
        "file": "文件",
        "page": "页码",
        "bbox": "位置",
        "no_evidence": "无证据位置",
        "no_flags": "无具体疑点，需人工复核",
        "review_reasons": "需人工复核的原因",
        "documents": "已识别材料",
        "doc_type": "材料类型",
        "fields": "识别字段",
        "confidence": "置信度",
        "n_documents": "材料数",
        "no_documents": "未识别到材料",
        "duplicates": "重复申报与重复使用证书",
        "no_duplicates": "未发现重复",
        "dup_type": "类型",
        "score": "得分",
        "files": "文件",
        "none": "无",
        "filter": "筛选",
        "filter_all": "全部",
        "filter_text": "关键词",
        "flag_count": "疑点数",
        "top_severity": "最高严重程度",
        "masked_note": "身份证号、手机号已部分隐藏。",
    },
    "en": {
        "title": "Talent program application verification report",
        "batch": "Batch",
        "generated_for": "Check date",
        "version": "credcheck version",
        "summary": "Summary",
        "applicants": "Applicants",
        "by_status": "Status",
        "by_code": "Flag codes",
        "by_severity": "Severity",
        "count": "Count",
        "code": "Code",
        "code_name": "Flag",
        "flagged_section": "Flagged and needs-review applications",
        "clear_section": "Clear applications",
        "applicant_id": "Applicant ID",
        "name": "Name",
        "program": "Program",
        "status": "Status",
        "severity": "Severity",
        "field": "Field",
        "declared": "Declared",
        "found": "Found",
        "message": "Message",
        "rule": "Rule",
        "reasons": "Reasons",
        "evidence": "Evidence",
        "file": "File",
        "page": "Page",
        "bbox": "Position",
        "no_evidence": "no evidence position",
        "no_flags": "No specific flag; needs manual review",
        "review_reasons": "Why a reviewer should look",
        "documents": "Documents read",
        "doc_type": "Document type",
        "fields": "Fields",
        "confidence": "Confidence",
        "n_documents": "Documents",
        "no_documents": "No documents read",
        "duplicates": "Duplicate applicants and reused evidence",
        "no_duplicates": "No duplicates found",
        "dup_type": "Type",
        "score": "Score",
        "files": "Files",
        "none": "none",
        "filter": "Filter",
        "filter_all": "all",
        "filter_text": "Text",
        "flag_count": "Flags",
        "top_severity": "Highest severity",
        "masked_note": "ID and phone numbers are partly hidden.",
    },
}

_SEVERITY_RANK = {Severity.high: 0, Severity.medium: 1, Severity.low: 2}
_STATUS_RANK = {Status.flagged: 0, Status.needs_review: 1, Status.clear: 2}


class ReportMeta(BaseModel):
    batch: str  # batch folder name
    generated_for: str  # check date, e.g. "2025-10-09"; never the wall clock (determinism)
    credcheck_version: str
    lang: Literal["zh", "en"] = "zh"


def _field_label(field: str | None, lang: str) -> str:
    if not field:
        return ""
    zh = field_label(field) if lang == "zh" else None
    return f"{zh} ({field})" if zh else field


def _bbox_text(bbox: BBox | None) -> str:
    if bbox is None:
        return ""
    return ",".join(str(int(v)) if float(v).is_integer() else f"{v:.1f}" for v in bbox)


def _top_severity(a: ApplicantResult) -> Severity | None:
    return min((f.severity for f in a.flags), key=_SEVERITY_RANK.__getitem__, default=None)


def _report_order(results: Results) -> list[ApplicantResult]:
    """Flagged and needs_review first, by highest severity then id; clear ones last, by id."""

    def key(a: ApplicantResult) -> tuple[int, int, str]:
        top = _top_severity(a)
        return (
            a.status == Status.clear,
            _SEVERITY_RANK[top] if top else len(_SEVERITY_RANK),
            a.applicant_id,
        )

    return sorted(results.applicants, key=key)


def _sorted_flags(a: ApplicantResult) -> list[Flag]:
    return sorted(a.flags, key=lambda f: _SEVERITY_RANK[f.severity])  # stable: keeps run order


# --- HTML -------------------------------------------------------------------------------------

_TEMPLATES = Path(__file__).parent / "templates"


def _crop_uri(crops: CropFn | None, ref: EvidenceRef) -> str | None:
    if crops is None:
        return None
    try:
        data = crops(ref)
    except Exception:  # a crop is an illustration; its failure falls back to the text location
        return None
    if not data:
        return None
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        mime = "image/png"
    elif data.startswith(b"\xff\xd8\xff"):
        mime = "image/jpeg"
    else:
        return None
    return f"data:{mime};base64,{base64.b64encode(data).decode('ascii')}"


def _html_context(
    results: Results, meta: ReportMeta, crops: CropFn | None, m: Masker
) -> dict[str, Any]:
    lang = meta.lang
    codes, sevs = CODE_NAMES[lang], SEVERITY_NAMES[lang]
    statuses = STATUS_NAMES[lang]

    def applicant_view(a: ApplicantResult) -> dict[str, Any]:
        top = _top_severity(a)
        return {
            "id": m.text(a.applicant_id),
            "name": m.text(a.name),
            "program": m.text(a.program),
            "status": a.status.value,
            "status_label": statuses[a.status],
            "top_severity": top.value if top else "",
            "flags": [flag_view(f) for f in _sorted_flags(a)],
            "review_reasons": [m.text(r) for r in a.review_reasons],
            "documents": [
                {
                    "file": m.text(d.file),
                    "page": d.page,
                    "doc_type": doc_label(d.doc_type, lang),
                    "fields": [(_field_label(k, lang), m.value(k, v)) for k, v in d.fields.items()],
                    "confidence": f"{d.confidence:.2f}",
                }
                for d in a.documents
            ],
        }

    def flag_view(f: Flag) -> dict[str, Any]:
        return {
            "code": f.code.value,
            "code_name": codes[f.code],
            "severity": f.severity.value,
            "severity_label": sevs[f.severity],
            "field": _field_label(f.field, lang),
            "declared": m.value(f.field, f.declared),
            "found": m.value(f.field, f.found),
            "message": m.text(f.message),
            "rule": m.text(f.rule),
            "reasons": [m.text(r) for r in f.reasons],
            "evidence": [
                {
                    "file": m.text(e.file),
                    "page": e.page,
                    "bbox": _bbox_text(e.bbox),
                    "img": _crop_uri(crops, e),
                }
                for e in f.evidence
            ],
        }

    ordered = _report_order(results)
    all_flags = [f for a in results.applicants for f in a.flags]
    code_counts = {c: 0 for c in FlagCode}
    for f in all_flags:
        code_counts[f.code] += 1
    for g in results.duplicates:
        code_counts[g.code] += 1
    return {
        "L": LABELS[lang],
        "lang": "zh-CN" if lang == "zh" else "en",
        "meta": {
            "batch": m.text(meta.batch),
            "generated_for": meta.generated_for,
            "version": meta.credcheck_version,
        },
        "masked": m.enabled,
        "n_applicants": len(results.applicants),
        "status_counts": [
            (s.value, statuses[s], sum(a.status == s for a in results.applicants))
            for s in (Status.flagged, Status.needs_review, Status.clear)
        ],
        "severity_counts": [
            (s.value, sevs[s], sum(f.severity == s for f in all_flags)) for s in Severity
        ],
        "code_counts": [(c.value, codes[c], n) for c, n in code_counts.items()],
        "review": [applicant_view(a) for a in ordered if a.status != Status.clear],
        "clear": [applicant_view(a) for a in ordered if a.status == Status.clear],
        "duplicates": [
            {
                "code": g.code.value,
                "code_name": codes[g.code],
                "applicant_ids": [m.text(i) for i in g.applicant_ids],
                "score": "" if g.score is None else f"{g.score:.2f}",
                "files": [m.text(p) for p in g.files or []],
                "reasons": [m.text(r) for r in g.reasons],
            }
            for g in results.duplicates
        ],
    }


def render_html(
    results: Results, meta: ReportMeta, *, crops: CropFn | None = None, mask: bool = True
) -> str:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(_TEMPLATES),
        autoescape=True,  # .j2 is not in select_autoescape's list; applicant data is hostile
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    ctx = _html_context(results, meta, crops, Masker(results, mask))
    return env.get_template("report.html.j2").render(**ctx)


def write_html(
    results: Results,
    out_path: Path,
    meta: ReportMeta,
    *,
    crops: CropFn | None = None,
    mask: bool = True,
) -> None:
    write_text_atomic(Path(out_path), render_html(results, meta, crops=crops, mask=mask))


# --- XLSX -------------------------------------------------------------------------------------

FLAG_COLUMNS = (
    "申报编号", "姓名", "申报项目", "审核状态", "疑点代码", "疑点名称", "严重程度", "字段",
    "申报值", "材料所示", "说明", "规则", "证据文件", "页码", "位置",
)  # fmt: skip
APPLICANT_COLUMNS = (
    "申报编号",
    "姓名",
    "申报项目",
    "审核状态",
    "疑点数",
    "最高严重程度",
    "疑点代码",
    "需复核原因",
)
DUPLICATE_COLUMNS = ("类型", "申报编号", "得分", "文件", "理由")
_EN_COLUMNS = {
    "申报编号": "Applicant ID", "姓名": "Name", "申报项目": "Program", "审核状态": "Status",
    "疑点代码": "Code", "疑点名称": "Flag", "严重程度": "Severity", "字段": "Field",
    "申报值": "Declared", "材料所示": "Found", "说明": "Message", "规则": "Rule",
    "证据文件": "Evidence file", "页码": "Page", "位置": "Position", "疑点数": "Flags",
    "最高严重程度": "Highest severity", "类型": "Type", "得分": "Score", "文件": "Files",
    "理由": "Reasons", "需复核原因": "Why review",
}  # fmt: skip
_WRAP_COLUMNS = frozenset({"说明", "理由", "文件", "证据文件", "需复核原因"})
_MAX_WIDTH = 60


def _display_width(s: str) -> int:
    return sum(2 if ord(c) > 0x2E7F else 1 for c in s)  # CJK is double width


def _fixed_datetime(generated_for: str) -> dt.datetime:
    try:
        return dt.datetime.fromisoformat(generated_for[:10])
    except ValueError:
        return dt.datetime(2000, 1, 1)


def _add_sheet(
    wb: Any, title: str, columns: Iterable[str], rows: list[list[Any]], lang: str
) -> Any:
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    ws = wb.create_sheet(title)
    header = [_EN_COLUMNS[c] if lang == "en" else c for c in columns]
    ws.append(header)
    for row in rows:
        ws.append(row)
    for r in ws.iter_rows():
        for cell in r:
            if isinstance(cell.value, str):
                # Text that an edit or a CSV export would turn into a formula gets an apostrophe;
                # stored as a string either way (openpyxl makes "=…" a formula).
                cell.value = neutralise(cell.value)
                cell.data_type = "s"
    bold = Font(bold=True)
    for cell in ws[1]:
        cell.font = bold
    ws.freeze_panes = "A2"
    last_col = get_column_letter(len(header))
    ws.auto_filter.ref = f"A1:{last_col}{max(1, len(rows) + 1)}"
    wrap = Alignment(wrap_text=True, vertical="top")
    for i, name in enumerate(columns, start=1):
        letter = get_column_letter(i)
        widths = [_display_width(header[i - 1]) + 4]  # room for the filter button
        for row in rows:
            v = row[i - 1]
            if v is not None:
                widths.append(max(_display_width(line) for line in str(v).split("\n")))
        ws.column_dimensions[letter].width = min(max(max(widths) + 2, 8), _MAX_WIDTH)
        if name in _WRAP_COLUMNS:
            for (cell,) in ws.iter_rows(min_row=2, min_col=i, max_col=i):
                cell.alignment = wrap
    return ws


def _flag_rows(results: Results, m: Masker, lang: str) -> list[list[Any]]:
    rows: list[list[Any]] = []
    for a in _report_order(results):
        for f in _sorted_flags(a):
            ev = f.evidence
            page: Any = ev[0].page if len(ev) == 1 else "; ".join(str(e.page) for e in ev)
            rows.append(
                [
                    m.text(a.applicant_id),
                    m.text(a.name),
                    m.text(a.program),
                    STATUS_NAMES[lang][a.status],
                    f.code.value,
                    CODE_NAMES[lang][f.code],
                    SEVERITY_NAMES[lang][f.severity],
                    f.field or "",
                    m.value(f.field, f.declared),
                    m.value(f.field, f.found),
                    m.text(f.message),
                    m.text(f.rule),
                    "\n".join(m.text(e.file) for e in ev),
                    page if ev else None,
                    "\n".join(_bbox_text(e.bbox) for e in ev),
                ]
            )
    return rows


def _applicant_rows(results: Results, m: Masker, lang: str) -> list[list[Any]]:
    rows: list[list[Any]] = []
    for a in _report_order(results):
        top = _top_severity(a)
        rows.append(
            [
                m.text(a.applicant_id),
                m.text(a.name),
                m.text(a.program),
                STATUS_NAMES[lang][a.status],
                len(a.flags),
                SEVERITY_NAMES[lang][top] if top else "",
                ", ".join(dict.fromkeys(f.code.value for f in _sorted_flags(a))),
                "\n".join(m.text(r) for r in a.review_reasons),
            ]
        )
    return rows


def _duplicate_rows(dups: list[DuplicateGroup], m: Masker, lang: str) -> list[list[Any]]:
    return [
        [
            f"{CODE_NAMES[lang][g.code]} ({g.code.value})",
            ", ".join(m.text(i) for i in g.applicant_ids),
            g.score,
            "\n".join(m.text(p) for p in g.files or []),
            "; ".join(m.text(r) for r in g.reasons),
        ]
        for g in dups
    ]


def _normalise_zip(data: bytes, when: dt.datetime) -> bytes:
    """Repack with fixed entry timestamps: zipfile stamps each entry with the wall clock."""
    stamp = (max(when.year, 1980), when.month, when.day, 0, 0, 0)
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(data)) as src,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst,
    ):
        for info in src.infolist():
            fixed = zipfile.ZipInfo(info.filename, date_time=stamp)
            fixed.compress_type = zipfile.ZIP_DEFLATED
            dst.writestr(fixed, src.read(info.filename))
    return out.getvalue()


def render_xlsx(results: Results, meta: ReportMeta, *, mask: bool = True) -> bytes:
    from openpyxl import Workbook
    from openpyxl.writer.excel import ExcelWriter

    m = Masker(results, mask)
    lang = meta.lang
    wb = Workbook()
    wb.remove(wb.active)
    _add_sheet(wb, "疑点清单", FLAG_COLUMNS, _flag_rows(results, m, lang), lang)
    _add_sheet(wb, "申报人", APPLICANT_COLUMNS, _applicant_rows(results, m, lang), lang)
    _add_sheet(
        wb, "重复申报", DUPLICATE_COLUMNS, _duplicate_rows(results.duplicates, m, lang), lang
    )
    when = _fixed_datetime(meta.generated_for)
    wb.properties.title = LABELS[lang]["title"]
    wb.properties.subject = m.text(meta.batch)
    wb.properties.creator = f"credcheck {meta.credcheck_version}"
    wb.properties.created = when
    wb.properties.modified = when
    buf = io.BytesIO()
    # ExcelWriter directly: openpyxl's save_workbook overwrites `modified` with the wall clock.
    archive = zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED, allowZip64=True)
    ExcelWriter(wb, archive).save()
    return _normalise_zip(buf.getvalue(), when)


def write_xlsx(results: Results, out_path: Path, meta: ReportMeta, *, mask: bool = True) -> None:
    write_bytes_atomic(Path(out_path), render_xlsx(results, meta, mask=mask))
