"""Column detection: what kind of data each column of a client file holds, from its header and its content.

The header (Dutch or English, as offices write them) gives a first guess; the content confirms or
overrules it with exact checks (postcode, IBAN mod 97, BSN eleven-test, e-mail syntax, phone numbers,
dates), so a column called `Veld7` full of valid IBANs is still found, and an IBAN column cannot hide
under a harmless name. Guesses only ever carry masked examples (`N*******0`), never values.

Content is judged on a sample of each column (kind decisions need hundreds of values, not millions);
the counts (`filled`, `invalid`) are computed over whole columns with vectorised expressions.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

import polars as pl

from verwerker.datafiles import checks
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
    Kind.INFIX: ("tussenvoegsel", "tussenvoegsels", "tussenv", "tv", "tsv", "voorvoegsel", "voorvoegsels", "infix", "prefix"),
    Kind.LAST_NAME: ("achternaam", "geslachtsnaam", "familienaam", "lastname", "surname", "familyname"),
    Kind.FULL_NAME: ("naam", "name", "volledigenaam", "fullname", "tenaamstelling", "aanschrijfnaam", "contactpersoon",
                     "ontvanger", "adressering", "tav", "relatie", "relatienaam", "klantnaam", "lidnaam"),
    Kind.COMPANY: ("bedrijf", "bedrijfsnaam", "firma", "organisatie", "organisatienaam", "company", "companyname",
                   "instelling", "organisation", "organization"),
    Kind.DEPARTMENT: ("afdeling", "department", "dept", "afd"),
    Kind.STREET: ("straat", "straatnaam", "street", "streetname", "openbareruimte"),
    Kind.HOUSE_NUMBER: ("huisnummer", "huisnr", "hnr", "hsnr", "nr", "nummer", "no", "number", "housenumber", "housenr"),
    Kind.HOUSE_NUMBER_LETTER: ("huisletter", "letter", "hl"),
    Kind.HOUSE_NUMBER_ADDITION: ("toevoeging", "toev", "tvg", "huisnrtoev", "huisnummertoevoeging", "huisnrtoevoeging",
                                 "huisnummertoev", "toevoegsel", "addition", "suffix", "housenumberaddition"),
    Kind.STREET_AND_NUMBER: ("adres", "address", "straatenhuisnummer", "straathuisnummer", "straatnr", "straatennummer",
                             "straatennr", "bezoekadres", "postadres", "streetandnumber", "streetaddress", "woonadres"),
    Kind.ADDRESS_LINE: ("adresregel", "addressline", "regel"),
    Kind.POSTCODE: ("postcode", "pc", "zip", "zipcode", "postalcode", "postcd", "pcode", "postcodecijfers"),
    Kind.CITY: ("woonplaats", "plaats", "plaatsnaam", "city", "town", "stad", "gemeente", "vestigingsplaats", "residence"),
    Kind.COUNTRY: ("land", "landnaam", "landcode", "country", "countrycode"),
    Kind.GENDER: ("geslacht", "gender", "sex", "mv", "mvx", "sekse"),
    Kind.REFERENCE: ("id", "klantnummer", "klantnr", "relatienummer", "relatienr", "lidnummer", "lidnr", "referentie",
                     "ref", "kenmerk", "reference", "debiteurnummer", "debiteurnr", "debnr", "customerid",
                     "customernumber", "memberid", "membernumber", "registratienummer", "dossiernummer", "polisnummer",
                     "ordernummer", "ordernr", "code", "key", "volgnummer", "volgnr", "recordnummer"),
    Kind.BIRTH_DATE: ("geboortedatum", "gebdatum", "gebdat", "geb", "geboortedag", "dob", "dateofbirth", "birthdate",
                      "birthday", "geboren"),
    Kind.EMAIL: ("email", "emailadres", "mail", "mailadres", "emailaddress", "eml"),
    Kind.PHONE: ("telefoon", "telefoonnummer", "tel", "telnr", "telefoonnr", "mobiel", "mobielnummer", "mobielnr", "gsm",
                 "phone", "phonenumber", "mobile", "telephone", "telefoonmobiel", "telefoonprive"),
    Kind.IBAN: ("iban", "rekeningnummer", "rekeningnr", "reknr", "bankrekening", "bankrekeningnummer", "rekening",
                "bankaccount", "accountnumber", "ibannummer", "banknummer", "girorekening"),
    Kind.BSN: ("bsn", "sofinummer", "sofinr", "sofi", "burgerservicenummer", "bsnnummer", "socialsecuritynumber"),
    Kind.FREE_TEXT: ("opmerking", "opmerkingen", "notitie", "notities", "toelichting", "omschrijving", "memo", "notes",
                     "note", "comment", "comments", "remarks", "bijzonderheden", "info", "vrijetekst"),
}
_BY_NAME = {alias: kind for kind, aliases in _EXACT.items() for alias in aliases}

# Substring rules, in order: the first that matches wins (`emailprive` -> email, `postcodewoonadres` -> postcode).
_CONTAINS: tuple[tuple[str, Kind], ...] = (
    ("geboorte", Kind.BIRTH_DATE), ("gebdat", Kind.BIRTH_DATE), ("birth", Kind.BIRTH_DATE),
    ("email", Kind.EMAIL), ("mail", Kind.EMAIL),
    ("iban", Kind.IBAN), ("rekening", Kind.IBAN), ("bankacc", Kind.IBAN),
    ("bsn", Kind.BSN), ("sofi", Kind.BSN), ("burgerservice", Kind.BSN),
    ("telefoon", Kind.PHONE), ("mobiel", Kind.PHONE), ("phone", Kind.PHONE), ("gsm", Kind.PHONE), ("telnr", Kind.PHONE),
    ("postcode", Kind.POSTCODE), ("zipcode", Kind.POSTCODE), ("postal", Kind.POSTCODE),
    ("woonplaats", Kind.CITY), ("plaats", Kind.CITY), ("city", Kind.CITY),
    ("toevoeg", Kind.HOUSE_NUMBER_ADDITION), ("toev", Kind.HOUSE_NUMBER_ADDITION), ("addition", Kind.HOUSE_NUMBER_ADDITION),
    ("huisletter", Kind.HOUSE_NUMBER_LETTER),
    ("huisnummer", Kind.HOUSE_NUMBER), ("huisnr", Kind.HOUSE_NUMBER), ("housenumber", Kind.HOUSE_NUMBER),
    ("straatnaam", Kind.STREET), ("streetname", Kind.STREET),
    ("adresregel", Kind.ADDRESS_LINE), ("addressline", Kind.ADDRESS_LINE),
    ("adres", Kind.STREET_AND_NUMBER), ("address", Kind.STREET_AND_NUMBER),
    ("straat", Kind.STREET), ("street", Kind.STREET),
    ("voorletter", Kind.INITIALS), ("initial", Kind.INITIALS),
    ("tussenvoegsel", Kind.INFIX), ("voorvoegsel", Kind.INFIX),
    ("achternaam", Kind.LAST_NAME), ("lastname", Kind.LAST_NAME), ("surname", Kind.LAST_NAME),
    ("geslachtsnaam", Kind.LAST_NAME), ("familienaam", Kind.LAST_NAME),
    ("voornaam", Kind.FIRST_NAME), ("firstname", Kind.FIRST_NAME), ("roepnaam", Kind.FIRST_NAME),
    ("bedrijf", Kind.COMPANY), ("company", Kind.COMPANY), ("organisati", Kind.COMPANY), ("organizati", Kind.COMPANY),
    ("afdeling", Kind.DEPARTMENT), ("department", Kind.DEPARTMENT),
    ("aanhef", Kind.SALUTATION), ("salutation", Kind.SALUTATION),
    ("geslacht", Kind.GENDER), ("gender", Kind.GENDER),
    ("country", Kind.COUNTRY), ("landcode", Kind.COUNTRY),
    ("klantn", Kind.REFERENCE), ("relatien", Kind.REFERENCE), ("lidn", Kind.REFERENCE), ("lidmaatschapsn", Kind.REFERENCE),
    ("debiteur", Kind.REFERENCE), ("referentie", Kind.REFERENCE), ("kenmerk", Kind.REFERENCE),
    ("reference", Kind.REFERENCE), ("customer", Kind.REFERENCE), ("dossier", Kind.REFERENCE), ("polis", Kind.REFERENCE),
    ("naam", Kind.FULL_NAME), ("name", Kind.FULL_NAME),
    ("opmerking", Kind.FREE_TEXT), ("notitie", Kind.FREE_TEXT), ("toelichting", Kind.FREE_TEXT),
    ("omschrijving", Kind.FREE_TEXT), ("memo", Kind.FREE_TEXT), ("comment", Kind.FREE_TEXT), ("remark", Kind.FREE_TEXT),
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
    "health": ("diagnos", "ziekte", "medisch", "medicatie", "medicijn", "gezondheid", "handicap", "beperking", "zwanger",
               "allergie", "behandel", "zorgindicatie", "patient", "huisarts", "psychisch", "psychiatr", "health",
               "medical", "disease", "illness", "disabilit", "pregnan", "ziektekosten", "zorgverzeker"),
    "religion": ("geloof", "religie", "kerk", "godsdienst", "levensovertuiging", "gezindte", "religio", "church", "faith"),
    "trade_union": ("vakbond", "vakvereniging", "tradeunion", "labourunion", "laborunion"),
    "political": ("politiek", "politic", "partijlid", "partijvoorkeur", "stemvoorkeur"),
    "ethnic": ("etniciteit", "etnisch", "afkomst", "ethnic", "herkomst"),
    "sexual": ("seksue", "geaardheid", "sexual", "orientatie", "orientation", "sekslev"),
    "genetic": ("genetisch", "genetic", "dnaprofiel"),
    "biometric": ("biometr", "vingerafdruk", "fingerprint", "gezichtsherkenning", "irisscan"),
    "criminal": ("strafblad", "veroordel", "strafrecht", "delict", "justitie", "justitiel", "criminal", "conviction",
                 "offence", "offense", "misdrijf", "overtreding", "detentie"),
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


def _share(sample: pl.DataFrame, expr: pl.Expr) -> float:
    if sample.height == 0:
        return 0.0
    return float(sample.select(expr.fill_null(False).mean()).item() or 0.0)


def _content_shares(sample: pl.DataFrame, header: Kind | None) -> dict[Kind, float]:
    """Share of the sample that passes each kind's content check."""
    v = pl.col("v")
    digits = v.str.replace_all(r"[\s.\-]", "")
    dates = checks.parse_date(v, excel_serials=header == Kind.BIRTH_DATE)
    if header != Kind.BIRTH_DATE:
        # Without a date header, 8-digit numbers and serials are more likely codes than dates.
        dates = pl.when(v.str.contains(r"^\d+$")).then(None).otherwise(dates)
    shares = {
        Kind.IBAN: _share(sample, checks.is_iban(v)),
        Kind.EMAIL: _share(sample, checks.is_email(v)),
        # The eleven-test alone passes 1 in 11 random numbers; BSNs are 8-9 digit numbers that all pass.
        Kind.BSN: _share(sample, digits.str.contains(r"^\d{8,9}$") & checks.is_bsn(v)),
        Kind.POSTCODE: _share(sample, checks.is_postcode(v)),
        Kind.BIRTH_DATE: _share(sample, dates.is_not_null()),
        Kind.HOUSE_NUMBER: _share(sample, v.str.contains(r"^\d{1,5}(?:\s*[A-Za-z]{0,4})?$")),
        Kind.STREET_AND_NUMBER: _share(sample, v.str.contains(r"\p{L}{2}") & v.str.contains(_STREET_AND_NUMBER_RE)),
        Kind.INITIALS: _share(sample, v.str.contains(r"^(?:\p{Lu}[a-z]?\.\s?){1,6}$")),
        Kind.GENDER: _share(sample, v.str.to_lowercase().is_in(_GENDERS)),
        Kind.SALUTATION: _share(sample, v.str.to_lowercase().is_in(_SALUTATIONS)),
        Kind.INFIX: _share(sample, v.str.to_lowercase().is_in(_INFIXES)),
        Kind.COUNTRY: _share(sample, v.str.to_lowercase().is_in(_COUNTRIES)),
    }
    shaped = sample.filter(checks.phone_shape(v)).head(PHONE_SAMPLE)
    shape_share = _share(sample, checks.phone_shape(v))
    if shaped.height:
        exact = sum(checks.is_phone_exact(x) for x in shaped["v"].to_list()) / shaped.height
        shares[Kind.PHONE] = shape_share * exact
    else:
        shares[Kind.PHONE] = 0.0
    return shares


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
        long_text = sample.select((pl.col("v").str.len_chars() > 40) & pl.col("v").str.contains(r"\s")).to_series().mean()
        if long_text and long_text >= 0.5:
            return Kind.FREE_TEXT, ["content: mostly long text"]
    return Kind.OTHER, ["neither header nor content identifies it"]


