"""Issue 13's table: reading and judging on layouts nobody here tuned on (synth/blind/).

    python bench/generalise.py --seeds 7101,7102 --applicants 60 [--pages-per-difficulty 30]
                               [--work DIR] [--reuse] [--reverify] [--markdown]
                               [--clean-share 0.4] [--workers 2]

For each seed:
- single pages, `generate_documents(layouts="blind")`, read by the pipeline's Reader
  (bench/extraction.py's `score_reading`): document type and field exact-match accuracy by
  difficulty (clean / ordinary / poor);
- a whole batch, `generate_batch(layouts="blind")` (= `credcheck synth-batch --layouts
  blind`), verified by `credcheck verify` in a subprocess and scored as bench/verify.py scores
  it (applicant level: does the applicant carry the code or not): precision and recall per
  flag code and over all codes, clean applicants with any flag, clean applicants sent to
  review (status needs_review), and every false and every missed flag with its message.
Seeds add up: the table is over all of them, and names them.

How many clean applicants a seed gives: synth.batch makes round(n × (1 − clean_share))
applicants faulty, at least one per fault kind (12) once n ≥ 24, so with the default
clean_share 0.4: 24 → 10 clean (14 faulty), 40 → 16, 60 → 24, 100 → 40, 250 → 100. One
false flag among c clean applicants is 100/c %, so telling "≤ 1 %" apart needs at least 100
clean applicants over all seeds: e.g. `--seeds 7101,7102 --applicants 125`, or
`--applicants 60 --clean-share 0.8` (n − max(round(0.2 n), 12) = 48 clean per seed, still
every fault kind once). The table says when there are fewer.

--work DIR keeps each seed's sets: pages-<seed>/ (truth.json, bench-set.json, scores.json),
batch-<seed>/ with batch-<seed>.truth.json and batch-<seed>.stamp.json, out-<seed>/
(results.json, verify.stamp.json). --reuse skips what already exists there for the same
seed and size (generation, the reading of the pages, verification); --reverify keeps the
generated sets but reads the pages and verifies the batches again (after a reader change).
Without --reuse everything is generated anew. Seeds 7101–7199 and 8000+ are kept for the
final measurement; tune on others.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.extraction import DIFFS, ReadingScores, generated_set, score_reading  # noqa: E402
from bench.verify import run_verify, score  # noqa: E402
from synth.batch import generate_batch, load_truth  # noqa: E402

LAYOUTS = "blind"
# Issue 13's goals.
DOC_TYPE_GOAL = 0.995
FIELD_GOALS = {"clean": 0.98, "ordinary": 0.98, "poor": 0.95}
RECALL_GOAL, PRECISION_GOAL = 0.98, 0.97
CLEAN_FLAGGED_GOAL, CLEAN_REVIEW_GOAL = 0.01, 0.10
MIN_CLEAN = 100  # one false flag in 100 clean applicants is 1 %


@dataclass
class Table:
    seeds: list[int]
    applicants: int
    pages_per_difficulty: int
    reading: ReadingScores
    judging: dict  # bench.verify.score over every seed's applicants

    @property
    def clean(self) -> int:
        return self.judging["clean"]


# ---------------------------------------------------------------------------------------
# measuring


def read_pages(work: Path, seed: int, per_difficulty: int, args) -> ReadingScores:
    """Generate (or reuse) one seed's blind single pages and score their reading."""
    out = work / f"pages-{seed}"
    if not args.reuse:
        shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True, exist_ok=True)
    truth = generated_set(out, seed, per_difficulty, LAYOUTS, args.workers, args.reuse)
    scores_file = out / "scores.json"
    stamp = json.loads((out / "bench-set.json").read_text("utf-8"))
    if args.reuse and not args.reverify and scores_file.exists():
        saved = json.loads(scores_file.read_text("utf-8"))
        if saved.get("stamp") == stamp:
            print(f"reusing the reading of {len(truth)} pages (seed {seed})")
            return ReadingScores.from_dict(saved["scores"])
    t = time.perf_counter()
    sc = score_reading(out, truth)
    print(f"read {len(truth)} pages (seed {seed}) in {time.perf_counter() - t:.0f} s")
    scores_file.write_text(
        json.dumps({"stamp": stamp, "scores": sc.to_dict()}, ensure_ascii=False), "utf-8"
    )
    return sc


