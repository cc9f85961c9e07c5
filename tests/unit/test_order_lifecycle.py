"""The ordered vehicle's lifecycle: every action from every status, allowed or refused with its reason."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from order_service import lifecycle
from order_service.domain import OrderStatus, Stage, Supply
from order_service.lifecycle import Action, OrderState, Transition
from plumbing.errors import Refused

NUMBER = "ORD-2027-0000007"
STOCK_VIN = "LDN2A4C19R0000001"
BUILT_VIN = "LDNAURSP3VS000007"

ACTIONS: dict[Action, Callable[[OrderState], Transition]] = {
    Action.APPROVE: lifecycle.approve,
    Action.REJECT: lifecycle.reject,
    Action.CANCEL: lifecycle.cancel,
    Action.AMEND: lifecycle.amend,
    Action.SCHEDULE: lifecycle.schedule,
    Action.CONFIRM_ARRIVAL: lifecycle.confirm_arrival,
    Action.DELIVER: lifecycle.deliver,
}

# The statuses each action is allowed from, as the change window and the build order say.
EXPECTED_ALLOWED = {
    Action.APPROVE: {OrderStatus.SUBMITTED},
    Action.REJECT: {OrderStatus.SUBMITTED, OrderStatus.APPROVED},
    Action.CANCEL: {OrderStatus.SUBMITTED, OrderStatus.APPROVED},
    Action.AMEND: {OrderStatus.SUBMITTED, OrderStatus.APPROVED},
    Action.SCHEDULE: {OrderStatus.APPROVED},
    Action.CONFIRM_ARRIVAL: {OrderStatus.SHIPPED},
    Action.DELIVER: {OrderStatus.ARRIVED},
}

_BUILT = frozenset(
    {
        OrderStatus.SCHEDULED,
        OrderStatus.IN_PRODUCTION,
        OrderStatus.RELEASED,
        OrderStatus.SHIPPED,
        OrderStatus.ARRIVED,
        OrderStatus.DELIVERED,
    }
)


def state(status: OrderStatus, **changes: object) -> OrderState:
    """A car to be built, in `status`, with what it has by then (plant, week and VIN once scheduled)."""
    values: dict[str, object] = {"order_number": NUMBER, "status": status, "supply": Supply.TO_BE_BUILT}
    if status in _BUILT:
        values.update(vin=BUILT_VIN, plant_code="SH1", scheduled_week="2027-W05")
    values.update(changes)
    return OrderState(**values)  # type: ignore[arg-type]


def refused_reason(action: Action, order: OrderState) -> str:
    with pytest.raises(Refused) as exc:
        ACTIONS[action](order)
    return str(exc.value)


def test_the_table_of_allowed_transitions_is_the_one_the_dealers_and_hq_agreed() -> None:
    assert {action: set(statuses) for action, statuses in lifecycle.ALLOWED_FROM.items()} == EXPECTED_ALLOWED


@pytest.mark.parametrize("action", list(Action))
@pytest.mark.parametrize("status", list(OrderStatus))
def test_every_action_from_every_status_is_either_applied_or_refused_naming_the_order(
    action: Action, status: OrderStatus
) -> None:
    order = state(status)
    if status in EXPECTED_ALLOWED[action]:
        assert isinstance(ACTIONS[action](order), Transition)
        assert lifecycle.refusal(action, order) is None
    else:
        reason = refused_reason(action, order)
        assert reason.startswith(NUMBER)
        assert reason == lifecycle.refusal(action, order)


@pytest.mark.parametrize(
    ("action", "status", "to", "stage"),
    [
        (Action.APPROVE, OrderStatus.SUBMITTED, OrderStatus.APPROVED, None),
        (Action.REJECT, OrderStatus.SUBMITTED, OrderStatus.REJECTED, None),
        (Action.REJECT, OrderStatus.APPROVED, OrderStatus.REJECTED, None),
        (Action.CANCEL, OrderStatus.SUBMITTED, OrderStatus.CANCELLED, None),
        (Action.CANCEL, OrderStatus.APPROVED, OrderStatus.CANCELLED, None),
        (Action.AMEND, OrderStatus.SUBMITTED, OrderStatus.SUBMITTED, None),
        (Action.AMEND, OrderStatus.APPROVED, OrderStatus.SUBMITTED, None),
        (Action.SCHEDULE, OrderStatus.APPROVED, OrderStatus.SCHEDULED, Stage.SCHEDULED),
        (Action.CONFIRM_ARRIVAL, OrderStatus.SHIPPED, OrderStatus.ARRIVED, Stage.ARRIVED),
        (Action.DELIVER, OrderStatus.ARRIVED, OrderStatus.DELIVERED, Stage.DELIVERED),
    ],
)
def test_allowed_transitions_lead_to_their_status_and_stage(
    action: Action, status: OrderStatus, to: OrderStatus, stage: Stage | None
) -> None:
    transition = ACTIONS[action](state(status))

    assert (transition.status, transition.stage) == (to, stage)


@pytest.mark.parametrize("action", [Action.AMEND, Action.CANCEL, Action.REJECT])
@pytest.mark.parametrize("status", [OrderStatus.SCHEDULED, OrderStatus.IN_PRODUCTION, OrderStatus.RELEASED])
def test_a_car_in_the_plants_schedule_is_locked_and_the_refusal_names_plant_and_week(
    action: Action, status: OrderStatus
) -> None:
    reason = refused_reason(action, state(status))

    assert reason.startswith(f"{NUMBER} is locked into plant SH1's schedule for 2027-W05; it can no longer be")


def test_amending_a_scheduled_order_is_refused_with_the_dealers_words() -> None:
    assert refused_reason(Action.AMEND, state(OrderStatus.SCHEDULED)) == (
        "ORD-2027-0000007 is locked into plant SH1's schedule for 2027-W05; it can no longer be amended"
    )


def test_cancelling_a_shipped_car_says_it_has_shipped() -> None:
    assert refused_reason(Action.CANCEL, state(OrderStatus.SHIPPED)) == (
        f"{NUMBER} has shipped from plant SH1 (scheduled for 2027-W05); it can no longer be cancelled"
    )


@pytest.mark.parametrize(
    ("status", "words"),
    [
        (OrderStatus.CANCELLED, "is cancelled"),
        (OrderStatus.REJECTED, "was rejected"),
        (OrderStatus.ARRIVED, "has arrived at the dealer"),
        (OrderStatus.DELIVERED, "has been delivered to a customer"),
    ],
)
def test_a_closed_or_handed_over_order_says_where_it_stands(status: OrderStatus, words: str) -> None:
    assert refused_reason(Action.AMEND, state(status)) == f"{NUMBER} {words}; it can no longer be amended"


def test_approving_twice_is_refused_as_already_approved() -> None:
    assert refused_reason(Action.APPROVE, state(OrderStatus.APPROVED)) == f"{NUMBER} is already approved"


def test_scheduling_before_approval_says_hq_approves_first() -> None:
    reason = refused_reason(Action.SCHEDULE, state(OrderStatus.SUBMITTED))

    assert reason == f"{NUMBER} is submitted; headquarters approves it before it is scheduled"


def test_scheduling_twice_names_the_plant_and_week_already_chosen() -> None:
    reason = refused_reason(Action.SCHEDULE, state(OrderStatus.SCHEDULED))

    assert reason == f"{NUMBER} is already scheduled into plant SH1 for 2027-W05"


def test_arrival_before_shipping_is_refused() -> None:
    reason = refused_reason(Action.CONFIRM_ARRIVAL, state(OrderStatus.IN_PRODUCTION))

    assert reason.endswith("only a shipped car can arrive at the dealer")


def test_arrival_confirmed_twice_is_refused_as_already_arrived() -> None:
    assert refused_reason(Action.CONFIRM_ARRIVAL, state(OrderStatus.ARRIVED)) == (
        f"{NUMBER} has already arrived at the dealer"
    )


def test_delivery_before_arrival_is_refused() -> None:
    reason = refused_reason(Action.DELIVER, state(OrderStatus.SHIPPED))

    assert reason.endswith("a car is delivered once it has arrived at the dealer")


def test_delivering_twice_is_refused() -> None:
    assert refused_reason(Action.DELIVER, state(OrderStatus.DELIVERED)) == (
        f"{NUMBER} has already been delivered to a customer"
    )


# --- Supply: cars from stock and cars waiting for the inventory's answer --------------------


def test_approving_a_car_reserved_from_stock_releases_it_for_delivery_at_once() -> None:
    order = state(OrderStatus.SUBMITTED, supply=Supply.RESERVED_FROM_STOCK, vin=STOCK_VIN)

    transition = lifecycle.approve(order)

    assert (transition.status, transition.stage) == (OrderStatus.RELEASED, Stage.QUALITY_RELEASE)


@pytest.mark.parametrize("supply", [Supply.PENDING, Supply.TO_BE_BUILT])
def test_approving_a_car_not_from_stock_leaves_it_approved_without_a_stage(supply: Supply) -> None:
    transition = lifecycle.approve(state(OrderStatus.SUBMITTED, supply=supply))

    assert (transition.status, transition.stage) == (OrderStatus.APPROVED, None)


def test_a_released_stock_car_cannot_be_cancelled_and_the_refusal_names_its_vin() -> None:
    order = state(OrderStatus.RELEASED, supply=Supply.RESERVED_FROM_STOCK, vin=STOCK_VIN, plant_code=None)

    assert refused_reason(Action.CANCEL, order) == (
        f"{NUMBER} is the stock car {STOCK_VIN}, released for delivery; it can no longer be cancelled"
    )


@pytest.mark.parametrize("action", [Action.CANCEL, Action.REJECT])
def test_cancelling_or_rejecting_a_reserved_stock_car_gives_its_vin_back(action: Action) -> None:
    order = state(OrderStatus.SUBMITTED, supply=Supply.RESERVED_FROM_STOCK, vin=STOCK_VIN)

    transition = ACTIONS[action](order)

    assert transition.releases_vin is True
    assert transition.releases_allocation is True


@pytest.mark.parametrize("action", [Action.CANCEL, Action.REJECT])
def test_cancelling_or_rejecting_a_car_without_a_vin_releases_no_vin(action: Action) -> None:
    assert ACTIONS[action](state(OrderStatus.APPROVED)).releases_vin is False


def test_amending_puts_the_order_back_for_review_and_out_of_the_quota() -> None:
    transition = lifecycle.amend(state(OrderStatus.APPROVED))

    assert transition == Transition(OrderStatus.SUBMITTED, releases_allocation=True)


def test_amending_a_reserved_stock_car_is_refused_naming_the_car() -> None:
    order = state(OrderStatus.SUBMITTED, supply=Supply.RESERVED_FROM_STOCK, vin=STOCK_VIN)

    assert refused_reason(Action.AMEND, order) == (
        f"{NUMBER} is the stock car {STOCK_VIN}, reserved as ordered; cancel it and order again to change it"
    )


def test_amending_while_the_inventory_has_not_answered_is_refused_for_a_moment() -> None:
    reason = refused_reason(Action.AMEND, state(OrderStatus.SUBMITTED, supply=Supply.PENDING))

    assert "still waiting for the inventory's answer" in reason
    assert reason.endswith("try again in a moment")


def test_scheduling_while_the_inventory_has_not_answered_is_refused() -> None:
    reason = refused_reason(Action.SCHEDULE, state(OrderStatus.APPROVED, supply=Supply.PENDING))

    assert "still waiting for the inventory's answer" in reason


def test_cancelling_while_the_inventory_has_not_answered_is_allowed() -> None:
    assert lifecycle.cancel(state(OrderStatus.SUBMITTED, supply=Supply.PENDING)).status is OrderStatus.CANCELLED


def test_a_car_with_a_vin_is_not_scheduled_to_be_built_again() -> None:
    order = state(OrderStatus.APPROVED, supply=Supply.TO_BE_BUILT, vin=BUILT_VIN)

    assert refused_reason(Action.SCHEDULE, order) == f"{NUMBER} already has the VIN {BUILT_VIN}; it is not built again"


def test_a_stock_car_reserved_after_approval_is_released_at_once() -> None:
    order = state(OrderStatus.APPROVED, supply=Supply.RESERVED_FROM_STOCK, vin=STOCK_VIN)

    transition = lifecycle.after_reservation(order)

    assert transition == Transition(OrderStatus.RELEASED, stage=Stage.QUALITY_RELEASE)


@pytest.mark.parametrize(
    "order",
    [
        state(OrderStatus.SUBMITTED, supply=Supply.RESERVED_FROM_STOCK, vin=STOCK_VIN),
        state(OrderStatus.APPROVED, supply=Supply.TO_BE_BUILT),
        state(OrderStatus.CANCELLED, supply=Supply.RESERVED_FROM_STOCK),
    ],
)
def test_other_answers_of_the_inventory_move_nothing(order: OrderState) -> None:
    assert lifecycle.after_reservation(order) is None


def test_allowed_actions_of_an_approved_car_to_be_built() -> None:
    assert lifecycle.allowed_actions(state(OrderStatus.APPROVED)) == (
        Action.REJECT,
        Action.CANCEL,
        Action.AMEND,
        Action.SCHEDULE,
    )
