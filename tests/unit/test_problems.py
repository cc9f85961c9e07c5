"""How the gateway reports errors (RFC 9457 problem details) and pages through lists."""

from __future__ import annotations

import base64
import json

import grpc
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from pydantic import BaseModel, Field

from gateway import problems
from plumbing.errors import ValidationFailed
from plumbing.grpc_support import (
    FIELD_VIOLATIONS_KEY,
    MAX_PAGE_OFFSET,
    decode_page_token,
    encode_page_token,
    page_size,
)


def test_problem_response_carries_title_status_detail_and_errors_as_problem_json() -> None:
    errors = [{"field": "quantity", "message": "must be between 1 and 50"}]
    response = problems.problem_response(problems.Problem(422, "Invalid request", "quantity: too many", errors))

    assert response.status_code == 422
    assert response.media_type == problems.PROBLEM_JSON == "application/problem+json"
    assert response.headers["content-type"] == "application/problem+json"
    assert json.loads(response.body) == {
        "type": "about:blank",
        "title": "Invalid request",
        "status": 422,
        "detail": "quantity: too many",
        "errors": errors,
    }


def test_problem_without_detail_or_errors_leaves_them_out() -> None:
    response = problems.problem_response(problems.Problem(404, "Not found"))

    assert response.status_code == 404
    assert json.loads(response.body) == {"type": "about:blank", "title": "Not found", "status": 404}


def test_problem_response_passes_headers_on() -> None:
    response = problems.problem_response(problems.Problem(401, "Not authenticated"), {"WWW-Authenticate": "Bearer"})

    assert response.headers["www-authenticate"] == "Bearer"


class Filter(BaseModel):
    region: str


class LineIn(BaseModel):
    model_code: str
    quantity: int = Field(ge=1, le=50)
    filter: Filter | None = None


class SearchIn(BaseModel):
    query: str


class SavedSearchIn(BaseModel):
    name: str
    search: SearchIn


@pytest.fixture(scope="module")
def client() -> TestClient:
    app = FastAPI()
    problems.install(app)

    @app.post("/lines")
    def add_line(line: LineIn) -> dict[str, int]:
        return {"quantity": line.quantity}

    @app.post("/saved-searches")
    def save_search(saved: SavedSearchIn) -> dict[str, str]:
        return {"name": saved.name}

    @app.get("/me")
    def me() -> None:
        raise problems.Problem(401, "Not authenticated", "no bearer token")

    @app.get("/service/{code}")
    def service(code: str) -> None:
        raise rpc_error(grpc.StatusCode[code], "psycopg.OperationalError: connection refused")

    @app.post("/stored/{code}")
    def stored(code: str, saved: SavedSearchIn, region: str = "") -> dict[str, str]:
        return {"code": code, "name": saved.name, "region": region}

    @app.get("/broken")
    def broken() -> None:
        raise RuntimeError('relation "accounts" does not exist at line 12 of accounts.py')

    return TestClient(app, raise_server_exceptions=False)


def test_an_unexpected_failure_is_a_500_problem_without_its_cause(client: TestClient) -> None:
    reply = client.get("/broken")

    assert reply.status_code == 500
    assert reply.headers["content-type"] == "application/problem+json"
    assert reply.headers["retry-after"] == "2"
    assert "accounts" not in reply.text and "relation" not in reply.text


def test_valid_body_reaches_the_route(client: TestClient) -> None:
    response = client.post("/lines", json={"model_code": "AURA", "quantity": 2})

    assert response.status_code == 200
    assert response.json() == {"quantity": 2}


@pytest.mark.parametrize("quantity", [0, 51, "many"])
def test_invalid_field_is_a_422_problem_naming_the_field(client: TestClient, quantity: object) -> None:
    response = client.post("/lines", json={"model_code": "AURA", "quantity": quantity})

    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert body["title"] == "Invalid request"
    assert body["status"] == 422
    assert [error["field"] for error in body["errors"]] == ["quantity"]
    assert body["errors"][0]["message"]
    assert body["detail"].startswith("quantity: ")


def test_every_invalid_field_is_named(client: TestClient) -> None:
    response = client.post("/lines", json={"quantity": 0})

    assert response.status_code == 422
    assert sorted(error["field"] for error in response.json()["errors"]) == ["model_code", "quantity"]


