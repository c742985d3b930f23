"""Whole-pipeline throughput: `credcheck verify` against bare RapidOCR on the same pages and
cores, with a breakdown per stage (issue 17).

    python bench/throughput.py [--batch DIR | --applicants 14 --seed 9301 --layouts mixed]
                               [--repeat 3] [--workers 2] [--code DIR] [--against DIR] [--json]

verify   `credcheck verify BATCH --out OUT --workers 2` in a subprocess on a cold cache:
         everything (Python start, plan, inspect, Prefect and its temporary server, reading,
         second opinions, assessment, cross-checks, reports), wall from start to exit.
bare     RapidOCR over the same page images, split over the same cores: `workers` processes
         (one page per core, one ONNX thread each, as the pipeline's readers), each decoding
         its files in-process as a plain script would and calling `RapidOCR()(image)`; wall
         from the pool's start (models loaded) to the last page.
rerun    `credcheck verify` again on the same OUT (everything cached): wall, and whether
         results.json came out byte-identical.

Runs are interleaved (verify and its rerun, bare; then the other way round; …) so shared
load hits each alike; medians over --repeat. With `--against OLD` the checkout OLD is timed
too, interleaved (OLD, bare, NEW; NEW, bare, OLD; …), both against the same bare runs. The
load average is printed with every measurement.

The breakdown comes from timers wrapped around the stage functions inside the verify
process (no change to the code measured, so `--code` can point at an older checkout):
wall phases on the main thread, and within reading the worker-seconds per part (decode,
RapidOCR page, RapidOCR line re-reads, tesseract, fields, hashes) plus idle worker time.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _env(code: Path) -> dict[str, str]:
    # The children see credcheck from `code`, and none of this shell's settings.
    from pipelines.service import clean_env

    env = clean_env()
    env["PYTHONPATH"] = str(code)
    return env


def load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


# ---------------------------------------------------------------- the verify child


class _Timers:
    """Spans (name, thread, start, end) of wrapped functions, relative to process start."""

    def __init__(self) -> None:
        self.t0 = time.perf_counter()
        self.spans: list[tuple[str, int, float, float]] = []

    def wrap(self, owner: object, attr: str, name: str, key=None) -> None:
        import functools
        import threading

        fn = getattr(owner, attr, None)
        if fn is None:
            return  # this checkout has no such function: its time shows under a parent
        spans, t0 = self.spans, self.t0

        @functools.wraps(fn)
        def timed(*a, **kw):
            label = key(a, kw) if key else name
            s = time.perf_counter()
            try:
                return fn(*a, **kw)
            finally:
                spans.append((label, threading.get_ident(), s - t0, time.perf_counter() - t0))

        setattr(owner, attr, timed)


def child_verify(code: Path, batch: str, out: str, as_of: str, workers: int, spans: str) -> int:
    sys.path.insert(0, str(code))
    timers = _Timers()
    import extractors.ocr.tess as tess
    import extractors.ocr.worker as worker
    import extractors.read as read
    import pipelines.cli as cli
    import pipelines.flows as flows
    import pipelines.prefect_env  # noqa: F401  # Prefect's settings before Prefect
    import pipelines.stages as stages
    import pipelines.stages.outputs as outputs
    import pipelines.stages.reading as reading

    w = timers.wrap
    w(flows, "verify_batch", "verify_batch")
    w(flows, "_start_temporary_server", "prefect server start")
    for name in ("plan_batch", "inspect_file", "read_page", "second_look", "assess", "cross_checks",
                 "write_outputs"):  # fmt: skip
        w(stages, name, name)
    w(reading, "load_file", "decode")
    w(reading, "page_hashes", "page hashes")
    w(read.Reader, "ocr_page", "ocr_page")
    w(read.Reader, "documents", "documents")
    w(read.Reader, "_reread_dates", "date re-reads")
    w(read.Reader, "_reread_ethnicity", "ethnicity re-reads")
    # The Reader's tesseract process is an EngineWorker too: timed as "tesseract" below.
    w(worker.EngineWorker, "call", "",
      key=lambda a, kw: "tesseract's process" if "tess" in a[0].target else f"engine {a[1]}")
    w(tess.TesseractEngine, "read_line", "tesseract")
    if hasattr(read, "TesseractLines"):  # since: in the Reader's tesseract process
        w(read.TesseractLines, "read_line", "tesseract")
    w(outputs, "write_html", "report.html")
    w(outputs, "write_xlsx", "report.xlsx")
    w(outputs, "write_officials_pdf", "report.pdf")
    import pipelines.crops as crops

    w(crops.Cropper, "_crop", "crop render")
    argv = ["verify", batch, "--out", out, "--workers", str(workers), "--as-of", as_of, "--quiet"]
    code_ = 0
    try:
        cli.app(argv, standalone_mode=False)
    except SystemExit as e:
        code_ = int(e.code or 0)
    end = time.perf_counter() - timers.t0
    Path(spans).write_text(json.dumps({"end": end, "spans": timers.spans}), "utf-8")
    return code_


# ---------------------------------------------------------------- the bare child


def _bare_init(threads: int) -> None:
    global _ENGINE
    from rapidocr_onnxruntime import RapidOCR

    kw = {"intra_op_num_threads": threads, "inter_op_num_threads": 1} if threads else {}
    _ENGINE = RapidOCR(**kw)


def _bare_file(path: str) -> int:
    """What a plain script does with one file: decode it, hand each page to RapidOCR."""
    from extractors.loaders import LoadOptions, load_file

    try:
        _loaded, rasters = load_file(Path(path), options=LoadOptions(sandbox=False))
    except Exception:  # noqa: BLE001 - what the pipeline refuses, a script skips
        return 0
    n = 0
    for r in rasters:
        if r.image is not None:  # text-layer pages are not OCR'd by the pipeline either
            _ENGINE(r.image[:, :, ::-1].copy())
            n += 1
    return n


def child_bare(code: Path, batch: str, workers: int, threads: int, out: str) -> int:
    sys.path.insert(0, str(code))
    import multiprocessing as mp

    files = sorted(str(p) for p in (Path(batch) / "packets").rglob("*") if p.is_file())
    ctx = mp.get_context("spawn")
    with ctx.Pool(workers, initializer=_bare_init, initargs=(threads,)) as pool:
        pool.map(_noop, range(workers), chunksize=1)  # every worker's model loaded
        t = time.perf_counter()
        pages = sum(pool.imap_unordered(_bare_file, files, chunksize=1))
        wall = time.perf_counter() - t
    Path(out).write_text(json.dumps({"wall": wall, "pages": pages}), "utf-8")
    return 0


def _noop(_x: int) -> None:
    time.sleep(0.2)  # long enough that each worker takes one


# ---------------------------------------------------------------- breakdown


WALL_PHASES = ("python start + imports", "prefect server start",
               "plan_batch", "inspect",
               "read pages", "assess", "cross_checks", "write_outputs", "flow overhead",
               "exit")  # fmt: skip
WORK_PARTS = ("decode", "engine read_page", "engine read_line", "tesseract", "fields",
              "page hashes", "other")  # fmt: skip


def breakdown(d: dict, wall: float, workers: int) -> dict:
    """Wall phases on the main thread, and worker-seconds within the page reading."""
    spans = d["spans"]

    def total(name: str) -> float:
        return sum(e - s for n, _t, s, e in spans if n == name)

    server = [(s, e) for n, _t, s, e in spans if n == "prefect server start"]
    up = server[0][1] if server else 0.0  # the flow's stages run once the server is up

    def extent(name: str) -> tuple[float, float]:
        xs = [(s, e) for n, _t, s, e in spans if n == name and s >= up]
        return (min(s for s, _ in xs), max(e for _, e in xs)) if xs else (0.0, 0.0)

    vb0, vb1 = extent("verify_batch")
    if not vb1:  # the span began before the server's: measured whole
        vb0, vb1 = next(((s, e) for n, _t, s, e in spans if n == "verify_batch"), (0.0, 0.0))
    inspect = extent("inspect_file")
    reads = extent("read_page")
    phases = {
        "python start + imports": vb0,
        "prefect server start": total("prefect server start"),
        "plan_batch": total("plan_batch"),
        "inspect": inspect[1] - inspect[0],
        "read pages": reads[1] - reads[0],
        "assess": extent("assess")[1] - extent("assess")[0],
        "cross_checks": total("cross_checks"),
        "write_outputs": total("write_outputs"),
    }
    # What the flow spends between the stages (Prefect's subflows, waves, waiting).
    phases["flow overhead"] = (vb1 - vb0) - sum(list(phases.values())[1:])
    phases["exit"] = wall - vb1  # and the interpreter's start, before the child's clock
    # Reading: worker-seconds by part. Nested spans: engine calls inside ocr_page, tesseract
    # inside documents.
    busy = total("read_page")
    parts = {
        "decode": _inside(spans, "decode", "read_page"),
        "engine read_page": total("engine read_page"),
        "engine read_line": _inside(spans, "engine read_line", "read_page"),
        "tesseract": _inside(spans, "tesseract", "read_page"),
        "page hashes": total("page hashes"),
    }
    docs = total("documents")
    parts["fields"] = docs - parts["tesseract"] - _inside(spans, "engine read_line", "documents")
    parts["other"] = busy - sum(parts.values())
    # Idle worker-seconds while the flow reads (a page read before the server was up, if any,
    # is busy time outside that window).
    busy_flow = sum(e - s for n, _t, s, e in spans if n == "read_page" and s >= up)
    idle = max(0.0, workers * phases["read pages"] - busy_flow)
    out_parts = {
        "crop render": total("crop render"),
        "report.html": total("report.html"),
        "report.xlsx": total("report.xlsx"),
        "report.pdf": total("report.pdf"),
    }
    looks = [e - s for n, _t, s, e in spans if n == "second_look"]
    head = sum(1 for n, _t, s, _e in spans if n == "read_page" and s < up)
    return {"wall": wall, "phases": phases, "read_busy": busy, "read_idle": idle,
            "parts": parts, "outputs": out_parts, "second_looks": [len(looks), sum(looks)],
            "head_start_pages": head,
            "pages": sum(1 for n, *_ in spans if n == "read_page")}  # fmt: skip


def _inside(spans: list, inner: str, outer: str) -> float:
    """Seconds of `inner` spans that lie within an `outer` span of the same thread."""
    outs = [(t, s, e) for n, t, s, e in spans if n == outer]
    got = 0.0
    for n, t, s, e in spans:
        if n == inner and any(t == ot and os_ <= s and e <= oe for ot, os_, oe in outs):
            got += e - s
    return got


# ---------------------------------------------------------------- the parent


def run_child(args: list[str], code: Path) -> tuple[float, float]:
    """(wall, CPU seconds of the child and every process under it). CPU time hardly moves
    with other users' load, where wall on a shared 2-core machine moves by a third."""
    import resource

    def cpu() -> float:
        r = resource.getrusage(resource.RUSAGE_CHILDREN)
        return r.ru_utime + r.ru_stime

    t, c = time.perf_counter(), cpu()
    subprocess.run([sys.executable, str(Path(__file__).resolve()), *args], env=_env(code),
                   check=True)  # fmt: skip
    return time.perf_counter() - t, cpu() - c


