"""Import of an existing CRM's export (CSV/XLSX/ODS through datafiles' readers) and the CRM's own export.

An import maps each column to a field (a guess from the header, which the relation manager corrects),
then runs dry: every row is validated with the same rules as the screens and the problems are listed by
row and field, never with the values. Only a run without problems (or with "skip rows with problems")
writes, in one transaction, through the same actions as the screens. The uploaded bytes stay in memory.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import transaction

from verwerker.audit.actions import do_record_event
from verwerker.audit.actors import Actor
from verwerker.audit.events import EventType
from verwerker.crm.actions import clean_fields, do_create_organisation, do_create_person
from verwerker.crm.models import FinancialRecord, Organisation, Person
from verwerker.datafiles.read import UnreadableFile, read_table

ORG_TARGETS = ("name", "kind", "kvk", "vat", "iban", "street", "house_number", "house_number_addition", "postcode",
               "city", "country", "phone", "email", "website")
PERSON_TARGETS = ("gender", "initials", "first_name", "infix", "last_name", "occupation", "phone", "mobile", "email")
TARGETS = [f"organisation.{t}" for t in ORG_TARGETS] + [f"person.{t}" for t in PERSON_TARGETS]

# Header (lower case, letters only) -> target, for the exports of common CRMs in Dutch and English.
_GUESSES = {
    "bedrijf": "organisation.name",
    "bedrijfsnaam": "organisation.name",
    "organisatie": "organisation.name",
    "company": "organisation.name",
    "organisation": "organisation.name",
    "organization": "organisation.name",
    "accountname": "organisation.name",
    "soort": "organisation.kind",
    "type": "organisation.kind",
    "relatietype": "organisation.kind",
    "kvk": "organisation.kvk",
    "kvknummer": "organisation.kvk",
    "cocnumber": "organisation.kvk",
    "btw": "organisation.vat",
    "btwnummer": "organisation.vat",
    "vat": "organisation.vat",
    "vatnumber": "organisation.vat",
    "iban": "organisation.iban",
    "rekeningnummer": "organisation.iban",
    "bankrekening": "organisation.iban",
    "straat": "organisation.street",
    "street": "organisation.street",
    "huisnummer": "organisation.house_number",
    "housenumber": "organisation.house_number",
    "toevoeging": "organisation.house_number_addition",
    "postcode": "organisation.postcode",
    "zip": "organisation.postcode",
    "plaats": "organisation.city",
    "woonplaats": "organisation.city",
    "city": "organisation.city",
    "land": "organisation.country",
    "country": "organisation.country",
    "telefoon": "organisation.phone",
    "telefoonbedrijf": "organisation.phone",
    "website": "organisation.website",
    "web": "organisation.website",
    "emailbedrijf": "organisation.email",
    "aanhef": "person.gender",
    "geslacht": "person.gender",
    "gender": "person.gender",
    "voorletters": "person.initials",
    "initials": "person.initials",
    "voornaam": "person.first_name",
    "firstname": "person.first_name",
    "tussenvoegsel": "person.infix",
    "achternaam": "person.last_name",
    "lastname": "person.last_name",
    "functie": "person.occupation",
    "beroep": "person.occupation",
    "jobtitle": "person.occupation",
    "mobiel": "person.mobile",
    "mobile": "person.mobile",
    "email": "person.email",
    "emailadres": "person.email",
    "contactemail": "person.email",
}
_KINDS = {"klant": "is_client", "client": "is_client", "customer": "is_client", "prospect": "is_prospect",
          "leverancier": "is_supplier", "supplier": "is_supplier", "vendor": "is_supplier"}
_GENDERS = {"m": "m", "man": "m", "heer": "m", "dhr": "m", "male": "m", "v": "v", "vrouw": "v", "mevrouw": "v",
            "mw": "v", "female": "v", "f": "v"}


class ImportProblem(ValueError):
    """The file cannot be imported at all; ``str(exc)`` names the file and the problem in one line."""


def guess_mapping(columns: list[str]) -> dict[str, str]:
    """column -> target for the headers we recognise; each target at most once."""
    mapping, taken = {}, set()
    for column in columns:
        target = _GUESSES.get(re.sub(r"[^a-z]", "", column.lower()))
        if target and target not in taken:
            mapping[column] = target
            taken.add(target)
    return mapping


def read_export(data: bytes, *, name: str):
    """The export's table (datafiles' readers). Raises ImportProblem for an unreadable file."""

    try:
        return read_table(data, name=name).frame
    except UnreadableFile as exc:
        raise ImportProblem(str(exc)) from None


@dataclass
class ImportReport:
    rows: int = 0
    organisations_new: int = 0
    organisations_known: int = 0
    people_new: int = 0
    people_known: int = 0
    records_new: int = 0
    records_known: int = 0
    problems: list[tuple[int, str, str]] = field(default_factory=list)  # (row, field, problem)
    written: bool = False

    @property
    def rows_with_problems(self) -> int:
        return len({r for r, _f, _p in self.problems})


def _split(row: dict, mapping: dict[str, str]) -> tuple[dict, dict]:
    org, person = {}, {}  # type: ignore[var-annotated]
    for column, target in mapping.items():
        if not target:
            continue
        value = row.get(column)
        value = "" if value is None else str(value).strip()
        side, name = target.split(".", 1)
        (org if side == "organisation" else person)[name] = value
    if "kind" in org:
        kind = _KINDS.get(org.pop("kind").lower())
        if kind:
            org[kind] = True
    if "gender" in person:
        person["gender"] = _GENDERS.get(person["gender"].lower().rstrip("."), "")
    return org, person


def import_relations(frame, mapping: dict[str, str], *, dry_run: bool, skip_problem_rows: bool = False,
                     actor: Actor, file_name: str = "") -> ImportReport:
    """Validate (dry run) or write the rows of an export. Raises ImportProblem for a mapping that names
    an unknown target or a missing column; rows with problems block a real run unless skipped."""
    unknown = [t for t in mapping.values() if t and t not in TARGETS]
    missing = [c for c in mapping if c not in frame.columns]
    if unknown or missing:
        raise ImportProblem(
            f"{file_name}: the column mapping names {'an unknown field' if unknown else 'a missing column'}"
        )
    if "person.last_name" not in mapping.values() and "organisation.name" not in mapping.values():
        raise ImportProblem(f"{file_name}: map at least a column to the organisation's name or the person's last name")
    report = ImportReport(rows=frame.height)
    planned = []
    seen_orgs: dict[str, Organisation | None] = {}
    for number, row in enumerate(frame.iter_rows(named=True), start=2):  # row 1 is the header
        org_data, person_data = _split(row, mapping)
        if not any(v for v in (*org_data.values(), *person_data.values())):
            continue
        ok = True
        for side, data in (("organisation", org_data), ("person", person_data)):
            if any(v for v in data.values() if v not in ("", False)):
                try:
                    clean_fields(data)
                except ValidationError as exc:
                    ok = False
                    for name, messages in exc.message_dict.items():
                        report.problems.append((number, f"{side}.{name}", "; ".join(messages)))
        if any(person_data.values()) and not person_data.get("last_name"):
            ok = False
            report.problems.append((number, "person.last_name", "a person needs a last name"))
        if any(v for k, v in org_data.items() if k != "name") and not org_data.get("name"):
            ok = False
            report.problems.append((number, "organisation.name", "an organisation needs a name"))
        if not ok:
            continue
        planned.append((org_data, person_data))
        name = org_data.get("name", "")
        if name:
            key = (name.lower(), org_data.get("kvk", ""))
            if key not in seen_orgs:  # type: ignore[comparison-overlap]
                known = Organisation.objects.filter(name__iexact=name).first()
                seen_orgs[key] = known  # type: ignore[index]
                if known:
                    report.organisations_known += 1
                else:
                    report.organisations_new += 1
        if person_data.get("last_name"):
            email = person_data.get("email", "")
            if email and Person.objects.filter(email__iexact=email).exists():
                report.people_known += 1
            else:
                report.people_new += 1
    if dry_run or (report.problems and not skip_problem_rows):
        return report
    with transaction.atomic():
        made: dict[tuple, Organisation] = {}
        for org_data, person_data in planned:
            org = None
            name = org_data.get("name", "")
            if name:
                key = (name.lower(), org_data.get("kvk", ""))
                org = made.get(key) or seen_orgs.get(key)  # type: ignore[call-overload]
                if org is None:
                    org = made[key] = do_create_organisation(org_data, actor=actor)
            if person_data.get("last_name"):
                email = person_data.get("email", "")
                if email and Person.objects.filter(email__iexact=email).exists():
                    continue
                do_create_person({**person_data, "organisation": org}, actor=actor)
        do_record_event(EventType.CRM_RELATIONS_IMPORTED, actor=actor, details={
            "rows": report.rows, "organisations": report.organisations_new, "people": report.people_new,
            "skipped_rows": report.rows_with_problems})
    report.written = True
    return report


EXPORT_COLUMNS = ["organisatie", "soort", "kvk", "btw", "iban", "aanhef", "voorletters", "voornaam", "tussenvoegsel",
                  "achternaam", "functie", "straat", "huisnummer", "toevoeging", "postcode", "plaats", "land",
                  "telefoon", "mobiel", "e-mail", "website"]


def export_relations(*, actor: Actor) -> bytes:
    """All organisations and people as CSV (semicolons, UTF-8), without the purpose-bound fields."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";")
    writer.writerow(EXPORT_COLUMNS)
    count = 0
    for org in Organisation.objects.prefetch_related("people"):
        kinds = ",".join(k for k, flag in (("klant", org.is_client), ("prospect", org.is_prospect),
                                            ("leverancier", org.is_supplier)) if flag)
        base = [org.name, kinds, org.kvk, org.vat, org.iban]
        people = list(org.people.all()) or [None]  # type: ignore[list-item]
        for p in people:
            src = p if p is not None and (p.street or p.postcode) else org
            writer.writerow(base + _person_cells(p) + [src.street, src.house_number, src.house_number_addition,
                                                       src.postcode, src.city, src.country,
                                                       (p.phone if p else "") or org.phone, p.mobile if p else "",
                                                       (p.email if p else "") or org.email, org.website])
            count += 1
    for p in Person.objects.filter(organisation__isnull=True):
        writer.writerow(["", "", "", "", ""] + _person_cells(p) + [p.street, p.house_number, p.house_number_addition,
                                                                   p.postcode, p.city, p.country, p.phone, p.mobile,
                                                                   p.email, p.website])
        count += 1
    do_record_event(EventType.CRM_RELATIONS_EXPORTED, actor=actor, details={"rows": count})
    return buffer.getvalue().encode("utf-8")


