"""Declared data import: declared.xlsx (sheets 申报人, 获奖情况) or declared.csv + awards.csv.

Forms come from many hands, so the reader is tolerant and loud: headers are matched by every
alias of the contract after normalising them, the header row is searched for under title
rows, values are normalised with extractors.normalize, and anything odd in a row becomes a
Chinese `problems` entry on that applicant (or on the batch when the row cannot become an
applicant). Only a missing or unopenable file raises DeclaredDataError.

Cell text is only ever read as text: formulas are kept as their source string and never
evaluated (openpyxl with data_only=False), HTML stays plain text for the reports to escape.

`read_identities` is the lean reader of `credcheck duplicates`: the identity columns only,
streamed, up to MAX_IDENTITY_ROWS rows (a history intake can be a year's applications),
with the same cell, header, program, name, date, gender and ethnicity helpers
(extractors.declared_cells).
"""

from __future__ import annotations

import csv
import functools
import math
import re
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from extractors.declared_cells import (
    HEADER_SCAN_ROWS,
    alias_index,
    applicant_id_text,
    cell_text,
    clean_text,
    csv_reader,
    decode_table,
    ethnicity_of,
    gender_of,
    header_key,
    normalize_header,
    parse_date_cell,
    person_name,
    shorten,
)
from extractors.normalize import (
    canonical_program,
    comparable,
    normalize_award_level,
    normalize_award_rank,
    normalize_education,
    normalize_skill_level,
    normalize_title,
    normalize_title_level,
    skill_level_parts,
    to_halfwidth,
)
from extractors.validators import validate_id_number
from models.catalogue import APPLICANT_HEADERS, AWARD_HEADERS, PROGRAM_NAMES
from models.declared import Applicant, DeclaredAward, DeclaredBatch
from models.exceptions import DeclaredDataError

__all__ = [
    "load_declared",
    "load_declared_table",
    "program_name",
    "read_identities",
    "table_format",
]

# Used in messages when a column is missing from the sheet.
_LABELS = {k: v[0] for k, v in {**AWARD_HEADERS, **APPLICANT_HEADERS}.items()}

APPLICANT_SHEET = "申报人"
AWARD_SHEET = "获奖情况"
MIN_HEADER_HITS = 2
MAX_ROWS = 100_000  # a declared sheet is hundreds of rows; more is a broken or hostile file
MAX_COLS = 256

_PLACEHOLDERS = frozenset({"无", "-", "--", "—", "/", "暂无", "n/a", "na", "none", "null", "空"})
_BELOW_EDUCATION = re.compile(r"初中|小学|文盲|半文盲")
_FORMULA_TEXT_RE = re.compile(r"^=\s*[A-Za-z_][A-Za-z0-9_.]*\s*\(")
_SCI_RE = re.compile(r"^[0-9](?:\.[0-9]+)?[eE]\+?[0-9]+$")


# ---------------------------------------------------------------- cells and sheets


@dataclass(frozen=True)
class _Cell:
    value: Any
    number_format: str = "General"
    is_formula: bool = False


@dataclass
class _Sheet:
    title: str
    rows: list[tuple[int, list[_Cell]]]  # (1-based row number, cells)
    truncated: bool = False
    label: str = ""  # how messages name it: "申报人表", "declared.csv"

    def __post_init__(self) -> None:
        if not self.label:
            self.label = self.title if self.title.endswith("表") else f"{self.title}表"

    @property
    def empty(self) -> bool:
        return all(_is_empty(c) for _, cells in self.rows for c in cells)


def _is_empty(cell: _Cell) -> bool:
    return not cell_text(cell.value).strip()


def _blank(text: str) -> bool:
    return not text or comparable(text) in _PLACEHOLDERS


