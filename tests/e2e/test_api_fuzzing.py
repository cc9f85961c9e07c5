"""Property-based fuzzing of the gateway's whole OpenAPI with schemathesis.

Every operation gets requests derived from its own schema, valid ones and invalid ones, sent
with a token for a role the operation admits, against the real services' gRPC processes and
databases seeded with the demo channel. No answer may be a server error, carry a status the
operation does not declare, break the schema declared for it, or show the platform's internals.

Only this test:      DEALERNET_TEST_RUN=fuzz .venv/bin/pytest tests/e2e/test_api_fuzzing.py
One operation:       ... -k "POST and orders and cancel"   (words of its path; -k takes no braces)
More examples:       DEALERNET_FUZZ_EXAMPLES=100 ...
Other inputs:        DEALERNET_FUZZ_SEED=1 ...
"""

from __future__ import annotations

import os
import zlib
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from typing import Any

import grpc
import hypothesis
import pytest
import schemathesis
from grpc_health.v1 import health_pb2, health_pb2_grpc
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.python import asgi
from schemathesis.specs.openapi.checks import response_schema_conformance, status_code_conformance
from sqlalchemy import create_engine, text
from sqlalchemy.pool import NullPool

from gateway import API_PREFIX, tokens
from gateway.app import app
from plumbing import migrate
from plumbing import settings as settings_module
from plumbing.principal import AccountRole, Principal
from tests.processes import BIN, free_port, procfile_processes, running, wait_for

pytestmark = [
    pytest.mark.e2e,
    # Raised by schemathesis's own strategies (they draw from `random`), not by anything here.
    pytest.mark.filterwarnings("ignore::hypothesis.errors.HypothesisDeprecationWarning"),
]

# Enough for each operation to meet its boundaries and a spread of odd values in about a
# minute and a half on a small machine; raise it locally to dig deeper.
MAX_EXAMPLES = int(os.environ.get("DEALERNET_FUZZ_EXAMPLES", "12"))
# Other inputs than CI's, to explore; a failure found with a seed replays with the same seed.
SEED = os.environ.get("DEALERNET_FUZZ_SEED")

CONFIG = schemathesis.Config.from_dict(
    {
        "generation": {
            "max-examples": MAX_EXAMPLES,
            # The same inputs on every run, so a failure in CI fails the same way on a laptop.
            "deterministic": SEED is None,
            # Every case carries a valid token for one of its roles; 401s are another test's subject.
            "with-security-parameters": False,
        },
    }
    | ({"seed": int(SEED)} if SEED else {})
)

schema = schemathesis.openapi.from_dict(app.openapi(), config=CONFIG).exclude(
    # An endless server-sent-events stream: tests/integration/test_live_stream.py covers it.
    path=f"{API_PREFIX}/tracking/stream",
)

# What a service's or the database's own error would carry if one reached a client.
INTERNALS = ("traceback", "psycopg", "sqlalchemy", "exception calling application", "grpc", 'file "/')


@schemathesis.check
def no_internals_in_the_answer(
    ctx: schemathesis.CheckContext, response: schemathesis.Response, case: schemathesis.Case
) -> None:
    # A statement may come as a PDF: compressed, it has no words to look at, and is made
    # only from the statement's own figures.
    media_type = next((values[0] for name, values in response.headers.items() if name.lower() == "content-type"), "")
    if media_type.startswith("application/pdf"):
        return
    answer = response.text.lower()
    sent = repr((case.path_parameters, case.query, case.body)).lower()
    # A refusal may quote the input back ("no transfer sqlalchemy."): only what was not sent counts.
    shown = [marker for marker in INTERNALS if marker in answer and marker not in sent]
    assert not shown, f"the answer shows the platform's internals: {shown}"


CHECKS = [not_a_server_error, status_code_conformance, response_schema_conformance, no_internals_in_the_answer]

# Requests sent per operation, reported at the end of the run (tests/e2e/conftest.py).
SENT: Counter[str] = Counter()

# The demo channel's people, one for each role: their organisations hold seeded data to find.
PRINCIPALS = {
    AccountRole.HQ_ANALYST: Principal.for_account("hq.analyst", AccountRole.HQ_ANALYST),
    AccountRole.HQ_ENGINEER: Principal.for_account("hq.engineer", AccountRole.HQ_ENGINEER),
    AccountRole.HQ_ADMIN: Principal.for_account("hq.admin", AccountRole.HQ_ADMIN),
    AccountRole.HQ_FINANCE: Principal.for_account("hq.finance", AccountRole.HQ_FINANCE),
    AccountRole.OPS: Principal.for_account("ops", AccountRole.OPS),
    AccountRole.DEALER_USER: Principal.for_account(
        "d001.sales", AccountRole.DEALER_USER, org_code="D001", region="EAST"
    ),
    AccountRole.DEALER_ADMIN: Principal.for_account(
        "d001.admin", AccountRole.DEALER_ADMIN, org_code="D001", region="EAST"
    ),
    AccountRole.STATION_USER: Principal.for_account(
        "s001.tech", AccountRole.STATION_USER, org_code="S001", region="EAST"
    ),
}


