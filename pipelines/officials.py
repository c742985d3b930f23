"""The officials' view of an intake: the dashboard's sections and the printable report
(report.pdf), both drawn from pipelines/figures.py over the same IntakeData.

The PDF is the print of an HTML page (print stylesheet, A4, page numbers in @page margin
boxes) by headless Chromium, the browser the web app's tests already drive. Chromium stamps
the wall clock into the PDF's CreationDate/ModDate; they are rewritten to the given fixed time
(same length, so the xref offsets hold), which makes the same data give the same bytes.
"""

from __future__ import annotations

import datetime as dt
import functools
import os
import re
import shutil
import subprocess
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import jinja2

from models.exceptions import ReportPdfError as PdfError
from pipelines import charts
from pipelines import figures as fg
from pipelines.masking import mask_id, mask_text
from pipelines.reports import CODE_NAMES

Href = Callable[..., str]  # query parameters of the queue → its URL
CODES = CODE_NAMES["zh"]
SEV_ZH = {"high": "高", "medium": "中", "low": "低"}
CHROMIUM_CANDIDATES = ("/usr/bin/chromium", "chromium", "chromium-browser", "google-chrome")
PDF_TIMEOUT_S = 120

# The method section: what is checked and what the checks cannot see. The accuracy figures
# are the README's last field measurements ("What is read, and how well"); update both.
CHECKED = [
    "逐页识别证书类型，读取姓名、身份证号、等级、证书编号、发证日期、发证单位等字段，记录所在文件、页码和位置。",
    "与申报表逐项比对：姓名（含少数民族姓名的不同写法）、身份证号（GB 11643 校验位）、出生日期、"
    "职业技能等级、职称、学历、奖项的名称、级别、名次与年度。",
    "核查各项目申报条件（rules.md）与材料日期是否晚于截止日；证书编号的结构与证书所印内容是否一致。",
    "跨申报查重：同一人多头申报（同批次、跨项目、与往年批次），同一证书被不同申报人使用；文件编辑痕迹。",
]
CANNOT_SEE = [
    "证书真伪无法仅凭扫描件断定：与发证机关的联网核验不在本系统范围内。",
    "原件与复印件的差别、盖章真伪、照片与本人是否一致，须人工核对原件。",
    "识别有误差：疑点是需要核实的线索，不是结论；每条疑点须经审核员核对证据后下结论。",
    "未提交的材料、申报表未填写的信息无法核查。",
]
ACCURACY = [
    ("证件类型识别", "100% / 100% / 100%"),
    ("字段完全正确（全部字段）", "98.8% / 98.2% / 97.7%（目标 98% / 98% / 93%）"),
    ("未参与调校的版式（盲测）", "84.2% / 85.3% / 80.1%"),
]
ACCURACY_NOTE = ("最近一次实测：180 页新生成的扫描件（清晰 / 一般 / 较差），种子 7707；盲测版式 90 页，"
                 "种子 5151。见 README“What is read, and how well”。")  # fmt: skip


def _pct(x: float | None) -> str:
    return "—" if x is None else f"{100 * x:.0f}%"


