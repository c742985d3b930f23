"""`credcheck verify` on a hostile batch (tests/hostile_batch.py): every bad file, odd name,
link out of the batch and lying declared row is reported, never a crash; the batch folder is
left exactly as it was and nothing outside it is read; reports carry no formula and no
unescaped HTML; every applicant of either source is in results.json.

One real CLI run (subprocess, 2 workers) serves all the slow tests; the plan_batch tests at
the end are in-process and fast.
"""

from __future__ import annotations

import base64
import json
import os
import re
import subprocess
import zipfile
from dataclasses import dataclass
from pathlib import Path

import pytest

from models.results import FlagCode, Results
from tests import hostile, hostile_batch
from tests.hostile_batch import (
    AS_OF,
    HTML_PAYLOADS,
    SECRET_MARKER,
    SECRET_MARKER_ZH,
    HostileBatch,
    build_hostile_batch,
    cli_env,
    credcheck_cmd,
    set_read_only,
    snapshot,
)

CJK = re.compile(r"[\u4e00-\u9fff]")


@dataclass
class Run:
    hb: HostileBatch
    out: Path
    proc: subprocess.CompletedProcess
    before: dict
    after: dict

    @property
    def results(self) -> Results:
        return Results.model_validate_json((self.out / "results.json").read_bytes())


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> Run:
    root = tmp_path_factory.mktemp("hostile")
    hb = build_hostile_batch(root)
    out = root / "out"
    set_read_only(hb.batch, True)  # root ignores this; the snapshots below do not
    try:
        before = snapshot(hb.batch)
        proc = subprocess.run(
            [*credcheck_cmd(), "verify", str(hb.batch), "--out", str(out), "--workers", "2",
             "--as-of", AS_OF, "--quiet"],
            capture_output=True, text=True, timeout=900, env=cli_env(),
        )  # fmt: skip
        after = snapshot(hb.batch)
    finally:
        set_read_only(hb.batch, False)
    return Run(hb, out, proc, before, after)


def _flags_on(results: Results, rel: str):
    return [
        (a.applicant_id, f)
        for a in results.applicants
        for f in a.flags
        if f.code is FlagCode.UNREADABLE_DOCUMENT and any(e.file == rel for e in f.evidence)
    ]


# ---------------------------------------------------------------- the run


@pytest.mark.slow
def test_exit_0_and_results_follow_the_contract(run: Run) -> None:
    assert run.proc.returncode == 0, run.proc.stderr[-3000:]
    results = run.results
    assert results.schema_version == 1
    raw = json.loads((run.out / "results.json").read_text(encoding="utf-8"))
    assert Results.model_validate(raw) == results
    for name in ("report.html", "report.xlsx"):
        assert (run.out / name).stat().st_size > 0


@pytest.mark.slow
def test_every_bad_file_is_an_unreadable_document_flag_naming_it(run: Run) -> None:
    results = run.results
    problems = []
    for rel, code in sorted(run.hb.unreadable.items()):
        found = _flags_on(results, rel)
        if not found:
            problems.append(f"{rel!r}: no UNREADABLE_DOCUMENT flag")
            continue
        _, flag = found[0]
        if f"error={code}" not in flag.reasons:
            problems.append(f"{rel!r}: expected {code}, got {flag.reasons}")
        if rel not in flag.message or not CJK.search(flag.message.replace(rel, "")):
            problems.append(f"{rel!r}: message does not name the file in Chinese: {flag.message}")
    assert not problems, "\n".join(problems)


@pytest.mark.slow
def test_a_page_that_cannot_be_rendered_is_flagged_by_page(run: Run) -> None:
    results = run.results
    for rel, pages in run.hb.page_failures.items():
        for page, code in pages.items():
            flags = [f for _, f in _flags_on(results, rel) if f.evidence[0].page == page]
            assert flags and f"error={code}" in flags[0].reasons, (rel, flags)
            assert f"第{page}页" in flags[0].message


