"""The knowledge base: articles of known problems and their solutions, and technical service
bulletins, searched with PostgreSQL's full text and ranked by how well they match and by
whether they solved other stations' problems.

Stations and dealers read what is published; headquarters' engineers write drafts, and an
engineer other than the author publishes them. The rules that need no database (what a
valid draft is, how feedback weighs, which model year a VIN says) are plain functions here.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    REAL,
    ColumnElement,
    Float,
    Integer,
    Select,
    String,
    Text,
    and_,
    bindparam,
    case,
    cast,
    false,
    func,
    literal,
    or_,
    select,
    true,
    update,
)
from sqlalchemy.dialects.postgresql import ARRAY, REGCONFIG, TSQUERY, insert
from sqlalchemy.orm import defer
from sqlalchemy.sql.functions import FunctionElement

from plumbing.db import UnitOfWork
from plumbing.errors import FieldViolation, NotFound, Refused, ValidationFailed
from plumbing.principal import Principal, Role
from plumbing.vin import vin_problem
from station_service.domain import DESK_ROLES, normalise_dtc_codes
from station_service.models import ArticleFeedbackRow, ArticleRow, SupportRequestRow

ARTICLE_PUBLISHED = "kb.article_published"

KINDS = ("article", "bulletin")
DRAFT, PUBLISHED = "draft", "published"
TITLE_MIN_LENGTH, TITLE_MAX_LENGTH = 5, 300
TEXT_MAX_LENGTH = 20_000
MODEL_CODE_MAX_LENGTH = 20
BULLETIN_NUMBER_MAX_LENGTH = 30
# ISO 3779 model years run from 1980; a bulletin reaching past 2099 is a typing mistake.
YEAR_MIN, YEAR_MAX = 1980, 2099
VIN_PREFIX_LENGTH = 11
# Positions 12-17 of a VIN: the plant's serial number.
SERIAL_MAX = 999_999
_VIN_CHARACTERS = re.compile(r"^[A-HJ-NPR-Z0-9]+$")
_MODEL_CODE = re.compile(r"^[A-Z0-9][A-Z0-9-]*$")

# ts_rank_cd weights for D, C, B, A: the title (and the fault codes) count most, then the
# symptoms, then the solution. The normalisation divides by 1 + log(length), so a long
# article does not win on bulk alone.
RANK_WEIGHTS = "{0.1, 0.2, 0.4, 1.0}"
RANK_NORMALISATION = 1
# How many of the best matches by ts_rank are ordered again by ts_rank_cd (see search_articles).
# Measured over 100,000 articles: with 500 the first page is the one ranking every match by
# ts_rank_cd would give for 88% of three-word queries (93% of its articles), and a query
# matching 14,000 articles costs about a quarter of what ranking them all would.
RERANKED = 500

# Stations' votes move an article's rank by at most half either way: the factor is
# 0.5 + (solved + PRIOR) / (votes + 2 * PRIOR). With no votes it is exactly 1; the prior (as
# if two stations had said yes and two no) keeps one station's word from moving it far (one
# "solved" gives 1.1, ten give 1.36, ten "not solved" 0.64), and the bounds keep feedback
# from burying a close text match under a loosely related article many stations liked.
FEEDBACK_PRIOR = 2

# Suggestions: a request's words, OR-ed, matched against the knowledge base and solved
# requests. Long descriptions are cut to their most frequent words.
SUGGESTION_MAX_WORDS = 40
# A candidate for the same model as the new request weighs this much more.
MODEL_BOOST = 1.5
RESOLVED_STATUSES = ("resolved", "closed")

_ISO_YEAR_CODES = "ABCDEFGHJKLMNPRSTVWXY123456789"
_ISO_YEAR_BASE = 1980
_ISO_YEAR_CYCLE = len(_ISO_YEAR_CODES)
_MODEL_YEAR_INDEX = 9


# --- Pure rules ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ArticleDraft:
    """An article or bulletin as an engineer wrote it."""

    kind: str
    title: str
    symptoms: str
    solution: str
    dtc_codes: tuple[str, ...] = ()
    model_codes: tuple[str, ...] = ()
    year_from: int | None = None
    year_to: int | None = None
    vin_prefix: str | None = None
    serial_from: int | None = None
    serial_to: int | None = None
    bulletin_number: str | None = None


def _blank_to_none(value: str | None) -> str | None:
    if value is None:
        return None
    stripped = value.strip()
    return stripped or None


def check_draft(draft: ArticleDraft) -> ArticleDraft:
    """The draft normalised (trimmed, codes upper-cased, repeats dropped), or every problem at
    once, each naming its field."""
    problems: list[FieldViolation] = []
    kind = draft.kind.strip().lower()
    if kind not in KINDS:
        problems.append(FieldViolation("kind", f"must be one of: {', '.join(KINDS)}"))
    title = draft.title.strip()
    if not TITLE_MIN_LENGTH <= len(title) <= TITLE_MAX_LENGTH:
        problems.append(FieldViolation("title", f"must be {TITLE_MIN_LENGTH} to {TITLE_MAX_LENGTH} characters"))
    symptoms = draft.symptoms.strip()
    if len(symptoms) > TEXT_MAX_LENGTH:
        problems.append(FieldViolation("symptoms", f"must be at most {TEXT_MAX_LENGTH} characters"))
    solution = draft.solution.strip()
    if not solution:
        problems.append(FieldViolation("solution", "is required"))
    elif len(solution) > TEXT_MAX_LENGTH:
        problems.append(FieldViolation("solution", f"must be at most {TEXT_MAX_LENGTH} characters"))
    dtc_codes, dtc_error = normalise_dtc_codes(draft.dtc_codes)
    if dtc_error:
        problems.append(FieldViolation("dtc_codes", dtc_error))
    model_codes = tuple(dict.fromkeys(code.strip().upper() for code in draft.model_codes))
    bad_models = [
        code for code in model_codes if not (0 < len(code) <= MODEL_CODE_MAX_LENGTH and _MODEL_CODE.match(code))
    ]
    if bad_models:
        shown = ", ".join(f"'{code}'" for code in bad_models)
        problems.append(FieldViolation("model_codes", f"not model codes (letters, digits, '-'; up to 20): {shown}"))
    for name, year in (("year_from", draft.year_from), ("year_to", draft.year_to)):
        if year is not None and not YEAR_MIN <= year <= YEAR_MAX:
            problems.append(FieldViolation(name, f"must be a model year from {YEAR_MIN} to {YEAR_MAX}"))
    if draft.year_from is not None and draft.year_to is not None and draft.year_from > draft.year_to:
        problems.append(FieldViolation("year_to", "must not be before year_from"))

    vin_prefix = _blank_to_none(draft.vin_prefix)
    if vin_prefix is not None:
        vin_prefix = vin_prefix.upper()
        if len(vin_prefix) != VIN_PREFIX_LENGTH or not _VIN_CHARACTERS.match(vin_prefix):
            problems.append(
                FieldViolation("vin_prefix", f"must be a VIN's first {VIN_PREFIX_LENGTH} characters (no I, O or Q)")
            )
    for name, serial in (("serial_from", draft.serial_from), ("serial_to", draft.serial_to)):
        if serial is not None and not 0 <= serial <= SERIAL_MAX:
            problems.append(FieldViolation(name, f"must be a serial number from 0 to {SERIAL_MAX}"))
    if draft.serial_from is not None and draft.serial_to is not None and draft.serial_from > draft.serial_to:
        problems.append(FieldViolation("serial_to", "must not be below serial_from"))
    if (draft.serial_from is not None or draft.serial_to is not None) and vin_prefix is None:
        problems.append(FieldViolation("vin_prefix", "is required with a serial range"))

    bulletin_number = _blank_to_none(draft.bulletin_number)
    if bulletin_number is not None:
        bulletin_number = bulletin_number.upper()
        if len(bulletin_number) > BULLETIN_NUMBER_MAX_LENGTH:
            problems.append(
                FieldViolation("bulletin_number", f"must be at most {BULLETIN_NUMBER_MAX_LENGTH} characters")
            )
    if kind == "bulletin":
        if bulletin_number is None:
            problems.append(FieldViolation("bulletin_number", "a bulletin needs its number"))
        if not model_codes and vin_prefix is None:
            problems.append(
                FieldViolation("model_codes", "a bulletin must say which models or which VIN range it applies to")
            )
    elif kind == "article":
        # Only a bulletin is looked up by VIN and cited by number.
        for name, value in (
            ("bulletin_number", bulletin_number),
            ("vin_prefix", vin_prefix),
            ("serial_from", draft.serial_from),
            ("serial_to", draft.serial_to),
        ):
            if value is not None:
                problems.append(FieldViolation(name, "only a bulletin has one"))
    if problems:
        raise ValidationFailed(problems)
    return ArticleDraft(
        kind=kind,
        title=title,
        symptoms=symptoms,
        solution=solution,
        dtc_codes=dtc_codes,
        model_codes=model_codes,
        year_from=draft.year_from,
        year_to=draft.year_to,
        vin_prefix=vin_prefix,
        serial_from=draft.serial_from,
        serial_to=draft.serial_to,
        bulletin_number=bulletin_number,
    )


def feedback_factor(solved: int, not_solved: int) -> float:
    """How stations' votes scale an article's rank: 1 without votes, between 0.5 and 1.5."""
    return 0.5 + (solved + FEEDBACK_PRIOR) / (solved + not_solved + 2 * FEEDBACK_PRIOR)


def model_year_of_vin(vin: str, latest: int) -> int | None:
    """The model year position 10 of a VIN encodes (ISO 3779: 'R' 2024, 'S' 2025, 'T' 2026).

    The letters repeat every 30 years; the latest year not after `latest` is taken. None when
    position 10 holds no year code (0, U or Z)."""
    if len(vin) <= _MODEL_YEAR_INDEX:
        return None
    index = _ISO_YEAR_CODES.find(vin[_MODEL_YEAR_INDEX])
    if index < 0:
        return None
    year = _ISO_YEAR_BASE + index
    while year + _ISO_YEAR_CYCLE <= latest:
        year += _ISO_YEAR_CYCLE
    return year


def vin_serial(vin: str) -> int | None:
    """Positions 12-17 as a number, when they are digits."""
    tail = vin[VIN_PREFIX_LENGTH:]
    return int(tail) if tail.isdigit() else None


def or_query(lexemes: Sequence[str]) -> str | None:
    """A tsquery (text form) matching any of the lexemes, each quoted as it is; None when none."""
    quoted = ["'" + lexeme.replace("\\", "\\\\").replace("'", "''") + "'" for lexeme in dict.fromkeys(lexemes)]
    return " | ".join(quoted) or None


def significant_words(subject_words: Sequence[str], description_words: Sequence[tuple[str, int]]) -> list[str]:
    """The words a suggestion search uses: every word of the subject, then the description's
    most frequent (`(lexeme, occurrences)`), up to SUGGESTION_MAX_WORDS. Bare numbers shorter
    than three digits (cylinder numbers, quantities) say nothing of the problem."""

    def telling(word: str) -> bool:
        return not (word.isdigit() and len(word) < 3)

    chosen = [word for word in dict.fromkeys(subject_words) if telling(word)]
    ranked = sorted(description_words, key=lambda pair: (-pair[1], pair[0]))
    for word, _ in ranked:
        if len(chosen) >= SUGGESTION_MAX_WORDS:
            break
        if telling(word) and word not in chosen:
            chosen.append(word)
    return chosen[:SUGGESTION_MAX_WORDS]


# --- Queries -------------------------------------------------------------------------------------------


def _is_hq(principal: Principal) -> bool:
    return principal.role in (Role.HQ, Role.OPS)


def _require_engineer(principal: Principal, what: str) -> None:
    if principal.acting_role not in DESK_ROLES:
        raise Refused(f"only headquarters' engineers {what}")


def _parse_id(value: str, what: str) -> uuid.UUID:
    try:
        return uuid.UUID(value.strip())
    except (ValueError, AttributeError) as exc:
        raise NotFound(f"no {what} {value}") from exc


def _visible(principal: Principal, include_drafts: bool = True) -> ColumnElement[bool]:
    if _is_hq(principal) and include_drafts:
        return ArticleRow.status.in_((DRAFT, PUBLISHED))
    return ArticleRow.status == PUBLISHED


def _feedback_sql() -> ColumnElement[Any]:
    solved = cast(ArticleRow.solved_count, Float)
    votes = cast(ArticleRow.solved_count + ArticleRow.not_solved_count, Float)
    return 0.5 + (solved + FEEDBACK_PRIOR) / (votes + 2 * FEEDBACK_PRIOR)


def _weights() -> ColumnElement[Any]:
    return cast(literal(RANK_WEIGHTS), ARRAY(REAL))


def _year_applies(year: int | ColumnElement[int]) -> ColumnElement[bool]:
    return and_(
        or_(ArticleRow.year_from.is_(None), ArticleRow.year_from <= year),
        or_(ArticleRow.year_to.is_(None), ArticleRow.year_to >= year),
    )


# The search vector is for the database to match and rank; an answer never shows it, and it
# is the largest column of the row.
_NO_VECTOR = defer(ArticleRow.search)


def search_articles(
    uow: UnitOfWork,
    principal: Principal,
    *,
    query: str,
    dtc_code: str,
    model_code: str,
    model_year: int,
    kind: str,
    include_drafts: bool,
    offset: int,
    limit: int,
) -> list[tuple[ArticleRow, float]]:
    """Articles matching every word of `query` (web-search syntax: "quoted phrases", or, -not),
    best first; without words, the newest first with rank 0."""
    problems: list[FieldViolation] = []
    code = ""
    if dtc_code.strip():
        codes, error = normalise_dtc_codes([dtc_code])
        code = codes[0]
        if error:
            problems.append(FieldViolation("dtc_code", error))
    kind = kind.strip().lower()
    if kind and kind not in KINDS:
        problems.append(FieldViolation("kind", f"must be one of: {', '.join(KINDS)}, or empty for both"))
    if model_year and not YEAR_MIN <= model_year <= YEAR_MAX:
        problems.append(FieldViolation("model_year", f"must be a model year from {YEAR_MIN} to {YEAR_MAX}"))
    if problems:
        raise ValidationFailed(problems)

    words = query.strip()
    model = model_code.strip().upper()
    shape = _SearchShape(
        drafts=_is_hq(principal) and include_drafts,
        words=bool(words),
        code=bool(code),
        model=bool(model),
        year=bool(model_year),
        kind=bool(kind),
    )
    parameters = {
        "words": words,
        "code": code,
        "code_lexeme": code.lower(),
        "code_array": [code],
        "model": [model],
        "year": model_year,
        "kind": kind,
        "offset": offset,
        "limit": limit,
        "reranked": max(RERANKED, offset + limit),
    }
    rows = uow.session.execute(_search_statement(shape), parameters)
    return [(row, float(rank)) for row, rank in rows]


@dataclass(frozen=True)
class _SearchShape:
    """Which filters a search uses: each shape's statement is built once, its values bound."""

    drafts: bool
    words: bool
    code: bool
    model: bool
    year: bool
    kind: bool