def make_batch(work: Path, applicants: int, seed: int, layouts: str, code: Path) -> Path:
    batch = work / f"batch-{applicants}-{seed}-{layouts}"
    if not batch.exists():
        subprocess.run([sys.executable, "-m", "pipelines.cli", "synth-batch", str(batch),
                        "--applicants", str(applicants), "--seed", str(seed), "--layouts",
                        layouts], env=_env(code), check=True)  # fmt: skip
    return batch


def _as_of(batch: Path) -> str:
    truth = Path(f"{batch}.truth.json")
    return json.loads(truth.read_text("utf-8"))["as_of"] if truth.exists() else "2025-09-30"


def _med(xs: list[float]) -> float:
    return statistics.median(xs) if xs else float("nan")


def main() -> int:
    if len(sys.argv) > 1 and sys.argv[1] == "--child-verify":
        c, b, o, a, w, s = sys.argv[2:8]
        return child_verify(Path(c), b, o, a, int(w), s)
    if len(sys.argv) > 1 and sys.argv[1] == "--child-bare":
        c, b, w, th, o = sys.argv[2:7]
        return child_bare(Path(c), b, int(w), int(th), o)
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--batch", type=Path, default=None, help="an existing batch")
    ap.add_argument("--applicants", type=int, default=14)
    ap.add_argument("--seed", type=int, default=9301)
    ap.add_argument("--layouts", default="mixed")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--bare-threads", type=int, default=1, help="ONNX threads per bare process")
    ap.add_argument("--repeat", type=int, default=1, help="medians over this many runs")
    ap.add_argument("--code", type=Path, default=ROOT, help="checkout whose verify is timed")
    ap.add_argument(
        "--against",
        type=Path,
        default=None,
        help="another checkout, timed interleaved with --code (before/after)",
    )
    ap.add_argument("--no-rerun", action="store_true", help="skip the cached re-run")
    ap.add_argument("--work", type=Path, default=None)
    ap.add_argument("--json", action="store_true", help="print the figures as JSON")
    a = ap.parse_args()
    work = a.work or Path(tempfile.mkdtemp(prefix="bench-throughput-"))
    work.mkdir(parents=True, exist_ok=True)
    codes = [c.resolve() for c in ([a.against] if a.against else []) + [a.code]]
    batch = a.batch or make_batch(work, a.applicants, a.seed, a.layouts, codes[-1])
    as_of = _as_of(batch)
    say = (lambda *x: print(*x, file=sys.stderr, flush=True)) if a.json else print
    runs: dict[int, list[dict]] = {i: [] for i in range(len(codes))}
    bares: list[dict] = []

    def verify(i: int, r: int) -> None:
        """A cold run of codes[i], then (unless --no-rerun) the same again, all cached."""
        code, tag = codes[i], f"{r}-{i}"
        out, spans = work / f"out-{tag}", work / f"spans-{tag}.json"
        shutil.rmtree(out, ignore_errors=True)
        l0 = load()
        wall, cpu = run_child(["--child-verify", str(code), str(batch), str(out), as_of,
                               str(a.workers), str(spans)], code)  # fmt: skip
        b = {**breakdown(json.loads(spans.read_text("utf-8")), wall, a.workers), "cpu": cpu}
        say(f"run {r + 1} verify {wall:7.1f} s  cpu {cpu:6.1f} s  {b['pages']} pages  "
            f"load {l0} → {load()}  ({code})")  # fmt: skip
        rec = {"verify": b}
        if not a.no_rerun:
            first = (out / "results.json").read_bytes()
            l0 = load()
            spans2 = work / f"spans-{tag}-rerun.json"
            wall2, _cpu = run_child(["--child-verify", str(code), str(batch), str(out),
                                     as_of, str(a.workers), str(spans2)], code)  # fmt: skip
            same = (out / "results.json").read_bytes() == first
            b2 = breakdown(json.loads(spans2.read_text("utf-8")), wall2, a.workers)
            rec["rerun"] = {**b2, "identical": same}
            say(f"run {r + 1} rerun  {wall2:7.1f} s  identical results.json: {same}  "
                f"load {l0} → {load()}")  # fmt: skip
        runs[i].append(rec)

    def bare(r: int) -> None:
        l0 = load()
        out = work / f"bare-{r}.json"
        _wall, cpu = run_child(["--child-bare", str(codes[-1]), str(batch), str(a.workers),
                                str(a.bare_threads), str(out)], codes[-1])  # fmt: skip
        got = {**json.loads(out.read_text("utf-8")), "cpu": cpu}
        bares.append(got)
        say(f"run {r + 1} bare   {got['wall']:7.1f} s  cpu {cpu:6.1f} s  {got['pages']} pages  "
            f"load {l0} → {load()}")  # fmt: skip

    for r in range(a.repeat):
        # Interleaved, and the order turned every other round: shared load hits all alike.
        steps: list[tuple] = [(verify, i, r) for i in range(len(codes))]
        steps.insert(1, (bare, r))
        for fn, *args in steps if r % 2 == 0 else reversed(steps):
            fn(*args)
    out: dict = {"bare": bares, "codes": []}
    for i, code in enumerate(codes):
        summary = summarise(runs[i], bares)
        summary.update(batch=str(batch), code=str(code), workers=a.workers, repeat=a.repeat)
        summary["accuracy"] = accuracy(batch, work / f"out-0-{i}" / "results.json")
        out["codes"].append({"summary": summary, "runs": runs[i]})
        if not a.json:
            print_summary(summary)
    if len(codes) == 2:
        out["same_verdicts"] = same_verdicts(
            *(work / f"out-0-{i}" / "results.json" for i in (0, 1))
        )
        if not a.json:
            print(f"\n{codes[0].name} → {codes[1].name}, results.json: {out['same_verdicts']}")
    if a.json:
        print(json.dumps(out, indent=1))
    return 0


