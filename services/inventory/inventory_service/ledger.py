"""The stock ledger's rules, in plain Python: what each step does to a car or a part, and
which movements it writes.

A car's state says where it is and what it is free for. Its balance at its location
(on hand, held, in transit) follows from that state, so the movements of a step are the
difference between the balances before and after it. Summing a car's movements per
location gives its balances back; the reconciliation relies on that.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from plumbing.errors import FieldViolation, NotFound, Refused, ValidationFailed
from plumbing.principal import AccountRole, Principal, Role


class VehicleStatus(StrEnum):
    AVAILABLE = "available"
    RESERVED = "reserved"
    IN_TRANSIT = "in_transit"
    SOLD = "sold"
    WRITTEN_OFF = "written_off"


class LocationKind(StrEnum):
    PLANT_YARD = "plant_yard"
    WAREHOUSE = "warehouse"
    DEALER = "dealer"
    STATION = "station"


MAKERS_STOCK = frozenset({LocationKind.PLANT_YARD, LocationKind.WAREHOUSE})


class MovementKind(StrEnum):
    OPENING_BALANCE = "opening_balance"
    RECEIPT = "receipt"
    DISPATCH = "dispatch"
    RESERVATION = "reservation"
    RELEASE = "release"
    SHIPMENT = "shipment"
    SALE = "sale"
    ADJUSTMENT = "adjustment"
    ISSUE = "issue"


@dataclass(frozen=True)
class Balance:
    on_hand: int = 0
    reserved: int = 0
    in_transit: int = 0

    def __sub__(self, other: Balance) -> Balance:
        return Balance(self.on_hand - other.on_hand, self.reserved - other.reserved, self.in_transit - other.in_transit)

    def __add__(self, other: Balance) -> Balance:
        return Balance(self.on_hand + other.on_hand, self.reserved + other.reserved, self.in_transit + other.in_transit)

    @property
    def is_zero(self) -> bool:
        return self == Balance()

    @property
    def available(self) -> int:
        return self.on_hand - self.reserved


@dataclass(frozen=True)
class Entry:
    """One movement of the ledger: a change of balance at one location."""

    kind: MovementKind
    location_code: str
    change: Balance
    reference: str | None = None
    reason: str | None = None


@dataclass(frozen=True)
class Vehicle:
    vin: str
    model_code: str
    trim_code: str
    colour_code: str
    location_code: str
    status: VehicleStatus
    reserved_for_order: str | None = None
    reserved_for_dealer: str | None = None
    reserved_for_customer: str | None = None
    transfer_number: str | None = None
    sold_to_customer: str | None = None

    @property
    def balance(self) -> Balance:
        """What the car counts for at its location."""
        if self.status in (VehicleStatus.SOLD, VehicleStatus.WRITTEN_OFF):
            return Balance()
        held = self.status in (VehicleStatus.RESERVED, VehicleStatus.IN_TRANSIT)
        return Balance(on_hand=1, reserved=int(held), in_transit=int(self.status is VehicleStatus.IN_TRANSIT))

    @property
    def in_stock(self) -> bool:
        return self.status not in (VehicleStatus.SOLD, VehicleStatus.WRITTEN_OFF)

    def freed(self, **changes: object) -> Vehicle:
        """The car with no hold on it, then `changes` applied."""
        cleared = dataclasses.replace(
            self,
            reserved_for_order=None,
            reserved_for_dealer=None,
            reserved_for_customer=None,
            transfer_number=None,
        )
        return dataclasses.replace(cleared, **changes)  # type: ignore[arg-type]


@dataclass(frozen=True)
class Step:
    """A car's state after one step, and the kind of movement that step is."""

    kind: MovementKind
    vehicle: Vehicle
    reference: str | None = None
    reason: str | None = None


def movements(before: Vehicle | None, steps: Sequence[Step]) -> list[Entry]:
    """The ledger entries that take a car from `before` through `steps`.

    A step that changes the car's location writes a dispatch at the old location and the
    step's own kind at the new one. A step that changes no balance writes nothing.
    """
    entries: list[Entry] = []
    current = before
    for step in steps:
        after = step.vehicle
        if current is not None and current.location_code != after.location_code:
            if not current.balance.is_zero:
                entries.append(
                    Entry(MovementKind.DISPATCH, current.location_code, Balance() - current.balance, step.reference)
                )
            change = after.balance
        else:
            change = after.balance - (current.balance if current is not None else Balance())
        if not change.is_zero:
            entries.append(Entry(step.kind, after.location_code, change, step.reference, step.reason))
        current = after
    return entries


