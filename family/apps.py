from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FamilyConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "family"
    verbose_name = _("亲属代办授权")

    def ready(self) -> None:
        from family import receivers
        from portal.signals import registered

        registered.connect(receivers.link_grants, dispatch_uid="family.link")
