"""The real plant feed process (`python -m order_service.plant_feed`) consuming plant
messages published with pika to the real broker, against the order service's database."""

from __future__ import annotations

import datetime as dt
import itertools
import json
import sys
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pika
import psycopg2
import pytest
from sqlalchemy import create_engine, func, select, text

from order_service import timeline, tracking
from order_service.models import AlertRow, ParkedPlantEventRow, TimelineEntryRow, VehicleOrderRow, tables
from order_service.plant_feed import PLANT_EXCHANGE, QUEUE
from plumbing.db import OUTBOX_NOTIFY_CHANNEL, Database
from plumbing.nameko_shell import DEAD_LETTER_EXCHANGE
from plumbing.principal import Principal, Role
from plumbing.vin import vin_check_digit
from tests.processes import ROOT, running, wait_for

pytestmark = pytest.mark.integration

DEAD_LETTERS = "order.dead-letters"
HQ = Principal(subject="hq.analyst", role=Role.HQ, org_code="HQ")
SCHEDULED_AT = dt.datetime.now(dt.UTC) - dt.timedelta(days=2)
_serials = itertools.count(1)
_order_numbers = itertools.count(1)


def new_vin() -> str:
    draft = f"LDNAURLX0RS{next(_serials):06d}"
    return draft[:8] + vin_check_digit(draft) + draft[9:]


@pytest.fixture(scope="module")
def order_db(fresh_database: Callable[[str], str], amqp_uri: str) -> Iterator[Database]:
    db = Database("order", fresh_database("order"), tables, pool_size=2)
    connection = pika.BlockingConnection(pika.URLParameters(amqp_uri))
    connection.channel().queue_delete(QUEUE)  # messages other runs left behind
    connection.close()
    with running([sys.executable, "-m", "order_service.plant_feed"], log_name="plant-feed"):
        wait_for("plant feed consuming", lambda: consumers(amqp_uri, QUEUE) > 0, timeout=60)
        yield db
    db.engine.dispose()


@pytest.fixture
def broker(amqp_uri: str) -> Iterator[Any]:
    connection = pika.BlockingConnection(pika.URLParameters(amqp_uri))
    channel = connection.channel()
    channel.exchange_declare(PLANT_EXCHANGE, exchange_type="topic", durable=True)
    channel.exchange_declare(DEAD_LETTER_EXCHANGE.name, exchange_type="direct", durable=True)
    channel.queue_declare(DEAD_LETTERS, durable=True)
    channel.queue_bind(DEAD_LETTERS, DEAD_LETTER_EXCHANGE.name, routing_key="order")
    channel.queue_purge(DEAD_LETTERS)
    channel.confirm_delivery()
    yield channel
    connection.close()


def consumers(amqp_uri: str, queue: str) -> int:
    connection = pika.BlockingConnection(pika.URLParameters(amqp_uri))
    try:
        return int(connection.channel().queue_declare(queue, passive=True).method.consumer_count)
    finally:
        if connection.is_open:
            connection.close()


def add_order(db: Database, vin: str, status: str = "scheduled") -> str:
    order_number = f"ORD-2027-{next(_order_numbers):07d}"
    with db.unit_of_work() as uow:
        uow.session.add(
            VehicleOrderRow(
                order_number=order_number,
                dealer_code="D001",
                region="EAST",
                model_code="AUR",
                trim_code="LX",
                colour_code="WHT",
                wanted_week="2027-W05",
                status=status,
                supply="to_be_built",
                vin=vin,
                list_price_minor=18_900_00,
                currency="EUR",
                placed_by="d001.sales",
                plant_code="SH1",
                scheduled_week="2027-W05",
                scheduled_at=SCHEDULED_AT,
                stage="scheduled" if status == "scheduled" else None,
                stage_reached_at=SCHEDULED_AT if status == "scheduled" else None,
                planned_arrival=timeline.plan_arrival("SH1", "2027-W05"),
            )
        )
        uow.commit()
    return order_number


