"""Fixtures of the CRM tests: the seeded purposes (a transactional test elsewhere may have flushed them),
a relation manager and a privacy officer, and a small set of relations."""

import importlib

import pytest


@pytest.fixture
def purposes(db):
    from verwerker.crm.models import Purpose

    seed = importlib.import_module("verwerker.crm.migrations.0002_seed_purposes")
    for code, name, description, valid_days, extra in seed.PURPOSES:
        Purpose.objects.get_or_create(code=code, defaults={
            "name": name, "description": description, "valid_days": valid_days, "uses_extra_data": extra})
    return {p.code: p for p in Purpose.objects.all()}


@pytest.fixture
def relation_manager(make_staff):
    return make_staff("relation", "relatiebeheerder")


@pytest.fixture
def officer(make_staff):
    return make_staff("privacy", "privacyofficer")


@pytest.fixture
def manager_actor(relation_manager):
    from verwerker.audit.actors import Actor

    return Actor.for_user(relation_manager)


@pytest.fixture
def org(db, system_actor):
    from verwerker.crm.actions import do_create_organisation

    return do_create_organisation({
        "name": "Drukkerij Voorbeeld BV", "is_client": True, "kvk": "12345678", "vat": "NL004495445B01",
        "iban": "NL91ABNA0417164300", "street": "Kerkstraat", "house_number": "1", "postcode": "1234ab",
        "city": "Utrecht", "phone": "030-1234567", "email": "info@voorbeeld.example", "website": "voorbeeld.example",
    }, actor=system_actor)


@pytest.fixture
def make_person(db, system_actor):
    from verwerker.crm.actions import do_create_person

    def make(last_name: str, organisation=None, **fields):
        data = {"initials": "A.", "last_name": last_name, "email": f"{last_name.lower()}@example.test",
                "street": "Dorpsweg", "house_number": "5", "postcode": "2345 CD", "city": "Leiden", **fields}
        return do_create_person({**data, "organisation": organisation}, actor=system_actor)

    return make
