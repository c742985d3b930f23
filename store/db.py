"""The database behind the store: SQLite by default, PostgreSQL by URL."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import dj_database_url


def database_config(root: Path, url: str | None = None) -> dict[str, Any]:
    """Django's DATABASES entry for DATABASE_URL, or the embedded SQLite file under root.

    SQLite runs in WAL mode with IMMEDIATE transactions: a writer takes the lock when its
    transaction starts, so two writers wait for each other instead of failing mid-way with
    'database is locked' (the web app and a worker write at once).
    """
    url = url if url is not None else os.environ.get("DATABASE_URL", "")
    if url:
        cfg = dj_database_url.parse(url, conn_max_age=60, conn_health_checks=True)
    else:
        cfg = {"ENGINE": "django.db.backends.sqlite3", "NAME": str(root / "credcheck.sqlite3")}
    if cfg["ENGINE"] == "django.db.backends.sqlite3":
        opts = cfg.setdefault("OPTIONS", {})
        opts.setdefault("transaction_mode", "IMMEDIATE")
        opts.setdefault("timeout", 30)
        opts.setdefault(
            "init_command",
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;",
        )
    return cfg
