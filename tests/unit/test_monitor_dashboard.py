"""The monitor's rules: how events change its records and counters, in any order and twice,
and how the figures are read from the counters."""

from __future__ import annotations

import datetime as dt
import itertools
from collections import Counter
from typing import Any

import pytest

from monitor_service import dashboard as d
from plumbing.errors import ValidationFailed

T0 = dt.datetime(2026, 11, 2, 8, 0, tzinfo=dt.UTC)


def at(hours: float) -> dt.datetime:
    return T0 + dt.timedelta(hours=hours)


def order_event(event_type: str, **data: Any) -> tuple[str, dict[str, Any]]:
    return event_type, {"order_number": "ORD-1", "dealer_code": "D001", **data}


PLACED = order_event("order.placed", region="EAST", model_code="AUR", trim_code="LX", colour_code="WHT")
APPROVED = order_event("order.approved", status="approved", allocation_month="2026-11")
SCHEDULED = order_event("order.scheduled", vin="LDN2A4C19R0000001", planned_arrival="2026-11-20", model_code="AUR")
IN_PRODUCTION = order_event("order.stage_reached", kind="stage", stage="paint_shop", status="in_production")
SHIPPED = order_event("order.vehicle_shipped", vin="LDN2A4C19R0000001")
ARRIVED = order_event("order.vehicle_arrived", vin="LDN2A4C19R0000001", arrived_at="2026-11-19T10:00:00+00:00")
DELIVERED = order_event("order.vehicle_delivered", vin="LDN2A4C19R0000001", delivered_at="2026-11-21T10:00:00+00:00")
LIFE = [PLACED, APPROVED, SCHEDULED, IN_PRODUCTION, SHIPPED, ARRIVED, DELIVERED]


def replay(events: list[tuple[str, dict[str, Any]]], times: list[float] | None = None) -> tuple[d.OrderFacts, Counter]:
    """Apply events in the order given (each keeps its own recorded time); return the facts
    and the counters the count changes add up to."""
    facts: d.OrderFacts | None = None
    counters: Counter[d.CountKey] = Counter()
    stamps = times if times is not None else list(range(len(events)))
    for (kind, data), hour in zip(events, stamps, strict=True):
        after = d.apply_order_event(facts, kind, data, at(hour))
        for key, n in d.count_changes(d.order_count_keys(facts), d.order_count_keys(after)):
            counters[key] += n
        facts = after
    assert facts is not None
    return facts, +counters


def test_an_order_walks_its_life_and_is_counted_once_where_it_stands() -> None:
    facts, counters = replay(LIFE)
    assert facts.status == "delivered" and facts.region == "EAST" and facts.model_code == "AUR"
    assert facts.placed_at == at(0) and facts.scheduled_at == at(2)
    assert facts.delivered_at == dt.datetime(2026, 11, 21, 10, tzinfo=dt.UTC)
    assert counters == Counter(
        {
            ("orders.stage", "delivered", "", ""): 1,
            ("orders.region", "EAST", "delivered", ""): 1,
            ("orders.model", "AUR", "delivered", ""): 1,
            ("orders.dealer", "D001", "delivered", ""): 1,
            ("orders.dealer_total", "D001", "", ""): 1,
            ("funnel", "delivered", "", ""): 1,
        }
    )


@pytest.mark.parametrize("order", list(itertools.permutations(range(len(LIFE))))[::97])
def test_events_in_any_order_end_where_the_newest_stage_is(order: tuple[int, ...]) -> None:
    _, expected = replay(LIFE)
    shuffled = [LIFE[i] for i in order]
    facts, counters = replay(shuffled, times=list(order))
    assert counters == expected
    assert (facts.status, facts.region, facts.model_code, facts.placed_at) == ("delivered", "EAST", "AUR", at(0))


def test_a_duplicate_event_changes_no_counter() -> None:
    facts, _ = replay([PLACED, APPROVED])
    again = d.apply_order_event(facts, APPROVED[0], APPROVED[1], at(1))
    assert d.count_changes(d.order_count_keys(facts), d.order_count_keys(again)) == []


