"""The production-tracking rules: the plant message contract, which order an event is for,
how events move a car (duplicates, late and out-of-order events, holds), and the arrival
prediction."""

from __future__ import annotations

import datetime as dt
import json
import uuid
from typing import Any

import pytest

from order_service.tracking import (
    DEFAULT_STAGE_DURATIONS,
    MIN_OBSERVATIONS,
    Change,
    MalformedPlantMessage,
    PlantEvent,
    Route,
    TimelineItem,
    VehicleState,
    apply_event,
    expected_arrival,
    is_behind_plan,
    is_stalled,
    observed_durations,
    ordered_timeline,
    parse_plant_message,
    plan_arrival,
    plant_event_from_json,
    plant_event_json,
    route_event,
    tracking_view,
)
from plumbing.vin import vin_check_digit

NOW = dt.datetime(2027, 1, 20, 12, 0, tzinfo=dt.UTC)  # Wednesday of 2027-W03
T0 = dt.datetime(2027, 1, 18, 6, 0, tzinfo=dt.UTC)  # Monday 06:00 of 2027-W03


def make_vin(serial: int) -> str:
    draft = f"LDNAURLX0RS{serial:06d}"
    return draft[:8] + vin_check_digit(draft) + draft[9:]


VIN = make_vin(1)


def message(**changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "schema": 1,
        "event_id": str(uuid.uuid4()),
        "vin": VIN,
        "plant": "SH1",
        "line": "L1",
        "station": "BIW-010",
        "stage": "BIW_IN",
        "occurred_at": T0.isoformat(),
    }
    body.update(changes)
    return body


def event(code: str, at: dt.datetime, hold_reason: str | None = None, event_id: str | None = None) -> PlantEvent:
    return PlantEvent(
        event_id=event_id or str(uuid.uuid4()),
        vin=VIN,
        plant_code="SH1",
        line="L1",
        station=None,
        code=code,
        occurred_at=at,
        hold_reason=hold_reason,
    )


SCHEDULED = VehicleState(status="scheduled", stage="scheduled", stage_reached_at=T0 - dt.timedelta(days=3))


def hours(n: float) -> dt.timedelta:
    return dt.timedelta(hours=n)


# --- The contract ---------------------------------------------------------------------------


def test_a_message_following_the_contract_is_read_in_dealer_words() -> None:
    body = message(stage="HOLD", hold_reason="PARTS", occurred_at="2027-01-18T14:00:00+08:00")

    parsed = parse_plant_message(json.dumps(body).encode(), NOW)

    assert parsed.event_id == body["event_id"]
    assert parsed.vin == VIN and parsed.plant_code == "SH1" and parsed.line == "L1"
    assert parsed.kind == "hold" and parsed.hold_reason == "parts" and parsed.stage is None
    assert parsed.occurred_at == T0  # 14:00 in Shanghai is 06:00 UTC


