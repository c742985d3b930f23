"""Run untrusted parsing in a forked child with a memory cap and a wall-clock kill.

One hostile PDF can abort the process from inside pdfium (SIGABRT) or allocate gigabytes
(../shared/spec/stack.md, "PDF and image libraries under hostile input"), so the parent never
parses: it forks, the child sets RLIMIT_AS and runs the function, and results come back over a
pipe. Fork (not spawn) keeps the per-call cost to a few milliseconds: the child inherits the
imported libraries instead of importing them again, and never touches the parent's threads.

Results are pickled with protocol 5 and large buffers (numpy arrays) travel out of band, so a
rendered page is copied once into a writable buffer on the parent's side, not twice.

A fork of a large parent (a verify run: Prefect, spaCy, the readers) costs ~50 ms, and a page's
26 MB through a pipe as much again. Within `kept_children()` (a verify run) calls therefore go
to children forked once and kept: each serves one call at a time, with the same limits, errors
and kill on timeout, and hands large buffers over in memory it shares with the parent. A child
that crashed, timed out or was left mid-stream is killed, never reused; a healthy one is
replaced after `max_calls`.
"""

from __future__ import annotations

import contextlib
import ctypes
import faulthandler
import fcntl
import gc
import mmap
import multiprocessing
import os
import pickle
import queue
import resource
import signal
import threading
import time
import traceback
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future
from contextvars import ContextVar
from multiprocessing.connection import Connection
from typing import Any, TypeVar

from models.constants import LOADER_MEMORY_BYTES, LOADER_TIMEOUT_S
from models.exceptions import CredcheckError, ReaderCrashed, ReaderTimeout

T = TypeVar("T")

_CTX = multiprocessing.get_context("fork")
_PR_SET_PDEATHSIG = 1
# Give a finished child this long to exit on its own before it is killed.
_EXIT_GRACE_S = 2.0


def run_sandboxed(
    fn: Callable[..., T],
    *args: Any,
    timeout_s: float = LOADER_TIMEOUT_S,
    memory_bytes: int = LOADER_MEMORY_BYTES,
    file: str | None = None,
) -> T:
    """Return fn(*args) computed in a forked child.

    Raises ReaderTimeout after timeout_s (the child is killed), ReaderCrashed when the child
    dies by a signal, runs out of memory (memory_bytes on top of its inherited address space)
    or raises an unexpected exception; CredcheckError subclasses raised by fn come back as-is.
    `file` is stamped on errors that do not name one. Use functools.partial for keywords.
    """
    with contextlib.closing(_messages(fn, args, False, timeout_s, memory_bytes, file)) as msgs:
        for kind, value in msgs:
            if kind == "done":
                return value  # type: ignore[no-any-return]
    raise AssertionError("unreachable: _supervise ends with 'done' or raises")


def iter_sandboxed(
    fn: Callable[..., Iterable[T]],
    *args: Any,
    timeout_s: float = LOADER_TIMEOUT_S,
    memory_bytes: int = LOADER_MEMORY_BYTES,
    file: str | None = None,
) -> Iterator[T]:
    """Yield the items of fn(*args) (an iterable) as the child produces them.

    Streaming keeps the child's memory to one item at a time (one rendered page), and the
    timeout covers the whole iteration. Closing the iterator early kills the child.
    """
    with contextlib.closing(_messages(fn, args, True, timeout_s, memory_bytes, file)) as msgs:
        for kind, value in msgs:
            if kind == "item":
                yield value


# --- kept children ----------------------------------------------------------------------------

# Large buffers of one message up to this size go through shared memory (a 300-dpi A4 page is
# 26 MB); a larger message takes the pipe. Pages of the mapping never touched cost nothing.
SHARED_BYTES = 64 * 2**20
KEPT_MAX_CALLS = 100  # then a fresh child: what a long-lived parser leaves behind goes with it


