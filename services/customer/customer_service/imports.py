"""A dealer's existing customer list, loaded from CSV.

The file is read and checked in full before anything is stored: a file the master cannot
read (not UTF-8, no header, a column it does not know, broken quoting, too big) is refused
as a whole, naming the problem. Then each row is registered as a dealer would register the
customer by hand, so it is matched against the master and deduplicated the same way. A row
that cannot be registered comes back in the report with its line and the reason; every
other row is either a new customer or one the master already held, now linked to the
dealer. Nothing is dropped: rows = created + linked + rejected. Lines that hold no value
at all (blank, or only commas) are not rows.

The same file (by its SHA-256) from the same organisation is loaded once: uploaded again,
it answers with the report of the first time and changes nothing.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import re
import uuid
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.exc import DataError, IntegrityError

from customer_service import customers, domain
from customer_service.models import ImportRow
from plumbing.csv_files import CsvFileProblem, read_csv_file
from plumbing.db import UnitOfWork
from plumbing.errors import Refused, ValidationFailed
from plumbing.principal import AccountRole, Principal, Role

log = logging.getLogger("dealernet.customer.import")

COLUMNS = (
    "full_name",
    "phone",
    "email",
    "city",
    "kind",
    "national_id",
    "address_line",
    "postal_code",
    "consents",
)
# A row must be recognisable again by at least one of these.
IDENTIFYING_COLUMNS = ("phone", "email", "national_id")
MAX_BYTES = 20 * 1024 * 1024
MAX_ROWS = 200_000
FILENAME_MAX = 200
# Registration holds a transaction-level advisory lock per identifier until commit, and
# PostgreSQL's lock table (max_locks_per_transaction x connections, 6,400 by default, shared
# by every session) cannot hold those of a whole file: a long import commits every so many
# rows. Rows committed before a failure are in the master; uploading the file again links
# them instead of creating them twice.
ROWS_PER_TRANSACTION = 250
# Headquarters imports for the whole channel; its imports are recorded under this code.
HQ_ORG = "HQ"
# The relationship's `source` column holds at most this many characters.
SOURCE_MAX = 100
IMPORTED_BY_MAX = 100

_CONSENT_SEPARATORS = re.compile(r"[;,|\s]+")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


@dataclass(frozen=True)
class RejectedRow:
    line: int
    field: str
    reason: str


@dataclass
class ImportReport:
    import_id: uuid.UUID
    filename: str
    rows: int = 0
    created: int = 0
    linked: int = 0
    queued_for_review: int = 0
    rejected_rows: list[RejectedRow] = field(default_factory=list)
    replayed: bool = False
    imported_at: dt.datetime | None = None

    @property
    def rejected(self) -> int:
        """Rows rejected; a row with several bad fields has several entries but counts once."""
        return len({row.line for row in self.rejected_rows})


@dataclass(frozen=True)
class CsvRow:
    """One data row: its form when every field is good, otherwise why not."""

    line: int
    form: domain.RegistrationForm | None
    rejected: tuple[RejectedRow, ...] = ()


def _refuse(message: str) -> ValidationFailed:
    return ValidationFailed.one("content", message)


def _column_name(raw: str) -> str:
    return re.sub(r"[\s\-]+", "_", raw.strip().lower())


def _header(names: list[str]) -> list[str]:
    columns = [_column_name(name) for name in names]
    unnamed = [str(position) for position, name in enumerate(columns, start=1) if not name]
    if unnamed:
        raise _refuse(f"the header leaves column {', '.join(unnamed)} without a name")
    unknown = [name for name in columns if name not in COLUMNS]
    if unknown:
        hint = " (columns are separated by commas)" if any(";" in name for name in unknown) else ""
        raise _refuse(
            f"unknown column {', '.join(repr(name) for name in unknown)}{hint}; the columns are {', '.join(COLUMNS)}"
        )
    repeated = sorted({name for name in columns if columns.count(name) > 1})
    if repeated:
        raise _refuse(f"column {', '.join(repeated)} appears more than once in the header")
    if "full_name" not in columns:
        raise _refuse("the header has no full_name column")
    if not any(name in columns for name in IDENTIFYING_COLUMNS):
        raise _refuse(f"the header needs at least one of {', '.join(IDENTIFYING_COLUMNS)}")
    return columns


def _row(line: int, columns: list[str], values: list[str]) -> CsvRow:
    if len(values) != len(columns):
        reason = f"has {len(values)} values but the header names {len(columns)} columns"
        return CsvRow(line, None, (RejectedRow(line, "row", reason),))
    cells = dict(zip(columns, values, strict=True))
    bad_characters = [name for name, value in cells.items() if "\x00" in value]
    if bad_characters:
        return CsvRow(line, None, tuple(RejectedRow(line, name, "contains a NUL character") for name in bad_characters))
    form = domain.RegistrationForm(
        full_name=cells.get("full_name", ""),
        phone=cells.get("phone", ""),
        email=cells.get("email", ""),
        city=cells.get("city", ""),
        kind=cells.get("kind", "").strip().lower() or "person",
        national_id=cells.get("national_id", ""),
        address_line=cells.get("address_line", ""),
        postal_code=cells.get("postal_code", ""),
        consents=tuple(
            channel for channel in _CONSENT_SEPARATORS.split(cells.get("consents", "").strip().lower()) if channel
        ),
    )
    try:
        domain.normalise_registration(form)
    except ValidationFailed as exc:
        return CsvRow(line, None, tuple(RejectedRow(line, v.field, v.message) for v in exc.violations))
    return CsvRow(line, form)


def read_csv(content: bytes) -> list[CsvRow]:
    """The file's data rows, each checked as a registration; ValidationFailed on "content"
    when the file as a whole cannot be read."""
    if len(content) > MAX_BYTES:
        raise _refuse(
            f"the file has {len(content):,} bytes; at most {MAX_BYTES // (1024 * 1024)} MB are loaded at once"
        )
    try:
        found = read_csv_file(content, max_rows=MAX_ROWS, rows_are="customer rows")
    except CsvFileProblem as exc:
        raise _refuse(str(exc)) from None
    columns = _header(found.header)
    data = found.rows
    return [_row(line, columns, values) for line, values in data]


def _org_of(principal: Principal) -> str:
    # A whole list is a dealer's admin's job, or an HQ admin's (the gateway admits the same).
    if principal.acting_role not in (AccountRole.DEALER_ADMIN, AccountRole.HQ_ADMIN):
        raise Refused("only a dealer's admin, or an HQ admin for the channel, imports a customer list")
    if principal.role is Role.DEALER and principal.org_code:
        return principal.org_code
    if principal.role is Role.HQ:
        return principal.org_code or HQ_ORG
    raise Refused("only a dealer, or headquarters for the channel, imports a customer list")


def _clean_filename(raw: str) -> str:
    # Browsers may send the client's path ("C:\fakepath\list.csv"): the name is its last part.
    name = _CONTROL.sub("", re.split(r"[\\/]", raw)[-1]).strip()
    if not name:
        raise ValidationFailed.one("filename", "give the file's name")
    if len(name) > FILENAME_MAX:
        raise ValidationFailed.one("filename", f"must be at most {FILENAME_MAX} characters")
    return name


def _stored_report(row: ImportRow) -> ImportReport:
    return ImportReport(
        import_id=row.id,
        filename=row.filename,
        rows=row.rows,
        created=row.created,
        linked=row.linked,
        queued_for_review=row.queued_for_review,
        rejected_rows=[RejectedRow(int(str(r["line"])), str(r["field"]), str(r["reason"])) for r in row.report],
        replayed=True,
        imported_at=row.imported_at,
    )


def _register(uow: UnitOfWork, principal: Principal, row: CsvRow, source: str, report: ImportReport) -> None:
    assert row.form is not None
    try:
        # A row that fails rolls back alone; the rows before it stay.
        with uow.session.begin_nested():
            result = customers.register_customer(uow, principal, row.form, source_channel="import", source=source)
    except ValidationFailed as exc:
        report.rejected_rows.extend(RejectedRow(row.line, v.field, v.message) for v in exc.violations)
        return
    except Refused as exc:
        report.rejected_rows.append(RejectedRow(row.line, "row", str(exc)))
        return
    except (DataError, IntegrityError) as exc:
        log.warning("import %s line %d not stored: %s", report.import_id, row.line, exc.orig)
        report.rejected_rows.append(RejectedRow(row.line, "row", "could not be stored; the line was left out"))
        return
    if result.already_known:
        report.linked += 1
    else:
        report.created += 1
        report.queued_for_review += 1 if result.queued_for_review else 0


def import_customers(uow: UnitOfWork, principal: Principal, filename: str, content: bytes) -> ImportReport:
    """Load a customer list; the report says what became of every row.

    Commits every ROWS_PER_TRANSACTION rows (see there); the caller commits the last rows
    together with the record of the import.
    """
    org_code = _org_of(principal)
    name = _clean_filename(filename)
    digest = hashlib.sha256(content).hexdigest()
    stored = uow.session.scalars(
        select(ImportRow).where(ImportRow.org_code == org_code, ImportRow.file_sha256 == digest)
    ).first()
    if stored is not None:
        return _stored_report(stored)
    rows = read_csv(content)
    report = ImportReport(import_id=uuid.uuid4(), filename=name, rows=len(rows))
    source = f"import {name}"[:SOURCE_MAX]
    for number, row in enumerate(rows, start=1):
        if row.form is None:
            report.rejected_rows.extend(row.rejected)
        else:
            _register(uow, principal, row, source, report)
        if number % ROWS_PER_TRANSACTION == 0 and number < len(rows):
            uow.commit()
            # The rows registered so far are not needed again; the session need not keep them.
            uow.session.expunge_all()
    report.rejected_rows.sort(key=lambda rejected: rejected.line)
    recorded = uow.session.execute(
        insert(ImportRow)
        .values(
            id=report.import_id,
            org_code=org_code,
            file_sha256=digest,
            filename=name,
            rows=report.rows,
            created=report.created,
            linked=report.linked,
            queued_for_review=report.queued_for_review,
            rejected=report.rejected,
            report=[{"line": r.line, "field": r.field, "reason": r.reason} for r in report.rejected_rows],
            imported_by=principal.subject[:IMPORTED_BY_MAX],
        )
        .on_conflict_do_nothing(index_elements=[ImportRow.org_code, ImportRow.file_sha256])
        .returning(ImportRow.imported_at)
    ).first()
    # None: the same file, uploaded twice at once, was recorded by the other upload. This
    # one's rows were matched against that one's, so the master holds each customer once.
    report.imported_at = recorded[0] if recorded is not None else dt.datetime.now(dt.UTC)
    if report.rows != report.created + report.linked + report.rejected:
        raise RuntimeError(f"import {report.import_id}: a row went unaccounted for")
    return report
