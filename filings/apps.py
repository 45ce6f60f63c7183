from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FilingsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "filings"
    verbose_name = _("异地就医备案")

    def ready(self) -> None:
        from filings import receivers
        from portal.signals import registered

        registered.connect(receivers.link_counter_filings, dispatch_uid="filings.link")
