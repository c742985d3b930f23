"""Outputs: results.json (the contract), report.html with evidence crops, report.xlsx, each
written atomically into OUT_DIR; credcheck's own state (cache, crops, lock) under
OUT_DIR/.credcheck."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from models.evidence import PageReading
from models.results import Results
from pipelines.atomic import write_text_atomic
from pipelines.crops import Cropper
from pipelines.reports import ReportMeta, write_html, write_xlsx

STATE_DIR = ".credcheck"


def results_json(results: Results) -> str:
    return results.model_dump_json(indent=2, exclude_none=False) + "\n"


def write_outputs(
    results: Results,
    out_dir: Path,
    batch_dir: Path,
    as_of: str,
    pages: Mapping[tuple[str, int], PageReading],
    *,
    shas: dict[str, str | None] | None = None,
) -> None:
    from importlib.metadata import PackageNotFoundError, version

    try:
        ver = version("credcheck")
    except PackageNotFoundError:
        ver = "dev"
    write_text_atomic(out_dir / "results.json", results_json(results))
    meta = ReportMeta(batch=batch_dir.name, generated_for=as_of, credcheck_version=ver)
    crops = Cropper(batch_dir, pages, shas=shas, cache_dir=out_dir / STATE_DIR / "crops")
    write_html(results, out_dir / "report.html", meta, crops=crops)
    write_xlsx(results, out_dir / "report.xlsx", meta)


__all__ = ["STATE_DIR", "results_json", "write_outputs"]
