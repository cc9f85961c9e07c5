"""The life of an ordered vehicle: which changes each status allows, and why the others are refused.

Plain Python. Each action checks the vehicle's current state and returns the transition
to apply, or raises Refused saying why; a refused action changes nothing. The change
window: a dealer amends or cancels while the order is submitted or approved; from
scheduled on the car is locked into the plant's schedule.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from order_service.domain import OrderStatus, Stage, Supply
from plumbing.errors import Refused


class Action(StrEnum):
    APPROVE = "approve"
    REJECT = "reject"
    CANCEL = "cancel"
    AMEND = "amend"
    SCHEDULE = "schedule"
    CONFIRM_ARRIVAL = "confirm_arrival"
    DELIVER = "deliver"


CHANGE_WINDOW = frozenset({OrderStatus.SUBMITTED, OrderStatus.APPROVED})

ALLOWED_FROM: dict[Action, frozenset[OrderStatus]] = {
    Action.APPROVE: frozenset({OrderStatus.SUBMITTED}),
    Action.REJECT: CHANGE_WINDOW,
    Action.CANCEL: CHANGE_WINDOW,
    Action.AMEND: CHANGE_WINDOW,
    Action.SCHEDULE: frozenset({OrderStatus.APPROVED}),
    Action.CONFIRM_ARRIVAL: frozenset({OrderStatus.SHIPPED}),
    Action.DELIVER: frozenset({OrderStatus.ARRIVED}),
}

# The words of a refusal: "... it can no longer be <past participle>".
_DONE = {
    Action.APPROVE: "approved",
    Action.REJECT: "rejected",
    Action.CANCEL: "cancelled",
    Action.AMEND: "amended",
    Action.SCHEDULE: "scheduled",
    Action.CONFIRM_ARRIVAL: "confirmed as arrived",
    Action.DELIVER: "delivered",
}

_ON_THE_LINE = frozenset({OrderStatus.SCHEDULED, OrderStatus.IN_PRODUCTION, OrderStatus.RELEASED})


@dataclass(frozen=True)
class OrderState:
    """What the lifecycle needs to know of an ordered vehicle."""

    order_number: str
    status: OrderStatus
    supply: Supply = Supply.PENDING
    vin: str | None = None
    plant_code: str | None = None
    scheduled_week: str | None = None


@dataclass(frozen=True)
class Transition:
    status: OrderStatus
    # The build stage the car reaches with this transition, if it reaches one.
    stage: Stage | None = None
    # A stock car reserved for the order goes back to the inventory.
    releases_vin: bool = False
    # The vehicle no longer counts against the dealer's quota (until approved again).
    releases_allocation: bool = False


def _where_it_stands(state: OrderState) -> str:
    """Why the order is past a point, in the dealer's words, starting after its number."""
    if state.status in _ON_THE_LINE | {OrderStatus.SHIPPED} and state.plant_code and state.scheduled_week:
        where = f"is locked into plant {state.plant_code}'s schedule for {state.scheduled_week}"
        if state.status is OrderStatus.SHIPPED:
            where = f"has shipped from plant {state.plant_code} (scheduled for {state.scheduled_week})"
        return where
    if state.status is OrderStatus.RELEASED:
        return f"is the stock car {state.vin}, released for delivery"
    return {
        OrderStatus.SUBMITTED: "is submitted and waits for review",
        OrderStatus.APPROVED: "is approved and waits to be scheduled",
        OrderStatus.REJECTED: "was rejected",
        OrderStatus.CANCELLED: "is cancelled",
        OrderStatus.SCHEDULED: "is scheduled",
        OrderStatus.IN_PRODUCTION: "is in production",
        OrderStatus.SHIPPED: "has shipped",
        OrderStatus.ARRIVED: "has arrived at the dealer",
        OrderStatus.DELIVERED: "has been delivered to a customer",
    }[state.status]


