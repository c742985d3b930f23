"""One end-to-end run of `credcheck verify` (real OCR, real Prefect flow) on a small
generated batch, then a second run that must reuse every cached page and give the same bytes.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from models.results import Results, Status
from synth.batch import generate_batch

pytestmark = pytest.mark.slow

AS_OF = "2025-09-30"


def _verify(batch: Path, out: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    exe = Path(sys.executable).with_name("credcheck")
    return subprocess.run(
        [str(exe), "verify", str(batch), "--out", str(out), "--workers", "2",
         "--as-of", AS_OF, "--quiet"],
        capture_output=True, text=True, timeout=900, env=env,
    )  # fmt: skip


def _state_files(out: Path) -> dict[str, int]:
    """What a run keeps to be reused (cached file inspections and page readings, evidence
    crops): path → mtime_ns. A file inspected, a page read or a crop rendered again is
    written again."""
    state = out / ".credcheck"
    return {
        str(p.relative_to(state)): p.stat().st_mtime_ns
        for folder in ("cache", "crops")
        for p in sorted((state / folder).rglob("*"))
        if p.is_file()
    }


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    root = tmp_path_factory.mktemp("e2e")
    batch = root / "batch"
    truth = generate_batch(
        batch, applicants=3, seed=5, faults=["level_overclaim", "unreadable"], clean_share=0.34,
        difficulties={"clean": 1.0},
    ).to_dict()  # fmt: skip
    out = root / "out"
    first = _verify(batch, out)
    assert first.returncode == 0, first.stderr
    snapshot = (out / "results.json").read_bytes()
    cache = sorted(p.name for p in (out / ".credcheck" / "cache").iterdir())
    state = _state_files(out)
    # Everything is cached: the re-run needs no Prefect server, so one that may not start
    # one must still succeed (Prefect refuses to start a temporary server then).
    second = _verify(batch, out, env={**os.environ, "PREFECT_SERVER_EPHEMERAL_ENABLED": "false"})
    assert second.returncode == 0, second.stderr
    return {
        "truth": truth, "batch": batch, "out": out, "first": snapshot, "cache": cache,
        "state": state, "log1": first.stderr[-4000:], "log2": second.stderr[-4000:],
    }  # fmt: skip


def test_results_follow_the_contract_and_find_the_faults(run):
    results = Results.model_validate_json(run["first"])
    assert results.schema_version == 1
    expected = {a["applicant_id"]: set(a["expected_codes"]) for a in run["truth"]["applicants"]}
    got = {a.applicant_id: a for a in results.applicants}
    assert set(got) == set(expected)
    for aid, codes in expected.items():
        a = got[aid]
        found = {f.code.value for f in a.flags}
        assert found == codes, (aid, [(f.message, f.reasons) for f in a.flags], run["log1"])
        assert a.status is (Status.flagged if codes else Status.clear) or (
            not codes and a.status is Status.needs_review
        )
        for f in a.flags:
            assert f.message and f.severity
            if f.code.value != "UNREADABLE_DOCUMENT":
                assert f.evidence, f
        for d in a.documents:
            assert d.file.startswith(f"packets/{aid}/") and d.page >= 1
    # every readable page became a document with a type
    assert sum(len(a.documents) for a in results.applicants) >= 6


def test_reports_are_written_and_mask_id_numbers(run):
    out = run["out"]
    html = (out / "report.html").read_text(encoding="utf-8")
    results = json.loads(run["first"])
    ids = {
        d["fields"]["id_number"]
        for a in results["applicants"]
        for d in a["documents"]
        if "id_number" in d["fields"]
    }
    assert ids, "no ID number read"
    for n in ids:
        assert n in run["first"].decode()  # results.json keeps them whole
        assert n not in html
        assert f"{n[:6]}********{n[-4:]}" in html
    assert "data:image/png;base64," in html  # evidence crops embedded
    from openpyxl import load_workbook

    wb = load_workbook(out / "report.xlsx")
    flags = sum(len(a["flags"]) for a in results["applicants"])
    assert wb["疑点清单"].max_row - 1 == flags


def test_second_run_is_identical_and_reads_nothing_again(run):
    out = run["out"]
    assert (out / "results.json").read_bytes() == run["first"], (run["log1"], run["log2"])
    assert sorted(p.name for p in (out / ".credcheck" / "cache").iterdir()) == run["cache"]
    # Not one file inspected, page read or crop rendered again: nothing kept was rewritten.
    # (How much faster the second run is: bench/verify.py.)
    pages = [name for name in run["state"] if name.startswith("cache/page-")]
    assert len(pages) >= 6 and any(name.startswith("crops/") for name in run["state"])
    # The flagged certificate's confident numbers were re-read once the flag cited them
    # (a second look), and that is cached too.
    assert any(name.startswith("cache/look-page-") for name in run["state"])
    assert _state_files(out) == run["state"]


def test_a_page_is_cached_under_the_name_uncache_page_removes(run):
    # flows.uncache_page drops a hurried page by this name: it must be Prefect's.
    import hashlib

    from pipelines import stages
    from pipelines.flows import _page_key

    doc = Results.model_validate_json(run["first"]).applicants[0].documents[0]
    data = (run["batch"] / doc.file).read_bytes()
    fp = stages.FilePlan(rel=doc.file, path=run["batch"] / doc.file,
                         sha256=hashlib.sha256(data).hexdigest())  # fmt: skip
    assert _page_key(None, {"fp": fp, "page": doc.page}) in run["cache"]


def test_nothing_written_into_the_batch(run):
    names = {p.name for p in run["batch"].rglob("*")}
    assert not any(n in names for n in ("results.json", "report.html", ".credcheck"))


def test_second_run_on_locked_out_dir_refuses(run, tmp_path):
    import fcntl

    lock = run["out"] / ".credcheck" / "lock"
    with open(lock, "a+") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        proc = _verify(run["batch"], run["out"])
    assert proc.returncode != 0
    assert "正被另一个核验任务使用" in proc.stderr
