"""Address blocks per NEN 5825:2002 as RvIG's BRP API implements it, and PostNL's rules (DOMAIN.md §1).

A record is a mapping of column kinds (``verwerker.datafiles.kinds.Kind`` values) to strings. The
block is 3 to 6 lines: name lines, the street line (or Postbus/Antwoordnummer), ``1234 AB  TOWN``,
and for foreign addresses the country in English capitals on the last line (and no KIX).
Records that cannot be addressed raise ``Unaddressable`` with a reason that names no personal data,
so the reason can go into logs, audit details and the reject report alike.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from verwerker.lib.countries import country_of
from verwerker.production.kix import KixError, clean_supplied_kix, kix_content

__all__ = ["country_of"]  # the one notion of an address's country, shared with the profile (lib/countries.py)

MAX_LINES = 6
MIN_LINES = 3
# NEN 5825's line length is not public; 40 characters of 10 pt sans-serif fit the 85 mm DIN 5008 window.
DEFAULT_LINE_LENGTH = 40

_POSTCODE = re.compile(r"^(?:NL-?)?([1-9][0-9]{3})\s*([A-Z]{2})$")
_NUMBER_SPLIT = re.compile(r"^0*([1-9][0-9]{0,4})\s*[-/ ]?\s*([A-Za-z0-9 ./-]*)$")
_STREET_AND_NUMBER = re.compile(
    r"^(?P<street>.*?[^\s\d]|\d+e? [^\d].*?)\s+(?P<number>\d{1,5})(?:\s*[-/ ]?\s*(?P<rest>[A-Za-z0-9][A-Za-z0-9 ./-]*))?$"  # noqa: E501
)
_PLACEHOLDERS = {"", ".", "-", "0", "?", "onbekend", "n.v.t.", "nvt", "x"}
# "Aanduiding bij huisnummer" (NEN 5825 as RvIG fills it): a delivery point by (`bij`) or opposite (`t/o`)
# a numbered address, as `Graan voor Visch bij 15201`, `1e Exloërmond t/o 3-2`. Client files write it in
# front of the number (BRP's codes `by`/`to` too) or at the end of the street name.
_INDICATION_BEFORE_NUMBER = re.compile(r"^(?P<ind>bij|by|t/o|t\.o\.|to|tegenover)\s+(?P<number>\d.*)$", re.IGNORECASE)
_INDICATION_AFTER_STREET = re.compile(r"^(?P<street>.*\S)\s+(?P<ind>bij|t/o|t\.o\.|tegenover)$", re.IGNORECASE)
_INDICATIONS = {"bij": "bij", "by": "bij", "t/o": "t/o", "t.o.": "t/o", "to": "t/o", "tegenover": "t/o"}

# Tussenvoegsels: lowercase inside a name, capitalised at the start of a line or after a bare title.
INFIXES = {
    "van", "de", "der", "den", "het", "ter", "ten", "te", "op", "in", "'t", "t", "la", "le", "du", "da", "di",
    "des", "del", "della", "von", "zu", "vd", "v/d", "aan", "bij", "uit", "over", "voor", "onder", "l'", "d'",
}

_SALUTATIONS = {
    "de heer": "De heer", "heer": "De heer", "dhr": "De heer", "dhr.": "De heer", "hr": "De heer", "hr.": "De heer",
    "m": "De heer", "man": "De heer", "male": "De heer", "mr": "De heer", "mr.": "De heer", "mannelijk": "De heer",
    "mevrouw": "Mevrouw", "mevr": "Mevrouw", "mevr.": "Mevrouw", "mw": "Mevrouw", "mw.": "Mevrouw", "v": "Mevrouw",
    "vrouw": "Mevrouw", "f": "Mevrouw", "female": "Mevrouw", "mrs": "Mevrouw", "ms": "Mevrouw", "vrouwelijk": "Mevrouw",
    "familie": "Familie", "fam": "Familie", "fam.": "Familie",
    "de heer/mevrouw": "De heer/mevrouw", "heer/mevrouw": "De heer/mevrouw", "dhr/mevr": "De heer/mevrouw",
}
# What the greeting says after "Geachte": lowercase, the surname follows.
_GREETING_WORD = {"De heer": "heer", "Mevrouw": "mevrouw", "Familie": "familie", "De heer/mevrouw": "heer/mevrouw"}

# NEN-style abbreviations, tried one at a time and only when the street line does not fit.
_ABBREVIATIONS = (
    (r"\bBurgemeester\b", "Burg"), (r"\bProfessor\b", "Prof"), (r"\bDokter\b", "Dr"), (r"\bDoctor\b", "Dr"),
    (r"\bGeneraal\b", "Gen"), (r"\bKoningin\b", "Kon"), (r"\bKoning\b", "Kon"), (r"\bPrinses\b", "Pr"),
    (r"\bPrins\b", "Pr"), (r"\bJonkheer\b", "Jhr"), (r"\bSint\b", "St"), (r"\bMeester\b", "Mr"),
    (r"\bMinister\b", "Min"), (r"\bPastoor\b", "Past"), (r"\bKolonel\b", "Kol"), (r"\bLuitenant\b", "Luit"),
    (r"\bAdmiraal\b", "Adm"), (r"\bGebroeders\b", "Gebr"), (r"\bOnze Lieve Vrouwe\b", "OLV"),
    (r"straat\b", "str"), (r"laan\b", "ln"), (r"weg\b", "wg"), (r"plein\b", "pln"), (r"singel\b", "sngl"),
    (r"kade\b", "kd"), (r"gracht\b", "gr"), (r"dijk\b", "dk"), (r"park\b", "pk"),
)


class Unaddressable(ValueError):
    """The record cannot be turned into a deliverable address; ``reason`` names no personal data."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class AddressBlock:
    lines: tuple[str, ...]
    country_code: str  # "NL" for domestic
    postcode: str = ""  # "1234 AB" for domestic, as written for foreign
    number: int | None = None
    letter: str = ""
    addition: str = ""
    kix: str = ""  # empty for foreign addresses
    indication: str = ""  # "bij" or "t/o": the delivery point is by or opposite the numbered address
    name_key: str = ""  # normalised surname + initials, for deduplication
    greeting: str = ""  # "Geachte heer Van der Berg,"
    extra: dict = field(default_factory=dict)

    @property
    def domestic(self) -> bool:
        return self.country_code == "NL"


