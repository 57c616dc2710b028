"""The list helper: whitelisted sorting, paging, search, date filters, and scoping that stays put."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone

from verwerker.clients.models import Client
from verwerker.datafiles.models import DataFile, DataFileState
from verwerker.datafiles.queries import data_files_visible_to
from verwerker.datafiles.synthetic import address_csv
from verwerker.lists.listing import Filter, Listing, apply_listing, order_fields
from verwerker.testing import receive_file

pytestmark = pytest.mark.django_db

CLIENTS = Listing(sorts={"name": "name", "since": "created_at"}, default_sort="name", search=("name",),
                  date_field="created_at", per_page=10)


def _get(params: dict | None = None):
    return RequestFactory().get("/", params or {})


@pytest.fixture
def clients(system_actor):
    """25 clients, created one day apart (oldest first), named so that name order is not creation order."""
    from verwerker.clients.actions import do_create_client

    start = timezone.now() - dt.timedelta(days=30)
    made = []
    for i in range(25):
        number = (i * 7) % 25
        name = f"Stichting {number:02d} Noord" if i % 2 else f"Vereniging {number:02d} Zuid"
        client = do_create_client(name, contact_email=f"c{i}@example.test", actor=system_actor)
        Client.objects.filter(pk=client.pk).update(created_at=start + dt.timedelta(days=i))
        made.append(client)
    return made


def test_a_sort_key_outside_the_whitelist_falls_back_to_the_default_and_is_reported(clients):
    for bad in ("contact_email", "-password", "name; DROP TABLE", "__class__", "created_at", "--name"):
        result = apply_listing(_get({"sort": bad}), Client.objects.all(), CLIENTS)
        assert result.sort == "name"
        assert "sort" in result.invalid
        assert [c.name for c in result.page] == sorted(c.name for c in clients)[:10]


def test_order_fields_map_keys_to_fields_and_end_with_the_primary_key():
    assert order_fields(CLIENTS, "-since") == ("-since", ["-created_at", "-pk"])
    assert order_fields(CLIENTS, "name") == ("name", ["name", "pk"])
    assert order_fields(CLIENTS, "-created_at") == ("name", ["name", "pk"])  # a field name is not a key


def test_sorting_by_a_column_and_reversing_it(clients):
    oldest_first = apply_listing(_get({"sort": "since"}), Client.objects.all(), CLIENTS)
    assert [c.pk for c in oldest_first.page] == [c.pk for c in clients[:10]]
    newest_first = apply_listing(_get({"sort": "-since"}), Client.objects.all(), CLIENTS)
    assert [c.pk for c in newest_first.page] == [c.pk for c in reversed(clients)][:10]
    # The header link of the current sort reverses it; another column's starts ascending, on page 1.
    assert oldest_first.sort_url("since") == "?sort=-since"
    assert _query(apply_listing(_get({"sort": "since", "page": "2", "q": "Noord"}), Client.objects.all(), CLIENTS)
                  .sort_url("name")) == {"sort": "name", "q": "Noord"}
    assert newest_first.sort_state("since") == "descending" and newest_first.sort_state("name") == ""


def _query(url: str) -> dict:
    from urllib.parse import parse_qsl

    return dict(parse_qsl(url.lstrip("?")))


def test_paging_covers_every_row_once_and_forgives_bad_page_numbers(clients):
    seen = []
    for number in (1, 2, 3):
        result = apply_listing(_get({"sort": "name", "page": str(number)}), Client.objects.all(), CLIENTS)
        seen += [c.pk for c in result.page]
    assert sorted(seen) == sorted(c.pk for c in clients) and len(seen) == 25
    last = apply_listing(_get({"page": "3"}), Client.objects.all(), CLIENTS)
    assert len(last.page) == 5 and not last.page.has_next()
    assert apply_listing(_get({"page": "abc"}), Client.objects.all(), CLIENTS).page.number == 1
    assert apply_listing(_get({"page": "999"}), Client.objects.all(), CLIENTS).page.number == 3
    # The page links keep the search and the sort.
    assert _query(last.page_url(2)) == {"page": "2"}
    searching = apply_listing(_get({"q": "Noord", "sort": "-name"}), Client.objects.all(), CLIENTS)
    assert _query(searching.page_url(2)) == {"q": "Noord", "sort": "-name", "page": "2"}


def test_search_matches_every_word_in_some_field_whatever_the_case(clients):
    result = apply_listing(_get({"q": "  noord   STICHTING "}), Client.objects.all(), CLIENTS)
    assert result.q == "noord STICHTING"
    assert {c.pk for c in result.queryset} == {c.pk for c in clients if "Noord" in c.name} and len(result.page) == 10
    assert result.page.paginator.count == 12
    exact = apply_listing(_get({"q": "Noord 07"}), Client.objects.all(), CLIENTS)
    assert [c.name for c in exact.page] == ["Stichting 07 Noord"]
    assert apply_listing(_get({"q": "Noord Zuid"}), Client.objects.all(), CLIENTS).page.paginator.count == 0
    long = apply_listing(_get({"q": "x" * 5000}), Client.objects.all(), CLIENTS)
    assert len(long.q) == 100


def test_dates_from_and_to_take_whole_local_days_and_a_bad_date_is_ignored(clients):
    days = [timezone.localtime(c.created_at).date() for c in Client.objects.order_by("created_at")]
    result = apply_listing(_get({"from": days[3].isoformat(), "to": days[5].isoformat(), "sort": "since"}),
                           Client.objects.all(), CLIENTS)
    assert [timezone.localtime(c.created_at).date() for c in result.page] == days[3:6]
    bad = apply_listing(_get({"from": "31-02-2026"}), Client.objects.all(), CLIENTS)
    assert bad.date_from is None and bad.invalid == ["from"] and bad.page.paginator.count == 25


def test_a_filter_takes_only_its_own_choices_or_an_integer_id(client_a, client_b):
    files_a = [receive_file(client_a, f"a{i}.csv", address_csv(3, seed=i)) for i in range(2)]
    receive_file(client_b, "b.csv", address_csv(3, seed=5))
    listing = Listing(sorts={"name": "name"}, default_sort="name",
                      filters=(Filter("state", "state", "State", lambda: DataFileState.choices),
                               Filter("client", "client_id")))
    by_client = apply_listing(_get({"client": str(client_a.pk)}), DataFile.objects.all(), listing)
    assert [f.pk for f in by_client.page] == [f.pk for f in files_a]
    for bad in ({"client": "1 OR 1=1"}, {"client": "-1"}, {"state": "profiled' --"}, {"state": "PROFILED"}):
        result = apply_listing(_get(bad), DataFile.objects.all(), listing)
        assert result.page.paginator.count == 3 and result.invalid == list(bad)
    assert apply_listing(_get({"state": "unreadable"}), DataFile.objects.all(), listing).page.paginator.count == 0


def test_a_client_user_searching_never_sees_another_clients_rows(client_a, client_b, user_a, user_b, login):
    """GIVEN files of two clients with the same words in their names
    WHEN client A's user searches for client B's name, file name or reference, sorts by client and pages
    THEN only client A's files come back, through the helper and through the client's own page."""
    receive_file(client_a, "leden-voorjaar-a.csv", address_csv(3, seed=1))
    receive_file(client_b, "leden-voorjaar-b.csv", address_csv(3, seed=2))
    listing = Listing(sorts={"client": "client__name", "name": "name"}, default_sort="name",
                      search=("name", "client__name", "agreement__reference"), per_page=1)
    for query in ("voorjaar", client_b.name, "VO-B-1", "leden-voorjaar-b"):
        request = _get({"q": query, "sort": "-client"})
        found = apply_listing(request, data_files_visible_to(user_a), listing)
        assert {f.client_id for f in found.queryset} <= {client_a.pk}
    both_pages = apply_listing(_get({"q": "voorjaar", "page": "2"}), data_files_visible_to(user_a), listing)
    assert both_pages.page.paginator.count == 1 and [f.name for f in both_pages.page] == ["leden-voorjaar-a.csv"]

    web = login(user_a)
    for query in ("leden-voorjaar-b", client_b.name, "VO-B-1", "voorjaar"):
        page = web.get(reverse("production:client"), {"q": query})
        assert page.status_code == 200 and b"leden-voorjaar-b.csv" not in page.content
    assert b"leden-voorjaar-a.csv" in web.get(reverse("production:client"), {"q": "voorjaar"}).content
    uploads = web.get(reverse("intake:uploads"), {"q": "voorjaar", "sort": "name"})
    assert b"leden-voorjaar-a.csv" in uploads.content and b"leden-voorjaar-b.csv" not in uploads.content
    certificates = web.get(reverse("retention:certificates"), {"q": client_b.name})
    assert certificates.status_code == 200


def test_the_staff_lists_search_sort_and_page(login, make_staff, client_a, client_b):
    receive_file(client_a, "nieuwsbrief-a.csv", address_csv(3, seed=1))
    receive_file(client_b, "nieuwsbrief-b.csv", address_csv(3, seed=2))
    web = login(make_staff("database"))
    page = web.get(reverse("production:incoming"), {"q": client_b.name})
    assert b"nieuwsbrief-b.csv" in page.content and b"nieuwsbrief-a.csv" not in page.content
    page = web.get(reverse("production:incoming"), {"q": "VO-A-1", "sort": "-received"})
    assert b"nieuwsbrief-a.csv" in page.content and b"nieuwsbrief-b.csv" not in page.content
    page = web.get(reverse("production:incoming"), {"sort": "client"})
    # "Sportbond Beeland" before "Woningstichting Aland", by the client's name.
    assert page.content.index(b"nieuwsbrief-b.csv") < page.content.index(b"nieuwsbrief-a.csv")
    page = web.get(reverse("production:incoming"), {"sort": "-client"})
    assert page.content.index(b"nieuwsbrief-b.csv") > page.content.index(b"nieuwsbrief-a.csv")
    assert b'aria-sort="descending"' in page.content
    assert web.get(reverse("production:incoming"), {"sort": "blob__wrapped_key"}).status_code == 200


def test_the_search_box_keeps_the_pages_own_parameters_and_the_bans_list_searches(login, make_staff):
    from verwerker.intake.models import Ban, BanScope

    result = apply_listing(_get({"all": "1", "q": "x", "sort": "name", "page": "2"}), Client.objects.all(), CLIENTS)
    assert result.kept == [("all", "1")]
    now = timezone.now()
    for address in ("192.0.2.10", "198.51.100.7"):
        Ban.objects.create(scope=BanScope.ADDRESS, address=address, failures=5, until=now + dt.timedelta(hours=1))
    web = login(make_staff("privacy"))
    page = web.get(reverse("intake:bans"), {"q": "198.51", "all": "1"})
    assert b"198.51.100.7" in page.content and b"192.0.2.10" not in page.content
    assert b'<input type="hidden" name="all" value="1">' in page.content


def test_breaches_and_requests_are_found_by_reference_title_or_client_and_sorted_by_deadline(
    login, make_staff, client_a, client_b, system_actor
):
    from verwerker.privacy.actions import do_report_breach
    from verwerker.privacy.models import BreachClient

    first = do_report_breach(
        title="Laptop kwijt", description="trein", discovered_at=timezone.now(), actor=system_actor
    )
    second = do_report_breach(title="Verkeerd gemaild", description="adres", discovered_at=timezone.now(),
                              actor=system_actor)
    for breach, client in ((first, client_a), (first, client_b), (second, client_b)):
        BreachClient.objects.get_or_create(breach=breach, client=client,
                                           defaults={"deadline": timezone.now() + dt.timedelta(hours=72)})
    web = login(make_staff("privacy"))
    found = web.get(reverse("privacy:breaches"), {"q": client_b.name, "sort": "deadline"})
    assert [b.pk for b in found.context["breaches"]] in ([first.pk, second.pk], [second.pk, first.pk])
    found = web.get(reverse("privacy:breaches"), {"q": "laptop", "sort": "-deadline"})
    assert [b.pk for b in found.context["breaches"]] == [first.pk]  # one row, though two clients match the join
    found = web.get(reverse("privacy:breaches"), {"q": second.reference})
    assert [b.pk for b in found.context["breaches"]] == [second.pk]
    assert web.get(reverse("privacy:requests"), {"q": "VO", "sort": "-due", "status": "open"}).status_code == 200