def plant_message(vin: str, stage: str, occurred_at: dt.datetime, **changes: Any) -> dict[str, Any]:
    body = {
        "schema": 1,
        "event_id": str(uuid.uuid4()),
        "vin": vin,
        "plant": "SH1",
        "line": "L1",
        "station": f"{stage}-010",
        "stage": stage,
        "occurred_at": occurred_at.isoformat(),
    }
    body.update(changes)
    return body


def publish(channel: Any, body: dict[str, Any] | None = None, raw: bytes | None = None, routing_key: str = "") -> None:
    if body is not None:
        routing_key = routing_key or f"{body['plant']}.{body['stage']}"
    channel.basic_publish(
        PLANT_EXCHANGE,
        routing_key or "SH1.UNKNOWN",
        raw if raw is not None else json.dumps(body).encode(),
        pika.BasicProperties(content_type="application/json", delivery_mode=pika.DeliveryMode.Persistent),
    )


def order_row(db: Database, order_number: str) -> VehicleOrderRow:
    with db.unit_of_work() as uow:
        row = uow.session.get(VehicleOrderRow, order_number)
        assert row is not None
        return row


def count(db: Database, table: Any, *where: Any) -> int:
    with db.engine.connect() as conn:
        return conn.scalar(select(func.count()).select_from(table).where(*where)) or 0


def timeline_rows(db: Database, order_number: str) -> int:
    return count(db, TimelineEntryRow.__table__, TimelineEntryRow.order_number == order_number)


def events_for(db: Database, event_type: str, order_number: str) -> list[dict[str, Any]]:
    outbox = tables.outbox
    with db.engine.connect() as conn:
        rows = conn.execute(
            select(outbox.c.payload)
            .where(outbox.c.event_type == event_type, outbox.c.payload["data"]["order_number"].astext == order_number)
            .order_by(outbox.c.seq)
        ).all()
    return [row.payload["data"] for row in rows]


def dead_letters(channel: Any, expected: int, timeout: float = 15) -> list[tuple[Any, bytes]]:
    received = []
    for method, properties, body in channel.consume(DEAD_LETTERS, inactivity_timeout=timeout, auto_ack=True):
        if method is None:
            break
        received.append((properties, body))
        if len(received) >= expected:
            break
    channel.cancel()
    return received


def test_a_stage_event_moves_the_car_and_is_announced(order_db: Database, broker: Any) -> None:
    vin = new_vin()
    order_number = add_order(order_db, vin)
    at = dt.datetime.now(dt.UTC).replace(microsecond=0) - dt.timedelta(minutes=5)

    publish(broker, plant_message(vin, "BIW_IN", at))

    row = wait_for("body shop", lambda: (r := order_row(order_db, order_number)).stage == "body_shop" and r)
    assert row.status == "in_production" and row.stage_reached_at == at
    assert row.expected_arrival is not None
    [announced] = events_for(order_db, "order.stage_reached", order_number)
    assert announced["stage"] == "body_shop" and announced["stage_label"] == "Body shop"
    assert announced["vin"] == vin and announced["dealer_code"] == "D001"
    with order_db.unit_of_work() as uow:
        view = timeline.get_tracking(uow, HQ, vin)
    assert [(item.label, item.station) for item in view.timeline] == [("Body shop", "BIW_IN-010")]


def test_an_applied_event_wakes_the_outbox_relay(order_db: Database, broker: Any) -> None:
    listener = psycopg2.connect(order_db.engine.url.render_as_string(hide_password=False).replace("+psycopg2", ""))
    try:
        listener.autocommit = True
        listener.cursor().execute(f"LISTEN {OUTBOX_NOTIFY_CHANNEL}")
        vin = new_vin()
        order_number = add_order(order_db, vin)
        publish(broker, plant_message(vin, "BIW_IN", dt.datetime.now(dt.UTC) - dt.timedelta(minutes=5)))
        wait_for("body shop", lambda: order_row(order_db, order_number).stage == "body_shop")

        def notified() -> bool:
            listener.poll()
            return any(n.channel == OUTBOX_NOTIFY_CHANNEL and n.payload == "order" for n in listener.notifies)

        wait_for("the outbox NOTIFY", notified, timeout=5)
    finally:
        listener.close()