def accuracy(batch: Path, results: Path) -> dict | None:
    """Flags against the batch's truth (bench/verify.py's scoring): raised, true, false, missed."""
    truth = Path(f"{batch}.truth.json")
    if not truth.exists():
        return None
    sys.path.insert(0, str(ROOT))
    from bench.verify import score

    s = score(json.loads(truth.read_text("utf-8")), json.loads(results.read_text("utf-8")))
    c = s["codes"].values()
    return {"expected": sum(x["expected"] for x in c), "raised": sum(x["raised"] for x in c),
            "true": sum(x["tp"] for x in c), "clean_flagged": s["clean_flagged"],
            "clean_needs_review": s["clean_needs_review"], "clean": s["clean"]}  # fmt: skip


def same_verdicts(a: Path, b: Path) -> dict:
    """What differs between two results.json of one batch: statuses, flags (all but their
    reasons), documents' fields; and how many document confidences or flag reasons moved."""
    x, y = (json.loads(p.read_text("utf-8")) for p in (a, b))
    ax = {r["applicant_id"]: r for r in x["applicants"]}
    ay = {r["applicant_id"]: r for r in y["applicants"]}

    def flags(r: dict) -> list:
        return [{k: v for k, v in f.items() if k != "reasons"} for f in r["flags"]]

    def docs(r: dict, conf: bool) -> list:
        return [{k: v for k, v in d.items() if conf or k != "confidence"} for d in r["documents"]]

    both = sorted(set(ax) & set(ay))
    return {
        "applicants": len(both) if set(ax) == set(ay) else f"{set(ax) ^ set(ay)} differ",
        "status_differs": sum(ax[i]["status"] != ay[i]["status"] for i in both),
        "flags_differ": sum(flags(ax[i]) != flags(ay[i]) for i in both),
        "fields_differ": sum(docs(ax[i], False) != docs(ay[i], False) for i in both),
        "review_reasons_differ": sum(
            ax[i].get("review_reasons") != ay[i].get("review_reasons") for i in both
        ),  # fmt: skip
        "duplicates_differ": x["duplicates"] != y["duplicates"],
        "flag_reasons_differ": sum(ax[i]["flags"] != ay[i]["flags"] for i in both),
        "doc_confidence_differs": sum(docs(ax[i], True) != docs(ay[i], True) for i in both),
    }


