"""The gateway's gRPC channels: where the settings point them, and how their calls spread over
a service's replicas. The replicas are real gRPC servers on this machine, each counting the
calls it answers; one set of them is found through a real DNS server, as a headless
Kubernetes Service's name is found in a cluster."""

from __future__ import annotations

import asyncio
import socket
import threading
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from typing import Any

import dns.message
import dns.name
import dns.rdatatype
import dns.rrset
import grpc
import pytest

from dealernet.v1 import inventory_pb2, inventory_pb2_grpc
from gateway.backends import Backends, call
from plumbing import settings as settings_module
from plumbing.principal import Principal, Role

HQ = Principal("hq.analyst", Role.HQ)
REPLICA_ADDRESSES = ("127.0.0.1", "127.0.0.2", "127.0.0.3")  # Linux routes all of 127/8 to loopback
CALLS = 30


@pytest.fixture(autouse=True)
def no_grpc_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    for service in settings_module.SERVICE_NAMES:
        for suffix in ("HOST", "PORT", "TARGET"):
            monkeypatch.delenv(f"DEALERNET_{service.upper()}_GRPC_{suffix}", raising=False)


# Settings -------------------------------------------------------------------------------


def test_by_default_each_service_is_one_local_host_and_port() -> None:
    loaded = settings_module.load()
    assert loaded.grpc_target("order") == "127.0.0.1:50051"
    assert loaded.grpc_target("inventory") == "127.0.0.1:50052"