def test_the_same_message_delivered_twice_is_applied_once(order_db: Database, broker: Any) -> None:
    vin, marker_vin = new_vin(), new_vin()
    order_number, marker = add_order(order_db, vin), add_order(order_db, marker_vin)
    message = plant_message(vin, "BIW_IN", dt.datetime.now(dt.UTC) - dt.timedelta(minutes=3))

    publish(broker, message)
    publish(broker, message)
    # The queue is in order: once the marker is applied, both copies were handled.
    publish(broker, plant_message(marker_vin, "BIW_IN", dt.datetime.now(dt.UTC) - dt.timedelta(minutes=3)))
    wait_for("marker applied", lambda: order_row(order_db, marker).stage == "body_shop")

    assert timeline_rows(order_db, order_number) == 1
    assert len(events_for(order_db, "order.stage_reached", order_number)) == 1
    processed = tables.processed_messages
    assert count(order_db, processed, processed.c.message_id == message["event_id"]) == 1


def test_a_late_earlier_stage_is_recorded_but_does_not_move_the_car_back(order_db: Database, broker: Any) -> None:
    vin = new_vin()
    order_number = add_order(order_db, vin)
    body_at = dt.datetime.now(dt.UTC).replace(microsecond=0) - dt.timedelta(hours=10)
    paint_at = body_at + dt.timedelta(hours=8)

    publish(broker, plant_message(vin, "PAINT_IN", paint_at))
    wait_for("paint shop", lambda: order_row(order_db, order_number).stage == "paint_shop")
    publish(broker, plant_message(vin, "BIW_IN", body_at))
    wait_for("late body shop recorded", lambda: timeline_rows(order_db, order_number) == 2)

    row = order_row(order_db, order_number)
    assert row.stage == "paint_shop" and row.stage_reached_at == paint_at
    assert len(events_for(order_db, "order.stage_reached", order_number)) == 1
    with order_db.unit_of_work() as uow:
        view = timeline.get_tracking(uow, HQ, order_number)
    assert [item.label for item in view.timeline] == ["Body shop", "Paint shop"]
    assert view.stage_label == "Paint shop"


def test_a_hold_whose_end_came_first_does_not_hold_the_car(order_db: Database, broker: Any) -> None:
    vin = new_vin()
    order_number = add_order(order_db, vin)
    held_at = dt.datetime.now(dt.UTC) - dt.timedelta(hours=3)

    publish(broker, plant_message(vin, "HOLD_END", held_at + dt.timedelta(hours=1)))
    publish(broker, plant_message(vin, "HOLD", held_at, hold_reason="PARTS"))
    wait_for("both recorded", lambda: timeline_rows(order_db, order_number) == 2)

    row = order_row(order_db, order_number)
    assert row.hold_reason is None and row.hold_since is None


def test_shipping_announces_the_shipped_car(order_db: Database, broker: Any) -> None:
    vin = new_vin()
    order_number = add_order(order_db, vin)
    shipped_at = dt.datetime.now(dt.UTC).replace(microsecond=0) - dt.timedelta(minutes=1)

    publish(broker, plant_message(vin, "SHIP", shipped_at))

    wait_for("shipped", lambda: order_row(order_db, order_number).status == "shipped")
    [shipped] = events_for(order_db, "order.vehicle_shipped", order_number)
    assert shipped == {
        "order_number": order_number,
        "dealer_code": "D001",
        "vin": vin,
        "model_code": "AUR",
        "trim_code": "LX",
        "colour_code": "WHT",
        "occurred_at": shipped_at.isoformat(),
    }


