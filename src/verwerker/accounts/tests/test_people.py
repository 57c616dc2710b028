"""The administrator's People screens (P01, P12): create staff with roles, change roles, reset a second
factor, deactivate and reactivate; and who else may not."""

import pytest
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from verwerker.accounts.models import User
from verwerker.accounts.roles import Role
from verwerker.audit.events import EventType
from verwerker.audit.models import AuditEvent

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_web(make_staff, login):
    return login(make_staff(Role.ADMIN, "beheerder"))


def test_the_administrator_creates_a_staff_member_whose_one_time_password_is_shown_once(admin_web):
    answer = admin_web.post(reverse("accounts:person_create"), {
        "username": "rm-nieuw", "email": "rm@example.test", "roles": [Role.RELATION, Role.PRIVACY]})
    assert answer.status_code == 200 and answer["Cache-Control"] == "no-store"
    user = User.objects.get(username="rm-nieuw")
    password = answer.context["password"]
    assert user.check_password(password) and user.must_change_password and user.is_staff
    assert sorted(user.groups.values_list("name", flat=True)) == [Role.PRIVACY, Role.RELATION]
    # The password is in that one answer only: the person's page does not show it.
    assert password not in admin_web.get(reverse("accounts:person", args=[user.pk])).content.decode()
    event = AuditEvent.objects.get(action=EventType.USER_CREATED, object_id=str(user.pk))
    assert event.actor_label == "beheerder" and password not in event.details


def test_a_staff_member_without_a_role_or_with_a_taken_name_is_refused_with_a_message(admin_web):
    answer = admin_web.post(reverse("accounts:person_create"), {"username": "niemand", "roles": []}, follow=True)
    assert not User.objects.filter(username="niemand").exists()
    assert len(list(answer.context["messages"])) == 1
    admin_web.post(reverse("accounts:person_create"), {"username": "BEHEERDER", "roles": [Role.PRINT]}, follow=True)
    assert User.objects.filter(username__iexact="beheerder").count() == 1


def test_the_people_list_filters_by_search_role_state_and_client(admin_web, make_staff, user_a, user_b, client_a):
    make_staff(Role.PRINT, "drukker")
    make_staff(Role.DATABASE, "db-oud").__class__.objects.filter(username="db-oud").update(is_active=False)
    names = lambda **q: [u.username for u in admin_web.get(reverse("accounts:people"), q).context["users"]]  # noqa: E731
    assert names(role=Role.PRINT) == ["drukker"]
    assert names(role="client") == ["alice-a", "bob-b"]
    assert names(client=str(client_a.pk)) == ["alice-a"]
    assert names(state="inactive") == ["db-oud"]
    assert names(q="druk") == ["drukker"]


def test_roles_change_through_the_screen_and_the_change_is_audited(admin_web, make_staff):
    person = make_staff(Role.PRINT, "wisselaar")
    admin_web.post(reverse("accounts:person_roles", args=[person.pk]), {"roles": [Role.DATABASE]})
    assert list(person.groups.values_list("name", flat=True)) == [Role.DATABASE]
    assert '"database"' in AuditEvent.objects.get(action=EventType.USER_ROLES_CHANGED, object_id=str(person.pk)).details


def test_the_last_administrator_keeps_the_role_and_cannot_be_deactivated(admin_web, system_actor):
    from django.core.exceptions import ValidationError

    from verwerker.accounts.actions import do_deactivate_user, do_set_roles

    admin = User.objects.get(username="beheerder")
    with pytest.raises(ValidationError, match="laatste actieve beheerder"):
        do_set_roles(admin, [Role.PRINT], actor=system_actor)
    with pytest.raises(ValidationError, match="laatste actieve beheerder"):
        do_deactivate_user(admin, actor=system_actor)
    answer = admin_web.post(reverse("accounts:person_deactivate", args=[admin.pk]), follow=True)
    assert User.objects.get(pk=admin.pk).is_active
    assert "eigen account" in str(list(answer.context["messages"])[0])


def test_a_reset_second_factor_sends_the_user_to_enrol_again(admin_web, make_staff, client):
    from django.test import Client

    person = make_staff(Role.DATABASE, "vergeten")
    web = Client()
    web.force_login(person)
    device = TOTPDevice.objects.create(user=person, name="oud", confirmed=True)
    session = web.session
    session["otp_device_id"] = device.persistent_id
    session.save()
    assert web.get("/werk/opdrachten/").status_code == 200
    admin_web.post(reverse("accounts:person_reset_2fa", args=[person.pk]))
    assert not TOTPDevice.objects.filter(user=person).exists()
    assert web.get("/werk/opdrachten/").url.startswith(reverse("accounts:otp"))
    enrol = web.get(reverse("accounts:otp"))
    assert enrol.context["enrol"] is True
    assert AuditEvent.objects.filter(action=EventType.USER_SECOND_FACTOR_RESET, object_id=str(person.pk)).count() == 1


