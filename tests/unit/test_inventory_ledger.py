"""The stock ledger's rules: movements, holds, sales, transfers, parts, reconciliation."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from inventory_service import domain, ledger
from inventory_service.ledger import Balance, LocationKind, MovementKind, Step, Vehicle, VehicleStatus
from plumbing.errors import NotFound, Refused, ValidationFailed
from plumbing.principal import AccountRole, Principal, Role

VIN = "LDNAU1SP0R0000017"
CUSTOMER = "0b9f7d1e-3c1a-4c55-9a43-2f4bb1a0e001"
OTHER_CUSTOMER = "0b9f7d1e-3c1a-4c55-9a43-2f4bb1a0e002"
D001 = Principal("d001.sales", Role.DEALER, "D001", "EAST")
D002 = Principal("d002.sales", Role.DEALER, "D002", "EAST")
D003 = Principal("d003.sales", Role.DEALER, "D003", "NORTH")
HQ = Principal("hq.analyst", Role.HQ)
STATION = Principal("s001.tech", Role.STATION, "S001", "EAST")


def car(location: str = "D001", status: VehicleStatus = VehicleStatus.AVAILABLE, **held: str) -> Vehicle:
    return Vehicle(VIN, "AUR", "SPORT", "RED", location, status, **held)  # type: ignore[arg-type]


def net(entries: list[ledger.Entry]) -> dict[str, Balance]:
    total: dict[str, Balance] = {}
    for entry in entries:
        total[entry.location_code] = total.get(entry.location_code, Balance()) + entry.change
    return {location: balance for location, balance in total.items() if not balance.is_zero}


# --- balances and movements


@pytest.mark.parametrize(
    ("status", "balance"),
    [
        (VehicleStatus.AVAILABLE, Balance(1, 0, 0)),
        (VehicleStatus.RESERVED, Balance(1, 1, 0)),
        (VehicleStatus.IN_TRANSIT, Balance(1, 1, 1)),
        (VehicleStatus.SOLD, Balance()),
        (VehicleStatus.WRITTEN_OFF, Balance()),
    ],
)
def test_a_cars_balance_at_its_location_follows_from_its_state(status: VehicleStatus, balance: Balance) -> None:
    assert car(status=status).balance == balance


def test_a_move_writes_a_dispatch_where_the_car_was_and_a_receipt_where_it_is() -> None:
    before = car("POOL", VehicleStatus.IN_TRANSIT, reserved_for_order="D001-000001", reserved_for_dealer="D001")
    after = before.freed(location_code="D001", status=VehicleStatus.AVAILABLE)

    entries = ledger.movements(before, [Step(MovementKind.RECEIPT, after, reference="D001-000001")])

    assert [(e.kind, e.location_code, e.change) for e in entries] == [
        (MovementKind.DISPATCH, "POOL", Balance(-1, -1, -1)),
        (MovementKind.RECEIPT, "D001", Balance(1, 0, 0)),
    ]


def test_the_movements_of_any_chain_of_steps_add_up_to_the_final_balance() -> None:
    steps = domain.hand_over(
        car("POOL", VehicleStatus.IN_TRANSIT, reserved_for_order="D001-000001", reserved_for_dealer="D001"),
        domain.DeliveredVehicle("D001-000001", "D001", VIN, dt.datetime(2026, 11, 1, tzinfo=dt.UTC), CUSTOMER),
    )
    before = car("POOL", VehicleStatus.IN_TRANSIT, reserved_for_order="D001-000001", reserved_for_dealer="D001")

    entries = ledger.movements(before, steps)

    assert net(entries) == {"POOL": Balance(-1, -1, -1)}
    assert [e.kind for e in entries] == [MovementKind.DISPATCH, MovementKind.RECEIPT, MovementKind.SALE]
    assert steps[-1].vehicle.status is VehicleStatus.SOLD and steps[-1].vehicle.sold_to_customer == CUSTOMER


def test_a_step_that_changes_no_balance_writes_nothing() -> None:
    same = car()
    assert ledger.movements(same, [Step(MovementKind.RECEIPT, dataclasses.replace(same, trim_code="EX"))]) == []


# --- holds and sales


def test_a_dealer_holds_a_car_of_its_own_or_of_the_makers_stock_for_a_customer() -> None:
    [own] = ledger.reserve_for_customer(car(), LocationKind.DEALER, D001, CUSTOMER)
    [pool] = ledger.reserve_for_customer(car("POOL"), LocationKind.PLANT_YARD, D001, CUSTOMER)

    assert own.vehicle.status is VehicleStatus.RESERVED and own.vehicle.reserved_for_customer == CUSTOMER
    assert pool.vehicle.reserved_for_dealer == "D001" and pool.vehicle.location_code == "POOL"


def test_a_car_at_another_dealer_is_asked_for_by_transfer_not_reserved() -> None:
    with pytest.raises(Refused, match="ask a transfer"):
        ledger.reserve_for_customer(car("D002"), LocationKind.DEALER, D001, CUSTOMER)


def test_a_held_car_is_refused_to_a_second_dealer_with_the_reason_and_repeated_asks_change_nothing() -> None:
    [held] = ledger.reserve_for_customer(car("POOL"), LocationKind.PLANT_YARD, D001, CUSTOMER)

    with pytest.raises(Refused, match="already reserved"):
        ledger.reserve_for_customer(held.vehicle, LocationKind.PLANT_YARD, D002, CUSTOMER)
    assert ledger.reserve_for_customer(held.vehicle, LocationKind.PLANT_YARD, D001, CUSTOMER) == []


@pytest.mark.parametrize("who", [STATION, HQ])
def test_only_dealers_reserve_cars(who: Principal) -> None:
    with pytest.raises(Refused):
        ledger.reserve_for_customer(car(), LocationKind.DEALER, who, CUSTOMER)


def test_a_car_is_sold_free_or_to_the_customer_it_is_held_for() -> None:
    [held] = ledger.reserve_for_customer(car(), LocationKind.DEALER, D001, CUSTOMER)

    [sold] = ledger.sell(held.vehicle, D001, CUSTOMER)
    with pytest.raises(Refused, match="held for another customer"):
        ledger.sell(held.vehicle, D001, OTHER_CUSTOMER)
    assert sold.vehicle.status is VehicleStatus.SOLD and sold.vehicle.reserved_for_customer is None
    assert ledger.movements(held.vehicle, [sold])[0].change == Balance(-1, -1, 0)


def test_a_car_is_sold_only_where_it_is() -> None:
    with pytest.raises(Refused, match="not at dealer D001"):
        ledger.sell(car("POOL"), D001, CUSTOMER)


def test_releasing_a_car_held_for_an_order_is_the_orders_business() -> None:
    held = car("POOL", VehicleStatus.RESERVED, reserved_for_order="D001-000009", reserved_for_dealer="D001")

    with pytest.raises(Refused, match="cancel the order"):
        ledger.release(held, D001)
    [released] = ledger.release(held, HQ)
    assert released.vehicle.status is VehicleStatus.AVAILABLE and released.vehicle.reserved_for_order is None


def test_another_dealers_hold_is_not_found_for_a_dealer() -> None:
    [held] = ledger.reserve_for_customer(car("POOL"), LocationKind.PLANT_YARD, D001, CUSTOMER)
    with pytest.raises(NotFound):
        ledger.release(held.vehicle, D002)


def test_customer_ids_are_the_masters_uuids() -> None:
    assert ledger.customer_id(CUSTOMER.upper()) == CUSTOMER
    with pytest.raises(ValidationFailed) as refused:
        ledger.customer_id("Mr Smith")
    assert refused.value.violations[0].field == "customer_id"


# --- adjustments


def test_writing_off_needs_a_free_car_at_the_location() -> None:
    [gone] = ledger.adjust_vehicle(car(), VIN, "D001", -1, "flood damage", ("", "", ""))
    assert gone.vehicle.status is VehicleStatus.WRITTEN_OFF and gone.reason == "flood damage"
    with pytest.raises(Refused):
        ledger.adjust_vehicle(car("D002"), VIN, "D001", -1, "wrong place", ("", "", ""))


def test_a_found_car_new_to_the_stock_must_be_described() -> None:
    with pytest.raises(ValidationFailed) as refused:
        ledger.adjust_vehicle(None, VIN, "D001", 1, "found at count", ("AUR", "", ""))
    assert [v.field for v in refused.value.violations] == ["trim_code", "colour_code"]
    [found] = ledger.adjust_vehicle(None, VIN, "D001", 1, "found at count", ("AUR", "LX", "WHT"))
    assert found.vehicle.status is VehicleStatus.AVAILABLE


# --- transfers


def transfer(status: ledger.TransferStatus = ledger.TransferStatus.REQUESTED, hq: bool = False) -> ledger.Transfer:
    return ledger.Transfer("TR-00000001", VIN, "D001", "D002", status, hq)


def test_a_transfer_is_approved_by_the_giver_which_promises_the_car() -> None:
    status, [step] = ledger.approve_transfer(transfer(), car(), D001)

    assert status is ledger.TransferStatus.APPROVED
    assert step.vehicle.status is VehicleStatus.RESERVED and step.vehicle.transfer_number == "TR-00000001"
    assert step.vehicle.reserved_for_dealer == "D002"


def test_across_regions_headquarters_approves_after_the_giver() -> None:
    assert ledger.needs_hq_approval("EAST", "NORTH") and not ledger.needs_hq_approval("EAST", "EAST")
    status, _ = ledger.approve_transfer(transfer(hq=True), car(), D001)
    assert status is ledger.TransferStatus.AWAITING_HQ
    with pytest.raises(Refused, match="awaits the giving dealer"):
        ledger.approve_transfer(transfer(hq=True), car(), HQ)
    assert ledger.approve_transfer(transfer(ledger.TransferStatus.AWAITING_HQ, hq=True), car(), HQ)[0] is (
        ledger.TransferStatus.APPROVED
    )


@pytest.mark.parametrize(
    "who",
    [
        Principal.for_account("d001.sales", AccountRole.DEALER_USER, "D001", "EAST"),
        Principal.for_account("hq.analyst", AccountRole.HQ_ANALYST),
    ],
)
def test_giving_a_car_away_is_decided_by_an_admin_only(who: Principal) -> None:
    for decide in (
        lambda: ledger.approve_transfer(transfer(), car(), who),
        lambda: ledger.decline_transfer(transfer(), car(), who),
    ):
        with pytest.raises(Refused, match="only a dealer's admin or an HQ admin"):
            decide()


def test_the_asking_dealer_cannot_approve_its_own_request() -> None:
    with pytest.raises(Refused, match="approved by the giving dealer"):
        ledger.approve_transfer(transfer(), car(), D002)


def test_a_car_in_transit_stays_the_givers_and_is_sellable_on_neither_side_until_received() -> None:
    _, [promised] = ledger.approve_transfer(transfer(), car(), D001)
    [shipped] = ledger.ship_transfer(transfer(ledger.TransferStatus.APPROVED), promised.vehicle, D001)

    moving = shipped.vehicle
    assert moving.location_code == "D001" and moving.status is VehicleStatus.IN_TRANSIT
    for dealer in (D001, D002):
        with pytest.raises(Refused, match="in transit"):
            ledger.sell(dataclasses.replace(moving, location_code=dealer.org_code or ""), dealer, CUSTOMER)
    [received] = ledger.receive_transfer(transfer(ledger.TransferStatus.SHIPPED), moving, D002)
    assert received.vehicle.location_code == "D002" and received.vehicle.status is VehicleStatus.AVAILABLE
    assert net(ledger.movements(car(), [promised, shipped, received])) == {
        "D001": Balance(-1, 0, 0),
        "D002": Balance(1, 0, 0),
    }


def test_declining_or_cancelling_gives_the_promised_car_back() -> None:
    _, [promised] = ledger.approve_transfer(transfer(), car(), D001)
    awaiting = transfer(ledger.TransferStatus.AWAITING_HQ, hq=True)

    [declined] = ledger.decline_transfer(awaiting, promised.vehicle, HQ)
    [cancelled] = ledger.cancel_transfer(awaiting, promised.vehicle, D002)

    assert declined.vehicle.status is cancelled.vehicle.status is VehicleStatus.AVAILABLE
    assert declined.vehicle.transfer_number is None
    with pytest.raises(Refused):
        ledger.cancel_transfer(transfer(ledger.TransferStatus.SHIPPED), promised.vehicle, D002)


def test_the_maker_stock_is_reserved_directly_not_transferred() -> None:
    with pytest.raises(Refused, match="reserve it instead"):
        ledger.request_transfer(car("POOL"), LocationKind.PLANT_YARD, D002)
    with pytest.raises(Refused, match="already at dealer"):
        ledger.request_transfer(car(), LocationKind.DEALER, D001)


# --- parts


def test_parts_are_held_and_fitted_without_any_balance_going_negative() -> None:
    stock = Balance(on_hand=5)
    stock += ledger.reserve_parts(stock, 3, "OIL-1")
    assert stock == Balance(5, 3) and stock.available == 2

    with pytest.raises(Refused, match="only 2 of part OIL-1 available"):
        ledger.reserve_parts(stock, 3, "OIL-1")
    stock += ledger.issue_parts(stock, 4, "OIL-1")
    assert stock == Balance(1, 0)
    with pytest.raises(Refused):
        ledger.issue_parts(stock, 2, "OIL-1")
    with pytest.raises(Refused):
        ledger.release_parts(stock, 1, "OIL-1")


def test_a_count_cannot_remove_parts_that_are_held() -> None:
    with pytest.raises(Refused, match="fewer than are held"):
        ledger.adjust_parts(Balance(4, 3), -2, "BRK-2")
    assert ledger.adjust_parts(Balance(4, 3), -1, "BRK-2") == Balance(on_hand=-1)


@pytest.mark.parametrize("quantity", [0, -1, ledger.MAX_PART_QUANTITY + 1])
def test_part_quantities_are_whole_and_bounded(quantity: int) -> None:
    with pytest.raises(ValidationFailed):
        ledger.part_quantity(quantity)


def test_low_stock_is_announced_once_when_it_falls_below_the_threshold() -> None:
    assert ledger.low_stock_crossed(2, 1, 2)
    assert not ledger.low_stock_crossed(1, 0, 2)
    assert not ledger.low_stock_crossed(3, 2, 2)
    assert not ledger.low_stock_crossed(1, 0, 0)


# --- events from the order service


def test_a_shipped_car_enters_the_pool_held_for_its_order_and_in_transit() -> None:
    shipped = domain.ShippedVehicle("D001-000001", "D001", VIN, "AUR", "SPORT", "RED")

    [step] = domain.ship_from_plant(None, shipped)

    assert step.vehicle.location_code == domain.MAKER_POOL
    assert step.vehicle.status is VehicleStatus.IN_TRANSIT and step.vehicle.reserved_for_dealer == "D001"
    assert domain.ship_from_plant(step.vehicle, shipped) == []


def test_a_repeated_arrival_adds_no_movement_and_announces_nothing() -> None:
    arrival = domain.ArrivedVehicle(
        "D001-000001", "D001", VIN, dt.datetime(2026, 11, 2, tzinfo=dt.UTC), "AUR", "SPORT", "RED"
    )
    steps, event = domain.receive_at_dealer(None, arrival)
    again, second = domain.receive_at_dealer(steps[-1].vehicle, arrival)

    assert event is not None and second is None
    assert ledger.movements(steps[-1].vehicle, again) == []


# --- reconciliation


def test_reconciliation_reports_each_balance_that_differs_from_the_ledger() -> None:
    derived = {("vin A", "D001"): Balance(1), ("part P", "S001"): Balance(5, 2)}
    recorded = {("vin A", "D001"): Balance(1), ("part P", "S001"): Balance(5, 1), ("vin B", "D002"): Balance(1)}

    found = ledger.differences(derived, recorded)

    assert [(d.item, d.location_code) for d in found] == [("part P", "S001"), ("vin B", "D002")]
    assert found[1].from_ledger == Balance()
