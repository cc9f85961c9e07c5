"""The monitor's use cases: recording events into the read models and their counters, the
dashboard, the lists behind each figure, and rebuilding the counters from the records.

Every recording takes a transaction-scoped advisory lock on the record's key before reading
it, so two workers handling events of one order (or car, request, customer) one after the
other see each other's result; a record not seen yet is created by whichever comes first.
All counter changes of one event are applied last, in key order (see
`dashboard.count_changes`), so concurrent transactions never wait on each other in a circle.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from sqlalchemy import case, func, select, text
from sqlalchemy.dialects.postgresql import insert

from monitor_service import dashboard
from monitor_service.dashboard import CountKey
from monitor_service.models import CountRow, CustomerRow, DealerRow, OrderRow, StockRow, SupportRow
from plumbing.db import UnitOfWork

DEALERS_SHOWN = 20
F = TypeVar("F")


def _lock(uow: UnitOfWork, kind: str, key: str, *, shared: bool = False) -> None:
    lock = func.pg_advisory_xact_lock_shared if shared else func.pg_advisory_xact_lock
    uow.session.execute(select(lock(func.hashtextextended(f"{kind}:{key}", 0))))


def _facts(row: Any, facts_type: type[F]) -> F:
    return facts_type(**{field.name: getattr(row, field.name) for field in dataclasses.fields(facts_type)})  # type: ignore[arg-type]


def _store(uow: UnitOfWork, row_type: type[Any], row: Any, facts: Any) -> None:
    values = dataclasses.asdict(facts)
    if row is None:
        uow.session.add(row_type(**values))
    else:
        for name, value in values.items():
            setattr(row, name, value)
    uow.session.flush()


def _add_counts(uow: UnitOfWork, changes: Sequence[tuple[CountKey, int]]) -> None:
    if not changes:
        return
    statement = insert(CountRow).values(
        [{"figure": f, "k1": k1, "k2": k2, "k3": k3, "n": n} for (f, k1, k2, k3), n in changes]
    )
    uow.session.execute(
        statement.on_conflict_do_update(
            index_elements=[CountRow.figure, CountRow.k1, CountRow.k2, CountRow.k3],
            set_={"n": CountRow.n + statement.excluded.n},
        )
    )


def _time(event: dict[str, Any]) -> dt.datetime:
    return dashboard.parse_time(event.get("occurred_at"))


# --- Recording events -----------------------------------------------------------------------------


def _learn_region(uow: UnitOfWork, dealer_code: str, region: str) -> list[tuple[CountKey, int]]:
    """Remember a dealer's region; cars counted in its stock before it was known move to it.

    Stock events read the region under a shared lock on the dealer, this takes it alone: a
    car recorded while the region is learned is either seen by the move below or reads the
    region itself, never neither.
    """
    _lock(uow, "dealer", dealer_code)
    learned = uow.session.execute(
        insert(DealerRow)
        .values(dealer_code=dealer_code, region=region)
        .on_conflict_do_nothing()
        .returning(DealerRow.dealer_code)
    ).first()
    if learned is None:
        return []
    before: list[CountKey] = []
    after: list[CountKey] = []
    cars = uow.session.scalars(
        select(StockRow)
        .where(StockRow.location_code == dealer_code, StockRow.region.is_(None), StockRow.left_at.is_(None))
        .with_for_update()
    )
    for row in cars:
        old = _facts(row, dashboard.StockFacts)
        new = dataclasses.replace(old, region=region)
        before += dashboard.stock_count_keys(old)
        after += dashboard.stock_count_keys(new)
        row.region = region
    return dashboard.count_changes(before, after)


def _region_of(uow: UnitOfWork, dealer_code: str | None) -> str | None:
    if not dealer_code:
        return None
    return uow.session.scalar(select(DealerRow.region).where(DealerRow.dealer_code == dealer_code))


def record_order_event(uow: UnitOfWork, event: dict[str, Any]) -> dashboard.OrderFacts:
    data = event["data"]
    number = str(data.get("order_number") or "")
    if not number:
        raise ValueError("missing order_number")
    _lock(uow, "order", number)
    row = uow.session.get(OrderRow, number)
    before = _facts(row, dashboard.OrderFacts) if row is not None else None
    dealer = data.get("dealer_code")
    known_region = _region_of(uow, dealer if isinstance(dealer, str) else None)
    after = dashboard.apply_order_event(before, event["type"], data, _time(event), dealer_region=known_region)
    _store(uow, OrderRow, row, after)
    changes = dashboard.count_changes(dashboard.order_count_keys(before), dashboard.order_count_keys(after))
    region = data.get("region")
    if event["type"] == "order.placed" and isinstance(region, str) and region and known_region is None:
        changes = _merged(changes, _learn_region(uow, after.dealer_code, region))
    _add_counts(uow, changes)
    return after


def _merged(*batches: Sequence[tuple[CountKey, int]]) -> list[tuple[CountKey, int]]:
    total: dict[CountKey, int] = {}
    for batch in batches:
        for key, n in batch:
            total[key] = total.get(key, 0) + n
    return sorted((key, n) for key, n in total.items() if n)


def record_stock_event(uow: UnitOfWork, event: dict[str, Any]) -> dashboard.StockFacts | None:
    data = event["data"]
    vin = dashboard.stock_event_vin(event["type"], data)
    if vin is None:
        return None  # a part's stock: not a figure of the dashboard
    _lock(uow, "stock", vin)
    row = uow.session.get(StockRow, vin)
    before = _facts(row, dashboard.StockFacts) if row is not None else None
    location = next(
        (str(data[key]) for key in ("dealer_code", "to_dealer", "location_code") if data.get(key)),
        None,
    )
    if location:
        _lock(uow, "dealer", location, shared=True)
    regions = {location: region} if location and (region := _region_of(uow, location)) else {}
    after = dashboard.apply_stock_event(before, event["type"], data, _time(event), regions)
    _store(uow, StockRow, row, after)
    _add_counts(uow, dashboard.count_changes(dashboard.stock_count_keys(before), dashboard.stock_count_keys(after)))
    return after


def record_support_event(uow: UnitOfWork, event: dict[str, Any]) -> dashboard.SupportFacts:
    data = event["data"]
    request_id = str(data.get("request_id") or "")
    if not request_id:
        raise ValueError("missing request_id")
    _lock(uow, "support", request_id)
    row = uow.session.get(SupportRow, request_id)
    before = _facts(row, dashboard.SupportFacts) if row is not None else None
    after = dashboard.apply_support_event(before, event["type"], data, _time(event))
    _store(uow, SupportRow, row, after)
    changes = dashboard.count_changes(dashboard.support_count_keys(before), dashboard.support_count_keys(after))
    _add_counts(uow, changes)
    return after


def record_customer_event(uow: UnitOfWork, event: dict[str, Any]) -> dashboard.CustomerFacts:
    data = event["data"]
    customer_id = dashboard.customer_event_ids(event["type"], data)
    _lock(uow, "customer", customer_id)
    row = uow.session.get(CustomerRow, customer_id)
    before = _facts(row, dashboard.CustomerFacts) if row is not None else None
    after = dashboard.apply_customer_event(before, event["type"], data, _time(event))
    _store(uow, CustomerRow, row, after)
    changes = dashboard.count_changes(dashboard.customer_count_keys(before), dashboard.customer_count_keys(after))
    _add_counts(uow, changes)
    return after


# --- The dashboard --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Dashboard:
    as_of: dt.datetime
    orders_total: int
    orders_by_stage: list[dashboard.Tally]
    orders_by_region: list[dashboard.Tally]
    orders_by_model: list[dashboard.Tally]
    orders_by_dealer: list[dashboard.Tally]
    late_vehicles: int
    late_by_region: list[dashboard.Tally]
    funnel: list[dashboard.FunnelStep]
    stock: list[dashboard.StockTally]
    stock_total: int
    support: dashboard.SupportFigures
    customers_by_segment: list[dashboard.Tally]


_SMALL_FIGURES = ("orders.stage", "orders.region", "orders.model", "late", "funnel", "customers.segment")


def read_dashboard(uow: UnitOfWork, now: dt.datetime) -> Dashboard:
    """Every figure, from the counters and the open support requests, in one snapshot."""
    session = uow.session
    # One snapshot for all the reads below, so the figures agree with each other.
    session.execute(text("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY"))
    small = [
        (f, k1, k2, k3, n)
        for f, k1, k2, k3, n in session.execute(
            select(CountRow.figure, CountRow.k1, CountRow.k2, CountRow.k3, CountRow.n).where(
                CountRow.n != 0,
                CountRow.figure.in_((*_SMALL_FIGURES, "support.status", "support.resolution_late", "support.rating")),
            )
        )
    ]
    dealers = session.execute(
        select(CountRow.k1, CountRow.n)
        .where(CountRow.figure == "orders.dealer_total", CountRow.n != 0)
        .order_by(CountRow.n.desc(), CountRow.k1)
        .limit(DEALERS_SHOWN)
    ).all()
    # Days are ISO dates, so they compare as text: each day becomes its age band's first
    # day in the database, and a few rows a region come back instead of one a day.
    today = now.date()
    band_day = case(
        *(
            (CountRow.k3 >= (today - dt.timedelta(days=high)).isoformat(), (today - dt.timedelta(days=low)).isoformat())
            for _, low, high in dashboard.AGE_BANDS
            if high is not None
        ),
        else_=(today - dt.timedelta(days=dashboard.AGE_BANDS[-1][1])).isoformat(),
    )
    stock_rows = [
        (region, dt.date.fromisoformat(day), int(n))
        for region, day, n in session.execute(
            select(CountRow.k1, band_day, func.sum(CountRow.n))
            .where(CountRow.figure == "stock")
            .group_by(CountRow.k1, band_day)
            .having(func.sum(CountRow.n) != 0)
        )
    ]
    breached = session.scalar(
        select(func.count())
        .select_from(SupportRow)
        .where(SupportRow.status.in_(dashboard.SUPPORT_OPEN), SupportRow.resolution_due < now)
    )
    figures = dashboard.order_figures(small)
    reached = {k1: n for f, k1, _, _, n in small if f == "funnel"}
    stock = dashboard.stock_figures(stock_rows, today)
    return Dashboard(
        as_of=now,
        orders_total=sum(t.count for t in figures["stage"]),
        orders_by_stage=figures["stage"],
        orders_by_region=figures["region"],
        orders_by_model=figures["model"],
        orders_by_dealer=[dashboard.Tally(code, int(n)) for code, n in dealers],
        late_vehicles=sum(t.count for t in figures["late"]),
        late_by_region=figures["late"],
        funnel=dashboard.funnel(reached),
        stock=stock,
        stock_total=sum(t.count for t in stock),
        support=dashboard.support_figures(small, breached or 0),
        customers_by_segment=dashboard.customer_figures(small),
    )


# --- Drill-down lists -----------------------------------------------------------------------------


@dataclass(frozen=True)
class OrderFilter:
    stage: str = ""
    region: str = ""
    model_code: str = ""
    dealer_code: str = ""
    late: bool = False
    reached: str = ""


def list_orders(uow: UnitOfWork, where: OrderFilter, *, offset: int, limit: int) -> list[OrderRow]:
    """The orders behind a figure, newest placed first."""
    dashboard.check_choice("stage", where.stage, dashboard.ALL_STATUSES)
    conditions = []
    if where.stage:
        conditions.append(OrderRow.status == where.stage)
    if where.region:
        conditions.append(OrderRow.region == where.region)
    if where.model_code:
        conditions.append(OrderRow.model_code == where.model_code)
    if where.dealer_code:
        conditions.append(OrderRow.dealer_code == where.dealer_code)
    if where.reached:
        conditions.append(OrderRow.furthest >= dashboard.funnel_rank(where.reached))
    query = select(OrderRow).where(*conditions)
    if where.late:
        # As the partial index is written, so the planner reads only the late cars.
        waited_for = [s for s in dashboard.ORDER_STAGES if s not in ("arrived", "delivered")]
        query = query.where(OrderRow.late, OrderRow.status.in_(waited_for)).order_by(
            OrderRow.planned_arrival, OrderRow.order_number
        )
    else:
        query = query.order_by(OrderRow.placed_at.desc(), OrderRow.order_number.desc())
    return list(uow.session.scalars(query.offset(offset).limit(limit)))


def list_stock(
    uow: UnitOfWork, today: dt.date, *, region: str, age_band: str, model_code: str, offset: int, limit: int
) -> list[StockRow]:
    """Cars in stock behind a figure, longest in stock first."""
    conditions = [StockRow.left_at.is_(None), StockRow.in_stock_since.is_not(None)]
    if region:
        conditions.append(StockRow.region == region)
    if model_code:
        conditions.append(StockRow.model_code == model_code)
    if age_band:
        earliest, latest = dashboard.band_dates(age_band, today)
        # Days are counted in UTC, as the counters count them.
        conditions.append(StockRow.in_stock_since < _utc_midnight(latest + dt.timedelta(days=1)))
        if earliest is not None:
            conditions.append(StockRow.in_stock_since >= _utc_midnight(earliest))
    query = select(StockRow).where(*conditions).order_by(StockRow.in_stock_since, StockRow.vin)
    return list(uow.session.scalars(query.offset(offset).limit(limit)))


def _utc_midnight(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(), tzinfo=dt.UTC)


def list_support(
    uow: UnitOfWork,
    now: dt.datetime,
    *,
    view: str,
    region: str,
    priority: str,
    offset: int,
    limit: int,
) -> list[SupportRow]:
    dashboard.check_choice("view", view, dashboard.SUPPORT_VIEWS)
    dashboard.check_choice("priority", priority, dashboard.PRIORITIES)
    conditions = []
    if region:
        conditions.append(SupportRow.region == region)
    if priority:
        conditions.append(SupportRow.priority == priority)
    view = view or "open"
    order: Sequence[Any] = (SupportRow.opened_at.desc(), SupportRow.request_id)
    if view in ("open", "breached"):
        conditions.append(SupportRow.status.in_(dashboard.SUPPORT_OPEN))
        order = (SupportRow.resolution_due, SupportRow.request_id)
    if view == "breached":
        conditions.append(SupportRow.resolution_due < now)
    elif view == "resolution_late":
        conditions += [SupportRow.resolution_late, SupportRow.status.in_(("resolved", "closed"))]
    elif view == "rated":
        conditions += [SupportRow.status == "closed", SupportRow.rating.is_not(None)]
    query = select(SupportRow).where(*conditions).order_by(*order)
    return list(uow.session.scalars(query.offset(offset).limit(limit)))


def list_customers(uow: UnitOfWork, *, segment: str, region: str, offset: int, limit: int) -> list[CustomerRow]:
    dashboard.check_choice("segment", segment, dashboard.SEGMENTS)
    conditions = [CustomerRow.merged.is_(False)]
    if segment:
        conditions.append(CustomerRow.segment == segment)
    if region:
        conditions.append(CustomerRow.region == region)
    query = select(CustomerRow).where(*conditions).order_by(CustomerRow.customer_id)
    return list(uow.session.scalars(query.offset(offset).limit(limit)))


# --- Rebuilding the counters ----------------------------------------------------------------------

_RECORDS: tuple[tuple[type[Any], type[Any], Callable[[Any], list[CountKey]]], ...] = (
    (OrderRow, dashboard.OrderFacts, dashboard.order_count_keys),
    (StockRow, dashboard.StockFacts, dashboard.stock_count_keys),
    (SupportRow, dashboard.SupportFacts, dashboard.support_count_keys),
    (CustomerRow, dashboard.CustomerFacts, dashboard.customer_count_keys),
)


def recount(uow: UnitOfWork, batch: int = 20_000) -> int:
    """Replace every counter with the count of the records, as the events would have left
    them: after a bulk load, or to check the counters (`python -m monitor_service.recount`).
    The keys come from the same functions the event handlers use. Returns the counters written."""
    totals: dict[CountKey, int] = {}
    for row_type, facts_type, keys_of in _RECORDS:
        names = [field.name for field in dataclasses.fields(facts_type)]
        columns = [getattr(row_type, name) for name in names]
        for values in uow.session.execute(select(*columns).execution_options(yield_per=batch)):
            for key in keys_of(facts_type(**dict(zip(names, values, strict=True)))):
                totals[key] = totals.get(key, 0) + 1
    uow.session.execute(CountRow.__table__.delete())
    ordered = sorted(totals.items())
    for start in range(0, len(ordered), batch):
        _add_counts(uow, ordered[start : start + batch])
    return len(ordered)


def counts(uow: UnitOfWork) -> dict[CountKey, int]:
    """Every non-zero counter (for checks and tests)."""
    rows = uow.session.execute(
        select(CountRow.figure, CountRow.k1, CountRow.k2, CountRow.k3, CountRow.n).where(CountRow.n != 0)
    )
    return {(f, k1, k2, k3): int(n) for f, k1, k2, k3, n in rows}
