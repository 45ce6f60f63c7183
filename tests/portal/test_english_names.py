"""English pages: place names with pinyin, disease names, list joins and
spacing, the downtime notice, the facility level."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import override

from facilities.models import level_label
from notices.models import DowntimeNotice
from portal.models import Region
from portal.places import pinyin

pytestmark = pytest.mark.django_db


@pytest.fixture
def english(client: Client) -> Client:
    client.cookies["django_language"] = "en"
    return client


def test_place_names_get_their_pinyin_on_english_pages_only() -> None:
    hefei = Region.objects.select_related("parent").get(pk="340100")
    assert hefei.full_name == "安徽省 合肥市"
    with override("en"):
        assert hefei.full_name == "合肥市 Hefei, 安徽省 Anhui"
        assert Region.objects.get(pk="310100").full_name == "上海市 Shanghai"
    assert pinyin("陕西省") == "Shaanxi" and pinyin("西安市") == "Xi'an"
    assert pinyin("延边朝鲜族自治州") == "Yanbian" and pinyin("长治市") == "Changzhi"


def test_the_hotlines_page_in_english_names_places_in_pinyin(english: Client) -> None:
    html = english.get(reverse("notices:hotlines"), {"q": "合肥"}).content.decode()
    assert "合肥市 Hefei, 安徽省 Anhui" in html
    assert ">安徽省 Anhui</option>" in html


def test_the_estimators_city_list_in_english_has_pinyin(english: Client) -> None:
    html = english.get(reverse("claims:estimate"), {"province": "340000", "update_region": "1"})
    assert ">合肥市 Hefei</option>" in html.content.decode()


def test_disease_names_on_the_checker_are_english(english: Client) -> None:
    html = english.get(reverse("chronic:checker")).content.decode()
    assert "Hypertension" in html and "Coronary heart disease" in html
    assert ">冠心病<" not in html


def test_the_facility_level_has_a_space_in_english() -> None:
    with override("en"):
        assert level_label(3, 3) == "Level 3 Grade A"
    with override("zh-hans"):
        assert level_label(3, 3) == "三级甲等"


def test_the_out_of_pocket_warning_reads_as_one_sentence(english: Client) -> None:
    html = english.get(reverse("chronic:checker"), {"disease": "coronary-heart-disease"})
    text = html.content.decode()
    assert "yourself,keep" not in text and "yourself;</strong> keep" in text


def test_a_downtime_notice_shows_its_english_text_on_english_pages(
    client: Client, english: Client
) -> None:
    now = timezone.now()
    DowntimeNotice.objects.create(
        starts_at=now + dt.timedelta(hours=1),
        ends_at=now + dt.timedelta(hours=3),
        message="系统升级",
        message_en="System upgrade",
        pages=["lookup"],
    )
    assert "System upgrade" in english.get(reverse("notices:list")).content.decode()
    client.cookies["django_language"] = "zh-hans"
    assert "系统升级" in client.get(reverse("notices:list")).content.decode()


def test_the_admin_speaks_chinese_where_django_and_axes_do_not(client: Client) -> None:
    from portal.models import User

    admin = User.objects.create_superuser(
        id_number="11010119800101015X", password="x-Secret-99", full_name="管理员"
    )
    client.force_login(admin)
    client.cookies["django_language"] = "zh-hans"
    html = client.get(reverse("admin:index")).content.decode()
    assert "Model name" not in html and "Add link" not in html
    assert "模型名称" in html
    html = client.get(reverse("admin:app_list", args=["axes"])).content.decode()
    assert "Access attempts" not in html and "登录尝试记录" in html


def test_the_banner_uses_an_english_colon_on_english_pages(english: Client) -> None:
    now = timezone.now()
    DowntimeNotice.objects.create(
        starts_at=now + dt.timedelta(hours=1),
        ends_at=now + dt.timedelta(hours=3),
        message="系统升级",
        pages=["lookup"],
    )
    html = english.get(reverse("facilities:list")).content.decode()
    assert "Nationwide: " in html and "Nationwide：" not in html
