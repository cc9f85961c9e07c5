"""The vehicle identification number (ISO 3779): its format and check digit.

An identifier standard shared by every service that meets a VIN, like a UUID's format;
no business rule of any service lives here.
"""

from __future__ import annotations

import re

VIN_LENGTH = 17

# ISO 3779 leaves I, O and Q out so they are never read as 1 and 0.
_VIN_PATTERN = re.compile(r"^[A-HJ-NPR-Z0-9]{17}$")

_VIN_TRANSLITERATION: dict[str, int] = {
    **{str(digit): digit for digit in range(10)},
    **dict(zip("ABCDEFGH", range(1, 9), strict=True)),
    **dict(zip("JKLMN", range(1, 6), strict=True)),
    "P": 7,
    "R": 9,
    **dict(zip("STUVWXYZ", range(2, 10), strict=True)),
}
_VIN_WEIGHTS = (8, 7, 6, 5, 4, 3, 2, 10, 0, 9, 8, 7, 6, 5, 4, 3, 2)
_VIN_CHECK_DIGIT_INDEX = 8
# North America (1-5) and China (L) make the position 9 check digit compulsory;
# elsewhere position 9 may carry anything the maker chooses.
_REGIONS_WITH_CHECK_DIGIT = frozenset("12345L")


def vin_check_digit(vin: str) -> str:
    """The ISO 3779 check digit of a well-formed VIN: "0"-"9", or "X" for ten.

    Position 9 itself is weighted zero, so it may hold anything when this is computed.
    """
    if not _VIN_PATTERN.match(vin):
        raise ValueError(f"'{vin}' is not 17 VIN characters")
    total = sum(_VIN_TRANSLITERATION[char] * weight for char, weight in zip(vin, _VIN_WEIGHTS, strict=True))
    remainder = total % 11
    return "X" if remainder == 10 else str(remainder)


def vin_problem(vin: str) -> str | None:
    """Why `vin` (upper-case) is not a valid VIN, or None when it is."""
    if len(vin) != VIN_LENGTH:
        return f"must be {VIN_LENGTH} characters, got {len(vin)}"
    if not _VIN_PATTERN.match(vin):
        return "may hold only digits and the letters A-Z except I, O and Q"
    if vin[0] in _REGIONS_WITH_CHECK_DIGIT:
        expected = vin_check_digit(vin)
        if vin[_VIN_CHECK_DIGIT_INDEX] != expected:
            return f"check digit (position 9) should be {expected}, got {vin[_VIN_CHECK_DIGIT_INDEX]}"
    return None
