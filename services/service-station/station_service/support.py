"""Use cases of the support desk, shared by its gRPC and Nameko shells.

Each takes a unit of work and the caller's principal; scoping happens here, in the
queries, so a station cannot read another station's request through any door. The rules
are desk.py's: this module loads a request into a `desk.Desk`, lets the rule decide, and
writes the result and its event back.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, and_, func, or_, select

from plumbing.db import UnitOfWork
from plumbing.errors import FieldViolation, NotFound, Refused, ValidationFailed
from plumbing.principal import Principal, Role
from plumbing.vin import vin_problem
from station_service import desk, domain
from station_service.models import (
    EscalationRow,
    RepairRow,
    RequestMessageRow,
    StationOperatorRow,
    SupportRequestRow,
    TargetRuleRow,
)

SUPPORT_REQUEST_OPENED = "support_request.opened"
SUPPORT_REQUEST_TAKEN = "support_request.taken"
SUPPORT_REQUEST_QUESTION_ASKED = "support_request.question_asked"
SUPPORT_REQUEST_RESOLVED = "support_request.resolved"
SUPPORT_REQUEST_CLOSED = "support_request.closed"
SUPPORT_REQUEST_REOPENED = "support_request.reopened"
SUPPORT_REQUEST_ESCALATED = "support_request.escalated"
REPAIR_RECORDED = "station.repair_recorded"

MESSAGE_MAX = 10_000
ESCALATION_BATCH = 1000


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


# --- Loading and saving a request's desk state -------------------------------------------------------


def desk_of(row: SupportRequestRow) -> desk.Desk:
    return desk.Desk(
        status=desk.Status(row.status),
        priority=domain.Priority(row.priority),
        station_code=row.station_code,
        clock=desk.Clock(
            opened_at=row.opened_at,
            target=desk.Target(row.target_first_response, row.target_resolution),
            paused=row.paused,
            paused_since=row.paused_since,
        ),
        engineer=row.engineer,
        first_response_at=row.first_response_at,
        resolved_at=row.resolved_at,
        closed_at=row.closed_at,
        escalation_level=row.escalation_level,
        first_response_late=row.first_response_late,
        resolution_late=row.resolution_late,
    )


def _store(row: SupportRequestRow, state: desk.Desk, now: dt.datetime) -> None:
    row.status = state.status.value
    row.engineer = state.engineer
    row.paused, row.paused_since = state.clock.paused, state.clock.paused_since
    row.first_response_at, row.first_response_late = state.first_response_at, state.first_response_late
    row.resolved_at, row.resolution_late = state.resolved_at, state.resolution_late
    row.closed_at = state.closed_at
    row.escalation_level = state.escalation_level
    # While the clock is stopped the deadlines are where they would be if it ran from now;
    # they are set again when it runs.
    row.first_response_due = state.first_response_due(now)
    row.resolution_due = state.resolution_due(now)
    row.next_escalation_at = state.next_escalation_at(now)
    row.updated_at = now


def _event(row: SupportRequestRow, **extra: Any) -> dict[str, Any]:
    return {
        "request_id": str(row.id),
        "station_code": row.station_code,
        "region": row.region,
        "vin": row.vin,
        "priority": row.priority,
        "status": row.status,
        "engineer": row.engineer,
    } | extra


# --- Who sees what ----------------------------------------------------------------------------------


def _stations_run_by(principal: Principal) -> Select[tuple[str]]:
    return select(StationOperatorRow.station_code).where(StationOperatorRow.dealer_code == principal.org_code)


def _visible_requests(principal: Principal) -> Select[tuple[SupportRequestRow]]:
    """HQ sees every request, a station its own, a dealer those of the stations it runs."""
    query = select(SupportRequestRow)
    if principal.role in (Role.HQ, Role.OPS):
        return query
    if principal.role is Role.STATION:
        return query.where(SupportRequestRow.station_code == principal.org_code)
    if principal.role is Role.DEALER:
        return query.where(SupportRequestRow.station_code.in_(_stations_run_by(principal)))
    return query.where(False)


def get_request(
    uow: UnitOfWork, principal: Principal, request_id: str, *, for_update: bool = False
) -> SupportRequestRow:
    try:
        key = uuid.UUID(request_id)
    except ValueError as exc:
        raise NotFound(f"no support request {request_id}") from exc
    query = _visible_requests(principal).where(SupportRequestRow.id == key)
    row = uow.session.scalars(query.with_for_update() if for_update else query).first()
    if row is None:
        raise NotFound(f"no support request {request_id}")
    return row


def _as_engineer(principal: Principal, what: str) -> None:
    if principal.acting_role not in domain.DESK_ROLES:
        raise Refused(f"only the maker's engineers {what}")


# --- Opening and working a request -------------------------------------------------------------------


def target_rules(uow: UnitOfWork) -> list[desk.TargetRule]:
    return [
        desk.TargetRule(
            priority=domain.Priority(rule.priority),
            target=desk.Target(rule.first_response, rule.resolution),
            model_code=rule.model_code,
            region=rule.region,
        )
        for rule in uow.session.scalars(select(TargetRuleRow))
    ]


@dataclass(frozen=True)
class VehicleFacts:
    """What the station says of the car, beside the VIN."""

    model_code: str = ""
    model_year: int = 0
    mileage_km: int = 0


def _facts(facts: VehicleFacts) -> tuple[str | None, int | None, int | None]:
    problems = []
    model_code = facts.model_code.strip().upper() or None
    if model_code is not None and len(model_code) > 20:
        problems.append(FieldViolation("model_code", "must be at most 20 characters"))
    year = facts.model_year or None
    if year is not None and not 1980 <= year <= 2100:
        problems.append(FieldViolation("model_year", "must be a year from 1980 to 2100"))
    mileage = facts.mileage_km or None
    if mileage is not None and not 0 < mileage <= 2_000_000:
        problems.append(FieldViolation("mileage_km", "must be from 1 to 2,000,000"))
    if problems:
        raise ValidationFailed(problems)
    return model_code, year, mileage


def open_request(
    uow: UnitOfWork,
    principal: Principal,
    draft: domain.RequestDraft,
    now: dt.datetime,
    facts: VehicleFacts = VehicleFacts(),
) -> SupportRequestRow:
    if principal.role is not Role.STATION:
        raise ValidationFailed.one("principal", "only a repair station opens support requests")
    assert principal.org_code is not None
    try:
        checked = domain.check_request(draft, now)
    except ValidationFailed as exc:
        try:
            _facts(facts)
        except ValidationFailed as more:
            raise ValidationFailed(exc.violations + more.violations) from None
        raise
    model_code, model_year, mileage = _facts(facts)
    target = desk.target_for(checked.priority, model_code, principal.region, target_rules(uow))
    state = desk.Desk(
        status=desk.Status.OPEN,
        priority=checked.priority,
        station_code=principal.org_code,
        clock=desk.Clock(opened_at=now, target=target),
    )
    row = SupportRequestRow(
        id=uuid.uuid4(),
        station_code=principal.org_code,
        region=principal.region,
        vin=checked.vin,
        model_code=model_code,
        model_year=model_year,
        mileage_km=mileage,
        subject=checked.subject,
        description=checked.description,
        dtc_codes=list(checked.dtc_codes),
        priority=checked.priority.value,
        opened_by=principal.subject,
        opened_at=now,
        target_first_response=target.first_response,
        target_resolution=target.resolution,
        paused=dt.timedelta(0),
        escalation_level=0,
    )
    _store(row, state, now)
    uow.session.add(row)
    uow.session.flush()
    uow.record_event(
        SUPPORT_REQUEST_OPENED,
        _event(
            row,
            model_code=row.model_code,
            model_year=row.model_year,
            dtc_codes=list(row.dtc_codes),
            subject=row.subject,
            opened_at=row.opened_at.isoformat(),
            first_response_due=row.first_response_due.isoformat(),
            resolution_due=row.resolution_due.isoformat(),
        ),
    )
    return row


def take_request(
    uow: UnitOfWork, principal: Principal, request_id: str, engineer: str, now: dt.datetime
) -> SupportRequestRow:
    _as_engineer(principal, "take or assign requests")
    row = get_request(uow, principal, request_id, for_update=True)
    state = desk.take(desk_of(row), engineer.strip() or principal.subject, now)
    _store(row, state, now)
    uow.record_event(SUPPORT_REQUEST_TAKEN, _event(row, assigned_by=principal.subject))
    return row


def post_message(
    uow: UnitOfWork, principal: Principal, request_id: str, body: str, asks_station: bool, now: dt.datetime
) -> SupportRequestRow:
    text = body.strip()
    if not text or len(text) > MESSAGE_MAX:
        raise ValidationFailed.one("body", f"must be 1 to {MESSAGE_MAX} characters")
    row = get_request(uow, principal, request_id, for_update=True)
    before = desk_of(row)
    if principal.role is Role.HQ:
        state = desk.engineer_replies(before, principal.subject, now, asks_station=asks_station)
        author_role = "engineer"
    elif principal.role is Role.STATION:
        if asks_station:
            raise ValidationFailed.one("asks_station", "only the desk asks the station")
        state = desk.station_replies(before, now)
        author_role = "station"
    else:
        raise Refused("only the station and the maker's engineers write in a request")
    uow.session.add(
        RequestMessageRow(
            request_id=row.id,
            author_role=author_role,
            author=principal.subject,
            body=text,
            asks_station=asks_station,
            created_at=now,
        )
    )
    _store(row, state, now)
    if state.status is desk.Status.WAITING_ON_STATION and before.status is not desk.Status.WAITING_ON_STATION:
        uow.record_event(SUPPORT_REQUEST_QUESTION_ASKED, _event(row))
    uow.session.flush()
    return row


def list_messages(uow: UnitOfWork, principal: Principal, request_id: str) -> list[RequestMessageRow]:
    row = get_request(uow, principal, request_id)
    return list(
        uow.session.scalars(
            select(RequestMessageRow)
            .where(RequestMessageRow.request_id == row.id)
            .order_by(RequestMessageRow.created_at, RequestMessageRow.id)
        )
    )


def resolve_request(
    uow: UnitOfWork, principal: Principal, request_id: str, resolution: str, now: dt.datetime
) -> SupportRequestRow:
    _as_engineer(principal, "resolve requests")
    text = resolution.strip()
    if not text or len(text) > MESSAGE_MAX:
        raise ValidationFailed.one("resolution", f"must be 1 to {MESSAGE_MAX} characters")
    row = get_request(uow, principal, request_id, for_update=True)
    state = desk.resolve(desk_of(row), now)
    if state.engineer is None:
        state = dataclasses.replace(state, engineer=principal.subject)
    row.resolution = text
    _store(row, state, now)
    uow.record_event(
        SUPPORT_REQUEST_RESOLVED,
        _event(row, resolved_at=now.isoformat(), resolution_late=row.resolution_late),
    )
    return row


def close_request(
    uow: UnitOfWork, principal: Principal, request_id: str, rating: int | None, comment: str, now: dt.datetime
) -> SupportRequestRow:
    if principal.role not in (Role.STATION, Role.HQ):
        raise Refused("only the station or the maker's engineers close a request")
    if principal.role is Role.HQ and rating is not None:
        raise ValidationFailed.one("rating", "the station rates the answer, not the desk")
    if len(comment) > 2000:
        raise ValidationFailed.one("comment", "must be at most 2000 characters")
    row = get_request(uow, principal, request_id, for_update=True)
    state = desk.close(desk_of(row), now, rating)
    row.rating, row.rating_comment = rating, comment.strip() or None
    _store(row, state, now)
    uow.record_event(
        SUPPORT_REQUEST_CLOSED,
        _event(row, closed_at=now.isoformat(), rating=rating, resolution=row.resolution),
    )
    return row


def reopen_request(uow: UnitOfWork, principal: Principal, request_id: str, now: dt.datetime) -> SupportRequestRow:
    if principal.role is not Role.STATION:
        raise Refused("only the station that opened a request reopens it")
    row = get_request(uow, principal, request_id, for_update=True)
    state = desk.reopen(desk_of(row), now)
    row.rating = row.rating_comment = None
    _store(row, state, now)
    uow.record_event(SUPPORT_REQUEST_REOPENED, _event(row, reopened_at=now.isoformat()))
    return row


# --- The escalation timer -----------------------------------------------------------------------------


def escalate_due(uow: UnitOfWork, now: dt.datetime, *, batch: int = ESCALATION_BATCH) -> int:
    """Climb the ladder of every request whose next rung is due, up to `batch` of them.

    Only rows whose `next_escalation_at` has come are read (a partial index holds just the
    requests with a rung ahead), locked with SKIP LOCKED so two timers share the work.
    Returns how many requests climbed; the caller commits and calls again while it is
    `batch`.
    """
    rows = uow.session.scalars(
        select(SupportRequestRow)
        .where(SupportRequestRow.next_escalation_at <= now)
        .order_by(SupportRequestRow.next_escalation_at)
        .limit(batch)
        .with_for_update(skip_locked=True)
    ).all()
    for row in rows:
        state, steps = desk.escalate(desk_of(row), now)
        _store(row, state, now)
        for step in steps:
            uow.session.add(
                EscalationRow(
                    request_id=row.id, level=step.level, action=step.action.value, due_at=step.due_at, recorded_at=now
                )
            )
            uow.record_event(
                SUPPORT_REQUEST_ESCALATED,
                _event(row, level=step.level, action=step.action.value, due_at=step.due_at.isoformat()),
            )
    uow.session.flush()
    return len(rows)


# --- Headquarters' queue and reports ------------------------------------------------------------------


@dataclass(frozen=True)
class QueueFilter:
    status: str = ""
    priority: str = ""
    region: str = ""
    model_code: str = ""
    older_than_hours: int = 0
    unassigned: bool = False
    engineer: str = ""


def list_requests(
    uow: UnitOfWork,
    principal: Principal,
    *,
    offset: int,
    limit: int,
    status: str = "",
    queue: QueueFilter | None = None,
    now: dt.datetime | None = None,
) -> list[SupportRequestRow]:
    """A station's own requests newest first; for headquarters, with the queue's filters,
    the most urgent first (the soonest resolution deadline)."""
    filters = queue or QueueFilter(status=status)
    query = _visible_requests(principal)
    if filters.status:
        try:
            query = query.where(SupportRequestRow.status == desk.Status(filters.status).value)
        except ValueError:
            allowed = ", ".join(s.value for s in desk.Status)
            raise ValidationFailed.one("status", f"unknown status '{filters.status}' (one of: {allowed})") from None
    if filters.priority:
        try:
            query = query.where(SupportRequestRow.priority == domain.Priority(filters.priority).value)
        except ValueError:
            raise ValidationFailed.one("priority", f"unknown priority '{filters.priority}'") from None
    if filters.region:
        query = query.where(SupportRequestRow.region == filters.region)
    if filters.model_code:
        query = query.where(SupportRequestRow.model_code == filters.model_code.upper())
    if filters.older_than_hours:
        if filters.older_than_hours < 0:
            raise ValidationFailed.one("older_than_hours", "must not be negative")
        moment = (now or _now()) - dt.timedelta(hours=filters.older_than_hours)
        query = query.where(SupportRequestRow.opened_at <= moment)
    if filters.unassigned:
        query = query.where(SupportRequestRow.engineer.is_(None))
    if filters.engineer:
        query = query.where(SupportRequestRow.engineer == filters.engineer)
    if principal.role in (Role.HQ, Role.OPS) and queue is not None:
        query = query.order_by(SupportRequestRow.resolution_due, SupportRequestRow.id)
    else:
        query = query.order_by(SupportRequestRow.opened_at.desc(), SupportRequestRow.id.desc())
    return list(uow.session.scalars(query.offset(offset).limit(limit)))


@dataclass(frozen=True)
class Breach:
    request: SupportRequestRow
    state: str
    first_response_breached: bool
    resolution_breached: bool


def list_breaches(
    uow: UnitOfWork, principal: Principal, now: dt.datetime, *, horizon: dt.timedelta, offset: int, limit: int
) -> tuple[list[Breach], int, int]:
    """Active requests past a deadline, then those whose resolution deadline falls within the
    horizon, most urgent first; with how many of each there are in all."""
    if principal.role not in (Role.HQ, Role.OPS):
        raise Refused("only headquarters watches the deadlines")
    active = SupportRequestRow.status.in_([s.value for s in desk.ACTIVE])
    late_answer = and_(SupportRequestRow.first_response_at.is_(None), SupportRequestRow.first_response_due < now)
    breached = or_(SupportRequestRow.resolution_due < now, late_answer)
    # A request waiting on the station has its clock stopped: it cannot breach meanwhile.
    running = SupportRequestRow.paused_since.is_(None)
    wanted = and_(active, running, or_(breached, SupportRequestRow.resolution_due < now + horizon))
    counts = uow.session.execute(
        select(func.count().filter(breached), func.count().filter(~breached)).where(wanted)
    ).one()
    rows = uow.session.scalars(
        select(SupportRequestRow)
        .where(wanted)
        .order_by(SupportRequestRow.resolution_due, SupportRequestRow.id)
        .offset(offset)
        .limit(limit)
    ).all()
    found = []
    for row in rows:
        first = row.first_response_at is None and row.first_response_due < now
        resolution = row.resolution_due < now
        found.append(Breach(row, "breached" if first or resolution else "predicted", first, resolution))
    return found, int(counts[0]), int(counts[1])


@dataclass(frozen=True)
class PerformanceRow:
    key: str
    requests: int
    closed: int
    rated: int
    average_rating: float
    first_response_met_percent: float
    resolution_met_percent: float
    escalations: int


GROUPS = {
    "station": SupportRequestRow.station_code,
    "region": func.coalesce(SupportRequestRow.region, ""),
    "engineer": func.coalesce(SupportRequestRow.engineer, ""),
}


def performance(uow: UnitOfWork, principal: Principal, group_by: str, since: dt.datetime) -> list[PerformanceRow]:
    """Satisfaction and deadline performance of the requests opened since `since`."""
    if principal.role not in (Role.HQ, Role.OPS):
        raise Refused("only headquarters sees the desk's performance")
    if group_by not in GROUPS:
        raise ValidationFailed.one("group_by", f"must be one of {', '.join(GROUPS)}")
    key = GROUPS[group_by]
    escalations = (
        select(func.count())
        .where(EscalationRow.request_id == SupportRequestRow.id)
        .correlate(SupportRequestRow)
        .scalar_subquery()
    )
    rows = uow.session.execute(
        select(
            key,
            func.count(),
            func.count().filter(SupportRequestRow.status == desk.Status.CLOSED.value),
            func.count(SupportRequestRow.rating),
            func.coalesce(func.avg(SupportRequestRow.rating), 0.0),
            func.count().filter(SupportRequestRow.first_response_late.is_(False)),
            func.count(SupportRequestRow.first_response_late),
            func.count().filter(SupportRequestRow.resolution_late.is_(False)),
            func.count(SupportRequestRow.resolution_late),
            func.coalesce(func.sum(escalations), 0),
        )
        .where(SupportRequestRow.opened_at >= since)
        .group_by(key)
        .order_by(key)
    ).all()
    return [
        PerformanceRow(
            key=group,
            requests=total,
            closed=closed,
            rated=rated,
            average_rating=round(float(average), 2),
            first_response_met_percent=round(100.0 * met_first / decided_first, 1) if decided_first else 0.0,
            resolution_met_percent=round(100.0 * met_resolution / decided_resolution, 1) if decided_resolution else 0.0,
            escalations=int(escalated),
        )
        for (
            group,
            total,
            closed,
            rated,
            average,
            met_first,
            decided_first,
            met_resolution,
            decided_resolution,
            escalated,
        ) in rows
    ]


# --- Service history -----------------------------------------------------------------------------------


def _vin(raw: str) -> str:
    vin = raw.strip().upper()
    problem = vin_problem(vin)
    if problem is not None:
        raise ValidationFailed.one("vin", problem)
    return vin


def record_repair(
    uow: UnitOfWork,
    principal: Principal,
    *,
    vin: str,
    mileage_km: int,
    work_done: str,
    request_id: str,
    now: dt.datetime,
) -> RepairRow:
    if principal.role is not Role.STATION:
        raise Refused("only a repair station records its repairs")
    car = _vin(vin)
    work = work_done.strip()
    if not work or len(work) > MESSAGE_MAX:
        raise ValidationFailed.one("work_done", f"must be 1 to {MESSAGE_MAX} characters")
    if mileage_km and not 0 < mileage_km <= 2_000_000:
        raise ValidationFailed.one("mileage_km", "must be from 1 to 2,000,000")
    request = get_request(uow, principal, request_id) if request_id else None
    if request is not None and request.vin != car:
        raise ValidationFailed.one("request_id", f"request {request_id} is about another car")
    repair = RepairRow(
        station_code=principal.org_code,
        vin=car,
        mileage_km=mileage_km or None,
        work_done=work,
        request_id=request.id if request else None,
        recorded_by=principal.subject,
        repaired_at=now,
    )
    uow.session.add(repair)
    uow.session.flush()
    uow.record_event(
        REPAIR_RECORDED,
        {
            "repair_id": str(repair.id),
            "station_code": repair.station_code,
            "vin": repair.vin,
            "mileage_km": repair.mileage_km,
            "work_done": repair.work_done[:500],
            "request_id": str(repair.request_id) if repair.request_id else None,
            "repaired_at": now.isoformat(),
        },
    )
    return repair


def vehicle_history(uow: UnitOfWork, principal: Principal, vin: str) -> tuple[list[SupportRequestRow], list[RepairRow]]:
    car = _vin(vin)
    requests = uow.session.scalars(
        _visible_requests(principal).where(SupportRequestRow.vin == car).order_by(SupportRequestRow.opened_at.desc())
    ).all()
    repairs = select(RepairRow).where(RepairRow.vin == car)
    if principal.role is Role.STATION:
        repairs = repairs.where(RepairRow.station_code == principal.org_code)
    elif principal.role is Role.DEALER:
        repairs = repairs.where(RepairRow.station_code.in_(_stations_run_by(principal)))
    elif principal.role not in (Role.HQ, Role.OPS):
        repairs = repairs.where(False)
    return list(requests), list(uow.session.scalars(repairs.order_by(RepairRow.repaired_at.desc())))


def known_model(uow: UnitOfWork, vin: str) -> tuple[str | None, int | None]:
    """The model and model year stations gave for a car in their requests, the latest first;
    the desk's own record of what the car is."""
    found = uow.session.execute(
        select(SupportRequestRow.model_code, SupportRequestRow.model_year)
        .where(SupportRequestRow.vin == _vin(vin), SupportRequestRow.model_code.is_not(None))
        .order_by(SupportRequestRow.opened_at.desc())
        .limit(1)
    ).first()
    return (found[0], found[1]) if found else (None, None)
