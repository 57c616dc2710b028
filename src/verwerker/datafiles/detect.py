"""Column detection: what kind of data each column of a client file holds, from its header and its content.

The header (Dutch or English, as offices write them) gives a first guess; the content confirms or
overrules it with exact checks (postcode, IBAN mod 97, BSN eleven-test, e-mail syntax, phone numbers,
dates), so a column called `Veld7` full of valid IBANs is still found, and an IBAN column cannot hide
under a harmless name. Guesses only ever carry masked examples (`N*******0`), never values.

Content is judged on a sample of each column (kind decisions need hundreds of values, not millions);
the counts (`filled`, `invalid`) are computed over whole columns with vectorised expressions.
"""

from __future__ import annotations

import concurrent.futures
import os
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field

import polars as pl

from verwerker.datafiles import validators
from verwerker.datafiles.kinds import Kind

SAMPLE_SIZE = 1000
PHONE_SAMPLE = 100
CONFIRM_SHARE = 0.5  # content share that confirms what the header says
CONTENT_SHARE = 0.8  # content share that decides the kind on its own (or overrules the header)
EXAMPLES = 3


@dataclass
class ColumnGuess:
    name: str
    kind: Kind
    filled: int
    invalid: int
    reasons: list[str] = field(default_factory=list)
    examples: list[str] = field(default_factory=list)  # masked, e.g. "N*******0"
    special: list[str] = field(default_factory=list)  # GDPR art. 9/10 categories (and "bsn") signalled

    def to_json(self) -> dict:
        return {
            "name": self.name, "kind": self.kind.value, "filled": self.filled, "invalid": self.invalid,
            "reasons": list(self.reasons), "examples": list(self.examples), "special": list(self.special),
        }


# ------------------------------------------------------------------------------------------- headers


def normalise_header(name: str) -> str:
    """Lowercase ASCII letters and digits only: `E-mailadres` -> `emailadres`, `Geb.datum` -> `gebdatum`."""
    text = unicodedata.normalize("NFKD", str(name))
    text = "".join(c for c in text if not unicodedata.combining(c)).lower()
    return re.sub(r"[^a-z0-9]", "", text)


