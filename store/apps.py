from __future__ import annotations

from django.apps import AppConfig


class StoreConfig(AppConfig):
    name = "store"
    label = "store"
    verbose_name = "核验数据 / intake store"
    default_auto_field = "django.db.models.BigAutoField"
