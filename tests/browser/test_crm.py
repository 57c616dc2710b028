"""The house's own relations in a real browser: import, consent by phone, a withdrawal, a newsletter
produced as letters without the withdrawn person, and an access request answered with a complete export."""

import json
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import confirm_dialog
from verwerker.accounts.roles import Role
from verwerker.audit.actors import Actor
from verwerker.vault.models import ReadPurpose

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

EXPORT = (
    "Bedrijfsnaam;Soort;KvK-nummer;Straat;Huisnummer;Postcode;Plaats;Voorletters;Achternaam;E-mailadres;Telefoon\n"
    "Bakkerij De Korst;klant;12345678;Markt;3;1234AB;Utrecht;J.;Korst;j.korst@example.test;030-1234567\n"
    "Bakkerij De Korst;klant;12345678;Markt;3;1234AB;Utrecht;M.;Kruim;m.kruim@example.test;030-1234567\n"
    "Papier & Co;leverancier;87654321;Laan;9;9712 AB;Groningen;P.;Vel;p.vel@example.test;050-1234567\n"
)


@pytest.fixture
def purposes(db):
    """The seeded purposes (a transactional test before this one may have flushed the migration's rows)."""
    import importlib

    from verwerker.crm.models import Purpose

    seed = importlib.import_module("verwerker.crm.migrations.0002_seed_purposes")
    for code, name, description, valid_days, extra in seed.PURPOSES:
        Purpose.objects.get_or_create(code=code, defaults={
            "name": name, "description": description, "valid_days": valid_days, "uses_extra_data": extra})


SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


def _screenshot(page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"))


def _file(name: str, text: str) -> dict:
    return {"name": name, "mimeType": "text/csv", "buffer": text.encode()}


def test_relations_are_imported_consented_mailed_as_letters_and_exported_on_request(staff_page, make_staff, purposes):
    from verwerker.crm.models import Consent, Mailing, Person
    from verwerker.datafiles.read import read_table
    from verwerker.production.models import Template
    from verwerker.production.render import EXAMPLES
    from verwerker.vault.actions import read_blob_bytes

    Template.objects.create(name="Nieuwsbrief-brief", source=(EXAMPLES / "letter.typ").read_text())
    manager = staff_page(make_staff(Role.RELATION, "relatiebeheerder"))

    # import: a dry run first, then the import itself
    manager.goto("/relaties/import/")
    manager.set_input_files("input[name=file]", _file("crm-export.csv", EXPORT))
    manager.locator("button[name=go][value=dry]").click()
    expect(manager.locator("[data-no-problems]")).to_be_visible()
    expect(manager.locator("select[name='map:Achternaam']")).to_have_value("person.last_name")
    manager.set_input_files("input[name=file]", _file("crm-export.csv", EXPORT))
    manager.locator("button[name=go][value=import]").click()
    expect(manager.locator(".messages li.success")).to_be_visible()
    assert sorted(Person.objects.values_list("last_name", flat=True)) == ["Korst", "Kruim", "Vel"]

    # a consent by phone for Korst, and for Kruim, whose consent is then withdrawn
    for name in ("Korst", "Kruim"):
        manager.goto("/relaties/?q=" + name)
        manager.locator(f"[data-person='{name}'] a").click()
        form = manager.locator("[data-record-consent]")
        form.locator("select[name=purpose]").select_option(label="Nieuwsbrief")
        form.locator("select[name=method]").select_option("phone")
        form.locator("textarea[name=text_shown]").fill("Mogen wij u onze nieuwsbrief per post sturen? Ja.")
        form.locator("button[type=submit]").click()
        expect(manager.locator("[data-consent=nieuwsbrief]")).to_have_count(1)
    manager.locator("[data-consent=nieuwsbrief] select[name=method]").select_option("phone")
    manager.locator("[data-consent=nieuwsbrief] button[type=submit]").click()
    expect(manager.locator("[data-consent=nieuwsbrief] form")).to_have_count(0)
    assert not Consent.objects.get(person__last_name="Kruim").holds()

    # a newsletter mailing produced as letters
    manager.goto("/relaties/mailings/")
    new = manager.locator("[data-new-mailing]")
    new.locator("input[name=name]").fill("Voorjaarsnieuws")
    new.locator("select[name=purpose]").select_option("nieuwsbrief")
    new.locator("select[name=channel]").select_option("letter")
    new.locator("button[type=submit]").click()
    manager.locator("button[name=produce]").click()
    expect(manager.locator("[data-job]")).to_be_visible()
    expect(manager.locator("[data-recipient]")).to_have_count(1)
    expect(manager.locator("[data-recipient='Korst']")).to_have_count(1)
    job = Mailing.objects.get().job
    letters = (
        read_table(
            read_blob_bytes(job.data_file.blob, actor=Actor.system("test reader"), purpose=ReadPurpose.VERIFICATION),
            name="x.csv",
        )
        .frame.get_column("Achternaam")
        .to_list()
    )
    assert letters == ["Korst"]  # Kruim withdrew, Vel never consented

    # the privacy officer answers an access request of Korst with a complete export
    officer = staff_page(make_staff(Role.PRIVACY, "privacyofficer"))
    officer.goto("/relaties/?q=Korst")
    officer.locator("[data-person='Korst'] a").click()
    officer.locator("[data-log-request] select[name=kind]").select_option("access")
    officer.locator("[data-log-request] button[type=submit]").click()
    with officer.expect_download() as download:
        officer.locator("[data-export=json]").click()
    export = json.loads(Path(download.value.path()).read_text())
    assert export["person"]["last_name"] == "Korst" and export["person"]["email"] == "j.korst@example.test"
    assert (export["organisation"]["name"], export["organisation"]["kvk"], export["organisation"]["phone"]) == (
        "Bakkerij De Korst", "12345678", "+31301234567")
    assert [(c["purpose"], c["method"]) for c in export["consents"]] == [("Nieuwsbrief", "phone")]
    with officer.expect_download() as download:
        officer.locator("[data-export=csv]").click()
    assert "j.korst@example.test" in Path(download.value.path()).read_text()
    officer.locator("button[name=execute]").click()
    confirm_dialog(officer)
    expect(officer.locator("[data-receipt]")).to_contain_text("CSV en JSON")

    # the request is in the one request register, with its deadline, beside the clients' requests
    from verwerker.privacy.models import DataSubjectRequest

    entry = DataSubjectRequest.objects.get(concerns="own_relation")
    officer.goto("/privacy/verzoeken/")
    row = officer.locator(f"[data-request='{entry.reference}']")
    expect(row).to_contain_text("eigen relatie (CRM)")
    expect(row).to_contain_text("uitgevoerd")
    _screenshot(officer, "20-request-register")
