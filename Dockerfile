# syntax=docker/dockerfile:1
#
# One image for every dealernet process: the gateway, and each service's gRPC server,
# Nameko worker, outbox relay and migrations. Each container picks its process by its
# command (see docker-compose.yml and k8s/).
#
# Why one image rather than one per service folder:
# - All processes share one requirements.lock, the plumbing package and the generated
#   gRPC stubs; the installed dependencies are nearly the whole image. Per-service images
#   would build and store that same layer five times, differing by a few hundred KB of code.
# - A service's gRPC server, worker, relay and migration Job must run the same revision
#   against the same schema; one tag makes that hold by construction, and one tag is what
#   gets scanned, promoted and rolled back.
# - Isolation between services comes from separate processes, Deployments and databases,
#   not from what else sits on the image's disk.
# The cost: a change to one service produces a new tag for all. A rollout still touches
# only the Deployments whose image is moved to that tag.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_ROOT_USER_ACTION=ignore \
    PYTHONPATH=/app:/app/proto/gen:/app/services/order:/app/services/inventory:/app/services/customer:/app/services/service-station:/app/services/monitor

WORKDIR /app

# Dependencies before code, so a code change reuses the installed layer.
COPY requirements.lock ./
RUN pip install --no-cache-dir -r requirements.lock

# A fixed numeric uid, so Kubernetes' runAsNonRoot can verify it (k8s pods run as 10001).
RUN groupadd --system --gid 10001 dealernet \
    && useradd --system --uid 10001 --gid dealernet --no-create-home --home-dir /nonexistent \
       --shell /usr/sbin/nologin dealernet

# .dockerignore is an allow-list: only the code the processes run reaches the image. The
# files stay owned by root, so the app user cannot alter its own code.
COPY . .

USER 10001:10001
EXPOSE 8000 50051 50052 50053 50054 50055
CMD ["uvicorn", "gateway.app:app", "--host", "0.0.0.0", "--port", "8000", "--no-access-log"]