# --- Who may do what where ------------------------------------------------------------------


def is_makers_stock(kind: LocationKind) -> bool:
    return kind in MAKERS_STOCK


def may_act_at(principal: Principal, location_code: str) -> bool:
    """Headquarters and operations act anywhere; a dealer or station only at its own location."""
    if principal.role in (Role.HQ, Role.OPS):
        return True
    return principal.org_code == location_code


def may_see_vehicle(principal: Principal, vehicle: Vehicle, transfer_parties: Sequence[str] = ()) -> bool:
    """A dealer sees in full the cars at its location, those held for it, and those of its transfers."""
    if principal.role in (Role.HQ, Role.OPS):
        return True
    if principal.role is not Role.DEALER:
        return False
    return principal.org_code in (vehicle.location_code, vehicle.reserved_for_dealer, *transfer_parties)


# --- Input ------------------------------------------------------------------------------------


def customer_id(raw: str, field: str = "customer_id") -> str:
    try:
        return str(uuid.UUID(raw.strip()))
    except (ValueError, AttributeError):
        raise ValidationFailed.one(field, "must be the customer's id in the customer master (a UUID)") from None


MAX_PART_QUANTITY = 100_000


def part_quantity(raw: int, field: str = "quantity") -> int:
    if raw < 1 or raw > MAX_PART_QUANTITY:
        raise ValidationFailed.one(field, f"must be a whole number from 1 to {MAX_PART_QUANTITY}")
    return raw


def required_text(raw: str, field: str, *, max_length: int = 200) -> str:
    value = raw.strip()
    if not value:
        raise ValidationFailed.one(field, "is required")
    if len(value) > max_length:
        raise ValidationFailed.one(field, f"must be at most {max_length} characters")
    return value


# --- Cars ---------------------------------------------------------------------------------------


def _held_by(vehicle: Vehicle) -> str:
    if vehicle.transfer_number:
        return f"promised to transfer {vehicle.transfer_number}"
    if vehicle.reserved_for_order:
        return f"held for order {vehicle.reserved_for_order}"
    return "held for another customer" if vehicle.reserved_for_customer else "held"


def _not_free(vehicle: Vehicle) -> Refused:
    if vehicle.status is VehicleStatus.IN_TRANSIT:
        return Refused(f"car {vehicle.vin} is in transit and cannot be sold or held until it is received")
    if vehicle.status is VehicleStatus.RESERVED:
        return Refused(f"car {vehicle.vin} is already reserved ({_held_by(vehicle)})")
    return Refused(f"car {vehicle.vin} is no longer in stock ({vehicle.status.value})")


def unavailable_to_others(vehicle: Vehicle) -> Refused:
    """The refusal a dealer gets for a car someone else holds: that it is taken, not by whom."""
    if vehicle.status is VehicleStatus.RESERVED:
        return Refused(f"car {vehicle.vin} is already reserved")
    if vehicle.status is VehicleStatus.IN_TRANSIT:
        return Refused(f"car {vehicle.vin} is in transit")
    return Refused(f"car {vehicle.vin} is no longer in stock")


def reserve_for_customer(
    vehicle: Vehicle, location_kind: LocationKind, principal: Principal, customer: str
) -> list[Step]:
    """A dealer holds an available car at its own location or in the maker's stock for a customer.

    Asking again for the same customer changes nothing; a car held for anyone else is refused.
    """
    if principal.role is not Role.DEALER or principal.org_code is None:
        raise Refused("only a dealer reserves a car for its customer")
    dealer = principal.org_code
    if (
        vehicle.status is VehicleStatus.RESERVED
        and vehicle.reserved_for_dealer == dealer
        and vehicle.reserved_for_customer == customer
        and not vehicle.transfer_number
        and not vehicle.reserved_for_order
    ):
        return []
    if vehicle.status is not VehicleStatus.AVAILABLE:
        raise _not_free(vehicle)
    if vehicle.location_code != dealer and not is_makers_stock(location_kind):
        raise Refused(f"car {vehicle.vin} is at dealer {vehicle.location_code}: ask a transfer instead")
    return [
        Step(
            MovementKind.RESERVATION,
            vehicle.freed(status=VehicleStatus.RESERVED, reserved_for_dealer=dealer, reserved_for_customer=customer),
            reference=customer,
        )
    ]