_EXACT: dict[Kind, tuple[str, ...]] = {
    Kind.SALUTATION: ("aanhef", "titel", "title", "salutation", "aanspreektitel", "briefaanhef", "aanschrijving"),
    Kind.INITIALS: ("voorletters", "voorletter", "vl", "voorl", "initialen", "initials", "init"),
    Kind.FIRST_NAME: ("voornaam", "voornamen", "roepnaam", "firstname", "givenname", "forename"),
    Kind.INFIX: (
        "tussenvoegsel",
        "tussenvoegsels",
        "tussenv",
        "tv",
        "tsv",
        "voorvoegsel",
        "voorvoegsels",
        "infix",
        "prefix",
    ),
    Kind.LAST_NAME: ("achternaam", "geslachtsnaam", "familienaam", "lastname", "surname", "familyname"),
    Kind.FULL_NAME: (
        "naam",
        "name",
        "volledigenaam",
        "fullname",
        "tenaamstelling",
        "aanschrijfnaam",
        "contactpersoon",
        "ontvanger",
        "adressering",
        "tav",
        "relatie",
        "relatienaam",
        "klantnaam",
        "lidnaam",
    ),
    Kind.COMPANY: (
        "bedrijf",
        "bedrijfsnaam",
        "firma",
        "organisatie",
        "organisatienaam",
        "company",
        "companyname",
        "instelling",
        "organisation",
        "organization",
    ),
    Kind.DEPARTMENT: ("afdeling", "department", "dept", "afd"),
    Kind.STREET: ("straat", "straatnaam", "street", "streetname", "openbareruimte"),
    Kind.HOUSE_NUMBER: (
        "huisnummer",
        "huisnr",
        "hnr",
        "hsnr",
        "nr",
        "nummer",
        "no",
        "number",
        "housenumber",
        "housenr",
    ),
    Kind.HOUSE_NUMBER_LETTER: ("huisletter", "letter", "hl"),
    Kind.HOUSE_NUMBER_ADDITION: (
        "toevoeging",
        "toev",
        "tvg",
        "huisnrtoev",
        "huisnummertoevoeging",
        "huisnrtoevoeging",
        "huisnummertoev",
        "toevoegsel",
        "addition",
        "suffix",
        "housenumberaddition",
    ),
    Kind.STREET_AND_NUMBER: (
        "adres",
        "address",
        "straatenhuisnummer",
        "straathuisnummer",
        "straatnr",
        "straatennummer",
        "straatennr",
        "bezoekadres",
        "postadres",
        "streetandnumber",
        "streetaddress",
        "woonadres",
    ),
    Kind.ADDRESS_LINE: ("adresregel", "addressline", "regel"),
    Kind.POSTCODE: ("postcode", "pc", "zip", "zipcode", "postalcode", "postcd", "pcode", "postcodecijfers"),
    Kind.CITY: (
        "woonplaats",
        "plaats",
        "plaatsnaam",
        "city",
        "town",
        "stad",
        "gemeente",
        "vestigingsplaats",
        "residence",
    ),
    Kind.COUNTRY: ("land", "landnaam", "landcode", "country", "countrycode"),
    Kind.GENDER: ("geslacht", "gender", "sex", "mv", "mvx", "sekse"),
    Kind.REFERENCE: (
        "id",
        "klantnummer",
        "klantnr",
        "relatienummer",
        "relatienr",
        "lidnummer",
        "lidnr",
        "referentie",
        "ref",
        "kenmerk",
        "reference",
        "debiteurnummer",
        "debiteurnr",
        "debnr",
        "customerid",
        "customernumber",
        "memberid",
        "membernumber",
        "registratienummer",
        "dossiernummer",
        "polisnummer",
        "ordernummer",
        "ordernr",
        "code",
        "key",
        "volgnummer",
        "volgnr",
        "recordnummer",
    ),
    Kind.BIRTH_DATE: (
        "geboortedatum",
        "gebdatum",
        "gebdat",
        "geb",
        "geboortedag",
        "dob",
        "dateofbirth",
        "birthdate",
        "birthday",
        "geboren",
    ),
    Kind.EMAIL: ("email", "emailadres", "mail", "mailadres", "emailaddress", "eml"),
    Kind.PHONE: (
        "telefoon",
        "telefoonnummer",
        "tel",
        "telnr",
        "telefoonnr",
        "mobiel",
        "mobielnummer",
        "mobielnr",
        "gsm",
        "phone",
        "phonenumber",
        "mobile",
        "telephone",
        "telefoonmobiel",
        "telefoonprive",
    ),
    Kind.IBAN: (
        "iban",
        "rekeningnummer",
        "rekeningnr",
        "reknr",
        "bankrekening",
        "bankrekeningnummer",
        "rekening",
        "bankaccount",
        "accountnumber",
        "ibannummer",
        "banknummer",
        "girorekening",
    ),
    Kind.BSN: ("bsn", "sofinummer", "sofinr", "sofi", "burgerservicenummer", "bsnnummer", "socialsecuritynumber"),
    Kind.FREE_TEXT: (
        "opmerking",
        "opmerkingen",
        "notitie",
        "notities",
        "toelichting",
        "omschrijving",
        "memo",
        "notes",
        "note",
        "comment",
        "comments",
        "remarks",
        "bijzonderheden",
        "info",
        "vrijetekst",
    ),
}
_BY_NAME = {alias: kind for kind, aliases in _EXACT.items() for alias in aliases}

