"""The AMQP baseline server: bare pika request/reply, nothing else.

    python -m bench.amqp_baseline AMQP_URI QUEUE [--guarantees]

Consumes QUEUE and publishes each body unchanged to the request's `reply_to` (through the
default exchange) with its `correlation_id`. Bare: transient messages, no publisher
confirms, automatic acks. With `--guarantees` it answers the way a Nameko service does: a
durable queue, a persistent reply published with confirms, the request acked only after
the reply is confirmed, and at most 20 unacked requests (Nameko's max_workers).
"""

from __future__ import annotations

import argparse
import signal
from typing import Any

import pika

NAMEKO_PREFETCH = 20


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("amqp_uri")
    parser.add_argument("queue")
    parser.add_argument("--guarantees", action="store_true")
    args = parser.parse_args()

    connection = pika.BlockingConnection(pika.URLParameters(args.amqp_uri))
    channel = connection.channel()
    channel.queue_declare(args.queue, durable=args.guarantees, auto_delete=True)
    if args.guarantees:
        channel.confirm_delivery()
        channel.basic_qos(prefetch_count=NAMEKO_PREFETCH)
    delivery_mode = pika.DeliveryMode.Persistent if args.guarantees else pika.DeliveryMode.Transient

    def answer(ch: Any, method: Any, properties: pika.BasicProperties, body: bytes) -> None:
        ch.basic_publish(
            exchange="",
            routing_key=properties.reply_to,
            properties=pika.BasicProperties(correlation_id=properties.correlation_id, delivery_mode=delivery_mode),
            body=body,
        )
        if args.guarantees:
            ch.basic_ack(method.delivery_tag)

    def stop(*_: object) -> None:
        raise SystemExit(0)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    channel.basic_consume(args.queue, answer, auto_ack=not args.guarantees)
    try:
        channel.start_consuming()
    finally:
        if connection.is_open:
            connection.close()


if __name__ == "__main__":
    main()
