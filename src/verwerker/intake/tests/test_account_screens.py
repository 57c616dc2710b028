"""The SFTP account section of the client's page (P13): issue and re-issue with a one-time password,
keys added and removed, password login off, allowed networks; who may and who may not."""

import asyncssh
import pytest
from django.contrib.auth.hashers import check_password
from django.urls import reverse

from verwerker.accounts.roles import Role
from verwerker.audit.events import EventType
from verwerker.audit.models import AuditEvent
from verwerker.intake.models import Ban, BanScope, SftpAccount

pytestmark = pytest.mark.django_db


@pytest.fixture
def rm(make_staff, login):
    return login(make_staff(Role.RELATION, "relatiebeheer"))


def _key(comment: str = "klant") -> tuple[str, str]:
    key = asyncssh.generate_private_key("ssh-ed25519", comment=comment)
    return key.export_public_key("openssh").decode().strip(), key.get_fingerprint("sha256")


def test_the_account_is_issued_and_reissued_with_a_password_shown_once(rm, client_a):
    first = rm.post(reverse("intake:sftp_issue", args=[client_a.pk]))
    account = SftpAccount.objects.get(client=client_a)
    assert first["Cache-Control"] == "no-store" and check_password(first.context["password"], account.password_hash)
    page = rm.get(reverse("clients:detail", args=[client_a.pk])).content.decode()
    assert account.username in page and first.context["password"] not in page
    second = rm.post(reverse("intake:sftp_issue", args=[client_a.pk]))
    account.refresh_from_db()
    assert not check_password(first.context["password"], account.password_hash)
    assert check_password(second.context["password"], account.password_hash)
    assert AuditEvent.objects.filter(action=EventType.SFTP_ACCOUNT_ISSUED, client_id=client_a.pk).count() == 2


def test_keys_are_added_and_removed_and_password_login_switched_off(rm, client_a):
    rm.post(reverse("intake:sftp_issue", args=[client_a.pk]))
    line, fingerprint = _key()
    rm.post(reverse("intake:sftp_add_key", args=[client_a.pk]), {"public_key": line})
    rm.post(reverse("intake:sftp_disable_password", args=[client_a.pk]))
    account = SftpAccount.objects.get(client=client_a)
    assert account.key_lines == [line] and not account.password_login_enabled and account.password_hash is None
    # The last key is the last way in now: it stays.
    answer = rm.post(reverse("intake:sftp_remove_key", args=[client_a.pk]), {"fingerprint": fingerprint}, follow=True)
    assert "laatste toegang" in str(list(answer.context["messages"])[-1])
    other, other_fingerprint = _key("tweede")
    rm.post(reverse("intake:sftp_add_key", args=[client_a.pk]), {"public_key": other})
    rm.post(reverse("intake:sftp_remove_key", args=[client_a.pk]), {"fingerprint": fingerprint})
    account.refresh_from_db()
    assert account.key_lines == [other]
    removed = AuditEvent.objects.get(action=EventType.SFTP_PUBLIC_KEY_REMOVED)
    assert fingerprint in removed.details and removed.client_id == client_a.pk


def test_allowed_networks_are_saved_and_a_bad_one_is_refused_with_a_message(rm, client_a):
    rm.post(reverse("intake:sftp_issue", args=[client_a.pk]))
    rm.post(reverse("intake:sftp_networks", args=[client_a.pk]), {"networks": "192.0.2.0/24\n2001:db8::/32"})
    assert SftpAccount.objects.get(client=client_a).networks == ["192.0.2.0/24", "2001:db8::/32"]
    answer = rm.post(reverse("intake:sftp_networks", args=[client_a.pk]), {"networks": "geen-netwerk"}, follow=True)
    assert answer.context["messages"] and SftpAccount.objects.get(client=client_a).networks == [
        "192.0.2.0/24",
        "2001:db8::/32",
    ]


def test_the_client_page_shows_recent_logins_and_bans(rm, client_a, system_actor):
    from django.utils import timezone

    from verwerker.intake.actions import do_issue_sftp_account, do_record_login

    account, _password = do_issue_sftp_account(client_a, actor=system_actor)
    do_record_login(account, address="192.0.2.7", method="password")
    Ban.objects.create(
        scope=BanScope.ACCOUNT, account=account, until=timezone.now() + timezone.timedelta(hours=1), failures=5
    )
    page = rm.get(reverse("clients:detail", args=[client_a.pk]))
    assert [e.source_ip for e in page.context["sftp"]["logins"]] == ["192.0.2.7"]
    assert page.context["sftp"]["banned_now"] and len(page.context["sftp"]["bans"]) == 1


def test_no_account_is_issued_without_an_agreement_in_force(rm, client_a):
    from verwerker.clients.models import AgreementStatus

    client_a.agreements.update(status=AgreementStatus.ENDED)
    answer = rm.post(reverse("intake:sftp_issue", args=[client_a.pk]), follow=True)
    assert "P09" in str(list(answer.context["messages"])[-1]) and not SftpAccount.objects.exists()


@pytest.mark.parametrize("role", [Role.PRIVACY, Role.DATABASE, Role.PRINT, Role.ADMIN])
def test_other_roles_cannot_issue_or_change_an_account(make_staff, login, client_a, system_actor, role):
    from verwerker.intake.actions import do_issue_sftp_account

    account, _password = do_issue_sftp_account(client_a, actor=system_actor)
    web = login(make_staff(role, f"geen-rm-{role}"))
    line, _fp = _key()
    assert web.post(reverse("intake:sftp_issue", args=[client_a.pk])).status_code == 403
    assert web.post(reverse("intake:sftp_add_key", args=[client_a.pk]), {"public_key": line}).status_code == 403
    assert web.post(reverse("intake:sftp_disable_password", args=[client_a.pk])).status_code == 403
    assert web.post(reverse("intake:sftp_networks", args=[client_a.pk]), {"networks": "10.0.0.0/8"}).status_code == 403
    after = SftpAccount.objects.get(pk=account.pk)
    assert after.password_hash == account.password_hash and after.key_lines == [] and after.networks == []


def test_a_client_user_cannot_touch_its_own_or_another_clients_account(user_a, client_a, client_b, login, system_actor):
    from verwerker.intake.actions import do_issue_sftp_account

    do_issue_sftp_account(client_b, actor=system_actor)
    web = login(user_a)
    for client in (client_a, client_b):
        assert web.post(reverse("intake:sftp_issue", args=[client.pk])).status_code == 403
        assert web.post(reverse("intake:sftp_networks", args=[client.pk]), {"networks": ""}).status_code == 403
    assert SftpAccount.objects.filter(client=client_a).count() == 0
