"""Start the project's real processes for tests, and wait for what they promise."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from concurrent import futures
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

import pika

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
T = TypeVar("T")


def wait_for(what: str, probe: Callable[[], T | None], timeout: float = 30.0, interval: float = 0.1) -> T:
    deadline = time.monotonic() + timeout
    last_error: Exception | None = None
    while time.monotonic() < deadline:
        try:
            result = probe()
            if result:
                return result
        except Exception as exc:  # noqa: BLE001 - the probe may fail until the thing is ready
            last_error = exc
        time.sleep(interval)
    raise TimeoutError(f"{what} not reached within {timeout}s (last error: {last_error})")


@contextmanager
def running(
    command: list[str], env: dict[str, str] | None = None, log_name: str = "process"
) -> Iterator[subprocess.Popen[bytes]]:
    """Run a command from the repository root; stop it (SIGTERM, then SIGKILL) afterwards."""
    log_dir = ROOT / "var" / "test-logs"
    log_dir.mkdir(parents=True, exist_ok=True)
    log_file = open(log_dir / f"{log_name}.log", "wb")
    process = subprocess.Popen(
        command,
        cwd=ROOT,
        env={**os.environ, "PATH": f"{BIN}:{os.environ.get('PATH', '')}", **(env or {})},
        stdout=log_file,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        yield process
    finally:
        stop(process)
        log_file.close()


def stop(process: subprocess.Popen[bytes], grace: float = 10.0) -> None:
    if process.poll() is not None:
        return
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(grace)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()


def nameko_service(module: str) -> list[str]:
    return [str(BIN / "nameko"), "run", "--config", "plumbing/nameko.yaml", module]


def queue_consumed(amqp_uri: str, queue: str) -> bool:
    """The queue exists and a consumer reads it. A consumer attaches after the queue is bound,
    so a message published from then on reaches it; a queue merely declared may not be bound
    yet, and a message published then is routed nowhere."""
    connection = pika.BlockingConnection(pika.URLParameters(amqp_uri))
    try:
        return bool(connection.channel().queue_declare(queue, passive=True).method.consumer_count)
    except pika.exceptions.ChannelClosedByBroker:
        return False
    finally:
        if connection.is_open:
            connection.close()


def serve_in_process(add_servicer: Callable[[Any, Any], None], servicer: Any) -> tuple[Any, int]:
    """A service's gRPC servicer served in this process on a free port, with the domain
    error mapping the service's own server has; answers the server and its port."""
    import grpc

    from plumbing.grpc_support import DomainErrorInterceptor

    server = grpc.server(futures.ThreadPoolExecutor(max_workers=8), interceptors=[DomainErrorInterceptor()])
    add_servicer(servicer, server)
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    return server, port


def procfile_processes(procfile: str = "Procfile") -> list[str]:
    """The process names of the Procfile, in its order."""
    names = []
    for line in (ROOT / procfile).read_text().splitlines():
        name, separator, _ = line.partition(":")
        if separator and name.strip() and not name.lstrip().startswith("#"):
            names.append(name.strip())
    return names


def free_port() -> int:
    """A port nobody listens on now; another run on this machine picks its own."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def forget_plant_queues(amqp_uri: str) -> None:
    """Test databases start empty, so order numbers and VINs repeat from one run to the next:
    the plant's queues must not replay the previous run's cars onto this run's."""
    connection = pika.BlockingConnection(pika.URLParameters(amqp_uri))
    for queue in ("plant.schedule", "order.plant-feed"):
        connection.channel().queue_delete(queue)
    connection.close()