@pytest.mark.slow
def test_page_limits_cut_and_say_so(run: Run) -> None:
    from models.constants import MAX_PAGES_PER_APPLICANT, MAX_PAGES_PER_FILE

    results = run.results
    for rel, (total, read) in run.hb.page_cut.items():
        msgs = [f.message for _, f in _flags_on(results, rel)]
        assert any(f"共{total}页" in m and f"前{read}页" in m for m in msgs), (rel, msgs)
    for rel in run.hb.skipped:
        msgs = [f.message for _, f in _flags_on(results, rel)]
        assert any("未识别" in m and "200页" in m for m in msgs), (rel, msgs)
    pages = {a.applicant_id: {(d.file, d.page) for d in a.documents} for a in results.applicants}
    # Read up to each cut, and nothing past it.
    assert {p for _, p in pages["HX-TIFF"]} == set(range(1, MAX_PAGES_PER_FILE + 1))
    assert len(pages["HX-PAGES"]) == MAX_PAGES_PER_APPLICANT


@pytest.mark.slow
def test_normal_applicants_are_read_normally(run: Run) -> None:
    results = run.results
    docs = {(d.file, d.page): d.doc_type.value for a in results.applicants for d in a.documents}
    assert run.hb.readable
    for key, doc_type in run.hb.readable.items():
        assert docs.get(key) == doc_type, (key, docs.get(key))
    by_id = {a.applicant_id: a for a in results.applicants}
    for aid in run.hb.normal_ids:
        assert not [f for f in by_id[aid].flags if f.code is FlagCode.UNREADABLE_DOCUMENT]
    for rel in run.hb.repaired:  # a broken xref table is rebuilt by the readers: read
        assert any(f == rel for f, _ in docs) and not _flags_on(results, rel)


@pytest.mark.slow
def test_every_applicant_of_either_source_is_in_the_results(run: Run) -> None:
    from extractors.declared import load_declared

    ids = [a.applicant_id for a in run.results.applicants]
    assert len(ids) == len(set(ids))
    assert set(ids) == run.hb.applicant_ids
    declared = {a.applicant_id for a in load_declared(run.hb.batch).applicants}
    folders = {
        os.fsencode(name).decode("utf-8", "backslashreplace")
        for name in os.listdir(run.hb.batch / "packets")
    }
    assert declared | folders <= set(ids)


@pytest.mark.slow
def test_report_xlsx_has_no_formula(run: Run) -> None:
    import openpyxl

    path = run.out / "report.xlsx"
    wb = openpyxl.load_workbook(path)
    values = []
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (ws.title, cell.coordinate, cell.value)
                values.append(str(cell.value))
    assert any(v.startswith("'=") for v in values)  # the hostile text is there, as text
    assert not [v for v in values if v.startswith(("=", "+", "-", "@", "\t", "\r"))]
    with zipfile.ZipFile(path) as z:
        for name in z.namelist():
            if name.endswith(".xml"):
                assert not re.search(rb"<(\w+:)?f[ >/]", z.read(name)), name


@pytest.mark.slow
def test_report_html_escapes_applicant_data(run: Run) -> None:
    html = (run.out / "report.html").read_text(encoding="utf-8")
    for payload in HTML_PAYLOADS:
        assert payload not in html, payload
    assert "&lt;svg onload" in html  # the folder name is shown, escaped


@pytest.mark.slow
def test_batch_folder_is_left_untouched(run: Run) -> None:
    assert run.after == run.before
    assert not (run.hb.batch / ".credcheck").exists()
    assert not run.out.resolve().is_relative_to(run.hb.batch.resolve())


