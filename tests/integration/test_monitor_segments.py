"""The customer master announces a customer's new segment (`customer.segment_changed`), and
the monitor counts customers by segment from that and from the registration."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from sqlalchemy import select

from customer_service import customers
from customer_service.domain import Handover, RegistrationForm
from customer_service.models import tables as customer_tables
from monitor_service import monitor
from monitor_service.models import tables as monitor_tables
from plumbing.db import Database
from plumbing.principal import Principal, Role

pytestmark = pytest.mark.integration

HQ = Principal(subject="master-data@hq", role=Role.HQ)
VIN = "LDN2A4C19R0000001"


@pytest.fixture(scope="module")
def customer_db(fresh_database: Callable[[str], str]) -> Iterator[Database]:
    db = Database("customer", fresh_database("customer"), customer_tables, pool_size=2)
    yield db
    db.engine.dispose()


@pytest.fixture(scope="module")
def monitor_db(fresh_database: Callable[[str], str]) -> Iterator[Database]:
    db = Database("monitor", fresh_database("monitor"), monitor_tables, pool_size=2)
    yield db
    db.engine.dispose()


def recorded(db: Database) -> list[dict[str, Any]]:
    outbox = customer_tables.outbox
    with db.engine.connect() as conn:
        return [row.payload for row in conn.execute(select(outbox.c.payload).order_by(outbox.c.seq))]


def test_a_first_purchase_announces_the_new_segment_and_the_monitor_counts_it(
    customer_db: Database, monitor_db: Database
) -> None:
    with customer_db.unit_of_work() as uow:
        customer = customers.register_customer(uow, HQ, RegistrationForm(full_name="Li Wei", phone="+86 1380013800"))
        uow.commit()
    customer_id = str(customer.customer.id)
    delivered = {
        "order_number": "D1001-000001",
        "dealer_code": "D1001",
        "vin": VIN,
        "customer_id": customer_id,
        "delivered_at": (dt.datetime.now(dt.UTC) - dt.timedelta(days=3)).isoformat(),
        "list_price_minor": 2_500_000,
    }
    with customer_db.unit_of_work() as uow:
        customers.link_vehicle(uow, Handover.from_event(delivered))
        uow.commit()

    events = recorded(customer_db)
    assert [e["type"] for e in events] == ["customer.registered", "customer.segment_changed"]
    changed = events[1]["data"]
    assert changed["customer_id"] == customer_id
    assert (changed["previous_segment"], changed["segment"]) == ("potential", "target")

    # The monitor gets them the wrong way round: the newer segment still wins.
    for event in reversed(events):
        with monitor_db.unit_of_work() as uow:
            monitor.record_customer_event(uow, event)
            uow.commit()
    with monitor_db.unit_of_work() as uow:
        counted = {key: n for key, n in monitor.counts(uow).items() if key[0] == "customers.segment"}
    assert counted == {("customers.segment", "target", "", ""): 1}
