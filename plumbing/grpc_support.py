"""gRPC plumbing for the service processes that serve the gateway.

Each service runs a plain grpcio server in its own process (no eventlet), beside its
Nameko process and sharing its code and database. Domain errors map to status codes here,
once: ValidationFailed is INVALID_ARGUMENT with the fields in trailing metadata, NotFound
is NOT_FOUND, Refused is FAILED_PRECONDITION, a missing principal is UNAUTHENTICATED.
"""

from __future__ import annotations

import base64
import json
import logging
import signal
import threading
import time
from collections.abc import Callable, Sequence
from concurrent import futures
from dataclasses import dataclass
from typing import Any, TypeVar

import grpc
from grpc_health.v1 import health, health_pb2, health_pb2_grpc
from opentelemetry.instrumentation.grpc import server_interceptor

from plumbing import settings as settings_module
from plumbing import tracing
from plumbing.db import Database, MessagingTables, UnitOfWork
from plumbing.errors import NotFound, Refused, ValidationFailed
from plumbing.principal import GRPC_METADATA_KEY, Principal, PrincipalError

FIELD_VIOLATIONS_KEY = "x-field-violations"
T = TypeVar("T")
# Offset paging is for screens; deeper reads (exports, analytics) need their own queries.
MAX_PAGE_OFFSET = 100_000
# A commit takes milliseconds. One begun with less time than this left could end after the
# caller gave up, and the caller would take for failed a change that was made.
COMMIT_MARGIN_SECONDS = 0.5

log = logging.getLogger("dealernet.grpc")


def principal_from(context: grpc.ServicerContext) -> Principal:
    for key, value in context.invocation_metadata():
        if key == GRPC_METADATA_KEY:
            return Principal.from_json(value)
    raise PrincipalError("no principal was passed with the call")


def _mapped(inner: Callable[[Any, grpc.ServicerContext], Any]) -> Callable[[Any, grpc.ServicerContext], Any]:
    def call(request: Any, context: grpc.ServicerContext) -> Any:
        try:
            return inner(request, context)
        except ValidationFailed as exc:
            violations = [{"field": v.field, "message": v.message} for v in exc.violations]
            context.set_trailing_metadata(((FIELD_VIOLATIONS_KEY, json.dumps(violations)),))
            context.abort(grpc.StatusCode.INVALID_ARGUMENT, str(exc))
        except NotFound as exc:
            context.abort(grpc.StatusCode.NOT_FOUND, str(exc) or "not found")
        except Refused as exc:
            context.abort(grpc.StatusCode.FAILED_PRECONDITION, str(exc))
        except PrincipalError as exc:
            context.abort(grpc.StatusCode.UNAUTHENTICATED, str(exc))
        except ValueError as exc:
            # PostgreSQL stores no NUL character; psycopg refuses one before sending it. The
            # gateway refuses NUL itself; this answers a caller that reached the port directly.
            if "NUL (0x00)" not in str(exc):
                raise
            context.abort(grpc.StatusCode.INVALID_ARGUMENT, "a text field holds a NUL character")

    return call


class DomainErrorInterceptor(grpc.ServerInterceptor):
    def intercept_service(self, continuation: Any, handler_call_details: Any) -> Any:
        handler = continuation(handler_call_details)
        if handler is None or handler.unary_unary is None:
            return handler
        return grpc.unary_unary_rpc_method_handler(
            _mapped(handler.unary_unary),
            request_deserializer=handler.request_deserializer,
            response_serializer=handler.response_serializer,
        )


def encode_page_token(offset: int) -> str:
    return base64.urlsafe_b64encode(json.dumps({"o": offset}).encode()).decode() if offset else ""


def decode_page_token(token: str) -> int:
    if not token:
        return 0
    try:
        offset = int(json.loads(base64.urlsafe_b64decode(token.encode()))["o"])
    except (ValueError, KeyError, TypeError, OverflowError) as exc:
        raise ValidationFailed.one("page_token", "not a token this service issued") from exc
    if not 0 <= offset <= MAX_PAGE_OFFSET:
        raise ValidationFailed.one("page_token", "not a token this service issued")
    return offset


def page_size(requested: int, default: int = 50, maximum: int = 500) -> int:
    if requested < 0:
        raise ValidationFailed.one("page_size", "must not be negative")
    return min(requested or default, maximum)


@dataclass(frozen=True)
class Page:
    """One page of a list call: where it starts, how many it shows, and the next token."""

    offset: int
    limit: int

    @classmethod
    def of(cls, request: Any) -> Page:
        return cls(decode_page_token(request.page_token), page_size(request.page_size))

    @property
    def fetch(self) -> int:
        """Rows to read: one more than shown, which tells whether another page follows."""
        return self.limit + 1

    def shown(self, rows: Sequence[T]) -> Sequence[T]:
        return rows[: self.limit]

    def next_token(self, rows: Sequence[object]) -> str:
        return encode_page_token(self.offset + self.limit) if len(rows) > self.limit else ""


