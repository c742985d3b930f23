"""Django settings for the store used on its own (CLI, Prefect workers, tests).

The web app has its own settings and lists the `store` app in them. Environment:
CREDCHECK_DATA (the data root, default ./credcheck-data) and DATABASE_URL (default: SQLite
at CREDCHECK_DATA/credcheck.sqlite3).
"""

from __future__ import annotations

from store.dataroot import data_root
from store.db import database_config

SECRET_KEY = "credcheck-store-has-no-secrets"  # no sessions or signing without the web app
DEBUG = False
INSTALLED_APPS = ["store"]
DATABASES = {"default": database_config(data_root())}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
USE_TZ = True
TIME_ZONE = "Asia/Shanghai"  # the bureaus' day; stored times are UTC
LOGGING_CONFIG = None  # leave logging to the caller (Prefect configures its own)