def _read_xlsx(path: Path) -> list[_Sheet]:
    import openpyxl  # heavy; only needed for workbooks

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # unsupported extensions, data validation…
            wb = openpyxl.load_workbook(path, read_only=True, data_only=False)
    except Exception as e:  # noqa: BLE001 - any failure to open is the same error for users
        raise DeclaredDataError(
            f"cannot open workbook {path.name}: {type(e).__name__}: {e}",
            file=str(path),
            zh=f"申报数据表 {path.name} 无法打开（文件损坏、加密或不是 .xlsx 格式），"
            "请用 Excel 另存为 .xlsx 后重新提交",
        ) from e
    sheets: list[_Sheet] = []
    try:
        for ws in wb.worksheets:
            sheets.append(_read_worksheet(ws))
    except Exception as e:  # noqa: BLE001
        raise DeclaredDataError(
            f"cannot read workbook {path.name}: {type(e).__name__}: {e}",
            file=str(path),
            zh=f"申报数据表 {path.name} 内容损坏，无法读取，请重新导出后提交",
        ) from e
    finally:
        wb.close()
    return sheets


def _read_worksheet(ws: Any) -> _Sheet:
    rows: list[tuple[int, list[_Cell]]] = []
    truncated = False
    width = ws.max_column if isinstance(ws.max_column, int) and ws.max_column > 0 else MAX_COLS
    # Read-only iteration starts at row 1 and yields gaps as empty rows, so i is the row number.
    for i, row in enumerate(ws.iter_rows(max_col=min(width, MAX_COLS)), start=1):
        if i > MAX_ROWS:
            truncated = True
            break
        cells = [
            _Cell(
                getattr(c, "value", None),
                getattr(c, "number_format", None) or "General",
                getattr(c, "data_type", None) == "f",
            )
            for c in row
        ]
        while cells and _is_empty(cells[-1]):
            cells.pop()
        rows.append((i, cells))
    return _Sheet(str(ws.title), rows, truncated)


def _read_csv(path: Path) -> tuple[_Sheet, str | None]:
    try:
        data = path.read_bytes()
    except OSError as e:
        raise DeclaredDataError(
            f"cannot read {path.name}: {e}",
            file=str(path),
            zh=f"申报数据文件 {path.name} 无法读取",
        ) from e
    text, problem = decode_table(data)
    rows: list[tuple[int, list[_Cell]]] = []
    truncated = False
    reader = csv_reader(text)
    try:
        for i, rec in enumerate(reader, start=1):
            if i > MAX_ROWS:
                truncated = True
                break
            rows.append((reader.line_num, [_Cell(v) for v in rec[:MAX_COLS]]))
    except csv.Error as e:
        problem = (
            problem + "；" if problem else ""
        ) + f"CSV 格式错误，读到第{len(rows)}行为止（{e}）"
    return _Sheet(path.stem, rows, truncated, label=path.name), problem


# ---------------------------------------------------------------- header row

_APPLICANT_INDEX = alias_index(APPLICANT_HEADERS)
_AWARD_INDEX = alias_index(AWARD_HEADERS)


@dataclass
class _Layout:
    header_row: int  # index into sheet.rows
    columns: dict[str, list[int]]  # key → column indexes, leftmost first
    headers: list[str]  # raw header text per column (for raw dicts and messages)


def _find_layout(sheet: _Sheet, index: dict[str, str]) -> _Layout | None:
    best: tuple[int, int] | None = None  # (hits, row index)
    for ri, (_, cells) in enumerate(sheet.rows[:HEADER_SCAN_ROWS]):
        keys = {k for c in cells if (k := header_key(c.value, index))}
        if len(keys) >= MIN_HEADER_HITS and (best is None or len(keys) > best[0]):
            best = (len(keys), ri)
    if best is None:
        return None
    ri = best[1]
    cells = sheet.rows[ri][1]
    columns: dict[str, list[int]] = {}
    headers: list[str] = []
    seen: dict[str, int] = {}
    for ci, c in enumerate(cells):
        raw = clean_text(cell_text(c.value)) or f"第{ci + 1}列"
        seen[raw] = seen.get(raw, 0) + 1
        headers.append(raw if seen[raw] == 1 else f"{raw}#{seen[raw]}")
        key = header_key(c.value, index)
        if key:
            columns.setdefault(key, []).append(ci)
    return _Layout(ri, columns, headers)