def sections(d: fg.IntakeData, prev: fg.IntakeData | None = None, *,
             href: Href | None = None, applicant_href: Callable[[str], str | None] | None = None,
             top: int = 15) -> dict[str, Any]:  # fmt: skip
    """Everything the dashboard and the report show, charts as SVG; links only with href."""
    def h(**q: str) -> str | None:
        return href(**q) if href else None

    def ah(aid: str) -> str | None:
        return applicant_href(aid) if applicant_href else None

    totals = fg.totals(d)
    codes = fg.flags_by_code(d)
    prefs = fg.by_prefecture(d)
    issuers = fg.by_issuer(d)
    decisions = fg.decisions_by_code(d)
    multi = fg.multi_applications(d)
    age = fg.queue_age(d)
    out: dict[str, Any] = {
        "d": d, "totals": totals, "codes": codes, "prefs": prefs, "issuers": issuers[:top],
        "decisions": decisions, "multi": multi, "age": age,
        "code_name": lambda c: CODES.get(c, c), "pct": _pct,
        "evidence": fg.shared_evidence(d),
    }  # fmt: skip
    out["chart_state"] = charts.bars(
        [(s, n, h(state=s)) for s, n in fg.by_state(d)], "按状态的申报数", unit=" 份")
    out["chart_program"] = charts.bars(
        [(p, n, h(program=p)) for p, n in fg.by_program(d)], "按项目的申报数", unit=" 份")
    out["chart_codes"] = charts.stacked(
        [(CODES.get(r.code, r.code), r.by_severity,
          {s: h(code=r.code, severity=s) for s in fg.SEVERITIES} if href else None)
         for r in codes], charts.SEVERITY_SERIES, "疑点类型与严重程度")  # fmt: skip
    out["chart_prefs"] = charts.bars(
        [(r.prefecture, r.with_flags, h(prefecture=r.prefecture)) for r in prefs[:top]],
        "各地州有疑点的申报数", unit=" 份", color=charts.VERMILLION)  # fmt: skip
    out["chart_issuers"] = charts.bars(
        [(r.issuer, r.flagged_documents, h(issuer=r.issuer)) for r in issuers[:top]],
        "各发证单位被疑点指向的材料数", unit=" 份", color=charts.ORANGE)  # fmt: skip
    out["chart_decisions"] = charts.stacked(
        [(CODES.get(r.code, r.code), {"confirmed": r.confirmed, "false_alarm": r.false_alarm,
          "need_more": r.need_more, "undecided": r.undecided},
          {k: h(code=r.code) for k in ("confirmed", "false_alarm", "need_more", "undecided")}
          if href else None) for r in decisions],
        charts.DECISION_SERIES, "各类疑点的审核结论")  # fmt: skip
    out["chart_multi"] = charts.network(
        [(mask_text(m.person), [(aid, prog, ah(aid)) for aid, prog in m.applications])
         for m in multi], "多头申报：人与申报")  # fmt: skip
    out["chart_age"] = charts.bars(
        [(b, n, h(age=b)) for b, n in age], "待处理申报的等待时间", unit=" 份", color=charts.GREEN)
    out["confirmed"] = [
        {"id": a.applicant_id, "name": mask_text(a.name), "id_number": mask_id(a.id_number),
         "program": a.program, "prefecture": fg.prefecture_of(a.prefecture, a.id_number),
         "codes": "、".join(CODES.get(c, c) for c in cs), "outcome": a.outcome or "—",
         "href": ah(a.applicant_id)}
        for a, cs in fg.confirmed_problems(d)
    ]  # fmt: skip
    out["multi_rows"] = [
        {"person": mask_text(m.person),
         "apps": [(aid, prog, ah(aid)) for aid, prog in m.applications],
         "reasons": "；".join(mask_text(r) for r in m.reasons),
         "score": "—" if m.score is None else f"{m.score:.2f}"}
        for m in multi
    ]  # fmt: skip
    if prev is not None:
        c = fg.compare(d, prev)
        out["compare"] = c
        out["chart_compare"] = charts.paired(
            [(CODES.get(code, code), round(100 * a), round(100 * b))
             for code, a, b in c.code_rates[:top]],
            (f"本批次 {d.key}", f"上一批次 {prev.key}"), "各类疑点的申报占比（%）")  # fmt: skip
    return out


@functools.cache  # one environment: templates compiled once per process
def _env() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.PackageLoader("pipelines", "templates"),
        autoescape=jinja2.select_autoescape(["html", "j2"], default=True),
        trim_blocks=True, lstrip_blocks=True,
    )  # fmt: skip


def render_body(view: dict[str, Any]) -> str:
    """The sections, as the dashboard embeds them (links kept when the view has them)."""
    return _env().get_template("officials_body.html.j2").render(**view)


def render_document(view: dict[str, Any], *, date: str, version: str = "") -> str:
    """The whole printable report (cover, sections, method, signature)."""
    return _env().get_template("officials.html.j2").render(
        **view, body=render_body(view), date=date, version=version, checked=CHECKED,
        cannot_see=CANNOT_SEE, accuracy=ACCURACY, accuracy_note=ACCURACY_NOTE,
    )  # fmt: skip


def chromium() -> str | None:
    for c in CHROMIUM_CANDIDATES:
        p = shutil.which(c)
        if p:
            return p
    return None


_DATE_RE = re.compile(rb"/(CreationDate|ModDate) \(D:\d{14}[^)]*\)")


def fix_dates(pdf: bytes, when: dt.datetime) -> bytes:
    """Chromium's wall-clock dates → `when`, at the same byte length."""
    def sub(m: re.Match[bytes]) -> bytes:
        new = f"/{m.group(1).decode()} (D:{when:%Y%m%d%H%M%S}+00'00')".encode()
        return new if len(new) == len(m.group(0)) else m.group(0)

    return _DATE_RE.sub(sub, pdf)


