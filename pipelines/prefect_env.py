"""Prefect's settings for credcheck's runs, as environment defaults.

Prefect reads its settings when it is imported, so this module must be imported before
Prefect is (pipelines/flows.py imports it first). Only defaults are set: what the user or a
deployment put in the environment wins. Settings follow ../shared/spec/stack.md.
"""

from __future__ import annotations

import logging
import os
import sys

# Without PREFECT_API_URL a run starts Prefect's temporary server, living as long as the run.
TEMPORARY_SERVER = {
    # A file database stalls under concurrent task writes.
    "PREFECT_SERVER_DATABASE_CONNECTION_URL": "sqlite+aiosqlite:///:memory:",
    # Nobody reads a temporary server's events or task runs (task states, retries and caching
    # are the client's in Prefect 3). Recorded, they grew its memory ~8-14 MB per 1,000 tasks
    # to the end of the batch, and recording cost CPU (bench/prefect_waves.py).
    "PREFECT_SERVER_SERVICES_EVENT_PERSISTER_ENABLED": "false",
    "PREFECT_SERVER_SERVICES_TASK_RUN_RECORDER_ENABLED": "false",
}
ALWAYS = {
    "PREFECT_LOGGING_LEVEL": "WARNING",
    "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
    "PREFECT_SERVER_LOGGING_LEVEL": "CRITICAL",
    "PREFECT_LOGGING_TO_API_ENABLED": "false",
    # The temporary server takes 8-16 s to start on an idle 2-core machine and more under load;
    # Prefect's 20 s default failed runs on a busy machine.
    "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "180",
}


def apply(environ: dict[str, str] | os._Environ[str] = os.environ) -> None:
    defaults = ALWAYS if environ.get("PREFECT_API_URL") else {**TEMPORARY_SERVER, **ALWAYS}
    # Too late to matter: say so rather than pretend. A deployed flow run starts as `python
    # -m prefect.engine`, importing Prefect first; its worker set the settings beforehand.
    if "prefect" in sys.modules and any(k not in environ for k in defaults):
        logging.getLogger(__name__).warning("Prefect was imported before its settings were set")
    for k, v in defaults.items():
        environ.setdefault(k, v)


apply()
