"""The one scoping primitive (accounts/scoping.py): a client user sees their own client's rows only, staff
what their right allows, everyone else nothing; one 404 for missing, not-yours and malformed."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.http import Http404

from verwerker.accounts.scoping import access, scoped
from verwerker.clients.models import Agreement, Client, Contact

pytestmark = pytest.mark.django_db


def test_a_client_user_sees_only_their_own_clients_rows(client_a, client_b, user_a):
    assert set(
        scoped(Agreement.objects.all(), user_a, "clients.view_agreement").values_list("client_id", flat=True)
    ) == {client_a.pk}
    assert list(scoped(Client.objects.all(), user_a, "clients.view_client", client_field="pk")) == [client_a]


def test_staff_see_every_row_with_the_right_and_none_without(client_a, client_b, make_staff):
    manager = make_staff("relation")
    assert manager.has_perm("clients.view_agreement")
    every = Agreement.objects.count()
    assert scoped(Agreement.objects.all(), manager, "clients.view_agreement").count() == every >= 2
    assert not scoped(Agreement.objects.all(), manager, "clients.delete_agreement").exists()
    assert scoped(Agreement.objects.all(), manager, lambda user: user.has_role("relation")).count() == every


def test_nobody_logged_in_and_a_client_user_on_a_staff_only_model_see_nothing(client_a, user_a):
    assert not scoped(Agreement.objects.all(), AnonymousUser(), "clients.view_agreement").exists()
    Contact.objects.create(client=client_a, name="Contact A", email="a@example.test")
    assert not scoped(Contact.objects.all(), user_a, "clients.view_contact", client_field=None).exists()


def test_access_gives_the_same_404_for_missing_another_clients_and_malformed(client_a, client_b, user_a):
    own = Agreement.objects.filter(client=client_a).first()
    other = Agreement.objects.filter(client=client_b).first()
    assert access(Agreement.objects.all(), user_a, "clients.view_agreement", own.pk) == own
    messages = set()
    for pk in (other.pk, 10**9, "not-a-number"):
        with pytest.raises(Http404) as refused:
            access(Agreement.objects.all(), user_a, "clients.view_agreement", pk, what="agreement")
        messages.add(str(refused.value))
    assert messages == {"no such agreement"}
