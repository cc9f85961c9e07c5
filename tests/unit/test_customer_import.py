"""Reading a dealer's customer list: what is refused as a whole, what per row, and on which line."""

from __future__ import annotations

import pytest

from customer_service import imports
from customer_service.domain import RegistrationForm
from customer_service.imports import MAX_BYTES, MAX_ROWS, RejectedRow, read_csv
from plumbing.errors import ValidationFailed

HEADER = "full_name,phone,email,city,kind,national_id,address_line,postal_code,consents\n"


def refusal(content: bytes) -> str:
    with pytest.raises(ValidationFailed) as exc:
        read_csv(content)
    [violation] = exc.value.violations
    assert violation.field == "content"
    return violation.message


def test_every_known_column_reaches_the_form() -> None:
    content = (
        HEADER + 'Li Wei,+86 138 0013 8000,li.wei@example.com,Wuhan,person,ID-42,"1 Road, Wuchang",430000,email;SMS\n'
    ).encode()

    [row] = read_csv(content)

    assert row.line == 2
    assert row.rejected == ()
    assert row.form == RegistrationForm(
        full_name="Li Wei",
        phone="+86 138 0013 8000",
        email="li.wei@example.com",
        city="Wuhan",
        kind="person",
        national_id="ID-42",
        address_line="1 Road, Wuchang",
        postal_code="430000",
        consents=("email", "sms"),
    )


def test_header_names_are_read_loosely_and_missing_columns_are_blank() -> None:
    [row] = read_csv(b"Full Name , EMAIL\nAcme Fleet GmbH,fleet@acme.example\n")

    assert row.form == RegistrationForm(full_name="Acme Fleet GmbH", email="fleet@acme.example")


def test_a_byte_order_mark_is_not_part_of_the_first_column() -> None:
    [row] = read_csv("\ufefffull_name,phone\nZhang San,+8613900000001\n".encode())

    assert row.form is not None
    assert row.form.full_name == "Zhang San"


def test_crlf_line_endings() -> None:
    rows = read_csv(b"full_name,phone\r\nZhang San,+8613900000001\r\nLi Si,+8613900000002\r\n")

    assert [(row.line, row.form.full_name if row.form else None) for row in rows] == [
        (2, "Zhang San"),
        (3, "Li Si"),
    ]


def test_a_quoted_field_over_several_lines_keeps_the_line_numbers_of_the_file() -> None:
    content = (
        b"full_name,phone,address_line\n"
        b'Zhang San,+8613900000001,"Building 4\nRoom 12"\n'
        b"Li Si,not a phone,\n"
        b'Wang Wu,+8613900000003,"a\n\nb"\n'
        b"Zhao Liu,,\n"
    )

    rows = read_csv(content)

    assert [row.line for row in rows] == [2, 4, 5, 8]
    assert rows[0].form is not None and rows[0].form.address_line == "Building 4\nRoom 12"
    assert [(r.line, r.field) for r in rows[1].rejected] == [(4, "phone")]
    assert {(r.line, r.field) for r in rows[3].rejected} == {(8, "phone"), (8, "email")}


def test_every_bad_field_of_a_row_is_reported_with_its_line() -> None:
    content = (HEADER + "X,030 1234567,li.wei@,Wuhan,robot,,,,fax\n").encode()

    [row] = read_csv(content)

    assert row.form is None
    assert sorted(r.field for r in row.rejected) == ["consents", "email", "full_name", "kind", "phone"]
    assert all(r.line == 2 for r in row.rejected)
    assert any("country code" in r.reason for r in row.rejected if r.field == "phone")


def test_a_row_with_the_wrong_number_of_values_is_rejected_not_guessed() -> None:
    rows = read_csv(b"full_name,phone\nZhang San,+8613900000001,extra\nLi Si\n")

    assert [row.rejected for row in rows] == [
        (RejectedRow(2, "row", "has 3 values but the header names 2 columns"),),
        (RejectedRow(3, "row", "has 1 values but the header names 2 columns"),),
    ]


def test_blank_lines_are_not_rows() -> None:
    rows = read_csv(b"\nfull_name,phone\n\n,\nZhang San,+8613900000001\n  ,  \n")

    assert [row.line for row in rows] == [5]


def test_a_nul_character_is_rejected_in_its_row() -> None:
    [row] = read_csv(b"full_name,phone\nZhang\x00San,+8613900000001\n")

    assert row.rejected == (RejectedRow(2, "full_name", "contains a NUL character"),)


def test_unknown_columns_refuse_the_whole_file_naming_them() -> None:
    message = refusal(b"full_name,phone,birthday,vip\nZhang San,+8613900000001,1990-01-01,yes\n")

    assert "'birthday', 'vip'" in message
    assert "full_name, phone, email" in message


def test_a_semicolon_separated_file_is_told_to_use_commas() -> None:
    assert "separated by commas" in refusal(b"full_name;phone\nZhang San;+8613900000001\n")


@pytest.mark.parametrize(
    ("content", "said"),
    [
        (b"", "empty"),
        (b"\xef\xbb\xbf\r\n\r\n", "empty"),
        (b"full_name,phone\n", "no customer rows"),
        (b"full_name,phone\n,\n\n", "no customer rows"),
        (b"phone,email\n+8613900000001,\n", "no full_name column"),
        (b"full_name,city\nZhang San,Wuhan\n", "phone, email, national_id"),
        (b"full_name,phone,phone\nZhang San,+8613900000001,+8613900000002\n", "more than once"),
        (b"full_name,,phone\nZhang San,,+8613900000001\n", "column 2 without a name"),
        (b"full_name,phone\nZhang San,+8613900000001\nLi \xe9,+8613900000002\n", "line 3: not UTF-8"),
        (b'full_name,phone\nZhang San,"+8613900000001\nLi Si,+8613900000002\n', "not valid CSV"),
        (b'full_name,phone\n"Zhang" San,+8613900000001\n', "line 2: not valid CSV"),
    ],
)
def test_files_refused_as_a_whole(content: bytes, said: str) -> None:
    assert said in refusal(content)


def test_size_limit() -> None:
    assert "at most 20 MB" in refusal(b"full_name,phone\n" + b"x" * MAX_BYTES)


def test_row_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(imports, "MAX_ROWS", 3)
    line = b"Zhang San,+8613900000001\n"

    assert "more than 3 customer rows" in refusal(b"full_name,phone\n" + line * 4)
    assert len(read_csv(b"full_name,phone\n" + line * 3 + b",\n")) == 3


def test_the_limits_are_the_announced_ones() -> None:
    assert (MAX_BYTES, MAX_ROWS) == (20 * 1024 * 1024, 200_000)
