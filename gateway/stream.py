"""Live order events for dealers and headquarters, pushed as server-sent events.

Each gateway process holds one AMQP consumer: an exclusive, auto-deleted queue of its own
bound to the order service's event exchange. Every event it receives is encoded once and
handed to the streams connected to this process whose caller may see it: a dealer gets the
events of its own cars, headquarters and operations get all of them. Several gateway
processes each get every event and serve their own streams.

A stream never slows the consumer or the other streams: each has a bounded queue, and a
stream whose queue is full (a client that stopped reading) is dropped. Events are not kept:
a client that reconnects reads the current state through the tracking routes.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import signal
import socket
import threading
import time
import uuid
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from types import FrameType
from typing import Any

import aio_pika
import anyio
from aio_pika.abc import AbstractIncomingMessage, AbstractRobustConnection
from aio_pika.connection import make_url
from starlette.responses import StreamingResponse
from starlette.types import Message, Receive, Scope, Send

from plumbing.principal import Principal, Role

log = logging.getLogger("dealernet.gateway.stream")

ORDER_EVENTS_EXCHANGE = "order.events"
LIVE_EVENT_TYPES = (
    "order.stage_reached",
    "order.vehicle_shipped",
    "order.vehicle_arrived",
    "order.vehicle_delivered",
    "order.scheduled",
    "order.approved",
    "order.rejected",
    "order.cancelled",
    "order.vehicle_late",
)
EVENT_STREAM = "text/event-stream"
# What a browser's EventSource waits before reconnecting after the stream ended.
CLIENT_RETRY_MILLISECONDS = 5000
# The gateway's queue on the broker is capped, so a stalled gateway cannot fill the broker;
# the oldest events go first, which a live view can spare.
BROKER_QUEUE_LIMIT = 10_000
# Frames already waiting are sent together, in one write, up to this many.
FRAMES_PER_WRITE = 64


@dataclass(frozen=True)
class StreamSettings:
    heartbeat_seconds: float = 15.0
    client_buffer: int = 256
    reconnect_seconds: float = 2.0

    @classmethod
    def from_environment(cls) -> StreamSettings:
        return cls(
            heartbeat_seconds=float(os.environ.get("DEALERNET_STREAM_HEARTBEAT_SECONDS", "15")),
            client_buffer=int(os.environ.get("DEALERNET_STREAM_CLIENT_BUFFER", "256")),
            reconnect_seconds=float(os.environ.get("DEALERNET_STREAM_RECONNECT_SECONDS", "2")),
        )


class UnreadableEvent(ValueError):
    """A message on the order exchange that is not an event envelope the stream can pass on."""


@dataclass(frozen=True)
class LiveEvent:
    event_id: str
    event_type: str
    dealer_code: str | None
    frame: bytes

    @classmethod
    def from_envelope(cls, body: bytes) -> LiveEvent:
        """The server-sent message for an event envelope (see docs/events.md)."""
        try:
            envelope = json.loads(body)
        except ValueError as exc:
            raise UnreadableEvent(f"not JSON: {exc}") from exc
        if not isinstance(envelope, dict) or not isinstance(envelope.get("data"), dict):
            raise UnreadableEvent("not an event envelope with a 'data' object")
        event_id, event_type = envelope.get("id"), envelope.get("type")
        if not isinstance(event_id, str) or not isinstance(event_type, str) or not event_id or not event_type:
            raise UnreadableEvent("the envelope has no 'id' or 'type'")
        if any(char in value for value in (event_id, event_type) for char in "\r\n"):
            raise UnreadableEvent("a line break in 'id' or 'type'")
        data: dict[str, Any] = envelope["data"]
        # The data's own occurred_at (the plant's time of a stage) wins over the time the
        # order service recorded the event.
        payload = {"occurred_at": envelope.get("occurred_at"), **data, "type": event_type}
        dealer_code = data.get("dealer_code")
        return cls(
            event_id=event_id,
            event_type=event_type,
            dealer_code=dealer_code if isinstance(dealer_code, str) else None,
            frame=sse_message(event_id, event_type, payload),
        )


def sse_message(event_id: str, event_type: str, payload: dict[str, Any]) -> bytes:
    data = json.dumps(payload, separators=(",", ":"), ensure_ascii=False, default=str)
    return f"id: {event_id}\nevent: {event_type}\ndata: {data}\n\n".encode()


def sse_comment(text: str) -> bytes:
    return f": {text}\n\n".encode()


@dataclass(eq=False)
class Subscriber:
    """One connected stream: the events waiting for it, and why it must end, if it must."""

    principal: Principal
    capacity: int
    queue: asyncio.Queue[LiveEvent] = field(init=False)
    ended: asyncio.Event = field(init=False, default_factory=asyncio.Event)
    end_reason: str = ""

    def __post_init__(self) -> None:
        self.queue = asyncio.Queue(self.capacity)

    def end(self, reason: str) -> None:
        if not self.ended.is_set():
            self.end_reason = reason
            self.ended.set()


class Hub:
    """The streams connected to this gateway process, indexed by what each may see."""

    def __init__(self, client_buffer: int) -> None:
        self.client_buffer = client_buffer
        self._everything: set[Subscriber] = set()
        self._by_dealer: dict[str, set[Subscriber]] = {}

    def subscribe(self, principal: Principal) -> Subscriber:
        subscriber = Subscriber(principal, self.client_buffer)
        if principal.role in (Role.HQ, Role.OPS):
            self._everything.add(subscriber)
        elif principal.role is Role.DEALER and principal.org_code:
            self._by_dealer.setdefault(principal.org_code, set()).add(subscriber)
        else:
            raise ValueError(f"a {principal.role.value} does not receive live order events")
        return subscriber

    def unsubscribe(self, subscriber: Subscriber) -> None:
        self._everything.discard(subscriber)
        org_code = subscriber.principal.org_code
        if org_code is not None and org_code in self._by_dealer:
            streams = self._by_dealer[org_code]
            streams.discard(subscriber)
            if not streams:
                del self._by_dealer[org_code]

    def publish(self, event: LiveEvent) -> int:
        """Queue the event for every stream that may see it; returns how many took it."""
        dealer_streams = self._by_dealer.get(event.dealer_code, ()) if event.dealer_code else ()
        overflowing: list[Subscriber] = []
        delivered = 0
        for streams in (self._everything, dealer_streams):
            for subscriber in streams:
                try:
                    subscriber.queue.put_nowait(event)
                    delivered += 1
                except asyncio.QueueFull:
                    overflowing.append(subscriber)
        for subscriber in overflowing:
            self._drop(subscriber)
        return delivered

    def end_all(self, reason: str) -> None:
        for subscriber in [*self._everything, *(s for streams in self._by_dealer.values() for s in streams)]:
            subscriber.end(reason)

    def _drop(self, subscriber: Subscriber) -> None:
        self.unsubscribe(subscriber)
        subscriber.end("the client did not keep up with its events")
        principal = subscriber.principal
        log.warning(
            "dropped the live stream of %s (%s): it left %d events unread",
            principal.subject,
            " ".join(filter(None, (principal.role.value, principal.org_code))),
            subscriber.queue.qsize(),
        )


class LiveFeed:
    """The gateway process's one consumer of order events, feeding the hub.

    Started in the background: while the broker is unreachable the gateway serves
    everything else, and the feed keeps trying; once connected, a lost connection is
    re-established with its queue, bindings and consumer (aio-pika's robust connection).
    """

    def __init__(self, amqp_uri: str, settings: StreamSettings | None = None) -> None:
        self.amqp_uri = amqp_uri
        self.settings = settings or StreamSettings.from_environment()
        self.hub = Hub(self.settings.client_buffer)
        self.queue_name = f"gateway.live.{socket.gethostname()}.{os.getpid()}.{uuid.uuid4().hex[:8]}"
        self._connection: AbstractRobustConnection | None = None
        self._task: asyncio.Task[None] | None = None
        self._stopping = False

    async def start(self) -> None:
        end_streams_on_exit_signal(self.hub)
        self._task = asyncio.create_task(self._run(), name="live-feed")

    async def stop(self) -> None:
        self._stopping = True
        if self._task is not None:
            self._task.cancel()
            try:
                await self._task
            except asyncio.CancelledError:
                pass
        if self._connection is not None:
            await self._connection.close()

    async def _run(self) -> None:
        while True:
            try:
                await self._connect_and_consume()
                return
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # noqa: BLE001 - the broker refused the set-up: retry, never give up
                log.warning("live feed could not subscribe (%s: %s); retrying", type(exc).__name__, exc)
                if self._connection is not None:
                    await self._connection.close()
                    self._connection = None
                await asyncio.sleep(self.settings.reconnect_seconds)

    async def _connect_and_consume(self) -> None:
        # Without fail_fast the first connect waits for the broker, retrying, instead of raising.
        # The connection is kept before it connects, so a stop during that wait can close it
        # (aio_pika's connect_robust would hand it over only once connected, and its retries
        # would outlive the gateway).
        options = {"fail_fast": False, "reconnect_interval": self.settings.reconnect_seconds}
        self._connection = aio_pika.RobustConnection(
            make_url(self.amqp_uri, **options),
            client_properties={"connection_name": f"gateway live feed {self.queue_name}"},
            **options,
        )
        await self._connection.connect()
        self._connection.close_callbacks.add(self._on_connection_lost)
        self._connection.reconnect_callbacks.add(self._on_reconnected)
        channel = await self._connection.channel()
        exchange = await channel.declare_exchange(ORDER_EVENTS_EXCHANGE, aio_pika.ExchangeType.TOPIC, durable=True)
        queue = await channel.declare_queue(
            self.queue_name,
            exclusive=True,
            auto_delete=True,
            arguments={"x-max-length": BROKER_QUEUE_LIMIT, "x-overflow": "drop-head"},
        )
        for routing_key in LIVE_EVENT_TYPES:
            await queue.bind(exchange, routing_key)
        await queue.consume(self._on_message, no_ack=True)
        log.info("live feed consuming %s from %s", queue.name, ORDER_EVENTS_EXCHANGE)

    def _on_connection_lost(self, *_: Any) -> None:
        if not self._stopping:
            log.warning("live feed lost its broker connection; reconnecting")

    def _on_reconnected(self, *_: Any) -> None:
        log.info("live feed reconnected to the broker")

    async def _on_message(self, message: AbstractIncomingMessage) -> None:
        # No await before the hub is fed: messages reach it in the order they arrived.
        try:
            event = LiveEvent.from_envelope(message.body)
        except UnreadableEvent as exc:
            log.warning("live feed skipped message %s (%s): %s", message.message_id, message.routing_key, exc)
            return
        self.hub.publish(event)


def end_streams_on_exit_signal(hub: Hub) -> None:
    """End every stream as soon as the server is told to stop.

    uvicorn stops by waiting for the responses in progress to finish, and a live stream never
    does: without this a stopping gateway would hang until its last client left. The server's
    own handler still runs after the streams were told to end.
    """
    if threading.current_thread() is not threading.main_thread():
        return
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        previous = signal.getsignal(signum)
        if not callable(previous):
            continue

        def on_exit_signal(number: int, frame: FrameType | None, previous: Callable[..., Any] = previous) -> None:
            loop.call_soon_threadsafe(hub.end_all, "the gateway is stopping; reconnect")
            previous(number, frame)

        signal.signal(signum, on_exit_signal)


class EventStreamResponse(StreamingResponse):
    """A caller's live stream: its events as they come, a comment as heartbeat, and an end
    when the caller's token expires or when the caller stops reading."""

    media_type = EVENT_STREAM

    def __init__(
        self, hub: Hub, principal: Principal, *, heartbeat_seconds: float, expires_at: float | None = None
    ) -> None:
        self._hub = hub
        self._principal = principal
        self._heartbeat_seconds = heartbeat_seconds
        self._expires_at = expires_at
        self._subscriber: Subscriber | None = None
        # Proxies must pass each message on at once rather than buffer the response.
        super().__init__(self._frames(), headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"})

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        subscriber = self._subscriber = self._hub.subscribe(self._principal)
        started = finished = False

        async def watched_send(message: Message) -> None:
            nonlocal started
            started = True
            await send(message)

        try:
            async with anyio.create_task_group() as group:

                async def respond() -> None:
                    nonlocal finished
                    await StreamingResponse.__call__(self, scope, receive, watched_send)
                    finished = True
                    group.cancel_scope.cancel()

                group.start_soon(respond)
                # Ended (dropped, or the gateway stopping) even while a write waits on the client.
                await subscriber.ended.wait()
                group.cancel_scope.cancel()
            if started and not finished:
                with anyio.move_on_after(1.0):
                    await send({"type": "http.response.body", "body": sse_comment(subscriber.end_reason)})
        finally:
            self._hub.unsubscribe(subscriber)

    async def _frames(self) -> AsyncIterator[bytes]:
        subscriber = self._subscriber
        assert subscriber is not None, "the stream's frames are read only once it is subscribed"
        yield f"retry: {CLIENT_RETRY_MILLISECONDS}\n".encode() + sse_comment("connected")
        while True:
            wait = self._heartbeat_seconds
            if self._expires_at is not None:
                left = self._expires_at - time.time()
                if left <= 0:
                    yield sse_comment("the token has expired: log in again")
                    return
                wait = min(wait, left)
            try:
                event = await asyncio.wait_for(subscriber.queue.get(), wait)
            except TimeoutError:
                yield sse_comment("heartbeat")
                continue
            frames = [event.frame]
            while len(frames) < FRAMES_PER_WRITE and not subscriber.queue.empty():
                frames.append(subscriber.queue.get_nowait().frame)
            yield b"".join(frames)
