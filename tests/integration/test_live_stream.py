"""The live stream of order events: a real gateway process, the real broker, streams read
over HTTP as a dealer's browser would."""

from __future__ import annotations

import contextlib
import json
import queue
import socket
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pika
import pytest
from sqlalchemy.orm import Session

from gateway import API_PREFIX, tokens
from plumbing import settings
from plumbing.db import event_envelope, make_engine
from plumbing.principal import Principal, Role
from scripts.seed_demo import DEMO_PASSWORD, demo_vin, seed_gateway
from tests.processes import BIN, ROOT, running, wait_for

pytestmark = pytest.mark.integration

HEARTBEAT_SECONDS = 1
PROBE = "ORD-PROBE-"
CLIENT_BUFFER = 8


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextlib.contextmanager
def gateway_process(port: int, log_name: str, **env: str) -> Iterator[httpx.Client]:
    command = [str(BIN / "uvicorn"), "gateway.app:app", "--host", "127.0.0.1", "--port", str(port)]
    stream_settings = {
        "DEALERNET_STREAM_HEARTBEAT_SECONDS": str(HEARTBEAT_SECONDS),
        "DEALERNET_STREAM_CLIENT_BUFFER": str(CLIENT_BUFFER),
        "DEALERNET_STREAM_RECONNECT_SECONDS": "0.5",
        **env,
    }
    with running(command, env=stream_settings, log_name=log_name) as process:
        client = httpx.Client(base_url=f"http://127.0.0.1:{port}{API_PREFIX}", timeout=10)
        wait_for(
            "the gateway answering",
            lambda: client.get(f"http://127.0.0.1:{port}/openapi.json").status_code == 200,
            timeout=30,
        )
        yield client
        client.close()
    assert process.returncode is not None


@pytest.fixture(scope="module")
def accounts(fresh_database: Callable[[str], str]) -> None:
    engine = make_engine(fresh_database("gateway"), pool_size=1, instrument=False)
    with Session(engine) as session:
        seed_gateway(session)
        session.commit()
    engine.dispose()


@pytest.fixture(scope="module")
def gateway(accounts: None, amqp_uri: str) -> Iterator[httpx.Client]:
    with gateway_process(free_port(), "gateway-live-stream") as client:
        yield client


@pytest.fixture
def broker(amqp_uri: str) -> Iterator[Any]:
    connection = pika.BlockingConnection(pika.URLParameters(amqp_uri))
    channel = connection.channel()
    channel.exchange_declare("order.events", exchange_type="topic", durable=True)
    yield channel
    connection.close()


def token(client: httpx.Client, username: str) -> str:
    reply = client.post("/auth/login", json={"username": username, "password": DEMO_PASSWORD})
    assert reply.status_code == 200, reply.text
    return str(reply.json()["access_token"])


class EventStream:
    """A stream of server-sent events read on a thread of its own, message by message."""

    def __init__(self, client: httpx.Client, access_token: str, *, in_query: bool = False) -> None:
        self.messages: queue.Queue[dict[str, Any]] = queue.Queue()
        self.probes: queue.Queue[dict[str, Any]] = queue.Queue()
        self.comments: queue.Queue[str] = queue.Queue()
        self.opened = threading.Event()
        self.ended = threading.Event()
        self.status = 0
        self.headers: httpx.Headers = httpx.Headers()
        self._client = httpx.Client(base_url=client.base_url, timeout=httpx.Timeout(10, read=None))
        if in_query:
            self._request: dict[str, Any] = {"params": {"access_token": access_token}}
        else:
            self._request = {"headers": {"Authorization": f"Bearer {access_token}"}}
        threading.Thread(target=self._read, daemon=True).start()
        assert self.opened.wait(10), "the stream did not open"
        assert self.status == 200, f"the stream answered {self.status}"
        assert self.comments.get(timeout=5) == "connected"

    def _read(self) -> None:
        try:
            with self._client.stream("GET", "/tracking/stream", **self._request) as response:
                self.status, self.headers = response.status_code, response.headers
                self.opened.set()
                fields: dict[str, Any] = {}
                for line in response.iter_lines():
                    if line.startswith(":"):
                        self.comments.put(line[1:].strip())
                    elif line:
                        name, _, value = line.partition(":")
                        fields[name] = value.removeprefix(" ")
                    elif fields.keys() & {"id", "event", "data"}:
                        message = {**fields, "received": time.monotonic()}
                        is_probe = PROBE in fields.get("data", "")
                        (self.probes if is_probe else self.messages).put(message)
                        fields = {}
        except httpx.HTTPError:
            pass  # the test closed the stream
        finally:
            self.opened.set()
            self.ended.set()

    def next(self, timeout: float = 5.0) -> dict[str, Any]:
        return self.messages.get(timeout=timeout)

    def close(self) -> None:
        self._client.close()


