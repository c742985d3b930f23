"""The child processes of `credcheck serve`, and stopping them with all they started.

Each child starts in a process group of its own, so a Ctrl-C in the terminal reaches only
serve, which stops the children in order. Prefect's process worker starts each flow run in a
new session (outside the worker's group) and, told to stop, waits for its runs to end; so
serve makes itself the subreaper of its descendants (Linux) and stops them by walking
/proc: the worker's whole tree first, while the server can still record their end, then the
server, then SIGKILL for whatever is left. Every wait is bounded.
"""

from __future__ import annotations

import contextlib
import ctypes
import json
import os
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

__all__ = ["Child", "Children", "become_subreaper", "descendants", "port_free", "wait_healthy"]

_PR_SET_CHILD_SUBREAPER = 36


def become_subreaper() -> bool:
    """Orphans of our descendants come to us rather than to init (Linux only)."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        return libc.prctl(_PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) == 0
    except (OSError, AttributeError):
        return False


def _proc_table() -> dict[int, tuple[int, int]]:
    """pid → (parent pid, process group) of every process we can see."""
    table = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat", "rb") as f:
                stat = f.read().decode("utf-8", "replace")
        except OSError:
            continue  # gone meanwhile
        fields = stat[stat.rfind(")") + 2 :].split()  # the name may hold spaces and ")"
        table[int(entry.name)] = (int(fields[1]), int(fields[2]))
    return table


def descendants(pid: int, table: dict[int, tuple[int, int]] | None = None) -> list[int]:
    """Every process below `pid` (children, their children, …)."""
    table = table if table is not None else _proc_table()
    kids: dict[int, list[int]] = {}
    for p, (ppid, _) in table.items():
        kids.setdefault(ppid, []).append(p)
    out, todo = [], list(kids.get(pid, []))
    while todo:
        p = todo.pop()
        out.append(p)
        todo.extend(kids.get(p, []))
    return out


def clean_env() -> dict[str, str]:
    """This process's environment without credcheck's, Prefect's, Django's and the store's
    settings: for a child that must see only what it is given (tests, benches)."""
    return {k: v for k, v in os.environ.items()
            if not k.startswith(("PREFECT_", "CREDCHECK_", "DATABASE_URL", "DJANGO_"))}  # fmt: skip


# On SQLite a long-lived Prefect server records neither task runs nor events: their bulk
# writes hold SQLite's one write lock for seconds, and every other call waits (two workers on
# 140 pages: subflow runs took 2-6 s to create, a work-queue update 60 s; bench/workers.py
# --timeline). credcheck reads neither; automations still see every event as it passes.
QUIET_SQLITE_SERVER = {
    "PREFECT_SERVER_SERVICES_EVENT_PERSISTER_ENABLED": "false",
    "PREFECT_SERVER_SERVICES_TASK_RUN_RECORDER_ENABLED": "false",
}


def server_defaults(environ: dict[str, str] | os._Environ[str]) -> None:
    """Defaults for a `prefect server start` child given its environment: QUIET_SQLITE_SERVER
    when its database is SQLite (PostgreSQL takes these writes in its stride). What the
    environment already sets wins."""
    if environ.get("PREFECT_SERVER_DATABASE_CONNECTION_URL", "sqlite").startswith("sqlite"):
        for k, v in QUIET_SQLITE_SERVER.items():
            environ.setdefault(k, v)


def port_free(port: int, host: str = "127.0.0.1") -> bool:
    with socket.socket() as s:
        # As the server will: a port whose last connections are in TIME_WAIT is free.
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind((host, port))
        except OSError:
            return False
    return True


def wait_healthy(api_url: str, timeout: float, alive: Child | None = None) -> bool:
    """True once GET {api_url}/health answers 200 within `timeout` seconds; False at the
    deadline or as soon as `alive` has exited."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if alive is not None and alive.proc.poll() is not None:
            return False
        try:
            with urllib.request.urlopen(f"{api_url}/health", timeout=5) as r:
                if r.status == 200:
                    return True
        except (urllib.error.URLError, OSError):
            pass
        time.sleep(0.5)
    return False


@dataclass
class Child:
    name: str
    proc: subprocess.Popen
    log: Path

    def log_tail(self, chars: int = 4000) -> str:
        try:
            return self.log.read_text(encoding="utf-8", errors="replace")[-chars:]
        except OSError:
            return ""


@dataclass
class Children:
    items: list[Child] = field(default_factory=list)

    def start(self, name: str, argv: list[str], log: Path, env: dict | None = None) -> Child:
        log.parent.mkdir(parents=True, exist_ok=True)
        with open(log, "ab") as out:  # the child keeps its own descriptor
            proc = subprocess.Popen(
                argv, stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT,
                env=env, start_new_session=True,
            )  # fmt: skip
        child = Child(name, proc, log)
        self.items.append(child)
        return child

    def exited(self) -> Child | None:
        return next((c for c in self.items if c.proc.poll() is not None), None)

    def reap_orphans(self) -> None:
        """Wait for ended orphans adopted as subreaper (a flow run's process, once its run
        is over), so they do not stay zombies; our own children are left to Popen."""
        ours = {c.proc.pid for c in self.items}
        me = os.getpid()
        for pid, (ppid, _) in _proc_table().items():
            if ppid == me and pid not in ours:
                with contextlib.suppress(ChildProcessError):
                    os.waitpid(pid, os.WNOHANG)

    def stop(self, grace: float = 20.0) -> list[int]:
        """Stop every child and everything below it, the last started first; returns the
        pids still alive afterwards (none, unless a process ignores SIGKILL)."""
        me = os.getpid()
        for child in reversed(self.items):
            pids = [child.proc.pid, *descendants(child.proc.pid)]
            _signal(pids, signal.SIGTERM)
            _wait_gone(pids, grace / 2)
        # Orphans (reparented to us as subreaper) and anything that ignored SIGTERM.
        left = descendants(me)
        _signal(left, signal.SIGTERM)
        _wait_gone(left, grace / 4)
        left = descendants(me)
        _signal(left, signal.SIGKILL)
        _wait_gone(left, grace / 4)
        return descendants(me)


def _signal(pids: Iterable[int], sig: int) -> None:
    """`sig` to each process's group (its own children included), never to our own group."""
    mine = os.getpgrp()
    for pid in pids:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            group = os.getpgid(pid)
            if group != mine:
                os.killpg(group, sig)
            else:
                os.kill(pid, sig)


def _reap() -> None:
    # Our children, and orphans adopted as subreaper, become zombies until waited for.
    with contextlib.suppress(ChildProcessError):
        while os.waitpid(-1, os.WNOHANG)[0]:
            pass


def _wait_gone(pids: list[int], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        _reap()
        if not any(_alive(p) for p in pids):
            return
        time.sleep(0.2)


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            state = f.read().rsplit(b")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state != b"Z"  # a zombie has ended; only its parent's wait is missing


def free_port(host: str = "127.0.0.1") -> int:
    """A port nothing listens on now (for a server started next: tests, benchmarks)."""
    with socket.socket() as s:
        s.bind((host, 0))
        return s.getsockname()[1]


def api_call(url: str, body: dict | None = None, timeout: float = 30) -> dict | list:
    """GET (or POST `body` as JSON) one endpoint of Prefect's REST API; its JSON answer."""
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(url, data=data, headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=timeout) as r:
        return json.loads(r.read())
