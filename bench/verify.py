"""End-to-end verify benchmark: flags against injected faults, rerun identity and speed.

    python bench/verify.py --applicants 40 --seed 11 [--workers 2] [--work DIR]

Generates a batch with synth.batch (one fault per faulty applicant, clean applicants with
harmless variation), runs `credcheck verify` twice in subprocesses, and prints:
- per flag code: applicants expected / raised / true positives, precision and recall
  (an applicant-level count: does the applicant carry the code or not);
- the share of clean applicants with any flag (target ≤ 3 %) and with needs_review;
- whether the two results.json are byte-identical, and first-run / second-run wall time.
Targets (issue 3): precision and recall ≥ 0.95 per code, rerun ≥ 10× faster.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from synth.batch import generate_batch, load_truth  # noqa: E402


def run_verify(batch: Path, out: Path, workers: int, as_of: str) -> float:
    exe = Path(sys.executable).with_name("credcheck")
    cmd = [str(exe), "verify", str(batch), "--out", str(out), "--workers", str(workers),
           "--as-of", as_of, "--quiet"]  # fmt: skip
    t = time.perf_counter()
    subprocess.run(cmd, check=True)
    return time.perf_counter() - t


def score(truth: dict, results: dict) -> dict:
    """Flags of results.json against the truth's expected codes, applicant by applicant.

    Besides the counts: `false_flags`, every flag raised with a code the applicant was not
    expected to carry (with its message), and `missed`, every expected code not raised (with
    the applicant's status, review reasons and the truth's note on the fault)."""
    expected = {a["applicant_id"]: set(a["expected_codes"]) for a in truth["applicants"]}
    notes = {a["applicant_id"]: a.get("notes", []) for a in truth["applicants"]}
    got = {a["applicant_id"]: a for a in results["applicants"]}
    tp, fp, fn, exp_n, raised_n = Counter(), Counter(), Counter(), Counter(), Counter()
    clean = clean_flagged = clean_review = 0
    misses = []
    false_flags, missed = [], []
    for aid, e in expected.items():
        a = got.get(aid)
        codes = {f["code"] for f in a["flags"]} if a else set()
        for c in e:
            exp_n[c] += 1
        for c in codes:
            raised_n[c] += 1
        for c in codes & e:
            tp[c] += 1
        for c in codes - e:
            fp[c] += 1
        for c in e - codes:
            fn[c] += 1
        for f in a["flags"] if a else []:
            if f["code"] not in e:
                false_flags.append({"applicant_id": aid, "code": f["code"],
                                    "message": f.get("message", ""), "clean": not e})  # fmt: skip
        for c in sorted(e - codes):
            missed.append({
                "applicant_id": aid, "code": c, "status": a["status"] if a else "absent",
                "review_reasons": list(a.get("review_reasons") or []) if a else [],
                "note": "; ".join(n["note"] for n in notes[aid] if n.get("code") == c),
            })  # fmt: skip
        if not e:
            clean += 1
            clean_flagged += bool(codes)
            clean_review += a is not None and a["status"] == "needs_review"
        if codes != e:
            misses.append({
                "applicant_id": aid, "expected": sorted(e), "got": sorted(codes),
                "messages": [f["message"] for f in (a["flags"] if a else [])
                             if f["code"] not in e],
            })  # fmt: skip
    table = {}
    for c in sorted(set(exp_n) | set(raised_n)):
        p = tp[c] / raised_n[c] if raised_n[c] else None
        r = tp[c] / exp_n[c] if exp_n[c] else None
        table[c] = {"expected": exp_n[c], "raised": raised_n[c], "tp": tp[c],
                    "precision": p, "recall": r}  # fmt: skip
    return {
        "codes": table,
        "clean": clean,
        "clean_flagged": clean_flagged,
        "clean_needs_review": clean_review,
        "misses": misses,
        "false_flags": false_flags,
        "missed": missed,
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--applicants", type=int, default=40)
    ap.add_argument("--seed", type=int, default=11)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--work", type=Path, default=ROOT / "out" / "bench-verify")
    ap.add_argument("--keep", action="store_true", help="reuse an existing batch in --work")
    a = ap.parse_args(argv)
    batch, out1, out2 = a.work / "batch", a.work / "out", a.work / "out-copy"
    if not (a.keep and batch.exists()):
        shutil.rmtree(a.work, ignore_errors=True)
        t = time.perf_counter()
        generate_batch(batch, applicants=a.applicants, seed=a.seed, workers=a.workers)
        print(f"generated {a.applicants} applicants in {time.perf_counter() - t:.0f} s")
    truth = load_truth(batch)
    for d in (out1, out2):
        shutil.rmtree(d, ignore_errors=True)
    first = run_verify(batch, out1, a.workers, truth["as_of"])
    shutil.copy(out1 / "results.json", a.work / "results-first.json")
    second = run_verify(batch, out1, a.workers, truth["as_of"])
    identical = (out1 / "results.json").read_bytes() == (a.work / "results-first.json").read_bytes()
    results = json.loads((out1 / "results.json").read_text(encoding="utf-8"))
    s = score(truth, results)
    pages = sum(f.get("pages", 0) for x in truth["applicants"] for f in x["files"])

    print(f"\n{len(truth['applicants'])} applicants, {pages} pages, workers {a.workers}")
    print(f"{'code':22s} {'exp':>4s} {'raised':>6s} {'tp':>4s} {'prec':>6s} {'recall':>6s}")
    for c, r in s["codes"].items():
        p = "-" if r["precision"] is None else f"{r['precision']:.2f}"
        rc = "-" if r["recall"] is None else f"{r['recall']:.2f}"
        print(f"{c:22s} {r['expected']:4d} {r['raised']:6d} {r['tp']:4d} {p:>6s} {rc:>6s}")
    share = s["clean_flagged"] / s["clean"] if s["clean"] else 0.0
    print(f"clean applicants flagged: {s['clean_flagged']}/{s['clean']} = {share:.1%} "
          f"(target ≤ 3%); clean needs_review: {s['clean_needs_review']}")  # fmt: skip
    print(f"first run {first:.1f} s, second run {second:.1f} s, ratio {first / second:.1f}× "
          f"(target ≥ 10×); results.json identical: {identical}")  # fmt: skip
    for m in s["misses"]:
        print(f"  miss {m['applicant_id']}: expected {m['expected']} got {m['got']}")
        for msg in m["messages"]:
            print(f"       {msg}")
    (a.work / "bench.json").write_text(
        json.dumps({**s, "first_s": first, "second_s": second, "identical": identical,
                    "pages": pages}, ensure_ascii=False, indent=1), encoding="utf-8",
    )  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
