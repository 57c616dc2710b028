"""Print stations on the administrator's screen: added, changed, switched off; nobody else may."""

import pytest
from django.urls import reverse

from verwerker.accounts.roles import Role
from verwerker.audit.events import EventType
from verwerker.audit.models import AuditEvent
from verwerker.production.models import PrintStation

pytestmark = pytest.mark.django_db


def test_the_administrator_adds_and_changes_a_print_station(make_staff, login, tmp_path):
    web = login(make_staff(Role.ADMIN, "beheerder"))
    web.post(reverse("production:stations"), {"name": "Pers 2", "hot_folder": str(tmp_path / "hot"), "active": "on"})
    station = PrintStation.objects.get(name="Pers 2")
    assert station.active and station.hot_folder == str(tmp_path / "hot")
    web.post(
        reverse("production:stations"), {"station": station.pk, "name": "Pers 2b", "hot_folder": str(tmp_path / "h2")}
    )
    station.refresh_from_db()
    assert (station.name, station.hot_folder, station.active) == ("Pers 2b", str(tmp_path / "h2"), False)
    assert list(AuditEvent.objects.filter(object_type="production.printstation").order_by("seq")
                .values_list("action", flat=True)) == [EventType.PRINT_STATION_CREATED, EventType.PRINT_STATION_CHANGED]
    answer = web.post(reverse("production:stations"), {"name": "Relatief", "hot_folder": "hot"}, follow=True)
    assert "absoluut pad" in str(list(answer.context["messages"])[-1])
    assert not PrintStation.objects.filter(name="Relatief").exists()


@pytest.mark.parametrize("role", [Role.DATABASE, Role.PRINT, Role.RELATION, Role.PRIVACY])
def test_other_roles_cannot_add_or_change_print_stations(make_staff, login, station, role):
    web = login(make_staff(role, f"geen-beheer-{role}"))
    assert (
        web.post(reverse("production:stations"), {"name": "X", "hot_folder": "/tmp/x", "active": "on"}).status_code
        == 403
    )
    assert (
        web.post(
            reverse("production:stations"), {"station": station.pk, "name": "Y", "hot_folder": "/tmp/y"}
        ).status_code
        == 403
    )
    assert list(PrintStation.objects.values_list("name", flat=True)) == ["Pers 1"]


def test_client_users_of_any_client_see_no_print_station(user_a, login, station):
    web = login(user_a)
    assert web.get(reverse("production:stations")).status_code == 403
    assert (
        web.post(reverse("production:stations"), {"station": station.pk, "name": "Y", "hot_folder": "/y"}).status_code
        == 403
    )
    assert PrintStation.objects.get().name == "Pers 1"