@pytest.mark.parametrize(
    ("code", "stage"),
    [
        ("BIW_IN", "body_shop"),
        ("PAINT_IN", "paint_shop"),
        ("GA_IN", "assembly"),
        ("EOL", "end_of_line"),
        ("QREL", "quality_release"),
        ("SHIP", "shipped"),
    ],
)
def test_plant_stage_codes_map_to_dealer_stages(code: str, stage: str) -> None:
    parsed = parse_plant_message(json.dumps(message(stage=code)).encode(), NOW)

    assert parsed.kind == "stage" and parsed.stage == stage


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b"{not json", "body is not JSON"),
        (b"\xff\xfe", "body is not UTF-8"),
        (json.dumps([1, 2]).encode(), "body must be a JSON object, got list"),
        (json.dumps(message(schema=2)).encode(), "schema must be 1, got 2"),
        (json.dumps(message(event_id="42")).encode(), "event_id '42' is not a UUID"),
        (json.dumps(message(vin=None)).encode(), "vin is missing"),
        (json.dumps(message(vin="LDNAURLX1RS000001")).encode(), "check digit (position 9) should be"),
        (json.dumps(message(vin="LDNAURLXORS00000")).encode(), "must be 17 characters"),
        (json.dumps(message(plant="shanghai one")).encode(), "plant must be 2-10 capital letters"),
        (json.dumps(message(stage="PAINT_OUT")).encode(), "stage 'PAINT_OUT' is not a plant stage code"),
        (json.dumps(message(occurred_at="2027-01-18T06:00:00")).encode(), "has no UTC offset"),
        (json.dumps(message(occurred_at="yesterday")).encode(), "is not an RFC 3339 timestamp"),
        (json.dumps(message(occurred_at="2027-01-20T14:00:00+00:00")).encode(), "is in the future"),
        (json.dumps(message(stage="HOLD")).encode(), "a HOLD needs a hold_reason"),
        (json.dumps(message(stage="HOLD", hold_reason="WEATHER")).encode(), "'WEATHER' is not one of"),
        (json.dumps(message(station=7)).encode(), "station must be a string"),
        (json.dumps(message(line="L" * 21)).encode(), "line must be at most 20 characters"),
    ],
)
def test_a_message_breaking_the_contract_is_refused_with_the_reason(body: bytes, reason: str) -> None:
    with pytest.raises(MalformedPlantMessage) as exc:
        parse_plant_message(body, NOW)

    assert reason in str(exc.value)


def test_a_parked_event_reads_back_as_it_arrived() -> None:
    original = parse_plant_message(json.dumps(message(stage="HOLD", hold_reason="QUALITY")).encode(), NOW)

    assert plant_event_from_json(plant_event_json(original), NOW) == original


# --- Which order an event is for --------------------------------------------------------------


def test_an_event_already_processed_is_a_duplicate_and_not_applied_again() -> None:
    route, reason = route_event(event("BIW_IN", T0), "ORD-1", "scheduled", already_processed=True)

    assert route is Route.DUPLICATE and "already processed" in reason


def test_an_event_for_a_vin_no_order_holds_is_parked_with_the_reason() -> None:
    assert route_event(event("BIW_IN", T0), None, None, already_processed=False) == (
        Route.PARK,
        f"no order holds VIN {VIN} yet",
    )


@pytest.mark.parametrize("status", ["cancelled", "rejected", "submitted"])
def test_an_event_for_an_order_not_followed_is_parked_not_applied(status: str) -> None:
    route, reason = route_event(event("BIW_IN", T0), "ORD-1", status, already_processed=False)

    assert route is Route.PARK and reason == f"order ORD-1 is {status}: plant events are not applied to it"


@pytest.mark.parametrize("status", ["approved", "scheduled", "in_production", "released", "shipped", "arrived"])
def test_an_event_for_a_followed_order_is_applied(status: str) -> None:
    assert route_event(event("BIW_IN", T0), "ORD-1", status, already_processed=False) == (Route.APPLY, "")


# --- Stages --------------------------------------------------------------------------------------


def test_a_further_stage_moves_the_car_and_its_status_follows() -> None:
    change = apply_event(SCHEDULED, event("BIW_IN", T0), None)

    assert change.moved and change.seen_by_dealer
    assert change.state == VehicleState("in_production", "body_shop", T0)
    assert change.item.kind == "stage" and change.item.label == "Body shop" and change.item.occurred_at == T0


@pytest.mark.parametrize(
    ("code", "status"),
    [("EOL", "in_production"), ("QREL", "released"), ("SHIP", "shipped")],
)
def test_status_follows_the_stage(code: str, status: str) -> None:
    assert apply_event(SCHEDULED, event(code, T0), None).state.status == status


def test_an_approved_car_with_a_vin_follows_the_feed() -> None:
    approved = VehicleState(status="approved", stage=None, stage_reached_at=None)

    assert apply_event(approved, event("GA_IN", T0), None).state == VehicleState("in_production", "assembly", T0)


