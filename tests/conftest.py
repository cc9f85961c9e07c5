"""Test set-up shared by the suite: its own databases and its own RabbitMQ vhost, so a
running `make run` network and the tests never see each other's data or messages."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Callable, Iterable, Iterator

import pytest

# DEALERNET_TEST_RUN keeps two test runs on one machine apart (own databases, own vhost).
_RUN = os.environ.get("DEALERNET_TEST_RUN", "")
TEST_VHOST = f"dealernet-test-{_RUN}" if _RUN else "dealernet-test"
os.environ.setdefault("DEALERNET_DATABASE_PREFIX", f"dealernet_test_{_RUN}" if _RUN else "dealernet_test")
os.environ.setdefault("AMQP_URI", f"amqp://guest:guest@127.0.0.1:5672/{TEST_VHOST}")


def _ensure_vhost() -> None:
    rabbitmqctl = shutil.which("rabbitmqctl")
    if rabbitmqctl is None:
        return
    listed = subprocess.run([rabbitmqctl, "-q", "list_vhosts"], capture_output=True, text=True, check=True).stdout
    if TEST_VHOST not in listed.split():
        subprocess.run([rabbitmqctl, "-q", "add_vhost", TEST_VHOST], check=True)
        subprocess.run([rabbitmqctl, "-q", "set_permissions", "-p", TEST_VHOST, "guest", ".*", ".*", ".*"], check=True)


@pytest.fixture(scope="session")
def amqp_uri() -> str:
    _ensure_vhost()
    return os.environ["AMQP_URI"]


@pytest.fixture(scope="session")
def fresh_database() -> Iterator[Callable[[str], str]]:
    """Drop and re-create a component's test database at its newest migration; returns its URL.

    Every call starts from an empty schema, so no module sees another module's rows.
    """
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    from plumbing import migrate
    from plumbing import settings as settings_module

    def make(component: str) -> str:
        url = settings_module.load().database_url(component)
        target = make_url(url)
        admin = create_engine(target.set(database="postgres"), isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{target.database}" WITH (FORCE)'))
        admin.dispose()
        migrate.upgrade(component)
        return url

    yield make


@pytest.fixture(scope="module")
def demo_channel(fresh_database: Callable[[str], str]) -> Callable[[Iterable[str]], None]:
    """Empty databases for the given components, then the demo channel of `make seed` in them."""

    def make(components: Iterable[str]) -> None:
        from scripts import seed_demo

        for component in components:
            fresh_database(component)
        seed_demo.seed()

    return make
