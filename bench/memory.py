"""Memory over a long batch: does `credcheck verify` stay flat as pages go by?

    python bench/memory.py [--applicants 1000] [--seed 31] [--max-dpi 100] [--workers 2]
                           [--work DIR] [--keep] [--interval 2]

Generates a batch of small pages (synth.batch with every scan stored at ≤ --max-dpi, so a
1,000-applicant batch reads in about an hour on 2 cores), runs `credcheck verify` in a child
process and samples, every --interval seconds, the resident memory (RSS from /proc) of the
verify process and of each of its descendants — OCR worker processes, Prefect's temporary
server, sandboxed file inspections — beside the reading progress (results persisted in
OUT/.credcheck/cache). It prints RSS by component at 10 %, 25 %, 50 %, 75 % and 100 % of the
pages read, the growth per 1,000 pages fitted over the second half of the reading (flat
memory: a growth far below the per-page working set), the peak, and how the flags compare
with the injected faults (bench/verify.py's scoring). Samples go to WORK/memory.json.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from verify import score  # noqa: E402  (bench/verify.py)

from synth.batch import generate_batch, load_truth  # noqa: E402

PAGE = os.sysconf("SC_PAGE_SIZE")


def _children() -> dict[int, list[int]]:
    kids: dict[int, list[int]] = {}
    for d in Path("/proc").iterdir():
        if not d.name.isdigit():
            continue
        try:
            stat = (d / "stat").read_text()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        kids.setdefault(ppid, []).append(int(d.name))
    return kids


def _rss(pid: int) -> int:
    try:
        return int((Path(f"/proc/{pid}/statm").read_text().split())[1]) * PAGE
    except (OSError, IndexError, ValueError):
        return 0


def _kind(pid: int, root: int) -> str:
    if pid == root:
        return "main"
    try:
        cmd = (
            Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        )
    except OSError:
        return "other"
    if "uvicorn" in cmd or ("prefect" in cmd and "server" in cmd):
        return "prefect_server"
    if "multiprocessing" in cmd:
        return "workers"
    if "tesseract" in cmd:
        return "tesseract"
    return "other"


def sample_tree(root: int) -> dict[str, int]:
    kids, out, todo = _children(), {}, [root]
    while todo:
        pid = todo.pop()
        k = _kind(pid, root)
        out[k] = out.get(k, 0) + _rss(pid)
        todo += kids.get(pid, [])
    out["total"] = sum(out.values())
    return out


def _progress(cache: Path) -> int:
    try:
        return sum(1 for p in os.scandir(cache) if p.name.startswith("page-"))
    except FileNotFoundError:
        return 0


def fit_slope(xs: list[float], ys: list[float]) -> float:
    mx, my = statistics.fmean(xs), statistics.fmean(ys)
    den = sum((x - mx) ** 2 for x in xs)
    return sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True)) / den if den else 0.0


def summarize(samples: list[dict]) -> None:
    """RSS by component at shares of the pages read, growth over the second half, peaks."""
    read = max(s["pages"] for s in samples)
    kinds = ["main", "workers", "prefect_server", "other", "total"]
    mb = 1 << 20
    print(f"{read} page readings cached, {len(samples)} samples")
    # Peak RSS within each tenth of the reading: flat memory means no upward trend.
    print(f"{'pages read':>14s} " + " ".join(f"{k:>15s}" for k in kinds) + "   (peak RSS MB)")
    for d in range(10):
        lo, hi = d * read / 10, (d + 1) * read / 10
        win = [x for x in samples if lo <= x["pages"] < hi or (d == 9 and x["pages"] == read)]
        if not win:
            continue
        print(f"{int(lo):>6d}–{int(hi):<6d} "
              + " ".join(f"{max(x.get(k, 0) for x in win) / mb:15.0f}" for k in kinds))  # fmt: skip
    # Medians per tenth: the first tenth is warm-up (workers start, arenas fill); flat memory
    # means the last tenth is where the second one was.
    # (Samples before the first page is cached are the inspection phase, not reading.)
    tenths = [[x for x in samples if max(d * read / 10, 1) <= x["pages"] < (d + 1) * read / 10]
              for d in range(10)]  # fmt: skip
    if all(tenths[d] for d in (0, 1, 9)):
        for k in ("main", "workers", "prefect_server", "total"):
            m = [statistics.median(x.get(k, 0) for x in tenths[d]) / mb for d in (0, 1, 9)]
            print(f"median RSS {k:>14s}: first tenth {m[0]:6.0f}, second {m[1]:6.0f}, last "
                  f"{m[2]:6.0f} MB; last / second {m[2] / m[1] if m[1] else 0:.2f}×, "
                  f"last / first {m[2] / m[0] if m[0] else 0:.2f}×")  # fmt: skip
    half = [s for s in samples if read / 2 <= s["pages"] < read]
    if len(half) > 3:
        xs = [s["pages"] for s in half]
        for k in ("main", "prefect_server", "workers", "total"):
            per_k = fit_slope(xs, [s.get(k, 0) for s in half]) * 1000 / mb
            print(
                f"growth while reading the second half, {k:>14s}: {per_k:+7.1f} MB per 1,000 pages"
            )
    peak = max(samples, key=lambda s: s["total"])
    peak_main = max(s.get("main", 0) for s in samples)
    after = [s for s in samples if s["pages"] >= read]
    print(f"peak RSS of the whole tree {peak['total'] / mb:.0f} MB at {peak['t']:.0f} s "
          f"({peak['pages']} pages read); peak of the verify process {peak_main / mb:.0f} MB; "
          f"after reading (assess, cross-checks, reports) peak "
          f"{max((s['total'] for s in after), default=0) / mb:.0f} MB")  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--applicants", type=int, default=1000)
    ap.add_argument("--seed", type=int, default=31)
    ap.add_argument("--max-dpi", type=int, default=100)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--interval", type=float, default=5.0)
    ap.add_argument("--work", type=Path, default=ROOT / "out" / "bench-memory")
    ap.add_argument("--keep", action="store_true", help="reuse the batch in --work")
    ap.add_argument(
        "--resume", action="store_true", help="keep OUT's cache (pages read by an earlier run)"
    )
    ap.add_argument("--summarize", type=Path, help="only print the figures of a memory.jsonl")
    a = ap.parse_args(argv)
    if a.summarize:
        rows = a.summarize.read_text(encoding="utf-8").splitlines()
        summarize([json.loads(x) for x in rows if x.strip()])
        return 0
    batch, out = a.work / "batch", a.work / "out"
    if not (a.keep and batch.exists()):
        shutil.rmtree(a.work, ignore_errors=True)
        t = time.perf_counter()
        generate_batch(
            batch, applicants=a.applicants, seed=a.seed, workers=a.workers, max_dpi=a.max_dpi
        )
        print(f"generated {a.applicants} applicants in {time.perf_counter() - t:.0f} s", flush=True)
    truth = load_truth(batch)
    pages_total = sum(
        f["pages"] for x in truth["applicants"] for f in x["files"] if not f["unreadable"]
    )
    if not a.resume:
        shutil.rmtree(out, ignore_errors=True)
    exe = Path(sys.executable).with_name("credcheck")
    cmd = [str(exe), "verify", str(batch), "--out", str(out), "--workers", str(a.workers),
           "--as-of", truth["as_of"], "--quiet"]  # fmt: skip
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd)
    samples = []
    cache = out / ".credcheck" / "cache"
    name = "memory-resumed.jsonl" if a.resume else "memory.jsonl"
    with (a.work / name).open("w", encoding="utf-8") as log:  # kept as it goes
        while proc.poll() is None:
            s = sample_tree(proc.pid)
            row = {"t": round(time.perf_counter() - t0, 1), "pages": _progress(cache), **s}
            samples.append(row)
            log.write(json.dumps(row) + "\n")
            log.flush()
            time.sleep(a.interval)
    wall = time.perf_counter() - t0
    if proc.returncode:
        print(f"verify exited {proc.returncode}")
        return 1
    print(f"\n{len(truth['applicants'])} applicants, {pages_total} readable pages "
          f"(≤ {a.max_dpi} dpi); wall {wall / 60:.1f} min, {a.workers} workers")  # fmt: skip
    summarize(samples)
    results = json.loads((out / "results.json").read_text(encoding="utf-8"))
    got = {x["applicant_id"] for x in results["applicants"]}
    want = {x["applicant_id"] for x in truth["applicants"]}
    print(f"applicants in results.json: {len(got)} of {len(want)} (missing {len(want - got)})")
    sc = score(truth, results)
    print(f"{'code':22s} {'exp':>4s} {'raised':>6s} {'tp':>4s} {'prec':>6s} {'recall':>6s}")
    for c, r in sc["codes"].items():
        p = "-" if r["precision"] is None else f"{r['precision']:.2f}"
        rc = "-" if r["recall"] is None else f"{r['recall']:.2f}"
        print(f"{c:22s} {r['expected']:4d} {r['raised']:6d} {r['tp']:4d} {p:>6s} {rc:>6s}")
    print(f"clean applicants flagged {sc['clean_flagged']}/{sc['clean']}, "
          f"needs_review {sc['clean_needs_review']}")  # fmt: skip
    (a.work / "score.json").write_text(json.dumps(sc, ensure_ascii=False, indent=1), "utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