# ---------------------------------------------------------------- row access


@dataclass
class _Row:
    number: int
    cells: list[_Cell]
    layout: _Layout
    kind: str  # message prefix: "" on the applicant's own row, the sheet label for award rows
    problems: list[str]

    def cell(self, key: str) -> tuple[_Cell, str] | None:
        """First non-empty cell of the key's columns, with its header."""
        cols = self.layout.columns.get(key, [])
        for ci in cols:
            if ci < len(self.cells) and not _is_empty(self.cells[ci]):
                return self.cells[ci], self.layout.headers[ci]
        return None

    def text(self, key: str) -> str:
        got = self.cell(key)
        if got is None:
            return ""
        cell, header = got
        if cell.is_formula or (
            isinstance(cell.value, str) and _FORMULA_TEXT_RE.match(cell.value.strip())
        ):
            self.problem(
                header, f"内容是公式“{shorten(cell_text(cell.value))}”，按文本读取，未计算"
            )
        return clean_text(cell_text(cell.value))

    def header(self, key: str) -> str:
        cols = self.layout.columns.get(key)
        return self.layout.headers[cols[0]] if cols else _LABELS.get(key, key)

    def problem(self, header: str | None, msg: str) -> None:
        where = f"{self.kind}第{self.number}行" + (f"“{header}”列" if header else "")
        text = f"{where}：{msg}"
        if text not in self.problems:
            self.problems.append(text)

    def raw(self) -> dict[str, str]:
        out: dict[str, str] = {}
        for ci, c in enumerate(self.cells):
            t = cell_text(c.value).strip()
            if t:
                key = self.layout.headers[ci] if ci < len(self.layout.headers) else f"第{ci + 1}列"
                out[key] = t
        return out


def _data_rows(
    sheet: _Sheet, layout: _Layout, batch_problems: list[str]
) -> Iterator[tuple[int, list[_Cell]]]:
    """Non-empty rows after the header; runs of empty rows before later data are reported."""
    pending: list[int] = []
    for number, cells in sheet.rows[layout.header_row + 1 :]:
        if all(_is_empty(c) for c in cells):
            pending.append(number)
            continue
        if pending:
            span = f"第{pending[0]}行" if len(pending) == 1 else f"第{pending[0]}–{pending[-1]}行"
            batch_problems.append(f"{sheet.label}{span}为空行，已跳过")
            pending = []
        yield number, cells
    if sheet.truncated:
        batch_problems.append(f"{sheet.label}超过{MAX_ROWS}行，其余行未读取")


# ---------------------------------------------------------------- values


def _id_number(row: _Row) -> str | None:
    got = row.cell("id_number")
    if got is None:
        return None
    cell, header = got
    v = cell.value
    if isinstance(v, float):
        if v.is_integer() and abs(v) < 2**53:
            v = int(v)  # ≤15 digits survive a float exactly (old 15-digit numbers)
        else:
            row.problem(
                header,
                f"身份证号以数字形式存储（{v:.15g}），已丢失末几位精度，无法使用；"
                "请将该列设为文本格式后重新填写",
            )
            return None
    text = row.text("id_number") if not isinstance(v, int) else str(v)
    text = text.strip().lstrip("'`")
    if _SCI_RE.match(to_halfwidth(text)):
        row.problem(
            header,
            f"身份证号显示为科学计数法（{text}），已丢失精度，无法使用；请将该列设为文本格式后重新填写",
        )
        return None
    normalized = validate_id_number(text).normalized
    return normalized or None


def _team_size(row: _Row) -> int | None:
    got = row.cell("team_size")
    if got is None:
        return None
    cell, header = got
    v = cell.value
    if isinstance(v, int | float) and not isinstance(v, bool):
        if math.isfinite(v) and float(v).is_integer() and v >= 0:
            return int(v)
        row.problem(header, f"人数“{v}”不是整数")
        return None
    t = to_halfwidth(row.text("team_size"))
    m = re.fullmatch(r"([0-9]+)\s*(?:人|名|个)?", t)
    if m:
        return int(m.group(1))
    if not _blank(t):
        row.problem(header, f"人数“{shorten(t)}”不是数字")
    return None