# Substring rules, in order: the first that matches wins (`emailprive` -> email, `postcodewoonadres` -> postcode).
_CONTAINS: tuple[tuple[str, Kind], ...] = (
    ("geboorte", Kind.BIRTH_DATE),
    ("gebdat", Kind.BIRTH_DATE),
    ("birth", Kind.BIRTH_DATE),
    ("email", Kind.EMAIL),
    ("mail", Kind.EMAIL),
    ("iban", Kind.IBAN),
    ("rekening", Kind.IBAN),
    ("bankacc", Kind.IBAN),
    ("bsn", Kind.BSN),
    ("sofi", Kind.BSN),
    ("burgerservice", Kind.BSN),
    ("telefoon", Kind.PHONE),
    ("mobiel", Kind.PHONE),
    ("phone", Kind.PHONE),
    ("gsm", Kind.PHONE),
    ("telnr", Kind.PHONE),
    ("postcode", Kind.POSTCODE),
    ("zipcode", Kind.POSTCODE),
    ("postal", Kind.POSTCODE),
    ("woonplaats", Kind.CITY),
    ("plaats", Kind.CITY),
    ("city", Kind.CITY),
    ("toevoeg", Kind.HOUSE_NUMBER_ADDITION),
    ("toev", Kind.HOUSE_NUMBER_ADDITION),
    ("addition", Kind.HOUSE_NUMBER_ADDITION),
    ("huisletter", Kind.HOUSE_NUMBER_LETTER),
    ("huisnummer", Kind.HOUSE_NUMBER),
    ("huisnr", Kind.HOUSE_NUMBER),
    ("housenumber", Kind.HOUSE_NUMBER),
    ("straatnaam", Kind.STREET),
    ("streetname", Kind.STREET),
    ("adresregel", Kind.ADDRESS_LINE),
    ("addressline", Kind.ADDRESS_LINE),
    ("adres", Kind.STREET_AND_NUMBER),
    ("address", Kind.STREET_AND_NUMBER),
    ("straat", Kind.STREET),
    ("street", Kind.STREET),
    ("voorletter", Kind.INITIALS),
    ("initial", Kind.INITIALS),
    ("tussenvoegsel", Kind.INFIX),
    ("voorvoegsel", Kind.INFIX),
    ("achternaam", Kind.LAST_NAME),
    ("lastname", Kind.LAST_NAME),
    ("surname", Kind.LAST_NAME),
    ("geslachtsnaam", Kind.LAST_NAME),
    ("familienaam", Kind.LAST_NAME),
    ("voornaam", Kind.FIRST_NAME),
    ("firstname", Kind.FIRST_NAME),
    ("roepnaam", Kind.FIRST_NAME),
    ("bedrijf", Kind.COMPANY),
    ("company", Kind.COMPANY),
    ("organisati", Kind.COMPANY),
    ("organizati", Kind.COMPANY),
    ("afdeling", Kind.DEPARTMENT),
    ("department", Kind.DEPARTMENT),
    ("aanhef", Kind.SALUTATION),
    ("salutation", Kind.SALUTATION),
    ("geslacht", Kind.GENDER),
    ("gender", Kind.GENDER),
    ("country", Kind.COUNTRY),
    ("landcode", Kind.COUNTRY),
    ("klantn", Kind.REFERENCE),
    ("relatien", Kind.REFERENCE),
    ("lidn", Kind.REFERENCE),
    ("lidmaatschapsn", Kind.REFERENCE),
    ("debiteur", Kind.REFERENCE),
    ("referentie", Kind.REFERENCE),
    ("kenmerk", Kind.REFERENCE),
    ("reference", Kind.REFERENCE),
    ("customer", Kind.REFERENCE),
    ("dossier", Kind.REFERENCE),
    ("polis", Kind.REFERENCE),
    ("naam", Kind.FULL_NAME),
    ("name", Kind.FULL_NAME),
    ("opmerking", Kind.FREE_TEXT),
    ("notitie", Kind.FREE_TEXT),
    ("toelichting", Kind.FREE_TEXT),
    ("omschrijving", Kind.FREE_TEXT),
    ("memo", Kind.FREE_TEXT),
    ("comment", Kind.FREE_TEXT),
    ("remark", Kind.FREE_TEXT),
    ("bijzonderhed", Kind.FREE_TEXT),
)


def kind_from_header(name: str) -> Kind | None:
    """The kind a header name suggests, or None when the name says nothing (`Veld7`, `Kolom B`)."""
    norm = normalise_header(name)
    if not norm:
        return None
    if norm in _BY_NAME:
        return _BY_NAME[norm]
    base = norm.rstrip("0123456789")
    if base != norm and base in ("adres", "address", "adresregel", "addressline", "regel", "straat"):
        return Kind.ADDRESS_LINE  # `Adres 1`, `Adresregel2`: numbered lines of a free-form address
    if base in _BY_NAME:
        return _BY_NAME[base]
    for needle, kind in _CONTAINS:
        if needle in norm:
            return kind
    return None


