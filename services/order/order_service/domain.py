"""Dealer vehicle orders: the catalogue rules and the order lifecycle, in plain Python."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from enum import StrEnum

from plumbing.errors import FieldViolation, ValidationFailed

MAX_VEHICLES_PER_LINE = 50
_ISO_WEEK = re.compile(r"(\d{4})-W(\d{2})")


class OrderStatus(StrEnum):
    SUBMITTED = "submitted"


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
class CatalogueModel:
    code: str
    name: str
    trims: dict[str, Trim] = field(default_factory=dict)
    colours: dict[str, Colour] = field(default_factory=dict)


@dataclass(frozen=True)
class OrderLine:
    model_code: str
    trim_code: str
    colour_code: str
    quantity: int
    wanted_week: str = ""


@dataclass(frozen=True)
class PlannedVehicle:
    """One car of an accepted order line, before it gets its order number."""

    model_code: str
    trim_code: str
    colour_code: str
    wanted_week: str
    list_price_minor: int
    currency: str


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


def plan_order(catalogue: dict[str, CatalogueModel], line: OrderLine, today: dt.date) -> list[PlannedVehicle]:
    """Check an order line against the catalogue; one planned vehicle per car ordered.

    Every problem is reported at once, each naming its field.
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
    if not 1 <= line.quantity <= MAX_VEHICLES_PER_LINE:
        problems.append(FieldViolation("quantity", f"must be between 1 and {MAX_VEHICLES_PER_LINE}"))
    if line.wanted_week:
        try:
            monday = parse_iso_week(line.wanted_week)
        except ValueError as exc:
            problems.append(FieldViolation("wanted_week", str(exc)))
        else:
            if monday + dt.timedelta(days=6) < today:
                problems.append(FieldViolation("wanted_week", f"{line.wanted_week} is already past"))
    if problems:
        raise ValidationFailed(problems)
    assert trim is not None
    return [
        PlannedVehicle(
            model_code=line.model_code,
            trim_code=line.trim_code,
            colour_code=line.colour_code,
            wanted_week=line.wanted_week,
            list_price_minor=trim.list_price_minor,
            currency=trim.currency,
        )
        for _ in range(line.quantity)
    ]


def order_number(year: int, sequence: int) -> str:
    """The dealer-facing number of one ordered vehicle, e.g. ORD-2026-0000042."""
    return f"ORD-{year}-{sequence:07d}"


def supply_after_reservation(current: Supply, vin: str | None) -> Supply:
    """The inventory's answer fixes how the car is supplied; a later answer changes nothing."""
    if current is not Supply.PENDING:
        return current
    return Supply.RESERVED_FROM_STOCK if vin else Supply.TO_BE_BUILT