class KeptChildren:
    """Sandbox children forked once and kept for many calls (see the module's docstring).

    Thread-safe: each call takes an idle child (or forks one) and gives it back healthy."""

    def __init__(self, max_calls: int = KEPT_MAX_CALLS, shared_bytes: int = SHARED_BYTES):
        self.max_calls, self.shared_bytes = max_calls, shared_bytes
        self._idle: dict[int, list[_Kept]] = {}  # by memory cap: a child keeps its own
        self._lock = threading.Lock()
        self._closed = False
        self.started = 0  # children forked so far
        # Children are forked by one thread of ours: a child dies with the thread that forked
        # it (PR_SET_PDEATHSIG), and callers' threads (a wave's task runner, a pool of
        # crops) end long before the run does.
        self._forks: queue.SimpleQueue[tuple[int, Future[_Kept]] | None] = queue.SimpleQueue()
        self._forker: threading.Thread | None = None

    def _take(self, memory_bytes: int) -> _Kept:
        with self._lock:
            if self._closed:
                raise RuntimeError("kept sandbox children closed")
            idle = self._idle.get(memory_bytes, [])
            while idle:
                child = idle.pop()
                if child.alive():
                    return child
                child.kill()  # died idle (the OOM killer, a signal): another takes its place
            self.started += 1
            if self._forker is None:
                self._forker = threading.Thread(
                    target=self._fork_loop, name="credcheck-sandbox-forks", daemon=True
                )
                self._forker.start()
        made: Future[_Kept] = Future()
        self._forks.put((memory_bytes, made))
        return made.result()

    def _fork_loop(self) -> None:
        while (job := self._forks.get()) is not None:
            memory_bytes, made = job
            try:
                made.set_result(_Kept(memory_bytes, self.shared_bytes))
            except BaseException as e:  # noqa: BLE001 - the caller raises it
                made.set_exception(e)

    def _give(self, child: _Kept) -> None:
        with self._lock:
            if not self._closed and child.calls < self.max_calls:
                self._idle.setdefault(child.memory_bytes, []).append(child)
                return
        child.stop()

    def messages(
        self, request: bytes, timeout_s: float, memory_bytes: int, file: str | None
    ) -> Iterator[tuple[str, Any]]:
        child = self._take(memory_bytes)
        reusable = False
        try:
            for kind, value in child.serve(request, timeout_s, memory_bytes, file):
                if kind == "error":
                    # A Python exception leaves the child sound; running out of memory may not.
                    reusable = value[0] != "memory"
                    raise _rebuild_error(value, file)
                if kind == "done":
                    reusable = True
                yield kind, value
        finally:
            if reusable:
                self._give(child)
            else:  # crashed, timed out, or left mid-stream
                child.kill()

    def close(self) -> None:
        with self._lock:
            self._closed = True
            idle = [c for cs in self._idle.values() for c in cs]
            self._idle.clear()
            forker, self._forker = self._forker, None
        for child in idle:
            child.stop()
        if forker is not None:
            self._forks.put(None)
            forker.join()


_KEPT: ContextVar[KeptChildren | None] = ContextVar("credcheck_kept_sandboxes", default=None)


@contextlib.contextmanager
def kept_children(max_calls: int = KEPT_MAX_CALLS) -> Iterator[KeptChildren]:
    """Sandboxed calls inside this block, and in threads and tasks that copy its context, go to
    kept children; they stop when it ends."""
    kept = KeptChildren(max_calls)
    token = _KEPT.set(kept)
    try:
        yield kept
    finally:
        _KEPT.reset(token)
        kept.close()