def _person_cells(p: Person | None) -> list[str]:
    if p is None:
        return ["", "", "", "", "", ""]
    return [{"m": "M", "v": "V"}.get(p.gender, ""), p.initials, p.first_name, p.infix, p.last_name, p.occupation]


# -- the ERP's export of transactions, invoices and payments ---------------------------------------------------

FINANCIAL_TARGETS = ["organisation.name", "organisation.kvk", "record.kind", "record.reference", "record.date",
                     "record.amount", "record.currency", "record.description"]
_FIN_GUESSES = {
    "relatie": "organisation.name", "debiteur": "organisation.name", "klant": "organisation.name",
    "bedrijfsnaam": "organisation.name", "customer": "organisation.name", "kvk": "organisation.kvk",
    "kvknummer": "organisation.kvk", "soort": "record.kind", "type": "record.kind", "boekstuk": "record.reference",
    "factuurnummer": "record.reference", "referentie": "record.reference", "reference": "record.reference",
    "datum": "record.date", "factuurdatum": "record.date", "date": "record.date", "bedrag": "record.amount",
    "amount": "record.amount", "valuta": "record.currency", "currency": "record.currency",
    "omschrijving": "record.description", "description": "record.description",
}
_FIN_KINDS = {"factuur": "invoice", "invoice": "invoice", "betaling": "payment", "payment": "payment",
              "transactie": "transaction", "transaction": "transaction", "aankoop": "purchase", "purchase": "purchase",
              "order": "purchase"}