# Path parameters that name a record, and where to find records to name: a random id only
# ever meets a 404, so half of the valid cases name one that exists (seeded, or made by an
# earlier operation of the run) and reach the code behind the lookup.
KNOWN_RECORDS = {
    "order_number": ("order", "SELECT order_number FROM vehicle_orders"),
    "order_number_or_vin": ("order", "SELECT vin FROM vehicle_orders WHERE vin IS NOT NULL"),
    "vin": ("inventory", "SELECT vin FROM stock_vehicles"),
    "transfer_number": ("inventory", "SELECT transfer_number FROM transfers"),
    "part_number": ("inventory", "SELECT part_number FROM parts"),
    "customer_id": ("customer", "SELECT id::text FROM customers"),
    "review_id": ("customer", "SELECT id::text FROM match_reviews"),
    "request_id": ("station", "SELECT id::text FROM support_requests"),
    "article_id": ("station", "SELECT id::text FROM kb_articles"),
    "username": ("gateway", "SELECT username FROM accounts"),
    "dealer_code": ("order", "SELECT dealer_code FROM dealer_accounts"),
    "invoice_number": ("order", "SELECT invoice_number FROM invoices"),
    "dispute_id": ("order", "SELECT id::text FROM statement_disputes"),
}


def known_records(parameter: str) -> list[str]:
    component, query = KNOWN_RECORDS[parameter]
    engine = create_engine(settings_module.load().database_url(component), poolclass=NullPool)
    try:
        with engine.connect() as connection:
            return list(connection.scalars(text(f"{query} ORDER BY 1 LIMIT 50")))
    finally:
        engine.dispose()


def name_known_records(case: schemathesis.Case, choice: int) -> None:
    if case.meta is None or case.meta.generation.mode is not GenerationMode.POSITIVE or choice % 2:
        return
    for parameter in case.path_parameters or {}:
        if parameter in KNOWN_RECORDS and (records := known_records(parameter)):
            case.path_parameters[parameter] = records[choice // 2 % len(records)]


def grpc_processes() -> list[str]:
    """The services' gRPC servers as the Procfile starts them (a service added there is fuzzed too)."""
    return [name for name in procfile_processes() if name.endswith("_grpc")]


def serving(port: int) -> bool:
    with grpc.insecure_channel(f"127.0.0.1:{port}") as channel:
        reply = health_pb2_grpc.HealthStub(channel).Check(health_pb2.HealthCheckRequest(), timeout=2)
    return reply.status == health_pb2.HealthCheckResponse.SERVING


@pytest.fixture(scope="module")
def network(demo_channel: Callable[[Iterable[str]], None], amqp_uri: str, monkeypatch_module: Any) -> Iterator[None]:
    """The services' gRPC servers on free ports, and the in-process gateway pointed at them
    (amqp_uri makes sure the vhost its live feed connects to exists)."""
    processes = grpc_processes()
    services = [name.removesuffix("_grpc") for name in processes]
    demo_channel(["gateway", *(s for s in services if s in migrate.ALEMBIC_CONFIGS)])
    ports = {service: free_port() for service in settings_module.SERVICE_NAMES}
    env = {f"DEALERNET_{service.upper()}_GRPC_PORT": str(port) for service, port in ports.items()}
    # One subject sends a few thousand calls in a minute here; the limiter would answer 429.
    env |= {"DEALERNET_RATE_LIMIT_PER_MINUTE": "1000000", "DEALERNET_RATE_LIMIT_BURST": "1000000"}
    for key, value in env.items():
        monkeypatch_module.setenv(key, value)
    with running(
        [str(BIN / "honcho"), "start", "-f", "Procfile", *processes],
        env=env,
        log_name=f"fuzz-network-{os.environ.get('DEALERNET_TEST_RUN', '')}".rstrip("-"),
    ):
        for service in services:
            wait_for(f"{service} serving", lambda s=service: serving(ports[s]), timeout=60, interval=0.5)
        try:
            yield
        finally:
            # The gateway's lifespan (its channels and live feed) ends before the services it calls.
            asgi.shutdown_lifespans()


def choice_of(case: schemathesis.Case) -> int:
    """A number drawn from the case's own data: the same input always makes the same choices
    (of caller and of record), so a shrunk failure keeps them."""
    return zlib.crc32(repr((case.path_parameters, case.query, case.body)).encode())


def bearer(case: schemathesis.Case, choice: int) -> dict[str, str]:
    """A token for one of the operation's roles."""
    admitted = case.operation.definition.raw.get("x-roles")
    if admitted is None:
        return {}
    role = AccountRole(admitted[choice % len(admitted)])
    settings = settings_module.load()
    return {"Authorization": f"Bearer {tokens.issue(PRINCIPALS[role], settings.token_secret, 600)}"}


@schema.parametrize()
@hypothesis.settings(
    deadline=None,
    suppress_health_check=[
        hypothesis.HealthCheck.too_slow,
        hypothesis.HealthCheck.filter_too_much,
        hypothesis.HealthCheck.data_too_large,
    ],
)
def test_no_operation_answers_a_server_error_or_breaks_its_schema(case: schemathesis.Case, network: None) -> None:
    choice = choice_of(case)
    name_known_records(case, choice)
    SENT[case.operation.label] += 1
    case.call_and_validate(app=app, base_url="http://testserver", headers=bearer(case, choice), checks=CHECKS)
