"""The web portal driven in a real browser: Debian's Chromium (scripts/ensure_test_packages.sh
installs it) through Playwright's own API, against the whole network started from the
Procfile with the demo channel, on ports of its own."""

from __future__ import annotations

import os
import re
import subprocess
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright

from gateway import API_PREFIX
from plumbing import settings as settings_module
from tests.processes import (
    BIN,
    ROOT,
    forget_plant_queues,
    free_port,
    procfile_processes,
    queue_consumed,
    running,
    wait_for,
)

CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = ROOT / "var" / "test-artifacts" / "portal"
PASSWORD = "demo-pass"
DESKTOP = {"width": 1280, "height": 800}
TABLET = {"width": 768, "height": 1024}
# The tests publish the plant's events themselves: the simulator would move cars on its own.
LEFT_OUT = {"plant_simulator"}

expect.set_options(timeout=10_000)


@dataclass
class Portal:
    """The running network: the gateway's address, an API client, the broker."""

    origin: str
    api: httpx.Client
    amqp_uri: str
    # What one scenario made and a later one looks at (order number, request id...).
    made: dict[str, Any] = field(default_factory=dict)

    @property
    def home(self) -> str:
        return f"{self.origin}/portal/"

    def headers(self, username: str) -> dict[str, str]:
        reply = self.api.post("/auth/login", json={"username": username, "password": PASSWORD})
        assert reply.status_code == 200, reply.text
        return {"Authorization": f"Bearer {reply.json()['access_token']}"}


@pytest.fixture(scope="module")
def portal(demo_channel: Callable[[Iterable[str]], None], amqp_uri: str) -> Iterator[Portal]:
    """Fresh databases with the demo channel, the plant's queues emptied, then every Procfile
    process but the plant simulator under honcho, on free ports."""
    demo_channel(("gateway", *settings_module.SERVICE_NAMES))
    forget_plant_queues(amqp_uri)
    port = free_port()
    env = {"DEALERNET_GATEWAY_PORT": str(port)}
    env |= {f"DEALERNET_{service.upper()}_GRPC_PORT": str(free_port()) for service in settings_module.SERVICE_NAMES}
    # Every page load logs in and calls the API several times; the limiter would answer 429.
    env |= {"DEALERNET_RATE_LIMIT_PER_MINUTE": "1000000", "DEALERNET_RATE_LIMIT_BURST": "1000000"}
    # As `make run` does: the services' event queues exist before any relay publishes.
    subprocess.run(
        [str(BIN / "python"), "-W", "ignore", "-m", "plumbing.declare_queues"],
        cwd=ROOT,
        env={**os.environ, **env},
        check=True,
        capture_output=True,
    )
    processes = [name for name in procfile_processes() if name not in LEFT_OUT]
    run = os.environ.get("DEALERNET_TEST_RUN", "")
    with running(
        [str(BIN / "honcho"), "start", "-f", "Procfile", *processes],
        env=env,
        log_name=f"browser-network-{run}".rstrip("-"),
    ):
        origin = f"http://127.0.0.1:{port}"
        client = httpx.Client(base_url=f"{origin}{API_PREFIX}", timeout=10)
        wait_for(
            "every service healthy",
            lambda: client.get(f"{origin}/healthz").status_code == 200,
            timeout=120,
            interval=0.5,
        )
        wait_for("the plant feed consumer", lambda: queue_consumed(amqp_uri, "order.plant-feed"), timeout=30)
        try:
            yield Portal(origin, client, amqp_uri)
        finally:
            client.close()


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """One headless Chromium for the module: Debian's, never a browser Playwright downloads."""
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=["--no-sandbox"])
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    report = yield
    setattr(item, f"report_{report.when}", report)
    return report


def artifact(name: str) -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS / f"{re.sub(r'[^A-Za-z0-9_.-]+', '-', name)}.png"


@pytest.fixture
def page(browser: Browser, request: pytest.FixtureRequest) -> Iterator[Page]:
    """A new context per test (fresh sessionStorage and localStorage), 1280x800, English. A
    failed test leaves a screenshot and the page's console errors behind."""
    context = browser.new_context(viewport=DESKTOP, locale="en-US", timezone_id="Asia/Shanghai")
    opened = context.new_page()
    errors: list[str] = []
    opened.on("pageerror", lambda error: errors.append(f"page error: {error}"))
    opened.on("console", lambda message: message.type == "error" and errors.append(f"console: {message.text}"))
    try:
        yield opened
    finally:
        report = getattr(request.node, "report_call", None)
        if report is not None and report.failed:
            try:
                opened.screenshot(path=artifact(f"FAILED-{request.node.name}"), full_page=True)
            except Exception as exc:  # noqa: BLE001 - the failure itself is what matters
                errors.append(f"no screenshot: {exc}")
            print(f"at {opened.url}", *errors, sep="\n")
        context.close()
