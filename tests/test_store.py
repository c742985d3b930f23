"""The intake store: content-addressed files, versioned declared rows, runs kept whole.

Run on SQLite by `make test`, and again on PostgreSQL when CREDCHECK_TEST_PG is set."""

from __future__ import annotations

import datetime as dt
import os
import stat
import threading
from pathlib import Path

import pytest

from models.declared import Applicant as Declared
from models.declared import DeclaredAward
from pipelines.stages import results_json
from store.dataroot import DataRoot
from tests.test_reports import _results

pytestmark = [pytest.mark.store, pytest.mark.django_db]
AS_OF = dt.date(2025, 9, 30)


def test_the_database_is_the_one_asked_for() -> None:
    from django.db import connection

    url = os.environ.get("DATABASE_URL", "")
    assert connection.vendor == ("postgresql" if url.startswith("postgres") else "sqlite")


# ---------------------------------------------------------------- data root


def test_a_file_is_stored_once_by_content_and_never_rewritten(tmp_path: Path) -> None:
    root = DataRoot(tmp_path / "data")
    a, b, c = tmp_path / "a.jpg", tmp_path / "b.jpg", tmp_path / "c.jpg"
    a.write_bytes(b"scan one"), b.write_bytes(b"scan one"), c.write_bytes(b"scan two")
    sha_a, size = root.put_file(a)
    assert size == 8 and root.file_path(sha_a).read_bytes() == b"scan one"
    assert root.put_file(b) == (sha_a, 8)  # the same content under another name
    sha_c, _ = root.put_file(c)
    assert sha_c != sha_a
    stored = sorted(p for p in root.files.rglob("*") if p.is_file())
    assert stored == sorted([root.file_path(sha_a), root.file_path(sha_c)])  # no temp left
    assert not stat.S_IMODE(root.file_path(sha_a).stat().st_mode) & 0o222  # read-only


def test_two_writers_of_one_content_both_succeed(tmp_path: Path) -> None:
    root = DataRoot(tmp_path / "data")
    src = tmp_path / "big.pdf"
    src.write_bytes(os.urandom(3 << 20))
    got: list[tuple[str, int]] = []
    threads = [threading.Thread(target=lambda: got.append(root.put_file(src))) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(set(got)) == 1 and root.file_path(got[0][0]).read_bytes() == src.read_bytes()


def test_a_path_that_is_no_hash_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError):
        DataRoot(tmp_path).file_path("../../etc/passwd")


# ---------------------------------------------------------------- declared rows


def _row(aid: str, name: str, row: int = 2, **kw) -> Declared:
    return Declared(applicant_id=aid, program="新疆工匠", name=name, row=row, **kw)


def test_declared_rows_are_versioned_never_overwritten() -> None:
    from store import models as m
    from store.records import get_intake, import_declared

    intake = get_intake("新疆工匠", 2025)
    first = import_declared(intake, [_row("XJ-1", "张三"), _row("XJ-2", "李四")], source="a.xlsx")
    assert first.created == ["XJ-1", "XJ-2"] and not first.changed
    # the same rows again, one moved to another line of the table: nothing new
    again = import_declared(intake, [_row("XJ-1", "张三", row=9), _row("XJ-2", "李四")])
    assert again.unchanged == ["XJ-1", "XJ-2"] and not again.created and not again.changed
    award = DeclaredAward(applicant_id="XJ-1", award_name="自治区技术能手", award_level="省级")
    fixed = import_declared(intake, [_row("XJ-1", "张三", awards=[award])], source="b.xlsx")
    assert fixed.changed == ["XJ-1"]
    xj1 = m.Applicant.objects.get(intake=intake, applicant_id="XJ-1")
    versions = list(xj1.versions.values_list("version", "source"))
    assert versions == [(1, "a.xlsx"), (2, "b.xlsx")]
    assert xj1.declared.data["awards"][0]["award_name"] == "自治区技术能手"
    assert xj1.versions.get(version=1).data["awards"] == []  # the first row as it was


