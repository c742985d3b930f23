"""Intakes in the store and runs that outlive a terminal.

Unit tests of the folder import, the intake's state digest and its materialised batch run on
SQLite and again on PostgreSQL (the `store` marker). The slow end-to-end test starts a real
`credcheck serve` (Prefect server, process worker) on a free port and a temporary data root,
submits a generated batch and compares the stored results with `credcheck verify`'s."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from store.dataroot import DataRoot

AS_OF = "2025-09-30"


def _batch(folder: Path, *, name_2: str = "李四", scan: bytes = b"skill scan") -> Path:
    """A small batch folder: declared.csv + awards.csv, two packets, a link leaving the
    folder. The files are not read here, only stored."""
    (folder / "packets" / "XJ-1" / "sub").mkdir(parents=True, exist_ok=True)
    (folder / "packets" / "XJ-2").mkdir(parents=True, exist_ok=True)
    (folder / "declared.csv").write_text(
        f"申报编号,申报项目,姓名\nXJ-1,新疆工匠,张三\nXJ-2,新疆工匠,{name_2}\n", encoding="utf-8"
    )
    (folder / "awards.csv").write_text(
        "申报编号,奖励名称,等级\nXJ-1,自治区技术能手,省级\n", encoding="utf-8"
    )
    (folder / "packets" / "XJ-1" / "skill.jpg").write_bytes(scan)
    (folder / "packets" / "XJ-1" / "sub" / "diploma.pdf").write_bytes(b"%PDF diploma")
    (folder / "packets" / "XJ-2" / "id.png").write_bytes(b"id card")
    link = folder / "packets" / "XJ-2" / "elsewhere.jpg"
    if not link.is_symlink():
        link.symlink_to("/etc/hostname")
    return folder


def _files(folder: Path) -> dict[str, bytes]:
    return {
        p.relative_to(folder).as_posix(): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file() and not p.is_symlink()
    }


@pytest.mark.store
@pytest.mark.django_db
def test_a_folder_is_stored_and_materialised_as_the_same_batch(tmp_path: Path) -> None:
    from pipelines.intake import import_batch
    from pipelines.stages import plan_batch
    from store import records

    root = DataRoot(tmp_path / "data")
    src = _batch(tmp_path / "in")
    got = import_batch(src, year=2025, root=root)
    assert got.intake.key == "新疆工匠-2025" and got.intake.program == "新疆工匠"
    assert got.declared.created == ["XJ-1", "XJ-2"]
    assert sorted(got.table.added) == ["awards.csv", "declared.csv"]
    assert sorted(got.packets.added) == [
        "packets/XJ-1/skill.jpg", "packets/XJ-1/sub/diploma.pdf", "packets/XJ-2/id.png",
    ]  # fmt: skip
    # the link leaving the folder is not followed into the store
    assert [rel for rel, _ in got.skipped] == ["packets/XJ-2/elsewhere.jpg"]

    state = records.intake_state(got.intake)
    assert state.digest == got.digest
    batch = records.materialise(root, state, tmp_path / "out" / "b")
    assert _files(batch) == _files(src)  # the same bytes under the same names
    for rel, sha in state.files:
        made, stored = (batch / rel).stat(), root.file_path(sha).stat()
        assert not (batch / rel).is_symlink() and made.st_ino == stored.st_ino  # hard links
    plan = plan_batch(batch)  # the verifier reads it as any batch: nothing refused
    assert sorted(f.rel for f in plan.files) == [r for r, _ in state.files if r[:8] == "packets/"]
    assert all(f.problem is None for f in plan.files)
    assert not list((tmp_path / "out").glob(".building-*"))


@pytest.mark.store
@pytest.mark.django_db
def test_the_digest_follows_the_state_not_its_history(tmp_path: Path) -> None:
    from pipelines.intake import import_batch

    root = DataRoot(tmp_path / "data")
    src = _batch(tmp_path / "in")
    first = import_batch(src, year=2025, root=root).digest
    again = import_batch(src, year=2025, root=root)
    assert again.digest == first and not again.packets.added and not again.packets.replaced
    assert again.declared.unchanged == ["XJ-1", "XJ-2"]

    rescanned = import_batch(_batch(src, scan=b"skill rescanned"), year=2025, root=root)
    assert rescanned.packets.replaced == ["packets/XJ-1/skill.jpg"]
    assert rescanned.digest != first
    renamed = import_batch(_batch(src, scan=b"skill rescanned", name_2="李思"), year=2025, root=root)
    assert renamed.declared.changed == ["XJ-2"] and renamed.digest != rescanned.digest
    # back to the first content: the first state, whatever was uploaded in between
    back = import_batch(_batch(src), year=2025, root=root)
    assert back.digest == first


@pytest.mark.store
@pytest.mark.django_db
def test_a_new_table_replaces_the_whole_old_one(tmp_path: Path) -> None:
    from store import records

    root = DataRoot(tmp_path / "data")
    intake = records.get_intake("新疆工匠", 2025)
    csv, awards, xlsx = tmp_path / "declared.csv", tmp_path / "awards.csv", tmp_path / "d.xlsx"
    csv.write_bytes(b"csv"), awards.write_bytes(b"awards"), xlsx.write_bytes(b"xlsx")
    records.set_intake_files(root, intake, [("declared.csv", csv), ("awards.csv", awards)])
    up = records.set_intake_files(root, intake, [("declared.xlsx", xlsx)])
    assert up.added == ["declared.xlsx"] and sorted(up.retired) == ["awards.csv", "declared.csv"]
    assert [rel for rel, _ in records.intake_state(intake).files] == ["declared.xlsx"]
    assert intake.files.count() == 3  # the CSVs stay for the runs that read them


@pytest.mark.store
@pytest.mark.django_db
def test_materialise_refuses_names_leaving_the_folder_and_reuses_a_state(tmp_path: Path) -> None:
    from store import records

    root = DataRoot(tmp_path / "data")
    f = tmp_path / "f"
    f.write_bytes(b"x")
    sha, _ = root.put_file(f)
    for i, bad in enumerate(("../escape.jpg", "packets/A/../../x", "/etc/x", "packets//x")):
        with pytest.raises(ValueError):
            records.materialise(root, records.IntakeState(((bad, sha),), ()), tmp_path / f"{i}")
        assert not (tmp_path / f"{i}").exists()
    state = records.IntakeState((("declared.xlsx", sha),), ())
    dest = records.materialise(root, state, tmp_path / "s" / "b")
    (dest / "marker").write_text("built before")
    assert records.materialise(root, state, dest) == dest and (dest / "marker").exists()
    assert not (tmp_path / "escape.jpg").exists()


@pytest.mark.store
@pytest.mark.django_db
def test_a_run_is_begun_finished_or_failed_and_changes_are_seen(tmp_path: Path) -> None:
    from pipelines import intake as intakes
    from store import models as m
    from tests.test_reports import _results

    root = DataRoot(tmp_path / "data")
    src = _batch(tmp_path / "in")
    key = intakes.import_batch(src, year=2025, root=root).intake.key
    assert intakes.changed_intakes() == [key]  # never verified

    p = intakes.prepare(key, as_of=AS_OF, root=root)
    assert p.run.state == m.VerificationRun.State.RUNNING and p.as_of == dt.date(2025, 9, 30)
    assert p.batch.name == key and _files(p.batch) == _files(src)
    assert p.out == root.intake_dir(key) / "report" and p.cache == root.cache
    intakes.failed(p, RuntimeError("disk full"))
    p.run.refresh_from_db()
    assert p.run.state == m.VerificationRun.State.FAILED and "disk full" in p.run.reason
    assert intakes.changed_intakes() == [key]  # a failed run verified nothing

    p = intakes.prepare(key, as_of=AS_OF, root=root)
    run_id = intakes.finish(p, _results())
    run = m.VerificationRun.objects.get(pk=run_id)
    assert run.state == m.VerificationRun.State.COMPLETED and run.results.exists()
    assert intakes.changed_intakes() == []
    intakes.import_batch(_batch(src, scan=b"rescanned"), year=2025, root=root)
    assert intakes.changed_intakes() == [key]
    m.VerificationRun.objects.filter(pk=run_id).update(state_digest=p.run.state_digest,
                                                       reader="an older reader")  # fmt: skip
    assert intakes.changed_intakes() == [key]


@pytest.mark.store
@pytest.mark.django_db
def test_an_unknown_or_empty_intake_is_a_usage_error(tmp_path: Path) -> None:
    from models.exceptions import UsageError
    from pipelines import intake as intakes
    from store import records

    with pytest.raises(UsageError):
        intakes.prepare("no-such-intake", root=DataRoot(tmp_path))
    records.get_intake("新疆工匠", 2030)
    with pytest.raises(UsageError):
        intakes.prepare("新疆工匠-2030", root=DataRoot(tmp_path))