def mask(value: str) -> str:
    """`NL91ABNA0417164300` -> `N*******0`: first and last character, the length hidden."""
    value = str(value)
    if len(value) <= 3:
        return "***"
    return f"{value[0]}*******{value[-1]}"


def _invalid_expr(kind: Kind, column: pl.Expr) -> pl.Expr | None:
    """Filled values that fail the kind's check, counted over the whole column."""
    v = column.str.strip_chars()
    filled = v.is_not_null() & (v != "")
    check = {
        Kind.POSTCODE: checks.is_postcode(v),
        Kind.IBAN: checks.is_iban(v),
        Kind.BSN: checks.is_bsn(v),
        Kind.EMAIL: checks.is_email(v),
        Kind.PHONE: checks.phone_shape(v),
        Kind.BIRTH_DATE: checks.parse_date(v).is_not_null(),
        Kind.HOUSE_NUMBER: v.str.contains(r"^\d{1,5}"),
    }.get(kind)
    if check is None:
        return None
    return (filled & ~check.fill_null(False)).sum()


def detect_columns(frame: pl.DataFrame, *, overrides: dict[str, Kind] | None = None) -> list[ColumnGuess]:
    """One guess per column of ``frame``; ``overrides`` (column name -> kind) wins over detection."""
    overrides = {k: Kind(v) for k, v in (overrides or {}).items()}
    guesses = []
    for name in frame.columns:
        values = frame.get_column(name).cast(pl.String).str.strip_chars()
        nonempty = values.filter(values.is_not_null() & (values != ""))
        step = max(1, nonempty.len() // SAMPLE_SIZE)
        sample = pl.DataFrame({"v": nonempty.gather_every(step).head(SAMPLE_SIZE)})
        header = kind_from_header(name)
        kind, reasons = _decide(name, header, _content_shares(sample, header), sample)
        if name in overrides and overrides[name] != kind:
            kind, reasons = overrides[name], [f"set by hand (detected as {kind.value})"]
        examples = [mask(x) for x in sample["v"].unique(maintain_order=True).head(EXAMPLES).to_list()]
        special = special_categories(name)
        if kind == Kind.BSN:
            special = sorted({*special, "bsn"})
        guesses.append(ColumnGuess(name=name, kind=kind, filled=nonempty.len(), invalid=0, reasons=reasons,
                                   examples=examples, special=special))
    # All invalid counts in one pass, so polars runs the columns in parallel.
    exprs = []
    for i, guess in enumerate(guesses):
        expr = _invalid_expr(guess.kind, pl.col(guess.name))
        if expr is not None:
            exprs.append(expr.alias(f"_{i}"))
    if exprs:
        counts = frame.select(exprs).row(0, named=True)
        for key, count in counts.items():
            guesses[int(key[1:])].invalid = int(count or 0)
    return guesses


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