def judge_batch(work: Path, seed: int, applicants: int, args) -> tuple[dict, dict]:
    """Generate (or reuse) one seed's blind batch and verify it (or reuse its results);
    returns (truth, results)."""
    batch, out = work / f"batch-{seed}", work / f"out-{seed}"
    stamp = {"seed": seed, "applicants": applicants, "layouts": LAYOUTS,
             "clean_share": args.clean_share}  # fmt: skip
    stamp_file = work / f"batch-{seed}.stamp.json"
    have = (
        args.reuse
        and stamp_file.exists()
        and json.loads(stamp_file.read_text("utf-8")) == stamp
        and batch.is_dir()
    )
    if have:
        print(f"reusing the batch of seed {seed} ({applicants} applicants) in {batch}")
    else:
        shutil.rmtree(batch, ignore_errors=True)
        shutil.rmtree(out, ignore_errors=True)
        stamp_file.unlink(missing_ok=True)
        t = time.perf_counter()
        generate_batch(batch, applicants=applicants, seed=seed, workers=args.workers,
                       clean_share=args.clean_share, layouts=LAYOUTS)  # fmt: skip
        stamp_file.write_text(json.dumps(stamp), "utf-8")
        print(f"generated seed {seed}: {applicants} applicants in {time.perf_counter() - t:.0f} s")
    truth = load_truth(batch)
    results_file, verified = out / "results.json", out / "verify.stamp.json"
    fresh = have and not args.reverify and results_file.exists() and verified.exists()
    if fresh and json.loads(verified.read_text("utf-8")) == stamp:
        print(f"reusing the verification of seed {seed}")
    else:
        shutil.rmtree(out, ignore_errors=True)
        took = run_verify(batch, out, args.workers, truth["as_of"])
        verified.write_text(json.dumps(stamp), "utf-8")
        print(f"verified seed {seed} in {took:.0f} s")
    return truth, json.loads(results_file.read_text("utf-8"))


def merge(pairs: list[tuple[int, dict, dict]]) -> tuple[dict, dict]:
    """One truth and one results.json over several seeds: applicant ids become seed/id."""
    truth: dict = {"applicants": []}
    results: dict = {"applicants": []}
    for seed, t, r in pairs:
        for a in t["applicants"]:
            truth["applicants"].append({**a, "applicant_id": f"{seed}/{a['applicant_id']}"})
        for a in r["applicants"]:
            results["applicants"].append({**a, "applicant_id": f"{seed}/{a['applicant_id']}"})
    return truth, results


def overall(judging: dict) -> dict:
    """Precision and recall over all codes (every expected and every raised code counts)."""
    rows = judging["codes"].values()
    tp = sum(r["tp"] for r in rows)
    raised = sum(r["raised"] for r in rows)
    expected = sum(r["expected"] for r in rows)
    return {
        "expected": expected,
        "raised": raised,
        "tp": tp,
        "precision": tp / raised if raised else None,
        "recall": tp / expected if expected else None,
    }


# ---------------------------------------------------------------------------------------
# the table


def _pct(right: int, n: int) -> str:
    return f"{100 * right / n:.1f} %" if n else "—"


def _ratio(x: float | None) -> str:
    return "—" if x is None else f"{x:.3f}"


def _meets(x: float | None, goal: float, at_most: bool = False) -> str:
    if x is None:
        return ""
    return "✓" if (x <= goal if at_most else x >= goal) else "✗"