_WS = re.compile(r"\s+")
_NOT_KEY = re.compile(r"[^a-z0-9]")
_NOT_LETTER = re.compile(r"[^a-z]")
_POSTCODE_JUNK = re.compile(r"[\s-]+")
_NAME_SPLIT = re.compile(r"([ -])")
_INITIALS_SPLIT = re.compile(r"[.\s]+")
_ONE_LETTER = re.compile(r"[A-Za-z]")


def _value(record, kind: str) -> str:
    value = record.get(kind)
    if not value:
        return ""
    value = str(value)
    # Fast path: most values are clean; only collapse whitespace when there is some to collapse.
    if "  " in value or value[0].isspace() or value[-1].isspace() or "\t" in value or "\n" in value:
        return _WS.sub(" ", value).strip()
    return value


def _real(value: str) -> bool:
    return value.lower() not in _PLACEHOLDERS


def normalise_postcode(value: str) -> str | None:
    """``1234ab`` → ``1234 AB``; None when it is not a valid Dutch postcode (SA/SD/SS are never issued)."""
    match = _POSTCODE.match(_POSTCODE_JUNK.sub("", value.upper()) if value else "")
    if not match or match.group(2) in {"SA", "SD", "SS"}:
        return None
    return f"{match.group(1)} {match.group(2)}"


def _cap_first(text: str) -> str:
    return text[:1].upper() + text[1:] if text else text


def _normalise_case(word_run: str) -> str:
    """Title-case a name typed all in capitals or all in lowercase; keep a mixed-case name as given."""
    if word_run != word_run.upper() and word_run != word_run.lower():
        return word_run
    parts = _NAME_SPLIT.split(word_run.lower())
    out = []
    for part in parts:
        out.append(part if part in INFIXES or part in {" ", "-"} else _cap_first(part))
    return "".join(out)


def split_infix(surname: str, infix: str = "") -> tuple[str, str]:
    """Separate leading tussenvoegsels from a surname: ("van der", "Berg"); infixes lowercased."""
    words = surname.split(" ")
    lead = []
    while len(words) > 1 and words[0].lower() in INFIXES:
        lead.append(words.pop(0).lower())
    infix_words = [w.lower() for w in infix.split()] + lead
    return " ".join(infix_words), _normalise_case(" ".join(words))


def normalise_initials(initials: str, first_name: str = "") -> str:
    """``jp``, ``J P``, ``J.P`` → ``J.P.``; ``Th.`` and ``IJ.`` kept; falls back to the first name as written."""
    out = []
    for token in (t for t in _INITIALS_SPLIT.split(initials) if t):
        if not token[0].isalpha():
            continue
        if token.lower() == "ij":
            out.append("IJ.")
        elif len(token) > 1 and token != token.upper() and token != token.lower():
            out.append(token + ".")  # Th., Chr.
        else:
            out.extend(ch.upper() + "." for ch in token if ch.isalpha())
    if out:
        return "".join(out)
    return _normalise_case(first_name) if first_name else ""