@contextlib.contextmanager
def streams(*opened: Callable[[], EventStream]) -> Iterator[list[EventStream]]:
    started = []
    try:
        for open_stream in opened:
            started.append(open_stream())
        yield started
    finally:
        for stream in started:
            stream.close()


def stage_reached(dealer_code: str, order_number: str, **extra: Any) -> dict[str, Any]:
    data = {
        "order_number": order_number,
        "dealer_code": dealer_code,
        "vin": demo_vin(42),
        "stage": "paint_shop",
        "stage_label": "Paint shop",
        "occurred_at": "2027-01-14T08:15:02+00:00",
        "expected_arrival": "2027-02-12",
        "hold_reason": None,
        **extra,
    }
    return event_envelope("order", "order.stage_reached", data, 1)


def publish(channel: Any, envelope: dict[str, Any]) -> float:
    published = time.monotonic()
    channel.basic_publish(
        "order.events",
        envelope["type"],
        json.dumps(envelope).encode(),
        pika.BasicProperties(content_type="application/json", delivery_mode=2, message_id=envelope["id"]),
    )
    return published


def until_live(channel: Any, stream: EventStream, dealer_code: str, timeout: float = 20.0) -> None:
    """Publish probes until the stream receives one: the gateway's consumer is then bound.

    Probes are kept apart from the stream's messages, so a late copy never disturbs a test.
    """
    deadline = time.monotonic() + timeout
    probe = stage_reached(dealer_code, f"{PROBE}{uuid.uuid4().hex[:6]}")
    while time.monotonic() < deadline:
        publish(channel, probe)
        try:
            while stream.probes.get(timeout=0.3)["id"] != probe["id"]:
                pass
            return
        except queue.Empty:
            continue
    raise TimeoutError("the gateway's live feed did not start consuming")


def test_a_dealer_gets_its_own_cars_events_live_and_no_other_dealers(gateway: httpx.Client, broker) -> None:
    with streams(
        lambda: EventStream(gateway, token(gateway, "d001.sales")),
        lambda: EventStream(gateway, token(gateway, "d002.sales"), in_query=True),
        lambda: EventStream(gateway, token(gateway, "hq.analyst")),
    ) as (d001, d002, hq):
        until_live(broker, d001, "D001")

        mine = stage_reached("D001", "ORD-2027-0000101")
        published = publish(broker, mine)
        received = d001.next()
        theirs = stage_reached("D002", "ORD-2027-0000102")
        publish(broker, theirs)

        assert received["id"] == mine["id"]
        assert received["event"] == "order.stage_reached"
        assert json.loads(received["data"]) == {**mine["data"], "type": "order.stage_reached"}
        assert received["received"] - published < 2.0
        # D002's first event is its own: D001's car never reached it.
        assert d002.next()["id"] == theirs["id"]
        assert [hq.next()["id"], hq.next()["id"]] == [mine["id"], theirs["id"]]
        with pytest.raises(queue.Empty):
            d001.next(timeout=0.5)
        assert d001.headers["content-type"].startswith("text/event-stream")
        assert d001.headers["cache-control"] == "no-cache"


def test_each_live_event_type_reaches_the_dealer_and_other_order_events_do_not(gateway: httpx.Client, broker) -> None:
    live = ("order.scheduled", "order.approved", "order.vehicle_shipped", "order.vehicle_arrived", "order.vehicle_late")
    with streams(lambda: EventStream(gateway, token(gateway, "d001.sales"))) as [d001]:
        until_live(broker, d001, "D001")
        sent = []
        for event_type in (*live, "order.placed", "order.amended"):
            envelope = event_envelope(
                "order", event_type, {"order_number": "ORD-2027-0000201", "dealer_code": "D001"}, 1
            )
            publish(broker, envelope)
            sent.append(envelope)
        received = [d001.next() for _ in live]

        assert [(m["id"], m["event"]) for m in received] == [(e["id"], e["type"]) for e in sent[: len(live)]]
        assert json.loads(received[0]["data"])["occurred_at"] == sent[0]["occurred_at"]
        with pytest.raises(queue.Empty):
            d001.next(timeout=0.5)


def test_a_quiet_stream_gets_a_heartbeat(gateway: httpx.Client) -> None:
    with streams(lambda: EventStream(gateway, token(gateway, "d003.sales"))) as [stream]:
        assert stream.comments.get(timeout=HEARTBEAT_SECONDS * 3) == "heartbeat"


def test_a_stream_ends_when_its_token_expires(gateway: httpx.Client) -> None:
    short_lived = tokens.issue(Principal("d001.sales", Role.DEALER, "D001"), settings.load().token_secret, 2)
    with streams(lambda: EventStream(gateway, short_lived)) as [stream]:
        assert stream.ended.wait(5), "the stream outlived its token"
        assert list(stream.comments.queue)[-1] == "the token has expired: log in again"


