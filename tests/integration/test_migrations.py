"""Each component's Alembic migrations build exactly the schema its SQLAlchemy models describe."""

from __future__ import annotations

import importlib
from collections.abc import Callable

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import MetaData, create_engine

pytestmark = pytest.mark.integration

COMPONENT_METADATA = {
    "order": "order_service.models",
    "inventory": "inventory_service.models",
    "customer": "customer_service.models",
    "station": "station_service.models",
    "gateway": "gateway.accounts",
}


@pytest.mark.parametrize("component", sorted(COMPONENT_METADATA))
def test_models_and_migrations_agree(component: str, fresh_database: Callable[[str], str]) -> None:
    metadata: MetaData = importlib.import_module(COMPONENT_METADATA[component]).metadata
    engine = create_engine(fresh_database(component))
    with engine.connect() as conn:
        differences = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), metadata)
    engine.dispose()
    assert differences == [], f"{component}: models and migrations differ: {differences}"
