"""A Nameko service for the benchmark only: one RPC that returns its payload.

    nameko run --config plumbing/nameko.yaml bench.echo_service

It carries the per-call dependencies every dealernet service has (the tracing span and the
caller's principal) and does no other work, so its cost is the cost of the hop.
"""

from __future__ import annotations

from typing import Any

from nameko.rpc import rpc

from plumbing.nameko_shell import CallerPrincipal, Tracing
from plumbing.principal import Principal


class EchoService:
    name = "bench_echo"

    tracing = Tracing()
    principal: Principal = CallerPrincipal()

    @rpc
    def echo(self, payload: Any) -> Any:
        return payload
