"""gRPC channels from the gateway to each service, with the caller's principal attached."""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass
from typing import Annotated, Any

import grpc
from fastapi import Depends, Request
from google.protobuf.json_format import MessageToDict
from grpc_health.v1 import health_pb2, health_pb2_grpc
from opentelemetry.instrumentation.grpc import aio_client_interceptors

from dealernet.v1 import (
    customer_pb2_grpc,
    dealer_account_pb2_grpc,
    inventory_pb2_grpc,
    monitor_pb2_grpc,
    order_pb2_grpc,
    support_pb2_grpc,
)
from plumbing.principal import GRPC_METADATA_KEY, Principal
from plumbing.settings import SERVICE_NAMES, Settings

CALL_TIMEOUT_SECONDS = 10.0

# A Kubernetes Service balances connections, and gRPC keeps one connection for all its
# calls: through a ClusterIP every call of a gateway would go to the one pod it connected to.
# So the channel resolves every replica itself (a `dns:///` target naming a headless Service,
# or a list of addresses) and takes them in turn, call by call. Round robin picks only among
# replicas it is connected to: one that goes away is skipped until it is back.
ROUND_ROBIN = json.dumps({"loadBalancingConfig": [{"round_robin": {}}]})
CHANNEL_OPTIONS: tuple[tuple[str, str | int], ...] = (
    ("grpc.service_config", ROUND_ROBIN),
    # The balancing is the gateway's choice: a TXT record in someone's DNS must not change it.
    ("grpc.service_config_disable_resolution", 1),
    # A lost connection makes the channel look the name up again, by default not sooner than
    # 30 s after the last look-up; during a rollout pods come and go faster than that.
    ("grpc.dns_min_time_between_resolutions_ms", 5000),
)


def open_channel(target: str) -> grpc.aio.Channel:
    return grpc.aio.insecure_channel(target, options=CHANNEL_OPTIONS, interceptors=aio_client_interceptors())


@dataclass
class Backends:
    channels: dict[str, grpc.aio.Channel]
    orders: order_pb2_grpc.OrderServiceStub
    # Served by the order service's gRPC server, on the same channel as OrderService.
    dealer_accounts: dealer_account_pb2_grpc.DealerAccountServiceStub
    inventory: inventory_pb2_grpc.InventoryServiceStub
    customers: customer_pb2_grpc.CustomerServiceStub
    support: support_pb2_grpc.SupportServiceStub
    monitor: monitor_pb2_grpc.MonitorServiceStub

    @classmethod
    def connect(cls, settings: Settings) -> Backends:
        channels = {name: open_channel(settings.grpc_target(name)) for name in SERVICE_NAMES}
        return cls(
            channels=channels,
            orders=order_pb2_grpc.OrderServiceStub(channels["order"]),
            dealer_accounts=dealer_account_pb2_grpc.DealerAccountServiceStub(channels["order"]),
            inventory=inventory_pb2_grpc.InventoryServiceStub(channels["inventory"]),
            customers=customer_pb2_grpc.CustomerServiceStub(channels["customer"]),
            support=support_pb2_grpc.SupportServiceStub(channels["station"]),
            monitor=monitor_pb2_grpc.MonitorServiceStub(channels["monitor"]),
        )

    async def close(self) -> None:
        await asyncio.gather(*(channel.close() for channel in self.channels.values()))

    async def health(self) -> dict[str, str]:
        async def check(name: str, channel: grpc.aio.Channel) -> tuple[str, str]:
            try:
                reply = await health_pb2_grpc.HealthStub(channel).Check(health_pb2.HealthCheckRequest(), timeout=2.0)
                return name, health_pb2.HealthCheckResponse.ServingStatus.Name(reply.status)
            except grpc.aio.AioRpcError as exc:
                return name, f"UNREACHABLE ({exc.code().name})"

        results = await asyncio.gather(*(check(name, ch) for name, ch in self.channels.items()))
        return dict(results)


# async, so FastAPI does not hand it to a worker thread on every call.
async def backends(request: Request) -> Backends:
    return request.app.state.backends  # type: ignore[no-any-return]


Services = Annotated[Backends, Depends(backends)]


def metadata_for(principal: Principal) -> tuple[tuple[str, str], ...]:
    return ((GRPC_METADATA_KEY, principal.to_json()),)


async def call(method: Any, request: Any, principal: Principal) -> Any:
    return await method(request, metadata=metadata_for(principal), timeout=CALL_TIMEOUT_SECONDS)


def as_dict(message: Any) -> dict[str, Any]:
    return MessageToDict(
        message,
        preserving_proto_field_name=True,
        always_print_fields_with_no_presence=True,
        unquote_int64_if_possible=True,
    )