@functools.cache
def _search_statement(shape: _SearchShape) -> Select[tuple[ArticleRow, float]]:
    # Built once per shape: composing the statement costs more Python time than PostgreSQL
    # takes to answer a typical query.
    conditions: list[ColumnElement[bool]] = [
        ArticleRow.status.in_((DRAFT, PUBLISHED)) if shape.drafts else ArticleRow.status == PUBLISHED
    ]
    if shape.code:
        conditions.append(ArticleRow.dtc_codes.contains(bindparam("code_array", type_=ARRAY(String))))
    if shape.model:
        model = bindparam("model", type_=ARRAY(String))
        # An article that names no model applies to every model.
        conditions.append(or_(ArticleRow.model_codes.contains(model), func.cardinality(ArticleRow.model_codes) == 0))
    if shape.year:
        conditions.append(_year_applies(bindparam("year", type_=Integer)))
    if shape.kind:
        conditions.append(ArticleRow.kind == bindparam("kind", type_=String))
    offset = bindparam("offset", type_=Integer)
    limit = bindparam("limit", type_=Integer)

    if not shape.words and not shape.code:
        newest = func.coalesce(ArticleRow.published_at, ArticleRow.created_at)
        return (
            select(ArticleRow, literal(0.0, Float))
            .options(_NO_VECTOR)
            .where(*conditions)
            .order_by(newest.desc(), ArticleRow.id)
            .offset(offset)
            .limit(limit)
        )

    # The fault code asked for counts as a word too ('simple': codes are not stemmed), so an
    # article naming it in its title ranks above one that only lists it.
    english = func.websearch_to_tsquery(literal("english", REGCONFIG), bindparam("words", type_=String), type_=TSQUERY)
    simple = func.plainto_tsquery(literal("simple", REGCONFIG), bindparam("code_lexeme", type_=String), type_=TSQUERY)
    if shape.words and shape.code:
        tsquery: FunctionElement[Any] = func.tsquery_and(english, simple, type_=TSQUERY)
    else:
        tsquery = english if shape.words else simple
    # An uncorrelated subquery is computed once (an InitPlan) and still drives the GIN index.
    matched = select(tsquery).scalar_subquery()
    # Two passes: ts_rank (word frequency, weighted) is cheap enough to score every match and
    # keep the best few hundred; ts_rank_cd (cover density: the words close together) orders
    # those. It costs about three times as much per article, too much for a query whose
    # words thousands of articles hold.
    # Both passes read only what they rank by; the articles shown are fetched by id at the end.
    candidates = (
        select(
            ArticleRow.id,
            ArticleRow.search,
            ArticleRow.published_at,
            _feedback_sql().label("feedback"),
        )
        .where(ArticleRow.search.op("@@")(matched), *conditions)
        .order_by((func.ts_rank(_weights(), ArticleRow.search, matched, RANK_NORMALISATION) * _feedback_sql()).desc())
        .limit(bindparam("reranked", type_=Integer))
        .subquery("candidates")
    )
    cover_density = func.ts_rank_cd(_weights(), candidates.c.search, matched, RANK_NORMALISATION)
    rank = (cover_density * candidates.c.feedback).label("rank")
    page = (
        select(candidates.c.id, candidates.c.published_at, rank)
        .order_by(rank.desc(), candidates.c.published_at.desc().nulls_last(), candidates.c.id)
        .offset(offset)
        .limit(limit)
        .subquery("page")
    )
    return (
        select(ArticleRow, page.c.rank)
        .options(_NO_VECTOR)
        .join(page, ArticleRow.id == page.c.id)
        .order_by(page.c.rank.desc(), page.c.published_at.desc().nulls_last(), page.c.id)
    )


