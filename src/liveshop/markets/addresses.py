"""Address rules per market: postcode formats, and US states as a closed list.

The subdivision names come from pycountry (ISO 3166-2), so "California", "california" and
"CA" all mean CA; anything that is not one of the fifty states or DC is refused, never guessed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import pycountry

# Each market's postcode, as people write it; the match is on the upper-cased, trimmed text.
_UK = (
    r"(GIR ?0AA|[A-PR-UWYZ]([0-9]{1,2}|[A-HK-Y][0-9][0-9ABEHMNPRV-Y]?|[0-9][A-HJKPS-UW]|"
    r"[A-HK-Y][0-9]) ?[0-9][ABD-HJLNP-UW-Z]{2})"
)
POSTCODE_RULES: dict[str, tuple[re.Pattern[str], str]] = {
    "UK": (re.compile(_UK), "a UK postcode such as LS1 6HD"),
    "DE": (re.compile(r"(0[1-9]|[1-9][0-9])[0-9]{3}"), "five digits, such as 10115"),
    "FR": (re.compile(r"(0[1-9]|[1-8][0-9]|9[0-8])[0-9]{3}"), "five digits, such as 75008"),
    "IT": (re.compile(r"[0-9]{5}"), "five digits (CAP), such as 20121"),
    "ES": (re.compile(r"(0[1-9]|[1-4][0-9]|5[0-2])[0-9]{3}"), "five digits from 01000 to 52999"),
    "US": (re.compile(r"[0-9]{5}(-[0-9]{4})?"), "a ZIP code such as 11201 or 11201-1234"),
    "ID": (re.compile(r"[1-9][0-9]{4}"), "five digits (kode pos), such as 10110"),
}

# The fifty states and DC: what "a US address" can be. Territories ship elsewhere.
_US = [
    s
    for s in pycountry.subdivisions.get(country_code="US")  # type: ignore[no-untyped-call]
    if s.type in {"State", "District"}
]
US_STATES: dict[str, str] = {
    s.code.split("-")[1]: s.name for s in sorted(_US, key=lambda s: s.code)
}
_US_BY_NAME = {name.casefold(): code for code, name in US_STATES.items()}


class AddressError(ValueError):
    """An address field that breaks its country's rule; `field` says which."""

    def __init__(self, field: str, kind: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.kind = kind
        self.message = message


@dataclass(frozen=True)
class Normalised:
    postcode: str
    region: str | None


def us_state(region: str | None) -> str:
    """The two-letter code of a US state or DC, from its code or its name; else AddressError."""
    text = " ".join((region or "").split())
    if not text:
        raise AddressError("region", "region_required", "A US address needs its state, e.g. CA.")
    code = text.upper().removeprefix("US-")
    if code in US_STATES:
        return code
    by_name = _US_BY_NAME.get(text.casefold())
    if by_name:
        return by_name
    raise AddressError(
        "region",
        "unknown_region",
        f"{text[:60]!r} is not a US state: give one of the 50 states or DC, e.g. CA or California.",
    )


def normalise(*, country: str, postcode: str, region: str | None) -> Normalised:
    """The address's postcode and region as stored, or AddressError saying what is wrong."""
    written = " ".join(postcode.split()).upper()
    rule = POSTCODE_RULES.get(country)
    if rule is not None and not rule[0].fullmatch(written):
        raise AddressError(
            "postcode", "postcode_format", f"{postcode.strip()[:20]!r} is not {rule[1]}."
        )
    if country == "UK" and " " not in written:
        written = f"{written[:-3]} {written[-3:]}"  # LS16HD -> LS1 6HD, as Royal Mail writes it
    if country == "US":
        return Normalised(postcode=written, region=us_state(region))
    region = " ".join((region or "").split()) or None
    return Normalised(postcode=written, region=region)
