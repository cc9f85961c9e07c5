"""CSV files people export from a spreadsheet: UTF-8 (a byte order mark is fine), a header
row, then data rows, each with the line a spreadsheet shows it on (the header is line 1)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass


class CsvFileProblem(ValueError):
    """The file as a whole cannot be read; the message tells the person who exported it why."""


@dataclass(frozen=True)
class CsvFile:
    header: list[str]
    # (line, values); lines with no value at all are left out.
    rows: list[tuple[int, list[str]]]


def _records(text: str) -> Iterator[tuple[int, list[str]]]:
    """Each CSV record with the line it starts on (a quoted field may span lines)."""
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    start = 1
    try:
        for record in reader:
            yield start, record
            start = reader.line_num + 1
    except csv.Error as exc:
        raise CsvFileProblem(f"line {reader.line_num}: not valid CSV: {exc}") from None


def read_csv_file(content: bytes, *, max_rows: int, rows_are: str) -> CsvFile:
    """The header and data rows; `rows_are` names them in messages ("payments")."""
    if not content.strip():
        raise CsvFileProblem("the file is empty")
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = content[: exc.start].count(b"\n") + 1
        raise CsvFileProblem(f"line {line}: not UTF-8 text; save the file as CSV UTF-8") from None
    header: list[str] | None = None
    rows: list[tuple[int, list[str]]] = []
    for line, values in _records(text):
        if not any(value.strip() for value in values):
            continue
        if header is None:
            header = values
        elif len(rows) == max_rows:
            raise CsvFileProblem(f"the file has more than {max_rows:,} {rows_are}; split it into smaller files")
        else:
            rows.append((line, values))
    if header is None:
        raise CsvFileProblem("the file is empty")
    if not rows:
        raise CsvFileProblem(f"the file has a header but no {rows_are}")
    return CsvFile(header, rows)