def get_article(uow: UnitOfWork, principal: Principal, article_id: str) -> ArticleRow:
    key = _parse_id(article_id, "article")
    row = uow.session.scalars(
        select(ArticleRow).options(_NO_VECTOR).where(ArticleRow.id == key, _visible(principal))
    ).first()
    if row is None:
        raise NotFound(f"no article {article_id}")
    return row


def _check_bulletin_number_free(uow: UnitOfWork, number: str | None) -> None:
    if number is None:
        return
    taken = uow.session.scalar(select(ArticleRow.id).where(ArticleRow.bulletin_number == number))
    if taken is not None:
        raise ValidationFailed.one("bulletin_number", f"bulletin {number} already exists")


def _new_article(checked: ArticleDraft, author: str, source_request_id: uuid.UUID | None = None) -> ArticleRow:
    return ArticleRow(
        id=uuid.uuid4(),
        kind=checked.kind,
        status=DRAFT,
        title=checked.title,
        symptoms=checked.symptoms,
        solution=checked.solution,
        dtc_codes=list(checked.dtc_codes),
        model_codes=list(checked.model_codes),
        year_from=checked.year_from,
        year_to=checked.year_to,
        vin_prefix=checked.vin_prefix,
        serial_from=checked.serial_from,
        serial_to=checked.serial_to,
        bulletin_number=checked.bulletin_number,
        source_request_id=source_request_id,
        author=author,
        solved_count=0,
        not_solved_count=0,
    )