def summarise(runs: list[dict], bares: list[dict]) -> dict:
    v = [r["verify"] for r in runs]
    s: dict = {
        "pages": v[0]["pages"],
        "verify_wall": _med([x["wall"] for x in v]),
        "bare_wall": _med([b["wall"] for b in bares]),
        "phases": {k: _med([x["phases"][k] for x in v]) for k in WALL_PHASES},
        "parts": {k: _med([x["parts"][k] for x in v]) for k in WORK_PARTS},
        "outputs": {k: _med([x["outputs"][k] for x in v]) for k in v[0]["outputs"]},
        "read_busy": _med([x["read_busy"] for x in v]),
        "read_idle": _med([x["read_idle"] for x in v]),
        "second_looks": [_med([x.get("second_looks", [0, 0])[j] for x in v]) for j in (0, 1)],
        "head_start_pages": _med([x.get("head_start_pages", 0) for x in v]),
    }
    s["ratio"] = s["verify_wall"] / s["bare_wall"]
    s["verify_cpu"] = _med([x["cpu"] for x in v])
    s["bare_cpu"] = _med([b["cpu"] for b in bares])
    s["cpu_ratio"] = s["verify_cpu"] / s["bare_cpu"]
    if all("rerun" in r for r in runs):
        s["rerun_wall"] = _med([r["rerun"]["wall"] for r in runs])
        s["rerun_speedup"] = s["verify_wall"] / s["rerun_wall"]
        s["rerun_identical"] = all(r["rerun"]["identical"] for r in runs)
        s["rerun_phases"] = {k: _med([r["rerun"]["phases"][k] for r in runs])
                             for k in WALL_PHASES}  # fmt: skip
    return s


