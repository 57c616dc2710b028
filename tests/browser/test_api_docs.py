"""The API reference (/api/v1/docs/) renders in a real browser from the package's own files, under the
site's strict Content-Security-Policy (the fixtures fail the test on any violation), and the relation
manager issues a client's API token on the client's page."""

import pytest

from verwerker.accounts.roles import Role

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def test_the_api_reference_renders_under_the_sites_policy_from_local_files(live_server, new_page):
    page = new_page()
    outside = []
    page.on(
        "request",
        lambda r: (
            outside.append(r.url) if not r.url.startswith(live_server.url) and not r.url.startswith("data:") else None
        ),
    )
    page.goto(f"{live_server.url}/api/v1/docs/")
    page.wait_for_selector("#operations-uploads-uploads_create")
    assert page.locator(".opblock").count() >= 25
    assert "Verwerker API" in page.title() or page.locator("h2.title").first.text_content().startswith("Verwerker API")
    assert outside == []  # no CDN, no font service: everything from this server


def test_the_relation_manager_issues_a_client_token_shown_once(live_server, staff_page, make_staff, client_a):
    from verwerker.api.models import ApiToken

    page = staff_page(make_staff(Role.RELATION, "relatiebeheer"))
    page.goto(f"/klanten/{client_a.pk}/#api")
    page.select_option("select[name=contact]", index=1)
    page.fill("input[name=label]", "ERP")
    page.get_by_role("button", name="API-token uitgeven").click()
    token = page.locator("[data-api-token]").text_content()
    assert token.startswith("vw_") and ApiToken.objects.get(client=client_a).label == "ERP"
    page.screenshot(path="docs/screenshots/api-token-uitgegeven.png")
    page.goto(f"/klanten/{client_a.pk}/#api")
    assert token not in page.content()
    page.locator("#api").screenshot(path="docs/screenshots/api-tokens-klant.png")
