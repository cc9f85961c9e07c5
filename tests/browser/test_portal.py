"""The web portal in a real browser (issue 10): a dealer orders and watches the car move
live, a station opens a support request, headquarters sees both on its dashboard, a dealer
cannot open another's order, the main pages look right (screenshots, tablet width), and the
portal speaks Chinese.

The scenarios run in this order and share what they made (`portal.made`); a scenario run
alone makes what it needs through the API instead."""

from __future__ import annotations

import datetime as dt
import json
import re
import uuid
from typing import Any

import pika
import pytest
from playwright.sync_api import Locator, Page, expect

from scripts.seed_demo import demo_vin
from tests.browser.conftest import PASSWORD, TABLET, Portal, artifact
from tests.processes import wait_for

pytestmark = pytest.mark.browser

ORDER_NUMBER = re.compile(r"#/orders/(ORD-[0-9A-Za-z-]+)$")
REQUEST_ID = re.compile(r"#/support/([0-9A-Za-z-]{8,})$")
LIVE = 20_000  # ms: what an event takes through relay, broker, consumer and stream at most


# --- Driving the portal ----------------------------------------------------------------------------


def go(page: Page, address: str) -> None:
    """Move to an address of the single-page app as its own links do (no reload)."""
    page.evaluate("address => { location.hash = address; }", address)


def settle(page: Page) -> None:
    """The page's heading is up and nothing on it says it is still loading."""
    expect(page.locator("#app h1")).to_be_visible()
    expect(page.locator("#app").get_by_text(re.compile(r"^\s*Loading"))).to_have_count(0)


