"""Every action behind the management screens and commands of issue 16 writes its audit event: the
test walks the list, runs each action on fresh data and finds its event, naming the object."""

import datetime as dt
from types import SimpleNamespace

import asyncssh
import pytest

from verwerker.audit.events import EventType
from verwerker.audit.models import AuditEvent

pytestmark = pytest.mark.django_db


@pytest.fixture
def s(client_a, make_staff, system_actor, tmp_path):
    from verwerker.intake.actions import do_issue_sftp_account

    key = asyncssh.generate_private_key("ssh-ed25519")
    return SimpleNamespace(
        client=client_a, actor=system_actor, admin=make_staff("admin", "beheerder"),
        staff=make_staff("print", "drukker"), officer=make_staff("privacy", "fg"), tmp=tmp_path,
        account=do_issue_sftp_account(client_a, actor=system_actor)[0],
        key=key.export_public_key("openssh").decode(), fingerprint=key.get_fingerprint("sha256"),
    )


def _agreement(s):
    from verwerker.clients.queries import get_active_agreement

    return get_active_agreement(s.client)


def _amendment(s, **terms):
    from verwerker.clients.actions import do_amend_agreement

    return do_amend_agreement(_agreement(s), reference="VO-A-2", starts_on=dt.date.today(), actor=s.actor, **terms)


def _accounts():
    from verwerker.accounts import actions as a

    return a


def _clients():
    from verwerker.clients import actions as c

    return c


def _intake():
    from verwerker.intake import actions as i

    return i


def _stations():
    from verwerker.production import stations

    return stations


def _keyed(s):
    _intake().do_set_public_key(s.account, s.key, actor=s.actor)
    return s.account


def _deactivated(s):
    _accounts().do_deactivate_user(s.staff, actor=s.actor)
    return s.staff


def _station(s):
    return _stations().do_create_print_station("Pers 9", hot_folder=str(s.tmp / "hot"), actor=s.actor)


# (what, the action run on fresh data, the event it must write)
ACTIONS = [
    (
        "create staff user",
        lambda s: _accounts().do_create_staff_user("nieuw", roles=["print"], actor=s.actor)[0],
        EventType.USER_CREATED,
    ),
    (
        "create client user",
        lambda s: _accounts().do_create_client_user(
            s.client, "klant", email="k@example.test", request_reference="R-1", actor=s.actor
        )[0],
        EventType.USER_CREATED,
    ),
    (
        "change roles",
        lambda s: (_accounts().do_set_roles(s.staff, ["database"], actor=s.actor), s.staff)[1],
        EventType.USER_ROLES_CHANGED,
    ),
    (
        "reset second factor",
        lambda s: (_accounts().do_reset_second_factor(s.staff, actor=s.actor), s.staff)[1],
        EventType.USER_SECOND_FACTOR_RESET,
    ),
    ("deactivate user", _deactivated, EventType.USER_DEACTIVATED),
    (
        "reactivate user",
        lambda s: (_accounts().do_reactivate_user(_deactivated(s), actor=s.actor), s.staff)[1],
        EventType.USER_REACTIVATED,
    ),
    (
        "create client",
        lambda s: _clients().do_create_client("Nieuw BV", contact_email="n@example.test", actor=s.actor),
        EventType.CLIENT_CREATED,
    ),
    (
        "change client",
        lambda s: _clients().do_change_client(s.client, name="Aland NV", actor=s.actor),
        EventType.CLIENT_CHANGED,
    ),
    (
        "add contact",
        lambda s: _clients().do_add_contact(s.client, email="twee@example.test", actor=s.actor),
        EventType.CONTACT_ADDED,
    ),
    (
        "change contact",
        lambda s: _clients().do_change_contact(s.client.contacts.get(), email="nieuw@example.test", actor=s.actor),
        EventType.CONTACT_CHANGED,
    ),
    (
        "remove contact",
        lambda s: _clients().do_remove_contact(
            _clients().do_add_contact(s.client, email="weg@example.test", actor=s.actor), actor=s.actor
        ),
        EventType.CONTACT_REMOVED,
    ),
    (
        "draft agreement",
        lambda s: _clients().do_create_agreement(
            s.client,
            reference="D-9",
            subject="s",
            nature_and_purpose="n",
            data_types="NAW",
            data_subject_categories="c",
            actor=s.actor,
        ),
        EventType.AGREEMENT_CREATED,
    ),
    ("amend agreement", lambda s: _amendment(s), EventType.AGREEMENT_CREATED),
    (
        "change draft",
        lambda s: _clients().do_change_draft_agreement(_amendment(s), subject="anders", actor=s.actor),
        EventType.AGREEMENT_CHANGED,
    ),
    (
        "approve high-risk terms",
        lambda s: (
            a := _amendment(s, high_risk_allowed=True, high_risk_measures="m"),
            _clients().do_approve_agreement(a, user=s.officer, actor=s.actor),
        )[0],
        EventType.AGREEMENT_APPROVED,
    ),
    (
        "activate agreement",
        lambda s: (a := _amendment(s), _clients().do_activate_agreement(a, actor=s.actor))[0],
        EventType.AGREEMENT_ACTIVATED,
    ),
    (
        "supersede agreement",
        lambda s: (_agreement(s), _clients().do_activate_agreement(_amendment(s), actor=s.actor))[0],
        EventType.AGREEMENT_SUPERSEDED,
    ),
    (
        "create subprocessor",
        lambda s: _clients().do_create_subprocessor("Oost", country="DE", actor=s.actor),
        EventType.SUBPROCESSOR_CREATED,
    ),
    (
        "subprocessor's agreement",
        lambda s: (
            sub := _clients().do_create_subprocessor("West", country="BE", actor=s.actor),
            _clients().do_add_subprocessing_agreement(sub, reference="S-1", actor=s.actor),
        )[0],
        EventType.SUBPROCESSOR_CHANGED,
    ),
    (
        "issue SFTP account",
        lambda s: _intake().do_issue_sftp_account(s.client, actor=s.actor)[0],
        EventType.SFTP_ACCOUNT_ISSUED,
    ),
    ("add public key", _keyed, EventType.SFTP_PUBLIC_KEY_SET),
    (
        "remove public key",
        lambda s: (_intake().do_remove_public_key(_keyed(s), s.fingerprint, actor=s.actor), s.account)[1],
        EventType.SFTP_PUBLIC_KEY_REMOVED,
    ),
    (
        "password login off",
        lambda s: (_intake().do_disable_password_login(_keyed(s), actor=s.actor), s.account)[1],
        EventType.SFTP_PASSWORD_LOGIN_DISABLED,
    ),
    (
        "allowed networks",
        lambda s: (_intake().do_set_allowed_networks(s.account, "10.0.0.0/8", actor=s.actor), s.account)[1],
        EventType.SFTP_NETWORKS_SET,
    ),
    ("create print station", _station, EventType.PRINT_STATION_CREATED),
    (
        "change print station",
        lambda s: _stations().do_change_print_station(
            _station(s), name="Pers 9", hot_folder="/srv/hot", active=False, actor=s.actor
        ),
        EventType.PRINT_STATION_CHANGED,
    ),
]


@pytest.mark.parametrize(("what", "action", "event"), ACTIONS, ids=[a[0] for a in ACTIONS])
def test_the_action_writes_its_audit_event(s, what, action, event):
    before = AuditEvent.objects.filter(action=event).count()
    obj = action(s)
    found = AuditEvent.objects.filter(action=event).order_by("-seq")
    assert found.count() > before, what
    if obj is not None and getattr(obj, "pk", None) is not None:
        assert found.filter(object_id=str(obj.pk)).exists(), what
