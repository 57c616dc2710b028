"""Each role sees only its part (P01); the audit log is the privacy officer's alone."""

import pytest
from django.urls import reverse

from verwerker.accounts.roles import ROLE_PERMISSIONS, Role
from verwerker.audit.events import EventType
from verwerker.audit.models import AuditEvent

pytestmark = pytest.mark.django_db


def test_every_role_exists_as_a_group_with_exactly_its_permissions():
    from django.contrib.auth.models import Group

    for role in Role:
        group = Group.objects.get(name=role)
        have = {f"{p.content_type.app_label}.{p.codename}" for p in group.permissions.all()}
        assert have == set(ROLE_PERMISSIONS[role]), role


@pytest.mark.parametrize("role", [Role.DATABASE, Role.RELATION, Role.PRINT, Role.ADMIN])
def test_only_the_privacy_officer_sees_the_audit_log(role, login, make_staff):
    assert login(make_staff(role)).get(reverse("audit:list")).status_code == 404


def test_a_client_user_does_not_see_the_audit_log(login, user_a):
    assert login(user_a).get(reverse("audit:list")).status_code == 404


def test_the_privacy_officer_filters_the_audit_log(login, make_staff, client_a, client_b):
    page = login(make_staff(Role.PRIVACY)).get(reverse("audit:list"), {"client": client_b.pk})
    assert page.status_code == 200
    seqs = {e.seq for e in page.context["page"]}
    expected = set(AuditEvent.objects.filter(client_id=client_b.pk).values_list("seq", flat=True))
    assert seqs == expected and expected
    page = login(make_staff(Role.PRIVACY, "po2")).get(
        reverse("audit:list"), {"action": int(EventType.AGREEMENT_ACTIVATED)}
    )
    assert {e.client_id for e in page.context["page"]} == {client_a.pk, client_b.pk}


def test_the_print_operator_cannot_list_clients(login, make_staff):
    assert login(make_staff(Role.PRINT)).get(reverse("clients:list")).status_code == 403


def test_the_privacy_officer_exports_a_clients_trail_with_its_proof(login, make_staff, client_a, client_b):
    import json

    from verwerker.audit import chain

    web = login(make_staff(Role.PRIVACY))
    response = web.get(reverse("audit:list"), {"client": client_a.pk, "export": "json"})
    assert response.status_code == 200 and response["Content-Disposition"].startswith("attachment")
    document = json.loads(response.content)
    assert document["events"] and {e["values"][5] for e in document["events"]} == {client_a.pk}
    assert chain.verify_export(document) == []
    assert AuditEvent.objects.filter(action=EventType.AUDIT_EXPORTED, client_id=client_a.pk).exists()


def test_nobody_else_can_export_the_audit_trail(login, make_staff, client_a):
    web = login(make_staff(Role.ADMIN))
    assert web.get(reverse("audit:list"), {"export": "json"}).status_code == 404
