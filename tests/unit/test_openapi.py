"""The OpenAPI is complete where clients look: every operation says what it does, and every
field a client sends has an example."""

from __future__ import annotations

from typing import Any

import pytest

from gateway import API_PREFIX
from tests import gateway_openapi


@pytest.mark.parametrize(
    ("method", "path", "operation"), gateway_openapi.operations(), ids=lambda v: v if isinstance(v, str) else ""
)
def test_every_operation_is_described_and_every_body_field_has_an_example(
    method: str, path: str, operation: dict[str, Any]
) -> None:
    spec = gateway_openapi.spec()
    assert operation.get("summary") and (operation.get("description") or path == "/healthz")
    for media_type, content in operation.get("requestBody", {}).get("content", {}).items():
        if media_type != "application/json":
            assert "example" in content or "examples" in content or "example" in content["schema"], media_type
            continue
        schema = gateway_openapi.resolve(spec, content["schema"])
        undocumented = [name for name, field in schema.get("properties", {}).items() if "examples" not in field]
        assert undocumented == [], f"{method} {path}: fields without an example"


def test_every_api_path_is_versioned() -> None:
    unversioned = [
        path for path in gateway_openapi.spec()["paths"] if not path.startswith(API_PREFIX) and path != "/healthz"
    ]

    assert unversioned == []
