"""Use cases of the station service, shared by its gRPC and Nameko shells.

Each takes a unit of work and the caller's principal; scoping happens here, in the
queries, so a station cannot read another station's request through any door.
"""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import Select, select

from plumbing.db import UnitOfWork
from plumbing.errors import NotFound, ValidationFailed
from plumbing.principal import Principal, Role
from station_service import domain
from station_service.models import SupportRequestRow

SUPPORT_REQUEST_OPENED = "support_request.opened"


def open_request(
    uow: UnitOfWork, principal: Principal, draft: domain.RequestDraft, now: dt.datetime
) -> SupportRequestRow:
    if principal.role is not Role.STATION:
        raise ValidationFailed.one("principal", "only a repair station opens support requests")
    assert principal.org_code is not None
    checked = domain.check_request(draft, now)
    row = SupportRequestRow(
        id=uuid.uuid4(),
        station_code=principal.org_code,
        vin=checked.vin,
        subject=checked.subject,
        description=checked.description,
        dtc_codes=list(checked.dtc_codes),
        priority=checked.priority.value,
        status=domain.RequestStatus.OPEN.value,
        opened_by=principal.subject,
        opened_at=checked.opened_at,
        first_response_due=checked.deadlines.first_response_due,
        resolution_due=checked.deadlines.resolution_due,
    )
    uow.session.add(row)
    uow.record_event(
        SUPPORT_REQUEST_OPENED,
        {
            "request_id": str(row.id),
            "station_code": row.station_code,
            "vin": row.vin,
            "priority": row.priority,
            "dtc_codes": list(row.dtc_codes),
            "first_response_due": row.first_response_due.isoformat(),
            "resolution_due": row.resolution_due.isoformat(),
        },
    )
    uow.session.flush()
    return row


def _visible_requests(principal: Principal) -> Select[tuple[SupportRequestRow]]:
    query = select(SupportRequestRow)
    if principal.role in (Role.HQ, Role.OPS):
        return query
    if principal.role is Role.STATION:
        return query.where(SupportRequestRow.station_code == principal.org_code)
    return query.where(False)


def get_request(uow: UnitOfWork, principal: Principal, request_id: str) -> SupportRequestRow:
    try:
        key = uuid.UUID(request_id)
    except ValueError as exc:
        raise NotFound(f"no support request {request_id}") from exc
    row = uow.session.scalars(_visible_requests(principal).where(SupportRequestRow.id == key)).first()
    if row is None:
        raise NotFound(f"no support request {request_id}")
    return row


def list_requests(
    uow: UnitOfWork, principal: Principal, *, offset: int, limit: int, status: str = ""
) -> list[SupportRequestRow]:
    query = _visible_requests(principal)
    if status:
        query = query.where(SupportRequestRow.status == domain.parse_status(status).value)
    query = query.order_by(SupportRequestRow.opened_at.desc(), SupportRequestRow.id.desc())
    return list(uow.session.scalars(query.offset(offset).limit(limit)))