def test_a_deactivated_user_cannot_log_in_until_reactivated(admin_web, make_staff, client):
    from django.test import Client

    person = make_staff(Role.PRINT, "tijdelijk")
    person.set_password("Lange-Zin-Met-Woorden-1")
    person.save()
    def logs_in() -> bool:
        answer = Client().post(
            reverse("accounts:login"), {"username": "tijdelijk", "password": "Lange-Zin-Met-Woorden-1"}
        )
        return answer.status_code == 302

    admin_web.post(reverse("accounts:person_deactivate", args=[person.pk]))
    assert not logs_in()
    admin_web.post(reverse("accounts:person_reactivate", args=[person.pk]))
    assert logs_in()
    actions = list(AuditEvent.objects.filter(object_id=str(person.pk), action__in=[
        EventType.USER_DEACTIVATED, EventType.USER_REACTIVATED]).order_by("seq").values_list("action", flat=True))
    assert actions == [EventType.USER_DEACTIVATED, EventType.USER_REACTIVATED]


def test_the_person_page_shows_last_login_and_failed_attempts(admin_web, make_staff, client):
    from django.test import Client

    person = make_staff(Role.PRINT, "pechvogel")
    Client().post(reverse("accounts:login"), {"username": "pechvogel", "password": "fout"}, REMOTE_ADDR="10.1.1.1")
    page = admin_web.get(reverse("accounts:person", args=[person.pk]))
    assert page.context["failed_logins"] == 1
    assert 'data-failed-logins>1<' in page.content.decode()


@pytest.mark.parametrize("role", [Role.RELATION, Role.PRIVACY, Role.DATABASE, Role.PRINT])
def test_other_roles_are_refused_every_people_screen(make_staff, login, role):
    web = login(make_staff(role, f"geen-beheer-{role}"))
    target = make_staff(Role.ADMIN, f"doel-{role}")
    assert web.get(reverse("accounts:people")).status_code == 403
    assert web.get(reverse("accounts:person", args=[target.pk])).status_code == 403
    for name in ("person_roles", "person_reset_2fa", "person_deactivate"):
        assert web.post(reverse(f"accounts:{name}", args=[target.pk]), {"roles": [Role.PRINT]}).status_code == 403
    assert web.post(reverse("accounts:person_create"), {"username": "x", "roles": [Role.ADMIN]}).status_code == 403
    assert User.objects.get(pk=target.pk).is_active and not User.objects.filter(username="x").exists()


def test_a_client_user_reaches_no_people_screen_of_any_client(user_a, user_b, login):
    web = login(user_a)
    for url in (reverse("accounts:people"), reverse("accounts:person", args=[user_b.pk]),
                reverse("accounts:person", args=[user_a.pk])):
        assert web.get(url).status_code == 403
    assert web.post(reverse("accounts:person_deactivate", args=[user_b.pk])).status_code == 403
    assert User.objects.get(pk=user_b.pk).is_active


def test_a_client_user_must_pass_a_second_factor_while_the_agreement_allows_high_risk(user_a, client_a, login):
    web = login(user_a)
    assert web.get("/").status_code == 200
    client_a.agreements.update(high_risk_allowed=True, high_risk_measures="vier ogen")
    assert web.get("/").url.startswith(reverse("accounts:otp"))
    client_a.second_factor_for_high_risk = False
    client_a.save()
    assert web.get("/").status_code == 200


def test_a_client_user_may_enrol_a_second_factor_and_then_must_use_it(user_a, login):
    web = login(user_a)
    assert reverse("accounts:otp") in web.get("/").content.decode()  # offered on the home page
    assert web.get(reverse("accounts:otp")).context["enrol"] is True
    device = TOTPDevice.objects.get(user=user_a)
    device.confirmed = True
    device.save()
    assert web.get("/").url.startswith(reverse("accounts:otp"))


def test_the_people_list_names_roles_in_the_words_people_read(admin_web, make_staff):
    make_staff(Role.PRIVACY, "fg-frits")
    page = admin_web.get(reverse("accounts:people")).content.decode()
    row = page[page.index("fg-frits"):]
    row = row[:row.index("</tr>")]
    assert "privacy- en securityofficer" in row and ">privacy<" not in row.replace(" ", "")
