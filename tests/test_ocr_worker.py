"""The engine worker turns hangs and crashes into typed errors and keeps serving."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from extractors.ocr.registry import get_engine, register_engine
from extractors.ocr.worker import EngineWorker
from models.exceptions import OcrEngineError, OcrTimeout, UnknownEngine

PAGE = np.full((40, 60, 3), 255, np.uint8)


def _alive(pid: int) -> bool:
    return Path(f"/proc/{pid}").exists()  # a zombie too: killed but not reaped is not gone


def test_hanging_engine_times_out_and_worker_recovers(tmp_path, monkeypatch):
    # Which timer fired and what became of the process, not how long it took: that includes
    # starting an interpreter, and is a benchmark figure (bench/bounds.py).
    pids = tmp_path / "pids"
    monkeypatch.setenv("CC_HANG_PIDS", str(pids))
    with EngineWorker("tests.fakes:HangingEngine", timeout_s=1.0) as w:
        with pytest.raises(OcrTimeout) as info:
            w.call("read_page", PAGE)
        assert info.value.code == "CC201" and "超时" in info.value.reason_zh
        assert "no answer to call within 1 s" in info.value.detail  # the call's bound
        (first,) = map(int, pids.read_text().split())
        assert not _alive(first) and w.pid is None
        with pytest.raises(OcrTimeout, match="call within 1 s"):  # a fresh process, bounded
            w.call("read_page", PAGE)
        first_again, second = map(int, pids.read_text().split())
        assert first_again == first != second and not _alive(second)


def test_crashing_engine_is_a_typed_error():
    with EngineWorker("tests.fakes:CrashingEngine", timeout_s=20) as w:
        with pytest.raises(OcrEngineError) as info:
            w.call("read_page", PAGE)
        assert "died" in str(info.value)
        assert not isinstance(info.value, OcrTimeout)


def test_raising_engine_error_crosses_the_process_boundary():
    with EngineWorker("tests.fakes:RaisingEngine", timeout_s=20) as w:
        with pytest.raises(OcrEngineError, match="model exploded"):
            w.call("read_page", PAGE)
        with pytest.raises(OcrEngineError, match="model exploded"):  # same process still serves
            w.call("read_line", PAGE)


def test_engine_that_cannot_start():
    with pytest.raises(OcrEngineError, match="cannot load model"):
        EngineWorker("tests.fakes:BadStartEngine", timeout_s=20).call("read_page", PAGE)


def test_registry_names_and_unknown_engine():
    register_engine("fake-raise", "tests.fakes:RaisingEngine")
    assert get_engine("fake-raise").name == "fake-raise"
    with pytest.raises(UnknownEngine):
        get_engine("no-such-engine")


def test_worker_is_replaced_after_max_calls(tmp_path, monkeypatch):
    # ReplayEngine answers every call; the worker's process is renewed every 2 calls.
    (tmp_path / "lines.json").write_text("[]", "utf-8")
    monkeypatch.setenv("CC_REPLAY", str(tmp_path / "lines.json"))
    with EngineWorker("tests.fakes:ReplayEngine", timeout_s=60, max_calls=2) as w:
        pids = []
        for _ in range(5):
            w.call("read_page", PAGE)
            pids.append(w.pid)
        assert pids[0] == pids[1] != pids[2] == pids[3] != pids[4]
        assert w.recycled == 2 and w.restarts == 0


def test_process_that_cannot_be_started_is_a_typed_error_and_closes(monkeypatch):
    import multiprocessing.context as ctx

    def refuse(self):
        raise OSError(11, "Resource temporarily unavailable")

    monkeypatch.setattr(ctx.SpawnProcess, "start", refuse)
    w = EngineWorker("tests.fakes:RaisingEngine", timeout_s=20)
    with pytest.raises(OcrEngineError, match="could not start"):
        w.call("read_page", PAGE)
    w.close()  # was: AssertionError, can only join a started process
    assert w.pid is None


def test_a_worker_started_ahead_serves_its_first_call_without_starting_again() -> None:
    with EngineWorker("tests.fakes:RaisingEngine", timeout_s=30) as w:
        w.start()
        pid = w.pid
        assert pid is not None
        w.start()  # already running: the same process
        assert w.pid == pid
        with pytest.raises(OcrEngineError):
            w.call("read_line", np.zeros((4, 4, 3), np.uint8))
        assert w.pid == pid and w.restarts == 0


def _digest(a: np.ndarray) -> str:
    import hashlib

    return hashlib.sha256(np.ascontiguousarray(a).tobytes()).hexdigest()


def _fds() -> int:
    return len(list(Path("/proc/self/fd").iterdir()))


def test_arrays_cross_to_the_engine_in_shared_memory_and_arrive_whole(monkeypatch):
    import extractors.ocr.worker as worker

    rng = np.random.default_rng(7)
    page = rng.integers(0, 256, (2000, 1414, 3), dtype=np.uint8)  # a page at working size
    crop = rng.random((31, 17)).astype(np.float32)
    strided = page[::2, ::3]  # not contiguous: pickled
    with EngineWorker("tests.fakes:EchoEngine") as first:  # starts spawn's resource tracker
        first.start()
    fds = _fds()
    with EngineWorker("tests.fakes:EchoEngine", timeout_s=30) as w:
        got = w.call("describe", page, crop, strided)
        assert [g[:3] for g in got] == [
            (_digest(a), a.shape, a.dtype.str) for a in (page, crop, strided)
        ]
        assert [g[3] for g in got] == [True, True, False]
        page[0, 0, 0] ^= 0xFF  # the next call sees the next arguments, not the last ones
        assert w.call("describe", page)[0][0] == _digest(page)
        monkeypatch.setattr(worker, "SHARED_BYTES", 2**20)  # a fresh process, less shared
        w.close()
        big, small = w.call("describe", page, crop)
        assert big[0] == _digest(page) and not big[3] and small[3]
    assert _fds() == fds  # the shared memory goes with its process
