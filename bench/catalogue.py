"""The one catalogue model the benchmark seeds, as order-service rows and as the message.

The gRPC baseline returns `catalogue_message()`, so both sides of the comparison carry the
same bytes and only the work behind them differs.
"""

from __future__ import annotations

from sqlalchemy import delete, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from dealernet.v1 import order_pb2
from order_service.models import CatalogueColourRow, CatalogueModelRow, CatalogueTrimRow

MODEL_CODE = "KESTREL"
MODEL_NAME = "Kestrel compact hatchback"
TRIMS = (
    ("S", "Kestrel S", 2_349_000, "EUR"),
    ("SE", "Kestrel SE", 2_689_000, "EUR"),
    ("GT", "Kestrel GT", 3_129_000, "EUR"),
)
COLOURS = (
    ("GRA", "Graphite grey"),
    ("ICE", "Glacier white"),
    ("RED", "Flame red"),
    ("SKY", "Horizon blue"),
)


def seed(engine: Engine) -> None:
    """Make the catalogue hold exactly the bench model (the bench database is its own)."""
    with Session(engine) as session:
        session.execute(delete(CatalogueTrimRow))
        session.execute(delete(CatalogueColourRow))
        session.execute(delete(CatalogueModelRow))
        session.add(CatalogueModelRow(code=MODEL_CODE, name=MODEL_NAME))
        session.flush()
        session.add_all(
            CatalogueTrimRow(model_code=MODEL_CODE, code=code, name=name, list_price_minor=price, currency=currency)
            for code, name, price, currency in TRIMS
        )
        session.add_all(CatalogueColourRow(model_code=MODEL_CODE, code=code, name=name) for code, name in COLOURS)
        session.commit()
        if session.scalars(select(CatalogueModelRow.code)).all() != [MODEL_CODE]:
            raise RuntimeError("the bench catalogue was not seeded")


def catalogue_message() -> order_pb2.Catalogue:
    return order_pb2.Catalogue(
        models=[
            order_pb2.CatalogueModel(
                code=MODEL_CODE,
                name=MODEL_NAME,
                trims=[
                    order_pb2.Trim(code=code, name=name, list_price_minor=price, currency=currency)
                    for code, name, price, currency in TRIMS
                ],
                colours=[order_pb2.Colour(code=code, name=name) for code, name in COLOURS],
            )
        ]
    )
