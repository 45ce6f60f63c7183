from __future__ import annotations

from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class PortalConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "portal"
    verbose_name = _("账户与基础数据")

    def ready(self) -> None:
        from portal.roles import sync_roles

        # Every app's post_migrate: the last one sees every app's permissions.
        post_migrate.connect(sync_roles, dispatch_uid="portal.sync_roles")