# GDPR art. 9 (special categories) and art. 10 (criminal data), signalled by column names. Substrings of
# the normalised header; short words that occur inside ordinary words (`ras` in `adres`) match exactly.
SPECIAL_SIGNS: dict[str, tuple[str, ...]] = {
    "health": (
        "diagnos",
        "ziekte",
        "medisch",
        "medicatie",
        "medicijn",
        "gezondheid",
        "handicap",
        "beperking",
        "zwanger",
        "allergie",
        "behandel",
        "zorgindicatie",
        "patient",
        "huisarts",
        "psychisch",
        "psychiatr",
        "health",
        "medical",
        "disease",
        "illness",
        "disabilit",
        "pregnan",
        "ziektekosten",
        "zorgverzeker",
    ),
    "religion": (
        "geloof",
        "religie",
        "kerk",
        "godsdienst",
        "levensovertuiging",
        "gezindte",
        "religio",
        "church",
        "faith",
    ),
    "trade_union": ("vakbond", "vakvereniging", "tradeunion", "labourunion", "laborunion"),
    "political": ("politiek", "politic", "partijlid", "partijvoorkeur", "stemvoorkeur"),
    "ethnic": ("etniciteit", "etnisch", "afkomst", "ethnic", "herkomst"),
    "sexual": ("seksue", "geaardheid", "sexual", "orientatie", "orientation", "sekslev"),
    "genetic": ("genetisch", "genetic", "dnaprofiel"),
    "biometric": ("biometr", "vingerafdruk", "fingerprint", "gezichtsherkenning", "irisscan"),
    "criminal": (
        "strafblad",
        "veroordel",
        "strafrecht",
        "delict",
        "justitie",
        "justitiel",
        "criminal",
        "conviction",
        "offence",
        "offense",
        "misdrijf",
        "overtreding",
        "detentie",
    ),
}
_SPECIAL_EXACT = {"ras": "ethnic", "race": "ethnic", "dna": "genetic", "religion": "religion", "union": "trade_union"}


def special_categories(name: str) -> list[str]:
    """GDPR art. 9/10 categories the column name points at (`Diagnose` -> ["health"])."""
    norm = normalise_header(name)
    found = {cat for cat, needles in SPECIAL_SIGNS.items() if any(n in norm for n in needles)}
    if norm in _SPECIAL_EXACT:
        found.add(_SPECIAL_EXACT[norm])
    return sorted(found)


# ------------------------------------------------------------------------------------------- content

_GENDERS = ["m", "v", "f", "x", "o", "man", "vrouw", "male", "female", "anders", "onbekend", "mannelijk", "vrouwelijk"]
_SALUTATIONS = ["dhr", "dhr.", "mevr", "mevr.", "mw", "mw.", "de heer", "heer", "mevrouw", "mr", "mr.", "mrs", "mrs.",
                "ms", "ms.", "fam", "fam.", "familie", "geachte heer", "geachte mevrouw", "beste", "dr.", "ir.", "drs."]
_INFIXES = ["van", "de", "der", "den", "van de", "van der", "van den", "van het", "van 't", "ter", "ten", "te", "het",
            "'t", "in 't", "in het", "op de", "op den", "uit de", "uit den", "van de la", "la", "le", "du", "von", "d'",
            "v.d.", "v/d", "vd", "aan de", "bij de", "onder de", "over de", "in de", "in den"]
_COUNTRIES = ["nl", "nld", "nederland", "the netherlands", "netherlands", "holland", "be", "bel", "belgie", "belgië",
              "belgium", "de", "deu", "duitsland", "germany", "deutschland", "fr", "fra", "frankrijk", "france", "gb",
              "uk", "verenigd koninkrijk", "united kingdom", "es", "spanje", "spain", "lu", "luxemburg", "luxembourg",
              "it", "italie", "italië", "italy", "at", "oostenrijk", "austria", "ch", "zwitserland", "switzerland",
              "dk", "denemarken", "denmark", "se", "zweden", "sweden", "pl", "polen", "poland", "pt", "portugal",
              "us", "usa", "verenigde staten", "united states", "curacao", "curaçao", "aruba", "suriname", "turkije",
              "turkey", "marokko", "morocco", "ierland", "ireland", "noorwegen", "norway", "griekenland", "greece"]

_STREET_AND_NUMBER_RE = (
    r"^\s*(?P<street>\S.*?)\s+(?P<number>\d{1,5})[\s\-/]*"
    r"(?:(?P<letter>[A-Za-z])(?:[\s\-/]+(?P<a1>.{1,10}?)|(?P<a2>\d.{0,9}?))?|(?P<a3>.{0,10}?))\s*$"
)