def test_the_same_event_applied_twice_changes_the_car_once() -> None:
    first_event = event("PAINT_IN", T0)
    first = apply_event(SCHEDULED, first_event, None)

    again = apply_event(first.state, first_event, None)

    assert first.moved
    assert not again.seen_by_dealer and again.state == first.state


def test_a_late_earlier_stage_is_recorded_but_never_moves_the_car_back() -> None:
    at_paint = apply_event(SCHEDULED, event("PAINT_IN", T0 + hours(8)), None).state

    late = apply_event(at_paint, event("BIW_IN", T0), None)

    assert not late.moved and not late.seen_by_dealer
    assert late.state == at_paint  # still paint shop, reached at 14:00
    assert late.item.stage == "body_shop" and late.item.occurred_at == T0


def test_stages_arriving_in_any_order_end_at_the_furthest_at_its_time() -> None:
    codes = ["BIW_IN", "PAINT_IN", "GA_IN", "EOL"]
    events = [event(code, T0 + hours(6 * n)) for n, code in enumerate(codes)]
    state = SCHEDULED
    for each in [events[2], events[0], events[3], events[1]]:
        state = apply_event(state, each, None).state

    assert state == VehicleState("in_production", "end_of_line", T0 + hours(18))


def test_plant_events_change_nothing_once_the_car_arrived() -> None:
    arrived = VehicleState(status="arrived", stage="arrived", stage_reached_at=NOW)

    for late in (event("SHIP", T0), event("HOLD", T0, "transport")):
        change = apply_event(arrived, late, None)
        assert change.state == arrived and not change.seen_by_dealer


def test_the_timeline_is_ordered_by_event_time_not_arrival() -> None:
    items = [
        apply_event(SCHEDULED, event("PAINT_IN", T0 + hours(8)), None).item,
        apply_event(SCHEDULED, event("HOLD", T0 + hours(2), "parts"), None).item,
        apply_event(SCHEDULED, event("BIW_IN", T0), None).item,
    ]

    assert [item.label for item in ordered_timeline(items)] == ["Body shop", "Parts shortage", "Paint shop"]


# --- Holds ---------------------------------------------------------------------------------------


def test_a_hold_then_its_end_sets_and_clears_the_reason() -> None:
    held = apply_event(SCHEDULED, event("HOLD", T0, "quality"), None)
    released = apply_event(held.state, event("HOLD_END", T0 + hours(3)), None)

    assert held.hold_changed and held.state.hold_reason == "quality" and held.state.hold_since == T0
    assert held.item.label == "Quality hold"
    assert released.hold_changed and released.state.hold_reason is None and released.state.hold_since is None
    assert released.item.kind == "hold_released" and released.item.label == "Quality hold ended"
    assert released.item.hold_reason == "quality"


def test_a_hold_arriving_after_its_later_end_is_recorded_but_does_not_hold_the_car() -> None:
    end = apply_event(SCHEDULED, event("HOLD_END", T0 + hours(3)), None)

    hold = apply_event(end.state, event("HOLD", T0, "parts"), latest_hold_release=T0 + hours(3))

    assert not end.hold_changed and end.item.label == "Hold ended"
    assert not hold.hold_changed and hold.state.hold_reason is None
    assert hold.item.kind == "hold" and hold.item.label == "Parts shortage"


def test_a_hold_after_an_earlier_end_holds_the_car() -> None:
    hold = apply_event(SCHEDULED, event("HOLD", T0 + hours(5), "transport"), latest_hold_release=T0 + hours(3))

    assert hold.hold_changed and hold.state.hold_reason == "transport" and hold.state.hold_since == T0 + hours(5)