def _output_texts(out: Path):
    """Every byte credcheck wrote: files, the XML inside report.xlsx, decoded cache records."""
    for path in sorted(out.rglob("*")):
        if not path.is_file():
            continue
        data = path.read_bytes()
        yield path, data
        if path.suffix == ".xlsx":
            with zipfile.ZipFile(path) as z:
                for name in z.namelist():
                    yield path / name, z.read(name)
        if ".credcheck" in path.parts:
            try:
                record = json.loads(data)
            except ValueError:
                continue
            if isinstance(record, dict) and isinstance(record.get("result"), str):
                yield path / "result", base64.b64decode(record["result"])


@pytest.mark.slow
def test_nothing_outside_the_batch_is_read(run: Run) -> None:
    markers = [SECRET_MARKER.encode(), SECRET_MARKER_ZH.encode("utf-8")]
    markers += [SECRET_MARKER_ZH.encode("utf-16-be")]  # as a pickled/encoded string might hold
    seen = 0
    for path, data in _output_texts(run.out):
        seen += 1
        for m in markers:
            assert m not in data, f"{m!r} from outside the batch found in {path}"
    assert seen >= 4
    for rel in ("packets/HX-BAD/外链.pdf", "packets/HX-BAD/外链绝对.png",
                "packets/HX-BAD/外部文件夹", "packets/HX-LINKED"):  # fmt: skip
        assert _flags_on(run.results, rel), rel


@pytest.mark.slow
def test_no_file_ran_into_a_time_limit_or_was_read_past_its_cut(run: Run) -> None:
    # What would make a hostile batch slow, shown without timing it (the run's wall time is
    # a benchmark figure: bench/bounds.py --hostile): a file parsed or a page OCR'd until a
    # wall clock stopped it, or pages read past the per-file cut.
    from models.constants import MAX_PAGES_PER_FILE
    from models.exceptions import OcrTimeout, ReaderTimeout

    timeouts = {f"error={ReaderTimeout.code}", f"error={OcrTimeout.code}"}
    reasons = [r for a in run.results.applicants for f in a.flags for r in f.reasons]
    assert f"error={hostile_batch.CORRUPT}" in reasons  # flags with error codes were read
    assert not timeouts & set(reasons)
    # Cached page readings are named page-<file hash>-<page>-<options>; the 2,000-page PDF
    # and the 200-frame TIFF are read to the cut.
    pages = [int(p.name.split("-")[2]) for p in (run.out / ".credcheck" / "cache").glob("page-*")]
    assert pages.count(MAX_PAGES_PER_FILE) >= 2 and max(pages) == MAX_PAGES_PER_FILE


@pytest.mark.slow
def test_identical_files_keep_their_own_names(run: Run) -> None:
    results = run.results
    a = next(a for a in results.applicants if a.applicant_id == "HX-PAGES")
    per_file: dict[str, int] = {}
    for d in a.documents:
        per_file[d.file] = per_file.get(d.file, 0) + 1
    cut = sorted(rel for rel in run.hb.page_cut if rel.startswith("packets/HX-PAGES/"))
    assert per_file == {rel: 50 for rel in cut}
    docx = _flags_on(results, "packets/HX-BAD/总结.docx")[0][1]
    assert "'.docx'" in " ".join(docx.reasons)


# ---------------------------------------------------------------- plan_batch, in-process


def _tiny_batch(root: Path) -> Path:
    batch = root / "batch"
    (batch / "packets" / "A1").mkdir(parents=True)
    (batch / "declared.csv").write_text("申报编号,姓名\nA1,张三\n", encoding="utf-8")
    return batch


def test_declared_table_linked_from_outside_is_refused(tmp_path: Path) -> None:
    from models.exceptions import UsageError
    from pipelines.stages import plan_batch

    batch = _tiny_batch(tmp_path)
    (tmp_path / "elsewhere.csv").write_text("申报编号,姓名\nX,秘密\n", encoding="utf-8")
    (batch / "declared.csv").unlink()
    (batch / "declared.csv").symlink_to(tmp_path / "elsewhere.csv")
    with pytest.raises(UsageError) as info:
        plan_batch(batch)
    assert "批次目录以外" in info.value.reason_zh


