"""Prefect's memory per task: one flow holding every task vs. waves of subflows.

    python bench/prefect_waves.py [--tasks 2500] [--wave 500]

Prefect keeps each task's state and result until its flow ends (PrefectHQ/prefect#12668);
pipelines/flows.py therefore runs verify's tasks in waves, each a subflow. This bench runs
no-op tasks returning 2.5 KB under the same settings as verify (temporary server on an
in-memory SQLite) both ways, in one process each, and prints the growth of the process's
RSS per 1,000 tasks after the first wave, and the ratio one-flow / waves.
"""

from __future__ import annotations

import argparse
import gc
import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _rss_mb() -> float:
    return int(Path("/proc/self/statm").read_text().split()[1]) * 4096 / 2**20


def child(mode: str, n: int, wave: int) -> None:
    sys.path.insert(0, str(ROOT))
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
    def main_flow() -> list[float]:
        marks = []
        for lo in range(0, n, wave):
            hi = min(n, lo + wave)
            if mode == "waves":
                sub.with_options(task_runner=ThreadPoolTaskRunner(max_workers=2))(lo, hi)
            else:
                [f.result() for f in [work.submit(i) for i in range(lo, hi)]]
            gc.collect()
            marks.append(_rss_mb())
        return marks

    marks = main_flow.with_options(task_runner=ThreadPoolTaskRunner(max_workers=2))()
    per_k = (marks[-1] - marks[0]) / (n - wave) * 1000
    print(json.dumps({"mode": mode, "per_1000_tasks_mb": per_k, "marks": marks}))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--tasks", type=int, default=2500)
    ap.add_argument("--wave", type=int, default=500)
    ap.add_argument("--child", choices=("one", "waves"))
    a = ap.parse_args(argv)
    if a.child:
        child(a.child, a.tasks, a.wave)
        return 0
    got = {}
    for mode in ("one", "waves"):
        cmd = [sys.executable, __file__, "--child", mode, "--tasks", str(a.tasks),
               "--wave", str(a.wave)]  # fmt: skip
        out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
        got[mode] = json.loads(out.strip().splitlines()[-1])["per_1000_tasks_mb"]
        print(f"{mode:>5s}: RSS growth {got[mode]:6.1f} MB per 1,000 tasks")
    print(f"one flow / waves: {got['one'] / max(got['waves'], 0.1):.1f}×")
    return 0


if __name__ == "__main__":
    sys.exit(main())