def test_nested_invalid_field_is_named_by_its_path(client: TestClient) -> None:
    response = client.post("/lines", json={"model_code": "AURA", "quantity": 1, "filter": {}})

    assert response.status_code == 422
    assert [error["field"] for error in response.json()["errors"]] == ["filter.region"]


def test_nested_field_named_like_a_request_part_keeps_its_path(client: TestClient) -> None:
    response = client.post("/saved-searches", json={"name": "Sport cars", "search": {}})

    assert response.status_code == 422
    assert [error["field"] for error in response.json()["errors"]] == ["search.query"]


def test_missing_body_is_named_body(client: TestClient) -> None:
    response = client.post("/lines")

    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    assert [error["field"] for error in response.json()["errors"]] == ["body"]


def test_body_that_is_not_json_is_named_body(client: TestClient) -> None:
    response = client.post("/lines", content=b'{"model_code": ', headers={"content-type": "application/json"})

    assert response.status_code == 422
    assert [error["field"] for error in response.json()["errors"]] == ["body"]


def test_unknown_route_is_a_404_problem(client: TestClient) -> None:
    response = client.get("/no-such-page")

    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json() == {"type": "about:blank", "title": "Not Found", "status": 404}


def test_unauthenticated_problem_asks_for_a_bearer_token(client: TestClient) -> None:
    response = client.get("/me")

    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"
    assert response.json()["detail"] == "no bearer token"


def rpc_error(code: grpc.StatusCode, details: str, trailing: tuple[tuple[str, str], ...] = ()) -> grpc.aio.AioRpcError:
    return grpc.aio.AioRpcError(code, grpc.aio.Metadata(), grpc.aio.Metadata(*trailing), details)


def test_invalid_argument_from_a_service_is_a_422_with_its_field_violations() -> None:
    violations = [{"field": "trim_code", "message": "trim 'OFFROAD' is not offered on AURA"}]
    error = rpc_error(
        grpc.StatusCode.INVALID_ARGUMENT,
        "trim_code: trim 'OFFROAD' is not offered on AURA",
        ((FIELD_VIOLATIONS_KEY, json.dumps(violations)),),
    )

    problem = problems.from_grpc_error(error)

    assert (problem.status, problem.title) == (422, "Invalid request")
    assert problem.errors == violations
    assert problem.detail == "trim_code: trim 'OFFROAD' is not offered on AURA"


@pytest.mark.parametrize(
    ("code", "status"),
    [
        (grpc.StatusCode.NOT_FOUND, 404),
        (grpc.StatusCode.FAILED_PRECONDITION, 409),
        (grpc.StatusCode.UNAUTHENTICATED, 401),
        (grpc.StatusCode.PERMISSION_DENIED, 403),
    ],
)
def test_client_side_service_errors_keep_their_detail(code: grpc.StatusCode, status: int) -> None:
    problem = problems.from_grpc_error(rpc_error(code, "order ORD-2026-0000042 is already cancelled"))

    assert problem.status == status
    assert problem.detail == "order ORD-2026-0000042 is already cancelled"


@pytest.mark.parametrize(
    ("code", "status"),
    [
        (grpc.StatusCode.INTERNAL, 502),
        (grpc.StatusCode.UNKNOWN, 502),
        (grpc.StatusCode.UNAVAILABLE, 503),
        (grpc.StatusCode.DEADLINE_EXCEEDED, 503),
        (grpc.StatusCode.CANCELLED, 503),
    ],
)
def test_service_failures_hide_the_services_own_message(code: grpc.StatusCode, status: int) -> None:
    problem = problems.from_grpc_error(rpc_error(code, "psycopg.OperationalError: connection refused at 10.0.0.5"))

    assert problem.status == status
    assert "psycopg" not in problem.detail
    assert problem.detail == "the service behind this request failed; try again shortly"


@pytest.mark.parametrize("offset", [1, 50, 500, MAX_PAGE_OFFSET])
def test_page_token_gives_back_the_offset_it_was_made_from(offset: int) -> None:
    token = encode_page_token(offset)

    assert token
    assert decode_page_token(token) == offset


def test_a_token_past_the_deepest_page_is_refused() -> None:
    with pytest.raises(ValidationFailed) as refused:
        decode_page_token(encode_page_token(MAX_PAGE_OFFSET + 1))
    assert refused.value.violations[0].field == "page_token"


def test_first_page_has_no_token() -> None:
    assert encode_page_token(0) == ""
    assert decode_page_token("") == 0


