"""Keyboard-only completion of the filing journey, and the session-expiry warning."""

from __future__ import annotations

import re
from typing import Any

from django.utils import timezone
from playwright.sync_api import Page, expect

from filings.models import Filing
from portal.models import User
from tests.browser.conftest import BROWSER, PolicyWatch, check_accessibility, screenshot
from tests.conftest import PASSWORD, make_person

pytestmark = BROWSER


def tab_to(page: Page, selector: str, *, backwards: bool = False, limit: int = 80) -> None:
    """Press Tab (or Shift+Tab) until the focused element matches `selector`."""
    for _ in range(limit):
        if page.evaluate("s => document.activeElement?.matches(s) ?? false", selector):
            return
        page.keyboard.press("Shift+Tab" if backwards else "Tab")
    raise AssertionError(f"Tab never reached {selector} on {page.url}")


def arrow_until(page: Page, value: str, *, key: str = "ArrowDown", limit: int = 60) -> None:
    """Arrow keys on the focused radio group or select until `value` is chosen."""
    for _ in range(limit):
        current = page.evaluate(
            """() => { const e = document.activeElement;
                       return e.type === 'radio' ? (e.checked ? e.value : '') : e.value; }"""
        )
        if current == value:
            return
        page.keyboard.press(key)
    raise AssertionError(f"arrow keys never chose {value} on {page.url}")


def enter_and_wait(page: Page) -> None:
    """Press Enter on the focused link or button and wait for the next page."""
    with page.expect_navigation():
        page.keyboard.press("Enter")


def press_continue(page: Page) -> None:
    tab_to(page, "main form button.button[type=submit]")
    enter_and_wait(page)


def test_the_whole_filing_journey_with_the_keyboard_alone(
    page: Page, live_server: Any, csp_watch: PolicyWatch
) -> None:
    person: User = make_person()
    page.goto(live_server.url + "/accounts/login/")
    page.keyboard.type(person.id_number)  # the field has autofocus
    page.keyboard.press("Tab")
    page.keyboard.type(PASSWORD)
    enter_and_wait(page)
    expect(page.get_by_role("button", name="退出登录").first).to_be_visible()

    tab_to(page, "a[href='/filings/']")
    enter_and_wait(page)
    expect(page).to_have_url(re.compile(r"/filings/$"))
    tab_to(page, "main a[href='/filings/new/']")
    enter_and_wait(page)
    tab_to(page, "main a[href^='/filings/new/category/']")
    enter_and_wait(page)
    expect(page).to_have_url(re.compile(r"/filings/new/category/$"))

    tab_to(page, "input[name=category]")
    page.keyboard.press("Space")
    arrow_until(page, "other")
    press_continue(page)

    expect(page).to_have_url(re.compile(r"/filings/new/destination/$"))
    tab_to(page, "#id_province")
    arrow_until(page, "310000")
    expect(page.locator("#id_destination option[value='310100']")).to_have_count(1)
    page.wait_for_load_state("networkidle")
    tab_to(page, "#id_destination")
    arrow_until(page, "310100")
    press_continue(page)

    expect(page).to_have_url(re.compile(r"/filings/new/dates/$"))
    tab_to(page, "#id_start_date")
    today = timezone.localdate()
    # Headless Chromium lays date fields out as mm/dd/yyyy whatever the locale;
    # each part moves on to the next by itself once typed.
    page.keyboard.type(f"{today.month:02d}{today.day:02d}{today.year}")
    assert page.input_value("#id_start_date") == today.isoformat()
    press_continue(page)

    expect(page).to_have_url(re.compile(r"/filings/new/details/$"))
    press_continue(page)  # the contact phone is already the person's mobile

    expect(page).to_have_url(re.compile(r"/filings/new/consent/$"))
    tab_to(page, "#id_accept")
    page.keyboard.press("Space")
    press_continue(page)

    expect(page).to_have_url(re.compile(r"/filings/new/check/$"))
    check_accessibility(page, "check page (keyboard)")
    tab_to(page, "main form button[type=submit]")
    enter_and_wait(page)
    filing = Filing.objects.get(person=person)
    expect(page).to_have_url(re.compile(rf"/filings/{filing.reference}/done/$"))
    assert filing.category == "other" and filing.destination_id == "310100"


def test_the_session_warning_appears_keeps_the_session_and_says_when_it_ended(
    page: Page, live_server: Any, settings: Any, csp_watch: PolicyWatch
) -> None:
    settings.SESSION_COOKIE_AGE = 12  # warned 4 seconds before the end
    person: User = make_person()
    page.goto(live_server.url + "/accounts/login/")
    page.fill("#id_username", person.id_number)
    page.fill("#id_password", PASSWORD)
    page.locator("main form button[type=submit]").click()
    page.goto(live_server.url + "/filings/new/category/")

    dialog = page.locator("#session-expiry")
    expect(dialog).to_be_visible(timeout=15_000)
    expect(dialog).to_contain_text("您即将自动退出登录")
    expect(page.get_by_role("button", name="继续使用，保持登录")).to_be_focused()
    check_accessibility(page, "session warning")
    screenshot(page, "session-warning")
    with page.expect_response("**/accounts/session/keep-alive/") as kept:
        page.keyboard.press("Enter")
    assert kept.value.status == 204
    expect(dialog).to_be_hidden()

    expect(dialog.locator("[data-state=ended]")).to_be_visible(timeout=20_000)
    screenshot(page, "session-ended")
    page.get_by_role("link", name="重新登录").click()
    expect(page).to_have_url(re.compile(r"/accounts/login/\?next="))
