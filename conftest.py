"""Root test configuration: a throw-away data directory per run, and the personas every app's tests use.

Personas (as in healthchecks' hc/test.py): a staff member in each role, a user of client A and a user
of client B. Staff personas are logged in with a verified second factor, as they would be for real.
"""

import datetime as dt

import pytest

# The personas' agreements are in force from this date, so tests may travel back in time within 2026.
AGREEMENTS_START = dt.date(2026, 1, 1)


@pytest.fixture(autouse=True)
def _house_language():
    """Every test starts and ends in the house's language (Dutch): a request through the test client leaves the
    language its LocaleMiddleware chose active in the thread (English, after a test that chose English), and a
    later test that reads a message would read it in that language, depending on the order tests run in."""
    from django.utils import translation

    translation.deactivate()  # the default: settings.LANGUAGE_CODE
    yield
    translation.deactivate()


@pytest.fixture
def english():
    """The thread's language English for the test: for tests that read the checks' evidence texts as written in
    the code (the screens show them in the person's language, Dutch by default)."""
    from django.utils import translation

    with translation.override("en"):
        yield


@pytest.fixture
def system_actor():
    from verwerker.audit.actors import Actor

    return Actor.system("test")


@pytest.fixture
def client_a(db, system_actor):
    from verwerker.clients.actions import do_activate_agreement, do_create_agreement, do_create_client

    client = do_create_client("Woningstichting Aland", contact_email="contact@aland.example", actor=system_actor)
    agreement = do_create_agreement(
        client,
        reference="VO-A-1",
        subject="Mailings to tenants",
        nature_and_purpose="Printing and mailing letters",
        data_types="NAW",
        data_subject_categories="Tenants",
        starts_on=AGREEMENTS_START,
        actor=system_actor,
    )
    do_activate_agreement(agreement, actor=system_actor)
    return client


@pytest.fixture
def client_b(db, system_actor):
    from verwerker.clients.actions import do_activate_agreement, do_create_agreement, do_create_client

    client = do_create_client("Sportbond Beeland", contact_email="contact@beeland.example", actor=system_actor)
    agreement = do_create_agreement(
        client,
        reference="VO-B-1",
        subject="Member magazine",
        nature_and_purpose="Printing and mailing",
        data_types="NAW",
        data_subject_categories="Members",
        starts_on=AGREEMENTS_START,
        actor=system_actor,
    )
    do_activate_agreement(agreement, actor=system_actor)
    return client


def _client_user(client, username, system_actor):
    from verwerker.accounts.actions import do_create_client_user

    user, _password = do_create_client_user(client, username, email=f"{username}@example.test", actor=system_actor)
    user.must_change_password = False
    user.save(update_fields=["must_change_password"])
    return user


@pytest.fixture
def user_a(client_a, system_actor):
    return _client_user(client_a, "alice-a", system_actor)


@pytest.fixture
def user_b(client_b, system_actor):
    return _client_user(client_b, "bob-b", system_actor)


@pytest.fixture
def make_staff(db, system_actor):
    from verwerker.accounts.actions import do_create_staff_user

    def make(role: str, username: str | None = None):
        from verwerker.facilities.models import ConfidentialityAgreement

        user, _password = do_create_staff_user(username or f"staff-{role}", roles=[role], actor=system_actor)
        user.must_change_password = False
        user.save(update_fields=["must_change_password"])
        # Staff open client data only with a current confidentiality agreement (P11). The personas have
        # one, signed before the agreements start; a row only (no signed copy in the vault, no event), so
        # tests that count blobs or audit events see only their own. facilities' tests exercise the action.
        ConfidentialityAgreement.objects.create(
            user=user, version="test", signed_on=AGREEMENTS_START - dt.timedelta(days=1), recorded_by="conftest"
        )
        return user

    return make


@pytest.fixture
def login(client):
    """Log a user into the test client; staff get a confirmed TOTP device and a verified session."""

    def do_login(user):
        client.force_login(user)
        if user.is_staff:
            from django_otp.plugins.otp_totp.models import TOTPDevice

            device = TOTPDevice.objects.create(user=user, name="test", confirmed=True)
            session = client.session
            session["otp_device_id"] = device.persistent_id
            session.save()
        return client

    return do_login
