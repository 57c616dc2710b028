"""A 403 or 404 is logged as one line: no traceback for a client's mistake or a probe."""

import logging

from django.urls import reverse


def test_403_and_404_are_logged_as_one_line_each(login, make_staff, caplog):
    web = login(make_staff("database"))
    with caplog.at_level(logging.WARNING, logger="django.request"):
        assert web.get("/no-such-page/").status_code == 404
        assert web.get(reverse("intake:bans")).status_code == 403
    records = [r for r in caplog.records if r.name == "django.request"]
    assert [r.status_code for r in records] == [404, 403]
    formatter = logging.Formatter("%(levelname)s %(name)s %(message)s")
    lines = [formatter.format(r) for r in records]
    assert all("\n" not in line and "Traceback" not in line for line in lines), lines
    assert "/no-such-page/" in lines[0]
