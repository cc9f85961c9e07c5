"""Dealer vehicle orders: the catalogue rules and the order lifecycle, in plain Python."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
import uuid
from collections import Counter
from dataclasses import dataclass, field
from enum import StrEnum

from plumbing.errors import FieldViolation, ValidationFailed
from plumbing.vin import vin_check_digit

MAX_VEHICLES_PER_LINE = 50
MAX_OPTIONS_PER_VEHICLE = 20
MAX_IDEMPOTENCY_KEY_LENGTH = 100
MAX_REASON_LENGTH = 500
_ISO_WEEK = re.compile(r"(\d{4})-W(\d{2})")
_IDEMPOTENCY_KEY = re.compile(r"[\x21-\x7e]+")


class OrderStatus(StrEnum):
    SUBMITTED = "submitted"
    APPROVED = "approved"
    REJECTED = "rejected"
    CANCELLED = "cancelled"
    SCHEDULED = "scheduled"
    IN_PRODUCTION = "in_production"
    RELEASED = "released"
    SHIPPED = "shipped"
    ARRIVED = "arrived"
    DELIVERED = "delivered"


class Stage(StrEnum):
    """The build stages a car passes, in this order."""

    SCHEDULED = "scheduled"
    BODY_SHOP = "body_shop"
    PAINT_SHOP = "paint_shop"
    ASSEMBLY = "assembly"
    END_OF_LINE = "end_of_line"
    QUALITY_RELEASE = "quality_release"
    SHIPPED = "shipped"
    ARRIVED = "arrived"
    DELIVERED = "delivered"


class Supply(StrEnum):
    """How the ordered car will be found: not yet known, from stock, or built for it."""

    PENDING = "pending"
    RESERVED_FROM_STOCK = "reserved_from_stock"
    TO_BE_BUILT = "to_be_built"


@dataclass(frozen=True)
class Trim:
    code: str
    name: str
    list_price_minor: int
    currency: str


@dataclass(frozen=True)
class Colour:
    code: str
    name: str


@dataclass(frozen=True)
class CatalogueOption:
    """An option of a model, priced in the currency of the model's trims, offered on some trims only."""

    code: str
    name: str
    list_price_minor: int
    trim_codes: frozenset[str]


@dataclass(frozen=True)
class CatalogueModel:
    code: str
    name: str
    trims: dict[str, Trim] = field(default_factory=dict)
    colours: dict[str, Colour] = field(default_factory=dict)
    options: dict[str, CatalogueOption] = field(default_factory=dict)


@dataclass(frozen=True)
class OrderLine:
    model_code: str
    trim_code: str
    colour_code: str
    quantity: int
    wanted_week: str = ""
    option_codes: tuple[str, ...] = ()


@dataclass(frozen=True)
class PlannedVehicle:
    """One car of an accepted order line, before it gets its order number."""

    model_code: str
    trim_code: str
    colour_code: str
    wanted_week: str
    list_price_minor: int
    currency: str
    option_codes: tuple[str, ...] = ()


def parse_iso_week(value: str) -> dt.date:
    """Monday of an ISO week written "2027-W05"."""
    match = _ISO_WEEK.fullmatch(value)
    if not match:
        raise ValueError("must be an ISO week such as 2027-W05")
    year, week = int(match.group(1)), int(match.group(2))
    try:
        return dt.date.fromisocalendar(year, week, 1)
    except ValueError as exc:
        raise ValueError(f"{value} is not a week of {year}") from exc


def iso_week_of(day: dt.date) -> str:
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


def _week_problem(field_name: str, value: str, today: dt.date) -> FieldViolation | None:
    try:
        monday = parse_iso_week(value)
    except ValueError as exc:
        return FieldViolation(field_name, str(exc))
    if monday + dt.timedelta(days=6) < today:
        return FieldViolation(field_name, f"{value} is already past")
    return None


def _option_problems(model: CatalogueModel, trim: Trim | None, option_codes: tuple[str, ...]) -> list[FieldViolation]:
    problems = []
    repeated = sorted(code for code, times in Counter(option_codes).items() if times > 1)
    for code in repeated:
        problems.append(FieldViolation("option_codes", f"option '{code}' is given more than once"))
    if len(option_codes) > MAX_OPTIONS_PER_VEHICLE:
        problems.append(FieldViolation("option_codes", f"at most {MAX_OPTIONS_PER_VEHICLE} options per vehicle"))
    for code in dict.fromkeys(option_codes):
        option = model.options.get(code)
        if option is None:
            offered = ", ".join(sorted(model.options)) or "none"
            problems.append(
                FieldViolation("option_codes", f"option '{code}' is not offered on {model.code} (offered: {offered})")
            )
        elif trim is not None and trim.code not in option.trim_codes:
            on_trims = ", ".join(sorted(option.trim_codes)) or "no trim"
            problems.append(
                FieldViolation(
                    "option_codes",
                    f"option '{code}' is not offered on the {trim.code} trim of {model.code} (offered on: {on_trims})",
                )
            )
    return problems


