"""The public lookup at /facilities/, on the real Beijing sample data."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from facilities import services
from facilities.models import Facility
from tests.facilities.conftest import make_facility

URL = reverse("facilities:list")
pytestmark = pytest.mark.usefixtures("beijing")


def names(client: Client, **params: Any) -> list[str]:
    response = client.get(URL, params)
    assert response.status_code == 200
    return [f.name for f in response.context["page"].items]


def test_it_finds_a_hospital_by_a_piece_of_its_chinese_name(client: Client) -> None:
    found = names(client, q="协和")
    assert found[0] == "中国医学科学院北京协和医院"


def test_it_finds_a_hospital_by_full_pinyin(client: Client) -> None:
    assert "中国医学科学院北京协和医院" in names(client, q="xiehe")
    assert names(client, q="dongzhimen") == ["北京中医药大学东直门医院"]


def test_it_finds_a_hospital_by_pinyin_initials(client: Client) -> None:
    assert "中国医学科学院北京协和医院" in names(client, q="xh")
    assert names(client, q="XH") == names(client, q="xh")  # case does not matter


def test_it_finds_a_hospital_by_an_alias_and_the_alias_initials(client: Client) -> None:
    assert names(client, q="北医三院") == ["北京大学第三医院"]
    assert names(client, q="bysy") == ["北京大学第三医院"]
    assert names(client, q="铁路总医院") == ["北京世纪坛医院"]


def test_the_kind_filter_keeps_only_that_kind(client: Client) -> None:
    found = names(client, kind="tcm")
    expected = set(Facility.objects.filter(kind="tcm").values_list("name", flat=True))
    assert set(found) == expected and "首都医科大学附属北京中医医院" in found
    assert "中国医学科学院北京协和医院" not in found


def test_the_level_filter_distinguishes_grade_a_from_the_whole_tier(client: Client) -> None:
    second_grade_a = set(names(client, level="2a"))
    assert second_grade_a == {
        "首都医科大学中医药学院附属鼓楼中医医院",
        "北京市东城区妇幼保健院",
        "北京中医药大学附属护国寺中医医院",
    }
    assert set(names(client, level="2")) == second_grade_a | {"北京市丰盛中医骨伤专科医院"}
    assert set(names(client, level="1")) == {"北京市东城区精神卫生保健院", "北京天安中医院"}
    assert "中国中医研究院骨伤科医院" in names(client, level="3", q="骨伤")
    assert names(client, level="3a", q="骨伤") == []  # 三级 without a grade
    assert "北京市东城区口腔医院" in names(client, level="0")


def test_the_service_filter_keeps_facilities_networked_for_it(client: Client) -> None:
    dialysis = names(client, service="dialysis")
    assert "中国医学科学院北京协和医院" in dialysis
    assert "北京市东城区口腔医院" not in dialysis
    assert names(client, service="dialysis", q="中医") == []


def test_the_province_and_city_filters_keep_that_place(client: Client) -> None:
    make_facility()
    assert names(client, province="310000") == ["上海市第一人民医院"]
    assert names(client, city="310100") == ["上海市第一人民医院"]
    assert len(names(client, province="110000")) == 20  # one page of Beijing's 39
    assert client.get(URL, {"province": "110000"}).context["page"].count == 39


def test_nearest_first_sorts_by_distance_from_the_chosen_city(client: Client) -> None:
    make_facility(
        code="H12010100001",
        name="天津市第一中心医院",
        province_id="120000",
        city_id="120100",
        latitude=39.12,
        longitude=117.20,
    )
    make_facility()
    response = client.get(URL, {"sort": "distance", "near": "120100", "q": "医院"})
    found = [f.name for f in response.context["page"].items]
    assert found[0] == "天津市第一中心医院"
    assert found[-1] == "上海市第一人民医院" or response.context["page"].has_next
    distances = [f.distance_km for f in response.context["page"].items]
    assert distances == sorted(distances)
    assert 90 < distances[1] < 140  # Beijing is about 110 km from Tianjin
    second = response.context["page"].items[1]
    html = response.content.decode()
    assert f"{second.place} · 约 {round(second.distance_km)} 公里</p>" in html
    client.cookies["django_language"] = "en"
    english = client.get(URL, {"sort": "distance", "near": "120100", "q": "医院"})
    assert f" · about {round(second.distance_km)} km</p>" in english.content.decode()


def test_nearest_first_uses_the_chosen_city_filter_when_no_origin_is_given(client: Client) -> None:
    response = client.get(URL, {"sort": "distance", "city": "110100"})
    assert response.context["criteria"].origin.code == "110100"


def test_nearest_first_without_any_city_says_to_choose_one(client: Client) -> None:
    response = client.get(URL, {"sort": "distance"})
    assert response.context["needs_origin"]
    assert "请先在“更多条件”里选择一个城市" in response.content.decode()


def test_an_empty_result_says_what_to_try_next(client: Client) -> None:
    html = client.get(URL, {"q": "不存在的医院名", "city": "110100"}).content.decode()
    assert "没有找到符合条件的机构" in html
    assert "拼音首字母" in html and "清除所有条件" in html and "12393" in html
    assert "在北京市全省查找" in html or "全省查找" in html


def test_results_are_paginated_with_real_links(client: Client) -> None:
    first = client.get(URL, {"province": "110000"})
    html = first.content.decode()
    assert 'href="?province=110000&amp;page=2"' in html
    second = client.get(URL, {"province": "110000", "page": "2"})
    page = second.context["page"]
    assert page.number == 2 and len(page.items) == 19
    overlap = {f.pk for f in page.items} & {f.pk for f in first.context["page"].items}
    assert not overlap


@pytest.mark.parametrize("page", ["0", "-1", "abc", "99999999999999999999", "2.5", "", "1e9"])
def test_a_bad_page_number_shows_a_page_instead_of_an_error(client: Client, page: str) -> None:
    response = client.get(URL, {"province": "110000", "page": page})
    assert response.status_code == 200
    assert response.context["page"].number in (1, 2)


@pytest.mark.parametrize(
    "params",
    [
        {"q": "医" * 5000},
        {"q": "协和\x00\x01\x7f"},
        {"q": "'; DROP TABLE facilities_facility; --"},
        {"q": "%"},
        {"q": "_"},
        {"q": "\\"},
        {"q": "协和' OR '1'='1"},
        {"province": "<script>alert(1)</script>"},
        {"city": "999999"},
        {"kind": "hospital"},
        {"level": "9z"},
        {"service": "everything"},
        {"sort": "random()"},
        {"near": "000000"},
        {"province": "110000", "city": "310100"},
    ],
)
def test_hostile_input_never_breaks_the_page(client: Client, params: dict[str, str]) -> None:
    response = client.get(URL, params)
    # A NUL byte may be refused before the view (400); never a server error.
    assert response.status_code == 200 or (
        response.status_code == 400 and any("\x00" in value for value in params.values())
    )
    assert "<script>alert(1)</script>" not in response.content.decode()
    assert Facility.objects.count() == 39


def test_an_invalid_filter_is_reported_next_to_its_field_and_the_rest_still_apply(
    client: Client,
) -> None:
    response = client.get(URL, {"kind": "hospital", "q": "协和"})
    html = response.content.decode()
    assert "机构类型" in html and "error-message" in html
    assert "中国医学科学院北京协和医院" in [f.name for f in response.context["page"].items]
    assert 'value="协和"' in html  # the input is kept


def test_a_too_long_query_is_reported_and_kept(client: Client) -> None:
    response = client.get(URL, {"q": "协和" * 30})
    assert response.context["form"].has_error("q")
    assert "最多输入 40 个字" in response.content.decode()


def test_a_city_left_over_from_another_province_is_dropped(client: Client) -> None:
    make_facility()
    response = client.get(URL, {"province": "110000", "city": "310100"})
    assert response.context["criteria"].city is None
    assert response.context["page"].count == 39


def test_without_javascript_the_city_select_lists_the_chosen_provinces_cities(
    client: Client,
) -> None:
    html = client.get(URL, {"province": "340000"}).content.decode()
    select = html[html.index('<select id="id_city"') :]
    select = select[: select.index("</select>")]
    assert "合肥市" in select and "上海市" not in select and "<optgroup" not in select
    everything = client.get(URL).content.decode()
    assert '<optgroup label="安徽省">' in everything  # no province: every city, grouped


def test_the_form_is_a_plain_get_form_with_a_submit_button(client: Client) -> None:
    html = client.get(URL).content.decode()
    assert 'method="get" action="/facilities/"' in html
    assert '<button type="submit" class="button">查找</button>' in html


def test_htmx_gets_only_the_results_and_the_response_varies_on_hx_request(client: Client) -> None:
    response = client.get(URL, {"q": "协和"}, headers={"HX-Request": "true"})
    html = response.content.decode()
    assert html.lstrip().startswith('<section id="results"')
    assert "<html" not in html and "中国医学科学院北京协和医院" in html
    assert "HX-Request" in response["Vary"]
    full = client.get(URL, {"q": "协和"})
    assert "<html" in full.content.decode() and "HX-Request" in full["Vary"]


def test_a_history_restore_gets_the_whole_page(client: Client) -> None:
    response = client.get(
        URL, {"q": "协和"}, headers={"HX-Request": "true", "HX-History-Restore-Request": "true"}
    )
    assert "<html" in response.content.decode()


def test_changing_the_province_with_htmx_also_swaps_the_city_select(client: Client) -> None:
    headers = {"HX-Request": "true", "HX-Trigger-Name": "province"}
    html = client.get(
        URL, {"province": "340000", "city": "110100"}, headers=headers
    ).content.decode()
    assert 'id="city-field" hx-swap-oob="true"' in html
    assert "合肥市" in html
    other = client.get(URL, {"q": "协和"}, headers={"HX-Request": "true"}).content.decode()
    assert "hx-swap-oob" not in other


def test_the_form_pushes_the_search_into_the_url(client: Client) -> None:
    html = client.get(URL).content.decode()
    assert 'hx-push-url="true"' in html and 'hx-get="/facilities/"' in html


def test_the_list_page_takes_two_queries_for_a_visitor_and_one_for_a_rare_name(
    client: Client, django_assert_num_queries: Any
) -> None:
    # Regions and downtime notices are read once, then kept.
    client.get(URL, {"q": "医院"})
    with django_assert_num_queries(1):  # page and count together (39 hospitals: two pages)
        response = client.get(URL, {"province": "110000"})
    assert response.context["page"].count == 39
    with django_assert_num_queries(2):  # nearest 天津: the count, then the page measured
        client.get(URL, {"sort": "distance", "near": "120100"})
    with django_assert_num_queries(1):  # the first page is not full: it is every match
        response = client.get(URL, {"q": "协和", "city": "110100"})
    page = response.context["page"]
    assert page.count == len(page.items) == 2 and not page.has_next
    # Nationwide the same: one query through the postings.
    with django_assert_num_queries(1):
        response = client.get(URL, {"q": "协和"})
    page = response.context["page"]
    assert page.count == len(page.items) == 2 and not page.has_next
    # Cities come from the regions kept in the process, parent included.
    assert "北京市" in response.content.decode()


def test_a_page_past_the_end_shows_the_last_page(client: Client) -> None:
    response = client.get(URL, {"province": "110000", "page": "7"})
    page = response.context["page"]
    assert page.number == 2 and len(page.items) == 19
    response = client.get(URL, {"q": "协和", "page": "3"})
    page = response.context["page"]
    assert page.number == 1 and len(page.items) == page.count == 2


def test_the_list_page_reads_the_regions_once_when_they_are_not_kept(
    client: Client, django_assert_num_queries: Any
) -> None:
    with django_assert_num_queries(3):  # regions, page (not full: no count), notices
        client.get(URL, {"q": "协和", "city": "110100"})


def test_inactive_facilities_are_not_listed(client: Client) -> None:
    import datetime as dt

    make_facility(active_to=dt.date(2021, 1, 1))
    make_facility(code="H31010100002", name="上海未来医院", active_from=dt.date(2999, 1, 1))
    assert names(client, city="310100") == []


def test_the_list_is_public(client: Client) -> None:
    assert client.get(URL).status_code == 200


def test_the_list_refuses_post(client: Client) -> None:
    assert client.post(URL).status_code == 405


def test_the_distance_origin_is_the_persons_current_filing_destination(retiree: Any) -> None:
    from facilities.services import default_origin
    from filings import rules
    from tests.conftest import make_filing

    assert default_origin(retiree) is None
    make_filing(retiree, category=rules.Category.REFERRAL, destination_id="110100")
    make_filing(retiree, destination_id="310100")  # long-term wins over temporary
    origin = default_origin(retiree)
    assert origin is not None and origin.code == "310100"


def test_a_name_with_digits_is_found_by_its_digits_and_by_pinyin_around_them(
    client: Client,
) -> None:
    make_facility(code="H11010800301", name="北京301医院", province_id="110000", city_id="110100")
    for query in ("301", "j301", "bj301", "301yy", "301医院", "jing301yi"):
        assert "北京301医院" in names(client, q=query), query
    assert "北京301医院" not in names(client, q="302")


def test_real_facilities_come_before_synthetic_demo_ones(client: Client) -> None:
    make_facility(
        code="XH1101000001",
        name="北京协和演示医院",
        province_id="110000",
        city_id="110100",
        is_synthetic=True,
    )
    found = names(client, q="协和")
    assert found[-1] == "北京协和演示医院"
    assert found[0] == "中国医学科学院北京协和医院"
    response = client.get(URL, {"q": "协和"})
    assert "演示数据" in response.content.decode()


def test_labels_on_the_cards_follow_the_chosen_language(client: Client) -> None:
    from django.utils import translation

    facility = Facility.objects.get(name="中国医学科学院北京协和医院")
    with translation.override("zh-hans"):
        assert facility.kind_label == "综合医院" and facility.level_label == "三级甲等"
        chinese = facility.service_labels
    with translation.override("en"):
        assert facility.kind_label == "General hospital"
        assert facility.level_label.startswith("Level 3")
        english = facility.service_labels
    assert len(chinese) == len(english) and chinese != english
    client.cookies["django_language"] = "en"
    assert "General hospital" in client.get(URL, {"q": "协和"}).content.decode()


def test_each_card_links_to_the_facility_page(client: Client) -> None:
    facility = Facility.objects.get(name="中国医学科学院北京协和医院")
    url = reverse("facilities:detail", args=[facility.code])
    assert facility.get_absolute_url() == url
    assert f'href="{url}"' in client.get(URL, {"q": "协和"}).content.decode()
    assert client.get(url).status_code == 200


def test_a_search_within_a_province_follows_a_facility_that_moved(client: Client) -> None:
    moved = make_facility(
        code="H34010000777", name="合肥演示人民医院", province_id="340000", city_id="340100"
    )
    assert "合肥演示人民医院" in names(client, q="人民医院", province="340000")
    assert "合肥演示人民医院" in names(client, q="rmyy", city="340100")
    assert "合肥演示人民医院" in names(client, q="人", province="340000")  # one character
    # Corrected in the directory: it is in 上海 (the admin and the import
    # recompute the search pieces and postings on every change).
    moved.province_id, moved.city_id = "310000", "310100"
    services.save_facility(moved)
    assert "合肥演示人民医院" not in names(client, q="人民医院", province="340000")
    assert "合肥演示人民医院" not in names(client, q="演", province="340000")
    assert "合肥演示人民医院" in names(client, q="人民医院", province="310000")
    assert "合肥演示人民医院" in names(client, q="演", province="310000")
    assert "合肥演示人民医院" in names(client, q="rmyy", city="310100")
    assert "合肥演示人民医院" in names(client, q="人民医院")  # nationwide


def test_the_filter_choices_follow_the_language_from_one_page_to_the_next(client: Client) -> None:
    # The options' HTML is built once per language (facilities.forms.FastSelect).
    chinese = client.get(URL, {"kind": "tcm"}).content.decode()
    assert '<option value="tcm" selected>中医医院</option>' in chinese
    client.cookies["django_language"] = "en"
    english = client.get(URL, {"kind": "tcm"}).content.decode()
    assert "中医医院</option>" not in english
    assert '<option value="tcm" selected>' in english and "TCM" in english
    client.cookies["django_language"] = "zh-hans"
    again = client.get(URL, {"kind": "primary"}).content.decode()
    assert '<option value="tcm">中医医院</option>' in again
    assert '<option value="primary" selected>' in again


def test_nearest_first_from_a_city_with_no_known_centre_lists_by_level_and_says_why(
    client: Client,
) -> None:
    by_level = names(client, q="医院")
    response = client.get(URL, {"q": "医院", "sort": "distance", "near": "659011"})  # 新星市
    assert response.context["criteria"].origin is None
    assert [f.name for f in response.context["page"].items] == by_level
    html = response.content.decode()
    assert "暂时还没有新疆维吾尔自治区 新星市的位置数据" in html
    assert "直线距离排序" not in html and "公里" not in html
    assert '<option value="659011" selected>新星市</option>' in html  # the choice is kept
