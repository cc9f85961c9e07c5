"""What every Nameko service class needs, and nothing domain-specific.

- `DatabaseProvider`: the service's `Database` (units of work over its own PostgreSQL).
- `Tracing`: one span per worker, parented by the `traceparent` context data, and the new
  span's traceparent put back into the context data so that RPC calls and events made by
  the worker continue the same trace.
- `CallerPrincipal`: the principal passed with the call, for the service to filter by.
- `DeadLetters` and `handles_event`: idempotent event consumption; a message the handler
  cannot process goes to the service's dead-letter queue with the reason, and is acked only
  once the broker confirmed the dead letter.
"""

from __future__ import annotations

import datetime as dt
import functools
import logging
import sys
import traceback
from collections.abc import Callable
from typing import Any

from kombu.entity import Exchange, Queue
from nameko.amqp.publish import Publisher
from nameko.events import EventHandler
from nameko.extensions import DependencyProvider
from nameko.messaging import QueueConsumer
from opentelemetry import context as otel_context
from opentelemetry import trace

from plumbing import settings as settings_module
from plumbing import tracing
from plumbing.db import Database, MessagingTables
from plumbing.principal import NAMEKO_CONTEXT_KEY, SYSTEM, Principal, PrincipalError

log = logging.getLogger("dealernet.events")

# kombu tries to import the optional C client librabbitmq for every connection it makes,
# and Nameko makes one per publish: marking it absent saves about 240 us a call.
sys.modules.setdefault("librabbitmq", None)  # type: ignore[arg-type]

DEAD_LETTER_EXCHANGE = Exchange("dealernet.dead-letters", type="direct", durable=True)


def dead_letter_queue(service: str) -> Queue:
    return Queue(
        f"{service}.dead-letters",
        exchange=DEAD_LETTER_EXCHANGE,
        routing_key=service,
        durable=True,
    )


class DatabaseProvider(DependencyProvider):
    def __init__(self, tables: MessagingTables, pool_size: int = 10) -> None:
        self.tables = tables
        self.pool_size = pool_size
        self.database: Database | None = None

    def setup(self) -> None:
        cfg = settings_module.load()
        name = self.container.service_name
        self.database = Database(name, cfg.database_url(name), self.tables, pool_size=self.pool_size)

    def stop(self) -> None:
        if self.database is not None:
            self.database.engine.dispose()

    def get_dependency(self, worker_ctx: Any) -> Database:
        assert self.database is not None
        return self.database


class Tracing(DependencyProvider):
    def __init__(self) -> None:
        self._spans: dict[Any, tuple[trace.Span, object]] = {}

    def setup(self) -> None:
        tracing.setup(self.container.service_name)

    def worker_setup(self, worker_ctx: Any) -> None:
        entrypoint = worker_ctx.entrypoint
        is_event = isinstance(entrypoint, EventHandler)
        span = tracing.tracer("dealernet.nameko").start_span(
            f"{self.container.service_name}.{entrypoint.method_name}",
            context=tracing.context_from_traceparent(worker_ctx.data.get("traceparent")),
            kind=trace.SpanKind.CONSUMER if is_event else trace.SpanKind.SERVER,
            attributes={
                **({"messaging.system": "rabbitmq"} if is_event else {"rpc.system": "nameko"}),
                "nameko.entrypoint": entrypoint.method_name,
            },
        )
        token = otel_context.attach(trace.set_span_in_context(span))
        worker_ctx.data["traceparent"] = tracing.current_traceparent()
        self._spans[worker_ctx] = (span, token)

    def worker_result(self, worker_ctx: Any, result: Any = None, exc_info: Any = None) -> None:
        entry = self._spans.get(worker_ctx)
        if entry is not None and exc_info is not None:
            entry[0].record_exception(exc_info[1])
            entry[0].set_status(trace.Status(trace.StatusCode.ERROR, str(exc_info[1])))

    def worker_teardown(self, worker_ctx: Any) -> None:
        entry = self._spans.pop(worker_ctx, None)
        if entry is not None:
            span, token = entry
            span.end()
            otel_context.detach(token)  # type: ignore[arg-type]


class CallerPrincipal(DependencyProvider):
    """`self.principal()`: who made the call.

    An RPC call must carry its caller's principal: without one it is refused, never
    answered with headquarters' view. A worker started by an event acts as `SYSTEM`.
    (A callable, so that the refusal happens inside the method and reaches the caller.)
    """

    def get_dependency(self, worker_ctx: Any) -> Callable[[], Principal]:
        raw = worker_ctx.data.get(NAMEKO_CONTEXT_KEY)
        is_event = isinstance(worker_ctx.entrypoint, EventHandler)

        def principal() -> Principal:
            if raw:
                return Principal.from_json(raw)
            if is_event:
                return SYSTEM
            raise PrincipalError("no principal was passed with the call")

        return principal


