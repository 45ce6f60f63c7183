from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from portal.models import InsuranceRegion, Region

pytestmark = pytest.mark.django_db


def test_the_start_page_explains_the_three_steps_in_chinese_by_default(client: Client) -> None:
    response = client.get(reverse("home"), HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    html = response.content.decode()
    assert '<html lang="zh-Hans">' in html
    for step in ("先备案", "选定点", "持码卡就医"):
        assert step in html
    assert response["Content-Language"] == "zh-hans"


def test_the_language_switch_turns_the_site_to_english_and_back(client: Client) -> None:
    response = client.post(reverse("set_language"), {"language": "en", "next": "/"})
    assert response.status_code == 302
    html = client.get(reverse("home")).content.decode()
    assert '<html lang="en">' in html
    assert "File first" in html
    assert "简体中文" in html  # the switch back
    client.post(reverse("set_language"), {"language": "zh-hans", "next": "/"})
    assert "先备案" in client.get(reverse("home")).content.decode()


def test_every_page_has_the_switch_a_skip_link_and_a_main_landmark(client: Client) -> None:
    for name in ("home", "register", "login", "password_reset"):
        html = client.get(reverse(name)).content.decode()
        assert 'action="/i18n/setlang/"' in html, name
        assert 'href="#main"' in html and '<main id="main"' in html, name


def test_htmx_is_served_by_the_app_not_a_cdn(client: Client) -> None:
    html = client.get(reverse("home")).content.decode()
    assert "htmx" in html
    assert "unpkg.com" not in html and "cdn" not in html.lower()


def test_reference_data_has_every_province_and_the_bingtuan() -> None:
    provinces = Region.objects.provinces()
    assert provinces.count() == 32
    names = set(provinces.values_list("name", flat=True))
    assert "新疆生产建设兵团" in names
    assert not names & {"台湾省", "香港特别行政区", "澳门特别行政区", "苏鲁交界"}


def test_destinations_include_prefectures_municipalities_and_province_direct_counties() -> None:
    codes = set(Region.objects.destinations().values_list("code", flat=True))
    assert {"340100", "310100", "110100", "500100", "419001", "429004", "469001", "659001"} <= codes
    assert Region.objects.get(code="310100").full_name == "上海市"
    assert Region.objects.get(code="340100").full_name == "安徽省 合肥市"
    # 重庆's two listed parts (市辖区, 县) are one region.
    assert not Region.objects.filter(code="500200").exists()


def test_every_destination_and_the_bingtuan_is_a_pooling_region_with_an_agency() -> None:
    assert InsuranceRegion.objects.count() == Region.objects.destinations().count() + 1
    assert InsuranceRegion.objects.get(pk="660000").agency_name == "新疆生产建设兵团医疗保障局"


def test_loading_the_regions_again_changes_nothing(hefei: InsuranceRegion) -> None:
    from django.core.management import call_command

    hefei.hotline = "0551-12345678"
    hefei.save()
    before = (Region.objects.count(), InsuranceRegion.objects.count())
    call_command("load_regions")
    assert (Region.objects.count(), InsuranceRegion.objects.count()) == before
    hefei.refresh_from_db()
    assert hefei.hotline == "0551-12345678"


def test_a_missing_page_gets_a_plain_chinese_404(client: Client) -> None:
    response = client.get("/filings/nothing-here/")
    assert response.status_code in (302, 404)
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert "找不到这个页面" in response.content.decode()
