from __future__ import annotations

from django.apps import AppConfig


class WebappConfig(AppConfig):
    name = "webapp"
    label = "webapp"
    verbose_name = "审核工作台 / reviewers' workspace"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from webapp import audit  # noqa: F401  # its signal receivers