class _Kept:
    """One kept child: a request pipe, a result pipe and the memory they share."""

    def __init__(self, memory_bytes: int, shared_bytes: int):
        self.memory_bytes, self.calls = memory_bytes, 0
        self.shared = mmap.mmap(-1, shared_bytes)  # MAP_SHARED: the child writes, we read
        req_r, self._requests = _CTX.Pipe(duplex=False)
        self._results, res_w = _CTX.Pipe(duplex=False)
        _widen(res_w.fileno())
        self._proc = _CTX.Process(
            target=_kept_main, args=(req_r, res_w, self.shared, memory_bytes, os.getpid())
        )
        self._proc.start()
        multiprocessing.process._children.discard(self._proc)  # type: ignore[attr-defined]
        req_r.close()
        res_w.close()

    def serve(
        self, request: bytes, timeout_s: float, memory_bytes: int, file: str | None
    ) -> Iterator[tuple[str, Any]]:
        deadline = time.monotonic() + timeout_s
        self.calls += 1
        try:
            self._requests.send_bytes(request)
        except OSError:  # died since its last call
            raise _death_error(self._proc, memory_bytes, file) from None
        while True:
            kind, value = _next_message(
                self._results, self.shared, self._proc, deadline, timeout_s, memory_bytes, file
            )
            if kind == "item":
                self._requests.send_bytes(b"next")  # its buffers are copied out: go on
            yield kind, value
            if kind in ("done", "error"):
                return

    def alive(self) -> bool:
        return self._proc.is_alive()

    def stop(self) -> None:
        with contextlib.suppress(OSError):
            self._requests.close()  # EOF: the child's loop ends
        _reap(self._proc, grace_s=_EXIT_GRACE_S)
        self._release()

    def kill(self) -> None:
        self._requests.close()
        _reap(self._proc, grace_s=0.0)
        self._release()

    def _release(self) -> None:
        self._results.close()
        self.shared.close()


def _request(fn: Callable[..., Any], args: tuple[Any, ...], stream: bool) -> bytes | None:
    try:
        return pickle.dumps((fn, args, stream), protocol=5)
    except Exception:  # noqa: BLE001 - a lambda or a closure: it needs a fork of its own
        return None


def _messages(
    fn: Callable[..., Any],
    args: tuple[Any, ...],
    stream: bool,
    timeout_s: float,
    memory_bytes: int,
    file: str | None,
) -> Iterator[tuple[str, Any]]:
    kept = _KEPT.get()
    if kept is not None and timeout_s > 0 and memory_bytes > 0:
        request = _request(fn, args, stream)
        if request is not None:
            return kept.messages(request, timeout_s, memory_bytes, file)
    return _supervise(fn, args, stream, timeout_s, memory_bytes, file)


# --- parent side ----------------------------------------------------------------------------


def _supervise(
    fn: Callable[..., Any],
    args: tuple[Any, ...],
    stream: bool,
    timeout_s: float,
    memory_bytes: int,
    file: str | None,
) -> Iterator[tuple[str, Any]]:
    if timeout_s <= 0 or memory_bytes <= 0:
        raise ValueError("timeout_s and memory_bytes must be positive")
    deadline = time.monotonic() + timeout_s
    reader, writer = _CTX.Pipe(duplex=False)
    _widen(writer.fileno())
    # Not daemonic: daemonic processes may not fork, and a caller may itself be a pool worker.
    proc = _CTX.Process(
        target=_child_main, args=(writer, fn, args, stream, memory_bytes, os.getpid())
    )
    proc.start()
    # Process.start() and active_children(), in any thread, poll every child registered with
    # multiprocessing and may reap ours while this thread waits on it: our waitpid then gets
    # ECHILD, join() returns without an exit code and close() raises "still running" (10
    # files of a 3,800-file batch; the CI failure of 2026-11-21). This thread alone waits.
    multiprocessing.process._children.discard(proc)  # type: ignore[attr-defined]
    writer.close()  # so the reader sees EOF when the child dies
    finished = False
    try:
        while True:
            kind, value = _next_message(reader, None, proc, deadline, timeout_s, memory_bytes, file)
            if kind == "error":
                raise _rebuild_error(value, file)
            if kind == "done":
                finished = True
            yield kind, value
            if finished:
                return
    finally:
        reader.close()
        _reap(proc, grace_s=_EXIT_GRACE_S if finished else 0.0)