def plan_order(
    catalogue: dict[str, CatalogueModel], line: OrderLine, today: dt.date, *, past_week_allowed: bool = False
) -> list[PlannedVehicle]:
    """Check an order line against the catalogue; one planned vehicle per car ordered.

    Every problem is reported at once, each naming its field. The price of each car is the
    catalogue's: its trim's list price plus the list prices of its options.
    `past_week_allowed` keeps a wanted week the dealer did not change from being refused
    because time went by.
    """
    problems: list[FieldViolation] = []
    model = catalogue.get(line.model_code)
    trim: Trim | None = None
    if model is None:
        problems.append(FieldViolation("model_code", f"unknown model '{line.model_code}'"))
    else:
        trim = model.trims.get(line.trim_code)
        if trim is None:
            offered = ", ".join(sorted(model.trims)) or "none"
            problems.append(
                FieldViolation(
                    "trim_code", f"trim '{line.trim_code}' is not offered on {model.code} (offered: {offered})"
                )
            )
        if line.colour_code not in model.colours:
            offered = ", ".join(sorted(model.colours)) or "none"
            problems.append(
                FieldViolation(
                    "colour_code", f"colour '{line.colour_code}' is not offered on {model.code} (offered: {offered})"
                )
            )
        problems.extend(_option_problems(model, trim, line.option_codes))
    if not 1 <= line.quantity <= MAX_VEHICLES_PER_LINE:
        problems.append(FieldViolation("quantity", f"must be between 1 and {MAX_VEHICLES_PER_LINE}"))
    if line.wanted_week:
        week_problem = _week_problem("wanted_week", line.wanted_week, dt.date.min if past_week_allowed else today)
        if week_problem is not None:
            problems.append(week_problem)
    if problems:
        raise ValidationFailed(problems)
    assert model is not None and trim is not None
    option_codes = tuple(sorted(line.option_codes))
    price = trim.list_price_minor + sum(model.options[code].list_price_minor for code in option_codes)
    return [
        PlannedVehicle(
            model_code=line.model_code,
            trim_code=line.trim_code,
            colour_code=line.colour_code,
            wanted_week=line.wanted_week,
            list_price_minor=price,
            currency=trim.currency,
            option_codes=option_codes,
        )
        for _ in range(line.quantity)
    ]


@dataclass(frozen=True)
class Amendment:
    """What a dealer changes on an ordered vehicle; None leaves a field as it is."""

    colour_code: str | None = None
    option_codes: tuple[str, ...] | None = None
    wanted_week: str | None = None

    @property
    def is_empty(self) -> bool:
        return self.colour_code is None and self.option_codes is None and self.wanted_week is None


def plan_amendment(
    catalogue: dict[str, CatalogueModel], current: PlannedVehicle, amendment: Amendment, today: dt.date
) -> PlannedVehicle:
    """The vehicle as amended, checked against today's catalogue and priced from it."""
    if amendment.is_empty:
        raise ValidationFailed.one("body", "name at least one of colour_code, option_codes, wanted_week to change")
    wanted_week = current.wanted_week if amendment.wanted_week is None else amendment.wanted_week
    line = OrderLine(
        model_code=current.model_code,
        trim_code=current.trim_code,
        colour_code=current.colour_code if amendment.colour_code is None else amendment.colour_code,
        quantity=1,
        wanted_week=wanted_week,
        option_codes=current.option_codes if amendment.option_codes is None else amendment.option_codes,
    )
    unchanged_week = amendment.wanted_week is None or amendment.wanted_week == current.wanted_week
    [amended] = plan_order(catalogue, line, today, past_week_allowed=unchanged_week)
    return amended


def order_number(year: int, sequence: int) -> str:
    """The dealer-facing number of one ordered vehicle, e.g. ORD-2026-0000042."""
    return f"ORD-{year}-{sequence:07d}"


def supply_after_reservation(current: Supply, vin: str | None) -> Supply:
    """The inventory's answer fixes how the car is supplied; a later answer changes nothing."""
    if current is not Supply.PENDING:
        return current
    return Supply.RESERVED_FROM_STOCK if vin else Supply.TO_BE_BUILT


# --- Placing: idempotency and large orders ---------------------------------------------


def check_idempotency_key(key: str) -> str:
    if len(key) > MAX_IDEMPOTENCY_KEY_LENGTH:
        raise ValidationFailed.one("idempotency_key", f"must be at most {MAX_IDEMPOTENCY_KEY_LENGTH} characters")
    if key and not _IDEMPOTENCY_KEY.fullmatch(key):
        raise ValidationFailed.one("idempotency_key", "may hold only printable ASCII characters without spaces")
    return key


def request_fingerprint(line: OrderLine) -> str:
    """The same order line always gives the same fingerprint, whatever the order of its options."""
    canonical = json.dumps(
        {
            "model_code": line.model_code,
            "trim_code": line.trim_code,
            "colour_code": line.colour_code,
            "quantity": line.quantity,
            "wanted_week": line.wanted_week,
            "option_codes": sorted(line.option_codes),
        },
        sort_keys=True,
        separators=(",", ":"),
    )
    return hashlib.sha256(canonical.encode()).hexdigest()