class DeadLetterSender:
    def __init__(self, service: str, publisher: Publisher) -> None:
        self.service = service
        self.publisher = publisher

    def send(self, payload: Any, handler: str, reason: str) -> None:
        """Dead-letter a decoded event body, unchanged."""
        envelope = payload if isinstance(payload, dict) else {}
        source = envelope.get("source")
        self._publish(
            payload,
            {
                "x-dead-letter-reason": reason[:4000],
                "x-handler": handler,
                "x-source-exchange": f"{source}.events" if source else "",
                "x-source-routing-key": str(envelope.get("type") or ""),
                "x-message-id": str(envelope.get("id") or ""),
            },
        )

    def send_undecodable(
        self, body: bytes, content_type: str | None, delivery_info: dict[str, Any], reason: str
    ) -> None:
        """Dead-letter a body that could not even be decoded, byte for byte."""
        self._publish(
            body,
            {
                "x-dead-letter-reason": reason[:4000],
                "x-handler": "",
                "x-source-exchange": str(delivery_info.get("exchange") or ""),
                "x-source-routing-key": str(delivery_info.get("routing_key") or ""),
                "x-message-id": "",
            },
            content_type=content_type or "application/octet-stream",
            content_encoding="binary",
        )

    def _publish(self, body: Any, headers: dict[str, str], **properties: Any) -> None:
        self.publisher.publish(
            body,
            exchange=DEAD_LETTER_EXCHANGE,
            routing_key=self.service,
            declare=[dead_letter_queue(self.service)],
            headers={**headers, "x-failed-at": dt.datetime.now(dt.UTC).isoformat()},
            **properties,
        )


class DeadLetteringQueueConsumer(QueueConsumer):
    """Nameko's queue consumer acks a body it cannot decode and only logs it; this one
    dead-letters the body first, so a malformed message is kept with its reason."""

    def setup(self) -> None:
        super().setup()
        cfg = settings_module.load()
        self.dead_letters = DeadLetterSender(self.container.service_name, Publisher(cfg.amqp_uri))

    def on_decode_error(self, message: Any, exc: Exception) -> None:
        reason = f"body cannot be decoded as {message.content_type}: {exc}"
        log.error("%s dead-letters message: %s", self.container.service_name, reason)
        self.dead_letters.send_undecodable(message.body, message.content_type, message.delivery_info, reason)
        message.ack()


class DeadLetteringEventHandler(EventHandler):
    queue_consumer = DeadLetteringQueueConsumer()


class DeadLetters(DependencyProvider):
    def setup(self) -> None:
        cfg = settings_module.load()
        self.sender = DeadLetterSender(self.container.service_name, Publisher(cfg.amqp_uri))

    def get_dependency(self, worker_ctx: Any) -> DeadLetterSender:
        return self.sender


class InvalidEvent(ValueError):
    """The message is not a well-formed event of a version this handler understands."""


def check_envelope(payload: Any, versions: tuple[int, ...]) -> dict[str, Any]:
    if not isinstance(payload, dict):
        raise InvalidEvent(f"event body must be a JSON object, got {type(payload).__name__}")
    for key in ("id", "type", "version", "data"):
        if key not in payload:
            raise InvalidEvent(f"event envelope is missing '{key}'")
    if payload["version"] not in versions:
        raise InvalidEvent(f"{payload['type']} version {payload['version']} not handled (knows {versions})")
    if not isinstance(payload["data"], dict):
        raise InvalidEvent("event 'data' must be a JSON object")
    return payload


def handles_event(
    source_service: str, event_type: str, *, versions: tuple[int, ...] = (1,)
) -> Callable[[Callable[..., None]], Callable[..., None]]:
    """Declare an idempotent event handler: `handler(self, uow, event)`.

    The service class must have `db` (DatabaseProvider) and `dead_letters` (DeadLetters).
    The claim on the message id, the handler's changes and any events it records commit
    together. Any failure sends the message to the dead-letter queue with its reason. If
    even that fails (broker gone) the message is requeued, never dropped.
    """

    def decorate(fn: Callable[..., None]) -> Callable[..., None]:
        @functools.wraps(fn)
        def consume(self: Any, payload: Any) -> None:
            handler = f"{self.name}.{fn.__name__}"
            try:
                event = check_envelope(payload, versions)
                with self.db.unit_of_work() as uow:
                    if not uow.claim_message(event["id"], handler):
                        log.info("%s already processed %s; skipped", handler, event["id"])
                        return
                    fn(self, uow, event)
                    uow.commit()
            except Exception as exc:  # noqa: BLE001 - every failure is dead-lettered with its reason
                reason = f"{type(exc).__name__}: {exc}"
                log.error("%s dead-letters message: %s\n%s", handler, reason, traceback.format_exc())
                self.dead_letters.send(payload, handler, reason)

        return DeadLetteringEventHandler.decorator(  # type: ignore[no-any-return]
            source_service, event_type, requeue_on_error=True
        )(consume)

    return decorate
