"""A statement of account as CSV and PDF: read back, the files say what the statement says,
to the minor unit, whatever the text in it."""

from __future__ import annotations

import csv
import io
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from pypdf import PdfReader

from dealernet.v1 import dealer_account_pb2
from gateway.backends import as_dict
from gateway.statement_export import ascii_safe, filename, statement_csv, statement_pdf
from plumbing import settings
from plumbing.money import format_amount


def a_statement(lines: int = 5, currency: str = "CNY", description: str = "Aurora EX, white") -> dict[str, Any]:
    """As the gateway receives it: the proto through as_dict."""
    opening = 1_000_000_01
    balance = opening
    statement_lines = []
    for index in range(lines):
        debit = 12_345_678 if index % 3 == 0 else 0
        credit = 0 if debit else 4_000_001
        balance += debit - credit
        statement_lines.append(
            dealer_account_pb2.StatementLine(
                on=f"2027-01-{index % 28 + 1:02d}",
                kind="invoice" if debit else "payment",
                reference=f"INV-2027-{index:07d}" if debit else f"BOC-2027-{index:06d}",
                description=description,
                debit_minor=debit,
                credit_minor=credit,
                balance_minor=balance,
                dispute_id=7 if index == 1 else 0,
            )
        )
    return as_dict(
        dealer_account_pb2.Statement(
            dealer_code="D001",
            region="EAST",
            currency=currency,
            period_from="2027-01-01",
            period_to="2027-03-31",
            opening_balance_minor=opening,
            lines=statement_lines,
            total_debit_minor=sum(line.debit_minor for line in statement_lines),
            total_credit_minor=sum(line.credit_minor for line in statement_lines),
            closing_balance_minor=balance,
            open_items=[
                dealer_account_pb2.OpenItem(
                    invoice_number="INV-2026-0000999",
                    issued_on="2026-11-30",
                    due_on="2026-12-30",
                    total_minor=9_876_543,
                    open_minor=1_234_567,
                    days_overdue=92,
                )
            ],
            ageing=dealer_account_pb2.Ageing(over_90_minor=1_234_567, total_minor=1_234_567),
        )
    )


def to_minor(text: str, places: int = 2) -> int:
    """'1234.56' -> 123456, exactly: the test's own reading, by Decimal rather than the module's."""
    scaled = Decimal(text or "0").scaleb(places)
    assert scaled == scaled.to_integral_value(), f"{text} has more than {places} decimals"
    return int(scaled)


def read_csv(content: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))


def pdf_text(content: bytes) -> tuple[PdfReader, str]:
    reader = PdfReader(io.BytesIO(content))
    return reader, "\n".join(page.extract_text() for page in reader.pages)


# --- Amounts --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("minor", "currency", "printed"),
    [
        (12345, "CNY", "123.45"),
        (5, "EUR", "0.05"),
        (-5, "USD", "-0.05"),
        (0, "CNY", "0.00"),
        (12345, "JPY", "12345"),
        (-12345, "JPY", "-12345"),
        (2**63 - 1, "CNY", "92233720368547758.07"),
        ("9223372036854775807", "EUR", "92233720368547758.07"),
    ],
)
def test_amounts_are_printed_in_major_units_with_the_currency_s_exponent(
    minor: int | str, currency: str, printed: str
) -> None:
    assert format_amount(minor, currency) == printed


def test_grouped_amounts_keep_every_digit() -> None:
    assert format_amount(123456789012, "CNY", grouped=True) == "1,234,567,890.12"
    assert format_amount(-1234567, "JPY", grouped=True) == "-1,234,567"


def test_the_file_name_is_the_dealer_and_the_period() -> None:
    assert filename(a_statement(), "csv") == "statement-D001-2027-01-01-2027-03-31.csv"
    assert filename({"dealer_code": 'D0"01/../x', "period_from": "2027-01-01"}, "pdf") == (
        "statement-D001x-2027-01-01-.pdf"
    )


# --- CSV ------------------------------------------------------------------------------------------


