"""Logging in: password policy, second factor for staff, lockout, and every attempt audited (P12, P15)."""

import datetime as dt

import pytest
import time_machine
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from verwerker.accounts.actions import do_bootstrap_admin, do_create_staff_user
from verwerker.accounts.models import User
from verwerker.accounts.roles import Role
from verwerker.audit.events import EventType
from verwerker.audit.models import AuditEvent

pytestmark = pytest.mark.django_db


def _events(action):
    return AuditEvent.objects.filter(action=action)


@pytest.mark.parametrize(
    "password, reason",
    [
        ("Kort1!", "password_too_short"),
        ("password1234", "password_too_common"),
        ("12345678901234", "password_entirely_numeric"),
    ],
)
def test_it_refuses_weak_passwords(password, reason):
    with pytest.raises(ValidationError) as exc:
        validate_password(password, User(username="jdevries"))
    assert reason in {e.code for e in exc.value.error_list}


def test_it_refuses_a_password_like_the_username():
    with pytest.raises(ValidationError) as exc:
        validate_password("jdevriesprinter", User(username="jdevriesprinter"))
    assert "password_too_similar" in {e.code for e in exc.value.error_list}


def test_passwords_are_hashed_with_argon2(make_staff):
    user = make_staff(Role.DATABASE)
    assert user.password.startswith("argon2")


def test_a_client_user_can_never_be_staff(user_a):
    user_a.is_staff = True
    with pytest.raises(IntegrityError), transaction.atomic():
        user_a.save()


def test_the_first_administrator_is_created_once_with_a_one_time_password():
    password = do_bootstrap_admin()
    admin = User.objects.get(username="admin")
    assert admin.check_password(password) and admin.must_change_password and admin.has_role(Role.ADMIN)
    assert not admin.is_superuser
    assert do_bootstrap_admin() is None
    assert _events(EventType.ADMIN_BOOTSTRAPPED).count() == 1


def test_staff_login_requires_enrolling_and_using_a_second_factor(client, system_actor):
    user, password = do_create_staff_user("dbmedewerker", roles=[Role.DATABASE], actor=system_actor)
    response = client.post(reverse("accounts:login"), {"username": "dbmedewerker", "password": password})
    assert response.status_code == 302
    assert _events(EventType.LOGIN_SUCCEEDED).filter(actor_label="dbmedewerker").exists()

    # Every page sends the not-yet-verified staff member to the second-factor page.
    response = client.get(reverse("clients:list"))
    assert response.status_code == 302 and response.url.startswith(reverse("accounts:otp"))

    page = client.get(reverse("accounts:otp"))
    assert b"<svg" in page.content  # enrolment shows a QR code
    device = TOTPDevice.objects.get(user=user, confirmed=False)

    wrong = client.post(reverse("accounts:otp"), {"token": "000000" if totp(device.bin_key) != 0 else "111111"})
    assert wrong.status_code == 200 and _events(EventType.OTP_FAILED).count() == 1

    # The device throttles after a failure (1 s, doubling); a person tries again a few seconds later.
    traveller = time_machine.travel(dt.datetime.now(dt.UTC) + dt.timedelta(seconds=5), tick=True)
    traveller.start()
    code = f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}"
    response = client.post(reverse("accounts:otp"), {"token": code})
    traveller.stop()
    assert response.status_code == 302
    device.refresh_from_db()
    assert device.confirmed
    assert _events(EventType.OTP_DEVICE_CONFIRMED).count() == 1

    # Verified now, but the one-time password must be replaced before anything else.
    response = client.get(reverse("home"))
    assert response.status_code == 302 and response.url.startswith(reverse("accounts:password_change"))
    response = client.post(
        reverse("accounts:password_change"),
        {
            "old_password": password,
            "new_password1": "Zeven-Blauwe-Enveloppen",
            "new_password2": "Zeven-Blauwe-Enveloppen",
        },
    )
    assert response.status_code == 302
    user.refresh_from_db()
    assert not user.must_change_password
    assert client.get(reverse("home")).status_code == 200


def test_repeated_failures_lock_the_account_and_are_audited(client, make_staff, settings):
    make_staff(Role.PRINT, "drukker")
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post(reverse("accounts:login"), {"username": "drukker", "password": "wrong-password-123"})
    assert _events(EventType.LOGIN_FAILED).filter(actor_label="drukker").count() >= settings.AXES_FAILURE_LIMIT - 1
    assert _events(EventType.LOGIN_LOCKED_OUT).filter(actor_label="drukker").exists()
    # Even the right password is refused while locked out.
    user = User.objects.get(username="drukker")
    user.set_password("Correct-Horse-Battery-9")
    user.save()
    response = client.post(reverse("accounts:login"), {"username": "drukker", "password": "Correct-Horse-Battery-9"})
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session


def test_staff_sessions_expire_sooner_than_client_sessions(login, make_staff, user_a, settings):
    staff_client = login(make_staff(Role.RELATION))
    staff_client.get(reverse("home"))
    assert staff_client.session.get_expiry_age() == settings.STAFF_IDLE_MINUTES * 60
    staff_client.logout()
    client_client = login(user_a)
    client_client.get(reverse("home"))
    assert client_client.session.get_expiry_age() == settings.CLIENT_IDLE_MINUTES * 60
    assert settings.STAFF_IDLE_MINUTES < settings.CLIENT_IDLE_MINUTES
