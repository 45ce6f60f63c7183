from __future__ import annotations

from django.contrib.admin.apps import AdminConfig


class PortalAdminConfig(AdminConfig):
    """The Django admin, as the agency's site: dashboard on the index,
    second factor required (portal.admin_site)."""

    default_site = "portal.admin_site.PortalAdminSite"