def _token(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode()


@pytest.mark.parametrize(
    "token",
    [
        "garbage!",
        "abc",
        "é",
        _token(b"\xff\xfe"),
        _token(b"[50]"),
        _token(b'{"offset": 50}'),
        _token(b'{"o": "fifty"}'),
        _token(b'{"o": null}'),
        _token(b'{"o": -50}'),
        _token(b'{"o": NaN}'),
    ],
)
def test_token_this_service_did_not_issue_is_refused_naming_page_token(token: str) -> None:
    with pytest.raises(ValidationFailed) as exc:
        decode_page_token(token)

    assert [violation.field for violation in exc.value.violations] == ["page_token"]


@pytest.mark.parametrize("raw", [b'{"o": Infinity}', b'{"o": 1e400}'])
def test_token_with_an_infinite_offset_is_refused_naming_page_token(raw: bytes) -> None:
    with pytest.raises(ValidationFailed) as exc:
        decode_page_token(_token(raw))

    assert [violation.field for violation in exc.value.violations] == ["page_token"]


@pytest.mark.parametrize(("requested", "granted"), [(0, 50), (1, 1), (20, 20), (500, 500), (501, 500), (10_000, 500)])
def test_page_size_defaults_to_fifty_and_is_capped_at_five_hundred(requested: int, granted: int) -> None:
    assert page_size(requested) == granted


def test_page_size_default_and_cap_can_be_chosen_per_list() -> None:
    assert page_size(0, default=20, maximum=100) == 20
    assert page_size(250, default=20, maximum=100) == 100


def test_negative_page_size_is_refused_naming_page_size() -> None:
    with pytest.raises(ValidationFailed) as exc:
        page_size(-1)

    assert [violation.field for violation in exc.value.violations] == ["page_size"]


@pytest.mark.parametrize(("code", "status"), [("UNAVAILABLE", 503), ("DEADLINE_EXCEEDED", 503)])
def test_a_service_down_or_slow_is_a_problem_with_a_retry_hint(client: TestClient, code: str, status: int) -> None:
    response = client.get(f"/service/{code}")

    assert response.status_code == status
    assert response.headers["retry-after"] == str(problems.RETRY_AFTER_SECONDS)
    assert "psycopg" not in response.text


def test_a_refusal_carries_no_retry_hint(client: TestClient) -> None:
    response = client.get("/service/FAILED_PRECONDITION")

    assert response.status_code == 409 and "retry-after" not in response.headers


SAVED = {"name": "Sport cars", "search": {"query": "coupe"}}


@pytest.mark.parametrize(
    ("path", "params", "body", "field"),
    [
        ("/stored/D%00001", {}, SAVED, "code"),
        ("/stored/D001", {"region": "EA\x00ST"}, SAVED, "region"),
        ("/stored/D001", {}, {"name": "Sport\x00cars", "search": {"query": "coupe"}}, "name"),
        ("/stored/D001", {}, {"name": "Sport cars", "search": {"query": "\x00"}}, "search.query"),
        ("/lines", {}, {"model_code": "AUR\x00", "quantity": 1}, "model_code"),
    ],
)
def test_a_nul_character_is_refused_naming_its_field(
    client: TestClient, path: str, params: dict[str, str], body: dict[str, object], field: str
) -> None:
    # PostgreSQL cannot store the character: the services failed with 502 on it. Every route
    # of an app with the problems installed refuses it, without asking.
    response = client.post(path, params=params, json=body)

    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    assert [error["field"] for error in response.json()["errors"]] == [field]


def test_text_without_a_nul_character_passes_even_when_it_spells_one_escaped(client: TestClient) -> None:
    body = b'{"name": "a\\\\u0000", "search": {"query": "q"}}'
    response = client.post("/stored/D001", content=body, headers={"content-type": "application/json"})

    assert response.status_code == 200
    assert response.json() == {"code": "D001", "name": "a\\u0000", "region": ""}


def test_the_openapi_declares_every_error_as_a_problem(client: TestClient) -> None:
    document = client.get("/openapi.json").json()
    stored = document["paths"]["/stored/{code}"]["post"]["responses"]

    assert {"400", "404", "413", "422"} <= set(stored)
    for status in ("400", "404", "413", "422"):
        assert stored[status]["content"] == {
            problems.PROBLEM_JSON: {"schema": {"$ref": "#/components/schemas/Problem"}}
        }
    assert "HTTPValidationError" not in document["components"]["schemas"]
    assert "404" not in document["paths"]["/lines"]["post"]["responses"]