def rows(t: Table) -> dict[str, list[list[str]]]:
    """The table's sections as rows of cells (shared by the text and markdown renderings)."""
    reading = []
    cells = []
    for d in DIFFS:
        right, n = t.reading.type_accuracy(d)
        cells.append(f"{_pct(right, n)} {_meets(right / n if n else None, DOC_TYPE_GOAL)}")
    reading.append(["document type", *cells, f"≥ {DOC_TYPE_GOAL:.1%}"])
    cells = []
    for d in DIFFS:
        right, n = t.reading.field_accuracy(d)
        cells.append(f"{_pct(right, n)} {_meets(right / n if n else None, FIELD_GOALS[d])}")
    goals = " / ".join(f"{FIELD_GOALS[d]:.0%}" for d in DIFFS)
    reading.append(["fields, exact match", *cells, f"≥ {goals}"])
    pages = [str(t.reading.type_accuracy(d)[1]) for d in DIFFS]
    reading.append(["pages", *pages, ""])

    judging = []
    for code, r in t.judging["codes"].items():
        p, rc = r["precision"], r["recall"]
        judging.append([code, str(r["expected"]), str(r["raised"]), str(r["tp"]),
                        f"{_ratio(p)} {_meets(p, PRECISION_GOAL)}",
                        f"{_ratio(rc)} {_meets(rc, RECALL_GOAL)}"])  # fmt: skip
    o = overall(t.judging)
    judging.append(["all codes", str(o["expected"]), str(o["raised"]), str(o["tp"]),
                    f"{_ratio(o['precision'])} {_meets(o['precision'], PRECISION_GOAL)}",
                    f"{_ratio(o['recall'])} {_meets(o['recall'], RECALL_GOAL)}"])  # fmt: skip

    clean = t.clean
    flagged, review = t.judging["clean_flagged"], t.judging["clean_needs_review"]
    few = f" (only {clean} clean: one is {100 / clean:.1f} %)" if 0 < clean < MIN_CLEAN else ""
    share_f = flagged / clean if clean else None
    share_r = review / clean if clean else None
    cleans = [
        ["clean applicants with any flag", f"{flagged} / {clean} = {_pct(flagged, clean)}"
         f" {_meets(share_f, CLEAN_FLAGGED_GOAL, True)}{few}", f"≤ {CLEAN_FLAGGED_GOAL:.0%}"],
        ["clean applicants sent to review", f"{review} / {clean} = {_pct(review, clean)}"
         f" {_meets(share_r, CLEAN_REVIEW_GOAL, True)}", f"≤ {CLEAN_REVIEW_GOAL:.0%}"],
    ]  # fmt: skip
    return {"reading": reading, "judging": judging, "clean": cleans}


def title(t: Table) -> str:
    seeds = ", ".join(str(s) for s in t.seeds)
    return (
        f"Blind layouts (synth/blind/), seed{'s' if len(t.seeds) > 1 else ''} {seeds}: "
        f"{t.pages_per_difficulty} single pages per difficulty and {t.applicants} applicants "
        f"per seed"
    )


def markdown(t: Table) -> str:
    r = rows(t)
    out = [f"**{title(t)}**", ""]
    out += ["| reading | clean | ordinary | poor | goal |", "|---|---|---|---|---|"]
    out += ["| " + " | ".join(row) + " |" for row in r["reading"]]
    goal = f"goal: precision ≥ {PRECISION_GOAL}, recall ≥ {RECALL_GOAL}"
    out += ["", f"| flag code ({goal}) | expected | raised | true | precision | recall |",
            "|---|---|---|---|---|---|"]  # fmt: skip
    out += ["| " + " | ".join(row) + " |" for row in r["judging"]]
    out += ["", "| clean applicants | | goal |", "|---|---|---|"]
    out += ["| " + " | ".join(row) + " |" for row in r["clean"]]
    return "\n".join(out)