def draft_article(uow: UnitOfWork, principal: Principal, draft: ArticleDraft) -> ArticleRow:
    _require_engineer(principal, "write articles")
    checked = check_draft(draft)
    _check_bulletin_number_free(uow, checked.bulletin_number)
    row = _new_article(checked, principal.subject)
    uow.session.add(row)
    uow.session.flush()
    return row


def draft_from_request(uow: UnitOfWork, principal: Principal, request_id: str) -> ArticleRow:
    """A solved request as a draft article: its subject, description and resolution; one per
    request, so asking again returns the draft already made."""
    _require_engineer(principal, "write articles")
    key = _parse_id(request_id, "support request")
    # Locked, so two engineers turning the same request into an article at once make one.
    request = uow.session.scalars(
        select(SupportRequestRow).where(SupportRequestRow.id == key).with_for_update()
    ).first()
    if request is None:
        raise NotFound(f"no support request {request_id}")
    existing = uow.session.scalars(
        select(ArticleRow).where(ArticleRow.source_request_id == key).order_by(ArticleRow.created_at).limit(1)
    ).first()
    if existing is not None:
        return existing
    resolution = (request.resolution or "").strip()
    if request.status not in RESOLVED_STATUSES or not resolution:
        raise Refused("only a resolved request with its resolution can become an article")
    title = request.subject.strip()
    if len(title) < TITLE_MIN_LENGTH:
        title = f"{title} ({', '.join(request.dtc_codes) or request.model_code or 'support request'})"
    year = request.model_year
    checked = check_draft(
        ArticleDraft(
            kind="article",
            title=title,
            symptoms=request.description,
            solution=resolution,
            dtc_codes=tuple(request.dtc_codes or ()),
            model_codes=(request.model_code,) if request.model_code else (),
            year_from=year,
            year_to=year,
        )
    )
    row = _new_article(checked, principal.subject, source_request_id=key)
    uow.session.add(row)
    uow.session.flush()
    return row


