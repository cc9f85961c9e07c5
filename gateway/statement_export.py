"""A dealer's statement of account as a file: CSV for a spreadsheet or a ledger, PDF to print.

Both take the statement as `gateway.backends.as_dict` gives it: proto field names, every
scalar present (0 and '' for unset ones), int64 amounts as ints (or as decimal strings when
too large for a JSON number), and the `ageing` and `confirmation` messages absent when unset.

Amounts are integer minor units of the statement's one currency; they are printed in major
units with the currency's exponent by integer arithmetic, never through a float.
"""

from __future__ import annotations

import csv
import io
import unicodedata
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from fpdf import FPDF
from fpdf.enums import XPos, YPos

from plumbing.money import format_amount

LINE_COLUMNS = ("date", "kind", "reference", "description", "debit", "credit", "balance", "dispute_id")
OPEN_ITEM_COLUMNS = ("invoice_number", "issued_on", "due_on", "total", "open", "days_overdue")
AGEING_BUCKETS = (
    ("current", "current_minor"),
    ("1-30", "days_1_30_minor"),
    ("31-60", "days_31_60_minor"),
    ("61-90", "days_61_90_minor"),
    ("90+", "over_90_minor"),
)
# A spreadsheet runs a cell starting with one of these as a formula.
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def filename(statement: Mapping[str, Any], extension: str) -> str:
    """statement-D001-2027-01-01-2027-03-31.csv, with only characters safe in a file name."""
    parts = [statement.get("dealer_code", ""), statement.get("period_from", ""), statement.get("period_to", "")]
    safe = "-".join("".join(ch for ch in str(part) if ch.isascii() and (ch.isalnum() or ch in "-_")) for part in parts)
    return f"statement-{safe}.{extension}"


# --- CSV ------------------------------------------------------------------------------------------


def statement_csv(statement: Mapping[str, Any]) -> bytes:
    """UTF-8 (with a byte order mark, so a spreadsheet reads non-Latin text right): a header
    block, one row per line with the running balance, the totals and closing balance, then
    the invoices open at the period's end. Debit and credit are blank when zero."""
    currency = str(statement.get("currency", ""))

    def money(value: Any) -> str:
        return format_amount(value or 0, currency)

    def optional(value: Any) -> str:
        return money(value) if int(value or 0) else ""

    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerows(
        [
            ("dealer", _cell(statement.get("dealer_code", ""))),
            ("region", _cell(statement.get("region", ""))),
            ("currency", _cell(currency)),
            ("period", statement.get("period_from", ""), statement.get("period_to", "")),
            ("opening_balance", money(statement.get("opening_balance_minor"))),
            (),
            LINE_COLUMNS,
        ]
    )
    for line in statement.get("lines", ()):
        writer.writerow(
            (
                line.get("on", ""),
                _cell(line.get("kind", "")),
                _cell(line.get("reference", "")),
                _cell(line.get("description", "")),
                optional(line.get("debit_minor")),
                optional(line.get("credit_minor")),
                money(line.get("balance_minor")),
                line.get("dispute_id") or "",
            )
        )
    writer.writerows(
        [
            (),
            ("total_debit", money(statement.get("total_debit_minor"))),
            ("total_credit", money(statement.get("total_credit_minor"))),
            ("closing_balance", money(statement.get("closing_balance_minor"))),
            (),
            ("open_items",),
            OPEN_ITEM_COLUMNS,
        ]
    )
    for item in statement.get("open_items", ()):
        writer.writerow(
            (
                _cell(item.get("invoice_number", "")),
                item.get("issued_on", ""),
                item.get("due_on", ""),
                money(item.get("total_minor")),
                money(item.get("open_minor")),
                item.get("days_overdue", 0),
            )
        )
    return out.getvalue().encode("utf-8-sig")


def _cell(value: Any) -> str:
    """Text as it is, except that a spreadsheet must not take it for a formula."""
    text = str(value)
    return f"'{text}" if text.startswith(_FORMULA_STARTS) else text


# --- PDF ------------------------------------------------------------------------------------------

