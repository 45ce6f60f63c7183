"""Without JavaScript the button that fills the city list sits right after
the province field, before the (still empty) city list: the filing
destination step, the change form and the reimbursement form."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from portal.models import User
from tests.conftest import make_filing

pytestmark = pytest.mark.django_db


def _order(html: str, *marks: str) -> list[int]:
    return [html.index(mark) for mark in marks]


def _button_between(html: str, province: str, city: str) -> None:
    start, button, end = _order(
        html, f'name="{province}"', "先显示所选省份的城市", f'name="{city}"'
    )
    assert start < button < end


def test_the_destination_step(client: Client, retiree: User) -> None:
    client.force_login(retiree)
    client.post(reverse("filings:step", args=["category"]), {"category": "other"})
    html = client.get(reverse("filings:step", args=["destination"])).content.decode()
    _button_between(html, "province", "destination")


def test_the_change_form(client: Client, retiree: User) -> None:
    filing = make_filing(retiree)
    client.force_login(retiree)
    html = client.get(reverse("filings:change", args=[filing.reference])).content.decode()
    _button_between(html, "province", "destination")


def test_the_reimbursement_form(client: Client, retiree: User) -> None:
    client.force_login(retiree)
    html = client.get(reverse("claims:reimbursement_new")).content.decode()
    _button_between(html, "province", "treatment_city")