def _date_field(row: _Row, key: str) -> str | None:
    got = row.cell(key)
    if got is None:
        return None
    cell, header = got
    if isinstance(cell.value, str) and _blank(clean_text(cell.value)):
        return None
    if cell.is_formula:
        row.text(key)  # reports the formula
    iso, problem = parse_date_cell(cell.value, cell.number_format)
    if problem:
        row.problem(header, problem)
    return iso


def _normalized(row: _Row, key: str, fn: Any, what: str) -> str | None:
    """Normalise a text cell; a value the normaliser cannot place becomes a problem."""
    t = row.text(key)
    if _blank(t):
        return None
    out = fn(t)
    if out is None:
        row.problem(row.header(key), f"无法识别的{what}“{shorten(t)}”")
    return out


def _skill_level(row: _Row) -> str | None:
    t = row.text("skill_level")
    if _blank(t):
        return None
    grade, name = skill_level_parts(t)
    if grade and name and grade != name:
        row.problem(
            row.header("skill_level"),
            f"“{shorten(t)}”中等级（{grade}）与名称（{name}）不一致，按名称记为{name}",
        )
    level = normalize_skill_level(t)
    if level is None:
        row.problem(row.header("skill_level"), f"无法识别的职业技能等级“{shorten(t)}”")
    return level


def _education(row: _Row) -> str | None:
    t = row.text("education")
    if _blank(t):
        return None
    level = normalize_education(t)
    if level is None and not _BELOW_EDUCATION.search(comparable(t)):
        row.problem(row.header("education"), f"无法识别的学历“{shorten(t)}”")
    return level


def _title_fields(row: _Row) -> tuple[str | None, str | None]:
    t = row.text("title")
    title = None if _blank(t) else normalize_title(t)
    derived = normalize_title_level(title) if title else None
    lt = row.text("title_level")
    if _blank(lt):
        if title and derived is None:
            row.problem(row.header("title"), f"无法从职称“{shorten(t)}”判断职称层级")
        return title, derived
    level = normalize_title_level(lt)
    if level is None:
        row.problem(row.header("title_level"), f"无法识别的职称层级“{shorten(lt)}”")
        return title, derived
    if derived and derived != level:
        row.problem(
            row.header("title_level"),
            f"职称层级“{level}”与职称“{title}”（{derived}）不一致，按职称层级列记录",
        )
    return title, level


@functools.lru_cache(maxsize=4096)
def program_name(text: str) -> str | None:
    """The program a 申报项目 text names, else the text itself (half-width); None if empty."""
    return canonical_program(text) or to_halfwidth(text).strip() or None


def _program(row: _Row) -> str | None:
    t = row.text("program")
    if _blank(t):
        if "program" in row.layout.columns:
            row.problem(row.header("program"), "申报项目为空")
        return None
    p = program_name(t)
    if p not in PROGRAM_NAMES:
        row.problem(
            row.header("program"),
            f"申报项目“{shorten(t)}”不是本系统支持的项目（{'、'.join(PROGRAM_NAMES)}），未能核对项目条件",
        )
    return p


def _applicant_id(row: _Row) -> str:
    got = row.cell("applicant_id")
    if got is None:
        return ""
    cell, _ = got
    return applicant_id_text(cell.value)


# ---------------------------------------------------------------- sheets → models


