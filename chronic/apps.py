from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ChronicConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "chronic"
    verbose_name = _("门诊慢特病")
