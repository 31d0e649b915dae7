"""A live gongwen (API + pages) in a thread, a real worker running Prefect flows, and Debian's Chromium."""

from __future__ import annotations

import os
import re
import shutil
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import uvicorn

from services.config import Settings
from services.processes import free_port
from services.runtime import Runtime

CHROMIUM = os.environ.get("GONGWEN_TEST_CHROMIUM", "/usr/bin/chromium")
# Without these Chromium keeps trying to reach update and sync hosts (STACK-NOTES.md, browser tests).
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SCREENSHOTS = Path(__file__).resolve().parent.parent / "artifacts" / "screenshots"


@pytest.fixture
def web_runtime(tmp_path: Path, sqlite_users_template: Path) -> Iterator[Runtime]:
    """A database of the test's own with the example organs and users (a copy of the session's template)."""
    db = tmp_path / "gongwen.db"
    shutil.copy(sqlite_users_template, db)
    settings = Settings(home=tmp_path / "home", database_url=f"sqlite:///{db}", environment="test", example_data=False)
    runtime = Runtime(settings, migrated=True)
    yield runtime
    runtime.close()


@pytest.fixture
def live_url(web_runtime: Runtime) -> Iterator[str]:
    from services.app import create_app

    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(create_app(web_runtime.settings, web_runtime), port=port, log_level="warning")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(10)


@pytest.fixture
def run_steps(web_runtime: Runtime, prefect_server: str) -> Callable[[], None]:
    """Run the due automated steps (checks, issuing, indexing) now, as real Prefect flow runs."""
    from flows.worker import Worker

    worker = Worker(web_runtime)
    # In a thread of its own: Playwright's sync API keeps an event loop in this one, and Prefect would then
    # hand back coroutines instead of results.
    pool = ThreadPoolExecutor(max_workers=1)
    return lambda: pool.submit(worker.drain, 120).result()


@pytest.fixture(scope="package")
def browser() -> Iterator[object]:
    """Package-scoped: Playwright's sync API keeps an event loop in the main thread while it is open, which
    would turn later tests' Prefect calls into coroutines."""
    if not Path(CHROMIUM).is_file():
        pytest.skip(f"Chromium not found at {CHROMIUM}: `bash scripts/setup.sh` installs Debian's chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


class Pages:
    """One browser context per user; every page visited is screenshotted under tests/artifacts/screenshots/."""

    def __init__(self, browser: object, base: str, story: str) -> None:
        self.browser, self.base, self.story = browser, base, story
        self.shots = 0
        self.contexts: dict[str, object] = {}
        (SCREENSHOTS / story).mkdir(parents=True, exist_ok=True)

    def as_user(self, username: str, width: int = 1280) -> object:
        from playwright.sync_api import Page

        if username not in self.contexts:
            context = self.browser.new_context(  # type: ignore[attr-defined]
                base_url=self.base, viewport={"width": width, "height": 900}, locale="zh-CN"
            )
            page: Page = context.new_page()
            page.on("dialog", lambda d: (_ for _ in ()).throw(AssertionError(f"a script ran: {d.message}")))
            page.goto("/login")
            page.get_by_label("用户名", exact=True).fill(username)
            page.get_by_label("密码", exact=True).fill("gongwen-demo")
            page.get_by_role("button", name="登录").click()
            page.wait_for_url(re.compile(r"/$"))
            self.contexts[username] = page
        return self.contexts[username]

    def shot(self, page: object, name: str) -> Path:
        self.shots += 1
        path = SCREENSHOTS / self.story / f"{self.shots:02d}-{name}.png"
        page.screenshot(path=str(path), full_page=True)  # type: ignore[attr-defined]
        return path


@pytest.fixture
def pages(browser: object, live_url: str, request: pytest.FixtureRequest) -> Iterator[Pages]:
    book = Pages(browser, live_url, request.node.name)
    yield book
    for page in book.contexts.values():
        page.context.close()  # type: ignore[attr-defined]