def _parse_applicants(sheet: _Sheet, batch: DeclaredBatch) -> None:
    if sheet.empty:
        batch.problems.append(f"{sheet.label}为空，没有申报人")
        return
    layout = _find_layout(sheet, _APPLICANT_INDEX)
    if layout is None:
        batch.problems.append(
            f"{sheet.label}前{HEADER_SCAN_ROWS}行中未找到表头（应含“申报编号”“姓名”“身份证号”等列），"
            "未能导入申报人"
        )
        return
    if "applicant_id" not in layout.columns:
        n = sum(1 for _ in _data_rows(sheet, layout, []))
        batch.problems.append(
            f"{sheet.label}缺少“申报编号”列（可用列名：{'、'.join(APPLICANT_HEADERS['applicant_id'])}），"
            f"{n}行数据均未能导入"
        )
        return
    for key in ("name", "id_number", "program"):
        if key not in layout.columns:
            batch.problems.append(f"{sheet.label}缺少“{_LABELS[key]}”列")

    first_row: dict[str, int] = {}
    taken = {a.applicant_id for a in batch.applicants}
    for number, cells in _data_rows(sheet, layout, batch.problems):
        row = _Row(number, cells, layout, "", [])
        aid = _applicant_id(row)
        if not aid:
            batch.problems.append(
                f"{sheet.label}第{number}行没有申报编号，未能作为申报人导入"
                f"（内容：{shorten('；'.join(row.raw().values()), 60)}）"
            )
            continue
        if any(ch in aid for ch in "/\\") or aid in (".", "..") or not aid.isprintable():
            row.problem(row.header("applicant_id"), f"申报编号“{shorten(aid)}”含有路径或控制字符")
        if aid in first_row:
            k = 2
            while f"{aid}#{k}" in taken:
                k += 1
            new_id = f"{aid}#{k}"
            row.problem(
                row.header("applicant_id"),
                f"申报编号“{aid}”与第{first_row[aid]}行重复，本行改记为“{new_id}”"
                f"（获奖情况中的该编号归入第{first_row[aid]}行）",
            )
            aid = new_id
        else:
            first_row[aid] = number
        taken.add(aid)
        batch.applicants.append(_applicant(row, aid))


def _applicant(row: _Row, aid: str) -> Applicant:
    title, title_level = _title_fields(row)
    name_text = row.text("name")
    name = person_name(name_text)
    if name is None and "name" in row.layout.columns:
        row.problem(row.header("name"), "姓名为空")
    id_number = _id_number(row)
    if id_number is None and row.cell("id_number") is None and "id_number" in row.layout.columns:
        row.problem(row.header("id_number"), "身份证号为空")
    return Applicant(
        applicant_id=aid,
        program=_program(row),
        name=name,
        gender=_normalized(row, "gender", gender_of, "性别"),
        ethnicity=_normalized(row, "ethnicity", ethnicity_of, "民族"),
        id_number=id_number,
        birth_date=_date_field(row, "birth_date"),
        work_unit=row.text("work_unit") or None,
        prefecture=row.text("prefecture") or None,
        occupation=row.text("occupation") or None,
        skill_level=_skill_level(row),
        title=title,
        title_level=title_level,
        education=_education(row),
        work_start=_date_field(row, "work_start"),
        team_size=_team_size(row),
        raw=row.raw(),
        row=row.number,
        problems=row.problems,
    )


def _award_year(row: _Row) -> str | None:
    got = row.cell("award_year")
    if got is None:
        return None
    cell, header = got
    v = cell.value
    if isinstance(v, datetime | date):
        return f"{v.year:04d}"
    if isinstance(v, int | float) and not isinstance(v, bool) and float(v).is_integer():
        if 1900 <= v <= 2100:
            return f"{int(v):04d}"
    t = row.text("award_year")
    if _blank(t):
        return None
    iso, _ = parse_date_cell(v if not isinstance(v, str) else t, cell.number_format)
    if iso is None:
        row.problem(header, f"年度“{shorten(t)}”无法识别")
        return None
    return iso[:4]


def _award_level(row: _Row, name: str | None, issuer: str | None) -> str | None:
    """The 等级 cell when it names a level; else judged from the issuer and award name."""
    t = row.text("level")
    if not _blank(t):
        level = normalize_award_level(t)
        if level != "其他" or "其他" in t:
            return level
    if name or issuer:
        return normalize_award_level(name, issuer)
    if not _blank(t):
        row.problem(row.header("level"), f"无法识别的奖励等级“{shorten(t)}”")
    return None