def html_to_pdf(html: str, *, when: dt.datetime, browser: str | None = None) -> bytes:
    """Print the page to A4 PDF with headless Chromium."""
    exe = browser or chromium()
    if exe is None:
        raise PdfError("chromium not found (apt-get install chromium)")
    with tempfile.TemporaryDirectory(prefix="credcheck-pdf-") as tmp:
        page, out = Path(tmp) / "report.html", Path(tmp) / "report.pdf"
        page.write_text(html, encoding="utf-8")
        argv = [exe, "--headless", "--no-sandbox", "--disable-gpu", "--disable-extensions",
                "--no-first-run", "--disable-background-networking", "--block-new-web-contents",
                f"--user-data-dir={tmp}/profile", "--no-pdf-header-footer",
                f"--print-to-pdf={out}", page.as_uri()]  # fmt: skip
        env = {k: v for k, v in os.environ.items() if k not in ("http_proxy", "https_proxy")}
        try:
            r = subprocess.run(argv, capture_output=True, timeout=PDF_TIMEOUT_S, env=env,
                               stdin=subprocess.DEVNULL)  # fmt: skip
        except subprocess.TimeoutExpired as e:
            raise PdfError(f"chromium took over {PDF_TIMEOUT_S} s") from e
        if not out.is_file() or out.stat().st_size == 0:
            raise PdfError(f"chromium exit {r.returncode}: {r.stderr.decode()[-300:]}")
        return fix_dates(out.read_bytes(), when)


def render_pdf(d: fg.IntakeData, prev: fg.IntakeData | None = None, *, date: str,
               version: str = "") -> bytes:  # fmt: skip
    """The officials' report of an intake as PDF bytes; `date` (YYYY-MM-DD) is the report's
    date on the cover and in the PDF's metadata."""
    html = render_document(sections(d, prev), date=date, version=version)
    return html_to_pdf(html, when=report_time(date))


def report_time(date: str) -> dt.datetime:
    """The PDF's creation time: the report's date, so one intake's report is the same bytes
    whenever it is printed."""
    try:
        return dt.datetime.fromisoformat(date[:10])
    except ValueError:
        return dt.datetime(2000, 1, 1)


# ---------------------------------------------------------------- credcheck verify


def from_results(results: Any, declared: Any, *, key: str, as_of: str) -> fg.IntakeData:
    """IntakeData of a `credcheck verify` run: results.json's verdicts (no queue, no
    conclusions yet) with the declared rows' ID numbers and 地州."""
    rows = {a.applicant_id: a for a in (declared.applicants if declared else [])}
    apps = []
    for a in results.applicants:
        dr = rows.get(a.applicant_id)
        apps.append(fg.AppItem(
            applicant_id=a.applicant_id, program=a.program or "",
            state=fg.STATE_OF_STATUS.get(a.status.value, fg.NEEDS_REVIEW), name=a.name or "",
            id_number=(dr.id_number or "") if dr else "",
            prefecture=(dr.prefecture or "") if dr else "",
            flags=tuple(fg.FlagItem(f.code.value, f.severity.value,
                                    tuple((e.file, e.page) for e in f.evidence)) for f in a.flags),
            documents=tuple(fg.DocItem(doc.file, doc.page, doc.fields.get("issuer"))
                            for doc in a.documents),
        ))  # fmt: skip
    programs = [a.program for a in apps if a.program]
    kinds = sorted(set(programs))  # a batch may mix programs: the cover says so
    program = kinds[0] if len(kinds) == 1 else "、".join(kinds)
    dups = [fg.DupItem(g.code.value, tuple(g.applicant_ids), tuple(g.reasons), g.score)
            for g in results.duplicates]  # fmt: skip
    year = int(as_of[:4]) if as_of[:4].isdigit() else 0
    return fg.IntakeData(key, program, year, sorted(apps, key=lambda a: a.applicant_id), dups)


def pdf_wanted() -> bool:
    """report.pdf is written by `credcheck verify` unless CREDCHECK_REPORT_PDF=0 (the test
    suite sets it: a Chromium start per verification), and only where Chromium is found."""
    return os.environ.get("CREDCHECK_REPORT_PDF", "1") != "0" and chromium() is not None


# ---------------------------------------------------------------- the tables as a workbook


