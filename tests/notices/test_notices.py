"""Hotlines and downtime notices."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import IntegrityError, transaction
from django.template import Context, Template
from django.test import Client, RequestFactory
from django.urls import reverse
from django.utils import timezone

from notices.models import DowntimeNotice
from portal.models import InsuranceRegion, User

pytestmark = pytest.mark.django_db


def notice(hours_from_now: float, length: float = 4, **fields: object) -> DowntimeNotice:
    starts = timezone.now() + dt.timedelta(hours=hours_from_now)
    defaults: dict[str, object] = {"message": "系统升级维护", "pages": ["filing", "lookup"]}
    defaults.update(fields)
    return DowntimeNotice.objects.create(
        starts_at=starts, ends_at=starts + dt.timedelta(hours=length), **defaults
    )


def test_the_hotlines_page_shows_12393_and_finds_an_agency_by_city(client: Client) -> None:
    InsuranceRegion.objects.filter(pk="340100").update(hotline="0551-12393（演示）")
    html = client.get(reverse("notices:hotlines"), {"q": "合肥"}).content.decode()
    assert "12393" in html and "合肥市医疗保障局" in html and "0551-12393（演示）" in html
    assert 'href="tel:0551-12393"' in html


def test_the_hotlines_page_lists_a_provinces_agencies(client: Client) -> None:
    response = client.get(reverse("notices:hotlines"), {"province": "340000"})
    names = [a.region.name for a in response.context["agencies"]]
    assert "合肥市" in names and "上海市" not in names
    # Every 安徽 region has a number now (area code + 12393, issue 16 item 18).
    html = response.content.decode()
    assert "0551-12393" in html and "0558-12393" in html and "暂未公布" not in html


def test_a_signed_in_person_sees_their_own_agency_first(client: Client, retiree: User) -> None:
    client.force_login(retiree)
    html = client.get(reverse("notices:hotlines")).content.decode()
    assert "您的参保地是安徽省 合肥市" in html


@pytest.mark.parametrize(
    "params", [{"q": "合" * 300}, {"q": "\x00"}, {"province": "abc"}, {"q": "%' --"}]
)
def test_hostile_input_never_breaks_the_hotlines_page(
    client: Client, params: dict[str, str]
) -> None:
    status = client.get(reverse("notices:hotlines"), params).status_code
    # A NUL byte may be refused before the view (400); never a server error.
    assert status == 200 or (status == 400 and any("\x00" in value for value in params.values()))


def test_the_banner_shows_upcoming_and_current_notices_on_the_lookup(client: Client) -> None:
    notice(2, message="明晚停机")
    notice(-1, message="正在停机")
    notice(-10, length=2, message="早已结束")
    notice(1, pages=["filing"], message="只影响备案")
    html = client.get(reverse("facilities:list")).content.decode()
    assert "明晚停机" in html and "停机预告" in html
    assert "正在停机" in html and "系统停机中" in html
    assert "早已结束" not in html and "只影响备案" not in html


def test_the_banner_shows_a_regions_notice_only_where_it_applies(client: Client) -> None:
    notice(1, region_id="340000", message="安徽省停机")
    assert "安徽省停机" not in client.get(reverse("facilities:list")).content.decode()
    html = client.get(reverse("facilities:list"), {"city": "340100"}).content.decode()
    assert "安徽省停机" in html


def test_the_banner_tag_works_for_the_filing_pages_and_the_insured_region(retiree: User) -> None:
    notice(1, region_id="340100", message="合肥备案系统停机")
    request = RequestFactory().get("/")
    request.user = retiree
    html = Template('{% load notices %}{% downtime_banner "filing" %}').render(
        Context({"request": request})
    )
    assert "合肥备案系统停机" in html


def test_the_banner_comes_from_the_cache_and_a_saved_or_deleted_notice_shows_at_once(
    client: Client,
) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    url = reverse("facilities:list")
    client.get(url)  # fills the cache (no notice yet)
    with CaptureQueriesContext(connection) as queries:
        client.get(url)
    assert not [q for q in queries.captured_queries if "notices_downtimenotice" in q["sql"]]
    first = notice(2, message="明晚停机")  # saving clears the cached list
    assert "明晚停机" in client.get(url).content.decode()
    first.message = "改到后天停机"
    first.save()
    html = client.get(url).content.decode()
    assert "改到后天停机" in html and "明晚停机" not in html
    first.delete()
    assert "改到后天停机" not in client.get(url).content.decode()


def test_the_notices_page_lists_current_upcoming_and_recently_ended(client: Client) -> None:
    notice(3, message="即将停机的公告")
    notice(-48, length=2, message="上周的停机")
    html = client.get(reverse("notices:list")).content.decode()
    assert "即将停机的公告" in html and "上周的停机" in html


def test_a_notice_must_end_after_it_starts_and_affect_some_page() -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        notice(1, length=-1)
    with pytest.raises(IntegrityError), transaction.atomic():
        notice(1, pages=[])
    with pytest.raises(IntegrityError), transaction.atomic():
        notice(1, pages=["everything"])
