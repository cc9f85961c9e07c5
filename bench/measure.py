"""What every benchmark here measures with: percentiles, the host's load, bulk loading."""

from __future__ import annotations

import io
import math
import os
from collections.abc import Iterable, Sequence
from typing import Any


def percentile_ms(samples_ns: Sequence[int], fraction: float) -> float:
    """Nearest-rank percentile, in milliseconds."""
    if not samples_ns:
        return math.nan
    ordered = sorted(samples_ns)
    return ordered[max(1, math.ceil(fraction * len(ordered))) - 1] / 1e6


def load_average() -> str:
    return "{:.2f} {:.2f} {:.2f}".format(*os.getloadavg())


def libpq_dsn(url: str) -> str:
    """A SQLAlchemy URL as a libpq connection string, for psycopg2 baselines."""
    from sqlalchemy.engine import make_url

    target = make_url(url)
    password = f" password={target.password}" if target.password else ""
    return f"host={target.host} port={target.port or 5432} dbname={target.database} user={target.username}{password}"


def copy_rows(cursor: Any, table: str, columns: Sequence[str], rows: Iterable[Sequence[object]]) -> int:
    """COPY rows in (text format); None is NULL, datetimes go as ISO 8601 with their offset."""
    buffer = io.StringIO()
    count = 0
    for row in rows:
        buffer.write("\t".join(r"\N" if value is None else str(value) for value in row))
        buffer.write("\n")
        count += 1
    buffer.seek(0)
    cursor.copy_expert(f"COPY {table} ({', '.join(columns)}) FROM STDIN", buffer)
    return count
