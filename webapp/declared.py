"""The declared table's import preview: rows read, rows refused with the reason, headers
mapped. The preview reads the table with the verifier's own importer (extractors/declared);
confirming imports exactly the rows shown, in one transaction."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from extractors import declared as ed
from models.catalogue import APPLICANT_HEADERS, field_label
from models.declared import Applicant as DeclaredApplicant
from models.exceptions import CredcheckError


@dataclass
class Preview:
    rows: list[DeclaredApplicant] = field(default_factory=list)  # to import
    refused: list[str] = field(default_factory=list)  # rows or cells not taken, why
    warnings: list[tuple[str, str]] = field(default_factory=list)  # (申报编号, problem)
    headers: list[tuple[str, str]] = field(default_factory=list)  # (header, key label or "")
    error: str = ""  # the table could not be read at all


def _headers(path: Path) -> list[tuple[str, str]]:
    # The importer's own header detection (a private helper: the mapping is its knowledge).
    try:
        if ed.table_format(path) == "xlsx":
            batch = ed.DeclaredBatch()
            sheet, _ = ed._pick_sheets(ed._read_xlsx(path), batch)
        else:
            sheet, _ = ed._read_csv(path)
    except (CredcheckError, OSError, ValueError):
        return []
    if sheet is None:
        return []
    layout = ed._find_layout(sheet, ed._APPLICANT_INDEX)
    if layout is None:
        return []
    key_of = {ci: k for k, cols in layout.columns.items() for ci in cols}
    out = []
    for ci, h in enumerate(layout.headers):
        k = key_of.get(ci)
        label = (field_label(k) or APPLICANT_HEADERS.get(k, (k,))[0]) if k else ""
        out.append((h, f"{label}（{k}）" if k else ""))
    return out


def _unsafe_id(aid: str) -> bool:
    return (
        any(ch in aid for ch in "/\\") or aid in (".", "..") or not aid.isprintable()
        or len(aid) > 64
    )  # fmt: skip


def preview(table: Path, awards: Path | None = None) -> Preview:
    out = Preview()
    try:
        if awards is not None:
            batch = ed._load_csv(table, awards, f"{table.name}+{awards.name}")
        else:
            batch = ed.load_declared_table(table)
    except CredcheckError as e:
        out.error = e.reason_zh
        return out
    except Exception as e:  # noqa: BLE001 - a hostile table: say so, import nothing
        out.error = f"无法读取申报数据表：{type(e).__name__}"
        return out
    out.refused = list(batch.problems)
    for a in batch.applicants:
        if _unsafe_id(a.applicant_id):
            out.refused.append(f"第{a.row}行：申报编号“{a.applicant_id[:40]}”含路径或控制字符，未导入")
            continue
        out.rows.append(a)
        out.warnings += [(a.applicant_id, p) for p in a.problems]
    out.headers = _headers(table)
    return out