def test_an_unknown_vin_is_parked_and_applied_once_an_order_holds_it(order_db: Database, broker: Any) -> None:
    vin = new_vin()
    at = dt.datetime.now(dt.UTC).replace(microsecond=0) - dt.timedelta(minutes=30)
    message = plant_message(vin, "GA_IN", at)

    publish(broker, message)
    parked = wait_for("parked", lambda: order_db.unit_of_work().session.get(ParkedPlantEventRow, message["event_id"]))
    assert parked.reason == f"no order holds VIN {vin} yet" and parked.vin == vin

    order_number = add_order(order_db, vin)
    with order_db.unit_of_work() as uow:
        assert timeline.apply_parked_events(uow, vin) == 1
        uow.commit()

    row = order_row(order_db, order_number)
    assert row.stage == "assembly" and row.stage_reached_at == at
    assert count(order_db, ParkedPlantEventRow.__table__, ParkedPlantEventRow.vin == vin) == 0
    assert len(events_for(order_db, "order.stage_reached", order_number)) == 1


def test_events_for_a_cancelled_order_are_parked_not_applied(order_db: Database, broker: Any) -> None:
    vin = new_vin()
    order_number = add_order(order_db, vin, status="cancelled")
    message = plant_message(vin, "BIW_IN", dt.datetime.now(dt.UTC) - dt.timedelta(minutes=1))

    publish(broker, message)
    parked = wait_for("parked", lambda: order_db.unit_of_work().session.get(ParkedPlantEventRow, message["event_id"]))

    assert parked.reason == f"order {order_number} is cancelled: plant events are not applied to it"
    row = order_row(order_db, order_number)
    assert row.status == "cancelled" and row.stage is None
    assert timeline_rows(order_db, order_number) == 0


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        (b"{not json", "body is not JSON"),
        (json.dumps({"schema": 1, "stage": "BIW_IN"}).encode(), "event_id must be a UUID string"),
        (json.dumps(plant_message(new_vin(), "PAINT_OUT", dt.datetime.now(dt.UTC))).encode(), "'PAINT_OUT'"),
        (json.dumps(plant_message(new_vin(), "HOLD", dt.datetime.now(dt.UTC))).encode(), "HOLD needs a hold_reason"),
    ],
)
def test_a_malformed_message_is_dead_lettered_with_its_reason_and_the_feed_goes_on(
    order_db: Database, broker: Any, raw: bytes, reason: str
) -> None:
    publish(broker, raw=raw, routing_key="SH1.BIW_IN")

    [(properties, body)] = dead_letters(broker, 1)
    assert body == raw
    assert reason in properties.headers["x-dead-letter-reason"]
    assert properties.headers["x-handler"] == "order.plant_feed"
    assert properties.headers["x-source-exchange"] == PLANT_EXCHANGE
    assert properties.headers["x-source-routing-key"] == "SH1.BIW_IN"

    vin = new_vin()
    order_number = add_order(order_db, vin)
    publish(broker, plant_message(vin, "BIW_IN", dt.datetime.now(dt.UTC) - dt.timedelta(minutes=1)))
    wait_for("next message applied", lambda: order_row(order_db, order_number).stage == "body_shop")


def alerts_for(db: Database, kind: str, order_number: str) -> list[AlertRow]:
    with db.unit_of_work() as uow:
        return list(
            uow.session.scalars(select(AlertRow).where(AlertRow.kind == kind, AlertRow.order_number == order_number))
        )


