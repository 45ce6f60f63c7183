"""The outage (503) and error (500) pages: plain words, no database needed."""

from __future__ import annotations

import sys
from collections.abc import Callable

import pytest
from django.contrib.auth.decorators import login_not_required
from django.contrib.sessions.backends.base import UpdateError
from django.contrib.sessions.exceptions import SessionInterrupted
from django.core.exceptions import BadRequest
from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse
from django.test import Client, RequestFactory
from django.urls import path

from portal.errors import bad_request, server_error

pytestmark = pytest.mark.django_db


def failing(error: type[Exception]) -> Callable[[HttpRequest], HttpResponse]:
    @login_not_required
    def view(request: HttpRequest) -> HttpResponse:
        raise error("server closed the connection unexpectedly")

    return view


# This module is also the URLconf of the tests that use @pytest.mark.urls(__name__).
urlpatterns = [
    path("operational/", failing(OperationalError)),
    path("interface/", failing(InterfaceError)),
    path("other/", failing(ValueError)),
]


@pytest.mark.urls(__name__)
@pytest.mark.parametrize("url", ["/operational/", "/interface/"])
def test_a_database_outage_in_a_view_is_a_plain_503_with_retry_after(url: str) -> None:
    client = Client(raise_request_exception=False)
    response = client.get(url)
    page = response.content.decode()
    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    assert "服务暂时不可用" in page and "12393" in page
    assert "没有保存一半的内容" in page
    assert "Traceback" not in page and "connection" not in page


@pytest.mark.urls(__name__)
def test_other_errors_stay_500_without_details() -> None:
    client = Client(raise_request_exception=False)
    response = client.get("/other/")
    assert response.status_code == 500
    assert "抱歉，系统出错了" in response.content.decode()


def test_a_database_outage_outside_a_view_reaches_handler500_and_is_a_503() -> None:
    request = RequestFactory().get("/")
    try:
        raise OperationalError("could not connect to server")
    except OperationalError:
        assert sys.exc_info()[0] is OperationalError
        response = server_error(request)
    assert response.status_code == 503 and response["Retry-After"] == "30"


def test_other_bad_requests_stay_400() -> None:
    assert bad_request(RequestFactory().get("/"), BadRequest("nonsense")).status_code == 400


def test_a_session_lost_with_the_database_is_a_503_not_a_400() -> None:
    request = RequestFactory().get("/")
    try:
        try:
            try:
                raise OperationalError("server closed the connection unexpectedly")
            except OperationalError:
                raise UpdateError  # noqa: B904 - as Django's session backend does
        except UpdateError:
            raise SessionInterrupted("The request's session was deleted")  # noqa: B904
    except SessionInterrupted as error:
        response = bad_request(request, error)
    assert response.status_code == 503 and response["Retry-After"] == "30"
