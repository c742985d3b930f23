"""Run an engine in its own process so every call can be bounded in time.

`timeout_seconds` in Prefect cannot interrupt a blocking call (stack.md), and onnxruntime
cannot be cancelled, so a page that hangs the engine is killed with its process; the worker
starts afresh on the next call and the caller gets a typed error for that page only.

A worker is also replaced after `max_calls` calls: ONNX Runtime keeps the memory of every
input shape it has seen, so a worker serving a night's intake grew by tens of MB per 1,000
pages (bench/memory.py); a fresh one costs a few seconds every few hundred pages.

An image argument crosses in memory the two processes share, not pickled through the pipe:
a page at the engine's working size (8.5 MB) cost ~30 ms a call that way, in both processes.
"""

from __future__ import annotations

import contextlib
import mmap
import multiprocessing as mp
import os
import pickle
import traceback
from dataclasses import dataclass
from multiprocessing import reduction
from typing import Any

import numpy as np

from extractors.ocr.registry import get_engine, resolve
from models.constants import OCR_PAGE_TIMEOUT_S
from models.exceptions import CredcheckError, OcrEngineError, OcrTimeout

# Arrays up to this size cross in shared memory; pages never touched cost nothing.
SHARED_BYTES = 32 * 2**20


@dataclass(frozen=True)
class _InShared:
    """An array argument left in the shared memory at `offset`."""

    offset: int
    shape: tuple[int, ...]
    dtype: str


class _Fd:
    """A descriptor handed to the spawned child (as multiprocessing hands it a Connection)."""

    def __init__(self, fd: int):
        self.fd = fd

    def __reduce__(self):  # type: ignore[no-untyped-def]
        return _fd_in_child, (reduction.DupFd(self.fd),)


def _fd_in_child(dup: Any) -> int:
    return int(dup.detach())


def _shared_memory(size: int) -> tuple[int, mmap.mmap] | None:
    try:
        fd = os.memfd_create("credcheck-engine", os.MFD_CLOEXEC)
    except (AttributeError, OSError):  # not Linux: arrays go through the pipe
        return None
    try:
        os.ftruncate(fd, size)
        return fd, mmap.mmap(fd, size)
    except OSError:
        os.close(fd)
        return None


def _serve(conn, target: str, options: dict[str, Any], shared_fd: int | None = None) -> None:
    shared = None
    if shared_fd is not None:
        shared = mmap.mmap(shared_fd, 0)
        os.close(shared_fd)
    try:
        engine = get_engine(target, **options)
    except BaseException as e:  # report start-up failure to the caller, then stop
        conn.send(("err", _portable(e)))
        return
    conn.send(("ready", None))
    while True:
        try:
            msg = conn.recv()
        except EOFError:
            return
        if msg is None:
            return
        method, args, kwargs = msg
        if shared is not None:  # views for the call; the caller waits until it returns
            args = tuple(
                np.ndarray(a.shape, a.dtype, buffer=shared, offset=a.offset)
                if isinstance(a, _InShared) else a
                for a in args
            )  # fmt: skip
        try:
            conn.send(("ok", getattr(engine, method)(*args, **kwargs)))
        except BaseException as e:
            conn.send(("err", _portable(e)))
        finally:
            del args


def _portable(e: BaseException) -> BaseException:
    try:
        pickle.loads(pickle.dumps(e))
        return e
    except Exception:
        return OcrEngineError(f"{type(e).__name__}: {e}\n{traceback.format_exc(limit=3)}")