def publish_article(uow: UnitOfWork, principal: Principal, article_id: str, now: dt.datetime) -> ArticleRow:
    """A draft goes out after review by an engineer who did not write it."""
    _require_engineer(principal, "publish articles")
    key = _parse_id(article_id, "article")
    row = uow.session.scalars(select(ArticleRow).where(ArticleRow.id == key).with_for_update()).first()
    if row is None:
        raise NotFound(f"no article {article_id}")
    if row.status != DRAFT:
        raise Refused(f"the article is {row.status}, only a draft is published")
    if row.author == principal.subject:
        raise Refused("the article needs another engineer's review: its author cannot publish it")
    row.status = PUBLISHED
    row.published_by = principal.subject
    row.published_at = now
    uow.record_event(
        ARTICLE_PUBLISHED,
        {
            "id": str(row.id),
            "kind": row.kind,
            "title": row.title,
            "dtc_codes": list(row.dtc_codes),
            "model_codes": list(row.model_codes),
            "bulletin_number": row.bulletin_number,
        },
    )
    uow.session.flush()
    return row


def rate_article(uow: UnitOfWork, principal: Principal, article_id: str, solved: bool, request_id: str) -> ArticleRow:
    """A station's word on whether the article solved its problem: one per station, a second
    replaces the first."""
    if principal.role is not Role.STATION:
        raise Refused("only a repair station rates articles")
    assert principal.org_code is not None
    key = _parse_id(article_id, "article")
    request_key: uuid.UUID | None = None
    if request_id.strip():
        try:
            request_key = uuid.UUID(request_id.strip())
        except ValueError as exc:
            raise ValidationFailed.one("request_id", "is not a request id") from exc
        own = uow.session.scalar(
            select(SupportRequestRow.id).where(
                SupportRequestRow.id == request_key, SupportRequestRow.station_code == principal.org_code
            )
        )
        if own is None:
            raise ValidationFailed.one("request_id", "is not one of this station's requests")
    # The article's row is locked while the vote is written and counted, so concurrent
    # votes on one article take turns and the counts always equal the votes.
    row = uow.session.scalars(
        select(ArticleRow).where(ArticleRow.id == key, ArticleRow.status == PUBLISHED).with_for_update()
    ).first()
    if row is None:
        raise NotFound(f"no article {article_id}")
    vote = insert(ArticleFeedbackRow).values(
        article_id=key, station_code=principal.org_code, solved=solved, request_id=request_key
    )
    uow.session.execute(
        vote.on_conflict_do_update(
            index_elements=[ArticleFeedbackRow.article_id, ArticleFeedbackRow.station_code],
            set_={"solved": solved, "request_id": request_key, "recorded_at": func.now()},
        )
    )
    counts = (
        select(
            func.count().filter(ArticleFeedbackRow.solved.is_(true())),
            func.count().filter(ArticleFeedbackRow.solved.is_(false())),
        )
        .where(ArticleFeedbackRow.article_id == key)
        .subquery()
    )
    solved_count, not_solved_count = uow.session.execute(select(counts)).one()
    uow.session.execute(
        update(ArticleRow)
        .where(ArticleRow.id == key)
        .values(solved_count=solved_count, not_solved_count=not_solved_count)
        .execution_options(synchronize_session=False)
    )
    row.solved_count = solved_count
    row.not_solved_count = not_solved_count
    uow.session.flush()
    return row