def _next_message(
    conn: Connection,
    shared: mmap.mmap | None,
    proc: Any,
    deadline: float,
    timeout_s: float,
    memory_bytes: int,
    file: str | None,
) -> tuple[str, Any]:
    """The child's next message by `deadline`: ReaderTimeout after it, the child's death as
    ReaderCrashed (the caller kills and reaps it)."""
    remaining = deadline - time.monotonic()
    if remaining <= 0 or not conn.poll(remaining):
        raise ReaderTimeout(f"no result after {timeout_s:g} s; reader killed", file=file)
    try:
        return _recv(conn, shared)
    except (EOFError, OSError):
        raise _death_error(proc, memory_bytes, file) from None


def _reap(proc: Any, grace_s: float) -> None:
    if grace_s:
        proc.join(grace_s)
    if proc.is_alive():
        proc.kill()
    proc.join()
    proc.close()


def _death_error(proc: Any, memory_bytes: int, file: str | None) -> ReaderCrashed:
    proc.join(_EXIT_GRACE_S)
    code = proc.exitcode
    if code is not None and code < 0:
        name = _signal_name(-code)
        hint = ""
        if -code in (signal.SIGABRT, signal.SIGSEGV, signal.SIGBUS, signal.SIGTRAP, signal.SIGKILL):
            hint = f" (possibly out of memory: limit {memory_bytes // 2**20} MiB)"
        return ReaderCrashed(f"reader killed by {name}{hint}", file=file)
    return ReaderCrashed(f"reader exited with code {code} without a result", file=file)


def _signal_name(num: int) -> str:
    try:
        return signal.Signals(num).name
    except ValueError:
        return f"signal {num}"


def _rebuild_error(payload: tuple[Any, ...], file: str | None) -> CredcheckError:
    tag = payload[0]
    if tag == "typed":
        _, cls, detail, err_file, zh = payload
        err: CredcheckError = cls(detail, file=err_file or file, zh=zh)
        return err
    if tag == "memory":
        return ReaderCrashed(f"out of memory (limit {payload[1] // 2**20} MiB)", file=file)
    _, type_name, message, tb = payload
    err = ReaderCrashed(f"{type_name}: {message}"[:500], file=file)
    err.add_note("child traceback:\n" + tb)
    return err


def _recv(conn: Connection, shared: mmap.mmap | None = None) -> tuple[str, Any]:
    in_shared, sizes = pickle.loads(conn.recv_bytes())
    data = conn.recv_bytes()
    buffers = []
    offset = 0
    for size in sizes:
        buf = bytearray(size)  # writable, so arrays built on it are writable too
        if in_shared and shared is not None:
            with memoryview(shared) as view:
                memoryview(buf)[:] = view[offset : offset + size]
            offset += size
        else:
            _read_raw(conn.fileno(), memoryview(buf))
        buffers.append(buf)
    return pickle.loads(data, buffers=buffers)  # type: ignore[no-any-return]


def _read_raw(fd: int, into: memoryview) -> None:
    # A page's pixels straight into their buffer: Connection.recv_bytes_into gathers them
    # in a BytesIO first (a second copy, and a third of a page's decode time).
    got = 0
    while got < len(into):
        n = os.readv(fd, [into[got:]])
        if n == 0:
            raise EOFError("the reader's pipe closed mid-buffer")
        got += n


def _write_raw(fd: int, view: memoryview) -> None:
    view = view.cast("B")
    sent = 0
    while sent < len(view):
        sent += os.write(fd, view[sent:])


def _widen(fd: int) -> None:
    # 1 MiB instead of 64 KiB: a page crosses in 16 times fewer reads and writes.
    with contextlib.suppress(OSError, AttributeError):
        fcntl.fcntl(fd, fcntl.F_SETPIPE_SZ, 1 << 20)


# --- child side -----------------------------------------------------------------------------


