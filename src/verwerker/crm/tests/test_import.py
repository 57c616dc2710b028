"""Import of a CRM export (CSV and XLSX through datafiles' readers) with a guessed, correctable column
mapping and a dry run that names problems by row and field; and the CRM's own export."""

import io

import pytest

CSV = (
    "Bedrijfsnaam;Soort;KvK-nummer;BTW-nummer;IBAN;Straat;Huisnummer;Postcode;Plaats;Voorletters;Achternaam;E-mailadres;Functie\n"
    "Bakkerij De Korst;klant;12345678;NL004495445B01;NL91ABNA0417164300;Markt;3;1234AB;Utrecht;J.;Korst;j.korst@example.test;eigenaar\n"  # noqa: E501
    "Bakkerij De Korst;klant;12345678;NL004495445B01;NL91ABNA0417164300;Markt;3;1234AB;Utrecht;M.;Kruim;m.kruim@example.test;inkoop\n"  # noqa: E501
    "Papier & Co;leverancier;8765432;;;Laan;9;9999 ZZ;Groningen;P.;Vel;p.vel@example.test;\n"
)


def test_the_mapping_is_guessed_from_common_headers():
    from verwerker.crm.importer import guess_mapping

    mapping = guess_mapping(["Bedrijfsnaam", "KvK-nummer", "Achternaam", "E-mailadres", "Onbekend"])
    assert mapping == {"Bedrijfsnaam": "organisation.name", "KvK-nummer": "organisation.kvk",
                       "Achternaam": "person.last_name", "E-mailadres": "person.email"}


def test_a_dry_run_names_each_problem_by_row_and_field_and_writes_nothing(system_actor, db):
    from verwerker.crm.importer import guess_mapping, import_relations, read_export
    from verwerker.crm.models import Organisation

    frame = read_export(CSV.encode(), name="export.csv")
    report = import_relations(
        frame, guess_mapping(frame.columns), dry_run=True, actor=system_actor, file_name="export.csv"
    )
    assert report.problems == [(4, "organisation.kvk", "a KvK number has exactly eight digits")]
    assert (report.organisations_new, report.people_new) == (1, 2)
    assert not Organisation.objects.exists()
    blocked = import_relations(frame, guess_mapping(frame.columns), dry_run=False, actor=system_actor)
    assert not blocked.written and not Organisation.objects.exists()


def test_an_import_skipping_bad_rows_creates_organisations_once_with_their_people(system_actor, db):
    from verwerker.crm.importer import guess_mapping, import_relations, read_export
    from verwerker.crm.models import Organisation, Person

    frame = read_export(CSV.encode(), name="export.csv")
    report = import_relations(
        frame, guess_mapping(frame.columns), dry_run=False, skip_problem_rows=True, actor=system_actor
    )
    assert report.written
    org = Organisation.objects.get()
    assert (org.name, org.is_client, org.postcode, org.vat) == ("Bakkerij De Korst", True, "1234 AB", "NL004495445B01")
    assert sorted(Person.objects.values_list("last_name", flat=True)) == ["Korst", "Kruim"]
    again = import_relations(
        frame, guess_mapping(frame.columns), dry_run=False, skip_problem_rows=True, actor=system_actor
    )
    assert again.people_known == 2 and Person.objects.count() == 2


def test_an_xlsx_export_is_read_by_the_same_readers(system_actor, db):
    openpyxl = pytest.importorskip("openpyxl")
    from verwerker.crm.importer import guess_mapping, import_relations, read_export

    book = openpyxl.Workbook()
    for line in CSV.splitlines():
        book.active.append(line.split(";"))
    buffer = io.BytesIO()
    book.save(buffer)
    frame = read_export(buffer.getvalue(), name="export.xlsx")
    report = import_relations(frame, guess_mapping(frame.columns), dry_run=True, actor=system_actor)
    assert report.rows == 3 and report.people_new == 2


def test_an_unreadable_file_is_one_line_naming_the_file(db):
    from verwerker.crm.importer import ImportProblem, read_export

    with pytest.raises(ImportProblem) as exc:
        read_export(b"PK\x03\x04 broken", name="kapot.xlsx")
    assert "kapot.xlsx" in str(exc.value) and "\n" not in str(exc.value)


def test_the_export_lists_relations_without_the_purpose_bound_fields(system_actor, db):
    from verwerker.crm.importer import export_relations, guess_mapping, import_relations, read_export

    frame = read_export(CSV.encode(), name="export.csv")
    import_relations(frame, guess_mapping(frame.columns), dry_run=False, skip_problem_rows=True, actor=system_actor)
    text = export_relations(actor=system_actor).decode()
    assert "Korst" in text and "Kruim" in text and "geboortedatum" not in text.lower()
    again = read_export(text.encode(), name="relaties.csv")
    assert again.height == 2


ERP = (
    "Debiteur;KvK-nummer;Soort;Factuurnummer;Factuurdatum;Bedrag;Omschrijving\n"
    "Bakkerij De Korst;12345678;factuur;F-2026-001;15-03-2026;1.234,56;Drukwerk maart\n"
    "Bakkerij De Korst;12345678;betaling;B-2026-001;2026-04-01;1234.56;\n"
    "Onbekend BV;;factuur;F-2026-002;31-02-2026;12,00;\n"
)


def test_the_erp_export_fills_transactions_invoices_and_payments_and_names_bad_rows(system_actor, db):
    from decimal import Decimal

    from verwerker.crm.importer import (
        guess_financial_mapping,
        guess_mapping,
        import_financial_records,
        import_relations,
        read_export,
    )
    from verwerker.crm.models import FinancialRecord

    relations = read_export(CSV.encode(), name="export.csv")
    import_relations(
        relations, guess_mapping(relations.columns), dry_run=False, skip_problem_rows=True, actor=system_actor
    )
    frame = read_export(ERP.encode(), name="erp.csv")
    mapping = guess_financial_mapping(frame.columns)
    report = import_financial_records(frame, mapping, dry_run=True, actor=system_actor)
    assert {(r, f) for r, f, _p in report.problems} == {(4, "organisation"), (4, "record.date")}
    good = frame.head(2)
    assert import_financial_records(good, mapping, dry_run=False, actor=system_actor).written
    records = {r.reference: (r.kind, r.amount, r.date.isoformat()) for r in FinancialRecord.objects.all()}
    assert records == {"F-2026-001": ("invoice", Decimal("1234.56"), "2026-03-15"),
                       "B-2026-001": ("payment", Decimal("1234.56"), "2026-04-01")}
    again = import_financial_records(good, mapping, dry_run=False, actor=system_actor)
    assert (again.records_new, again.records_known) == (0, 2) and FinancialRecord.objects.count() == 2
