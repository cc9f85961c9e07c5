# syntax=docker/dockerfile:1
#
# The dealernet images, one build target each:
#
#   target            image               holds
#   order             dealernet-order      services/order (order_service, its migrations)
#   inventory         dealernet-inventory  services/inventory
#   customer          dealernet-customer   services/customer
#   station           dealernet-station    services/service-station
#   monitor           dealernet-monitor    services/monitor
#   gateway           dealernet-gateway    gateway/ (with its migrations)
#   plant-simulator   dealernet-plant-simulator  scripts/plant_simulator.py (a demo stand-in)
#
# and each of them plumbing/, proto/gen/ (the simulator: only plumbing's settings) and the
# Python packages its own code imports, at the versions requirements.lock pins. Build with
#   docker build --target order -t dealernet-order:0.1.0 .
# (docker-compose.yml builds them all). A service's gRPC server, Nameko worker, outbox
# relay and migration Job all run from that service's image, so they always agree on the
# code and on the schema.
#
# Why one Dockerfile with a target per image rather than one file per service folder: the
# seven images differ only in which folder they copy, their PYTHONPATH and their default
# command. Everything else (the pinned base, the user, the dependency install) is written
# once here, so it cannot drift between services, and the shared stages produce identical
# layers that registries and nodes store once. Each target still copies only its own
# folder: Docker checksums only the files a COPY names, so a change to one service
# rebuilds only that service's image.
#
# Tag and digest of the multi-architecture index: the tag says which Python and Debian,
# the digest makes a rebuild start from the very same bytes.
FROM python:3.11.14-slim-bookworm@sha256:65a93d69fa75478d554f4ad27c85c1e69fa184956261b4301ebaf6dbb0a3543d AS python

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_ROOT_USER_ACTION=ignore


# Dependencies ---------------------------------------------------------------------------
# Each image gets a virtualenv of only what its code imports. The names below are the
# runtime entries of requirements.in; `-c requirements.lock` holds every package,
# including the transitive ones, to the locked version, so the images run what the test
# suite ran. Only /opt/venv leaves these stages: pip's caches and build files stay behind.
FROM python AS deps
WORKDIR /build
COPY requirements.lock ./
RUN python -m venv /opt/venv

FROM deps AS service-deps
RUN /opt/venv/bin/pip install --no-cache-dir -c requirements.lock \
        nameko eventlet psycogreen werkzeug setuptools kombu pika \
        SQLAlchemy alembic psycopg2-binary grpcio grpcio-health-checking protobuf \
        opentelemetry-api opentelemetry-sdk opentelemetry-exporter-otlp-proto-grpc \
        opentelemetry-instrumentation-grpc opentelemetry-instrumentation-sqlalchemy

FROM deps AS gateway-deps
RUN /opt/venv/bin/pip install --no-cache-dir -c requirements.lock \
        fastapi "uvicorn[standard]" httpx "PyJWT[crypto]" aio-pika fpdf2 \
        SQLAlchemy alembic psycopg2-binary grpcio grpcio-health-checking protobuf \
        opentelemetry-api opentelemetry-sdk opentelemetry-exporter-otlp-proto-grpc \
        opentelemetry-instrumentation-fastapi opentelemetry-instrumentation-grpc \
        opentelemetry-instrumentation-sqlalchemy

FROM deps AS plant-simulator-deps
RUN /opt/venv/bin/pip install --no-cache-dir -c requirements.lock pika


# Runtime --------------------------------------------------------------------------------
# A fixed numeric uid, so Kubernetes' runAsNonRoot can verify it (k8s pods run as 10001).
# The code stays owned by root, so the process cannot alter what it runs.
FROM python AS runtime
RUN groupadd --system --gid 10001 dealernet \
    && useradd --system --uid 10001 --gid dealernet --no-create-home --home-dir /nonexistent \
       --shell /usr/sbin/nologin dealernet
ENV PATH=/opt/venv/bin:$PATH
WORKDIR /app

FROM runtime AS service
COPY --from=service-deps /opt/venv /opt/venv
COPY plumbing/ plumbing/
COPY proto/gen/ proto/gen/


# Services: the gRPC server by default; the worker, relay and migration name their
# command (docker-compose.yml, k8s/).
FROM service AS order
COPY services/order/ services/order/
ENV PYTHONPATH=/app:/app/proto/gen:/app/services/order
USER 10001:10001
EXPOSE 50051
CMD ["python", "-m", "order_service.grpc_api"]

FROM service AS inventory
COPY services/inventory/ services/inventory/
ENV PYTHONPATH=/app:/app/proto/gen:/app/services/inventory
USER 10001:10001
EXPOSE 50052
CMD ["python", "-m", "inventory_service.grpc_api"]

FROM service AS customer
COPY services/customer/ services/customer/
ENV PYTHONPATH=/app:/app/proto/gen:/app/services/customer
USER 10001:10001
EXPOSE 50053
CMD ["python", "-m", "customer_service.grpc_api"]

FROM service AS station
COPY services/service-station/ services/service-station/
ENV PYTHONPATH=/app:/app/proto/gen:/app/services/service-station
USER 10001:10001
EXPOSE 50054
CMD ["python", "-m", "station_service.grpc_api"]

FROM service AS monitor
COPY services/monitor/ services/monitor/
ENV PYTHONPATH=/app:/app/proto/gen:/app/services/monitor
USER 10001:10001
EXPOSE 50055
CMD ["python", "-m", "monitor_service.grpc_api"]


# The plant simulator speaks only the plant feed contract over RabbitMQ. Its replay mode
# reads VINs from --vins in this image; reading them from the order database needs the
# order service's models, which only the order image holds.
FROM runtime AS plant-simulator
COPY --from=plant-simulator-deps /opt/venv /opt/venv
COPY plumbing/__init__.py plumbing/settings.py plumbing/
COPY scripts/__init__.py scripts/plant_simulator.py scripts/
ENV PYTHONPATH=/app
USER 10001:10001
CMD ["python", "-m", "scripts.plant_simulator"]


# The gateway last, so that a plain `docker build .` builds it.
FROM runtime AS gateway
# Statements as PDF print Latin and Chinese text in these (DEALERNET_STATEMENT_FONTS).
RUN apt-get update \
    && apt-get install -y --no-install-recommends fonts-dejavu-core=2.37-6 fonts-droid-fallback=1:6.0.1r16-1.1 \
    && rm -rf /var/lib/apt/lists/*
COPY --from=gateway-deps /opt/venv /opt/venv
COPY plumbing/ plumbing/
COPY proto/gen/ proto/gen/
COPY gateway/ gateway/
ENV PYTHONPATH=/app:/app/proto/gen
USER 10001:10001
EXPOSE 8000
CMD ["uvicorn", "gateway.app:app", "--host", "0.0.0.0", "--port", "8000", "--no-access-log"]
