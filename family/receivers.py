"""What family does when the portal's accounts announce an event (portal.signals)."""

from __future__ import annotations

from typing import Any

from family.models import link_grants as link
from portal.models import User


def link_grants(*, user: User, **_kwargs: Any) -> None:
    """Counter grants naming the new account's ID number become its own
    (shown on the family page, so nothing to say here)."""
    link(user)
