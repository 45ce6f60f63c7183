from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.http import HttpRequest

from portal.idnumbers import MOBILE_RE, normalise_id_number


class IdNumberOrMobileBackend(ModelBackend):
    """Log in with the identity card number or the mobile number."""

    def authenticate(
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        **kwargs: Any,
    ) -> Any:
        User = get_user_model()
        identifier = (username or kwargs.get(User.USERNAME_FIELD) or "").strip()
        if not identifier or password is None:
            return None
        if MOBILE_RE.match(identifier):
            lookup = {"mobile": identifier}
        else:
            lookup = {"id_number": normalise_id_number(identifier)}
        try:
            user = User._default_manager.get(**lookup)
        except User.DoesNotExist:
            User().set_password(password)  # same work as a real check: no timing oracle
            return None
        if user.check_password(password) and self.user_can_authenticate(user):
            return user
        return None