def test_an_older_stage_arriving_late_does_not_move_the_car_back() -> None:
    facts, counters = replay([PLACED, SHIPPED, APPROVED], times=[0, 5, 1])
    assert facts.status == "shipped" and facts.approved_at == at(1)
    assert counters[("orders.stage", "shipped", "", "")] == 1
    assert counters[("funnel", "shipped", "", "")] == 1


def test_an_event_for_an_order_not_seen_yet_creates_it_and_the_placing_fills_it_in() -> None:
    facts, counters = replay([APPROVED])
    assert facts.status == "approved" and facts.region is None
    assert counters[("orders.region", "", "approved", "")] == 1
    facts, counters = replay([APPROVED, PLACED], times=[1, 0])
    assert facts.status == "approved" and facts.region == "EAST" and facts.placed_at == at(0)
    assert counters[("orders.region", "EAST", "approved", "")] == 1
    assert ("orders.region", "", "approved", "") not in counters


def test_a_dealers_known_region_stands_in_until_the_placing_arrives() -> None:
    facts = d.apply_order_event(None, APPROVED[0], APPROVED[1], at(1), dealer_region="EAST")
    assert facts.region == "EAST"


def test_an_amendment_newer_than_the_approval_sends_the_order_back_to_review() -> None:
    amended = order_event("order.amended", status="submitted", colour_code="RED", model_code="AUR", trim_code="LX")
    facts, counters = replay([PLACED, APPROVED, amended])
    assert facts.status == "submitted" and facts.colour_code == "RED"
    assert counters[("funnel", "approved", "", "")] == 1  # it did reach approval
    # The same amendment arriving after a newer approval changes nothing.
    facts, _ = replay([PLACED, APPROVED, amended], times=[0, 3, 2])
    assert facts.status == "approved" and facts.colour_code == "RED"


def test_a_cancelled_order_stays_cancelled() -> None:
    cancelled = order_event("order.cancelled", reason="customer changed mind")
    facts, counters = replay([PLACED, cancelled, APPROVED], times=[0, 2, 1])
    assert facts.status == "cancelled"
    assert counters[("orders.stage", "cancelled", "", "")] == 1
    assert counters[("funnel", "approved", "", "")] == 1


def test_a_late_car_counts_as_late_until_back_on_plan_or_arrived() -> None:
    late = order_event("order.vehicle_late", vin="V", planned_arrival="2026-11-20", expected_arrival="2026-11-25")
    facts, counters = replay([PLACED, SCHEDULED, late])
    assert facts.is_late and counters[("late", "EAST", "", "")] == 1
    on_plan = order_event(
        "order.stage_reached", kind="stage", stage="assembly", status="in_production", behind_plan=False
    )
    facts, counters = replay([PLACED, SCHEDULED, late, on_plan])
    assert not facts.is_late and ("late", "EAST", "", "") not in counters
    # An older "on plan" arriving after the lateness does not clear it.
    facts, _ = replay([PLACED, SCHEDULED, late, on_plan], times=[0, 1, 3, 2])
    assert facts.is_late
    facts, counters = replay([PLACED, SCHEDULED, late, ARRIVED], times=[0, 1, 2, 3])
    assert facts.late and not facts.is_late and ("late", "EAST", "", "") not in counters


def test_an_event_missing_its_order_number_or_with_an_unknown_status_is_refused() -> None:
    with pytest.raises(ValueError, match="order_number"):
        d.apply_order_event(None, "order.placed", {"dealer_code": "D001"}, T0)
    with pytest.raises(ValueError, match="status"):
        d.apply_order_event(None, "order.approved", {**APPROVED[1], "status": "flying"}, T0)
    with pytest.raises(ValueError, match="not an order event"):
        d.apply_order_event(None, "order.large_order_placed", PLACED[1], T0)


def test_count_changes_come_in_key_order() -> None:
    changes = d.count_changes([("b", "", "", ""), ("a", "", "", "")], [("c", "", "", ""), ("a", "x", "", "")])
    assert [key for key, _ in changes] == sorted(key for key, _ in changes)
    assert dict(changes) == {("a", "", "", ""): -1, ("a", "x", "", ""): 1, ("b", "", "", ""): -1, ("c", "", "", ""): 1}


# --- Stock ----------------------------------------------------------------------------------------