def _content_shares(samples: list[pl.Series], headers: list[Kind | None]) -> list[dict[Kind, float]]:
    """Per column, the share of its sample that passes each kind's content check.

    All samples are checked together, each check once over all of them (a value's verdict depends on
    that value alone), and the passes are counted per column: a few calls into polars for the whole
    file rather than a few dozen per column.
    """
    lengths = [len(sample) for sample in samples]
    v = pl.concat([sample.alias("v") for sample in samples]) if samples else pl.Series("v", [], dtype=pl.String)
    lowered = v.str.to_lowercase()
    phone = validators.phone_shapes(v)
    dates, dates_or_serials = validators.parse_dates_both_ways(v)
    # The eleven-test alone passes 1 in 11 random numbers; BSNs are 8-9 digit numbers that all pass
    # (the test runs on those only).
    bsn_shaped = v.str.replace_all(r"[\s.\-]", "").str.contains(r"^\d{8,9}$").fill_null(False)
    flags = pl.DataFrame(
        {
            Kind.IBAN.value: validators.valid_ibans(v),
            Kind.EMAIL.value: validators.valid_emails(v),
            Kind.BSN.value: validators.only_where(bsn_shaped, validators.valid_bsns, v),
            Kind.POSTCODE.value: validators.valid_postcodes(v),
            # Without a date header, 8-digit numbers and serials are more likely codes than dates; with
            # one, Excel serials count too.
            "dated": dates.is_not_null() & ~v.str.contains(r"^\d+$"),
            "dated_with_serials": dates_or_serials.is_not_null(),
            # Weak, shape-only kinds; they count only where the header says nothing.
            Kind.STREET_AND_NUMBER.value: v.str.contains(r"\p{L}{2}") & v.str.contains(_STREET_AND_NUMBER_RE),
            Kind.INITIALS.value: v.str.contains(r"^(?:\p{Lu}[a-z]?\.\s?){1,6}$"),
            Kind.GENDER.value: lowered.is_in(_GENDERS),
            Kind.SALUTATION.value: lowered.is_in(_SALUTATIONS),
            Kind.INFIX.value: lowered.is_in(_INFIXES),
            Kind.COUNTRY.value: lowered.is_in(_COUNTRIES),
            Kind.PHONE.value: phone,
        }
    ).select(pl.all().fill_null(False).cast(pl.UInt32))
    column = pl.Series("column", [i for i, n in enumerate(lengths) for _ in range(n)], dtype=pl.UInt32)
    counted = flags.with_columns(column).group_by("column").agg(pl.all().sum())
    passes = {row.pop("column"): row for row in counted.to_dicts()}
    result = []
    offset = 0
    for i, (sample, header) in enumerate(zip(samples, headers, strict=False)):
        n = lengths[i]
        count = passes.get(i, {})

        def share(key: str) -> float:
            return count.get(key, 0) / n if n else 0.0  # noqa: B023 (used in this iteration only)

        shares = dict.fromkeys(_WEAK, 0.0)
        shares |= {kind: share(kind.value) for kind in (Kind.IBAN, Kind.EMAIL, Kind.BSN, Kind.POSTCODE)}
        shares[Kind.BIRTH_DATE] = share("dated_with_serials" if header == Kind.BIRTH_DATE else "dated")
        if header is None:
            shares |= {kind: share(kind.value) for kind in _WEAK}
        # Phone: the shape over the sample, times phonenumbers' verdict on up to 100 shaped values.
        shaped = sample.filter(phone.slice(offset, n)).head(PHONE_SAMPLE)
        exact = sum(validators.is_phone_exact(x) for x in shaped.to_list()) / len(shaped) if len(shaped) else 0.0
        shares[Kind.PHONE] = share(Kind.PHONE.value) * exact
        result.append(shares)
        offset += n
    return result


