"""Use cases of the order service, shared by its gRPC and Nameko shells.

Each takes a unit of work and the caller's principal; scoping happens here, in the
queries, so a dealer cannot read another dealer's order through any door.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Select, select

from order_service import domain
from order_service.models import (
    CatalogueColourRow,
    CatalogueModelRow,
    CatalogueTrimRow,
    VehicleOrderRow,
    order_number_seq,
)
from plumbing.db import UnitOfWork
from plumbing.errors import NotFound, ValidationFailed
from plumbing.principal import Principal, Role

ORDER_PLACED = "order.placed"


def load_catalogue(uow: UnitOfWork) -> dict[str, domain.CatalogueModel]:
    session = uow.session
    models = {
        row.code: domain.CatalogueModel(code=row.code, name=row.name)
        for row in session.scalars(select(CatalogueModelRow).order_by(CatalogueModelRow.code))
    }
    for trim in session.scalars(select(CatalogueTrimRow).order_by(CatalogueTrimRow.list_price_minor)):
        models[trim.model_code].trims[trim.code] = domain.Trim(
            trim.code, trim.name, trim.list_price_minor, trim.currency
        )
    for colour in session.scalars(select(CatalogueColourRow).order_by(CatalogueColourRow.code)):
        models[colour.model_code].colours[colour.code] = domain.Colour(colour.code, colour.name)
    return models


def place_order(uow: UnitOfWork, principal: Principal, line: domain.OrderLine, today: dt.date) -> list[VehicleOrderRow]:
    if principal.role is not Role.DEALER:
        raise ValidationFailed.one("principal", "only a dealer places vehicle orders")
    assert principal.org_code is not None
    planned = domain.plan_order(load_catalogue(uow), line, today)
    rows = []
    for vehicle in planned:
        sequence = uow.session.execute(order_number_seq.next_value()).scalar_one()
        row = VehicleOrderRow(
            order_number=domain.order_number(today.year, sequence),
            dealer_code=principal.org_code,
            region=principal.region,
            model_code=vehicle.model_code,
            trim_code=vehicle.trim_code,
            colour_code=vehicle.colour_code,
            wanted_week=vehicle.wanted_week,
            status=domain.OrderStatus.SUBMITTED.value,
            supply=domain.Supply.PENDING.value,
            list_price_minor=vehicle.list_price_minor,
            currency=vehicle.currency,
            placed_by=principal.subject,
        )
        uow.session.add(row)
        uow.record_event(
            ORDER_PLACED,
            {
                "order_number": row.order_number,
                "dealer_code": row.dealer_code,
                "region": row.region,
                "model_code": row.model_code,
                "trim_code": row.trim_code,
                "colour_code": row.colour_code,
                "wanted_week": row.wanted_week,
            },
        )
        rows.append(row)
    uow.session.flush()
    return rows


def _visible_orders(principal: Principal) -> Select[tuple[VehicleOrderRow]]:
    query = select(VehicleOrderRow)
    if principal.role in (Role.HQ, Role.OPS):
        return query
    if principal.role is Role.DEALER:
        return query.where(VehicleOrderRow.dealer_code == principal.org_code)
    return query.where(False)


def get_order(uow: UnitOfWork, principal: Principal, order_number: str) -> VehicleOrderRow:
    row = uow.session.scalars(_visible_orders(principal).where(VehicleOrderRow.order_number == order_number)).first()
    if row is None:
        raise NotFound(f"no order {order_number}")
    return row


def list_orders(
    uow: UnitOfWork, principal: Principal, *, offset: int, limit: int, status: str = ""
) -> list[VehicleOrderRow]:
    query = _visible_orders(principal)
    if status:
        query = query.where(VehicleOrderRow.status == status)
    query = query.order_by(VehicleOrderRow.placed_at.desc(), VehicleOrderRow.order_number.desc())
    return list(uow.session.scalars(query.offset(offset).limit(limit)))


def record_supply(uow: UnitOfWork, order_number: str, vin: str | None) -> None:
    """Apply the inventory's answer to a placed order (from its events)."""
    row = uow.session.get(VehicleOrderRow, order_number, with_for_update=True)
    if row is None:
        raise NotFound(f"inventory answered for unknown order {order_number}")
    supply = domain.supply_after_reservation(domain.Supply(row.supply), vin)
    if supply.value != row.supply:
        row.supply = supply.value
        row.vin = vin
        row.updated_at = dt.datetime.now(dt.UTC)