def release(vehicle: Vehicle, principal: Principal) -> list[Step]:
    """The dealer that holds a car for a customer, or headquarters, puts it back on sale."""
    if vehicle.status is not VehicleStatus.RESERVED:
        raise Refused(f"car {vehicle.vin} is not reserved ({vehicle.status.value})")
    if vehicle.transfer_number:
        raise Refused(f"car {vehicle.vin} is promised to transfer {vehicle.transfer_number}: decline or cancel it")
    if vehicle.reserved_for_order and principal.role is Role.DEALER:
        raise Refused(f"car {vehicle.vin} is held for order {vehicle.reserved_for_order}: cancel the order instead")
    if principal.role is Role.DEALER and vehicle.reserved_for_dealer != principal.org_code:
        raise NotFound(f"no vehicle {vehicle.vin}")
    if principal.role not in (Role.DEALER, Role.HQ, Role.OPS):
        raise Refused("only the holding dealer or headquarters releases a car")
    reference = vehicle.reserved_for_customer or vehicle.reserved_for_order
    return [Step(MovementKind.RELEASE, vehicle.freed(status=VehicleStatus.AVAILABLE), reference=reference)]


def sell(vehicle: Vehicle, principal: Principal, customer: str) -> list[Step]:
    """A dealer sells a car at its location: a free one, or one it holds for this customer."""
    if principal.role is not Role.DEALER or principal.org_code is None:
        raise Refused("only a dealer sells a car")
    if vehicle.location_code != principal.org_code:
        raise Refused(f"car {vehicle.vin} is not at dealer {principal.org_code}: it can be sold once received")
    if vehicle.status is VehicleStatus.SOLD and vehicle.sold_to_customer == customer:
        return []
    held_for_this_sale = (
        vehicle.status is VehicleStatus.RESERVED
        and not vehicle.transfer_number
        and not vehicle.reserved_for_order
        and vehicle.reserved_for_dealer == principal.org_code
        and vehicle.reserved_for_customer == customer
    )
    if vehicle.status is not VehicleStatus.AVAILABLE and not held_for_this_sale:
        raise _not_free(vehicle)
    return [Step(MovementKind.SALE, vehicle.freed(status=VehicleStatus.SOLD, sold_to_customer=customer), customer)]


def adjust_vehicle(
    vehicle: Vehicle | None,
    vin: str,
    location_code: str,
    quantity: int,
    reason: str,
    description: tuple[str, str, str],
) -> list[Step]:
    """Write a car off (-1) or record one found at a location (+1), with the reason."""
    if quantity == -1:
        if vehicle is None or vehicle.location_code != location_code or not vehicle.in_stock:
            raise Refused(f"car {vin} is not in stock at {location_code}")
        if vehicle.status is not VehicleStatus.AVAILABLE:
            raise _not_free(vehicle)
        return [Step(MovementKind.ADJUSTMENT, vehicle.freed(status=VehicleStatus.WRITTEN_OFF), reason=reason)]
    if quantity != 1:
        raise ValidationFailed.one("quantity", "for a car must be -1 (written off) or 1 (found)")
    if vehicle is not None and vehicle.in_stock:
        raise Refused(f"car {vin} is already in stock at {vehicle.location_code}")
    model, trim, colour = description
    if vehicle is not None:
        model, trim, colour = model or vehicle.model_code, trim or vehicle.trim_code, colour or vehicle.colour_code
    missing = [
        FieldViolation(field, "is required for a car new to the stock")
        for field, value in (("model_code", model), ("trim_code", trim), ("colour_code", colour))
        if not value
    ]
    if missing:
        raise ValidationFailed(missing)
    found = Vehicle(vin, model, trim, colour, location_code, VehicleStatus.AVAILABLE)
    return [Step(MovementKind.ADJUSTMENT, found, reason=reason)]


def age_days(in_stock_since: dt.datetime, now: dt.datetime) -> int:
    return max(0, (now - in_stock_since).days)


def low_stock_crossed(available_before: int, available_after: int, threshold: int) -> bool:
    """Alert once, when availability falls below the threshold, not on every later movement."""
    return available_before >= threshold > available_after


# --- Parts --------------------------------------------------------------------------------------