# Checked by content in this order; the first with a decisive share wins. IBAN before BSN and phone,
# since their shapes cannot overlap, but the order makes ties impossible anyway.
_STRONG = (Kind.IBAN, Kind.EMAIL, Kind.BSN, Kind.POSTCODE, Kind.PHONE, Kind.BIRTH_DATE)
# Distinctive enough by shape to name a column whose header says nothing.
_WEAK = (Kind.STREET_AND_NUMBER, Kind.INITIALS, Kind.SALUTATION, Kind.GENDER, Kind.INFIX, Kind.COUNTRY)
_LABEL = {
    Kind.IBAN: "valid IBAN", Kind.EMAIL: "e-mail address", Kind.BSN: "passes the BSN eleven-test",
    Kind.POSTCODE: "valid Dutch postcode", Kind.PHONE: "valid phone number", Kind.BIRTH_DATE: "date",
    Kind.STREET_AND_NUMBER: "street and number", Kind.INITIALS: "initials", Kind.SALUTATION: "salutation",
    Kind.GENDER: "gender code", Kind.INFIX: "tussenvoegsel", Kind.COUNTRY: "country name",
}


def _decide(name: str, header: Kind | None, shares: dict[Kind, float], sample: pl.DataFrame) -> tuple[Kind, list[str]]:
    pct = {k: round(100 * s) for k, s in shares.items()}
    strong = next((k for k in _STRONG if shares[k] >= CONTENT_SHARE), None)
    if header in _STRONG and shares[header] >= CONFIRM_SHARE:
        return header, [f"header {name!r} and content: {pct[header]}% {_LABEL[header]}"]
    if strong is not None and strong != header:
        why = f"content: {pct[strong]}% {_LABEL[strong]}"
        if header is not None:
            why += f" (header {name!r} suggested {header.value})"
        return strong, [why]
    if header is not None:
        reasons = [f"header {name!r}"]
        if header in _STRONG and sample.height:
            reasons.append(f"content does not confirm it: {pct[header]}% {_LABEL[header]}")
        return header, reasons
    weak = next((k for k in _WEAK if shares[k] >= CONTENT_SHARE), None)
    if weak is not None:
        return weak, [f"content: {pct[weak]}% {_LABEL[weak]}"]
    if sample.height:
        long_text = (
            sample.select((pl.col("v").str.len_chars() > 40) & pl.col("v").str.contains(r"\s")).to_series().mean()
        )
        if long_text and long_text >= 0.5:  # type: ignore[operator]
            return Kind.FREE_TEXT, ["content: mostly long text"]
    return Kind.OTHER, ["neither header nor content identifies it"]


def mask(value: str) -> str:
    """`NL91ABNA0417164300` -> `N*******0`: first and last character, the length hidden."""
    value = str(value)
    if len(value) <= 3:
        return "***"
    return f"{value[0]}*******{value[-1]}"


_BLANK = r"^\s*$"


# The whole-column checks: a kind's verdicts (birth dates: the parsed dates) and, for postcodes, the
# numbers of those valid as plainly written (1234AB, 1234 AB, 1234ab). Other kinds are not checked.
_CHECKS = {
    Kind.BIRTH_DATE: lambda v: (validators.parse_dates(v), None),
    Kind.POSTCODE: validators.valid_postcodes_with_numbers,
    Kind.IBAN: lambda v: (validators.valid_ibans(v), None),
    Kind.BSN: lambda v: (validators.valid_bsns(v), None),
    Kind.EMAIL: lambda v: (validators.valid_emails(v), None),
    Kind.PHONE: lambda v: (validators.phone_shapes(v), None),
    Kind.HOUSE_NUMBER: lambda v: (validators.house_numbers(v), None),
}
_CHECKED = frozenset(_CHECKS)


def _check(kind: Kind, values: pl.Series) -> tuple[pl.Series | None, pl.Series | None]:
    check = _CHECKS.get(kind)
    return (None, None) if check is None else check(values)


@dataclass
class Detection:
    """Guesses plus what was computed for them over whole columns, for the profile to reuse."""

    guesses: list[ColumnGuess]
    filled: dict[str, pl.Series]  # column -> non-blank flags
    verdicts: dict[str, pl.Series]  # column -> valid flags (birth dates: the parsed dates)
    # Postcode column -> its values' postcode_number where valid as plainly written (1234AB, 1234 ab), else null.
    postcode_numbers: dict[str, pl.Series] = field(default_factory=dict)
    also: object = None  # what detect()'s ``also`` returned