def text(t: Table) -> str:
    r = rows(t)
    out = [title(t), ""]
    out.append(f"{'reading':22s}" + "".join(f"{d:>14s}" for d in DIFFS) + "   goal")
    for name, *cells, goal in r["reading"]:
        out.append(f"{name:22s}" + "".join(f"{c:>14s}" for c in cells) + f"   {goal}")
    goal = f"goal: precision ≥ {PRECISION_GOAL}, recall ≥ {RECALL_GOAL}"
    out += ["", f"{'flag code':22s} {'exp':>5s} {'raised':>6s} {'tp':>5s} {'precision':>10s} "
            f"{'recall':>10s}   {goal}"]  # fmt: skip
    for code, e, raised, tp, p, rc in r["judging"]:
        out.append(f"{code:22s} {e:>5s} {raised:>6s} {tp:>5s} {p:>10s} {rc:>10s}")
    out.append("")
    for name, value, goal in r["clean"]:
        out.append(f"{name:32s} {value}   goal {goal}")
    return "\n".join(out)


def mistakes(judging: dict) -> str:
    """Every false and every missed flag, so a developer can see why."""
    out = [f"false flags ({len(judging['false_flags'])}):"]
    for f in judging["false_flags"]:
        who = "clean" if f["clean"] else "faulty"
        out.append(f"  {f['applicant_id']} ({who}) {f['code']}: {f['message']}")
    out.append(f"missed flags ({len(judging['missed'])}):")
    for m in judging["missed"]:
        out.append(f"  {m['applicant_id']} {m['code']} (status {m['status']}): {m['note']}")
        for reason in m["review_reasons"]:
            out.append(f"      review: {reason}")
    return "\n".join(out)


# ---------------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", required=True, help="comma list, e.g. 7101,7102")
    ap.add_argument("--applicants", type=int, default=60, help="applicants per seed")
    ap.add_argument("--pages-per-difficulty", type=int, default=30, help="per seed")
    ap.add_argument("--clean-share", type=float, default=0.4, help="as synth-batch's")
    ap.add_argument("--work", type=Path, default=None, help="keep the sets here")
    ap.add_argument("--reuse", action="store_true", help="reuse sets and results in --work")
    ap.add_argument("--reverify", action="store_true",
                    help="with --reuse: keep the sets, read and verify again")  # fmt: skip
    ap.add_argument("--workers", type=int, default=2, help="generation and verify workers")
    ap.add_argument("--markdown", action="store_true", help="print the table as markdown")
    a = ap.parse_args(argv)
    seeds = [int(s) for s in a.seeds.split(",") if s.strip()]
    if (a.reuse or a.reverify) and a.work is None:
        ap.error("--reuse and --reverify need --work DIR")
    a.reuse = a.reuse or a.reverify
    work = a.work or Path(tempfile.mkdtemp(prefix="cc-generalise-"))
    work.mkdir(parents=True, exist_ok=True)

    reading = ReadingScores()
    pairs = []
    for seed in seeds:
        sc = read_pages(work, seed, a.pages_per_difficulty, a)
        for d, v in sc.type_ok.items():
            reading.type_ok[d].extend(v)
        for k, v in sc.field_ok.items():
            reading.field_ok[k].extend(v)
        reading.errors += [f"[{seed}] {e}" for e in sc.errors]
        truth, results = judge_batch(work, seed, a.applicants, a)
        pairs.append((seed, truth, results))
    judging = score(*merge(pairs))
    t = Table(seeds, a.applicants, a.pages_per_difficulty, reading, judging)
    print()
    print(markdown(t) if a.markdown else text(t))
    print()
    print(mistakes(judging))
    print(f"\nreading errors ({len(reading.errors)}):")
    for e in reading.errors:
        print("  " + e)
    (work / "generalise.json").write_text(
        json.dumps({"seeds": seeds, "applicants": a.applicants,
                    "pages_per_difficulty": a.pages_per_difficulty,
                    "reading": reading.to_dict(), "judging": judging},
                   ensure_ascii=False, indent=1), "utf-8",
    )  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
