from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.utils.functional import SimpleLazyObject

from family.access import can_view
from portal.models import User

SESSION_KEY = "acting_for"


def resolve_subject(request: HttpRequest) -> User | None:
    """Whose records this request is about: the person chosen with the
    switch if the user may still see them (checked on every request, so a
    revoked grant stops working at once), else the user."""
    user = request.user
    if not isinstance(user, User):
        return None
    chosen = request.session.get(SESSION_KEY)
    if chosen and chosen != user.pk:
        person = User.objects.filter(pk=chosen).first()
        if person is not None and can_view(user, person):
            return person
        request.session.pop(SESSION_KEY, None)
    return user


class ActingForMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request.subject = SimpleLazyObject(lambda: resolve_subject(request))  # type: ignore[attr-defined]
        return self.get_response(request)
