"""Browser tests: pytest-playwright driving the system Chromium (/usr/bin/chromium)
against pytest-django's live server. Run with `make test-browser`.

axe-core (tests/browser/vendor/axe.min.js, from the npm package axe-core) is
injected by the tests through the DevTools protocol, never served to users."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import ConsoleMessage, Page


def pytest_configure(config: pytest.Config) -> None:
    # Playwright's sync API runs an event loop in the test thread; the ORM
    # calls the tests make between page actions are still plain synchronous
    # code. Only for a browser run (`-m browser`), never for `make test`.
    if config.getoption("markexpr") == "browser":
        os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
AXE = (Path(__file__).parent / "vendor" / "axe.min.js").read_text(encoding="utf-8")
SCREENSHOTS = Path(
    os.environ.get("SCREENSHOTS", Path(__file__).resolve().parents[2] / "var" / "screenshots")
)


# Each test module starts with `pytestmark = BROWSER`.
BROWSER = [
    pytest.mark.browser,
    pytest.mark.skipif(not shutil.which(CHROMIUM), reason=f"{CHROMIUM} is not installed"),
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict[str, Any]) -> dict[str, Any]:
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "headless": True,
        "args": [
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
        ],
    }


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args: dict[str, Any]) -> dict[str, Any]:
    return {
        **browser_context_args,
        "locale": "zh-CN",
        "timezone_id": "Asia/Shanghai",
        "viewport": {"width": 1280, "height": 900},
    }


@pytest.fixture(autouse=True)
def plain_http(settings: Any) -> None:
    """The live server speaks plain HTTP on loopback."""
    settings.SESSION_COOKIE_SECURE = False
    settings.CSRF_COOKIE_SECURE = False
    settings.LANGUAGE_COOKIE_SECURE = False


class PolicyWatch:
    """Content-Security-Policy violations reported by the page's console."""

    def __init__(self, page: Page) -> None:
        self.violations: list[str] = []
        page.on("console", self.seen)

    def seen(self, message: ConsoleMessage) -> None:
        if "Content Security Policy" in message.text or "Refused to" in message.text:
            self.violations.append(message.text)


@pytest.fixture
def csp_watch(page: Page) -> Iterator[PolicyWatch]:
    watch = PolicyWatch(page)
    yield watch
    assert watch.violations == []


def check_accessibility(page: Page, label: str = "") -> None:
    """No serious or critical axe-core violation on the page as it is now."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.evaluate(AXE)  # through DevTools: not subject to the page's CSP
    results = page.evaluate(
        """async () => {
            const r = await axe.run(document, {resultTypes: ["violations"]});
            return r.violations
              .filter(v => v.impact === "serious" || v.impact === "critical")
              .map(v => `${v.impact} ${v.id}: ${v.help} -> ` +
                        v.nodes.slice(0, 3).map(n => n.target.join(" ")).join(" | "));
        }"""
    )
    assert results == [], f"{label or page.url}: {results}"


def screenshot(page: Page, name: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