def test_packets_folder_linked_from_outside_is_refused(tmp_path: Path) -> None:
    from models.exceptions import UsageError
    from pipelines.stages import plan_batch

    batch = _tiny_batch(tmp_path)
    (tmp_path / "other" / "A1").mkdir(parents=True)
    (batch / "packets" / "A1").rmdir()
    (batch / "packets").rmdir()
    (batch / "packets").symlink_to(tmp_path / "other")
    with pytest.raises(UsageError):
        plan_batch(batch)


def test_links_inside_the_batch_are_followed_to_files_only(tmp_path: Path) -> None:
    from pipelines.stages import plan_batch

    batch = _tiny_batch(tmp_path)
    png = hostile.image_bytes(hostile.marker_image(16, 16), "PNG")
    (batch / "packets" / "A1" / "real.png").write_bytes(png)
    (batch / "packets" / "A1" / "alias.png").symlink_to("real.png")
    (batch / "packets" / "A1" / "sub").symlink_to(batch / "packets")
    plan = plan_batch(batch)
    files = {f.rel: f for f in plan.applicants[0].files}
    assert files["packets/A1/alias.png"].problem is None
    assert files["packets/A1/alias.png"].sha256 == files["packets/A1/real.png"].sha256
    assert files["packets/A1/sub"].problem.code == "CC112"


def test_deep_folders_are_flagged_not_walked(tmp_path: Path) -> None:
    from pipelines.stages import MAX_FOLDER_DEPTH, plan_batch

    batch = _tiny_batch(tmp_path)
    deep = batch / "packets" / "A1"
    for _ in range(MAX_FOLDER_DEPTH + 3):
        deep = deep / "d"
    deep.mkdir(parents=True)
    (deep / "x.png").write_bytes(b"")
    plan = plan_batch(batch)
    (fp,) = plan.applicants[0].files
    assert fp.problem is not None and fp.problem.code == "CC114"
    assert fp.rel.count("/d") == MAX_FOLDER_DEPTH + 1


def _drop_capabilities() -> None:
    """Give up every capability of this process (capset(2)): root then meets permission bits
    as any other user does. Nothing changes for a user who has none."""
    import ctypes

    class Header(ctypes.Structure):
        _fields_ = [("version", ctypes.c_uint32), ("pid", ctypes.c_int)]

    class Sets(ctypes.Structure):
        _fields_ = [(name, ctypes.c_uint32) for name in ("effective", "permitted", "inheritable")]

    libc = ctypes.CDLL(None, use_errno=True)
    version_3 = 0x20080522  # two Sets: capabilities 0-31 and 32-63, all left empty
    if libc.capset(ctypes.byref(Header(version_3, 0)), (Sets * 2)()) != 0:
        raise OSError(ctypes.get_errno(), "capset failed")


def test_a_folder_that_cannot_be_listed_is_flagged(tmp_path: Path) -> None:
    # CI runs as root, which lists a folder whatever its mode: the batch is planned in a
    # forked child without capabilities, where the folder's mode 0 refuses the listing.
    from extractors.sandbox import run_sandboxed
    from pipelines.stages import plan_batch

    batch = _tiny_batch(tmp_path)
    locked = batch / "packets" / "A1" / "locked"
    locked.mkdir()
    (locked / "x.png").write_bytes(b"")

    def plan() -> tuple[bool, list[tuple[str, str | None]]]:
        _drop_capabilities()
        try:
            os.scandir(locked).close()  # as plan_batch lists a folder
            listable = True
        except PermissionError:
            listable = False
        files = plan_batch(batch).applicants[0].files
        return listable, [(fp.rel, fp.problem.code if fp.problem else None) for fp in files]

    assert run_sandboxed(plan) == (True, [("packets/A1/locked/x.png", None)])
    locked.chmod(0)
    try:
        listable, files = run_sandboxed(plan)
    finally:
        locked.chmod(0o755)
    assert not listable
    assert files == [("packets/A1/locked", "CC114")]