def tables(d: fg.IntakeData, prev: fg.IntakeData | None = None) -> list[tuple[str, list[str], list[list[Any]]]]:
    """The report's tables, one per sheet: (sheet, header, rows); the same figures as the
    charts."""
    t = fg.totals(d)
    labels = {"applicants": "申报", "with_files": "已提交材料", "with_flags": "有疑点的申报",
              "flags": "疑点", "high": "高严重度疑点", "confirmed_applicants": "确认属实的申报",
              "decided": "已决定", "duplicate_people": "多头申报（人次）"}  # fmt: skip
    out: list[tuple[str, list[str], list[list[Any]]]] = [
        ("概况", ["项目", "数量"], [["批次", d.key], ["申报项目", d.program], ["年度", d.year]]
         + [[labels[k], v] for k, v in t.items()]),
        ("申报状态", ["状态", "申报"], [[s, n] for s, n in fg.by_state(d)]),
        ("申报项目", ["项目", "申报"], [[p, n] for p, n in fg.by_program(d)]),
        ("疑点类型", ["疑点代码", "疑点类型", "高", "中", "低", "合计", "涉及申报"],
         [[r.code, CODES.get(r.code, r.code), *(r.by_severity[s] for s in fg.SEVERITIES),
           r.total, r.applicants] for r in fg.flags_by_code(d)]),
        ("地州", ["地州", "申报", "有疑点", "身份证号归属地不同"],
         [[r.prefecture, r.applicants, r.with_flags, r.id_elsewhere] for r in fg.by_prefecture(d)]),
        ("发证单位", ["发证单位", "材料", "被疑点指向"],
         [[r.issuer, r.documents, r.flagged_documents] for r in fg.by_issuer(d)]),
        ("审核结论", ["疑点代码", "疑点类型", "疑点", "属实", "误报", "需补充材料", "未下结论", "误报率"],
         [[r.code, CODES.get(r.code, r.code), r.flags, r.confirmed, r.false_alarm, r.need_more,
           r.undecided, _pct(r.false_alarm_rate)] for r in fg.decisions_by_code(d)]),
        ("等待时间", ["等待", "申报"], [[b, n] for b, n in fg.queue_age(d)]),
        ("确认问题", ["申报编号", "姓名", "身份证号", "项目", "地州", "确认属实的疑点", "结论"],
         [[a.applicant_id, mask_text(a.name), mask_id(a.id_number), a.program,
           fg.prefecture_of(a.prefecture, a.id_number), "、".join(CODES.get(c, c) for c in cs),
           a.outcome] for a, cs in fg.confirmed_problems(d)]),
        ("多头申报", ["姓名", "申报编号", "项目", "依据", "得分"],
         [[mask_text(m.person), aid, prog, "；".join(mask_text(r) for r in m.reasons), m.score]
          for m in fg.multi_applications(d) for aid, prog in m.applications]),
    ]  # fmt: skip
    if prev is not None:
        c = fg.compare(d, prev)
        rows: list[list[Any]] = [[label, a, b] for label, a, b in c.counts]
        rows.append(["两批次均申报的人", c.repeat_applicants, c.repeat_applicants])
        rows += [[f"{CODES.get(code, code)} 占比", _pct(a), _pct(b)] for code, a, b in c.code_rates]
        out.append(("与上一批次比较", ["", d.key, c.previous], rows))
    return out


def render_xlsx(d: fg.IntakeData, prev: fg.IntakeData | None = None, *, date: str) -> bytes:
    """The report's tables as a workbook, one sheet per table; text neutralised (no cell can
    become a formula), fixed timestamps (same data, same bytes)."""
    import io
    import zipfile

    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.writer.excel import ExcelWriter

    from pipelines.cells import neutralise
    from pipelines.reports import _normalise_zip

    wb = Workbook()
    wb.remove(wb.active)
    for title, header, rows in tables(d, prev):
        ws = wb.create_sheet(title)
        ws.append(header)
        for r in rows:
            ws.append([neutralise(v) for v in r])
        for row in ws.iter_rows():
            for cell in row:
                if isinstance(cell.value, str):
                    cell.data_type = "s"
        for cell in ws[1]:
            cell.font = Font(bold=True)
        ws.freeze_panes = "A2"
    when = report_time(date)
    wb.properties.title = "人才项目申报核查情况报告"
    wb.properties.subject = d.key
    wb.properties.creator = "credcheck"
    wb.properties.created = wb.properties.modified = when
    buf = io.BytesIO()
    ExcelWriter(wb, zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED)).save()
    return _normalise_zip(buf.getvalue(), when)
