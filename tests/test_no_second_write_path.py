"""No second write path (issue 16): the Django admin can no longer add, change or delete users, roles,
second-factor devices, clients, contacts or agreements; the SFTP accounts and print stations are not
in it at all. Every change goes through an action and its audit event."""

import pytest
from django.contrib import admin
from django.contrib.auth.models import Group
from django.urls import reverse

from verwerker.accounts.models import User
from verwerker.clients.models import Agreement, AgreementStatus, Client

pytestmark = pytest.mark.django_db

GUARDED = {"accounts.User", "auth.Group", "otp_totp.TOTPDevice", "clients.Client", "clients.Agreement",
           "clients.Subprocessor"}


@pytest.fixture
def superuser_web(client, system_actor):
    """The strongest admin user there is: a Django superuser with a verified second factor."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from verwerker.accounts.actions import do_create_staff_user

    user, _password = do_create_staff_user("nood", roles=["admin"], superuser=True, actor=system_actor)
    User.objects.filter(pk=user.pk).update(must_change_password=False)
    client.force_login(user)
    device = TOTPDevice.objects.create(user=user, name="t", confirmed=True)
    session = client.session
    session["otp_device_id"] = device.persistent_id
    session.save()
    return client


def test_every_guarded_model_is_read_only_in_the_admin_and_sftp_accounts_and_stations_are_absent(rf, superuser_web):
    request = rf.get("/")
    request.user = User.objects.get(username="nood")
    registered = {model._meta.label: model_admin for model, model_admin in admin.site._registry.items()}
    assert GUARDED <= set(registered)
    for label in GUARDED:
        model_admin = registered[label]
        assert not model_admin.has_add_permission(request), label
        assert not model_admin.has_change_permission(request), label
        assert not model_admin.has_delete_permission(request), label
        for inline in model_admin.get_inline_instances(request):
            assert not inline.has_add_permission(request, None) and not inline.has_change_permission(request), label
    assert "intake.SftpAccount" not in registered and "production.PrintStation" not in registered


def test_posting_to_the_admin_changes_nothing(superuser_web, client_a, make_staff):
    person = make_staff("print", "drukker")
    agreement = client_a.agreements.get()
    draft = Agreement.objects.create(client=client_a, reference="D-2", subject="s", nature_and_purpose="n",
                                     data_types="NAW", data_subject_categories="c", high_risk_allowed=True)
    attempts = [
        (reverse("admin:accounts_user_add"), {"username": "via-admin", "password1": "x" * 20, "password2": "x" * 20}),
        (
            reverse("admin:accounts_user_change", args=[person.pk]),
            {"username": "drukker", "is_superuser": "on", "groups": [Group.objects.get(name="admin").pk]},
        ),
        (reverse("admin:accounts_user_delete", args=[person.pk]), {"post": "yes"}),
        (
            reverse("admin:auth_group_change", args=[Group.objects.get(name="print").pk]),
            {"name": "print", "permissions": []},
        ),
        (reverse("admin:clients_agreement_change", args=[draft.pk]), {"status": "active"}),
        (reverse("admin:clients_agreement_delete", args=[agreement.pk]), {"post": "yes"}),
        (reverse("admin:clients_client_add"), {"name": "Via admin"}),
    ]
    for url, data in attempts:
        assert superuser_web.post(url, data).status_code == 403, url
    person.refresh_from_db()
    assert not User.objects.filter(username="via-admin").exists() and not person.is_superuser
    assert list(person.groups.values_list("name", flat=True)) == ["print"]
    assert Group.objects.get(name="print").permissions.exists()
    draft.refresh_from_db()
    assert draft.status == AgreementStatus.DRAFT and Agreement.objects.filter(pk=agreement.pk).exists()
    assert not Client.objects.filter(name="Via admin").exists()
    # Looking still works.
    assert superuser_web.get(reverse("admin:accounts_user_changelist")).status_code == 200
