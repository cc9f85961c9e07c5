"""Use cases of the customer service, shared by its gRPC and Nameko shells.

Each takes a unit of work and the caller's principal; scoping happens here, in the
queries, so a dealer cannot read another dealer's customers through any door. What a
dealer or station may see follows from its relationships with the customer (see models).
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Select, and_, exists, func, or_, select, text, tuple_, update
from sqlalchemy.dialects.postgresql import insert

from customer_service import domain, matching
from customer_service.models import (
    AddressRow,
    ConsentRow,
    ContactRow,
    CustomerRow,
    CustomerVehicleRow,
    InteractionRow,
    MatchReviewRow,
    MergeRow,
    RelationshipRow,
    ServiceEventRow,
)
from plumbing import settings as settings_module
from plumbing.db import UnitOfWork
from plumbing.errors import NotFound, Refused, ValidationFailed
from plumbing.principal import AccountRole, Principal, Role

CUSTOMER_REGISTERED = "customer.registered"
CUSTOMER_MERGED = "customer.merged"
MATCH_QUEUED = "customer.match_queued"
SEGMENT_CHANGED = "customer.segment_changed"

_MAY_REGISTER = (Role.DEALER, Role.STATION, Role.HQ)
CANDIDATE_LIMIT = 20
# A merged id is followed this many times at most; a longer chain is a fault, not data.
MERGE_CHAIN_LIMIT = 16


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


@dataclass(frozen=True)
class RegisterResult:
    customer: CustomerRow
    already_known: bool
    queued_for_review: int = 0


# --- Who sees whom ------------------------------------------------------------------------------


def _related(principal: Principal, customer_id: Any) -> Any:
    """The caller has a relationship with the customer that holds now."""
    return exists().where(
        RelationshipRow.customer_id == customer_id,
        RelationshipRow.org_code == principal.org_code,
        or_(RelationshipRow.expires_at.is_(None), RelationshipRow.expires_at > func.now()),
    )


def _visible_customers(principal: Principal) -> Select[tuple[CustomerRow]]:
    query = select(CustomerRow).where(CustomerRow.status == "active")
    if principal.role in (Role.HQ, Role.OPS):
        return query
    if principal.role in (Role.DEALER, Role.STATION):
        return query.where(_related(principal, CustomerRow.id))
    return query.where(False)


def _may_see(uow: UnitOfWork, principal: Principal, customer_id: uuid.UUID) -> bool:
    if principal.role in (Role.HQ, Role.OPS):
        return True
    if principal.role not in (Role.DEALER, Role.STATION):
        return False
    return bool(uow.session.scalar(select(_related(principal, customer_id))))


def relationships_shown(uow: UnitOfWork, principal: Principal, customer_id: uuid.UUID) -> list[RelationshipRow]:
    """HQ sees every relationship; a dealer or station only its own, never who else has the customer."""
    query = select(RelationshipRow).where(RelationshipRow.customer_id == customer_id)
    if principal.role not in (Role.HQ, Role.OPS):
        query = query.where(RelationshipRow.org_code == principal.org_code)
    return list(uow.session.scalars(query.order_by(RelationshipRow.since, RelationshipRow.org_code)))


def start_relationship(
    uow: UnitOfWork,
    customer_id: uuid.UUID,
    org_code: str,
    kind: domain.RelationshipKind,
    source: str | None,
    *,
    since: dt.datetime | None = None,
    expires_at: dt.datetime | None = None,
) -> None:
    """Begin (or renew) a relationship; one that had ended holds again."""
    statement = insert(RelationshipRow).values(
        customer_id=customer_id,
        org_code=org_code,
        kind=kind.value,
        since=since or _now(),
        expires_at=expires_at,
        source=source,
    )
    uow.session.execute(
        statement.on_conflict_do_update(
            index_elements=[RelationshipRow.customer_id, RelationshipRow.org_code, RelationshipRow.kind],
            set_={"expires_at": statement.excluded.expires_at},
        )
    )


# --- Recognising a customer -----------------------------------------------------------------------


def _identity(row: CustomerRow, contacts: list[ContactRow]) -> matching.Identity:
    return matching.Identity(
        name_key=row.name_key,
        phones=frozenset([row.phone] if row.phone else []) | {c.value for c in contacts if c.kind == "phone"},
        emails=frozenset([row.email] if row.email else []) | {c.value for c in contacts if c.kind == "email"},
        national_id=row.national_id,
        city=row.city,
    )


def _lock_identifiers(uow: UnitOfWork, identity: matching.Identity) -> None:
    """Two registrations of one person at the same moment: the second waits for the first,
    then finds it. Keys are taken in sorted order so two registrations never deadlock."""
    keys = sorted(
        [f"phone {p}" for p in identity.phones]
        + [f"email {e}" for e in identity.emails]
        + ([f"id {identity.national_id}"] if identity.national_id else [])
        + [f"name {identity.name_key} {(identity.city or '').lower()}"]
    )
    # One round trip, the locks taken in the keys' order.
    uow.session.execute(
        text(
            "SELECT pg_advisory_xact_lock(hashtext(key)) "
            "FROM unnest(CAST(:keys AS text[])) WITH ORDINALITY AS k(key, n) ORDER BY n"
        ),
        {"keys": keys},
    )


def find_candidates(uow: UnitOfWork, identity: matching.Identity) -> list[tuple[matching.Match, CustomerRow]]:
    """Customers who may be this one: sharing an identifier, or a look-alike name in the same
    city. The indexes find them; `matching.compare` judges each."""
    shared = []
    if identity.phones:
        shared.append(CustomerRow.phone.in_(identity.phones))
    if identity.emails:
        shared.append(CustomerRow.email.in_(identity.emails))
    if identity.national_id:
        shared.append(CustomerRow.national_id == identity.national_id)
    pairs = [("phone", phone) for phone in identity.phones] + [("email", email) for email in identity.emails]
    if pairs:
        # Looked up on their own: as an OR'd subquery they kept PostgreSQL from the indexes
        # and it read every customer.
        extra = list(
            uow.session.scalars(
                select(ContactRow.customer_id).where(tuple_(ContactRow.kind, ContactRow.value).in_(pairs)).limit(100)
            )
        )
        if extra:
            shared.append(CustomerRow.id.in_(extra))
    found: dict[uuid.UUID, CustomerRow] = {}
    if shared:
        for row in uow.session.scalars(
            select(CustomerRow).where(CustomerRow.status == "active", or_(*shared)).limit(CANDIDATE_LIMIT)
        ):
            found[row.id] = row
    if identity.city and identity.name_key and not _clearly_found(identity, found.values()):
        # A look-alike name only counts when nothing tells the two apart: a record with a
        # phone is another person than a new one with another phone (matching.compare).
        # So only records without the kinds of contact the new one has are read, through
        # partial indexes holding just those.
        untold = []
        if identity.phones:
            untold.append(CustomerRow.phone.is_(None))
        if identity.emails:
            untold.append(CustomerRow.email.is_(None))
        uow.session.execute(
            text("SELECT set_config('pg_trgm.similarity_threshold', :t, true)"), {"t": str(matching.LOOKALIKE_NAME)}
        )
        for row in uow.session.scalars(
            select(CustomerRow)
            .where(
                *untold,
                CustomerRow.status == "active",
                CustomerRow.name_key.op("%")(identity.name_key),
                func.lower(CustomerRow.city) == identity.city.lower(),
            )
            .limit(CANDIDATE_LIMIT)
        ):
            found.setdefault(row.id, row)
    if not found:
        return []
    contacts: dict[uuid.UUID, list[ContactRow]] = {}
    for contact in uow.session.scalars(select(ContactRow).where(ContactRow.customer_id.in_(found))):
        contacts.setdefault(contact.customer_id, []).append(contact)
    judged = [(matching.compare(identity, _identity(row, contacts.get(row.id, []))), row) for row in found.values()]
    return [pair for pair in judged if pair[0].decision is not matching.Decision.DIFFERENT]


def _clearly_found(identity: matching.Identity, rows: Any) -> bool:
    """An identifier match that is clear already settles who this is."""
    return any(matching.compare(identity, _identity(row, [])).decision is matching.Decision.CLEAR for row in rows)


@dataclass(frozen=True)
class DuplicateHint:
    decision: str
    masked_phone: str
    masked_email: str
    # Only when the caller already has the customer; otherwise whose customer it is stays untold.
    customer_id: str = ""


def check_duplicates(uow: UnitOfWork, principal: Principal, form: domain.RegistrationForm) -> list[DuplicateHint]:
    """Before registering: is this person already in the master? Contacts come back masked,
    and nothing says which dealer or station has the customer."""
    if principal.role not in (*_MAY_REGISTER, Role.OPS):
        raise Refused("only a dealer, a station or headquarters checks for a customer")
    registration = domain.normalise_registration(form)
    hints = []
    for match, row in sorted(find_candidates(uow, domain.identity_of(registration)), key=lambda p: -p[0].score):
        visible = _may_see(uow, principal, row.id)
        hints.append(
            DuplicateHint(
                decision=match.decision.value,
                masked_phone=matching.mask_phone(row.phone),
                masked_email=matching.mask_email(row.email),
                customer_id=str(row.id) if visible else "",
            )
        )
    return hints


def _relationship_for(principal: Principal, customer_kind: str) -> domain.RelationshipKind | None:
    """A dealer registering a company takes it on as a fleet account, a person as a prospect."""
    if principal.role is Role.DEALER:
        return domain.RelationshipKind.FLEET if customer_kind == "company" else domain.RelationshipKind.PROSPECT
    if principal.role is Role.STATION:
        return domain.RelationshipKind.SERVICING
    return None


def _grant_registrar(
    uow: UnitOfWork, principal: Principal, customer_id: uuid.UUID, customer_kind: str, source: str
) -> None:
    kind = _relationship_for(principal, customer_kind)
    if kind is not None and principal.org_code:
        start_relationship(uow, customer_id, principal.org_code, kind, source)


def _add_contacts(uow: UnitOfWork, row: CustomerRow, registration: domain.Registration) -> None:
    """What the new registration knows that the record did not: a further phone or address."""
    known = {(c.kind, c.value) for c in uow.session.scalars(select(ContactRow).where(ContactRow.customer_id == row.id))}
    for kind, value, current in (("phone", registration.phone, row.phone), ("email", registration.email, row.email)):
        if value is None or value == current or (kind, value) in known:
            continue
        if current is None:
            setattr(row, kind, value)
        else:
            uow.session.add(ContactRow(customer_id=row.id, kind=kind, value=value))
    if row.national_id is None and registration.national_id:
        row.national_id = registration.national_id
    if row.city is None and registration.city:
        row.city = registration.city
    row.updated_at = _now()


def _record_consents(uow: UnitOfWork, customer_id: uuid.UUID, channels: tuple[str, ...], by: str) -> None:
    for channel in channels:
        statement = insert(ConsentRow).values(customer_id=customer_id, channel=channel, granted=True, recorded_by=by)
        uow.session.execute(
            statement.on_conflict_do_update(
                index_elements=[ConsentRow.customer_id, ConsentRow.channel],
                set_={"granted": True, "recorded_by": by, "recorded_at": func.now()},
            )
        )


def register_customer(
    uow: UnitOfWork,
    principal: Principal,
    form: domain.RegistrationForm,
    *,
    source_channel: str | None = None,
    source: str = "registration",
) -> RegisterResult:
    """Add a customer to the master, or link the caller to the one it already holds.

    A clear match is the same customer: the caller's relationship is added to it and what
    the registration adds (a second phone) is kept. A doubtful one creates the customer and
    queues the pair for headquarters. Either way the caller sees the customer it registered.
    """
    if principal.role not in _MAY_REGISTER:
        raise ValidationFailed.one("principal", "only a dealer, a station or headquarters registers customers")
    registration = domain.normalise_registration(form)
    identity = domain.identity_of(registration)
    _lock_identifiers(uow, identity)
    candidates = find_candidates(uow, identity)
    clear = [pair for pair in candidates if pair[0].decision is matching.Decision.CLEAR]
    if clear:
        _, known = max(clear, key=lambda pair: pair[0].score)
        _add_contacts(uow, known, registration)
        _grant_registrar(uow, principal, known.id, known.kind, source)
        _record_consents(uow, known.id, registration.consents, principal.subject)
        uow.session.flush()
        return RegisterResult(known, already_known=True)
    customer = CustomerRow(
        id=uuid.uuid4(),
        kind=registration.kind,
        full_name=registration.full_name,
        name_key=registration.name_key,
        phone=registration.phone,
        email=registration.email,
        national_id=registration.national_id,
        city=registration.city,
        region=principal.region,
        registered_by=principal.org_code,
        source_channel=source_channel or ("hq" if principal.role is Role.HQ else principal.role.value),
    )
    uow.session.add(customer)
    uow.session.flush()
    if registration.address_line:
        uow.session.add(
            AddressRow(
                customer_id=customer.id,
                kind="registered" if registration.kind == "company" else "home",
                line=registration.address_line,
                postal_code=registration.postal_code,
                city=registration.city,
            )
        )
    _grant_registrar(uow, principal, customer.id, customer.kind, source)
    # Not announced: every new customer starts in the segment its kind gives it (see
    # customer.segment_changed in docs/events.md), which customer.registered implies.
    refresh_segment(uow, customer, announce=False)
    _record_consents(uow, customer.id, registration.consents, principal.subject)
    for match, candidate in candidates:
        uow.session.add(
            MatchReviewRow(
                customer_id=customer.id, candidate_id=candidate.id, score=match.score, reasons=list(match.reasons)
            )
        )
    uow.session.flush()
    uow.record_event(
        CUSTOMER_REGISTERED,
        {
            "customer_id": str(customer.id),
            "kind": customer.kind,
            "registered_by": customer.registered_by,
            "source_channel": customer.source_channel,
            "city": customer.city,
            "region": customer.region,
        },
    )
    if candidates:
        uow.record_event(MATCH_QUEUED, {"customer_id": str(customer.id), "candidates": len(candidates)})
    return RegisterResult(customer, already_known=False, queued_for_review=len(candidates))


# --- Reading ------------------------------------------------------------------------------------


def resolve(uow: UnitOfWork, customer_id: uuid.UUID) -> CustomerRow | None:
    """The customer an id stands for today: a merged record answers with its survivor."""
    row = uow.session.get(CustomerRow, customer_id)
    for _ in range(MERGE_CHAIN_LIMIT):
        if row is None or row.status == "active" or row.merged_into is None:
            return row
        row = uow.session.get(CustomerRow, row.merged_into)
    raise RuntimeError(f"customer {customer_id}: merge chain longer than {MERGE_CHAIN_LIMIT}")


def get_customer(uow: UnitOfWork, principal: Principal, customer_id: str) -> CustomerRow:
    parsed = domain.parse_customer_id(customer_id)
    row = resolve(uow, parsed)
    if row is None or row.status != "active" or not _may_see(uow, principal, row.id):
        raise NotFound(f"no customer {customer_id}")
    return row


def vehicles_of(uow: UnitOfWork, customer: CustomerRow) -> list[CustomerVehicleRow]:
    """The cars handed over to a customer the caller was allowed to read, newest first."""
    return list(
        uow.session.scalars(
            select(CustomerVehicleRow)
            .where(CustomerVehicleRow.customer_id == customer.id)
            .order_by(CustomerVehicleRow.delivered_at.desc(), CustomerVehicleRow.vin)
        )
    )


def _filtered(
    principal: Principal, *, segment: str = "", region: str = "", dealer_code: str = ""
) -> Select[tuple[CustomerRow]]:
    query = _visible_customers(principal)
    if segment:
        if segment not in {s.value for s in domain.Segment}:
            raise ValidationFailed.one("segment", f"must be one of {', '.join(s.value for s in domain.Segment)}")
        query = query.where(CustomerRow.segment == segment)
    if region:
        query = query.where(CustomerRow.region == region)
    if dealer_code:
        query = query.where(
            exists().where(RelationshipRow.customer_id == CustomerRow.id, RelationshipRow.org_code == dealer_code)
        )
    return query


def list_customers(
    uow: UnitOfWork,
    principal: Principal,
    *,
    offset: int,
    limit: int,
    segment: str = "",
    region: str = "",
    dealer_code: str = "",
) -> list[CustomerRow]:
    query = _filtered(principal, segment=segment, region=region, dealer_code=dealer_code)
    query = query.order_by(CustomerRow.registered_at.desc(), CustomerRow.id.desc())
    return list(uow.session.scalars(query.offset(offset).limit(limit)))


@dataclass(frozen=True)
class SegmentCount:
    segment: str
    region: str
    value_tier: str
    customers: int


def count_by_segment(
    uow: UnitOfWork, principal: Principal, *, region: str = "", dealer_code: str = ""
) -> list[SegmentCount]:
    """How many customers per segment, region and value tier, among those the caller may see."""
    visible = _filtered(principal, region=region, dealer_code=dealer_code).subquery()
    rows = uow.session.execute(
        select(visible.c.segment, func.coalesce(visible.c.region, ""), visible.c.value_tier, func.count())
        .group_by(visible.c.segment, visible.c.region, visible.c.value_tier)
        .order_by(visible.c.segment, visible.c.region, visible.c.value_tier)
    ).all()
    return [SegmentCount(segment, region_, tier, count) for segment, region_, tier, count in rows]


@dataclass
class CustomerView:
    """Everything about one customer the caller may see: the 360 view."""

    customer: CustomerRow
    contacts: list[ContactRow] = field(default_factory=list)
    addresses: list[AddressRow] = field(default_factory=list)
    consents: list[ConsentRow] = field(default_factory=list)
    relationships: list[RelationshipRow] = field(default_factory=list)
    vehicles: list[CustomerVehicleRow] = field(default_factory=list)
    service_history: list[ServiceEventRow] = field(default_factory=list)
    interactions: list[InteractionRow] = field(default_factory=list)
    merged_ids: list[uuid.UUID] = field(default_factory=list)


def customer_view(uow: UnitOfWork, principal: Principal, customer_id: str) -> CustomerView:
    row = get_customer(uow, principal, customer_id)
    vehicles = vehicles_of(uow, row)
    vins = [vehicle.vin for vehicle in vehicles]
    interactions = select(InteractionRow).where(InteractionRow.customer_id == row.id)
    if principal.role not in (Role.HQ, Role.OPS):
        # A dealer's notes are its own business; headquarters' are shared with the channel.
        interactions = interactions.where(
            or_(InteractionRow.org_code == principal.org_code, InteractionRow.org_code.is_(None))
        )
    return CustomerView(
        customer=row,
        contacts=list(uow.session.scalars(select(ContactRow).where(ContactRow.customer_id == row.id))),
        addresses=list(uow.session.scalars(select(AddressRow).where(AddressRow.customer_id == row.id))),
        consents=list(
            uow.session.scalars(select(ConsentRow).where(ConsentRow.customer_id == row.id).order_by(ConsentRow.channel))
        ),
        relationships=relationships_shown(uow, principal, row.id),
        vehicles=vehicles,
        service_history=list(
            uow.session.scalars(
                select(ServiceEventRow)
                .where(ServiceEventRow.vin.in_(vins))
                .order_by(ServiceEventRow.occurred_at.desc())
                .limit(200)
            )
        )
        if vins
        else [],
        interactions=list(uow.session.scalars(interactions.order_by(InteractionRow.occurred_at.desc()).limit(200))),
        merged_ids=list(uow.session.scalars(select(MergeRow.merged_id).where(MergeRow.survivor_id == row.id))),
    )


def owner_view(uow: UnitOfWork, principal: Principal, vin: str) -> CustomerView:
    """The 360 view of a car's owner, as the caller may see it; any car whose owner the caller
    may not see is not found, exactly as a car the master does not know."""
    car = vin.strip().upper()
    owner_id = uow.session.scalar(select(CustomerVehicleRow.customer_id).where(CustomerVehicleRow.vin == car))
    if owner_id is None:
        raise NotFound(f"no owner known for {car}")
    try:
        return customer_view(uow, principal, str(owner_id))
    except NotFound:
        raise NotFound(f"no owner known for {car}") from None


# --- Changing a customer's details --------------------------------------------------------------


def _writable(uow: UnitOfWork, principal: Principal, customer_id: str) -> CustomerRow:
    if principal.role not in (Role.DEALER, Role.STATION, Role.HQ):
        raise Refused("only a dealer, a station or headquarters records this")
    row = get_customer(uow, principal, customer_id)
    uow.session.refresh(row, with_for_update=True)
    return row


def record_consent(
    uow: UnitOfWork, principal: Principal, customer_id: str, channel: str, granted: bool
) -> list[ConsentRow]:
    if channel not in domain.CONSENT_CHANNELS:
        raise ValidationFailed.one("channel", f"must be one of {', '.join(domain.CONSENT_CHANNELS)}")
    row = _writable(uow, principal, customer_id)
    statement = insert(ConsentRow).values(
        customer_id=row.id, channel=channel, granted=granted, recorded_by=principal.subject
    )
    uow.session.execute(
        statement.on_conflict_do_update(
            index_elements=[ConsentRow.customer_id, ConsentRow.channel],
            set_={"granted": granted, "recorded_by": principal.subject, "recorded_at": func.now()},
        )
    )
    uow.record_event("customer.consent_changed", {"customer_id": str(row.id), "channel": channel, "granted": granted})
    return list(uow.session.scalars(select(ConsentRow).where(ConsentRow.customer_id == row.id)))


INTERACTION_KINDS = ("call", "visit", "note")


def add_interaction(
    uow: UnitOfWork,
    principal: Principal,
    customer_id: str,
    kind: str,
    summary: str,
    occurred_at: dt.datetime | None = None,
) -> InteractionRow:
    if kind not in INTERACTION_KINDS:
        raise ValidationFailed.one("kind", f"must be one of {', '.join(INTERACTION_KINDS)}")
    summary = summary.strip()
    if not summary or len(summary) > 4000:
        raise ValidationFailed.one("summary", "must be 1 to 4000 characters")
    row = _writable(uow, principal, customer_id)
    interaction = InteractionRow(
        customer_id=row.id,
        org_code=principal.org_code,
        kind=kind,
        summary=summary,
        recorded_by=principal.subject,
        occurred_at=occurred_at or _now(),
    )
    uow.session.add(interaction)
    uow.session.flush()
    return interaction


# --- Duplicates: review and merge ---------------------------------------------------------------


def list_reviews(uow: UnitOfWork, principal: Principal, *, offset: int, limit: int) -> list[MatchReviewRow]:
    if principal.role not in (Role.HQ, Role.OPS):
        raise Refused("only headquarters reviews possible duplicates")
    return list(
        uow.session.scalars(
            select(MatchReviewRow)
            .where(MatchReviewRow.status == "pending")
            .order_by(MatchReviewRow.score.desc(), MatchReviewRow.created_at)
            .offset(offset)
            .limit(limit)
        )
    )


def decide_review(uow: UnitOfWork, principal: Principal, review_id: str, merge: bool) -> MatchReviewRow:
    """Headquarters merges the pair (the older record survives) or keeps the two apart."""
    if principal.acting_role is not AccountRole.HQ_ADMIN:
        raise Refused("only an HQ admin decides on possible duplicates")
    try:
        parsed = uuid.UUID(review_id.strip())
    except ValueError:
        raise ValidationFailed.one("review_id", "not a review id") from None
    review = uow.session.scalars(select(MatchReviewRow).where(MatchReviewRow.id == parsed).with_for_update()).first()
    if review is None:
        raise NotFound(f"no review {review_id}")
    if review.status != "pending":
        raise Refused(f"review {review_id} was already decided: {review.status}")
    if merge:
        first, second = (resolve(uow, review.candidate_id), resolve(uow, review.customer_id))
        if first is None or second is None:
            raise NotFound(f"no customer of review {review_id}")
        if first.id != second.id:
            survivor, merged = sorted((first, second), key=lambda row: (row.registered_at, str(row.id)))
            merge_customers(uow, principal, str(survivor.id), str(merged.id), reason=f"review {review.id}")
    review.status = "merged" if merge else "kept_apart"
    review.decided_by, review.decided_at = principal.subject, _now()
    uow.session.flush()
    return review


def merge_customers(
    uow: UnitOfWork, principal: Principal, survivor_id: str, merged_id: str, *, reason: str = ""
) -> CustomerRow:
    """Make two records one. The survivor takes over the other's contacts, addresses,
    consents, relationships, cars, interactions and activity; the merged id keeps resolving
    to the survivor; other services hear of it by `customer.merged` and re-point."""
    if principal.acting_role is not AccountRole.HQ_ADMIN:
        raise Refused("only an HQ admin merges customers")
    survivor_key, merged_key = domain.parse_customer_id(survivor_id), domain.parse_customer_id(merged_id)
    if survivor_key == merged_key:
        raise ValidationFailed.one("merged_id", "is the survivor itself")
    # Locked in id order, so two merges of the same pair cannot deadlock.
    locked = {
        row.id: row
        for row in uow.session.scalars(
            select(CustomerRow)
            .where(CustomerRow.id.in_([survivor_key, merged_key]))
            .order_by(CustomerRow.id)
            .with_for_update()
        )
    }
    survivor, merged = locked.get(survivor_key), locked.get(merged_key)
    if survivor is None or merged is None:
        raise NotFound(f"no customer {survivor_id if survivor is None else merged_id}")
    if survivor.status != "active" or merged.status != "active":
        raise Refused("both customers must be active: one of them was already merged")
    snapshot = {
        key: (str(value) if isinstance(value, uuid.UUID | dt.datetime) else value)
        for key, value in {
            "full_name": merged.full_name,
            "kind": merged.kind,
            "phone": merged.phone,
            "email": merged.email,
            "national_id": merged.national_id,
            "city": merged.city,
            "region": merged.region,
            "registered_by": merged.registered_by,
            "registered_at": merged.registered_at,
        }.items()
    }
    for kind in ("phone", "email"):
        value = getattr(merged, kind)
        if value and getattr(survivor, kind) is None:
            setattr(survivor, kind, value)
        elif value and value != getattr(survivor, kind):
            uow.session.add(ContactRow(customer_id=survivor.id, kind=kind, value=value))
    survivor.national_id = survivor.national_id or merged.national_id
    survivor.city = survivor.city or merged.city
    survivor.region = survivor.region or merged.region
    for table in (ContactRow, AddressRow, InteractionRow, CustomerVehicleRow):
        uow.session.execute(update(table).where(table.customer_id == merged.id).values(customer_id=survivor.id))
    uow.session.execute(
        text(
            "INSERT INTO customer_consents (customer_id, channel, granted, recorded_by, recorded_at) "
            "SELECT :survivor, channel, granted, recorded_by, recorded_at FROM customer_consents "
            "WHERE customer_id = :merged ON CONFLICT DO NOTHING"
        ),
        {"survivor": survivor.id, "merged": merged.id},
    )
    uow.session.execute(
        text(
            "INSERT INTO customer_relationships (customer_id, org_code, kind, since, expires_at, source) "
            "SELECT :survivor, org_code, kind, since, expires_at, source FROM customer_relationships "
            "WHERE customer_id = :merged ON CONFLICT DO NOTHING"
        ),
        {"survivor": survivor.id, "merged": merged.id},
    )
    for table in (ConsentRow, RelationshipRow):
        uow.session.execute(table.__table__.delete().where(table.customer_id == merged.id))  # type: ignore[attr-defined]
    survivor.purchases += merged.purchases
    survivor.purchase_value_minor += merged.purchase_value_minor
    survivor.services += merged.services
    survivor.last_purchase_at = max(
        (m for m in (survivor.last_purchase_at, merged.last_purchase_at) if m is not None), default=None
    )
    survivor.last_service_at = max(
        (m for m in (survivor.last_service_at, merged.last_service_at) if m is not None), default=None
    )
    refresh_segment(uow, survivor)
    merged.status, merged.merged_into, merged.updated_at = "merged", survivor.id, _now()
    # Records merged into this one earlier now resolve straight to the survivor.
    uow.session.execute(update(CustomerRow).where(CustomerRow.merged_into == merged.id).values(merged_into=survivor.id))
    uow.session.execute(
        update(MatchReviewRow)
        .where(
            MatchReviewRow.status == "pending",
            or_(
                and_(MatchReviewRow.customer_id == merged.id, MatchReviewRow.candidate_id == survivor.id),
                and_(MatchReviewRow.customer_id == survivor.id, MatchReviewRow.candidate_id == merged.id),
            ),
        )
        .values(status="merged", decided_by=principal.subject, decided_at=func.now())
    )
    uow.session.add(
        MergeRow(
            merged_id=merged.id,
            survivor_id=survivor.id,
            merged_by=principal.subject,
            reason=reason or None,
            snapshot=snapshot,
        )
    )
    uow.session.flush()
    uow.record_event(
        CUSTOMER_MERGED, {"survivor_id": str(survivor.id), "merged_id": str(merged.id), "merged_by": principal.subject}
    )
    return survivor


# --- Activity from other services' events -------------------------------------------------------


def refresh_segment(
    uow: UnitOfWork, row: CustomerRow, now: dt.datetime | None = None, *, announce: bool = True
) -> None:
    """Recompute the customer's segment and value tier; a new segment is announced
    (`customer.segment_changed`) for headquarters' counts, kept from events."""
    previous = row.segment
    fleet = bool(
        uow.session.scalar(
            select(
                exists().where(
                    RelationshipRow.customer_id == row.id, RelationshipRow.kind == domain.RelationshipKind.FLEET.value
                )
            )
        )
    )
    activity = domain.Activity(
        purchases=row.purchases,
        purchase_value_minor=row.purchase_value_minor,
        last_purchase_at=row.last_purchase_at,
        services=row.services,
        last_service_at=row.last_service_at,
        fleet=fleet or row.kind == "company",
    )
    moment = now or _now()
    row.segment = domain.segment(activity, moment).value
    row.value_tier = domain.value_tier(activity, moment)
    row.updated_at = _now()
    if announce and previous != row.segment:
        uow.record_event(
            SEGMENT_CHANGED,
            {
                "customer_id": str(row.id),
                "segment": row.segment,
                "previous_segment": previous,
                "value_tier": row.value_tier,
                "region": row.region,
            },
        )


