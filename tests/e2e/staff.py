"""Staff-side helpers for end-to-end tests: accounts and a logged-in browser page."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from contextlib import contextmanager

from playwright.sync_api import Browser, Page, sync_playwright

from scripts.stack import BACKEND_PY, ROOT
from tests.e2e.conftest import RunningStack

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]


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


@contextmanager
def chromium() -> Iterator[Browser]:
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


def log_in(browser: Browser, stack: RunningStack, username: str, password: str, next_path: str) -> Page:
    page = browser.new_page()
    page.goto(f"{stack.backend_url}/staff/login?next={next_path}")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")
    page.wait_for_url(f"**{next_path}*")
    return page
