"""Officials' view benchmark: the dashboard and the PDF of a large intake.

    python bench/officials.py [--applicants 2000] [--requests 20] [--work DIR]

Loads a generated intake (tests/officials_data.py: declared rows with prefectures and ID
regions, a packet file each, a completed run with documents, flags and 多头申报, reviewers'
conclusions, and last year's round of the same program) into a fresh SQLite store (or
DATABASE_URL's database), then, as a signed-in official, requests the dashboard through
Django's test client (middleware and templates included) and prints its server time (median,
p95) and query count at a tenth of the size and at full size, and the time to make the PDF
(a Chromium start included). Targets: dashboard p95 ≤ 500 ms, PDF ≤ 30 s at 2,000.
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


def _measure(client, url: str, k: int) -> tuple[float, float, int]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.get(url)  # warm: templates compiled
    times = []
    for _ in range(k):
        t = time.perf_counter()
        r = client.get(url)
        times.append((time.perf_counter() - t) * 1000)
        assert r.status_code == 200, (url, r.status_code)
    with CaptureQueriesContext(connection) as q:
        client.get(url)
    times.sort()
    p95 = times[min(len(times) - 1, int(round(0.95 * (len(times) - 1))))]
    return statistics.median(times), p95, len(q.captured_queries)


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
    print(f"{'applicants':>10} {'page':<10} {'median ms':>10} {'p95 ms':>8} {'queries':>8}")
    for i, n in enumerate(sorted({max(1, args.applicants // 10), args.applicants})):
        t = time.perf_counter()
        it = generate(work, n, seed=args.seed, year=2025 + 2 * i, program="新疆工匠")
        load_s = time.perf_counter() - t
        c = Client()
        c.force_login(official)
        med, p95, q = _measure(c, f"/intakes/{it.key}/dashboard/", args.requests)
        print(f"{n:>10} {'dashboard':<10} {med:>10.1f} {p95:>8.1f} {q:>8}"
              f"   (loaded in {load_s:.1f} s)")  # fmt: skip
        t = time.perf_counter()
        r = c.get(f"/intakes/{it.key}/download/report.pdf")
        pdf_s = time.perf_counter() - t
        assert r.status_code == 200 and r.content.startswith(b"%PDF-"), r.status_code
        print(f"{n:>10} {'report.pdf':<10} {pdf_s * 1000:>10.0f} {'':>8} {'':>8}"
              f"   ({len(r.content) // 1024} KiB)")  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
