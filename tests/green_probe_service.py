"""A Nameko service whose only call waits inside PostgreSQL, for the cooperative-I/O test.

With GREEN_PROBE_BLOCKING=1 it removes psycopg2's wait callback (which `nameko run`'s
eventlet.monkey_patch would otherwise install too), to show what cooperative I/O prevents.
"""

from __future__ import annotations

import os

import psycopg2.extensions
from nameko.rpc import rpc
from sqlalchemy import MetaData, text

from plumbing.db import Database, messaging_tables
from plumbing.green import make_psycopg_cooperative
from plumbing.nameko_shell import DatabaseProvider

if os.environ.get("GREEN_PROBE_BLOCKING") == "1":
    psycopg2.extensions.set_wait_callback(None)
else:
    make_psycopg_cooperative()


class GreenProbe:
    name = "green_probe"

    db: Database = DatabaseProvider(messaging_tables(MetaData()))  # type: ignore[assignment]

    @rpc
    def wait_in_database(self, seconds: float) -> None:
        with self.db.engine.connect() as conn:
            conn.execute(text("SELECT pg_sleep(:s)"), {"s": seconds})
