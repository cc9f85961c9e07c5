"""The least an order endpoint can do: FastAPI + SQLAlchemy inserting the order and its outbox
record in one transaction. The baseline of bench.order_placement, in a process of its own:

    DEALERNET_BENCH_BARE_DATABASE_URL=... uvicorn bench.bare_order_endpoint:app --no-access-log
"""

from __future__ import annotations

import datetime as dt
import json
import os
import uuid
from typing import Any

from fastapi import FastAPI, Header
from pydantic import BaseModel
from sqlalchemy import create_engine, text

from bench.catalogue import TRIMS

DATABASE_URL_VARIABLE = "DEALERNET_BENCH_BARE_DATABASE_URL"
# The price of each trim of the bench model; the order service reads it from its catalogue.
PRICES = {code: price for code, _, price, _ in TRIMS}

# Pooled and pre-pinged like the services' engines (plumbing.db.make_engine), not instrumented.
engine = create_engine(os.environ[DATABASE_URL_VARIABLE], pool_size=10, max_overflow=10, pool_pre_ping=True)
app = FastAPI()

INSERT_ORDER = text(
    "INSERT INTO vehicle_orders (order_number, dealer_code, model_code, trim_code, colour_code, option_codes,"
    " wanted_week, status, supply, list_price_minor, currency, placed_by)"
    " VALUES ('ORD-' || :year || '-' || lpad(nextval('order_number_seq')::text, 7, '0'), :dealer, :model, :trim,"
    " :colour, :options, :week, 'submitted', 'pending', :price, 'EUR', :dealer) RETURNING order_number, placed_at"
)
INSERT_EVENT = text(
    "INSERT INTO outbox (event_id, exchange, event_type, version, payload)"
    " VALUES (:id, 'order.events', 'order.placed', 1, CAST(:payload AS jsonb))"
)


class OrderRequest(BaseModel):
    model_code: str
    trim_code: str
    colour_code: str
    option_codes: list[str] = []
    quantity: int = 1
    wanted_week: str = ""


@app.post("/orders", status_code=201)
def place_order(body: OrderRequest, x_dealer_code: str = Header()) -> dict[str, Any]:
    order = {"dealer_code": x_dealer_code, **body.model_dump(exclude={"quantity"})}
    with engine.begin() as connection:
        row = connection.execute(
            INSERT_ORDER,
            {
                "year": dt.date.today().year,
                "dealer": x_dealer_code,
                "model": body.model_code,
                "trim": body.trim_code,
                "colour": body.colour_code,
                "options": body.option_codes,
                "week": body.wanted_week,
                "price": PRICES[body.trim_code],
            },
        ).one()
        order.update(order_number=row.order_number, placed_at=row.placed_at.isoformat(), status="submitted")
        event_id = uuid.uuid4()
        envelope = {
            "id": str(event_id),
            "type": "order.placed",
            "version": 1,
            "source": "order",
            "occurred_at": dt.datetime.now(dt.UTC).isoformat(),
            "data": order,
        }
        connection.execute(INSERT_EVENT, {"id": event_id, "payload": json.dumps(envelope)})
    return {"orders": [order]}
