"""Officials' view benchmark: the dashboard and the PDF of a large intake.

    python bench/officials.py [--applicants 2000] [--requests 20] [--work DIR]

Loads a generated intake (tests/officials_data.py: declared rows with prefectures and ID
regions, a packet file each, a completed run with documents, flags and 多头申报, reviewers'
conclusions, and last year's round of the same program) into a fresh SQLite store (or
DATABASE_URL's database), then, as a signed-in official, requests the dashboard through
Django's test client (middleware and templates included) and prints its server time (median,
p95) and query count at a tenth of the size and at full size, and the time to make the PDF
(a Chromium start included). "cold" is the first request after the intake changed (a run,
an upload, a conclusion: everything read from the store), "warm" one that finds the intake
unchanged (webapp/dashboard.py keeps what it read per process). Targets: dashboard p95
≤ 500 ms, PDF ≤ 30 s at 2,000.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def _measure(client, url: str, k: int, *, cold: bool) -> tuple[float, float, float, float, int]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from webapp import dashboard

    client.get(url)  # warm: templates compiled
    times, cpu = [], []
    for _ in range(k):
        if cold:  # as after any change of the intake: everything read again
            dashboard._CACHE.clear()
        t, c = time.perf_counter(), time.process_time()
        r = client.get(url)
        times.append((time.perf_counter() - t) * 1000)
        cpu.append((time.process_time() - c) * 1000)
        assert r.status_code == 200, (url, r.status_code)
    if cold:
        dashboard._CACHE.clear()
    with CaptureQueriesContext(connection) as q:
        client.get(url)
    return (*_stats(times), *_stats(cpu), len(q.captured_queries))


def _stats(xs: list[float]) -> tuple[float, float]:
    xs = sorted(xs)
    return statistics.median(xs), xs[min(len(xs) - 1, int(round(0.95 * (len(xs) - 1))))]


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--applicants", type=int, default=2000)
    ap.add_argument("--requests", type=int, default=20)
    ap.add_argument("--seed", type=int, default=16)
    ap.add_argument("--work", type=Path, default=None)
    args = ap.parse_args()
    work = args.work or Path(tempfile.mkdtemp(prefix="bench-officials-"))
    os.environ["CREDCHECK_DATA"] = str(work)
    os.environ["DJANGO_SETTINGS_MODULE"] = "webapp.settings"
    from webapp.server import setup

    setup(migrate=True)
    from django.conf import settings
    from django.contrib.auth.models import Group, User
    from django.db import connection
    from django.test import Client

    from tests.officials_data import generate

    settings.ALLOWED_HOSTS = ["*"]
    official = User.objects.create_user("official", password="bench-password-1")
    official.groups.add(Group.objects.get(name="领导"))
    print(f"database: {connection.vendor} ({work})")
    print(f"load average before: {os.getloadavg()[0]:.1f} (2 shared cores: wall time waits for"
          " them; CPU time is this process's own)")
    print(f"{'applicants':>10} {'page':<10} {'median ms':>10} {'p95 ms':>8} {'cpu med':>8} "
          f"{'cpu p95':>8} {'queries':>8}")  # fmt: skip
    for i, n in enumerate(sorted({max(1, args.applicants // 10), args.applicants})):
        t = time.perf_counter()
        it = generate(work, n, seed=args.seed, year=2025 + 2 * i, program="新疆工匠")
        load_s = time.perf_counter() - t
        c = Client()
        c.force_login(official)
        for cold in (True, False):
            med, p95, cmed, cp95, q = _measure(c, f"/intakes/{it.key}/dashboard/",
                                               args.requests, cold=cold)  # fmt: skip
            label = "dash cold" if cold else "dash warm"
            print(f"{n:>10} {label:<10} {med:>10.1f} {p95:>8.1f} {cmed:>8.1f} {cp95:>8.1f} {q:>8}"
                  + (f"   (loaded in {load_s:.1f} s)" if cold else ""))  # fmt: skip
        t = time.perf_counter()
        r = c.get(f"/intakes/{it.key}/download/report.pdf")
        pdf_s = time.perf_counter() - t
        assert r.status_code == 200 and r.content.startswith(b"%PDF-"), r.status_code
        print(f"{n:>10} {'report.pdf':<10} {pdf_s * 1000:>10.0f} {'':>8} {'':>8}"
              f"   ({len(r.content) // 1024} KiB)")  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
