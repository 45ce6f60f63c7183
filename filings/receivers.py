"""What filings does when the portal's accounts announce an event (portal.signals)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from filings import services
from portal.models import User


def link_counter_filings(*, user: User, **_kwargs: Any) -> str | None:
    """A new account takes over the counter filings made for its ID number."""
    linked = services.link_counter_filings(user)
    if not linked:
        return None
    return _("窗口为您办理过的 %(n)d 份备案已关联到您的账户。") % {"n": linked}