def link_vehicle(uow: UnitOfWork, handover: domain.Handover) -> CustomerVehicleRow:
    """Link a car handed over by its dealer to the customer who bought it.

    A car has one owner in the master: a later handover of the same car (it was sold again)
    makes the new buyer its owner, and a message about an earlier handover arriving late
    changes nothing. A customer the master does not know is refused, never guessed; a
    merged customer's id stands for the survivor. The dealer becomes the buyer's dealer,
    and the purchase counts towards the customer's segment.
    """
    customer = resolve(uow, handover.customer_id)
    if customer is None:
        raise NotFound(
            f"customer {handover.customer_id} is not in the customer master: "
            f"{handover.vin} of {handover.order_number or 'stock'} (dealer {handover.dealer_code}) "
            "cannot be linked to its buyer"
        )
    uow.session.refresh(customer, with_for_update=True)
    values = {
        "vin": handover.vin,
        "customer_id": customer.id,
        "dealer_code": handover.dealer_code,
        "order_number": handover.order_number,
        "delivered_at": handover.delivered_at,
    }
    statement = insert(CustomerVehicleRow).values(**values)
    changed = uow.session.execute(
        statement.on_conflict_do_update(
            index_elements=[CustomerVehicleRow.vin],
            set_={**values, "linked_at": func.now()},
            where=CustomerVehicleRow.delivered_at <= statement.excluded.delivered_at,
        ).returning(CustomerVehicleRow.vin)
    ).first()
    start_relationship(
        uow, customer.id, handover.dealer_code, domain.RelationshipKind.BUYER, handover.vin, since=handover.delivered_at
    )
    if changed is not None:
        customer.purchases += 1
        customer.purchase_value_minor += handover.price_minor
        if customer.last_purchase_at is None or customer.last_purchase_at < handover.delivered_at:
            customer.last_purchase_at = handover.delivered_at
        refresh_segment(uow, customer)
    link = uow.session.scalars(
        select(CustomerVehicleRow)
        .where(CustomerVehicleRow.vin == handover.vin)
        .execution_options(populate_existing=True)
    ).one()
    return link