def _send(conn: Connection, msg: tuple[str, Any], shared: mmap.mmap | None = None) -> None:
    buffers: list[pickle.PickleBuffer] = []
    data = pickle.dumps(msg, protocol=5, buffer_callback=buffers.append)
    views = [b.raw() for b in buffers]
    sizes = [v.nbytes for v in views]
    # The parent copies a message's buffers out before it asks for the next one.
    in_shared = shared is not None and sum(sizes) <= len(shared)
    if in_shared:
        offset = 0
        for view in views:
            shared[offset : offset + view.nbytes] = view
            offset += view.nbytes
    conn.send_bytes(pickle.dumps((in_shared, sizes)))
    conn.send_bytes(data)
    if not in_shared:
        for view in views:  # raw: the sizes above frame them
            _write_raw(conn.fileno(), view)


def _child_main(
    conn: Connection,
    fn: Callable[..., Any],
    args: tuple[Any, ...],
    stream: bool,
    memory_bytes: int,
    parent_pid: int,
) -> None:
    _limit_child(memory_bytes, parent_pid)
    try:
        if stream:
            for item in fn(*args):
                _send(conn, ("item", item))
            _send(conn, ("done", None))
        else:
            _send(conn, ("done", fn(*args)))
    except BaseException as exc:  # noqa: BLE001 - everything goes back to the parent
        _send_error(conn, exc, memory_bytes)
    finally:
        conn.close()


def _kept_main(
    requests: Connection,
    results: Connection,
    shared: mmap.mmap,
    memory_bytes: int,
    parent_pid: int,
) -> None:
    _limit_child(memory_bytes, parent_pid)
    _close_fds_but(requests.fileno(), results.fileno())
    # What the parent left for its collector is not ours to finalise (a file object closing
    # a descriptor number that is by then another).
    gc.freeze()
    while True:
        try:
            fn, args, stream = pickle.loads(requests.recv_bytes())
        except EOFError:
            return  # the parent stopped us, or is gone
        try:
            if stream:
                for item in fn(*args):
                    _send(results, ("item", item), shared)
                    if requests.recv_bytes() != b"next":
                        return
                _send(results, ("done", None), shared)
            else:
                _send(results, ("done", fn(*args)), shared)
        except BaseException as exc:  # noqa: BLE001 - everything goes back to the parent
            _send_error(results, exc, memory_bytes)


def _close_fds_but(*keep: int) -> None:
    # A kept child lives for many calls: descriptors inherited from the parent (an engine's
    # pipe, a lock file, a database socket) must not stay open for that long.
    for name in os.listdir("/proc/self/fd"):
        fd = int(name)
        if fd > 2 and fd not in keep:
            with contextlib.suppress(OSError):
                os.close(fd)


def _send_error(conn: Connection, exc: BaseException, memory_bytes: int) -> None:
    # Exceptions travel as plain fields: arbitrary exception objects do not always pickle,
    # and CredcheckError's pickled args would repeat the "[CCxxx]" prefix.
    payload: tuple[Any, ...]
    if isinstance(exc, CredcheckError):
        zh = exc.__dict__.get("message_zh")  # only an instance override, not the class text
        payload = ("typed", type(exc), exc.detail, exc.file, zh)
    elif isinstance(exc, MemoryError):
        payload = ("memory", memory_bytes)
    else:
        tb = "".join(traceback.format_exception(exc))[-4000:]
        payload = ("other", type(exc).__name__, str(exc), tb)
    try:
        _send(conn, ("error", payload))
    except Exception:  # noqa: BLE001 - parent then reports a crash without a result
        pass


def _limit_child(memory_bytes: int, parent_pid: int) -> None:
    # The cap is relative: a parent with onnxruntime and models mapped has a large VSZ already.
    with open("/proc/self/statm") as f:
        vsz = int(f.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
    limit = vsz + memory_bytes
    _, hard = resource.getrlimit(resource.RLIMIT_AS)
    if hard != resource.RLIM_INFINITY:
        limit = min(limit, hard)
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    # A crash should not write a multi-gigabyte core file.
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    # A crash is reported as ReaderCrashed; a Python stack dump on the shared stderr (pytest
    # and others enable faulthandler) would only be noise.
    faulthandler.disable()
    # Die with the parent instead of parsing on as an orphan.
    try:
        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    except (OSError, AttributeError):
        pass
    if os.getppid() != parent_pid:
        os._exit(1)
