"""The monitor's use cases on its real database: a dealer's region learned after its cars were
counted, and many workers recording events of the same records at once."""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable, Iterator
from concurrent import futures
from typing import Any

import pytest
from sqlalchemy import text

from monitor_service import monitor
from monitor_service.models import metadata, tables
from plumbing.db import Database, event_envelope

pytestmark = pytest.mark.integration

T0 = dt.datetime(2026, 11, 2, 8, 0, tzinfo=dt.UTC)


@pytest.fixture(scope="module")
def database(fresh_database: Callable[[str], str]) -> Iterator[Database]:
    db = Database("monitor", fresh_database("monitor"), tables, pool_size=10)
    yield db
    db.engine.dispose()


@pytest.fixture
def db(database: Database) -> Database:
    with database.engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {', '.join(t.name for t in metadata.sorted_tables)}"))
    return database


def event(event_type: str, data: dict[str, Any], hour: float) -> dict[str, Any]:
    envelope = event_envelope(event_type.split(".")[0], event_type, data, 1)
    envelope["occurred_at"] = (T0 + dt.timedelta(hours=hour)).isoformat()
    return envelope


def record(db: Database, envelope: dict[str, Any]) -> None:
    recorder = monitor.record_stock_event if envelope["type"].startswith("inventory.") else monitor.record_order_event
    with db.unit_of_work() as uow:
        recorder(uow, envelope)
        uow.commit()


def counts(db: Database) -> dict[tuple[str, str, str, str], int]:
    with db.unit_of_work() as uow:
        return monitor.counts(uow)


def test_cars_counted_before_their_dealers_region_was_known_move_to_it(db: Database) -> None:
    received = {"vin": "LDN2A4C19R0000001", "dealer_code": "D009", "model_code": "AUR", "order_number": "O-1"}
    record(db, event("inventory.vehicle_received", {**received, "received_at": T0.isoformat()}, 0))
    assert counts(db) == {("stock", "", "AUR", "2026-11-02"): 1}
    placed = {"order_number": "O-2", "dealer_code": "D009", "region": "WEST", "model_code": "TER"}
    record(db, event("order.placed", placed, 1))
    assert counts(db)[("stock", "WEST", "AUR", "2026-11-02")] == 1
    assert ("stock", "", "AUR", "2026-11-02") not in counts(db)


def test_workers_recording_one_orders_events_at_once_count_it_once(db: Database) -> None:
    rng = random.Random(7)
    envelopes = []
    for n in range(30):
        ids = {"order_number": f"O-{n}", "dealer_code": f"D{n % 4}"}
        life = [
            event("order.placed", {**ids, "region": f"R{n % 4}", "model_code": "AUR"}, 0),
            event("order.approved", {**ids, "status": "approved"}, 1),
            event("order.scheduled", {**ids, "vin": f"V{n}", "planned_arrival": "2026-11-20"}, 2),
            event("order.vehicle_shipped", {**ids, "vin": f"V{n}"}, 3),
            event("inventory.vehicle_received", {**ids, "vin": f"V{n}", "model_code": "AUR"}, 4),
        ]
        envelopes += life
    rng.shuffle(envelopes)
    with futures.ThreadPoolExecutor(max_workers=8) as pool:
        for done in [pool.submit(record, db, envelope) for envelope in envelopes]:
            done.result()

    counted = counts(db)
    assert counted[("orders.stage", "shipped", "", "")] == 30
    assert sum(n for (figure, *_), n in counted.items() if figure == "stock") == 30
    assert sum(n for (figure, k1, *_), n in counted.items() if figure == "stock" and k1 == "") == 0
    with db.unit_of_work() as uow:
        monitor.recount(uow)
        assert monitor.counts(uow) == counted
