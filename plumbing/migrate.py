"""Create each component's database when missing and bring it to the newest migration.

python -m plumbing.migrate            # every component
python -m plumbing.migrate order      # one
"""

from __future__ import annotations

import argparse
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import IntegrityError, ProgrammingError

from plumbing import settings as settings_module

ROOT = Path(__file__).resolve().parent.parent
ALEMBIC_CONFIGS = {
    "order": ROOT / "services/order/alembic.ini",
    "inventory": ROOT / "services/inventory/alembic.ini",
    "customer": ROOT / "services/customer/alembic.ini",
    "station": ROOT / "services/service-station/alembic.ini",
    "monitor": ROOT / "services/monitor/alembic.ini",
    "gateway": ROOT / "gateway/alembic.ini",
}


def ensure_database(url: str) -> None:
    target = make_url(url)
    admin = create_engine(target.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        exists = conn.execute(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": target.database}).first()
        if not exists:
            try:
                conn.execute(text(f'CREATE DATABASE "{target.database}"'))
            except (ProgrammingError, IntegrityError) as exc:
                # Another process created it between our look and our create: that is fine.
                if "already exists" not in str(exc) and "duplicate key" not in str(exc):
                    raise
    admin.dispose()


def alembic_config(component: str, url: str) -> Config:
    config = Config(str(ALEMBIC_CONFIGS[component]))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def upgrade(component: str) -> None:
    url = settings_module.load().database_url(component)
    ensure_database(url)
    command.upgrade(alembic_config(component, url), "head")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("components", nargs="*", metavar="component", help=", ".join(ALEMBIC_CONFIGS))
    args = parser.parse_args()
    for component in args.components or ALEMBIC_CONFIGS:
        upgrade(component)
        print(f"{component}: database at newest migration")


if __name__ == "__main__":
    main()