def _parse_awards(sheet: _Sheet, batch: DeclaredBatch) -> None:
    layout = _find_layout(sheet, _AWARD_INDEX)
    if layout is None:
        if not sheet.empty:
            batch.problems.append(
                f"{sheet.label}前{HEADER_SCAN_ROWS}行中未找到表头（应含“申报编号”“奖励名称”等列），"
                "获奖情况未能导入"
            )
        return
    if "applicant_id" not in layout.columns:
        batch.problems.append(f"{sheet.label}缺少“申报编号”列，获奖情况未能导入")
        return
    by_id: dict[str, Applicant] = {}
    for a in batch.applicants:
        # A duplicated id keeps its first row; "#2" rows get no awards by id.
        by_id.setdefault(a.applicant_id, a)
    for number, cells in _data_rows(sheet, layout, batch.problems):
        row = _Row(number, cells, layout, sheet.label, [])
        aid = _applicant_id(row)
        content = shorten("；".join(row.raw().values()), 60)
        if not aid:
            batch.problems.append(
                f"{sheet.label}第{number}行没有申报编号，未能归入申报人（内容：{content}）"
            )
            continue
        owner = by_id.get(aid)
        if owner is None:
            batch.problems.append(
                f"{sheet.label}第{number}行的申报编号“{aid}”在申报人表中不存在（内容：{content}）"
            )
            continue
        project = row.text("project") or None
        name = row.text("award_name") or None
        issuer = row.text("issuer") or None
        rank_text = row.text("rank")
        rank = (
            normalize_award_rank(rank_text)
            or normalize_award_rank(row.text("level"))
            or normalize_award_rank(name)
        )
        award = DeclaredAward(
            applicant_id=owner.applicant_id,
            project=project,
            award_name=name,
            issuer=issuer,
            award_level=_award_level(row, name, issuer),
            award_rank=rank,
            award_year=_award_year(row),
            raw=row.raw(),
            row=number,
        )
        if not (project or name or issuer):
            row.problem(None, "只有申报编号，没有获奖项目或奖励名称")
        owner.awards.append(award)
        owner.problems.extend(p for p in row.problems if p not in owner.problems)


# ---------------------------------------------------------------- files → batch


def _sheet_key(title: str) -> str:
    return normalize_header(title)


def _pick_sheets(sheets: list[_Sheet], batch: DeclaredBatch) -> tuple[_Sheet | None, _Sheet | None]:
    """(申报人, 获奖情况) by name, tolerant of spaces and traditional characters."""
    if not sheets:
        return None, None
    if len(sheets) == 1:
        return sheets[0], None

    def find(word: str) -> _Sheet | None:
        exact = [s for s in sheets if _sheet_key(s.title) == word]
        if exact:
            return exact[0]
        loose = [s for s in sheets if word in _sheet_key(s.title)]
        return loose[0] if loose else None

    awards = find(AWARD_SHEET) or find("获奖")
    main = find(APPLICANT_SHEET)
    if main is None or main is awards:
        main = next((s for s in sheets if s is not awards), None)
        if main is not None:
            batch.problems.append(
                f"未找到名为“{APPLICANT_SHEET}”的工作表，已将“{main.title}”作为申报人表读取"
            )
    for sheet, word in ((main, APPLICANT_SHEET), (awards, AWARD_SHEET)):
        if sheet is not None:
            # Messages name the sheet as officials know it, whatever its exact spelling.
            sheet.label = (
                f"{word}表" if word in _sheet_key(sheet.title) else f"工作表“{sheet.title}”"
            )
    return main, awards


def _load_xlsx(path: Path, source: str) -> DeclaredBatch:
    batch = DeclaredBatch(source=source)
    sheets = _read_xlsx(path)
    main, awards = _pick_sheets(sheets, batch)
    if main is None:
        batch.problems.append(f"{path.name} 中没有工作表")
        return batch
    _parse_applicants(main, batch)
    if awards is not None:
        _parse_awards(awards, batch)
    return batch


