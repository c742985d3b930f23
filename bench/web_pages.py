"""Web app benchmark: the queue page and the applicant page over a large intake.

    python bench/web_pages.py [--applicants 2000] [--requests 30] [--work DIR]

Loads an intake into a fresh SQLite store (or DATABASE_URL's database when set): declared
rows, one packet file each, a completed run with results and flags (about half the
applicants flagged), decisions on some flags — no OCR. Then, as a signed-in lead, requests
the queue's first page and applicant pages through Django's test client (the whole
middleware stack, templates included) and prints each page's server time (median, p95) and
its query count at a tenth of the size and at full size: the count must not grow with the
intake. Target: p95 ≤ 300 ms on SQLite.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def _load(n: int, seed: int):
    from django.contrib.auth.models import Group, User

    from models.results import ApplicantResult, EvidenceRef, Flag, Results
    from store import models as sm
    from store import records
    from webapp.models import FlagDecision

    rng = random.Random(seed)
    intake = records.get_intake("新疆工匠", 2025, key=f"bench-{n}")
    content, _ = sm.StoredFile.objects.get_or_create(sha256="0" * 64, defaults={"size": 1})
    apps = [sm.Applicant(intake=intake, applicant_id=f"XJ2025-{i:05d}") for i in range(n)]
    sm.Applicant.objects.bulk_create(apps)
    apps = list(intake.applicants.order_by("applicant_id"))
    sm.DeclaredRow.objects.bulk_create(
        sm.DeclaredRow(applicant=a, version=1, sha256=f"{i:064d}", source="bench", data={
            "applicant_id": a.applicant_id, "program": "新疆工匠", "name": f"申报人{i}",
            "id_number": "650102198503121234", "skill_level": "高级技师", "awards": []})
        for i, a in enumerate(apps)
    )  # fmt: skip
    sm.PacketFile.objects.bulk_create(
        sm.PacketFile(applicant=a, name="skill.jpg", content=content) for a in apps
    )
    results = []
    for a in apps:
        flags = []
        if rng.random() < 0.5:
            for _ in range(rng.randint(1, 4)):
                flags.append(Flag(
                    code=rng.choice(["LEVEL_OVERCLAIM", "ID_MISMATCH", "MISSING_EVIDENCE"]),
                    severity=rng.choice(["high", "medium", "low"]), field="skill_level",
                    declared="高级技师", found="技师", message="申报高级技师，证书显示技师",
                    evidence=[EvidenceRef(file=f"packets/{a.applicant_id}/skill.jpg", page=1,
                                          bbox=(1, 2, 3, 4))],
                ))  # fmt: skip
        results.append(ApplicantResult(applicant_id=a.applicant_id, program="新疆工匠",
                                       status="flagged" if flags else "clear", flags=flags))
    import datetime as dt

    records.record_run(intake, Results(applicants=results), as_of=dt.date(2025, 9, 30))
    lead = User.objects.create_user(f"lead-{n}", password="bench-password-1")
    lead.groups.add(Group.objects.get(name="组长"))
    flags = list(sm.Flag.objects.filter(result__run__intake=intake)[: n // 4])
    FlagDecision.objects.bulk_create(
        FlagDecision(flag=f, applicant_id=f.result.applicant_id, signature="s",
                     verdict="confirmed", reason="bench", user=lead)
        for f in sm.Flag.objects.filter(pk__in=[f.pk for f in flags]).select_related("result")
    )  # fmt: skip
    return intake, lead, apps


def _measure(client, url: str, k: int) -> tuple[float, float, int]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.get(url)  # warm: templates compiled, caches filled
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
    ap.add_argument("--requests", type=int, default=30)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--work", type=Path, default=None)
    args = ap.parse_args()
    work = args.work or Path(tempfile.mkdtemp(prefix="bench-web-"))
    os.environ["CREDCHECK_DATA"] = str(work)
    os.environ["DJANGO_SETTINGS_MODULE"] = "webapp.settings"
    from webapp.server import setup

    setup(migrate=True)
    from django.conf import settings
    from django.test import Client

    settings.ALLOWED_HOSTS = ["*"]
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    from django.db import connection

    print(f"database: {connection.vendor} ({work})")
    print(f"{'applicants':>10} {'page':<10} {'median ms':>10} {'p95 ms':>8} {'queries':>8}")
    for n in sorted({max(1, args.applicants // 10), args.applicants}):
        t = time.perf_counter()
        intake, lead, apps = _load(n, args.seed)
        load_s = time.perf_counter() - t
        c = Client()
        c.force_login(lead)
        q = _measure(c, f"/?intake={intake.key}", args.requests)
        flagged = next(a for a in apps if a.results.filter(flags__isnull=False).exists())
        a = _measure(c, f"/a/{flagged.pk}/", args.requests)
        print(f"{n:>10} {'queue':<10} {q[0]:>10.1f} {q[1]:>8.1f} {q[2]:>8}")
        print(f"{n:>10} {'applicant':<10} {a[0]:>10.1f} {a[1]:>8.1f} {a[2]:>8}"
              f"   (loaded in {load_s:.1f} s)")  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
