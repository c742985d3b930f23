"""Outputs: results.json (the contract), report.html with evidence crops, report.xlsx, each
written atomically into OUT_DIR, and, an optional extra, the officials' report.pdf (when
Chromium is there; CREDCHECK_REPORT_PDF=0 skips it); credcheck's own state (cache, crops,
lock) under OUT_DIR/.credcheck."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from models.evidence import PageReading
from models.results import Results
from pipelines.atomic import write_bytes_atomic, write_text_atomic
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
    officials_pdf: bool = True,
) -> None:
    from importlib.metadata import PackageNotFoundError, version

    try:
        ver = version("credcheck")
    except PackageNotFoundError:
        ver = "dev"
    write_text_atomic(out_dir / "results.json", results_json(results))
    meta = ReportMeta(batch=batch_dir.name, generated_for=as_of, credcheck_version=ver)
    crops = Cropper(batch_dir, pages, shas=shas, cache_dir=out_dir / STATE_DIR / "crops")
    # Chromium prints report.pdf in its own process meanwhile (seconds, mostly its start);
    # not for one packet: the officials read whole intakes.
    with ThreadPoolExecutor(1) as pool:
        pdf = pool.submit(write_officials_pdf, results, out_dir, batch_dir, as_of,
                          version=ver) if officials_pdf else None  # fmt: skip
        crops.prefetch(e for a in results.applicants for f in a.flags for e in f.evidence)
        write_html(results, out_dir / "report.html", meta, crops=crops)
        write_xlsx(results, out_dir / "report.xlsx", meta)
        if pdf is not None:
            pdf.result()


def write_officials_pdf(results: Results, out_dir: Path, batch_dir: Path, as_of: str, *,
                        version: str = "") -> bool:  # fmt: skip
    """report.pdf beside report.html: the officials' figures of this batch. Optional: a
    missing or failing Chromium is logged, never a failed batch."""
    import logging

    from models.exceptions import CredcheckError
    from pipelines import officials

    if not officials.pdf_wanted():
        return False
    try:
        from extractors.declared import load_declared

        declared = load_declared(batch_dir)
    except Exception:  # noqa: BLE001 — the table was read already; the PDF only lacks 地州
        declared = None
    d = officials.from_results(results, declared, key=batch_dir.name, as_of=as_of)
    # As officials.render_pdf does, with Chromium's print kept by the page it printed: a
    # re-run of an unchanged batch starts no Chromium and writes the same bytes.
    html = officials.render_document(officials.sections(d), date=as_of, version=version)
    kept = out_dir / STATE_DIR / "pdf" / f"{hashlib.sha256(html.encode()).hexdigest()[:32]}.pdf"
    if kept.is_file():
        write_bytes_atomic(out_dir / "report.pdf", kept.read_bytes())
        return True
    try:
        pdf = officials.html_to_pdf(html, when=officials.report_time(as_of))
    except CredcheckError as e:
        logging.getLogger(__name__).warning("report.pdf not written: %s", e)
        return False
    write_bytes_atomic(kept, pdf)
    write_bytes_atomic(out_dir / "report.pdf", pdf)
    return True


__all__ = ["STATE_DIR", "results_json", "write_officials_pdf", "write_outputs"]