def record_station_visit(uow: UnitOfWork, source_event_id: str, visit: domain.StationVisit) -> None:
    """A station opened or closed a support request on a car, or repaired it: the car's service
    history grows, and the station may see the car's owner while the request is open and for
    a while after it closed or the repair was done."""
    kind = "repair" if visit.repair else "support_request_closed" if visit.closed else "support_request_opened"
    uow.session.execute(
        insert(ServiceEventRow)
        .values(
            source_event_id=source_event_id,
            vin=visit.vin,
            station_code=visit.station_code,
            kind=kind,
            reference=visit.request_id,
            summary=visit.summary or None,
            occurred_at=visit.occurred_at,
        )
        .on_conflict_do_nothing()
    )
    owner_id = uow.session.scalar(select(CustomerVehicleRow.customer_id).where(CustomerVehicleRow.vin == visit.vin))
    owner = resolve(uow, owner_id) if owner_id is not None else None
    if owner is None:
        return
    source = f"repair {visit.request_id}" if visit.repair else f"support request {visit.request_id}"
    access_ends = visit.occurred_at + dt.timedelta(days=settings_module.load().station_access_days)
    if visit.closed and not visit.repair:
        uow.session.execute(
            update(RelationshipRow)
            .where(
                RelationshipRow.customer_id == owner.id,
                RelationshipRow.org_code == visit.station_code,
                RelationshipRow.kind == domain.RelationshipKind.SERVICING.value,
            )
            .values(expires_at=access_ends)
        )
        return
    if visit.repair:
        # The station did the work: it sees the owner for as long as after a request, unless
        # an open request already lets it see them without end.
        uow.session.execute(
            insert(RelationshipRow)
            .values(
                customer_id=owner.id,
                org_code=visit.station_code,
                kind=domain.RelationshipKind.SERVICING.value,
                since=visit.occurred_at,
                expires_at=access_ends,
                source=source,
            )
            .on_conflict_do_update(
                index_elements=[RelationshipRow.customer_id, RelationshipRow.org_code, RelationshipRow.kind],
                set_={"expires_at": access_ends},
                where=RelationshipRow.expires_at.is_not(None),
            )
        )
    else:
        start_relationship(uow, owner.id, visit.station_code, domain.RelationshipKind.SERVICING, source)
    uow.session.refresh(owner, with_for_update=True)
    owner.services += 1
    if owner.last_service_at is None or owner.last_service_at < visit.occurred_at:
        owner.last_service_at = visit.occurred_at
    refresh_segment(uow, owner)