def receive_parts(balance: Balance, quantity: int) -> Balance:
    return Balance(on_hand=quantity)


def reserve_parts(balance: Balance, quantity: int, part_number: str) -> Balance:
    if balance.available < quantity:
        raise Refused(f"only {balance.available} of part {part_number} available, {quantity} asked")
    return Balance(reserved=quantity)


def release_parts(balance: Balance, quantity: int, part_number: str) -> Balance:
    if balance.reserved < quantity:
        raise Refused(f"only {balance.reserved} of part {part_number} held, {quantity} to release")
    return Balance(reserved=-quantity)


def issue_parts(balance: Balance, quantity: int, part_number: str) -> Balance:
    """Parts fitted leave the stock: held ones first, then free ones."""
    from_held = min(balance.reserved, quantity)
    if quantity - from_held > balance.available:
        raise Refused(f"only {balance.on_hand} of part {part_number} on hand, {quantity} to fit")
    return Balance(on_hand=-quantity, reserved=-from_held)


def adjust_parts(balance: Balance, quantity: int, part_number: str) -> Balance:
    if quantity == 0:
        raise ValidationFailed.one("quantity", "must not be 0")
    if balance.on_hand + quantity < balance.reserved:
        raise Refused(
            f"part {part_number}: {balance.on_hand} on hand, {balance.reserved} held; "
            f"removing {-quantity} would leave fewer than are held"
        )
    return Balance(on_hand=quantity)


# --- Transfers between dealers ------------------------------------------------------------------


class TransferStatus(StrEnum):
    REQUESTED = "requested"
    AWAITING_HQ = "awaiting_hq"
    APPROVED = "approved"
    SHIPPED = "shipped"
    RECEIVED = "received"
    DECLINED = "declined"
    CANCELLED = "cancelled"


OPEN_TRANSFER = frozenset(
    {TransferStatus.REQUESTED, TransferStatus.AWAITING_HQ, TransferStatus.APPROVED, TransferStatus.SHIPPED}
)


@dataclass(frozen=True)
class Transfer:
    transfer_number: str
    vin: str
    from_dealer: str
    to_dealer: str
    status: TransferStatus
    needs_hq_approval: bool


def needs_hq_approval(from_region: str | None, to_region: str | None) -> bool:
    """The rule: a car leaving its region needs headquarters' approval as well as the giver's."""
    return from_region is None or to_region is None or from_region != to_region


def may_see_transfer(principal: Principal, transfer: Transfer) -> bool:
    if principal.role in (Role.HQ, Role.OPS):
        return True
    return principal.role is Role.DEALER and principal.org_code in (transfer.from_dealer, transfer.to_dealer)


def request_transfer(vehicle: Vehicle, location_kind: LocationKind, principal: Principal) -> None:
    """A dealer may ask for an available car at another dealer; the maker's stock is reserved directly."""
    if principal.role is not Role.DEALER or principal.org_code is None:
        raise Refused("only a dealer asks for a transfer")
    if vehicle.location_code == principal.org_code:
        raise Refused(f"car {vehicle.vin} is already at dealer {principal.org_code}")
    if location_kind is not LocationKind.DEALER:
        raise Refused(f"car {vehicle.vin} is in the maker's stock at {vehicle.location_code}: reserve it instead")
    if vehicle.status is not VehicleStatus.AVAILABLE:
        raise _not_free(vehicle)


def _expect(transfer: Transfer, *statuses: TransferStatus) -> None:
    if transfer.status not in statuses:
        raise Refused(f"transfer {transfer.transfer_number} is {transfer.status.value}")


# Giving a car away is a dealer's admin's decision, and HQ's admins' (the gateway admits the same).
TRANSFER_DECIDERS = (AccountRole.DEALER_ADMIN, AccountRole.HQ_ADMIN)


def _may_decide_transfers(principal: Principal, doing: str) -> None:
    if principal.acting_role not in TRANSFER_DECIDERS and principal.role in (Role.DEALER, Role.HQ):
        raise Refused(f"only a dealer's admin or an HQ admin {doing} a transfer")