def print_summary(s: dict) -> None:
    w = s["verify_wall"]
    print(f"\n{s['pages']} pages read, workers {s['workers']}, medians of {s['repeat']} "
          f"run(s); code {s['code']}")  # fmt: skip
    print(f"verify {w:.1f} s, bare RapidOCR {s['bare_wall']:.1f} s: ratio {s['ratio']:.2f} "
          f"(target ≤ 1.20)")  # fmt: skip
    print(f"CPU: verify {s['verify_cpu']:.1f} s, bare {s['bare_cpu']:.1f} s (its model loads and "
          f"imports included): ratio {s['cpu_ratio']:.2f}")  # fmt: skip
    print("\n| verify, wall | s | share |\n|---|---:|---:|")
    for k, x in s["phases"].items():
        print(f"| {k} | {x:.1f} | {100 * x / w:.0f} % |")
    busy = s["read_busy"] + s["read_idle"]
    print(f"\n| reading, worker-seconds ({s['workers']} workers) | s | share |\n|---|---:|---:|")
    for k, x in s["parts"].items():
        print(f"| {k} | {x:.1f} | {100 * x / busy:.0f} % |")
    print(f"| idle (waiting on a wave's slowest page, Prefect) | {s['read_idle']:.1f} | "
          f"{100 * s['read_idle'] / busy:.0f} % |")  # fmt: skip
    if s["head_start_pages"]:
        print(f"\npages read while the server started: {s['head_start_pages']:.0f}")
    print(f"\nsecond looks (within assess): {s['second_looks'][0]:.0f} pages, "
          f"{s['second_looks'][1]:.1f} worker-s")  # fmt: skip
    print("\n| within write_outputs | s |\n|---|---:|")
    for k, x in s["outputs"].items():
        print(f"| {k} | {x:.1f} |")
    if s.get("accuracy"):
        print(f"\nflags against the truth: {s['accuracy']}")
    if "rerun_wall" in s:
        print(f"\nre-run of the unchanged batch: {s['rerun_wall']:.1f} s, "
              f"{s['rerun_speedup']:.1f}× faster (target ≥ 20×); identical results.json: "
              f"{s['rerun_identical']}")  # fmt: skip
        print("| re-run, wall | s |\n|---|---:|")
        for k, x in s["rerun_phases"].items():
            print(f"| {k} | {x:.1f} |")


if __name__ == "__main__":
    sys.exit(main())
