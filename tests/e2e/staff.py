"""Staff-side helpers for end-to-end tests: accounts and a logged-in page (on the `browser` fixture)."""

from __future__ import annotations

import subprocess
from typing import Any

from playwright.sync_api import Browser, Page

from scripts.stack import BACKEND_PY, ROOT
from tests.e2e.conftest import RunningStack


def create_staff(stack: RunningStack, username: str, role: str, password: str, *extra: str) -> None:
    """The real CLI, as a manager would use it."""
    subprocess.run(
        [str(BACKEND_PY), "-m", "backend", "users", "create", "--role", role, "--username", username, *extra],
        input=password + "\n",
        text=True,
        cwd=ROOT,
        env=stack.stack.backend_env(),
        check=True,
        capture_output=True,
    )


def log_in(
    browser: Browser, stack: RunningStack, username: str, password: str, next_path: str, **page_options: Any
) -> Page:
    """A logged-in page on `next_path`; `page_options` go to Browser.new_page (viewport, locale)."""
    page = browser.new_page(**page_options)
    page.goto(f"{stack.backend_url}/staff/login?next={next_path}")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")
    page.wait_for_url(f"**{next_path}*")
    return page


def do_step(page: Page, reference: str, step: str, **fields: str | bool | list[str]) -> None:
    """One workflow step as staff take it on the case page: open its form, fill it, send it.

    Text goes into inputs and textareas, a str into a select chooses that option, a bool ticks or
    clears a checkbox, a list ticks those checkboxes (remedies). A refused step fails with the
    page's own error, so a test reads what staff would read.
    """
    form = page.locator(f'form[action="/staff/cases/{reference}/{step}"]')
    details = page.locator("details.action", has=form)
    if details.get_attribute("open") is None:
        details.locator("summary").click()
    for name, value in fields.items():
        if isinstance(value, bool):
            form.locator(f'input[name="{name}"]').set_checked(value)
        elif isinstance(value, list):
            for item in value:
                form.locator(f'input[name="{name}"][value="{item}"]').check()
        else:
            field = form.locator(f'[name="{name}"]')
            if field.evaluate("el => el.tagName") == "SELECT":
                field.select_option(value)
            else:
                field.fill(value)
    with page.expect_navigation():
        form.locator("button[type=submit]").click()
    error = page.locator("p.error")
    assert error.count() == 0, f"{step} refused: {error.inner_text()}"