def _load_csv(path: Path, awards_path: Path | None, source: str) -> DeclaredBatch:
    batch = DeclaredBatch(source=source)
    sheet, problem = _read_csv(path)
    if problem:
        batch.problems.append(f"{path.name}：{problem}")
    _parse_applicants(sheet, batch)
    if awards_path is not None:
        try:
            asheet, aproblem = _read_csv(awards_path)
        except DeclaredDataError as e:
            batch.problems.append(e.reason_zh)
        else:
            if aproblem:
                batch.problems.append(f"{awards_path.name}：{aproblem}")
            _parse_awards(asheet, batch)
    return batch


def _find_file(folder: Path, name: str) -> Path | None:
    exact = folder / name
    if exact.is_file():
        return exact
    for p in folder.iterdir():
        if p.name.lower() == name and p.is_file():
            return p
    return None


def find_declared(batch_dir: Path) -> tuple[Path, Path | None]:
    """The batch's declared table (declared.xlsx, else declared.csv; names matched without
    case, as Windows writes them) and awards.csv beside a CSV. DeclaredDataError when there
    is none."""
    batch_dir = Path(batch_dir)
    if not batch_dir.is_dir():
        raise DeclaredDataError(
            f"batch directory not found: {batch_dir}",
            file=str(batch_dir),
            zh=f"批次目录 {batch_dir} 不存在",
        )
    xlsx = _find_file(batch_dir, "declared.xlsx")
    if xlsx is not None:
        return xlsx, None
    csv_path = _find_file(batch_dir, "declared.csv")
    if csv_path is not None:
        return csv_path, _find_file(batch_dir, "awards.csv")
    old = _find_file(batch_dir, "declared.xls")
    if old is not None:
        raise DeclaredDataError(
            f"{old.name} is the old .xls format",
            file=str(old),
            zh=f"{old.name} 是旧版 .xls 格式，请用 Excel 另存为 declared.xlsx 后重新提交",
        )
    raise DeclaredDataError(
        f"no declared.xlsx or declared.csv in {batch_dir}",
        file=str(batch_dir),
        zh=f"批次目录 {batch_dir} 中没有申报数据表"
        "（应为 declared.xlsx，或 declared.csv 与 awards.csv）",
    )


def load_declared(batch_dir: Path) -> DeclaredBatch:
    """Declared data of a batch: declared.xlsx, else declared.csv (+ awards.csv)."""
    table, awards = find_declared(batch_dir)
    if table_format(table) == "xlsx":
        batch = _load_xlsx(table, table.name)
        csv_path = _find_file(Path(batch_dir), "declared.csv")
        if csv_path is not None:
            batch.problems.append(f"同时存在 {table.name} 和 {csv_path.name}，已使用 {table.name}")
        return batch
    source = table.name + (f"+{awards.name}" if awards else "")
    return _load_csv(table, awards, source)


def table_format(path: Path) -> str:
    """ "xlsx" or "csv" for a declared table given directly; DeclaredDataError when the file is
    missing or of another type."""
    path = Path(path)
    if not path.is_file():
        raise DeclaredDataError(
            f"file not found: {path}", file=str(path), zh=f"申报数据表 {path} 不存在"
        )
    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        return "xlsx"
    if suffix in (".csv", ".txt"):
        return "csv"
    raise DeclaredDataError(
        f"unsupported declared table type: {path.suffix}",
        file=str(path),
        zh=f"不支持的申报数据表格式 {path.suffix}，请提交 .xlsx 或 .csv 文件",
    )


def load_declared_table(path: Path) -> DeclaredBatch:
    """One declared table given directly (.xlsx with its sheets, or a single .csv)."""
    path = Path(path)
    if table_format(path) == "xlsx":
        return _load_xlsx(path, path.name)
    return _load_csv(path, None, path.name)


# ---------------------------------------------------------------- identities only

MAX_IDENTITY_ROWS = 2_000_000  # a year's intakes fit; a bigger file is not a declared table
_IDENTITY_KEYS = ("applicant_id", "program", "name", "gender", "ethnicity", "id_number",
                  "birth_date", "work_unit")  # fmt: skip