def test_a_car_falling_behind_its_plan_raises_one_alert_until_it_recovers(order_db: Database, broker: Any) -> None:
    vin = new_vin()
    order_number = add_order(order_db, vin)
    with order_db.unit_of_work() as uow:
        row = uow.session.get(VehicleOrderRow, order_number)
        assert row is not None
        row.planned_arrival = dt.date.today()  # no car still in the body shop makes that
        uow.commit()
    now = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=10)

    publish(broker, plant_message(vin, "BIW_IN", now))
    publish(broker, plant_message(vin, "PAINT_IN", now + dt.timedelta(minutes=5)))
    wait_for("paint shop", lambda: order_row(order_db, order_number).stage == "paint_shop")

    [alert] = alerts_for(order_db, "vehicle_late", order_number)
    assert order_number in alert.detail and "Body shop" in alert.detail
    [late] = events_for(order_db, "order.vehicle_late", order_number)
    row = order_row(order_db, order_number)
    assert late["planned_arrival"] == dt.date.today().isoformat()
    assert late["expected_arrival"] == row.expected_arrival.isoformat()
    assert events_for(order_db, "order.stage_reached", order_number)[-1]["behind_plan"] is True


def test_a_car_stalled_at_a_stage_is_flagged_once_per_stage(order_db: Database) -> None:
    now = dt.datetime.now(dt.UTC)
    vin = new_vin()
    order_number = add_order(order_db, vin)
    with order_db.unit_of_work() as uow:
        row = uow.session.get(VehicleOrderRow, order_number)
        assert row is not None
        row.status, row.stage, row.stage_reached_at = "in_production", "assembly", now - dt.timedelta(hours=30)
        uow.commit()

    with order_db.unit_of_work() as uow:
        first = timeline.flag_stalled(uow, now, dt.timedelta(hours=24))
        uow.commit()
    with order_db.unit_of_work() as uow:
        again = timeline.flag_stalled(uow, now + dt.timedelta(minutes=1), dt.timedelta(hours=24))
        uow.commit()

    assert first >= 1 and again == 0
    [alert] = alerts_for(order_db, "vehicle_stalled", order_number)
    assert "Assembly" in alert.detail and "30 hours" in alert.detail
    [stalled] = events_for(order_db, "order.vehicle_stalled", order_number)
    assert stalled["stage"] == "assembly" and stalled["vin"] == vin


def test_a_car_sitting_without_news_falls_behind_while_it_waits(order_db: Database) -> None:
    now = dt.datetime.now(dt.UTC)
    vin = new_vin()
    order_number = add_order(order_db, vin)
    with order_db.unit_of_work() as uow:
        row = uow.session.get(VehicleOrderRow, order_number)
        assert row is not None
        # On plan when it reached quality release two days ago; it has not shipped since.
        row.status, row.stage, row.stage_reached_at = "released", "quality_release", now - dt.timedelta(days=2)
        row.planned_arrival = (now + dt.timedelta(days=2)).date()
        row.expected_arrival = row.planned_arrival
        uow.commit()

    with order_db.unit_of_work() as uow:
        timeline.flag_late(uow, now)
        uow.commit()

    row = order_row(order_db, order_number)
    assert row.expected_arrival is not None and row.planned_arrival is not None
    assert row.expected_arrival > row.planned_arrival
    assert len(alerts_for(order_db, "vehicle_late", order_number)) == 1
    assert len(events_for(order_db, "order.vehicle_late", order_number)) == 1


@pytest.fixture
def timeline_refusing(order_db: Database) -> Iterator[str]:
    """The database refuses one VIN's paint shop rows, as a constraint would refuse bad data."""
    vin = new_vin()
    with order_db.engine.begin() as conn:
        conn.execute(
            text(
                "CREATE FUNCTION refuse_timeline_row() RETURNS trigger LANGUAGE plpgsql AS $$ "
                "BEGIN RAISE EXCEPTION 'timeline row refused for %', NEW.vin; END $$"
            )
        )
        conn.execute(
            text(
                "CREATE TRIGGER refuse_timeline_row BEFORE INSERT ON vehicle_timeline FOR EACH ROW "
                f"WHEN (NEW.vin = '{vin}' AND NEW.stage = 'paint_shop') EXECUTE FUNCTION refuse_timeline_row()"
            )
        )
    try:
        yield vin
    finally:
        with order_db.engine.begin() as conn:
            conn.execute(text("DROP TRIGGER refuse_timeline_row ON vehicle_timeline"))
            conn.execute(text("DROP FUNCTION refuse_timeline_row()"))


