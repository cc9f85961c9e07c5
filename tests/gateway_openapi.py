"""The gateway's OpenAPI as the tests read it: its operations, their keys in the tests'
tables, and schemas behind their references."""

from __future__ import annotations

from typing import Any

from gateway import API_PREFIX


def spec() -> dict[str, Any]:
    from gateway.app import app

    return app.openapi()


def operations() -> list[tuple[str, str, dict[str, Any]]]:
    """(METHOD, path, operation) for every operation, the versioned ones and the rest."""
    return [
        (method.upper(), path, operation)
        for path, path_operations in spec()["paths"].items()
        for method, operation in path_operations.items()
    ]


def api_operations() -> list[tuple[str, str]]:
    """(METHOD, path) for every operation under the API's version prefix."""
    return [(method, path) for method, path, _ in operations() if path.startswith(API_PREFIX)]


def route_key(method: str, path: str) -> str:
    """How the tests' tables name a route: "POST /orders/{order_number}/approve"."""
    return f"{method} {path.removeprefix(API_PREFIX)}"


def resolve(openapi: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        schema = openapi["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
    return schema
