"""Workers benchmark: pages per minute through 1 and 2 `credcheck worker`s, and what the
deployment path costs over `credcheck verify` on the same pages (issue 14).

    python bench/workers.py --applicants 100 --repeat 3 [--work DIR] [--keep]

One generated batch (`credcheck synth-batch`) is submitted as one intake; with two workers
online verify-intake splits its packets between them (read-packets). Each measurement starts
from a cold reading cache (a fresh data root and its own `prefect server`, on SQLite); the
wall is from `credcheck submit` until the flow run is completed (server and worker start-up
not included).

    verify     `credcheck verify BATCH --workers 2` (the whole machine)
    1 worker   one `credcheck worker --readers 1 --engine-threads 1` (one core)
    2 workers  two such workers (one core each, the whole 2-core machine)

Printed: median walls, pages per minute, 2 workers ÷ 1 worker (target ≥ 1.8), 2 workers'
wall ÷ verify's wall (orchestration cost, target ≤ 1.10; both use the whole machine), and a
projection from the 2-worker rate: pages one such machine verifies in 8 hours (goal ≥
20,000) and machines (2 workers each) for 200,000 pages a night. Run it on an idle machine:
other load changes every figure. Issue 14's figures need ≥ 300 pages (--applicants ≈ 100:
synth-batch gives about 3 pages an applicant).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from pipelines.service import api_call as _get  # noqa: E402
from pipelines.service import clean_env, server_defaults, wait_healthy  # noqa: E402
from pipelines.service import free_port as _free_port  # noqa: E402

PY = [sys.executable, "-m", "pipelines.cli"]
NIGHT_MIN = 8 * 60
NIGHT_PAGES = 200_000


def _env() -> dict[str, str]:
    # The children see credcheck from this checkout, and none of this shell's settings.
    env = clean_env()
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    return env


def _stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        try:
            os.killpg(proc.pid, signal.SIGTERM)
            proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=30)
        except ProcessLookupError:
            pass


def pages_in(cache: Path) -> int:
    return sum(1 for _ in cache.glob("page-*")) if cache.is_dir() else 0


def make_batch(work: Path, applicants: int, seed: int) -> tuple[Path, str]:
    batch = work / "intake"
    if not batch.exists():
        subprocess.run([*PY, "synth-batch", str(batch), "--applicants", str(applicants),
                        "--seed", str(seed)], env=_env(), check=True)  # fmt: skip
    truth = json.loads(Path(f"{batch}.truth.json").read_text(encoding="utf-8"))
    return batch, truth["as_of"]


def run_verify(batch: Path, work: Path, as_of: str) -> tuple[float, int]:
    out = work / "verify"
    shutil.rmtree(out, ignore_errors=True)
    t = time.perf_counter()
    subprocess.run([*PY, "verify", str(batch), "--out", str(out), "--workers", "2", "--as-of",
                    as_of, "--quiet"], env=_env(), check=True)  # fmt: skip
    return time.perf_counter() - t, pages_in(out / ".credcheck" / "cache")


def run_deployed(
    batch: Path, work: Path, as_of: str, workers: int, timeline: bool = False
) -> tuple[float, int]:
    """The batch submitted as one intake to `workers` workers; wall from submit to done."""
    data = work / f"data-{workers}w"
    shutil.rmtree(data, ignore_errors=True)
    (data / "prefect").mkdir(parents=True)
    port = _free_port()
    api = f"http://127.0.0.1:{port}/api"
    env = {**_env(), "CREDCHECK_DATA": str(data), "PREFECT_HOME": str(data / "prefect"),
           "PREFECT_API_URL": api,
           "PREFECT_SERVER_DATABASE_CONNECTION_URL":
               f"sqlite+aiosqlite:///{data}/prefect/prefect.db"}  # fmt: skip
    server_defaults(env)  # as `credcheck serve` starts it
    procs: list[subprocess.Popen] = []

    def start(name: str, argv: list[str]) -> None:
        with open(data / f"{name}.log", "ab") as log:
            procs.append(subprocess.Popen(argv, env=env, stdout=log, stderr=subprocess.STDOUT,
                                          start_new_session=True))  # fmt: skip

    try:
        start("server", [sys.executable, "-m", "prefect", "server", "start", "--host",
                         "127.0.0.1", "--port", str(port)])  # fmt: skip
        if not wait_healthy(api, 300):
            raise SystemExit(f"the Prefect server did not start: {data / 'server.log'}")
        setup = ("import sys; from pathlib import Path; import store; store.setup(migrate=True)\n"
                 "from pipelines.deployments import ensure_pool, register\n"
                 "ensure_pool(Path(sys.argv[1])); register()")  # fmt: skip
        subprocess.run([sys.executable, "-c", setup, str(data)], env=env, check=True)
        for i in range(workers):
            start(f"w{i + 1}", [*PY, "worker", "--name", f"w{i + 1}", "--readers", "1",
                                "--engine-threads", "1"])  # fmt: skip
        deadline = time.monotonic() + 300
        while len([w for w in _get(f"{api}/work_pools/credcheck/workers/filter", {})
                   if w["status"] == "ONLINE"]) < workers:  # fmt: skip
            if time.monotonic() > deadline:
                raise SystemExit("the workers did not come online in 300 s")
            time.sleep(0.5)
        t = time.perf_counter()
        ids = [subprocess.run([*PY, "submit", str(batch), "--intake", "bench", "--as-of", as_of],
                              env=env, check=True, capture_output=True, text=True).stdout.strip()]
        while True:
            states = [_get(f"{api}/flow_runs/{i}")["state"]["type"] for i in ids]
            if bad := [s for s in states if s in ("FAILED", "CRASHED", "CANCELLED")]:
                raise SystemExit(f"a run ended {bad}: see {data}")
            if all(s == "COMPLETED" for s in states):
                break
            time.sleep(0.5)
        wall = time.perf_counter() - t
        if timeline:
            print(timeline_of(api), flush=True)
        return wall, pages_in(data / "cache")
    finally:
        for p in reversed(procs):
            _stop(p)


def _paged(url: str, body: dict) -> list[dict]:
    out: list[dict] = []
    while True:
        got = _get(url, {**body, "offset": len(out), "limit": 200})
        out += got
        if len(got) < 200:
            return out


def timeline_of(api: str) -> str:
    """Where a deployed run's wall went: every flow run on the server as a tree (a
    deployment's run, its subflows, their waves), start and end in seconds from the first
    run's start; subflows of one name under one parent fold into one line."""
    runs = _paged(f"{api}/flow_runs/filter", {})
    names = {f["id"]: f["name"] for f in _paged(f"{api}/flows/filter", {})}
    parents = [r["parent_task_run_id"] for r in runs if r["parent_task_run_id"]]
    tasks = {"task_runs": {"id": {"any_": parents}}}
    owner = {t["id"]: t["flow_run_id"] for t in _paged(f"{api}/task_runs/filter", tasks)}

    def ts(v: str | None) -> float | None:
        import datetime as dt

        return dt.datetime.fromisoformat(v).timestamp() if v else None

    spans = [r for r in runs if r["start_time"]]
    if not spans:
        return "timeline: no flow run started"
    t0 = min(ts(r["start_time"]) for r in spans)
    kids: dict[str | None, list[dict]] = {}
    for r in spans:
        kids.setdefault(owner.get(r["parent_task_run_id"]), []).append(r)
    lines = ["timeline (s from the first flow run's start; subflows of a name folded):"]

    def walk(parent: str | None, depth: int) -> None:
        groups: dict[str, list[dict]] = {}
        for r in sorted(kids.get(parent, []), key=lambda r: r["start_time"]):
            groups.setdefault(names.get(r["flow_id"], "?"), []).append(r)
        for name, rs in groups.items():
            folded = len(rs) > 1 and depth > 1
            for r in [rs[0]] if folded else rs:
                start = min(ts(x["start_time"]) for x in (rs if folded else [r])) - t0
                end = max(ts(x["end_time"]) or time.time() for x in (rs if folded else [r])) - t0
                busy = sum(x["total_run_time"] for x in (rs if folded else [r]))
                label = f"{name} ×{len(rs)}" if folded else name
                lines.append(f"  {'  ' * depth}{label:34s} {start:7.1f} → {end:7.1f}"
                             f"  ({busy:6.1f} s run)")  # fmt: skip
                if not folded:
                    walk(r["id"], depth + 1)

    walk(None, 0)
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--applicants", type=int, default=100)
    ap.add_argument("--seed", type=int, default=21)
    ap.add_argument("--repeat", type=int, default=3, help="medians over this many runs")
    ap.add_argument("--work", type=Path, default=None, help="folder for batches and runs")
    ap.add_argument("--keep", action="store_true", help="keep the work folder")
    ap.add_argument("--timeline", action="store_true",
                    help="print where each deployed run's wall went (its flow runs)")
    ap.add_argument("--modes", default="verify,1 worker,2 workers",
                    help="which of verify, 1 worker, 2 workers to run")
    args = ap.parse_args()
    work = args.work or Path(tempfile.mkdtemp(prefix="bench-workers-"))
    work.mkdir(parents=True, exist_ok=True)
    try:
        batch, as_of = make_batch(work, args.applicants, args.seed)
        wanted = [m.strip() for m in args.modes.split(",")]
        walls: dict[str, list[float]] = {k: [] for k in ("verify", "1 worker", "2 workers")
                                         if k in wanted}  # fmt: skip
        pages: dict[str, set[int]] = {k: set() for k in walls}
        for r in range(args.repeat):
            modes = {
                "verify": lambda: run_verify(batch, work, as_of),
                "1 worker": lambda: run_deployed(batch, work, as_of, 1, args.timeline),
                "2 workers": lambda: run_deployed(batch, work, as_of, 2, args.timeline),
            }
            for name, fn in modes.items():
                if name not in wanted:
                    continue
                wall, n = fn()
                walls[name].append(wall)
                pages[name].add(n)
                print(f"run {r + 1} {name:9s} {wall:7.1f} s  {n} pages", flush=True)
        n = max(max(p) for p in pages.values())
        if len(set().union(*pages.values())) != 1:
            print(f"warning: the modes read different page counts {pages}")
        med = {k: statistics.median(v) for k, v in walls.items()}
        ppm = {k: n / (w / 60) for k, w in med.items()}
        print(f"\npages: {n} ({args.applicants} applicants, one intake); medians of "
              f"{args.repeat} run(s)")  # fmt: skip
        for k in walls:
            print(f"  {k:9s} {med[k]:7.1f} s  {ppm[k]:6.1f} pages/min")
        if "1 worker" in med and "2 workers" in med:
            ratio = ppm["2 workers"] / ppm["1 worker"]
            print(f"2 workers ÷ 1 worker (pages/min): {ratio:.2f}  (target ≥ 1.8)")
        if "verify" in med and "2 workers" in med:
            cost = med["2 workers"] / med["verify"]
            print(f"orchestration cost, 2 workers ÷ verify (wall): {cost:.2f}  (target ≤ 1.10)")
        if "2 workers" in med:
            night = ppm["2 workers"] * NIGHT_MIN
            need = math.ceil(NIGHT_PAGES / night)
            print(f"one 2-core machine, 2 workers, 8 hours: {night:,.0f} pages  (goal ≥ 20,000)")
            print(f"machines (2 workers each) for {NIGHT_PAGES:,} pages a night: {need}"
                  f"  ({2 * need} workers)")  # fmt: skip
        if n < 300:
            print(f"note: {n} pages < 300: a trial, not issue 14's measurement")
    finally:
        if not args.keep and args.work is None:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