class EngineWorker:
    """A child process holding one engine; `call` runs one engine method with a time limit."""

    def __init__(
        self,
        target: str,
        options: dict[str, Any] | None = None,
        *,
        timeout_s: float = OCR_PAGE_TIMEOUT_S,
        startup_timeout_s: float = 120.0,
        max_calls: int | None = None,
    ):
        self.target = resolve(target)
        self.options = options or {}
        self.timeout_s = timeout_s
        self.startup_timeout_s = startup_timeout_s
        self._proc: mp.process.BaseProcess | None = None
        self._conn = None
        self.restarts = 0  # processes found dead at the next call
        self.max_calls = max_calls
        self.recycled = 0  # after max_calls
        self._calls = 0
        self._shared: tuple[int, mmap.mmap] | None = None

    def _start(self) -> None:
        # spawn, not fork: the parent may hold onnxruntime thread pools.
        ctx = mp.get_context("spawn")
        parent, child = ctx.Pipe()
        self._shared = _shared_memory(SHARED_BYTES)
        fd = _Fd(self._shared[0]) if self._shared else None
        self._proc = ctx.Process(
            target=_serve, args=(child, self.target, self.options, fd), daemon=True,
            name=f"ocr-{self.target}",
        )  # fmt: skip
        try:
            self._proc.start()
        except Exception as e:  # no process (EAGAIN, limits): nothing to kill or join later
            self._proc = None
            parent.close()
            child.close()
            self._unshare()
            raise OcrEngineError(f"{self.target}: engine process could not start: {e}") from e
        # Only this worker polls its process: other threads' Process.start() would reap it
        # (multiprocessing's registry) and leave is_alive()/exitcode wrong (extractors/sandbox.py).
        mp.process._children.discard(self._proc)  # type: ignore[attr-defined]
        child.close()
        self._conn = parent
        self._calls = 0
        status, payload = self._receive(self.startup_timeout_s, starting=True)
        if status != "ready":
            self._kill()
            raise payload if isinstance(payload, CredcheckError) else OcrEngineError(str(payload))

    def _receive(self, timeout: float, *, starting: bool = False):
        assert self._conn is not None
        if not self._conn.poll(timeout):
            self._kill()
            what = "start" if starting else "call"
            raise OcrTimeout(f"{self.target}: no answer to {what} within {timeout:.0f} s")
        try:
            return self._conn.recv()
        except (EOFError, OSError) as e:
            code = self._proc.exitcode if self._proc else None
            self._kill()
            raise OcrEngineError(f"{self.target}: engine process died (exit {code})") from e

    def start(self) -> None:
        """Start the process and load the engine now, not on the first call."""
        if self._proc is None or not self._proc.is_alive():
            self._kill()
            self._start()

    def call(self, method: str, *args: Any, timeout_s: float | None = None, **kwargs: Any):
        if self.max_calls and self._calls >= self.max_calls and self._proc is not None:
            self.recycled += 1
            self.close()
        if self._proc is None or not self._proc.is_alive():
            if self._proc is not None:
                self.restarts += 1
            self._kill()
            self._start()
        assert self._conn is not None
        self._calls += 1
        try:
            self._conn.send((method, self._share(args), kwargs))
        except (BrokenPipeError, OSError) as e:
            self._kill()
            raise OcrEngineError(f"{self.target}: engine process died") from e
        status, payload = self._receive(timeout_s or self.timeout_s)
        if status == "err":
            if isinstance(payload, CredcheckError):
                raise payload
            raise OcrEngineError(f"{self.target}: {type(payload).__name__}: {payload}") from payload
        return payload

    def _share(self, args: tuple[Any, ...]) -> tuple[Any, ...]:
        """Arrays among the arguments copied into the shared memory, as far as it holds them."""
        if self._shared is None:
            return args
        memory, offset, out = self._shared[1], 0, []
        for a in args:
            if (
                isinstance(a, np.ndarray) and a.flags.c_contiguous and not a.dtype.hasobject
                and offset + a.nbytes <= len(memory)
            ):  # fmt: skip
                np.ndarray(a.shape, a.dtype, buffer=memory, offset=offset)[...] = a
                out.append(_InShared(offset, a.shape, a.dtype.str))
                offset += -(-a.nbytes // 64) * 64  # aligned for the next one
            else:
                out.append(a)
        return tuple(out)

    def _unshare(self) -> None:
        if self._shared is not None:
            fd, memory = self._shared
            self._shared = None
            with contextlib.suppress(BufferError):  # a view still alive: the GC unmaps it
                memory.close()
            os.close(fd)

    def _kill(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None
        if self._proc is not None:
            if self._proc.is_alive():
                self._proc.kill()
            self._proc.join(5)
            self._proc = None
        self._unshare()

    def close(self) -> None:
        if self._conn is not None and self._proc is not None and self._proc.is_alive():
            try:
                self._conn.send(None)
                self._proc.join(2)
            except OSError:
                pass
        self._kill()

    def __enter__(self) -> EngineWorker:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def pid(self) -> int | None:
        return self._proc.pid if self._proc else None