class UnitOfWorkServicer:
    """A servicer whose calls each run in one unit of work, as the calling principal.

    `_read` answers from what is committed; `_write` commits the change, and builds the
    answer before the commit so it shows what was done.
    """

    def __init__(self, database: Database) -> None:
        self.db = database

    def _read(self, context: grpc.ServicerContext, work: Callable[[UnitOfWork, Principal], T]) -> T:
        principal = principal_from(context)
        with self.db.unit_of_work() as uow:
            return work(uow, principal)

    def _write(self, context: grpc.ServicerContext, work: Callable[[UnitOfWork, Principal], T]) -> T:
        principal = principal_from(context)
        with self.db.unit_of_work() as uow:
            answer = work(uow, principal)
            commit_in_time(uow, context)
            return answer


def commit_in_time(uow: UnitOfWork, context: grpc.ServicerContext) -> None:
    """Commits unless the caller's deadline is (nearly) gone; then nothing is changed and the
    caller, told DEADLINE_EXCEEDED, is right to try again."""
    remaining = context.time_remaining()
    if remaining is not None and remaining < COMMIT_MARGIN_SECONDS:
        context.abort(
            grpc.StatusCode.DEADLINE_EXCEEDED,
            "the call's deadline passed before its change was committed: nothing was changed",
        )
    uow.commit()


def serve_database_service(
    service: str, tables: MessagingTables, register: Callable[[Database, grpc.Server], None]
) -> None:
    """Serve a service whose readiness is its own database answering."""
    database = Database(service, settings_module.load().database_url(service), tables)
    serve(service, lambda server: register(database, server), database.ping)


MAX_MESSAGE_BYTES = 21 * 1024 * 1024


def serve(
    service: str,
    register: Callable[[grpc.Server], None],
    readiness_check: Callable[[], None],
    *,
    workers: int = 16,
) -> None:
    """Run the service's gRPC server until SIGTERM or SIGINT."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    tracing.setup(service)
    cfg = settings_module.load()
    server = grpc.server(
        futures.ThreadPoolExecutor(max_workers=workers),
        interceptors=[server_interceptor(), DomainErrorInterceptor()],
        # A dealer's customer list arrives as one message; the gateway caps uploads at 20 MB.
        options=[
            ("grpc.max_receive_message_length", MAX_MESSAGE_BYTES),
            # Clients reconnect every few minutes and so look the service's name up again:
            # replicas added by a scale-up start getting calls without a gateway restart. Calls
            # in flight on an old connection may finish: the grace outlasts the longest call
            # (a customer list import, five minutes).
            ("grpc.max_connection_age_ms", 300_000),
            ("grpc.max_connection_age_grace_ms", 360_000),
        ],
    )
    register(server)
    health_servicer = HealthWithReadiness(readiness_check)
    health_pb2_grpc.add_HealthServicer_to_server(health_servicer, server)
    port = cfg.grpc_port(service)
    server.add_insecure_port(f"0.0.0.0:{port}")
    server.start()
    log.info("%s gRPC listening on %s", service, port)

    def stop(*_: object) -> None:
        server.stop(grace=5)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    server.wait_for_termination()


# The health service name a liveness probe asks for (Kubernetes' grpc probe `service`).
LIVENESS_SERVICE = "liveness"


class HealthWithReadiness(health.HealthServicer):
    """Standard gRPC health: SERVING only while the service's own checks pass.

    The answer is kept for a second, so probes from every gateway, kubelet and load
    balancer cost the database one check a second, not one each.
    """

    def __init__(self, readiness_check: Callable[[], None], answer_for_seconds: float = 1.0) -> None:
        super().__init__()
        self.readiness_check = readiness_check
        self.answer_for_seconds = answer_for_seconds
        self._lock = threading.Lock()
        self._answer: tuple[float, int] | None = None

    def _status(self) -> int:
        with self._lock:
            now = time.monotonic()
            if self._answer is not None and now - self._answer[0] < self.answer_for_seconds:
                return self._answer[1]
            try:
                self.readiness_check()
                status = int(health_pb2.HealthCheckResponse.SERVING)
            except Exception as exc:  # noqa: BLE001 - any failure means not ready
                log.warning("readiness check failed: %s", exc)
                status = int(health_pb2.HealthCheckResponse.NOT_SERVING)
            self._answer = (now, status)
            return status

    def Check(self, request: Any, context: grpc.ServicerContext) -> Any:  # noqa: N802 - gRPC method name
        # Liveness asks only whether the server answers: a database that is down makes the
        # service not ready, and restarting it would not bring the database back.
        if request.service == LIVENESS_SERVICE:
            return health_pb2.HealthCheckResponse(status=health_pb2.HealthCheckResponse.SERVING)
        return health_pb2.HealthCheckResponse(status=self._status())
