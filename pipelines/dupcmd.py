"""`credcheck duplicates DECLARED --out OUT_DIR [--history DB] [--intake NAME]`.

Duplicate-applicant search on declared data alone: writes OUT_DIR/duplicates.json
(`{"schema_version": 1, "duplicates": [...]}`, the `duplicates` schema of results.json),
atomically. With --history the intake is added to the SQLite history (matchers.linkage.history)
after the search, and matches against earlier intakes appear as "<intake>:<applicant_id>"
members with a reason naming the intake. The intake id is the SHA-256 of the declared file
(first 16 hex digits) unless --intake names it, so running the same file again replaces its
rows instead of matching itself.

The table is read by a lean reader of the identity columns only (same header aliases as
extractors.declared, CSV in UTF-8/UTF-16/GB18030 or .xlsx): the full importer normalises
every column and stops at 100,000 rows, while a history intake can be a whole year's
applications. Run as `python -m pipelines.dupcmd` too (`main(argv)`).
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import functools
import gc
import io
import json
import sys
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field

from extractors.declared import (
    APPLICANT_HEADERS,
    normalize_header,
    parse_date_cell,
    table_format,
)
from extractors.normalize import normalize_ethnicity, normalize_gender, normalize_name, to_halfwidth
from matchers.linkage.blocking import MAX_BLOCK
from matchers.linkage.intake import intake_id, link_intake
from matchers.rules import canonical_program
from models.declared import Applicant
from models.exceptions import CredcheckError, DeclaredDataError
from models.results import SCHEMA_VERSION, DuplicateGroup
from pipelines.atomic import write_text_atomic

__all__ = ["DuplicatesResult", "main", "read_identities", "run_duplicates"]

OUTPUT_NAME = "duplicates.json"
MAX_ROWS = 2_000_000  # a year's intakes fit; a bigger file is not a declared table
HEADER_SCAN_ROWS = 10
_KEYS = ("applicant_id", "program", "name", "gender", "ethnicity", "id_number", "birth_date",
         "work_unit")  # fmt: skip
_INDEX = {normalize_header(a): k for k, aliases in APPLICANT_HEADERS.items() for a in aliases}


class RunStats(BaseModel):
    applicants: int
    problems: list[str]
    intake: str
    history_candidates: int
    candidate_pairs: int
    all_pairs: int
    linked_pairs: int
    groups: int
    seconds: float
    skipped_blocks: int = 0  # blocking keys too common to use (a placeholder ID, say)


class DuplicatesResult(BaseModel):
    """duplicates.json, plus figures for the caller (not written)."""

    schema_version: int = SCHEMA_VERSION
    duplicates: list[DuplicateGroup] = Field(default_factory=list)
    stats: RunStats | None = None  # figures of the run, not written

    def to_json(self) -> str:
        return self.model_dump_json(indent=2, include={"schema_version", "duplicates"}) + "\n"


# ---------------------------------------------------------------- reading


def _decode(data: bytes) -> str:
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="replace")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16", errors="replace")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("gb18030", errors="replace")


def _csv_rows(path: Path) -> Iterator[list[Any]]:
    text = _decode(path.read_bytes())
    try:
        delimiter = csv.Sniffer().sniff(text[:4096], delimiters=",\t;").delimiter
    except csv.Error:
        delimiter = ","
    yield from csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)


def _xlsx_rows(path: Path) -> Iterator[list[Any]]:
    import openpyxl  # noqa: PLC0415 - only for .xlsx

    wb = openpyxl.load_workbook(path, read_only=True, data_only=False)
    try:
        sheets = wb.worksheets
        if not sheets:
            return
        ws = next((s for s in sheets if "申报人" in s.title), sheets[0])
        for row in ws.iter_rows(values_only=True):
            yield list(row)
    finally:
        wb.close()


@functools.lru_cache(maxsize=4096)
def _program(text: str) -> str | None:
    return canonical_program(text) or to_halfwidth(text).strip() or None


@functools.lru_cache(maxsize=200_000)
def _name(text: str) -> str | None:
    return normalize_name(text) or None


@functools.lru_cache(maxsize=65_536)
def _birth(value: str) -> str | None:
    return parse_date_cell(value)[0]


@functools.lru_cache(maxsize=256)
def _gender(text: str) -> str | None:
    return normalize_gender(text)


@functools.lru_cache(maxsize=1024)
def _ethnicity(text: str) -> str | None:
    return normalize_ethnicity(text)


def _text(v: Any) -> str:
    if v is None:
        return ""
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v).strip()


def read_identities(path: Path) -> tuple[list[Applicant], list[str]]:
    """Identity columns of a declared table (.csv or .xlsx): applicants and problems (Chinese)."""
    path = Path(path)
    rows = _xlsx_rows(path) if table_format(path) == "xlsx" else _csv_rows(path)
    try:
        return _parse(rows, path)
    except (OSError, ValueError, KeyError, csv.Error) as e:
        raise DeclaredDataError(
            f"cannot read {path.name}: {e}", file=str(path), zh=f"申报数据表 {path.name} 无法读取"
        ) from e


def _parse(rows: Iterator[list[Any]], path: Path) -> tuple[list[Applicant], list[str]]:
    problems: list[str] = []
    head: list[list[Any]] = []
    columns: dict[str, int] = {}
    name_header = "姓名"
    for row in rows:
        head.append(row)
        found = {}
        for ci, cell in enumerate(row):
            key = _INDEX.get(normalize_header(cell)) if cell is not None else None
            if key and key not in found:
                found[key] = ci
        if len(found) >= 2 and "applicant_id" in found:
            columns = found
            name_header = _text(row[found["name"]]) if "name" in found else name_header
            break
        if len(head) >= HEADER_SCAN_ROWS:
            break
    if not columns:
        raise DeclaredDataError(
            f"no header row in {path.name}",
            file=str(path),
            zh=f"{path.name} 前{HEADER_SCAN_ROWS}行中未找到表头"
            "（应含“申报编号”“姓名”“身份证号”等列）",
        )
    for key in ("name", "id_number"):
        if key not in columns:
            problems.append(f"{path.name} 缺少“{APPLICANT_HEADERS[key][0]}”列")
    wanted = [(k, columns[k]) for k in _KEYS if k in columns]
    out: list[Applicant] = []
    taken: dict[str, int] = {}
    for number, row in enumerate(rows, start=len(head) + 1):
        if number > MAX_ROWS:
            problems.append(f"{path.name} 超过{MAX_ROWS}行，其余行未读取")
            break
        cells = {k: row[ci] if ci < len(row) else None for k, ci in wanted}
        aid = "".join(to_halfwidth(_text(cells.get("applicant_id"))).split()).lstrip("'")
        if not aid:
            if any(_text(v) for v in row):
                problems.append(f"第{number}行没有申报编号，未参与查重")
            continue
        if aid in taken:
            taken[aid] += 1
            new = f"{aid}#{taken[aid]}"
            problems.append(f"申报编号“{aid}”重复，第{number}行改记为“{new}”")
            aid = new
        else:
            taken[aid] = 1
        out.append(_applicant(aid, cells, number, name_header))
    return out, problems


def _applicant(aid: str, cells: dict[str, Any], number: int, name_header: str) -> Applicant:
    name = _text(cells.get("name"))
    birth = cells.get("birth_date")
    if birth in (None, ""):
        iso = None
    elif isinstance(birth, str):
        iso = _birth(birth)
    else:  # a date or number cell of a workbook
        iso = parse_date_cell(birth)[0]
    return Applicant(
        applicant_id=aid,
        program=_program(_text(cells.get("program"))),
        name=_name(name) if name else None,
        gender=_gender(_text(cells.get("gender"))),
        ethnicity=_ethnicity(_text(cells.get("ethnicity"))),
        id_number=_text(cells.get("id_number")).lstrip("'`") or None,
        birth_date=iso,
        work_unit=_text(cells.get("work_unit")) or None,
        raw={name_header: name} if name else {},
        row=number,
    )


# ---------------------------------------------------------------- running


@contextlib.contextmanager
def _no_gc() -> Iterator[None]:
    """No cyclic GC while building ~10^6 acyclic objects: its full passes cost seconds."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


