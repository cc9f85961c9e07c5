"""Use cases of the customer service, shared by its gRPC and Nameko shells.

Each takes a unit of work and the caller's principal; scoping happens here, in the
queries, so a dealer cannot read another dealer's customers through any door.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy import Select, func, or_, select
from sqlalchemy.dialects.postgresql import insert

from customer_service import domain
from customer_service.models import CustomerRow, CustomerVehicleRow
from plumbing.db import UnitOfWork
from plumbing.errors import NotFound, Refused, ValidationFailed
from plumbing.principal import Principal, Role

CUSTOMER_REGISTERED = "customer.registered"

_MAY_REGISTER = (Role.DEALER, Role.STATION, Role.HQ)


@dataclass(frozen=True)
class RegisterResult:
    customer: CustomerRow
    already_known: bool


def _visible_customers(principal: Principal) -> Select[tuple[CustomerRow]]:
    query = select(CustomerRow)
    if principal.role in (Role.HQ, Role.OPS):
        return query
    if principal.role in (Role.DEALER, Role.STATION):
        return query.where(CustomerRow.registered_by == principal.org_code)
    return query.where(False)


def _may_see(principal: Principal, row: CustomerRow) -> bool:
    if principal.role in (Role.HQ, Role.OPS):
        return True
    return principal.role in (Role.DEALER, Role.STATION) and row.registered_by == principal.org_code


def _known_customer(uow: UnitOfWork, principal: Principal, key: domain.DedupKey) -> CustomerRow | None:
    """The customer already known by this phone or e-mail, if any.

    Phone and e-mail may point at two different customers: one the caller may see comes
    first, then the phone match. A match the caller may not see is refused rather than
    returned, so that typing a phone number never discloses another dealer's customer.
    """
    matches = []
    if key.phone is not None:
        matches.append(CustomerRow.phone == key.phone)
    if key.email is not None:
        matches.append(CustomerRow.email == key.email)
    candidates = list(uow.session.scalars(select(CustomerRow).where(or_(*matches))))
    if not candidates:
        return None
    candidates.sort(key=lambda row: (not _may_see(principal, row), row.phone != key.phone))
    known = candidates[0]
    if not _may_see(principal, known):
        raise Refused(
            "a customer with this phone number or e-mail address is already in the customer master, "
            "registered by another dealer, station or headquarters"
        )
    return known


def register_customer(uow: UnitOfWork, principal: Principal, form: domain.RegistrationForm) -> RegisterResult:
    """Add a customer to the master, or return the one already known by phone or e-mail."""
    if principal.role not in _MAY_REGISTER:
        raise ValidationFailed.one("principal", "only a dealer, a station or headquarters registers customers")
    registration = domain.normalise_registration(form)
    known = _known_customer(uow, principal, registration.key)
    if known is not None:
        return RegisterResult(known, already_known=True)
    # ON CONFLICT covers a registration of the same person committed by someone else
    # after the look-up above: the insert waits for it and then does nothing.
    customer = uow.session.scalars(
        insert(CustomerRow)
        .values(
            id=uuid.uuid4(),
            full_name=registration.full_name,
            phone=registration.phone,
            email=registration.email,
            city=registration.city,
            registered_by=principal.org_code,
        )
        .on_conflict_do_nothing()
        .returning(CustomerRow)
    ).one_or_none()
    if customer is None:
        known = _known_customer(uow, principal, registration.key)
        assert known is not None, "a unique index refused the insert, so the conflicting row exists"
        return RegisterResult(known, already_known=True)
    uow.record_event(
        CUSTOMER_REGISTERED,
        {"customer_id": str(customer.id), "registered_by": customer.registered_by, "city": customer.city},
    )
    return RegisterResult(customer, already_known=False)


def get_customer(uow: UnitOfWork, principal: Principal, customer_id: str) -> CustomerRow:
    parsed = domain.parse_customer_id(customer_id)
    row = uow.session.scalars(_visible_customers(principal).where(CustomerRow.id == parsed)).first()
    if row is None:
        raise NotFound(f"no customer {customer_id}")
    return row


def vehicles_of(uow: UnitOfWork, customer: CustomerRow) -> list[CustomerVehicleRow]:
    """The cars handed over to a customer the caller was allowed to read, newest first."""
    return list(
        uow.session.scalars(
            select(CustomerVehicleRow)
            .where(CustomerVehicleRow.customer_id == customer.id)
            .order_by(CustomerVehicleRow.delivered_at.desc(), CustomerVehicleRow.vin)
        )
    )


def list_customers(uow: UnitOfWork, principal: Principal, *, offset: int, limit: int) -> list[CustomerRow]:
    query = _visible_customers(principal).order_by(CustomerRow.registered_at.desc(), CustomerRow.id.desc())
    return list(uow.session.scalars(query.offset(offset).limit(limit)))


def link_vehicle(uow: UnitOfWork, handover: domain.Handover) -> CustomerVehicleRow:
    """Link a car handed over by its dealer to the customer who bought it.

    A car has one owner in the master: a later handover of the same car (it was sold again)
    makes the new buyer its owner, and a message about an earlier handover arriving late
    changes nothing. A customer the master does not know is refused, never guessed.
    """
    if uow.session.get(CustomerRow, handover.customer_id) is None:
        raise NotFound(
            f"customer {handover.customer_id} is not in the customer master: "
            f"{handover.vin} of {handover.order_number} (dealer {handover.dealer_code}) cannot be linked to its buyer"
        )
    values = {
        "vin": handover.vin,
        "customer_id": handover.customer_id,
        "dealer_code": handover.dealer_code,
        "order_number": handover.order_number,
        "delivered_at": handover.delivered_at,
    }
    statement = insert(CustomerVehicleRow).values(**values)
    uow.session.execute(
        statement.on_conflict_do_update(
            index_elements=[CustomerVehicleRow.vin],
            set_={**values, "linked_at": func.now()},
            where=CustomerVehicleRow.delivered_at <= statement.excluded.delivered_at,
        )
    )
    link = uow.session.scalars(
        select(CustomerVehicleRow)
        .where(CustomerVehicleRow.vin == handover.vin)
        .execution_options(populate_existing=True)
    ).one()
    return link