def stock(facts: d.StockFacts | None, kind: str, hour: float, **data: Any) -> d.StockFacts:
    return d.apply_stock_event(facts, kind, {"vin": "V1", **data}, at(hour), {"D001": "EAST", "D002": "NORTH"})


def test_a_car_enters_a_dealers_stock_moves_by_transfer_and_leaves_when_sold() -> None:
    received = stock(None, "inventory.vehicle_received", 0, dealer_code="D001", model_code="AUR")
    assert d.stock_count_keys(received) == [("stock", "EAST", "AUR", "2026-11-02")]
    moved = stock(received, "inventory.transfer_received", 48, to_dealer="D002", from_dealer="D001")
    assert d.stock_count_keys(moved) == [("stock", "NORTH", "AUR", "2026-11-04")]
    sold = stock(moved, "inventory.vehicle_sold", 50, location_code="D002", status="sold")
    assert d.stock_count_keys(sold) == [] and sold.status == "sold"


def test_a_sale_arriving_before_the_receipt_keeps_the_car_out_of_stock() -> None:
    sold = stock(None, "inventory.vehicle_sold", 5, location_code="D001", status="sold")
    received = stock(sold, "inventory.vehicle_received", 1, dealer_code="D001", model_code="AUR")
    assert d.stock_count_keys(received) == [] and received.model_code == "AUR"


def test_a_car_delivered_before_the_inventory_recorded_its_arrival_stays_out_of_stock() -> None:
    delivered = stock(None, "order.vehicle_delivered", 5, dealer_code="D001", order_number="ORD-1")
    received = stock(delivered, "inventory.vehicle_received", 6, dealer_code="D001", model_code="AUR")
    assert d.stock_count_keys(received) == [] and received.model_code == "AUR"


def test_a_parts_adjustment_is_no_car() -> None:
    assert d.stock_event_vin("inventory.stock_adjusted", {"part_number": "OF-1", "location_code": "S001"}) is None


def test_age_bands_cover_every_day_once() -> None:
    today = dt.date(2026, 11, 24)
    for days in range(0, 400):
        band = d.age_band(today - dt.timedelta(days=days), today)
        earliest, latest = d.band_dates(band, today)
        day = today - dt.timedelta(days=days)
        assert (earliest is None or earliest <= day) and day <= latest
    with pytest.raises(ValidationFailed):
        d.band_dates("old", today)


def test_stock_figures_band_the_days() -> None:
    today = dt.date(2026, 11, 24)
    rows = [
        ("EAST", today, 2),
        ("EAST", today - dt.timedelta(days=45), 1),
        ("NORTH", today - dt.timedelta(days=400), 3),
    ]
    assert d.stock_figures(rows, today) == [
        d.StockTally("EAST", "0-30", 2),
        d.StockTally("EAST", "31-60", 1),
        d.StockTally("NORTH", "181+", 3),
    ]


# --- Support --------------------------------------------------------------------------------------


def support(facts: d.SupportFacts | None, kind: str, hour: float, status: str, **data: Any) -> d.SupportFacts:
    base = {"request_id": "R1", "station_code": "S001", "region": "EAST", "priority": "high", "status": status}
    return d.apply_support_event(facts, kind, {**base, **data}, at(hour))


def test_a_request_is_counted_open_then_rated_when_closed() -> None:
    opened = support(
        None,
        "support_request.opened",
        0,
        "open",
        opened_at=at(0).isoformat(),
        resolution_due=at(72).isoformat(),
        first_response_due=at(8).isoformat(),
    )
    assert d.support_count_keys(opened) == [("support.status", "open", "high", "EAST")]
    resolved = support(opened, "support_request.resolved", 80, "resolved", resolution_late=True)
    closed = support(resolved, "support_request.closed", 81, "closed", rating=4)
    assert d.support_count_keys(closed) == [
        ("support.status", "closed", "high", "EAST"),
        ("support.resolution_late", "EAST", "", ""),
        ("support.rating", "EAST", "4", ""),
    ]
    assert closed.resolution_due == at(72)


def test_an_older_support_event_only_fills_gaps() -> None:
    closed = support(None, "support_request.closed", 81, "closed", rating=5)
    late_open = support(closed, "support_request.opened", 0, "open", opened_at=at(0).isoformat())
    assert late_open.status == "closed" and late_open.rating == 5 and late_open.opened_at == at(0)