def run_duplicates(
    declared: Path,
    out_dir: Path,
    *,
    history: Path | None = None,
    intake: str | None = None,
) -> DuplicatesResult:
    """Search, write OUT_DIR/duplicates.json, add the intake to `history`; return the result
    (its `stats` hold the figures of the run: candidate pairs, time)."""
    t0 = time.perf_counter()
    declared = Path(declared)
    with _no_gc():
        applicants, problems = read_identities(declared)
        intake = intake or intake_id(declared)
        links = link_intake(applicants, history, intake=intake, source=declared.name)
    n = links.records
    stats = RunStats(
        applicants=len(applicants),
        problems=problems,
        intake=intake,
        history_candidates=links.history_candidates,
        candidate_pairs=links.candidate_pairs,
        all_pairs=n * (n - 1) // 2,
        linked_pairs=links.linked_pairs,
        groups=len(links.groups),
        seconds=0.0,
        skipped_blocks=links.skipped_blocks,
    )
    result = DuplicatesResult(duplicates=links.groups, stats=stats)
    write_text_atomic(Path(out_dir) / OUTPUT_NAME, result.to_json())
    stats.seconds = round(time.perf_counter() - t0, 3)
    return result


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        prog="credcheck duplicates",
        description="查找重复申报（同一人多次申报）/ find duplicate applicants in a declared table",
    )
    ap.add_argument("declared", type=Path, help="申报数据表 declared.xlsx / declared.csv")
    ap.add_argument("--out", type=Path, required=True, help="输出目录（写出 duplicates.json）")
    ap.add_argument("--history", type=Path, default=None, help="历史库 SQLite 文件（不存在则新建）")
    ap.add_argument(
        "--intake", default=None, help="本批次标识（默认：申报表文件的 SHA-256 前16位）"
    )
    ap.add_argument("--stats-json", action="store_true", help="在标准错误输出末行打印 JSON 统计")
    ap.add_argument("--debug", action="store_true")
    a = ap.parse_args(argv)
    try:
        result = run_duplicates(a.declared, a.out, history=a.history, intake=a.intake)
    except CredcheckError as e:
        if a.debug:
            raise
        print(f"错误 / error: {e.reason_zh} ({e})", file=sys.stderr)
        return e.exit_code
    s = result.stats
    assert s is not None
    for p in s.problems[:20]:
        print(f"提示 / note: {p}", file=sys.stderr)
    if s.skipped_blocks:
        print(
            f"提示 / note: {s.skipped_blocks} 个比对键被超过 {MAX_BLOCK} 份申报共用（多为占位值，"
            f"如同一个填充的身份证号），未用这些键配对 / {s.skipped_blocks} blocking keys "
            f"shared by more than {MAX_BLOCK} records were not used to pair them",
            file=sys.stderr,
        )
    print(
        f"申报 {s.applicants} 份，候选配对 {s.candidate_pairs}（全部配对 {s.all_pairs}），"
        f"重复组 {len(result.duplicates)}，用时 {s.seconds:.1f} 秒 → {Path(a.out) / OUTPUT_NAME} / "
        f"{s.applicants} applications, {s.candidate_pairs} candidate pairs of {s.all_pairs}, "
        f"{len(result.duplicates)} groups",
        file=sys.stderr,
    )
    if a.stats_json:
        print(json.dumps(s.model_dump(exclude={"problems"})), file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
