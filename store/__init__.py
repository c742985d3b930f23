"""The intake store: what credcheck verified, kept in a database (Django's ORM).

Intakes, applicants with their declared rows (versioned, never overwritten), files
(content-addressed in the data root), page readings (by content hash and reader version),
verification runs with their results, flags and duplicate pairs. SQLite under the data root
by default; PostgreSQL when DATABASE_URL says so. The flows and the web app both use it;
nothing in models/, extractors/ or matchers/ imports it or Django.

Outside a Django project (the CLI, Prefect workers) call `store.setup()` once before using
the models: it configures Django from `store.settings` (environment: CREDCHECK_DATA,
DATABASE_URL) and applies the migrations when asked.
"""

from __future__ import annotations

import os

__all__ = ["setup"]


def setup(*, migrate: bool = False) -> None:
    """Configure Django for the store when no Django project has (idempotent)."""
    import django
    from django.apps import apps

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "store.settings")
    if not apps.ready:
        django.setup()
    if migrate:
        from django.core.management import call_command

        call_command("migrate", interactive=False, verbosity=0)