def bulletins_for_vehicle(
    uow: UnitOfWork,
    principal: Principal,
    vin: str,
    *,
    model_code: str | None = None,
    model_year: int | None = None,
    today: dt.date | None = None,
) -> list[ArticleRow]:
    """The published bulletins that apply to a car: those for its VIN range, and those for its
    model and model year (taken from the VIN when not given)."""
    vin = vin.strip().upper()
    problem = vin_problem(vin) if vin else "is required"
    if problem:
        raise ValidationFailed.one("vin", problem)
    if model_year is None:
        model_year = model_year_of_vin(vin, latest=(today or dt.datetime.now(dt.UTC).date()).year + 1)
    serial = vin_serial(vin)
    # Position 9 is the check digit, which differs from car to car within one batch, so a
    # VIN range is matched on the other ten characters of the prefix.
    prefix_matches = and_(
        func.substr(ArticleRow.vin_prefix, 1, 8) == vin[:8],
        func.substr(ArticleRow.vin_prefix, 10, 2) == vin[9:VIN_PREFIX_LENGTH],
    )
    if serial is None:
        serial_matches: ColumnElement[bool] = and_(ArticleRow.serial_from.is_(None), ArticleRow.serial_to.is_(None))
    else:
        serial_matches = and_(
            or_(ArticleRow.serial_from.is_(None), ArticleRow.serial_from <= serial),
            or_(ArticleRow.serial_to.is_(None), ArticleRow.serial_to >= serial),
        )
    applies: list[ColumnElement[bool]] = [and_(ArticleRow.vin_prefix.is_not(None), prefix_matches, serial_matches)]
    if model_code and model_code.strip():
        by_model = [ArticleRow.vin_prefix.is_(None), ArticleRow.model_codes.contains([model_code.strip().upper()])]
        if model_year is not None:
            by_model.append(_year_applies(model_year))
        applies.append(and_(*by_model))
    statement = (
        select(ArticleRow)
        .options(_NO_VECTOR)
        .where(ArticleRow.kind == "bulletin", ArticleRow.status == PUBLISHED, or_(*applies))
        .order_by(ArticleRow.published_at.desc(), ArticleRow.id)
    )
    return list(uow.session.scalars(statement))


