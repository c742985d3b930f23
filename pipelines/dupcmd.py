"""`credcheck duplicates DECLARED --out OUT_DIR [--history DB] [--intake NAME]`.

Duplicate-applicant search on declared data alone: writes OUT_DIR/duplicates.json
(`{"schema_version": 1, "duplicates": [...]}`, the `duplicates` schema of results.json),
atomically. With --history the intake is added to the SQLite history (matchers.linkage.history)
after the search, and matches against earlier intakes appear as "<intake>:<applicant_id>"
members with a reason naming the intake. The intake id is the SHA-256 of the declared file
(first 16 hex digits) unless --intake names it, so running the same file again replaces its
rows instead of matching itself.

The table is read by extractors.declared.read_identities, the identity columns only (the
full importer normalises every column and stops at 100,000 rows, while a history intake can
be a whole year's applications). Run as `python -m pipelines.dupcmd` too (`main(argv)`).
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import json
import sys
import time
from collections.abc import Iterator, Sequence
from pathlib import Path

from pydantic import BaseModel, Field

from extractors.declared import read_identities
from matchers.linkage.blocking import MAX_BLOCK
from matchers.linkage.intake import intake_id, link_intake
from models.exceptions import CredcheckError
from models.results import SCHEMA_VERSION, DuplicateGroup
from pipelines.atomic import write_text_atomic

__all__ = ["DuplicatesResult", "main", "run_duplicates"]

OUTPUT_NAME = "duplicates.json"


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


@contextlib.contextmanager
def no_gc() -> Iterator[None]:
    """No cyclic GC while building many acyclic objects (~10^6 rows here, an intake's figures
    in the dashboard): its full passes cost seconds. The collector is on again when the
    first who turned it off leaves; other threads at worst collect a little later."""
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
    with no_gc():
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
