"""How soon the bounds act: cuts, refusals and timeouts, timed (medians).

    python bench/bounds.py [--repeat 5] [--hostile]

The tests check what each bound does (pages parsed, pixels decoded, processes left, which
timer fired, files written); how long it takes is measured here. Printed, as medians of
--repeat runs on a shared machine (read the medians, not single runs):
- a 2,000-page text PDF read (50 pages kept) beside a 50-page one: a ratio near 1 says the
  pages past the cut cost next to nothing;
- a 200-inch page and two PNG bombs, refused from their size;
- the sandbox's and the OCR worker's 1 s timeouts: how long the caller waits for its error
  (the worker's includes starting its process, timed alone beside it);
- `credcheck verify` on a locked OUT_DIR: how soon it refuses;
- with --hostile, one `credcheck verify` of the hostile batch (tests/hostile_batch.py) and the
  pages it read.
A re-run of an unchanged batch against the first run is timed by bench/verify.py.
"""

from __future__ import annotations

import argparse
import fcntl
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from extractors.loaders import load_file  # noqa: E402
from extractors.ocr.worker import EngineWorker  # noqa: E402
from extractors.sandbox import run_sandboxed  # noqa: E402
from models.exceptions import CredcheckError  # noqa: E402
from tests import hostile  # noqa: E402
from tests.hostile_batch import AS_OF, cli_env, credcheck_cmd  # noqa: E402

PAGE = np.full((40, 60, 3), 255, np.uint8)


def median_s(fn: Callable[[], object], repeat: int) -> float:
    """Median wall time of fn(); an expected CredcheckError counts as done."""
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        try:
            fn()
        except CredcheckError:
            pass
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def _sleep() -> None:
    time.sleep(60)


def _verify_cmd(batch: Path, out: Path) -> list[str]:
    return [*credcheck_cmd(), "verify", str(batch), "--out", str(out), "--workers", "2",
            "--as-of", AS_OF, "--quiet"]  # fmt: skip


def loader_rows(work: Path, repeat: int) -> None:
    files = {
        "many.pdf": hostile.many_pages_pdf(2000),
        "fifty.pdf": hostile.many_pages_pdf(50),
        "huge.pdf": hostile.make_pdf([hostile.PdfPage(14400, 14400)]),
        "bomb.png": hostile.bomb_png(100_000, 100_000),
        "b2.png": hostile.bomb_png(10_000, 10_000),
    }
    for name, data in files.items():
        (work / name).write_bytes(data)
    t = {name: median_s(lambda n=name: load_file(work / n), repeat) for name in files}
    many, fifty = t["many.pdf"], t["fifty.pdf"]
    print(f"2,000-page PDF read (50 kept) {many * 1000:8.0f} ms; 50-page PDF "
          f"{fifty * 1000:.0f} ms; ratio {many / fifty:.2f}")  # fmt: skip
    print(f"200-inch page refused          {t['huge.pdf'] * 1000:8.0f} ms")
    print(f"PNG bomb 100,000² px refused   {t['bomb.png'] * 1000:8.0f} ms")
    print(f"PNG bomb 10,000² px refused    {t['b2.png'] * 1000:8.0f} ms")


def timeout_rows(repeat: int) -> None:
    s = median_s(lambda: run_sandboxed(_sleep, timeout_s=1.0), repeat)
    print(f"sandbox, 1 s timeout: error after {s:.2f} s (past the bound {s - 1:.2f} s)")
    with tempfile.TemporaryDirectory() as tmp:
        replay = Path(tmp) / "lines.json"
        replay.write_text("[]", "utf-8")
        os.environ["CC_REPLAY"] = str(replay)
        up, hung = [], []
        for _ in range(repeat):  # interleaved: load drift hits both
            for engine, times in (("ReplayEngine", up), ("HangingEngine", hung)):
                w = EngineWorker(f"tests.fakes:{engine}", timeout_s=1.0)
                t = time.perf_counter()
                try:
                    w.call("read_page", PAGE)  # the first call starts the process
                except CredcheckError:
                    pass
                times.append(time.perf_counter() - t)
                w.close()
    u, h = statistics.median(up), statistics.median(hung)
    print(f"OCR worker, 1 s call timeout: error after {h:.2f} s; a first call that answers "
          f"(starting the process) {u:.2f} s; past the bound {h - u - 1:.2f} s")  # fmt: skip


def lock_row(work: Path, repeat: int) -> None:
    batch, out = work / "locked" / "batch", work / "locked" / "out"
    (batch / "packets" / "A1").mkdir(parents=True)
    (batch / "declared.csv").write_text("申报编号,姓名\nA1,张三\n", encoding="utf-8")
    png = hostile.image_bytes(hostile.marker_image(64, 64), "PNG")
    (batch / "packets" / "A1" / "a.png").write_bytes(png)
    (out / ".credcheck").mkdir(parents=True)
    with open(out / ".credcheck" / "lock", "a+") as held:
        fcntl.flock(held, fcntl.LOCK_EX | fcntl.LOCK_NB)
        cmd = _verify_cmd(batch, out)
        s = median_s(lambda: subprocess.run(cmd, capture_output=True, env=cli_env()), repeat)
    print(f"verify on a locked OUT_DIR refused after {s:.1f} s (interpreter and imports)")


def hostile_row(work: Path) -> None:
    from tests.hostile_batch import build_hostile_batch

    hb = build_hostile_batch(work / "hostile")
    out = work / "hostile" / "out"
    t = time.perf_counter()
    proc = subprocess.run(_verify_cmd(hb.batch, out), capture_output=True, env=cli_env())
    s = time.perf_counter() - t
    pages = len(list((out / ".credcheck" / "cache").glob("page-*")))
    print(f"verify of the hostile batch: {s:.0f} s, exit {proc.returncode}, "
          f"{pages} page readings cached")  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--hostile", action="store_true", help="also time a hostile-batch verify")
    a = ap.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        loader_rows(work, a.repeat)
        timeout_rows(a.repeat)
        lock_row(work, max(1, a.repeat // 2))
        if a.hostile:
            hostile_row(work)
    return 0


if __name__ == "__main__":
    sys.exit(main())