@dataclass
class Found:
    """What detection knows once the kinds are decided, while the whole-column checks still run."""

    kinds: dict[str, Kind]  # column -> kind, in the frame's order
    filled: dict[str, pl.Series]  # column -> non-blank flags
    # Postcode column -> as Detection.postcode_numbers (waits for that column's check).
    postcode_numbers: Callable[[str], pl.Series]


def _filled(column: pl.Series) -> pl.Series:
    """Non-blank flags: not null and not only whitespace.

    A blank value is empty or starts with a White_Space character, whose UTF-8 encodings all begin
    below "!" or at U+0085 and above; comparing with those two strings is far cheaper than a regex on
    every value, and only the few values it cannot clear get the regex. Of those, values that start
    with a letter from U+00A1 to U+167F (Ö, Ç, É, Ş: surnames start with them) cannot be blank either:
    the next White_Space character is U+1680.
    """
    filled = column.is_not_null()
    suspect = (~column.is_between("!", "\u0085", closed="left")).fill_null(False)
    if suspect.any():
        index = validators.positions(suspect)
        values = column.gather(index)
        still = ~values.is_between("\u00a1", "\u1680", closed="left")
        if still.any():
            index, values = index.filter(still), values.filter(still)
            filled = filled.scatter(index, ~values.str.contains(_BLANK))
    return filled


def _filled_and_sample(column: pl.Series) -> tuple[pl.Series, int, pl.Series]:
    filled = _filled(column)
    count = int(filled.sum())
    return filled, count, _sample(column, filled, count)


