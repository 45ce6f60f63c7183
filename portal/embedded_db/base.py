from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db.backends.postgresql import base

from portal.embedded_db import ensure_server


class DatabaseWrapper(base.DatabaseWrapper):
    """Django's PostgreSQL backend, pointed at the embedded server's socket."""

    def get_connection_params(self) -> dict[str, Any]:
        socket_dir = ensure_server(settings.EMBEDDED_PGDATA, settings.DATABASES["default"]["NAME"])
        self.settings_dict["HOST"] = str(socket_dir)
        params = super().get_connection_params()
        params["host"] = str(socket_dir)
        return params