def test_an_end_older_than_the_current_hold_does_not_clear_it() -> None:
    held = apply_event(SCHEDULED, event("HOLD", T0 + hours(5), "parts"), None).state

    old_end = apply_event(held, event("HOLD_END", T0 + hours(1)), None)

    assert not old_end.hold_changed and old_end.state.hold_reason == "parts"


def test_the_latest_hold_wins_and_an_older_one_changes_nothing() -> None:
    held = apply_event(SCHEDULED, event("HOLD", T0 + hours(5), "parts"), None).state

    newer = apply_event(held, event("HOLD", T0 + hours(6), "quality"), None)
    older = apply_event(held, event("HOLD", T0 + hours(4), "quality"), None)

    assert newer.state.hold_reason == "quality" and newer.state.hold_since == T0 + hours(6)
    assert older.state == held and not older.hold_changed


# --- Plan and expected arrival ----------------------------------------------------------------


def test_planned_arrival_is_the_friday_of_the_week_plus_the_plants_transport_days() -> None:
    assert plan_arrival("SH1", "2027-W03") == dt.date(2027, 1, 22) + dt.timedelta(days=3)
    assert plan_arrival("SY4", "2027-W03") == dt.date(2027, 1, 22) + dt.timedelta(days=4)
    assert plan_arrival("ZZ9", "2027-W03") == dt.date(2027, 1, 22) + dt.timedelta(days=5)


def test_expected_arrival_from_defaults_adds_every_remaining_stage_and_transport() -> None:
    remaining_in_plant = sum(list(DEFAULT_STAGE_DURATIONS.values())[1:], dt.timedelta())  # from paint shop on
    paint_at = NOW - hours(1)

    expected = expected_arrival("paint_shop", paint_at, "SH1", "2027-W03", {}, NOW)

    assert expected == (paint_at + remaining_in_plant + dt.timedelta(days=3)).date()


def test_expected_arrival_uses_the_durations_observed_for_similar_cars() -> None:
    # Every similar car took two days from quality release to shipping, not the default one.
    timelines = [
        {"quality_release": T0 + hours(n), "shipped": T0 + hours(n + 48), "arrived": T0 + hours(n + 48 + 24)}
        for n in range(MIN_OBSERVATIONS)
    ]
    observed = observed_durations(timelines)
    released_at = NOW - hours(1)

    expected = expected_arrival("quality_release", released_at, "SH1", "2027-W03", observed, NOW)

    assert observed[("quality_release", "shipped")] == hours(48)
    assert observed[("shipped", "arrived")] == hours(24)
    assert expected == (released_at + hours(48) + hours(24)).date()
    assert (
        expected_arrival("quality_release", released_at, "SH1", "2027-W03", {}, NOW)
        == (released_at + hours(24) + dt.timedelta(days=3)).date()
    )


def test_too_few_observations_leave_the_default_in_place() -> None:
    timelines = [{"body_shop": T0, "paint_shop": T0 + hours(30)}] * (MIN_OBSERVATIONS - 1)

    assert observed_durations(timelines) == {}


def test_the_observed_duration_is_the_median_so_one_odd_car_does_not_move_it() -> None:
    spans = [2, 3, 3, 4, 90]
    timelines = [{"body_shop": T0, "paint_shop": T0 + hours(n)} for n in spans]

    assert observed_durations(timelines) == {("body_shop", "paint_shop"): hours(3)}


def test_a_car_sitting_at_its_stage_pushes_its_arrival_back() -> None:
    stuck_since = NOW - dt.timedelta(days=4)

    expected = expected_arrival("body_shop", stuck_since, "SH1", "2027-W03", {}, NOW)

    rest = sum(list(DEFAULT_STAGE_DURATIONS.values())[1:], dt.timedelta()) + dt.timedelta(days=3)
    assert expected == (NOW + rest).date()