@dataclass(frozen=True)
class LargeOrderLimits:
    """An order over either limit is large: HQ is alerted."""

    vehicles: int = 10
    value_minor: int = 50_000_000


def format_money(amount_minor: int, currency: str) -> str:
    return f"{amount_minor // 100:,}.{amount_minor % 100:02d} {currency}"


def large_order_reason(planned: list[PlannedVehicle], limits: LargeOrderLimits) -> str | None:
    """Why these vehicles of one order make a large order, or None when they do not."""
    if not planned:
        return None
    vehicles = len(planned)
    value = sum(car.list_price_minor for car in planned)
    currency = planned[0].currency
    over = []
    if vehicles > limits.vehicles:
        over.append(f"more than {limits.vehicles} vehicles")
    if value > limits.value_minor:
        over.append(f"worth more than {format_money(limits.value_minor, currency)}")
    if not over:
        return None
    first = planned[0]
    return f"{vehicles} x {first.model_code} {first.trim_code} worth {format_money(value, currency)}: " + " and ".join(
        over
    )


# --- Review, scheduling, delivery --------------------------------------------------------


def allocation_month(day: dt.date) -> str:
    """The month of a dealer's quota a vehicle approved on `day` counts against (YYYY-MM)."""
    return f"{day.year:04d}-{day.month:02d}"


def check_reason(reason: str) -> str:
    cleaned = " ".join(reason.split())
    if not cleaned:
        raise ValidationFailed.one("reason", "give the reason")
    if len(cleaned) > MAX_REASON_LENGTH:
        raise ValidationFailed.one("reason", f"must be at most {MAX_REASON_LENGTH} characters")
    return cleaned


def check_customer_id(customer_id: str) -> str:
    try:
        return str(uuid.UUID(customer_id.strip()))
    except ValueError as exc:
        raise ValidationFailed.one("customer_id", "must be the id of a customer in the customer master") from exc


@dataclass(frozen=True)
class Plant:
    code: str
    name: str
    # Position 11 of the VINs of the cars built there.
    vin_letter: str


PLANTS = {
    plant.code: plant
    for plant in (
        Plant("SH1", "Shanghai", "S"),
        Plant("WH2", "Wuhan", "W"),
        Plant("CQ3", "Chongqing", "C"),
        Plant("SY4", "Shenyang", "Y"),
    )
}


def check_schedule(plant_code: str, week: str, today: dt.date) -> Plant:
    """The plant and ISO week a car is scheduled into; both named when wrong."""
    problems = []
    plant = PLANTS.get(plant_code)
    if plant is None:
        problems.append(
            FieldViolation("plant_code", f"unknown plant '{plant_code}' (plants: {', '.join(sorted(PLANTS))})")
        )
    week_problem = _week_problem("week", week, today)
    if week_problem is not None:
        problems.append(week_problem)
    if problems:
        raise ValidationFailed(problems)
    assert plant is not None
    return plant


# The maker's world manufacturer identifier: L for China, where the check digit is compulsory.
WMI = "LDN"
# ISO 3779 model-year codes repeat every 30 years; A is 1980 and 2010.
_MODEL_YEAR_CODES = "ABCDEFGHJKLMNPRSTVWXY123456789"
_VIN_SERIAL_DIGITS = 6
_VIN_SERIALS = 1_000_000
_VIN_LOOKALIKES = str.maketrans({"I": "1", "O": "0", "Q": "0"})
_VIN_CHARACTERS = frozenset("ABCDEFGHJKLMNPRSTUVWXYZ0123456789")


def model_year_code(year: int) -> str:
    return _MODEL_YEAR_CODES[(year - 1980) % len(_MODEL_YEAR_CODES)]


def _vin_part(code: str, length: int) -> str:
    characters = "".join(ch for ch in code.upper().translate(_VIN_LOOKALIKES) if ch in _VIN_CHARACTERS)
    return characters[:length].ljust(length, "0")


def vin_serial(order_number_text: str) -> int:
    """The production serial of an ordered car: the last digits of its order number."""
    digits = "".join(ch for ch in order_number_text.rsplit("-", 1)[-1] if ch.isdigit())
    if not digits:
        raise ValueError(f"'{order_number_text}' carries no sequence number")
    return int(digits) % _VIN_SERIALS


def build_vin(plant: Plant, model_code: str, trim_code: str, model_year: int, serial: int) -> str:
    """A VIN for a car built for an order (ISO 3779, check digit included).

    Positions 1-3 the maker, 4-8 the model and trim, 9 the check digit, 10 the model
    year, 11 the plant, 12-17 the serial.
    """
    if not 0 <= serial < _VIN_SERIALS:
        raise ValueError(f"serial {serial} does not fit {_VIN_SERIAL_DIGITS} digits")
    draft = (
        WMI
        + _vin_part(model_code, 3)
        + _vin_part(trim_code, 2)
        + "0"
        + model_year_code(model_year)
        + plant.vin_letter
        + f"{serial:0{_VIN_SERIAL_DIGITS}d}"
    )
    return draft[:8] + vin_check_digit(draft) + draft[9:]