def guess_financial_mapping(columns: list[str]) -> dict[str, str]:
    mapping, taken = {}, set()
    for column in columns:
        target = _FIN_GUESSES.get(re.sub(r"[^a-z]", "", column.lower()))
        if target and target not in taken:
            mapping[column] = target
            taken.add(target)
    return mapping


def _amount(text: str):
    text = text.replace("€", "").replace(" ", "")
    if "," in text:  # Dutch notation: 1.234,56
        text = text.replace(".", "").replace(",", ".")
    try:
        return Decimal(text)
    except InvalidOperation:
        return None


def _date(text: str):
    for fmt in ("%Y-%m-%d", "%d-%m-%Y", "%d/%m/%Y", "%Y-%m-%d %H:%M:%S"):
        try:
            return dt.datetime.strptime(text.strip(), fmt).date()
        except ValueError:
            continue
    return None


def import_financial_records(frame, mapping: dict[str, str], *, dry_run: bool, actor: Actor,
                             file_name: str = "") -> ImportReport:
    """Fill transactions, invoices, payments and purchases from the ERP's CSV/XLSX export, matched to
    organisations by KvK number or name. Rows with problems (unknown organisation, kind, date or amount)
    are listed by row and field; they block the import. Known references are skipped."""
    from verwerker.crm.actions import do_add_financial_record  # local: same layer or upward, a cycle at the top

    if any(t and t not in FINANCIAL_TARGETS for t in mapping.values()) or any(c not in frame.columns for c in mapping):
        raise ImportProblem(f"{file_name}: the column mapping names an unknown field or a missing column")
    needed = {"record.reference", "record.date", "record.amount", "record.kind"}
    if not needed <= set(mapping.values()) or not {"organisation.name", "organisation.kvk"} & set(mapping.values()):
        raise ImportProblem(f"{file_name}: map the organisation, the kind, the reference, the date and the amount")
    report = ImportReport(rows=frame.height)
    planned = []
    for number, row in enumerate(frame.iter_rows(named=True), start=2):
        values = {t: ("" if row.get(c) is None else str(row.get(c)).strip()) for c, t in mapping.items() if t}
        kvk, name = values.get("organisation.kvk", ""), values.get("organisation.name", "")
        org = (Organisation.objects.filter(kvk=kvk).first() if kvk else None) or (
            Organisation.objects.filter(name__iexact=name).first() if name else None)
        kind = _FIN_KINDS.get(values.get("record.kind", "").lower())
        date, amount = _date(values.get("record.date", "")), _amount(values.get("record.amount", ""))
        problems = [(f, p) for f, p, bad in (
            ("organisation", "no such organisation in the CRM", org is None),
            ("record.kind", "unknown kind (invoice, payment, transaction, purchase)", kind is None),
            ("record.date", "not a date", date is None), ("record.amount", "not an amount", amount is None),
            ("record.reference", "a record needs a reference", not values.get("record.reference")),
        ) if bad]
        report.problems.extend((number, f, p) for f, p in problems)
        if problems:
            continue
        if FinancialRecord.objects.filter(organisation=org, reference=values["record.reference"], kind=kind).exists():
            report.records_known += 1
            continue
        planned.append((org, kind, values, date, amount))
    report.records_new = len(planned)
    if dry_run or report.problems:
        return report
    with transaction.atomic():
        for org, kind, values, date, amount in planned:
            do_add_financial_record(organisation=org, kind=kind, reference=values["record.reference"], date=date,  # type: ignore[arg-type]
                                    amount=amount, currency=values.get("record.currency") or "EUR",
                                    description=values.get("record.description", "")[:200], actor=actor)
        do_record_event(EventType.CRM_RELATIONS_IMPORTED, actor=actor,
                        details={"rows": report.rows, "financial_records": len(planned)})
    report.written = True
    return report