def test_a_scheduled_car_starts_on_monday_of_its_week() -> None:
    expected = expected_arrival("scheduled", NOW, "SH1", "2027-W05", {}, NOW)

    monday = dt.datetime(2027, 2, 1, 6, 0, tzinfo=dt.UTC)
    in_plant = sum(DEFAULT_STAGE_DURATIONS.values(), dt.timedelta())
    assert expected == (monday + in_plant + dt.timedelta(days=3)).date()
    assert not is_behind_plan(expected, plan_arrival("SH1", "2027-W05"))


def test_a_car_expected_after_its_plan_is_behind_it() -> None:
    planned = plan_arrival("SH1", "2027-W03")

    assert is_behind_plan(planned + dt.timedelta(days=1), planned)
    assert not is_behind_plan(planned, planned)
    assert not is_behind_plan(None, planned) and not is_behind_plan(planned, None)


def test_a_car_is_stalled_only_on_the_line_and_only_past_the_limit() -> None:
    limit = hours(24)

    assert is_stalled("assembly", NOW - hours(25), NOW, limit)
    assert not is_stalled("assembly", NOW - hours(23), NOW, limit)
    assert not is_stalled("scheduled", NOW - hours(200), NOW, limit)
    assert not is_stalled("shipped", NOW - hours(200), NOW, limit)


# --- The dealer's view ---------------------------------------------------------------------------


def test_the_view_speaks_dealer_words_and_knows_when_a_car_is_behind() -> None:
    state = VehicleState("in_production", "assembly", T0, hold_reason="parts", hold_since=T0 + hours(1))
    changes: list[Change] = [
        apply_event(SCHEDULED, event("GA_IN", T0), None),
        apply_event(SCHEDULED, event("BIW_IN", T0 - hours(20)), None),
    ]
    items: list[TimelineItem] = [change.item for change in changes]
    planned = dt.date(2027, 1, 25)

    view = tracking_view(
        order_number="ORD-2027-0000001",
        vin=VIN,
        dealer_code="D001",
        status="in_production",
        state=state,
        planned_arrival=planned,
        expected=planned + dt.timedelta(days=2),
        timeline=items,
    )

    assert view.stage_label == "Assembly" and view.hold_label == "Parts shortage"
    assert view.behind_plan
    assert [item.label for item in view.timeline] == ["Body shop", "Assembly"]


# --- The simulated plant speaks the contract --------------------------------------------------


def test_every_message_the_plant_simulator_sends_follows_the_contract() -> None:
    import random

    from scripts import plant_simulator

    vins = [make_vin(serial) for serial in range(1, 5)]
    replayed = list(plant_simulator.replay_messages(vins, 24, "SH1", NOW))
    plan = plant_simulator.plan_car(0.0, 20.0, random.Random(4))
    live = [
        plant_simulator.plant_message(VIN, "SH1", "L1", station, code, NOW, str(uuid.uuid4()), reason)
        for _, code, station, reason in plan
    ]

    parsed = [parse_plant_message(json.dumps(body).encode(), NOW) for body in replayed + live]

    assert [event.stage for event in parsed[:6]] == [
        "body_shop",
        "paint_shop",
        "assembly",
        "end_of_line",
        "quality_release",
        "shipped",
    ]
    assert all(event.occurred_at <= NOW for event in parsed[:24])
    assert len({event.event_id for event in parsed[:24]}) == 24
    holds = [event for event in parsed[24:] if event.kind == "hold"]
    assert len(holds) == 3  # this seed holds the car three times
    assert all(event.hold_reason in ("quality", "parts", "transport") for event in holds)
    for at, code, _, reason in plan:
        if code == "HOLD":
            assert any(c == "HOLD_END" and r == reason and a > at for a, c, _, r in plan)


def test_the_simulator_refuses_a_replay_longer_than_its_cars() -> None:
    from scripts import plant_simulator

    with pytest.raises(ValueError, match="13 stage events need 3 cars, only 2 VINs given"):
        list(plant_simulator.replay_messages([make_vin(1), make_vin(2)], 13, "SH1", NOW))
