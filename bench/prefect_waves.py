"""Prefect's memory per task: one flow holding every task vs. waves of subflows.

    python bench/prefect_waves.py [--tasks 2500] [--wave 500]

Prefect keeps each task's state and result until its flow ends (PrefectHQ/prefect#12668);
pipelines/flows.py therefore runs verify's tasks in waves, each a subflow. Prefect's
temporary server records every task run and event until the batch ends, so verify turns that
recording off (nothing reads it). This bench runs no-op tasks returning 2.5 KB under verify's
settings (temporary server on an in-memory SQLite) three ways, each in its own process: one
flow, waves (verify's way), and waves with the server recording (Prefect's default), and
prints the growth per 1,000 tasks after the first wave of the process's RSS and of the
temporary server's RSS.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _rss_mb(pid: int | str = "self") -> float:
    try:
        return int(Path(f"/proc/{pid}/statm").read_text().split()[1]) * 4096 / 2**20
    except (FileNotFoundError, ProcessLookupError):
        return 0.0


def _server_rss_mb() -> float:
    """RSS of the temporary Prefect server this process started (uvicorn child)."""
    me = str(os.getpid())
    total = 0.0
    for d in Path("/proc").iterdir():
        if not d.name.isdigit():
            continue
        try:
            ppid = (d / "stat").read_text().rsplit(")", 1)[1].split()[1]
            cmd = (d / "cmdline").read_bytes()
        except OSError:
            continue
        if ppid == me and b"uvicorn" in cmd:
            total += _rss_mb(d.name)
    return total


def child(mode: str, n: int, wave: int) -> None:
    sys.path.insert(0, str(ROOT))
    if mode == "recorded":  # before pipelines.flows sets its defaults
        os.environ["PREFECT_SERVER_SERVICES_EVENT_PERSISTER_ENABLED"] = "true"
        os.environ["PREFECT_SERVER_SERVICES_TASK_RUN_RECORDER_ENABLED"] = "true"
    import pipelines.flows  # noqa: F401, I001  (sets Prefect settings before prefect loads)
    from prefect import flow, task
    from prefect.task_runners import ThreadPoolTaskRunner

    @task
    def work(i: int) -> str:
        return "x" * 2500

    @flow
    def sub(lo: int, hi: int) -> list[str]:
        return [f.result() for f in [work.submit(i) for i in range(lo, hi)]]

    @flow
    def main_flow() -> tuple[list[float], list[float]]:
        marks, server = [], []
        for lo in range(0, n, wave):
            hi = min(n, lo + wave)
            if mode == "one":
                [f.result() for f in [work.submit(i) for i in range(lo, hi)]]
            else:
                sub.with_options(task_runner=ThreadPoolTaskRunner(max_workers=2))(lo, hi)
            gc.collect()
            time.sleep(1.0)  # let the server take in the wave's events
            marks.append(_rss_mb())
            server.append(_server_rss_mb())
        return marks, server

    marks, server = main_flow.with_options(task_runner=ThreadPoolTaskRunner(max_workers=2))()
    per_k = (marks[-1] - marks[0]) / (n - wave) * 1000
    server_k = (server[-1] - server[0]) / (n - wave) * 1000
    print(json.dumps({"mode": mode, "per_1000_tasks_mb": per_k, "server_per_1000_tasks_mb":
                      server_k, "marks": marks, "server": server}))  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--tasks", type=int, default=2500)
    ap.add_argument("--wave", type=int, default=500)
    ap.add_argument("--child", choices=("one", "waves", "recorded"))
    a = ap.parse_args(argv)
    if a.tasks < 2 * a.wave:
        ap.error("--tasks must be at least two waves (growth is measured after the first)")
    if a.child:
        child(a.child, a.tasks, a.wave)
        return 0
    got = {}
    print("RSS growth per 1,000 tasks after the first wave (MB):")
    print(f"{'':>8s} {'process':>8s} {'server':>8s}")
    for mode in ("one", "waves", "recorded"):
        cmd = [sys.executable, __file__, "--child", mode, "--tasks", str(a.tasks),
               "--wave", str(a.wave)]  # fmt: skip
        out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
        got[mode] = row = json.loads(out.strip().splitlines()[-1])
        print(f"{mode:>8s} {row['per_1000_tasks_mb']:8.1f} {row['server_per_1000_tasks_mb']:8.1f}")
    one, waves = (got[m]["per_1000_tasks_mb"] for m in ("one", "waves"))
    print(f"process, one flow / waves: {one / max(waves, 0.1):.1f}×")
    rec, off = (got[m]["server_per_1000_tasks_mb"] for m in ("recorded", "waves"))
    print(f"server, recording / not: {rec / max(off, 0.1):.1f}×")
    return 0


if __name__ == "__main__":
    sys.exit(main())
