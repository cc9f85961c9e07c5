"""The gRPC baseline server: bare grpcio, no interceptors, no database.

    python -m bench.grpc_baseline PORT

A sync server with the same thread pool size as the services' servers, answering two unary
methods with canned messages the size of the real answers: `Tiny` (a health answer) and
`Catalogue` (the bench catalogue).
"""

from __future__ import annotations

import signal
import sys
from concurrent import futures
from typing import Any

import grpc
from grpc_health.v1 import health_pb2

from bench.catalogue import catalogue_message
from dealernet.v1 import order_pb2

SERVICE = "dealernet.bench.Baseline"
TINY_METHOD = f"/{SERVICE}/Tiny"
CATALOGUE_METHOD = f"/{SERVICE}/Catalogue"
WORKERS = 16  # as plumbing.grpc_support.serve


def main() -> None:
    port = int(sys.argv[1])
    serving = health_pb2.HealthCheckResponse(status=health_pb2.HealthCheckResponse.SERVING)
    catalogue = catalogue_message()

    def tiny(request: Any, context: grpc.ServicerContext) -> health_pb2.HealthCheckResponse:
        return serving

    def whole_catalogue(request: Any, context: grpc.ServicerContext) -> order_pb2.Catalogue:
        return catalogue

    handlers = grpc.method_handlers_generic_handler(
        SERVICE,
        {
            "Tiny": grpc.unary_unary_rpc_method_handler(
                tiny,
                request_deserializer=health_pb2.HealthCheckRequest.FromString,
                response_serializer=health_pb2.HealthCheckResponse.SerializeToString,
            ),
            "Catalogue": grpc.unary_unary_rpc_method_handler(
                whole_catalogue,
                request_deserializer=order_pb2.GetCatalogueRequest.FromString,
                response_serializer=order_pb2.Catalogue.SerializeToString,
            ),
        },
    )
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=WORKERS))
    server.add_generic_rpc_handlers((handlers,))
    server.add_insecure_port(f"127.0.0.1:{port}")
    server.start()

    def stop(*_: object) -> None:
        server.stop(grace=1)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    server.wait_for_termination()


if __name__ == "__main__":
    main()