# --- Suggestions ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Suggestion:
    # article, bulletin or request
    kind: str
    id: str
    title: str
    rank: float


def _lexemes(uow: UnitOfWork, text_value: str) -> list[tuple[str, int]]:
    """PostgreSQL's own English lexemes of the text (stemmed, stop words out), with how often each occurs."""
    if not text_value.strip():
        return []
    vector = uow.session.execute(
        select(cast(func.to_tsvector(literal("english", REGCONFIG), text_value), Text))
    ).scalar_one()
    return list(_occurrences(vector).items())


_TSVECTOR_ENTRY = re.compile(r"'((?:[^']|'')*)'(?::([0-9A-D,]+))?")


def _occurrences(tsvector_text: str) -> dict[str, int]:
    """Occurrences per lexeme from a tsvector's text form ('word':1,5 'other':3)."""
    found: dict[str, int] = {}
    for match in _TSVECTOR_ENTRY.finditer(tsvector_text):
        positions = match.group(2)
        found[match.group(1).replace("''", "'").replace("\\\\", "\\")] = len(positions.split(",")) if positions else 1
    return found


def suggest(
    uow: UnitOfWork,
    *,
    subject: str,
    description: str,
    dtc_codes: Sequence[str],
    model_code: str | None,
    exclude_request_id: uuid.UUID | None = None,
    limit: int = 5,
) -> list[Suggestion]:
    """The published articles and bulletins, and the solved requests, most like a new request:
    any of its words or fault codes, ranked by how many they share and where (ts_rank: unlike
    ts_rank_cd it scores an OR query by the share of its words a text holds), those for the
    same model ahead."""
    subject_words = [word for word, _ in _lexemes(uow, subject)]
    words = significant_words(subject_words, _lexemes(uow, description))
    codes = [code.strip().lower() for code in dtc_codes if code.strip()]
    # Cast, not to_tsquery(): the lexemes are already PostgreSQL's own and go in exactly as
    # they are (to_tsquery would parse a hyphenated one into a phrase).
    text_query = or_query([*codes, *words])
    if text_query is None or limit < 1:
        return []
    model = (model_code or "").strip().upper() or None
    matched = select(cast(literal(text_query), TSQUERY)).scalar_subquery()

    article_boost: ColumnElement[Any] = literal(1.0, Float)
    if model is not None:
        article_boost = case((ArticleRow.model_codes.contains([model]), MODEL_BOOST), else_=1.0)
    article_rank = (
        func.ts_rank(_weights(), ArticleRow.search, matched, RANK_NORMALISATION) * _feedback_sql() * article_boost
    ).label("rank")
    articles = uow.session.execute(
        select(ArticleRow.kind, ArticleRow.id, ArticleRow.title, article_rank)
        .where(ArticleRow.search.op("@@")(matched), ArticleRow.status == PUBLISHED)
        .order_by(article_rank.desc(), ArticleRow.id)
        .limit(limit)
    ).all()

    request_boost: ColumnElement[Any] = literal(1.0, Float)
    if model is not None:
        request_boost = case((SupportRequestRow.model_code == model, MODEL_BOOST), else_=1.0)
    request_rank = (
        func.ts_rank(_weights(), SupportRequestRow.search, matched, RANK_NORMALISATION) * request_boost
    ).label("rank")
    request_conditions: list[ColumnElement[bool]] = [
        SupportRequestRow.search.op("@@")(matched),
        SupportRequestRow.status.in_(RESOLVED_STATUSES),
        SupportRequestRow.resolution.is_not(None),
    ]
    if exclude_request_id is not None:
        request_conditions.append(SupportRequestRow.id != exclude_request_id)
    requests = uow.session.execute(
        select(literal("request"), SupportRequestRow.id, SupportRequestRow.subject, request_rank)
        .where(*request_conditions)
        .order_by(request_rank.desc(), SupportRequestRow.id)
        .limit(limit)
    ).all()

    merged = [Suggestion(kind=kind, id=str(key), title=title, rank=float(rank)) for kind, key, title, rank in articles]
    merged += [Suggestion(kind=kind, id=str(key), title=title, rank=float(rank)) for kind, key, title, rank in requests]
    merged.sort(key=lambda suggestion: (-suggestion.rank, suggestion.kind, suggestion.id))
    return merged[:limit]