def test_host_and_port_settings_still_name_one_server(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DEALERNET_INVENTORY_GRPC_HOST", "inventory-grpc")
    monkeypatch.setenv("DEALERNET_INVENTORY_GRPC_PORT", "6000")
    assert settings_module.load().grpc_target("inventory") == "inventory-grpc:6000"


@pytest.mark.parametrize(
    "target",
    [
        "dns:///inventory-grpc:50052",
        "dns:///inventory-grpc.dealernet.svc.cluster.local:50052",
        "ipv4:10.0.0.5:50052,10.0.0.6:50052",
    ],
)
def test_a_target_setting_names_every_replica_and_wins_over_host_and_port(
    monkeypatch: pytest.MonkeyPatch, target: str
) -> None:
    monkeypatch.setenv("DEALERNET_INVENTORY_GRPC_HOST", "inventory-grpc")
    monkeypatch.setenv("DEALERNET_INVENTORY_GRPC_TARGET", target)
    loaded = settings_module.load()
    assert loaded.grpc_target("inventory") == target
    # The port is still the server's own listening port.
    assert loaded.grpc_port("inventory") == 50052
    assert loaded.grpc_target("order") == "127.0.0.1:50051"


def test_an_empty_target_setting_leaves_host_and_port(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DEALERNET_INVENTORY_GRPC_TARGET", "  ")
    assert settings_module.load().grpc_target("inventory") == "127.0.0.1:50052"


# Replicas -------------------------------------------------------------------------------


class CountingInventory(inventory_pb2_grpc.InventoryServiceServicer):
    def __init__(self) -> None:
        self.calls = 0

    async def GetStockSummary(self, request: Any, context: grpc.aio.ServicerContext) -> Any:  # noqa: N802
        self.calls += 1
        return inventory_pb2.StockSummary(group_by=request.group_by)


class Replica:
    def __init__(self, address: str, port: int) -> None:
        self.servicer = CountingInventory()
        self.server = grpc.aio.server()
        inventory_pb2_grpc.add_InventoryServiceServicer_to_server(self.servicer, self.server)
        self.port = self.server.add_insecure_port(f"{address}:{port}")
        self.endpoint = f"{address}:{self.port}"

    @property
    def calls(self) -> int:
        return self.servicer.calls


@asynccontextmanager
async def replicas(addresses: tuple[str, ...], same_port: bool) -> AsyncIterator[list[Replica]]:
    started: list[Replica] = []
    port = 0
    for address in addresses:
        replica = Replica(address, port)
        if same_port:
            port = replica.port
        await replica.server.start()
        started.append(replica)
    try:
        yield started
    finally:
        await asyncio.gather(*(r.server.stop(None) for r in started))


@asynccontextmanager
async def gateway_backends(monkeypatch: pytest.MonkeyPatch, inventory_target: str) -> AsyncIterator[Backends]:
    monkeypatch.setenv("DEALERNET_INVENTORY_GRPC_TARGET", inventory_target)
    backends = Backends.connect(settings_module.load())
    try:
        yield backends
    finally:
        await backends.close()


async def summary_calls(backends: Backends, count: int) -> None:
    for _ in range(count):
        await call(backends.inventory.GetStockSummary, inventory_pb2.GetStockSummaryRequest(group_by="model"), HQ)


async def until_every_replica_answered(backends: Backends, started: list[Replica]) -> None:
    """Round robin takes turns among the replicas it is connected to; connections open one by
    one, so the first calls may find only some of them."""
    for _ in range(200):
        if all(r.calls for r in started):
            for r in started:
                r.servicer.calls = 0
            return
        await summary_calls(backends, 1)
        await asyncio.sleep(0.01)
    raise AssertionError(f"calls reached only {[r.calls for r in started]}")


def test_the_gateways_calls_take_each_replica_in_turn(monkeypatch: pytest.MonkeyPatch) -> None:
    async def scenario() -> list[int]:
        async with replicas(("127.0.0.1",) * 3, same_port=False) as started:
            target = "ipv4:" + ",".join(r.endpoint for r in started)
            async with gateway_backends(monkeypatch, target) as backends:
                await until_every_replica_answered(backends, started)
                await summary_calls(backends, CALLS)
                return [r.calls for r in started]

    assert asyncio.run(scenario()) == [CALLS // 3] * 3


def test_a_plain_channel_would_send_every_call_to_one_replica() -> None:
    """Why the gateway's channels need their balancing: gRPC's default policy keeps to the
    first address that connects, which through a Kubernetes ClusterIP is one pod."""

    async def scenario() -> list[int]:
        async with replicas(("127.0.0.1",) * 3, same_port=False) as started:
            target = "ipv4:" + ",".join(r.endpoint for r in started)
            async with grpc.aio.insecure_channel(target) as channel:
                stub = inventory_pb2_grpc.InventoryServiceStub(channel)
                for _ in range(CALLS):
                    await stub.GetStockSummary(inventory_pb2.GetStockSummaryRequest(), timeout=5)
            return sorted(r.calls for r in started)

    assert asyncio.run(scenario()) == [0, 0, CALLS]


class DnsServer:
    """Answers A queries for one name with several addresses, and nothing for the rest: the
    part of a cluster's DNS that a headless Service puts there (one record per ready pod)."""

    def __init__(self, name: str, addresses: tuple[str, ...]) -> None:
        self.name = dns.name.from_text(name)
        self.addresses = addresses
        self.socket = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.socket.bind(("127.0.0.1", 0))
        self.socket.settimeout(0.1)
        self.port = self.socket.getsockname()[1]
        self.queries: list[str] = []
        self._stopped = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)

    def _serve(self) -> None:
        while not self._stopped.is_set():
            try:
                wire, peer = self.socket.recvfrom(4096)
            except TimeoutError:
                continue
            query = dns.message.from_wire(wire)
            reply = dns.message.make_response(query)
            for question in query.question:
                self.queries.append(f"{question.name} {dns.rdatatype.to_text(question.rdtype)}")
                if question.name == self.name and question.rdtype == dns.rdatatype.A:
                    reply.answer.append(dns.rrset.from_text_list(question.name, 5, "IN", "A", list(self.addresses)))
            self.socket.sendto(reply.to_wire(), peer)

    @contextmanager
    def serving(self) -> Iterator[DnsServer]:
        self._thread.start()
        try:
            yield self
        finally:
            self._stopped.set()
            self._thread.join()
            self.socket.close()


def test_a_name_that_resolves_to_every_replica_spreads_the_calls_over_them(monkeypatch: pytest.MonkeyPatch) -> None:
    """As in a cluster: three replicas on one port at three addresses, one DNS name for all."""
    name = "inventory-grpc.dealernet.test"
    with DnsServer(name, REPLICA_ADDRESSES).serving() as dns_server:

        async def scenario() -> list[int]:
            async with replicas(REPLICA_ADDRESSES, same_port=True) as started:
                # dns://<server>/<name>: ask this DNS server rather than the machine's.
                target = f"dns://127.0.0.1:{dns_server.port}/{name}:{started[0].port}"
                async with gateway_backends(monkeypatch, target) as backends:
                    await until_every_replica_answered(backends, started)
                    await summary_calls(backends, CALLS)
                    return [r.calls for r in started]

        assert asyncio.run(scenario()) == [CALLS // 3] * 3
        assert f"{name}. A" in dns_server.queries


def test_calls_go_on_over_the_other_replicas_when_one_stops(monkeypatch: pytest.MonkeyPatch) -> None:
    async def scenario() -> tuple[list[int], list[int]]:
        async with replicas(("127.0.0.1",) * 3, same_port=False) as started:
            target = "ipv4:" + ",".join(r.endpoint for r in started)
            async with gateway_backends(monkeypatch, target) as backends:
                await until_every_replica_answered(backends, started)
                await summary_calls(backends, CALLS)
                before = [r.calls for r in started]
                # Stopped as on SIGTERM: calls under way finish, new ones go elsewhere.
                await started[1].server.stop(grace=1)
                await summary_calls(backends, CALLS)
                return before, [r.calls - b for r, b in zip(started, before, strict=True)]

    before, after = asyncio.run(scenario())
    assert before == [CALLS // 3] * 3
    assert after[1] == 0 and after[0] + after[2] == CALLS and min(after[0], after[2]) >= CALLS // 3