def normalise_salutation(salutation: str, gender: str = "") -> str:
    """The salutation as it opens an address line (``De heer``, ``Mevrouw``, ``Familie``), or ``""``."""
    key = salutation.strip().lower()
    if key in _SALUTATIONS:
        return _SALUTATIONS[key]
    if salutation:
        return _cap_first(salutation)
    g = gender.strip().lower()
    if g in {"m", "man", "male", "mannelijk"}:
        return "De heer"
    if g in {"v", "vrouw", "f", "female", "vrouwelijk"}:
        return "Mevrouw"
    return ""


def name_line(record) -> tuple[str, str, str]:
    """(name line, dedupe name key, greeting) from full_name or salutation/initials/infix/last_name."""
    salutation = normalise_salutation(_value(record, "salutation"), _value(record, "gender"))
    full = _value(record, "full_name")
    last = _value(record, "last_name")
    if not last and not full:
        return "", "", ""
    if last:
        infix, surname = split_infix(last, _value(record, "infix"))
        initials = normalise_initials(_value(record, "initials"), _value(record, "first_name"))
    else:
        # A full name is printed as given, its leading infix capitalised when it starts the line.
        initials, infix, surname = "", "", full
    # Tussenvoegsel: lowercase after initials or a first name, capitalised when nothing precedes it
    # but a title or the line start ("De heer J. van der Berg", "De heer Van der Berg").
    infix_shown = infix if initials else _cap_first(infix)
    name = " ".join(p for p in (initials, infix_shown, surname) if p)
    line = " ".join(p for p in (salutation, name) if p)
    line = _cap_first(line)
    key = _NOT_KEY.sub("", f"{surname}{infix}".lower()) + "|" + _NOT_LETTER.sub("", initials.lower())[:1]
    word = _GREETING_WORD.get(salutation)
    family = " ".join(p for p in (_cap_first(infix), surname) if p) if last else full
    greeting = f"Geachte {word} {family}," if word else f"Geachte {name},"
    if not word and not last:
        greeting = "Geachte heer/mevrouw,"
    return line, key, greeting


def parse_house_number(number: str, letter: str = "", addition: str = "") -> tuple[int, str, str]:
    """(number, letter, addition) from client columns that mix them (``12a``, ``9-2``, ``35 III``).

    Raises Unaddressable when there is no real house number.
    """
    match = _NUMBER_SPLIT.match(number.strip())
    if not match or not _real(number):
        raise Unaddressable("no house number")
    n = int(match.group(1))
    rest = match.group(2).strip(" -/.")
    letter = letter.strip(" -/.")
    addition = addition.strip(" -/.")
    if rest:
        if not letter and _ONE_LETTER.fullmatch(rest):
            letter = rest
        else:
            addition = f"{rest} {addition}".strip() if addition else rest
    # A single-letter addition belongs in the letter field (BAG); client files mix them.
    if not letter and _ONE_LETTER.fullmatch(addition):
        letter, addition = addition, ""
    if len(letter) > 1:
        letter, addition = letter[0], letter[1:] + addition
    return n, letter, addition


def number_text(number: int, letter: str, addition: str) -> str:
    """``103 c``, ``9-2``, ``35 III``, ``400 LToe``: a hyphen when the suffix starts with a digit (RvIG)."""
    suffix = f"{letter}{addition}"
    if not suffix:
        return str(number)
    return f"{number}-{suffix}" if suffix[0].isdigit() else f"{number} {suffix}"


def abbreviate_street(street: str, room: int) -> str:
    """Shorten a street name with NEN-style abbreviations, one at a time, only until it fits ``room``."""
    result = street
    for pattern, short in _ABBREVIATIONS:
        if len(result) <= room:
            break
        result = re.sub(pattern, short, result, count=1)
    return result


def _split_street_and_number(value: str) -> tuple[str, str]:
    match = _STREET_AND_NUMBER.match(value)
    if not match:
        raise Unaddressable("no house number in the street line")
    return match.group("street"), (match.group("number") + " " + (match.group("rest") or "")).strip()