_FONT = "Helvetica"
_LINE_WIDTHS = (19, 19, 32, 54, 22, 22, 22)  # of the 190 mm between A4's 10 mm margins
_OPEN_ITEM_WIDTHS = (40, 25, 25, 35, 35, 30)


def ascii_safe(value: Any) -> str:
    """Text the PDF's core font can print: accents dropped (é -> e), anything else non-ASCII
    (Chinese, say) as '?', control characters as spaces."""
    decomposed = unicodedata.normalize("NFKD", str(value))
    kept = []
    for ch in decomposed:
        if unicodedata.combining(ch):
            continue
        if ch.isascii():
            kept.append(ch if ch.isprintable() else " ")
        else:
            kept.append("?")
    return "".join(kept)


def printable_text(value: Any) -> str:
    """Text as a Unicode font prints it: control characters as spaces."""
    return "".join(ch if ch.isprintable() else " " for ch in str(value))


class _StatementPDF(FPDF):
    """A4, in the configured Unicode fonts (DEALERNET_STATEMENT_FONTS: one for Latin text,
    then fallbacks for Chinese) when they are there, else in the core Helvetica, which
    prints only ASCII."""

    def __init__(self, running_title: str, font_paths: Sequence[str]) -> None:
        super().__init__(orientation="portrait", unit="mm", format="A4")
        self.family_name = _FONT
        self.printable: Callable[[Any], str] = ascii_safe
        found = [Path(path) for path in font_paths if Path(path).is_file()]
        if font_paths and found and found[0] == Path(font_paths[0]):
            main, *fallbacks = found
            bold = main.with_name(f"{main.stem}-Bold{main.suffix}")
            self.add_font("statement", "", str(main))
            self.add_font("statement", "B", str(bold if bold.is_file() else main))
            # A fallback font is read once (a CJK font is megabytes) and serves bold text too:
            # it has no bold of its own to offer.
            for number, path in enumerate(fallbacks):
                self.add_font(f"fallback{number}", "", str(path))
            self.set_fallback_fonts([f"fallback{number}" for number in range(len(fallbacks))], exact_match=False)
            self.family_name = "statement"
            self.printable = printable_text
        self.running_title = self.printable(running_title)

    def header(self) -> None:
        if self.page_no() > 1:
            self.set_font(self.family_name, size=8)
            self.cell(0, 5, self.running_title, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
            self.ln(2)

    def footer(self) -> None:
        self.set_y(-12)
        self.set_font(self.family_name, size=8)
        self.cell(0, 6, f"Page {self.page_no()} of {{nb}}", align="C")


def statement_pdf(statement: Mapping[str, Any], font_paths: Sequence[str] = ()) -> bytes:
    """A4: the title, dealer, period and opening balance; every line with its running
    balance; the totals and closing balance; the open items with their days overdue and
    the ageing; page numbers on every page. Text is printed as written in the Unicode fonts
    at `font_paths` (Latin first, then fallbacks); without them, ASCII-safe."""
    raw_period = f"{statement.get('period_from', '')} to {statement.get('period_to', '')}"
    pdf = _StatementPDF(f"Statement of account - dealer {statement.get('dealer_code', '')} - {raw_period}", font_paths)
    text = pdf.printable
    currency = text(statement.get("currency", ""))
    dealer = text(statement.get("dealer_code", ""))
    region = text(statement.get("region", ""))
    period = text(raw_period)

    def money(value: Any) -> str:
        return format_amount(value or 0, currency, grouped=True)

    def optional(value: Any) -> str:
        return money(value) if int(value or 0) else ""

    pdf.set_title("Statement of account")
    pdf.set_subject(f"Dealer {dealer}, {period}")
    pdf.set_creator("dealernet")
    pdf.set_auto_page_break(auto=True, margin=15)
    pdf.set_margins(10, 10, 10)
    pdf.add_page()

    pdf.set_font(pdf.family_name, style="B", size=16)
    pdf.cell(0, 10, "Statement of account", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_font(pdf.family_name, size=10)
    _pairs(
        pdf,
        [
            ("Dealer", f"{dealer} ({region})" if region else dealer),
            ("Period", period),
            ("Currency", currency),
            ("Opening balance", f"{money(statement.get('opening_balance_minor'))} {currency}"),
        ],
    )
    pdf.ln(3)

    pdf.set_font(pdf.family_name, size=8)
    lines = list(statement.get("lines", ()))
    rows = [
        (
            text(line.get("on", "")),
            text(line.get("kind", "")).replace("_", " "),
            text(line.get("reference", "")),
            text(line.get("description", ""))
            + (f" [disputed #{line['dispute_id']}]" if line.get("dispute_id") else ""),
            optional(line.get("debit_minor")),
            optional(line.get("credit_minor")),
            money(line.get("balance_minor")),
        )
        for line in lines
    ]
    if rows:
        _table(
            pdf,
            ("Date", "Kind", "Reference", "Description", "Debit", "Credit", "Balance"),
            rows,
            _LINE_WIDTHS,
            numeric_from=4,
        )
    else:
        pdf.cell(0, 6, "No entries in this period.", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(3)

    pdf.set_font(pdf.family_name, size=10)
    _pairs(
        pdf,
        [
            ("Total debit", f"{money(statement.get('total_debit_minor'))} {currency}"),
            ("Total credit", f"{money(statement.get('total_credit_minor'))} {currency}"),
        ],
    )
    pdf.set_font(pdf.family_name, style="B", size=10)
    _pairs(pdf, [("Closing balance", f"{money(statement.get('closing_balance_minor'))} {currency}")])
    pdf.set_font(pdf.family_name, size=10)
    confirmation = statement.get("confirmation")
    if confirmation:
        confirmed = f"by {text(confirmation.get('confirmed_by', ''))} at {confirmation.get('confirmed_at', '')}"
        _pairs(pdf, [("Confirmed", text(confirmed))])
    pdf.ln(4)

    pdf.set_font(pdf.family_name, style="B", size=12)
    pdf.cell(0, 8, "Open items", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_font(pdf.family_name, size=8)
    items = [
        (
            text(item.get("invoice_number", "")),
            text(item.get("issued_on", "")),
            text(item.get("due_on", "")),
            money(item.get("total_minor")),
            money(item.get("open_minor")),
            str(int(item.get("days_overdue") or 0)),
        )
        for item in statement.get("open_items", ())
    ]
    if items:
        _table(
            pdf,
            ("Invoice", "Issued", "Due", "Total", "Open", "Days overdue"),
            items,
            _OPEN_ITEM_WIDTHS,
            numeric_from=3,
        )
    else:
        pdf.cell(0, 6, "No invoice open at the end of the period.", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    ageing = statement.get("ageing")
    if ageing:
        pdf.ln(3)
        pdf.set_font(pdf.family_name, size=10)
        buckets = ", ".join(f"{name}: {money(ageing.get(key))}" for name, key in AGEING_BUCKETS)
        _pairs(pdf, [("Ageing", f"{buckets} ({currency})")])
    return bytes(pdf.output())


def _pairs(pdf: FPDF, pairs: Iterable[tuple[str, str]]) -> None:
    for label, value in pairs:
        pdf.cell(40, 6, label)
        pdf.multi_cell(0, 6, value, new_x=XPos.LMARGIN, new_y=YPos.NEXT)


def _table(
    pdf: FPDF,
    headings: Sequence[str],
    rows: Iterable[Sequence[str]],
    widths: Sequence[float],
    *,
    numeric_from: int,
) -> None:
    """Rows that wrap rather than cut their text, the headings again on every page; the
    columns from `numeric_from` on right-aligned."""
    aligns = tuple("RIGHT" if index >= numeric_from else "LEFT" for index in range(len(headings)))
    with pdf.table(
        col_widths=tuple(widths),
        width=sum(widths),
        text_align=aligns,
        line_height=4.5,
        padding=1,
        repeat_headings=1,
    ) as table:
        for cells in (headings, *rows):
            row = table.row()
            for text in cells:
                row.cell(text)