def approve_transfer(transfer: Transfer, vehicle: Vehicle, principal: Principal) -> tuple[TransferStatus, list[Step]]:
    """The giving dealer approves (and the car is promised), then headquarters where the rule asks."""
    _may_decide_transfers(principal, "approves")
    if principal.role is Role.DEALER and principal.org_code == transfer.from_dealer:
        _expect(transfer, TransferStatus.REQUESTED)
        if vehicle.status is not VehicleStatus.AVAILABLE or vehicle.location_code != transfer.from_dealer:
            raise _not_free(vehicle)
        promised = vehicle.freed(
            status=VehicleStatus.RESERVED,
            reserved_for_dealer=transfer.to_dealer,
            transfer_number=transfer.transfer_number,
        )
        status = TransferStatus.AWAITING_HQ if transfer.needs_hq_approval else TransferStatus.APPROVED
        return status, [Step(MovementKind.RESERVATION, promised, reference=transfer.transfer_number)]
    if principal.role is Role.HQ:
        if transfer.status is TransferStatus.REQUESTED:
            raise Refused(f"transfer {transfer.transfer_number} awaits the giving dealer {transfer.from_dealer}")
        _expect(transfer, TransferStatus.AWAITING_HQ)
        return TransferStatus.APPROVED, []
    if principal.role is Role.DEALER and principal.org_code == transfer.to_dealer:
        raise Refused(f"transfer {transfer.transfer_number} is approved by the giving dealer {transfer.from_dealer}")
    raise Refused("only the giving dealer or headquarters approves a transfer")


def _released(transfer: Transfer, vehicle: Vehicle) -> list[Step]:
    if vehicle.transfer_number != transfer.transfer_number or vehicle.status is not VehicleStatus.RESERVED:
        return []
    return [Step(MovementKind.RELEASE, vehicle.freed(status=VehicleStatus.AVAILABLE), transfer.transfer_number)]


def decline_transfer(transfer: Transfer, vehicle: Vehicle, principal: Principal) -> list[Step]:
    """The giving dealer declines a request; headquarters declines before the car leaves."""
    _may_decide_transfers(principal, "declines")
    if principal.role is Role.DEALER and principal.org_code == transfer.from_dealer:
        _expect(transfer, TransferStatus.REQUESTED)
    elif principal.role is Role.HQ:
        _expect(transfer, TransferStatus.REQUESTED, TransferStatus.AWAITING_HQ)
    else:
        raise Refused("only the giving dealer or headquarters declines a transfer")
    return _released(transfer, vehicle)


def cancel_transfer(transfer: Transfer, vehicle: Vehicle, principal: Principal) -> list[Step]:
    if principal.role is not Role.DEALER or principal.org_code != transfer.to_dealer:
        raise Refused("only the asking dealer cancels its transfer")
    _expect(transfer, TransferStatus.REQUESTED, TransferStatus.AWAITING_HQ, TransferStatus.APPROVED)
    return _released(transfer, vehicle)


def ship_transfer(transfer: Transfer, vehicle: Vehicle, principal: Principal) -> list[Step]:
    """The car leaves the giver; it stays the giver's, and unsellable on both sides, until received."""
    if principal.role is not Role.DEALER or principal.org_code != transfer.from_dealer:
        raise Refused("only the giving dealer ships the car")
    _expect(transfer, TransferStatus.APPROVED)
    moving = dataclasses.replace(vehicle, status=VehicleStatus.IN_TRANSIT)
    return [Step(MovementKind.SHIPMENT, moving, reference=transfer.transfer_number)]


def receive_transfer(transfer: Transfer, vehicle: Vehicle, principal: Principal) -> list[Step]:
    if principal.role is not Role.DEALER or principal.org_code != transfer.to_dealer:
        raise Refused("only the asking dealer receives the car")
    _expect(transfer, TransferStatus.SHIPPED)
    arrived = vehicle.freed(status=VehicleStatus.AVAILABLE, location_code=transfer.to_dealer)
    return [Step(MovementKind.RECEIPT, arrived, reference=transfer.transfer_number)]


# --- Reconciliation -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Difference:
    item: str
    location_code: str
    from_ledger: Balance
    recorded: Balance


def differences(
    from_ledger: dict[tuple[str, str], Balance], recorded: dict[tuple[str, str], Balance]
) -> list[Difference]:
    """Every (item, location) whose balance recomputed from the ledger is not the one recorded."""
    found = []
    for item, location in sorted(from_ledger.keys() | recorded.keys()):
        derived = from_ledger.get((item, location), Balance())
        kept = recorded.get((item, location), Balance())
        if derived != kept:
            found.append(Difference(item, location, derived, kept))
    return found
