"""The main journeys in a real browser, with axe-core on every page visited."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from django.conf import settings
from django.test import Client
from django.utils import timezone
from playwright.sync_api import FilePayload, Page, expect

from filings.models import Filing
from portal.idnumbers import make_id_number
from portal.models import User
from tests.browser.conftest import BROWSER, PolicyWatch, check_accessibility, screenshot
from tests.conftest import PASSWORD, make_filing, make_person

pytestmark = BROWSER
PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 64


def continue_(page: Page) -> None:
    page.locator("main form button.button[type=submit]").first.click()


def test_register_log_in_by_mobile_file_with_an_upload_and_change_it(
    page: Page, live_server: Any, csp_watch: PolicyWatch
) -> None:
    base = live_server.url
    page.goto(base + "/")
    check_accessibility(page, "start page")
    page.get_by_role("link", name="注册").first.click()
    check_accessibility(page, "registration")
    page.fill("#id_full_name", "赵秀英")
    page.fill("#id_id_number", make_id_number("340102", dt.date(1958, 6, 1), 222).lower())
    page.fill("#id_mobile", "13955100099")
    page.select_option("#id_insured_region", "340100")
    page.check("#id_scheme_0")
    page.check("#id_member_status_1")
    page.fill("#id_password1", PASSWORD)
    page.fill("#id_password2", PASSWORD)
    page.locator("main form button[type=submit]").click()
    expect(page.locator(".message-success")).to_contain_text("注册成功")
    check_accessibility(page, "profile")

    page.get_by_role("button", name="退出登录").first.click()
    page.goto(base + "/accounts/login/")
    page.fill("#id_username", "13955100099")
    page.fill("#id_password", PASSWORD)
    page.locator("main form button[type=submit]").click()
    expect(page.get_by_role("button", name="退出登录").first).to_be_visible()

    page.goto(base + "/filings/new/")
    check_accessibility(page, "new filing")
    page.goto(base + "/filings/new/category/")
    check_accessibility(page, "category step")
    page.locator("input[name=category][value=retired]").check()
    continue_(page)
    check_accessibility(page, "destination step")
    page.select_option("#id_province", "310000")  # htmx swaps in the cities
    expect(page.locator("#id_destination option[value='310100']")).to_have_count(1)
    page.select_option("#id_destination", "310100")
    continue_(page)
    check_accessibility(page, "dates step")
    start = timezone.localdate() + dt.timedelta(days=7)  # not started yet: it may still change
    page.fill("#id_start_date", start.isoformat())
    continue_(page)
    check_accessibility(page, "details step")
    continue_(page)  # the contact phone is prefilled with the mobile
    check_accessibility(page, "evidence step")
    page.locator("input[name=evidence][value=documents]").check()
    page.select_option("#id_kind", index=1)
    upload: FilePayload = {"name": "居住证.png", "mimeType": "image/png", "buffer": PNG}
    page.set_input_files("#id_file", files=[upload])
    continue_(page)
    check_accessibility(page, "consent step")
    page.check("#id_accept")
    continue_(page)
    expect(page.locator("main")).to_contain_text("居住证.png")
    check_accessibility(page, "check page")
    page.get_by_role("button", name="提交备案").click()
    filing = Filing.objects.get(person__mobile="13955100099")
    expect(page).to_have_url(re.compile(rf"/filings/{filing.reference}/done/$"))
    check_accessibility(page, "done page")

    page.get_by_role("link", name="我的备案").first.click()
    expect(page.locator("main")).to_contain_text(filing.reference)
    check_accessibility(page, "my filings")
    page.goto(base + f"/filings/{filing.reference}/")
    check_accessibility(page, "filing detail")
    pdf_link = page.locator(f"a[href$='/filings/{filing.reference}/form.pdf']").first
    with page.expect_download() as download:
        pdf_link.click()
    pdf = download.value.path().read_bytes()
    assert pdf.startswith(b"%PDF-")

    page.goto(base + f"/filings/{filing.reference}/change/")
    check_accessibility(page, "change page")
    page.select_option("#id_province", "320000")
    expect(page.locator("#id_destination option[value='320100']")).to_have_count(1)
    page.select_option("#id_destination", "320100")
    page.locator("main form button.button[type=submit]").first.click()
    expect(page.locator(".messages")).to_contain_text("变更")
    check_accessibility(page, "changed filing")
    assert Filing.objects.filter(person__mobile="13955100099", destination_id="320100").exists()


def test_the_estimator_gives_a_figure(page: Page, live_server: Any, csp_watch: PolicyWatch) -> None:
    page.goto(live_server.url + "/claims/estimate/")
    check_accessibility(page, "estimator")
    page.locator("main form button[type=submit]").last.click()
    page.wait_for_load_state()
    check_accessibility(page, "estimate result")
    assert "/claims/estimate/?" in page.url


def test_the_language_switch_turns_the_page_english_and_back(
    page: Page, live_server: Any, csp_watch: PolicyWatch
) -> None:
    page.goto(live_server.url + "/")
    expect(page.locator("html")).to_have_attribute("lang", "zh-Hans")
    page.get_by_role("button", name="English").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    check_accessibility(page, "start page in English")
    page.get_by_role("button", name="简体中文").click()
    expect(page.locator("html")).to_have_attribute("lang", "zh-Hans")


def test_the_lockout_page_after_five_wrong_passwords(
    page: Page, live_server: Any, csp_watch: PolicyWatch
) -> None:
    person: User = make_person()
    for _ in range(5):
        page.goto(live_server.url + "/accounts/login/")
        page.fill("#id_username", person.id_number.lower())
        page.fill("#id_password", "not-the-password")
        page.locator("main form button[type=submit]").click()
    expect(page.locator("h1")).to_have_text("登录失败次数太多，请稍后再试")
    expect(page.locator("main")).to_contain_text("12393")
    check_accessibility(page, "lockout page")
    screenshot(page, "lockout")


def test_a_stale_form_gets_the_csrf_page_and_can_be_sent_again(
    page: Page, live_server: Any, csp_watch: PolicyWatch
) -> None:
    person: User = make_person()
    page.goto(live_server.url + "/accounts/login/")
    page.fill("#id_username", person.id_number)
    page.fill("#id_password", PASSWORD)
    page.locator("main form button[type=submit]").click()
    page.goto(live_server.url + "/filings/new/category/")
    page.locator("input[name=category][value=other]").check()
    # The page was left open while the security token changed (e.g. signed in again elsewhere).
    page.evaluate(
        """() => document.querySelectorAll('input[name=csrfmiddlewaretoken]')
                  .forEach(i => { i.value = 'x'.repeat(64); })"""
    )
    page.locator("main form button.button[type=submit]").first.click()
    expect(page.locator("h1")).to_have_text("页面已过期，请重新提交")
    check_accessibility(page, "CSRF failure page")
    screenshot(page, "csrf-failure")
    page.get_by_role("button", name="重新提交").click()
    expect(page).to_have_url(re.compile(r"/filings/new/destination/$"))


def test_the_outage_page_reads_well(page: Page, live_server: Any) -> None:
    from django.utils import translation

    from portal.errors import database_unavailable

    with translation.override("zh-hans"):
        body = database_unavailable().content
    url = live_server.url + "/outage-preview/"
    page.route(url, lambda route: route.fulfill(status=503, body=body, content_type="text/html"))
    page.goto(url)
    expect(page.locator("h1")).to_have_text("服务暂时不可用，请稍后再试")
    check_accessibility(page, "503 page")
    screenshot(page, "outage-503")


def test_the_agency_admin_works_under_the_content_security_policy(
    page: Page, live_server: Any, csp_watch: PolicyWatch
) -> None:
    admin: User = make_person(is_staff=True, is_superuser=True)
    filing = make_filing(make_person(), status="submitted")
    # Signed in with the second factor (tests/conftest.py), then handed to the browser.
    client = Client()
    client.force_login(admin)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
    page.context.add_cookies(
        [{"name": settings.SESSION_COOKIE_NAME, "value": cookie, "url": live_server.url}]
    )
    for path in [
        "/admin/",
        "/admin/filings/filing/",
        f"/admin/filings/filing/{filing.pk}/change/",
        f"/admin/portal/user/{admin.pk}/change/",
        "/admin/portal/user/add/",
    ]:
        page.goto(live_server.url + path)
        expect(page.locator("#content")).to_be_visible()
    # The review box on a submitted filing is styled from the static file.
    page.goto(live_server.url + f"/admin/filings/filing/{filing.pk}/change/")
    box = page.locator(".review-box")
    expect(box).to_be_visible()
    assert box.evaluate("e => getComputedStyle(e).borderTopWidth") == "2px"
