"""The monitor's Alembic migrations build exactly the schema its models describe, through the
same `python -m plumbing.migrate monitor` every deployment runs."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine

from monitor_service.models import metadata
from tests.processes import ROOT

pytestmark = pytest.mark.integration


def test_the_migrate_command_builds_the_schema_the_models_describe(fresh_database: Callable[[str], str]) -> None:
    url = fresh_database("monitor")
    # Run again as a deployment runs it: a database at the newest migration stays as it is.
    subprocess.run([sys.executable, "-m", "plumbing.migrate", "monitor"], cwd=ROOT, env=os.environ, check=True)
    engine = create_engine(url)
    with engine.connect() as conn:
        differences = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), metadata)
    engine.dispose()
    assert differences == []