def test_an_event_the_database_refuses_is_rolled_back_alone_within_its_batch(
    order_db: Database, timeline_refusing: str
) -> None:
    refused_vin, good_vin = timeline_refusing, new_vin()
    refused_order, good_order = add_order(order_db, refused_vin), add_order(order_db, good_vin)
    now = dt.datetime.now(dt.UTC)
    bodies = [
        plant_message(refused_vin, "BIW_IN", now - dt.timedelta(hours=1)),
        plant_message(refused_vin, "PAINT_IN", now),
        plant_message(good_vin, "BIW_IN", now),
    ]
    events = [tracking.parse_plant_message(json.dumps(body).encode(), now) for body in bodies]

    with order_db.unit_of_work() as uow:
        outcomes = timeline.apply_plant_events(uow, events, now)
        uow.commit()

    assert [outcome.result for outcome in outcomes] == [
        timeline.Result.APPLIED,
        timeline.Result.FAILED,
        timeline.Result.APPLIED,
    ]
    assert f"timeline row refused for {refused_vin}" in outcomes[1].reason
    # The car keeps what the batch's good event did for it, and nothing of the refused one.
    refused_row = order_row(order_db, refused_order)
    assert (refused_row.stage, refused_row.stage_reached_at) == ("body_shop", events[0].occurred_at)
    assert order_row(order_db, good_order).stage == "body_shop"
    processed = tables.processed_messages
    # The refused event is not marked processed: sent again once fixed, it is applied.
    assert count(order_db, processed, processed.c.message_id == bodies[1]["event_id"]) == 0
    assert [event["stage"] for event in events_for(order_db, "order.stage_reached", refused_order)] == ["body_shop"]


def test_the_feed_dead_letters_an_event_the_database_refuses_and_goes_on(
    order_db: Database, broker: Any, timeline_refusing: str
) -> None:
    good_vin = new_vin()
    good_order = add_order(order_db, good_vin)
    add_order(order_db, timeline_refusing)
    refused = plant_message(timeline_refusing, "PAINT_IN", dt.datetime.now(dt.UTC))

    publish(broker, refused)
    publish(broker, plant_message(good_vin, "BIW_IN", dt.datetime.now(dt.UTC)))

    [(properties, body)] = dead_letters(broker, 1)
    assert json.loads(body) == refused
    assert properties.headers["x-message-id"] == refused["event_id"]
    assert f"timeline row refused for {timeline_refusing}" in properties.headers["x-dead-letter-reason"]
    wait_for("the other car applied", lambda: order_row(order_db, good_order).stage == "body_shop")


def test_a_database_outage_is_waited_out_and_nothing_is_lost(order_db: Database, broker: Any) -> None:
    vin = new_vin()
    order_number = add_order(order_db, vin)
    database = order_db.engine.url.database
    admin = create_engine(order_db.engine.url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    feed_log = ROOT / "var" / "test-logs" / "plant-feed.log"
    log_before = feed_log.stat().st_size
    try:
        with admin.connect() as conn:
            conn.execute(text(f'ALTER DATABASE "{database}" ALLOW_CONNECTIONS false'))
            conn.execute(
                text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :db"), {"db": database}
            )
        publish(broker, plant_message(vin, "BIW_IN", dt.datetime.now(dt.UTC)))
        wait_for(
            "the feed to meet the outage",
            lambda: "not applied, retrying" in feed_log.read_text(errors="replace")[log_before:],
        )
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'ALTER DATABASE "{database}" ALLOW_CONNECTIONS true'))
        admin.dispose()

    wait_for("applied after the outage", lambda: order_row(order_db, order_number).stage == "body_shop")
    assert timeline_rows(order_db, order_number) == 1