def test_intakes_keep_their_applicants_apart() -> None:
    from store.records import get_intake, import_declared

    a, b = get_intake("新疆工匠", 2025), get_intake("新疆工匠", 2026)
    assert a.pk != b.pk and get_intake("新疆工匠", 2025).pk == a.pk
    import_declared(a, [_row("XJ-1", "张三")])
    assert import_declared(b, [_row("XJ-1", "张三")]).created == ["XJ-1"]


# ---------------------------------------------------------------- packet files


def test_a_re_upload_is_recognised_and_a_changed_file_replaces_the_old(tmp_path: Path) -> None:
    from store import models as m
    from store.records import add_packet_files, get_intake, import_declared

    root = DataRoot(tmp_path / "data")
    intake = get_intake("新疆工匠", 2025)
    import_declared(intake, [_row("XJ-1", "张三")])
    applicant = m.Applicant.objects.get(applicant_id="XJ-1")
    skill, idc = tmp_path / "skill.jpg", tmp_path / "id.png"
    skill.write_bytes(b"skill v1"), idc.write_bytes(b"id card")
    up = add_packet_files(root, applicant, [("skill.jpg", skill), ("id.png", idc)])
    assert up.added == ["skill.jpg", "id.png"]
    assert add_packet_files(root, applicant, [("skill.jpg", skill)]).unchanged == ["skill.jpg"]
    skill.write_bytes(b"skill v2, rescanned")
    assert add_packet_files(root, applicant, [("skill.jpg", skill)]).replaced == ["skill.jpg"]
    rows = list(applicant.files.filter(name="skill.jpg").order_by("uploaded", "pk"))
    assert len(rows) == 2 and rows[0].replaced is not None and rows[1].replaced is None
    # the old content is still there for the runs that read it
    assert root.file_path(rows[0].content_id).read_bytes() == b"skill v1"
    assert rows[1].rel == "packets/XJ-1/skill.jpg"


# ---------------------------------------------------------------- runs


def test_a_run_reads_back_as_the_results_json_it_wrote() -> None:
    from store import models as m
    from store.records import get_intake, import_declared, record_run, results_of

    results = _results()
    intake = get_intake("新疆工匠", 2025)
    import_declared(intake, [_row("XJ2025-0001", "张三")])
    run = record_run(intake, results, as_of=AS_OF, reader="r1")
    assert results_json(results_of(run)) == results_json(results)  # byte for byte, in order
    assert run.state == m.VerificationRun.State.COMPLETED
    # what a queue filters on is in columns
    flagged = m.ApplicantResult.objects.filter(run=run, status="flagged")
    assert [r.applicant.applicant_id for r in flagged] == [
        a.applicant_id for a in results.applicants if a.status.value == "flagged"
    ]
    assert m.Flag.objects.filter(result__run=run).count() == sum(
        len(a.flags) for a in results.applicants
    )
    # judged against the declared version that stood then; unknown applicants were added
    first = m.ApplicantResult.objects.get(run=run, applicant__applicant_id="XJ2025-0001")
    assert first.declared is not None and first.declared.version == 1
    assert m.Applicant.objects.filter(intake=intake).count() == len(results.applicants)
    group = m.DuplicateGroup.objects.get(run=run, ordinal=0)
    assert sorted(a.applicant_id for a in group.applicants.all()) == sorted(
        results.duplicates[0].applicant_ids
    )


def test_a_failed_run_stores_nothing_half(monkeypatch) -> None:
    from store import models as m
    from store import records
    from store.records import get_intake, record_run

    intake = get_intake("新疆工匠", 2025)

    def broken(*a, **kw):
        raise RuntimeError("disk full")

    monkeypatch.setattr(records.m.DuplicateGroup.objects, "create", broken)
    results = _results()
    assert results.duplicates, "the fixture needs a duplicate group to fail on"
    with pytest.raises(RuntimeError):
        record_run(intake, results, as_of=AS_OF)
    assert not m.VerificationRun.objects.exists() and not m.Flag.objects.exists()
