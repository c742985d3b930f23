"""Faults around a run: a second run on a locked OUT_DIR, kill -9 and resume, atomic writes.

The kill test runs the real CLI three times on a small generated batch (8 pages): one clean
run, one stopped after its first cached page (while it is frozen, a second run on the same
OUT_DIR must refuse: the lock), then killed with SIGKILL together with everything it started
(Prefect's temporary server, OCR workers, sandbox children), then run again. The resumed
run must re-read no cached page and give the clean run's results.json byte for byte.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import signal
import subprocess
import time
from pathlib import Path

import pytest

from pipelines import atomic
from tests.hostile_batch import AS_OF, cli_env, credcheck_cmd

LOCK_TEXT = "正被另一个核验任务使用"


def _verify_cmd(batch: Path, out: Path) -> list[str]:
    return [*credcheck_cmd(), "verify", str(batch), "--out", str(out), "--workers", "2",
            "--as-of", AS_OF, "--quiet"]  # fmt: skip


def _run(batch: Path, out: Path, timeout: float = 600) -> subprocess.CompletedProcess:
    return subprocess.run(
        _verify_cmd(batch, out), capture_output=True, text=True, timeout=timeout, env=cli_env()
    )


def _complete_pages(cache: Path) -> dict[str, int]:
    """Cached page readings that are whole records: name → mtime_ns."""
    out = {}
    for p in cache.glob("page-*"):
        try:
            record = json.loads(p.read_bytes())
        except (OSError, ValueError):
            continue  # being written (or cut by the kill): the next run must redo it
        if isinstance(record, dict) and record.get("result"):
            out[p.name] = p.stat().st_mtime_ns
    return out


def _start_until_a_page_is_cached(batch: Path, out: Path) -> tuple[subprocess.Popen, int]:
    """A verify run in its own process group, returned once its first page is cached."""
    cache = out / ".credcheck" / "cache"
    proc = subprocess.Popen(
        _verify_cmd(batch, out), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
        start_new_session=True, env=cli_env(),
    )  # fmt: skip
    pgid = os.getpgid(proc.pid)
    deadline = time.monotonic() + 300
    try:
        while not _complete_pages(cache):
            assert proc.poll() is None, proc.stderr.read() if proc.stderr else ""
            assert time.monotonic() < deadline, "no page was cached within 300 s"
            time.sleep(0.05)
    except BaseException:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(pgid, signal.SIGKILL)
        raise
    return proc, pgid


def _group_gone(pgid: int, timeout: float = 15.0) -> bool:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        try:
            os.killpg(pgid, 0)
        except ProcessLookupError:
            return True
        time.sleep(0.1)
    return False


def _diff(want: str, got: str) -> str:
    import difflib

    lines = difflib.unified_diff(want.splitlines(), got.splitlines(), "clean", "resumed", n=2)
    return "\n".join(list(lines)[:80])


# ---------------------------------------------------------------- lock


def test_second_run_on_a_locked_out_dir_refuses(tmp_path: Path) -> None:
    from tests import hostile

    batch, out = tmp_path / "batch", tmp_path / "out"
    (batch / "packets" / "A1").mkdir(parents=True)
    (batch / "declared.csv").write_text("申报编号,姓名\nA1,张三\n", encoding="utf-8")
    png = hostile.image_bytes(hostile.marker_image(64, 64), "PNG")
    (batch / "packets" / "A1" / "a.png").write_bytes(png)  # a file a late refusal would read
    (out / ".credcheck").mkdir(parents=True)
    with open(out / ".credcheck" / "lock", "a+") as held:
        fcntl.flock(held, fcntl.LOCK_EX | fcntl.LOCK_NB)  # as a running verify holds it
        proc = _run(batch, out, timeout=120)
    assert proc.returncode == 2, proc.stderr
    err = proc.stderr.replace("\n", "")
    assert LOCK_TEXT in err and "Traceback" not in err
    # Refused up front, before the batch was read: nothing inspected or cached beside the
    # lock (how soon is a benchmark figure, bench/bounds.py).
    assert [p.name for p in (out / ".credcheck").iterdir()] == ["lock"]
    assert [p.name for p in out.iterdir()] == [".credcheck"]


# ---------------------------------------------------------------- kill -9 and resume


@pytest.mark.slow
def test_kill_9_then_rerun_completes_without_rereading(tmp_path: Path) -> None:
    from synth.batch import generate_batch

    batch = tmp_path / "batch"
    generate_batch(batch, applicants=3, seed=27, faults=("name_mismatch", "unreadable"),
                   clean_share=0.34, workers=2)  # fmt: skip
    clean_out, out = tmp_path / "clean", tmp_path / "out"

    clean = _run(batch, clean_out)
    assert clean.returncode == 0, clean.stderr
    clean_pages = set(_complete_pages(clean_out / ".credcheck" / "cache"))
    assert len(clean_pages) >= 6

    cache = out / ".credcheck" / "cache"
    proc, pgid = _start_until_a_page_is_cached(batch, out)
    try:
        os.killpg(pgid, signal.SIGSTOP)  # frozen mid-batch, still holding the lock
        assert not (out / "results.json").exists()

        second = _run(batch, out, timeout=120)
        assert second.returncode == 2, second.stderr
        assert LOCK_TEXT in second.stderr.replace("\n", "")

        os.killpg(pgid, signal.SIGKILL)
        proc.wait(timeout=30)
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(pgid, signal.SIGKILL)
        if proc.stderr:
            proc.stderr.close()
    assert _group_gone(pgid), "processes of the killed run (Prefect server?) still alive"
    assert not (out / "results.json").exists()

    before = _complete_pages(cache)
    assert 0 < len(before) < len(clean_pages)
    resumed = _run(batch, out)
    assert resumed.returncode == 0, resumed.stderr
    after = _complete_pages(cache)

    # Nothing cached before the kill was read (and written) again; only the missing pages were.
    assert {k: after.get(k) for k in before} == before
    assert set(after) == clean_pages
    got, want = (out / "results.json").read_text(), (clean_out / "results.json").read_text()
    assert got == want, _diff(want, got)
    for name in ("results.json", "report.html", "report.xlsx"):
        assert (out / name).stat().st_size > 0
    assert not [p.name for p in out.iterdir() if p.name.endswith(".tmp")]


# ---------------------------------------------------------------- atomic writes


def test_atomic_write_keeps_the_old_file_when_the_rename_fails(tmp_path, monkeypatch) -> None:
    target = tmp_path / "results.json"
    atomic.write_text_atomic(target, "old\n")

    def broken_replace(src, dst):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(atomic.os, "replace", broken_replace)
    with pytest.raises(OSError, match="No space"):
        atomic.write_text_atomic(target, "new\n" * 1000)
    assert target.read_text() == "old\n"
    assert [p.name for p in tmp_path.iterdir()] == ["results.json"]


def test_atomic_write_keeps_the_old_file_when_writing_fails_midway(tmp_path, monkeypatch) -> None:
    target = tmp_path / "report.xlsx"
    atomic.write_bytes_atomic(target, b"old")

    def broken_fsync(fd):
        raise OSError(5, "Input/output error")

    monkeypatch.setattr(atomic.os, "fsync", broken_fsync)
    with pytest.raises(OSError, match="Input/output"):
        atomic.write_bytes_atomic(target, b"new" * 100_000)
    assert target.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["report.xlsx"]


def test_atomic_write_interrupted_by_keyboard_interrupt_leaves_no_temp(tmp_path, monkeypatch):
    target = tmp_path / "report.html"

    def interrupted(src, dst):
        raise KeyboardInterrupt

    monkeypatch.setattr(atomic.os, "replace", interrupted)
    with pytest.raises(KeyboardInterrupt):
        atomic.write_text_atomic(target, "<html></html>")
    assert list(tmp_path.iterdir()) == []


def test_atomic_write_replaces_and_is_readable_by_others(tmp_path: Path) -> None:
    target = tmp_path / "sub" / "results.json"
    atomic.write_text_atomic(target, "一\n")
    atomic.write_text_atomic(target, "二\n")
    assert target.read_text(encoding="utf-8") == "二\n"
    umask = os.umask(0)
    os.umask(umask)
    # Not mkstemp's 0600: officials open these files.
    assert target.stat().st_mode & 0o777 == 0o666 & ~umask
    assert [p.name for p in target.parent.iterdir()] == ["results.json"]


# ---------------------------------------------------------------- SIGTERM


def test_sigterm_stops_the_run_and_everything_it_started(tmp_path: Path) -> None:
    """A scheduler stopping a run with SIGTERM (to the verify process only) must not leave
    Prefect's temporary server or OCR workers running as orphans."""
    from synth.batch import generate_batch

    batch = tmp_path / "batch"
    generate_batch(batch, applicants=2, seed=28, clean_share=1.0, workers=2)
    proc, pgid = _start_until_a_page_is_cached(batch, tmp_path / "out")
    try:
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=90) == 128 + signal.SIGTERM
        assert _group_gone(pgid, timeout=30), "processes of the stopped run still alive"
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(pgid, signal.SIGKILL)
        if proc.stderr:
            proc.stderr.close()