def test_the_csv_read_back_balances_to_the_minor_unit() -> None:
    statement = a_statement(lines=40)

    rows = read_csv(statement_csv(statement))

    header = {row[0]: row[1:] for row in rows[:5]}
    assert header["dealer"] == ["D001"]
    assert header["currency"] == ["CNY"]
    assert header["period"] == ["2027-01-01", "2027-03-31"]
    opening = to_minor(header["opening_balance"][0])
    assert opening == statement["opening_balance_minor"]
    start = rows.index(["date", "kind", "reference", "description", "debit", "credit", "balance", "dispute_id"])
    lines = rows[start + 1 : start + 1 + len(statement["lines"])]
    balance = opening
    for row, line in zip(lines, statement["lines"], strict=True):
        balance += to_minor(row[4]) - to_minor(row[5])
        assert to_minor(row[6]) == balance == line["balance_minor"]
        assert row[2] == line["reference"]
    assert rows[start + 1 + len(lines)] == []
    totals = {row[0]: row[1] for row in rows[start + 2 + len(lines) :] if len(row) == 2}
    assert to_minor(totals["total_debit"]) == sum(to_minor(row[4]) for row in lines)
    assert to_minor(totals["total_credit"]) == sum(to_minor(row[5]) for row in lines)
    assert to_minor(totals["closing_balance"]) == balance == statement["closing_balance_minor"]
    assert lines[1][7] == "7" and lines[0][7] == ""


def test_the_csv_ends_with_the_open_items() -> None:
    rows = read_csv(statement_csv(a_statement()))

    start = rows.index(["open_items"])
    assert rows[start + 1] == ["invoice_number", "issued_on", "due_on", "total", "open", "days_overdue"]
    assert rows[start + 2] == ["INV-2026-0000999", "2026-11-30", "2026-12-30", "98765.43", "12345.67", "92"]


def test_a_yen_statement_has_no_decimals() -> None:
    rows = read_csv(statement_csv(a_statement(currency="JPY")))

    assert rows[4] == ["opening_balance", "100000001"]


def test_the_csv_keeps_non_latin_text_and_no_cell_is_a_formula() -> None:
    statement = a_statement(lines=2, description="奥罗拉 EX 白色")
    statement["lines"][1]["reference"] = "=HYPERLINK(1)"

    rows = read_csv(statement_csv(statement))

    start = rows.index(["date", "kind", "reference", "description", "debit", "credit", "balance", "dispute_id"])
    assert rows[start + 1][3] == "奥罗拉 EX 白色"
    assert rows[start + 2][2] == "'=HYPERLINK(1)"


def test_an_empty_statement_still_has_its_header_and_closing_balance() -> None:
    statement = as_dict(
        dealer_account_pb2.Statement(
            dealer_code="D002", currency="EUR", period_from="2027-01-01", period_to="2027-01-31"
        )
    )

    rows = read_csv(statement_csv(statement))

    assert ["closing_balance", "0.00"] in rows
    assert statement_pdf(statement).startswith(b"%PDF")


# --- PDF ------------------------------------------------------------------------------------------


def test_a_200_line_pdf_holds_every_reference_the_closing_balance_and_page_numbers() -> None:
    statement = a_statement(lines=200)

    reader, text = pdf_text(statement_pdf(statement))

    assert "Statement of account" in text
    assert "D001" in text and "2027-01-01 to 2027-03-31" in text
    closing = format_amount(statement["closing_balance_minor"], "CNY", grouped=True)
    assert f"Closing balance {closing} CNY" in text
    for line in statement["lines"]:
        assert line["reference"] in text
    assert "INV-2026-0000999" in text and "92" in text
    pages = len(reader.pages)
    assert pages > 1
    for number, page in enumerate(reader.pages, start=1):
        assert f"Page {number} of {pages}" in page.extract_text()
    width, height = reader.pages[0].mediabox.width, reader.pages[0].mediabox.height
    assert (round(float(width)), round(float(height))) == (595, 842)  # A4 in points


def test_non_latin_text_is_replaced_not_a_crash() -> None:
    statement = a_statement(lines=3, description="奥罗拉 EX 白色 — Müller ✓")
    statement["dealer_code"] = "D001é"

    _, text = pdf_text(statement_pdf(statement))

    assert "??? EX ?? ? Muller ?" in text
    assert "D001e" in text


def test_ascii_safe() -> None:
    assert ascii_safe("Crème brûlée") == "Creme brulee"
    assert ascii_safe("白色\tline\nbreak") == "?? line break"


def test_with_a_chinese_font_the_statement_prints_chinese_as_written() -> None:
    fonts = settings.load().statement_fonts
    for font in fonts:
        assert Path(font).is_file(), (
            f"{font} is missing: install Debian's fonts-dejavu-core and fonts-droid-fallback (make test does)"
        )
    statement = a_statement(lines=3, description="奥罗拉 EX 白色 保修索赔 — Müller")
    statement["region"] = "华东"

    _, text = pdf_text(statement_pdf(statement, fonts))

    assert "奥罗拉 EX 白色 保修索赔 — Müller" in text
    assert "D001 (华东)" in text and "Statement of account" in text