def refusal(action: Action, state: OrderState) -> str | None:
    """Why `action` is refused in `state`, or None when it is allowed."""
    number = state.order_number
    if state.status not in ALLOWED_FROM[action]:
        if action is Action.APPROVE and state.status is OrderStatus.APPROVED:
            return f"{number} is already approved"
        if action is Action.SCHEDULE and state.status is OrderStatus.SUBMITTED:
            return f"{number} is submitted; headquarters approves it before it is scheduled"
        if action is Action.CONFIRM_ARRIVAL and state.status is OrderStatus.ARRIVED:
            return f"{number} has already arrived at the dealer"
        if action is Action.SCHEDULE and state.plant_code and state.scheduled_week:
            return f"{number} is already scheduled into plant {state.plant_code} for {state.scheduled_week}"
        if action is Action.CONFIRM_ARRIVAL and state.status is not OrderStatus.DELIVERED:
            return f"{number} {_where_it_stands(state)}; only a shipped car can arrive at the dealer"
        if action is Action.DELIVER and state.status is OrderStatus.DELIVERED:
            return f"{number} has already been delivered to a customer"
        if action is Action.DELIVER:
            return f"{number} {_where_it_stands(state)}; a car is delivered once it has arrived at the dealer"
        return f"{number} {_where_it_stands(state)}; it can no longer be {_DONE[action]}"
    if action is Action.AMEND:
        if state.supply is Supply.RESERVED_FROM_STOCK:
            return f"{number} is the stock car {state.vin}, reserved as ordered; cancel it and order again to change it"
        if state.supply is Supply.PENDING:
            return (
                f"{number} is still waiting for the inventory's answer (a stock car may be reserved for it); "
                "try again in a moment"
            )
    if action is Action.SCHEDULE:
        if state.supply is Supply.PENDING:
            return (
                f"{number} is still waiting for the inventory's answer (a stock car may be reserved for it); "
                "schedule it once it is known to be built"
            )
        if state.supply is Supply.RESERVED_FROM_STOCK or state.vin:
            return f"{number} already has the VIN {state.vin}; it is not built again"
    return None


def _check(action: Action, state: OrderState) -> None:
    reason = refusal(action, state)
    if reason is not None:
        raise Refused(reason)


def allowed_actions(state: OrderState) -> tuple[Action, ...]:
    return tuple(action for action in Action if refusal(action, state) is None)


def approve(state: OrderState) -> Transition:
    """HQ accepts the order; a car already reserved from stock is released for delivery at once."""
    _check(Action.APPROVE, state)
    if state.supply is Supply.RESERVED_FROM_STOCK and state.vin:
        return Transition(OrderStatus.RELEASED, stage=Stage.QUALITY_RELEASE)
    return Transition(OrderStatus.APPROVED)


def reject(state: OrderState) -> Transition:
    _check(Action.REJECT, state)
    return Transition(OrderStatus.REJECTED, releases_vin=bool(state.vin), releases_allocation=True)


def cancel(state: OrderState) -> Transition:
    _check(Action.CANCEL, state)
    return Transition(OrderStatus.CANCELLED, releases_vin=bool(state.vin), releases_allocation=True)


def amend(state: OrderState) -> Transition:
    """An amended order goes back to HQ for review, and out of the dealer's quota until approved again."""
    _check(Action.AMEND, state)
    return Transition(OrderStatus.SUBMITTED, releases_allocation=True)


def schedule(state: OrderState) -> Transition:
    _check(Action.SCHEDULE, state)
    return Transition(OrderStatus.SCHEDULED, stage=Stage.SCHEDULED)


def confirm_arrival(state: OrderState) -> Transition:
    _check(Action.CONFIRM_ARRIVAL, state)
    return Transition(OrderStatus.ARRIVED, stage=Stage.ARRIVED)


def deliver(state: OrderState) -> Transition:
    _check(Action.DELIVER, state)
    return Transition(OrderStatus.DELIVERED, stage=Stage.DELIVERED)


def after_reservation(state: OrderState) -> Transition | None:
    """The inventory reserved a stock car for an order HQ had already approved: it is released at once.

    `state` already carries the inventory's answer.
    """
    if state.status is OrderStatus.APPROVED and state.supply is Supply.RESERVED_FROM_STOCK and state.vin:
        return Transition(OrderStatus.RELEASED, stage=Stage.QUALITY_RELEASE)
    return None
