"""Is this the same customer? How two customer records are compared, in plain Python.

A match on an identifier (national or company id, phone, e-mail) together with a name that
agrees is clear: the records are one customer and are linked without asking anyone. An
identifier shared by two different names (a family's landline, a fleet's switchboard),
or a very similar name in the same city with nothing to tell them apart, is doubtful:
headquarters decides. Names are compared by trigram similarity, the measure PostgreSQL's
pg_trgm index answers, so the database finds the candidates this module then judges.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from enum import StrEnum

# A company's legal form says nothing about which company it is.
_LEGAL_FORMS = frozenset(
    {"ltd", "limited", "co", "company", "corp", "corporation", "inc", "llc", "plc", "gmbh", "ag", "sa", "srl", "bv",
     "group", "holdings"}
)  # fmt: skip
# Letters and digits of any script stay (a name in Chinese characters keeps its key).
_NOT_ALPHANUMERIC = re.compile(r"[^\w\s]|_")
_WHITESPACE = re.compile(r"\s+")

# Names at least this similar are the same name for a match on an identifier.
SAME_NAME = 0.5
# Without a shared identifier, names must be this similar, in the same city, to be doubtful
# (pg_trgm gives 0.67 for "jonathan smith" and "jonathon smith").
LOOKALIKE_NAME = 0.6


class Decision(StrEnum):
    CLEAR = "clear"
    DOUBTFUL = "doubtful"
    DIFFERENT = "different"


@dataclass(frozen=True)
class Identity:
    """What a record is recognised by, each field already normalised (None when not known)."""

    name_key: str
    phones: frozenset[str] = frozenset()
    emails: frozenset[str] = frozenset()
    national_id: str | None = None
    city: str | None = None


@dataclass(frozen=True)
class Match:
    decision: Decision
    score: float
    reasons: tuple[str, ...]


def name_key(name: str, *, company: bool = False) -> str:
    """The name as it is compared: no accents, case, punctuation or (for companies) legal form."""
    decomposed = unicodedata.normalize("NFKD", name)
    plain = "".join(char for char in decomposed if not unicodedata.combining(char)).lower()
    words = _WHITESPACE.sub(" ", _NOT_ALPHANUMERIC.sub(" ", plain)).split()
    if company:
        words = [word for word in words if word not in _LEGAL_FORMS] or words
    return " ".join(words)


def national_id_key(raw: str) -> str | None:
    """A national id or company registration number without spaces, dashes or case."""
    key = re.sub(r"[^0-9A-Za-z]", "", raw).upper()
    return key or None


def trigrams(text: str) -> frozenset[str]:
    """pg_trgm's trigrams: each word padded with two spaces before and one after."""
    grams: set[str] = set()
    for word in text.split():
        padded = f"  {word} "
        grams.update(padded[i : i + 3] for i in range(len(padded) - 2))
    return frozenset(grams)


def name_similarity(a: str, b: str) -> float:
    """pg_trgm's similarity(): shared trigrams over all trigrams of the two."""
    first, second = trigrams(a), trigrams(b)
    if not first or not second:
        return 0.0
    return len(first & second) / len(first | second)


def _same_name(a: str, b: str) -> float:
    """Similarity that also recognises the same words in another order ("Wei Li", "Li Wei")."""
    return max(name_similarity(a, b), name_similarity(" ".join(sorted(a.split())), " ".join(sorted(b.split()))))


def compare(new: Identity, known: Identity) -> Match:
    """How sure we are that `new` and `known` are one customer, and why."""
    similarity = _same_name(new.name_key, known.name_key)
    shared: list[str] = []
    if new.national_id and new.national_id == known.national_id:
        shared.append("national_id")
    if new.phones & known.phones:
        shared.append("phone")
    if new.emails & known.emails:
        shared.append("email")
    name_reason = f"name {similarity:.2f}"
    if "national_id" in shared:
        # An official id is the strongest evidence there is, whatever the spelling of the name.
        return Match(Decision.CLEAR, 1.0, (*shared, name_reason))
    if new.national_id and known.national_id:
        # Two different official ids are two different customers, however alike otherwise.
        return Match(Decision.DIFFERENT, 0.0, ("national_id differs",))
    if shared and similarity >= SAME_NAME:
        return Match(Decision.CLEAR, round(0.6 + 0.4 * similarity, 3), (*shared, name_reason))
    if shared:
        return Match(Decision.DOUBTFUL, round(0.3 + 0.3 * similarity, 3), (*shared, name_reason))
    same_city = bool(new.city and known.city and new.city.lower() == known.city.lower())
    # Both have a phone (or both an e-mail) and none is shared: two people with alike names.
    told_apart = bool((new.phones and known.phones) or (new.emails and known.emails))
    if similarity >= LOOKALIKE_NAME and same_city and not told_apart:
        return Match(Decision.DOUBTFUL, round(0.5 * similarity, 3), (name_reason, "city"))
    return Match(Decision.DIFFERENT, round(0.5 * similarity, 3), (name_reason,))


def best(matches: list[tuple[Match, str]]) -> tuple[Match, str] | None:
    """The strongest match of several candidates (clear before doubtful, then by score)."""
    ranked = sorted(
        (pair for pair in matches if pair[0].decision is not Decision.DIFFERENT),
        key=lambda pair: (pair[0].decision is Decision.CLEAR, pair[0].score),
        reverse=True,
    )
    return ranked[0] if ranked else None


def mask_phone(phone: str | None) -> str:
    """ "+86 *** **** 8000": enough to recognise a number one already has, not to dial it."""
    if not phone:
        return ""
    return phone[:3] + "*" * max(0, len(phone) - 7) + phone[-4:]


def mask_email(email: str | None) -> str:
    """ "l*****@example.com"."""
    if not email or "@" not in email:
        return ""
    local, _, domain = email.partition("@")
    return f"{local[0]}{'*' * max(1, len(local) - 1)}@{domain}"