def log_in(page: Page, portal: Portal, username: str) -> None:
    """Through the login form at #/, as a person does; lands on the role's home page."""
    if page.url.startswith(portal.home):
        page.evaluate("() => { sessionStorage.clear(); location.hash = '#/'; }")
        page.reload()
    else:
        page.goto(f"{portal.home}#/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.locator("#logout")).to_be_visible()
    expect(page.locator("#who")).to_contain_text(username)


def option_values(select: Locator) -> set[str]:
    return set(select.locator("option").evaluate_all("options => options.map(o => o.value).filter(Boolean)"))


def checkbox_values(page: Page, name: str) -> set[str]:
    return set(page.locator(f'#app input[type="checkbox"][name="{name}"]').evaluate_all("c => c.map(b => b.value)"))


def shot(page: Page, name: str) -> str | None:
    """Saves the page as var/test-artifacts/portal/<name>.png; answers what looks broken on it."""
    settle(page)
    page.screenshot(path=artifact(name), full_page=True)
    # An element or object put where text belongs: the page rendered a value it did not mean to.
    text = page.locator("#app").inner_text()
    return f"{name}: shows {text[text.index('[object ') :][:40]!r}" if "[object " in text else None


# --- Doing through the API what the scenarios do not do in the browser -------------------------------


def wait_for_supply(portal: Portal, number: str, dealer: dict[str, str]) -> None:
    wait_for(
        "the inventory's answer to the order",
        lambda: portal.api.get(f"/orders/{number}", headers=dealer).json()["supply"] != "pending",
        timeout=30,
    )


def approve_and_schedule(portal: Portal, number: str, dealer: dict[str, str]) -> str:
    """HQ approves the order and schedules it into SH1 this week: answers the car's VIN."""
    wait_for_supply(portal, number, dealer)
    hq = portal.headers("hq.admin")
    approved = portal.api.post(f"/orders/{number}/approve", headers=hq)
    assert approved.status_code == 200, approved.text
    week = dt.datetime.now(dt.UTC).date().strftime("%G-W%V")
    scheduled = portal.api.post(f"/orders/{number}/schedule", headers=hq, json={"plant_code": "SH1", "week": week})
    assert scheduled.status_code == 200, scheduled.text
    vin = scheduled.json()["vin"]
    assert isinstance(vin, str) and len(vin) == 17
    return vin


def publish_plant_event(portal: Portal, vin: str, stage: str) -> None:
    """One message of the plant's feed (docs/plant-feed.md) onto the exchange plant.events."""
    body = {
        "schema": 1,
        "event_id": str(uuid.uuid4()),
        "vin": vin,
        "plant": "SH1",
        "line": "L1",
        "station": f"{stage}-010",
        "stage": stage,
        "occurred_at": dt.datetime.now(dt.UTC).isoformat(),
    }
    connection = pika.BlockingConnection(pika.URLParameters(portal.amqp_uri))
    try:
        channel = connection.channel()
        channel.exchange_declare("plant.events", exchange_type="topic", durable=True)
        channel.basic_publish(
            "plant.events",
            f"SH1.{stage}",
            json.dumps(body).encode(),
            pika.BasicProperties(content_type="application/json", delivery_mode=2),
        )
    finally:
        connection.close()


def order_in_production(portal: Portal) -> str:
    """D001's order that scenario 1 placed and the plant started building; made through the
    API when scenario 1 did not get that far."""
    if "order_in_production" not in portal.made:
        dealer = portal.headers("d001.sales")
        placed = portal.api.post(
            "/orders", headers=dealer, json={"model_code": "TER", "trim_code": "LTD", "colour_code": "BLK"}
        )
        assert placed.status_code == 201, placed.text
        number = placed.json()["orders"][0]["order_number"]
        vin = approve_and_schedule(portal, number, dealer)
        publish_plant_event(portal, vin, "BIW_IN")
        wait_for(
            "the plant's event reaching the order",
            lambda: portal.api.get(f"/tracking/{number}", headers=dealer).json()["stage"] == "body_shop",
            timeout=30,
        )
        portal.made |= {"order_in_production": number, "vin": vin}
    return str(portal.made["order_in_production"])


def open_request(portal: Portal) -> str:
    """S001's critical support request of scenario 2; opened through the API when needed."""
    if "request" not in portal.made:
        opened = portal.api.post(
            "/support-requests",
            headers=portal.headers("s001.tech"),
            json={
                "vin": demo_vin(1),
                "subject": "Brake judder at 80 km/h",
                "description": "Discs within tolerance; judder returns after 500 km.",
                "priority": "critical",
            },
        )
        assert opened.status_code == 201, opened.text
        portal.made["request"] = opened.json()["request"]["id"]
    return str(portal.made["request"])


# --- 1. A dealer orders and watches the car move ---------------------------------------------------


def show_field_errors_from_the_api(page: Page) -> list[str]:
    """Bad values the page lets through go to the API; its field error must show beside the
    input. Answers the fields so checked (none when the page refuses them all itself)."""
    checked = []
    for name, bad, good in (("wanted_week", "2020-W01", ""), ("quantity", "0", "1")):
        control = page.locator(f'#app [name="{name}"]')
        control.fill(bad)
        if not control.evaluate("input => input.validity.valid"):
            control.fill(good)
            continue
        page.get_by_role("button", name="Place order").click()
        message = page.locator(f'#app [data-error-for="{name}"]')
        expect(message).not_to_be_empty()
        expect(control).to_have_attribute("aria-invalid", "true")
        assert "#/orders/new" in page.url, "a refused order must leave the dealer on the form"
        control.fill(good)
        checked.append(name)
    return checked


def test_a_dealer_places_an_order_and_sees_the_plant_move_it_live(page: Page, portal: Portal) -> None:
    log_in(page, portal, "d001.sales")
    go(page, "#/orders/new")
    model = page.locator('#app select[name="model_code"]')
    trim = page.locator('#app select[name="trim_code"]')
    colour = page.locator('#app select[name="colour_code"]')
    expect(model.locator('option[value="TER"]')).to_have_count(1)
    assert option_values(model) == {"AUR", "TER", "VLT"}

    # Only what the catalogue offers together: the model's trims and colours, the trim's options.
    model.select_option("TER")
    expect(trim.locator('option[value="LTD"]')).to_have_count(1)
    assert option_values(trim) == {"BASE", "LTD"}
    assert option_values(colour) == {"WHT", "GRN", "BLK"}
    trim.select_option("BASE")
    expect(page.locator('#app input[type="checkbox"][name="option_codes"][value="TOWBAR"]')).to_have_count(1)
    assert checkbox_values(page, "option_codes") == {"TOWBAR", "7SEAT"}
    trim.select_option("LTD")
    expect(page.locator('#app input[type="checkbox"][name="option_codes"][value="PANO"]')).to_have_count(1)
    assert checkbox_values(page, "option_codes") == {"TOWBAR", "PANO", "7SEAT"}
    colour.select_option("BLK")
    page.locator('#app [name="quantity"]').fill("1")

    checked = show_field_errors_from_the_api(page)

    # The order page opens its live stream as soon as it shows the order.
    with page.expect_response(lambda reply: "/tracking/stream" in reply.url, timeout=LIVE):
        page.get_by_role("button", name="Place order").click()
        expect(page).to_have_url(ORDER_NUMBER)
    number = ORDER_NUMBER.search(page.url).group(1)  # type: ignore[union-attr]
    portal.made["order"] = number
    expect(page.get_by_test_id("order-status")).to_contain_text("submitted")
    page.evaluate("() => { window.notReloaded = true; }")

    vin = approve_and_schedule(portal, number, portal.headers("d001.sales"))
    portal.made["vin"] = vin
    expect(page.get_by_test_id("order-status")).to_contain_text("scheduled", timeout=LIVE)
    expect(page.get_by_test_id("order-stage")).not_to_contain_text("Body shop")
    expect(page.get_by_test_id("timeline")).not_to_contain_text("Body shop")

    publish_plant_event(portal, vin, "BIW_IN")
    expect(page.get_by_test_id("order-stage")).to_contain_text("Body shop", timeout=LIVE)
    expect(page.get_by_test_id("timeline")).to_contain_text("Body shop")
    assert page.evaluate("() => window.notReloaded === true"), "the page was reloaded"
    portal.made["order_in_production"] = number

    if not checked:
        # The order form refuses every bad value itself: see a problem from the API on the login form.
        page.locator("#logout").click()
        page.get_by_label("Username").fill("d001.sales")
        page.get_by_label("Password").fill("not-the-password")
        page.get_by_role("button", name="Log in").click()
        expect(page.locator("#app form .problem[role=alert]")).to_be_visible()
        expect(page.locator("#app form .problem[role=alert]")).not_to_be_empty()
        expect(page.locator("#logout")).to_be_hidden()


# --- 2. A station opens a support request ----------------------------------------------------------


def test_a_station_opens_a_support_request(page: Page, portal: Portal) -> None:
    log_in(page, portal, "s001.tech")
    go(page, "#/support/new")
    form = page.locator("#app form").filter(has=page.locator('[name="subject"]'))
    form.locator('[name="vin"]').fill(demo_vin(1))
    form.locator('[name="subject"]').fill("Brake judder at 80 km/h")
    form.locator('[name="description"]').fill("Discs within tolerance; judder returns after 500 km.")
    form.locator('[name="priority"]').select_option("critical")
    form.get_by_role("button", name="Open request").click()

    expect(page).to_have_url(REQUEST_ID)
    portal.made["request"] = REQUEST_ID.search(page.url).group(1)  # type: ignore[union-attr]
    expect(page.get_by_test_id("request-status")).to_contain_text("open")
    expect(page.locator("#app")).to_contain_text("Brake judder at 80 km/h")


# --- 3. Headquarters sees both on its dashboard ----------------------------------------------------


def test_headquarters_sees_the_order_and_the_request_on_the_dashboard(page: Page, portal: Portal) -> None:
    number, _ = order_in_production(portal), open_request(portal)
    hq = portal.headers("hq.analyst")

    def monitored() -> bool:
        board = portal.api.get("/dashboard", headers=hq).json()
        return any(item["key"] == "in_production" for item in board["orders_by_stage"]) and any(
            item["key"] == "critical" for item in board["support"]["open_by_priority"]
        )

    # The monitor is fed by events: it may be a moment behind.
    wait_for("the monitor counting the order and the request", monitored, timeout=30, interval=0.5)

    log_in(page, portal, "hq.analyst")
    go(page, "#/dashboard")
    stages = page.get_by_test_id("orders-by-stage")
    in_production = stages.locator('a[href*="stage=in_production"]')
    expect(in_production).to_have_count(1)
    expect(in_production).to_contain_text("1")
    expect(page.get_by_test_id("support")).to_contain_text(re.compile("critical", re.IGNORECASE))

    # A person clicks the bar itself (the link's middle may be the gap between label and bar).
    in_production.locator("rect").click()
    expect(page).to_have_url(re.compile(r"#/dashboard/orders\?(.*&)?stage=in_production"))
    expect(page.locator("#app")).to_contain_text(number)
    expect(page.locator("#app").get_by_role("link", name=number)).to_have_attribute(
        "href", re.compile(f"#/orders/{number}$")
    )


# --- 4. A dealer cannot open another dealer's order -------------------------------------------------


def test_a_dealer_cannot_open_another_dealers_order(page: Page, portal: Portal) -> None:
    number = order_in_production(portal)
    vin = str(portal.made["vin"])
    log_in(page, portal, "d002.sales")
    with page.expect_response(lambda reply: reply.url.endswith(f"/v1/orders/{number}")) as answer:
        go(page, f"#/orders/{number}")
    assert answer.value.status == 404
    expect(page.locator("#app h1")).to_have_text("Not found")
    main = page.locator("#app")
    expect(main).not_to_contain_text(vin)
    expect(main).not_to_contain_text("Body shop")
    expect(main).not_to_contain_text("TER")
    expect(page.get_by_test_id("order-status")).to_have_count(0)
    expect(page.get_by_test_id("timeline")).to_have_count(0)


# --- 5. The main pages, on a desktop and on a tablet --------------------------------------------------

SCREENSHOTS = (
    "login",
    "orders",
    "order-new",
    "order",
    "account",
    "support-request",
    "dashboard",
    "review",
)


def test_screenshots_of_the_main_pages(page: Page, portal: Portal) -> None:
    number, request_id = order_in_production(portal), open_request(portal)
    for name in SCREENSHOTS:
        artifact(name).unlink(missing_ok=True)
    broken: list[str | None] = []

    page.goto(f"{portal.home}#/")
    expect(page.get_by_role("button", name="Log in")).to_be_visible()
    broken.append(shot(page, "login"))

    log_in(page, portal, "d001.sales")
    go(page, "#/orders")
    expect(page.locator("#app table")).to_contain_text(number)
    broken.append(shot(page, "orders"))
    go(page, "#/orders/new")
    expect(page.locator('#app select[name="model_code"] option[value="AUR"]')).to_have_count(1)
    broken.append(shot(page, "order-new"))
    go(page, f"#/orders/{number}")
    expect(page.get_by_test_id("timeline")).to_contain_text("Body shop")
    broken.append(shot(page, "order"))
    go(page, "#/account")
    expect(page.get_by_test_id("closing-balance")).to_be_visible()
    broken.append(shot(page, "account"))

    log_in(page, portal, "s001.tech")
    go(page, f"#/support/{request_id}")
    expect(page.get_by_test_id("request-status")).to_be_visible()
    broken.append(shot(page, "support-request"))

    log_in(page, portal, "hq.admin")
    go(page, "#/dashboard")
    expect(page.get_by_test_id("orders-by-stage")).to_be_visible()
    broken.append(shot(page, "dashboard"))
    go(page, "#/review")
    broken.append(shot(page, "review"))

    for name in SCREENSHOTS:
        made = artifact(name)
        assert made.exists(), f"no screenshot {made}"
        assert made.stat().st_size > 10_000, f"{made} is only {made.stat().st_size} bytes"
    assert not any(broken), [problem for problem in broken if problem]


def test_the_order_list_fits_a_tablet(page: Page, portal: Portal) -> None:
    number = order_in_production(portal)
    page.set_viewport_size(TABLET)
    log_in(page, portal, "d001.sales")
    go(page, "#/orders")
    expect(page.locator("#app table")).to_contain_text(number)
    settle(page)
    widths: dict[str, Any] = page.evaluate(
        "() => ({scroll: document.documentElement.scrollWidth, inner: window.innerWidth})"
    )
    assert widths["inner"] == TABLET["width"]
    assert widths["scroll"] <= widths["inner"], f"the page scrolls sideways at 768 px: {widths}"
    tablet = artifact("orders-tablet")
    page.screenshot(path=tablet, full_page=True)
    assert tablet.stat().st_size > 10_000


# --- 6. Chinese ------------------------------------------------------------------------------------------


def test_the_portal_speaks_chinese(page: Page, portal: Portal) -> None:
    page.goto(f"{portal.home}#/")
    page.get_by_label("Language").select_option(label="中文")
    expect(page.get_by_role("button", name="登录")).to_be_visible()
    page.get_by_label("用户名").fill("d001.sales")
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    nav = page.locator("#nav")
    expect(nav.get_by_role("link", name="订单", exact=True)).to_be_visible()
    expect(page.locator("#app h1")).to_have_text("订单")
    expect(page.locator("#logout")).to_have_text("退出")


# Each side's logins whose organisation has nothing of its own yet in the demo channel (D006
# placed no order; S003 opened no request), and HQ's and operations' roles.
EVERY_ROLE = ("d006.sales", "d006.admin", "s003.tech", "hq.analyst", "hq.engineer", "hq.admin", "hq.finance", "ops")


@pytest.mark.parametrize("username", EVERY_ROLE)
def test_every_page_of_a_role_opens_without_an_error_even_with_nothing_in_it(
    page: Page, portal: Portal, username: str
) -> None:
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    log_in(page, portal, username)
    addresses = page.locator("#nav a").evaluate_all("links => links.map(a => a.getAttribute('href'))")
    assert addresses, f"{username} has no menu"
    for address in addresses:
        go(page, address)
        settle(page)
        heading = page.locator("#app h1").inner_text()
        assert heading not in ("Error", "Not found", "Not for your role"), f"{username} at {address}: {heading}"
        expect(page.locator("#app .problem:visible")).to_have_count(0)
        assert "[object " not in page.locator("#app").inner_text(), f"{username} at {address}"
    assert errors == [], f"{username}: {errors}"