def test_support_figures_add_up_open_breached_and_ratings() -> None:
    rows = [
        ("support.status", "open", "high", "EAST", 2),
        ("support.status", "in_progress", "critical", "NORTH", 1),
        ("support.status", "closed", "high", "EAST", 5),
        ("support.rating", "EAST", "4", "", 2),
        ("support.rating", "EAST", "5", "", 1),
        ("support.rating", "NORTH", "2", "", 1),
        ("support.resolution_late", "EAST", "", "", 3),
    ]
    figures = d.support_figures(rows, breached=1)
    assert figures.open == 3 and figures.breached == 1 and figures.resolution_late == 3
    assert figures.open_by_priority == [d.Tally("critical", 1), d.Tally("high", 2)]
    assert figures.ratings == 4 and figures.average_rating == 3.75
    assert figures.rating_by_region == [("EAST", 3, 4.33), ("NORTH", 1, 2.0)]


# --- Customers and the funnel ---------------------------------------------------------------------


def test_a_customers_segment_is_the_newest_announced_and_a_merged_one_leaves_the_count() -> None:
    registered = d.apply_customer_event(None, "customer.registered", {"customer_id": "C1", "region": "EAST"}, at(0))
    assert d.customer_count_keys(registered) == [("customers.segment", "potential", "EAST", "")]
    company = d.apply_customer_event(None, "customer.registered", {"customer_id": "C9", "kind": "company"}, at(0))
    assert company.segment == "key"
    key = d.apply_customer_event(registered, "customer.segment_changed", {"customer_id": "C1", "segment": "key"}, at(3))
    older = d.apply_customer_event(key, "customer.segment_changed", {"customer_id": "C1", "segment": "target"}, at(2))
    assert d.customer_count_keys(older) == [("customers.segment", "key", "EAST", "")]
    merged = d.apply_customer_event(older, "customer.merged", {"merged_id": "C1", "survivor_id": "C2"}, at(4))
    assert d.customer_count_keys(merged) == []


def test_a_registration_arriving_after_a_newer_segment_change_keeps_that_segment() -> None:
    change = {"customer_id": "C1", "segment": "target"}
    changed = d.apply_customer_event(None, "customer.segment_changed", change, at(2))
    registered = d.apply_customer_event(
        changed, "customer.registered", {"customer_id": "C1", "kind": "person", "region": "NORTH"}, at(0)
    )
    assert d.customer_count_keys(registered) == [("customers.segment", "target", "NORTH", "")]
    with pytest.raises(ValueError, match="segment"):
        d.apply_customer_event(None, "customer.segment_changed", {"customer_id": "C1", "segment": "vip"}, at(1))


def test_the_funnel_counts_every_order_that_reached_a_step() -> None:
    steps = d.funnel({"placed": 10, "approved": 20, "scheduled": 30, "delivered": 40})
    assert [(s.step, s.count) for s in steps] == [
        ("placed", 100),
        ("approved", 90),
        ("scheduled", 70),
        ("shipped", 40),
        ("arrived", 40),
        ("delivered", 40),
    ]
    assert steps[0].conversion == 1.0 and steps[1].conversion == 0.9 and steps[3].conversion == round(40 / 70, 4)
    assert [s.count for s in d.funnel({})] == [0] * 6


def test_order_figures_sum_the_counters() -> None:
    rows = [
        ("orders.stage", "approved", "", "", 3),
        ("orders.stage", "submitted", "", "", 2),
        ("orders.region", "EAST", "approved", "", 3),
        ("orders.region", "EAST", "submitted", "", 1),
        ("orders.region", "NORTH", "submitted", "", 1),
        ("late", "EAST", "", "", 1),
    ]
    figures = d.order_figures(rows)
    assert figures["stage"] == [d.Tally("submitted", 2), d.Tally("approved", 3)]
    assert figures["region"] == [d.Tally("EAST", 4), d.Tally("NORTH", 1)]
    assert figures["late"] == [d.Tally("EAST", 1)]


def test_drill_down_filters_name_the_field() -> None:
    with pytest.raises(ValidationFailed, match="reached"):
        d.funnel_rank("built")
    with pytest.raises(ValidationFailed, match="segment"):
        d.check_choice("segment", "vip", d.SEGMENTS)
