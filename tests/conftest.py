"""Session-wide set-up: the store's database when a run asks for PostgreSQL."""

from __future__ import annotations

import os

import pytest


def pytest_configure(config: pytest.Config) -> None:
    # Verifications in tests write no report.pdf (a Chromium start each); tests/test_officials.py
    # turns it on where the PDF is the subject.
    os.environ.setdefault("CREDCHECK_REPORT_PDF", "0")
    # `make test` runs the store's tests a second time on PostgreSQL when CREDCHECK_TEST_PG is
    # set (DATABASE_URL=that URL): a server that does not answer fails the run, never skips.
    url = os.environ.get("DATABASE_URL", "")
    if url.startswith(("postgres://", "postgresql://")):
        import psycopg

        try:
            psycopg.connect(url, connect_timeout=5).close()
        except psycopg.Error as e:
            raise pytest.UsageError(f"PostgreSQL at {url} does not answer: {e}") from e
