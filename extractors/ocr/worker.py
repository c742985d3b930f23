"""Run an engine in its own process so every call can be bounded in time.

`timeout_seconds` in Prefect cannot interrupt a blocking call (stack.md), and onnxruntime
cannot be cancelled, so a page that hangs the engine is killed with its process; the worker
starts afresh on the next call and the caller gets a typed error for that page only.

A worker is also replaced after `max_calls` calls: ONNX Runtime keeps the memory of every
input shape it has seen, so a worker serving a night's intake grew by tens of MB per 1,000
pages (bench/memory.py); a fresh one costs a few seconds every few hundred pages.
"""

from __future__ import annotations

import multiprocessing as mp
import pickle
import traceback
from typing import Any

from extractors.ocr.registry import get_engine, resolve
from models.constants import OCR_PAGE_TIMEOUT_S
from models.exceptions import CredcheckError, OcrEngineError, OcrTimeout


def _serve(conn, target: str, options: dict[str, Any]) -> None:
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
        try:
            conn.send(("ok", getattr(engine, method)(*args, **kwargs)))
        except BaseException as e:
            conn.send(("err", _portable(e)))


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

    def _start(self) -> None:
        # spawn, not fork: the parent may hold onnxruntime thread pools.
        ctx = mp.get_context("spawn")
        parent, child = ctx.Pipe()
        self._proc = ctx.Process(
            target=_serve, args=(child, self.target, self.options), daemon=True,
            name=f"ocr-{self.target}",
        )  # fmt: skip
        try:
            self._proc.start()
        except Exception as e:  # no process (EAGAIN, limits): nothing to kill or join later
            self._proc = None
            parent.close()
            child.close()
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
            self._conn.send((method, args, kwargs))
        except (BrokenPipeError, OSError) as e:
            self._kill()
            raise OcrEngineError(f"{self.target}: engine process died") from e
        status, payload = self._receive(timeout_s or self.timeout_s)
        if status == "err":
            if isinstance(payload, CredcheckError):
                raise payload
            raise OcrEngineError(f"{self.target}: {type(payload).__name__}: {payload}") from payload
        return payload

    def _kill(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None
        if self._proc is not None:
            if self._proc.is_alive():
                self._proc.kill()
            self._proc.join(5)
            self._proc = None

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