def build_address_block(
    record, *, line_length: int = DEFAULT_LINE_LENGTH, require_name: bool = True
) -> AddressBlock:
    """The address block of one record (a mapping of kind → string).

    ``require_name=False`` is for suppression lists, whose rows may name only a delivery point.

    Raises Unaddressable with a reason when the record cannot be addressed.
    """
    country = country_of(_value(record, "country"))
    if country is None:
        raise Unaddressable("country not recognised")
    code, english = country
    lines: list[str] = []
    company = _value(record, "company")
    if company:
        lines.append(company)
    department = _value(record, "department")
    if department:
        lines.append(department)
    person, name_key, greeting = name_line(record)
    if person:
        lines.append(("t.a.v. " + person) if company else person)
    if not lines and require_name:
        raise Unaddressable("no name or company")
    if not name_key and company:
        name_key = _NOT_KEY.sub("", company.lower())
        greeting = "Geachte heer/mevrouw,"

    street = _value(record, "street")
    number = _value(record, "house_number")
    free_lines = [
        _value(record, k)
        for k in sorted(k for k in record.keys() if k == "address_line" or k.startswith("address_line_"))
    ]
    free_lines = [x for x in free_lines if x]
    combined = _value(record, "street_and_number")
    if not street and combined:
        street, number = _split_street_and_number(combined)
    elif street and not number and code == "NL":
        street, number = _split_street_and_number(street)
    city = _value(record, "city")

    if code != "NL":
        # Foreign: lines as the client wrote them, town and country in capitals (PostNL, UPU).
        street_lines = free_lines or ([f"{street} {number}".strip()] if street else [])
        if not street_lines:
            raise Unaddressable("no street address")
        if not city and not free_lines:
            raise Unaddressable("no town")
        postcode = _value(record, "postcode")
        town_line = "  ".join(p for p in (postcode, city.upper()) if p)
        block_lines = [*lines, *street_lines, *([town_line] if town_line else []), english]
        _check_length(block_lines)
        return AddressBlock(
            lines=tuple(block_lines), country_code=code, postcode=postcode, name_key=name_key, greeting=greeting,
            extra={"street_key": _NOT_KEY.sub("", " ".join(street_lines).lower())},
        )

    postcode = normalise_postcode(_value(record, "postcode"))  # type: ignore[assignment]
    if postcode is None:
        raise Unaddressable("invalid or missing postcode")
    if not city or not _real(city):
        raise Unaddressable("no town")
    if not street or not _real(street):
        if free_lines:
            street, number = _split_street_and_number(free_lines[0])
        else:
            raise Unaddressable("no street")
    street, number, indication = _indication(street, number)
    n, letter, addition = parse_house_number(
        number, _value(record, "house_number_letter"), _value(record, "house_number_addition")
    )
    box = street.lower().rstrip(".") in {"postbus", "antwoordnummer", "pb"}
    if box:
        street = "Antwoordnummer" if street.lower().startswith("antw") else "Postbus"
        letter = addition = indication = ""  # a box number never has a suffix
    digits = number_text(n, letter, addition)
    if indication:
        digits = f"{indication} {digits}"
    room = line_length - len(digits) - 1
    street_shown = street if len(street) <= room else abbreviate_street(street, room)
    street_line = f"{street_shown} {digits}"
    if len(street_line) > line_length:
        raise Unaddressable(f"street line longer than {line_length} characters after abbreviation")
    supplied = _value(record, "kix")
    try:
        kix = clean_supplied_kix(supplied) if supplied else kix_content(postcode, n, letter, addition)
    except KixError as exc:
        raise Unaddressable(f"no KIX: {exc}") from None
    block_lines = [*lines, street_line, f"{postcode}  {city.upper()}"]
    _check_length(block_lines, minimum=MIN_LINES if require_name else 2)
    return AddressBlock(
        lines=tuple(block_lines), country_code="NL", postcode=postcode, number=n, letter=letter, addition=addition,
        kix=kix, indication=indication, name_key=name_key, greeting=greeting,
    )


def delivery_point_key(record) -> tuple[str, str] | None:
    """(address key, name key) of a Dutch delivery point named only by postcode and house number, as a
    suppression list may name it (the Postfilter register lists delivery points that way); None when the
    row is not such a point. The key is the one build_address_block gives the same address."""
    if country_of(_value(record, "country")) != ("NL", ""):
        return None
    postcode = normalise_postcode(_value(record, "postcode"))
    number = _value(record, "house_number")
    if postcode is None or not number:
        return None
    _street, number, indication = _indication("", number)
    try:
        n, letter, addition = parse_house_number(
            number, _value(record, "house_number_letter"), _value(record, "house_number_addition")
        )
    except Unaddressable:
        return None
    _line, name_key, _greeting = name_line(record)
    return f"NL|{postcode}|{n}|{letter.upper()}|{addition.upper()}|{indication}", name_key


def _indication(street: str, number: str) -> tuple[str, str, str]:
    """(street, number, indication) with a `bij`/`t/o` taken from in front of the number or from the end
    of the street name."""
    match = _INDICATION_BEFORE_NUMBER.match(number.strip())
    if match:
        return street, match.group("number"), _INDICATIONS[match.group("ind").lower()]
    match = _INDICATION_AFTER_STREET.match(street)
    if match:
        return match.group("street"), number, _INDICATIONS[match.group("ind").lower()]
    return street, number, ""


def _check_length(lines: list[str], minimum: int = MIN_LINES) -> None:
    if len(lines) > MAX_LINES:
        raise Unaddressable(f"more than {MAX_LINES} address lines")
    if len(lines) < minimum:
        raise Unaddressable(f"fewer than {minimum} address lines")