def _sample(column: pl.Series, filled: pl.Series, filled_count: int) -> pl.Series:
    """Up to SAMPLE_SIZE filled values spread over the column (every step-th one), stripped."""
    step = max(1, filled_count // SAMPLE_SIZE)
    if filled_count == len(column):
        picked = column.gather_every(step).head(SAMPLE_SIZE)
    else:
        # The filled values' positions, not the values: filtering a whole column of strings to pick a
        # thousand of them copies every string's view.
        picked = column.gather(validators.positions(filled).gather_every(step).head(SAMPLE_SIZE))
    return picked.str.strip_chars().alias("v")


# Whole-column checks that take longest go to the workers first.
_SLOW_CHECKS = (Kind.POSTCODE, Kind.IBAN, Kind.BIRTH_DATE, Kind.EMAIL, Kind.PHONE, Kind.BSN)


def detect(
    frame: pl.DataFrame, *, overrides: dict[str, Kind] | None = None, also: Callable[[Found], object] | None = None
) -> Detection:
    """Guess every column's kind and count its filled and invalid values.

    ``also``, if given, runs beside the whole-column checks as soon as the kinds are decided, with what
    is found so far; its result is the detection's ``also``. (A profile counts duplicates with it, so
    both cores stay busy.)
    """
    overrides = {k: Kind(v) for k, v in (overrides or {}).items()}
    names = frame.columns
    columns = [frame.get_column(name).cast(pl.String) for name in names]
    # Columns are independent and polars releases the GIL while it works: use every core, as polars'
    # own CSV reader does.
    workers = max(1, min(len(names), os.cpu_count() or 1))
    slowest = {kind: rank for rank, kind in enumerate(_SLOW_CHECKS)}
    with (
        concurrent.futures.ThreadPoolExecutor(max_workers=workers) as pool,
        concurrent.futures.ThreadPoolExecutor(max_workers=1) as ahead,
    ):
        sampled = [pool.submit(_filled_and_sample, column) for column in columns]
        headers = [kind_from_header(name) for name in names]
        # While the samples are judged (in this thread), one more thread already checks the columns
        # whose kind the header or an override names; a check whose kind the content overrules is
        # dropped.
        expected = [overrides.get(name, header) for name, header in zip(names, headers, strict=False)]
        speculative = {
            i: ahead.submit(_check, expected[i], columns[i])  # type: ignore[arg-type]
            for i in sorted(range(len(names)), key=lambda i: slowest.get(expected[i], len(slowest)))  # type: ignore[arg-type]
            if expected[i] in _CHECKED
        }
        filled, counts, samples = (
            zip(*(future.result() for future in sampled), strict=False) if columns else ((), (), ())
        )
        kinds, reasons = [], []
        for name, header, sample, shares in zip(
            names, headers, samples, _content_shares(samples, headers), strict=False  # type: ignore[arg-type]
        ):
            kind, why = _decide(name, header, shares, sample.to_frame())
            if name in overrides and overrides[name] != kind:
                kind, why = overrides[name], [f"set by hand (detected as {kind.value})"]
            kinds.append(kind)
            reasons.append(why)
        futures = {}
        for i, future in speculative.items():
            if kinds[i] != expected[i]:
                future.cancel()  # if it has started, it runs on and its result is not used
                continue
            futures[i] = future  # started or queued on that thread, which stays busy with them
        order = sorted(
            (i for i in range(len(names)) if i not in futures), key=lambda i: slowest.get(kinds[i], len(slowest))
        )
        # ``also`` may wait for the postcode checks, so they are submitted before it (and start before
        # it: no deadlock, whatever the number of workers); one other long check goes between, so no
        # worker sits waiting while the postcodes are checked.
        postcodes = [i for i in order if kinds[i] == Kind.POSTCODE]
        others = [i for i in order if kinds[i] != Kind.POSTCODE]
        futures |= {i: pool.submit(_check, kinds[i], columns[i]) for i in postcodes + others[:1]}
        by_name = {names[i]: future for i, future in futures.items()}
        extra = None if also is None else pool.submit(also, Found(
            kinds=dict(zip(names, kinds, strict=False)), filled=dict(zip(names, filled, strict=False)),
            postcode_numbers=lambda name: by_name[name].result()[1],  # type: ignore[arg-type, return-value]
        ))
        futures |= {i: pool.submit(_check, kinds[i], columns[i]) for i in others[1:]}
        checked = [futures[i].result() for i in range(len(names))]
        extra = None if extra is None else extra.result()  # type: ignore[assignment]
    guesses, verdicts, numbers = [], {}, {}
    for i, name in enumerate(names):
        special = special_categories(name)
        if kinds[i] == Kind.BSN:
            special = sorted({*special, "bsn"})
        verdict, postcode_numbers = checked[i]
        invalid = 0
        if verdict is not None:
            ok = verdict.is_not_null() if kinds[i] == Kind.BIRTH_DATE else verdict
            invalid = int((filled[i] & ~ok).sum())
            verdicts[name] = verdict
        if postcode_numbers is not None:
            numbers[name] = postcode_numbers
        examples = []
        for value in samples[i].to_list():
            if value not in examples:
                examples.append(value)
                if len(examples) == EXAMPLES:
                    break
        guesses.append(ColumnGuess(name=name, kind=kinds[i], filled=counts[i], invalid=invalid, reasons=reasons[i],
                                   examples=[mask(x) for x in examples], special=special))
    return Detection(
        guesses=guesses,
        filled=dict(zip(names, filled, strict=False)),
        verdicts=verdicts,
        postcode_numbers=numbers,
        also=extra,
    )


def detect_columns(frame: pl.DataFrame, *, overrides: dict[str, Kind] | None = None) -> list[ColumnGuess]:
    """One guess per column of ``frame``; ``overrides`` (column name -> kind) wins over detection."""
    return detect(frame, overrides=overrides).guesses


# ---------------------------------------------------------------------------------------- street + number


def split_street_and_number(values: pl.Series) -> pl.DataFrame:
    """Split `Kerkstraat 12a`, `Atatürkstraat 9-2`, `Dorpsweg 7 bis` into street, number, letter, addition.

    Rows that do not look like street + number keep the whole text as street with null parts. Where a
    street name itself ends in a number (`Plein 1945 12`) the first number is taken as the house
    number; only the BAG could tell these apart.
    """
    parts = pl.DataFrame({"v": values.cast(pl.String)}).select(
        pl.col("v"), pl.col("v").str.extract_groups(_STREET_AND_NUMBER_RE).alias("g")
    ).unnest("g")
    matched = pl.col("number").is_not_null()
    addition = pl.coalesce("a1", "a2", "a3").str.strip_chars()
    return parts.select(
        pl.when(matched).then(pl.col("street")).otherwise(pl.col("v").str.strip_chars()).alias("street"),
        pl.col("number").alias("house_number"),
        pl.when(matched).then(pl.col("letter")).alias("house_number_letter"),
        pl.when(matched & (addition != "")).then(addition).alias("house_number_addition"),
    )