def read_identities(path: Path) -> tuple[list[Applicant], list[str]]:
    """Identity columns of a declared table (.csv or .xlsx): applicants and problems (Chinese)."""
    path = Path(path)
    rows = _identity_xlsx_rows(path) if table_format(path) == "xlsx" else _identity_csv_rows(path)
    try:
        return _parse_identities(rows, path)
    except (OSError, ValueError, KeyError, csv.Error) as e:
        raise DeclaredDataError(
            f"cannot read {path.name}: {e}", file=str(path), zh=f"申报数据表 {path.name} 无法读取"
        ) from e


def _identity_csv_rows(path: Path) -> Iterator[list[Any]]:
    text, _ = decode_table(path.read_bytes())
    yield from csv_reader(text)


def _identity_xlsx_rows(path: Path) -> Iterator[list[Any]]:
    import openpyxl  # noqa: PLC0415 - only for .xlsx

    wb = openpyxl.load_workbook(path, read_only=True, data_only=False)
    try:
        sheets = wb.worksheets
        if not sheets:
            return
        ws = next((s for s in sheets if APPLICANT_SHEET in s.title), sheets[0])
        for row in ws.iter_rows(values_only=True):
            yield list(row)
    finally:
        wb.close()


def _stripped(v: Any) -> str:
    return cell_text(v).strip()


def _parse_identities(rows: Iterator[list[Any]], path: Path) -> tuple[list[Applicant], list[str]]:
    problems: list[str] = []
    head: list[list[Any]] = []
    columns: dict[str, int] = {}
    name_header = "姓名"
    for row in rows:
        head.append(row)
        found = {}
        for ci, cell in enumerate(row):
            # Exact aliases: unlike header_key, a note after the label is not read past.
            key = _APPLICANT_INDEX.get(normalize_header(cell)) if cell is not None else None
            if key and key not in found:
                found[key] = ci
        if len(found) >= 2 and "applicant_id" in found:
            columns = found
            name_header = _stripped(row[found["name"]]) if "name" in found else name_header
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
    wanted = [(k, columns[k]) for k in _IDENTITY_KEYS if k in columns]
    out: list[Applicant] = []
    taken: dict[str, int] = {}
    for number, row in enumerate(rows, start=len(head) + 1):
        if number > MAX_IDENTITY_ROWS:
            problems.append(f"{path.name} 超过{MAX_IDENTITY_ROWS}行，其余行未读取")
            break
        cells = {k: row[ci] if ci < len(row) else None for k, ci in wanted}
        aid = applicant_id_text(cells.get("applicant_id"))
        if not aid:
            if any(_stripped(v) for v in row):
                problems.append(f"第{number}行没有申报编号，未参与查重")
            continue
        if aid in taken:
            taken[aid] += 1
            new = f"{aid}#{taken[aid]}"
            problems.append(f"申报编号“{aid}”重复，第{number}行改记为“{new}”")
            aid = new
        else:
            taken[aid] = 1
        out.append(_identity(aid, cells, number, name_header))
    return out, problems


def _identity_number(v: Any) -> str:
    # A number cell gives all its integer digits, even past the 15-16 a float holds exactly;
    # the importer refuses those (_id_number).
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return _stripped(v)


def _identity(aid: str, cells: dict[str, Any], number: int, name_header: str) -> Applicant:
    name = _stripped(cells.get("name"))
    return Applicant(
        applicant_id=aid,
        program=program_name(_stripped(cells.get("program"))),
        name=person_name(name) if name else None,
        gender=gender_of(_stripped(cells.get("gender"))),
        ethnicity=ethnicity_of(_stripped(cells.get("ethnicity"))),
        id_number=_identity_number(cells.get("id_number")).lstrip("'`") or None,
        birth_date=parse_date_cell(cells.get("birth_date"))[0],
        work_unit=_stripped(cells.get("work_unit")) or None,
        raw={name_header: name} if name else {},
        row=number,
    )
