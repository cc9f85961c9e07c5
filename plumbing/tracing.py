"""OpenTelemetry set-up shared by the gateway and every service process.

The exporter is chosen by settings: `otlp` for deployments (a collector), `file` for local
runs and tests (JSON lines, one span a line, from every process into one file), `console`,
or `none`. Trace context crosses gRPC in metadata (the gRPC instrumentation) and AMQP in the
`nameko.traceparent` header, which Nameko carries as context data.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping, Sequence
from typing import Any

from opentelemetry import context as otel_context
from opentelemetry import trace
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import (
    BatchSpanProcessor,
    ConsoleSpanExporter,
    SimpleSpanProcessor,
    SpanExporter,
    SpanExportResult,
)
from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator

from plumbing import settings as settings_module

# Nameko turns every `nameko.<key>` header into context data `<key>` and forwards it
# with each RPC call and event the worker makes.
AMQP_TRACEPARENT_HEADER = "nameko.traceparent"

_propagator = TraceContextTextMapPropagator()
_configured = False


class JsonLinesSpanExporter(SpanExporter):
    """Appends finished spans to a file shared by all local processes."""

    def __init__(self, path: str) -> None:
        self.path = path
        os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)

    def export(self, spans: Sequence[ReadableSpan]) -> SpanExportResult:
        lines = []
        for span in spans:
            ctx = span.get_span_context()
            if ctx is None:
                continue
            lines.append(
                json.dumps(
                    {
                        "trace_id": format(ctx.trace_id, "032x"),
                        "span_id": format(ctx.span_id, "016x"),
                        "parent_id": format(span.parent.span_id, "016x") if span.parent else None,
                        "name": span.name,
                        "kind": span.kind.name,
                        "service": span.resource.attributes.get("service.name"),
                        "start": span.start_time,
                        "end": span.end_time,
                        "attributes": {k: _plain(v) for k, v in (span.attributes or {}).items()},
                    }
                )
            )
        if lines:
            fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
            try:
                os.write(fd, ("\n".join(lines) + "\n").encode())
            finally:
                os.close(fd)
        return SpanExportResult.SUCCESS


def _plain(value: Any) -> Any:
    return list(value) if isinstance(value, tuple) else value


def setup(service_name: str) -> None:
    """Install the tracer provider for this process (once)."""
    global _configured
    if _configured:
        return
    _configured = True
    cfg = settings_module.load()
    provider = TracerProvider(resource=Resource.create({"service.name": service_name}))
    if cfg.trace_exporter == "file":
        provider.add_span_processor(SimpleSpanProcessor(JsonLinesSpanExporter(cfg.trace_file)))
    elif cfg.trace_exporter == "console":
        provider.add_span_processor(SimpleSpanProcessor(ConsoleSpanExporter()))
    elif cfg.trace_exporter == "otlp":
        from opentelemetry.exporter.otlp.proto.grpc.trace_exporter import OTLPSpanExporter

        provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter(endpoint=cfg.otlp_endpoint, insecure=True)))
    trace.set_tracer_provider(provider)


def tracer(name: str = "dealernet") -> trace.Tracer:
    return trace.get_tracer(name)


def current_traceparent() -> str | None:
    carrier: dict[str, str] = {}
    _propagator.inject(carrier)
    return carrier.get("traceparent")


def context_from_traceparent(traceparent: str | None) -> otel_context.Context:
    if not traceparent:
        return otel_context.Context()
    return _propagator.extract({"traceparent": traceparent})


def extract(carrier: Mapping[str, str]) -> otel_context.Context:
    return _propagator.extract(dict(carrier))


def instrument_engine(engine: Any) -> None:
    from opentelemetry.instrumentation.sqlalchemy import SQLAlchemyInstrumentor

    SQLAlchemyInstrumentor().instrument(engine=engine, enable_commenter=False)