def test_stations_are_refused_and_strangers_must_log_in(gateway: httpx.Client) -> None:
    station = gateway.get("/tracking/stream", headers={"Authorization": f"Bearer {token(gateway, 's001.tech')}"})
    assert station.status_code == 403
    assert station.headers["content-type"] == "application/problem+json"
    assert gateway.get("/tracking/stream").status_code == 401
    assert gateway.get("/tracking/stream", params={"access_token": "forged"}).status_code == 401
    # The query token is accepted on the stream only.
    assert gateway.get("/me", params={"access_token": token(gateway, "d001.sales")}).status_code == 401

    openapi = gateway.get(gateway.base_url.join("/openapi.json")).json()
    operation = openapi["paths"][f"{API_PREFIX}/tracking/stream"]["get"]
    assert "access_token" in operation["description"]
    assert "access_token" in [parameter["name"] for parameter in operation["parameters"]]


def test_a_client_that_stops_reading_is_dropped_without_holding_up_the_others(gateway: httpx.Client, broker) -> None:
    with streams(lambda: EventStream(gateway, token(gateway, "d001.sales"))) as [reader]:
        until_live(broker, reader, "D001")
        stalled = socket.socket()
        stalled.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        stalled.connect(("127.0.0.1", gateway.base_url.port or 80))
        stalled.sendall(
            f"GET {API_PREFIX}/tracking/stream HTTP/1.1\r\nHost: gateway\r\nConnection: close\r\n"
            f"Authorization: Bearer {token(gateway, 'hq.analyst')}\r\n\r\n".encode()
        )
        stalled.settimeout(5)
        head = b""
        while b": connected" not in head:
            head += stalled.recv(4096)
        filler = "x" * 64_000
        flood = [stage_reached("D001", f"ORD-2027-{n:07d}", note=filler) for n in range(1000, 1150)]
        for envelope in flood:
            publish(broker, envelope)
        for envelope in flood:
            assert reader.next()["id"] == envelope["id"]

        after = stage_reached("D001", "ORD-2027-0000301")
        published = publish(broker, after)
        message = reader.next()
        assert message["id"] == after["id"] and message["received"] - published < 2.0

        # Dropped, the stream ends: what the gateway had sent comes through, then the end.
        read, deadline = head, time.monotonic() + 15
        while (chunk := stalled.recv(1 << 20)) and time.monotonic() < deadline:
            read += chunk
        stalled.close()
        assert chunk == b"", "the stalled stream was not ended"
        assert read.startswith(b"HTTP/1.1 200")
        assert read.count(b"event: order.stage_reached") < len(flood)
        assert read.endswith(b": the client did not keep up with its events\n\n\r\n0\r\n\r\n")
        log = (ROOT / "var" / "test-logs" / "gateway-live-stream.log").read_text()
        assert f"dropped the live stream of hq.analyst (hq): it left {CLIENT_BUFFER} events unread" in log


class BrokerLink:
    """A TCP relay in front of RabbitMQ that the test can hold closed or cut."""

    def __init__(self, port: int) -> None:
        self.port = port
        self._listener: socket.socket | None = None
        self._sockets: list[socket.socket] = []

    def open(self) -> None:
        self._listener = socket.create_server(("127.0.0.1", self.port))
        threading.Thread(target=self._accept, args=(self._listener,), daemon=True).start()

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                downstream, _ = listener.accept()
            except OSError:
                return
            upstream = socket.create_connection(("127.0.0.1", 5672))
            self._sockets += [downstream, upstream]
            for source, target in ((downstream, upstream), (upstream, downstream)):
                threading.Thread(target=self._pump, args=(source, target), daemon=True).start()

    @staticmethod
    def _pump(source: socket.socket, target: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                target.sendall(data)
        except OSError:
            pass
        finally:
            for end in (source, target):
                with contextlib.suppress(OSError):
                    end.shutdown(socket.SHUT_RDWR)

    def cut(self) -> None:
        for sock in self._sockets:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
            sock.close()
        self._sockets.clear()

    def close(self) -> None:
        if self._listener is not None:
            self._listener.close()
        self.cut()


def test_the_gateway_serves_without_the_broker_and_the_feed_connects_and_reconnects(
    accounts: None, amqp_uri: str, broker
) -> None:
    link = BrokerLink(free_port())
    vhost = amqp_uri.rsplit("/", 1)[1]
    through_link = f"amqp://guest:guest@127.0.0.1:{link.port}/{vhost}"
    try:
        with gateway_process(free_port(), "gateway-live-stream-link", AMQP_URI=through_link) as gateway:
            dealer = token(gateway, "d001.sales")
            assert gateway.get("/me", headers={"Authorization": f"Bearer {dealer}"}).json()["org_code"] == "D001"
            with streams(lambda: EventStream(gateway, dealer)) as [stream]:
                link.open()
                until_live(broker, stream, "D001")

                link.cut()
                until_live(broker, stream, "D001")
                event = stage_reached("D001", "ORD-2027-0000401")
                publish(broker, event)
                assert stream.next()["id"] == event["id"]
    finally:
        link.close()
