"""The intake's pure rules: paths in the virtual home, names, limits, bans, networks, reordering."""

import datetime as dt

import pytest

from verwerker.intake import policy
from verwerker.intake.policy import Kind, Refusal


@pytest.mark.parametrize(
    "raw, kind, path",
    [
        (b"/", Kind.ROOT, "/"),
        (b".", Kind.ROOT, "/"),
        (b"upload", Kind.UPLOAD_DIR, "/upload"),
        (b"/upload/./adressen.csv", Kind.UPLOAD_FILE, "/upload/adressen.csv"),
        (b"upload/../outbox/r.csv", Kind.OUTBOX_FILE, "/outbox/r.csv"),
        ("/outbox/ré.pdf".encode(), Kind.OUTBOX_FILE, "/outbox/ré.pdf"),
    ],
)
def test_it_maps_paths_inside_the_home(raw, kind, path):
    loc = policy.resolve(raw)
    assert (loc.kind, loc.path) == (kind, path)


@pytest.mark.parametrize(
    "raw, reason",
    [
        (b"..", "traversal"),
        (b"/upload/../../etc/passwd", "traversal"),
        (b"/etc/passwd", "outside_home"),
        (b"upload/sub/x.csv", "outside_home"),
        (b"/upload/.hidden.csv", "bad_name"),
        (b"/upload/a\x00.csv", "bad_path"),
        (b"/upload/\xff.csv", "bad_encoding"),
        (b"/upload/a\\b.csv", "bad_name"),
    ],
)
def test_it_refuses_paths_outside_the_home_or_with_bad_names(raw, reason):
    with pytest.raises(Refusal) as exc:
        policy.resolve(raw)
    assert exc.value.reason == reason


def test_it_accepts_only_the_allowed_extensions_case_insensitively():
    allowed = ["csv", "xlsx"]
    assert policy.check_upload_name("Leden.CSV", allowed) == "csv"
    for name in ("script.exe", "noext", "archive.tar.gz"):
        with pytest.raises(Refusal, match="niet geaccepteerd"):
            policy.check_upload_name(name, allowed)


def test_size_and_quota_limits():
    policy.check_size(100, max_bytes=100, used_bytes=0, quota_bytes=1000)
    with pytest.raises(Refusal) as too_big:
        policy.check_size(101, max_bytes=100, used_bytes=0, quota_bytes=1000)
    with pytest.raises(Refusal) as over_quota:
        policy.check_size(50, max_bytes=100, used_bytes=960, quota_bytes=1000)
    assert (too_big.value.reason, over_quota.value.reason) == ("too_large", "quota")


def test_ban_periods_double_and_are_capped():
    base, cap = dt.timedelta(minutes=15), dt.timedelta(hours=2)
    periods = [policy.ban_period(n, base=base, maximum=cap) for n in range(6)]
    assert periods[:4] == [base, base * 2, base * 4, base * 8]
    assert periods[4] == periods[5] == cap


def test_networks_are_parsed_and_matched():
    nets = policy.parse_networks("192.0.2.0/24, 2001:db8::/32\n198.51.100.7")
    assert nets == ["192.0.2.0/24", "2001:db8::/32", "198.51.100.7/32"]
    assert policy.address_allowed("192.0.2.55", nets)
    assert policy.address_allowed("::ffff:198.51.100.7", nets)
    assert not policy.address_allowed("203.0.113.1", nets)
    assert policy.address_allowed("203.0.113.1", [])
    with pytest.raises(ValueError, match="not an IP"):
        policy.parse_networks("intranet")


def test_the_reorder_buffer_releases_bytes_in_order_and_bounds_its_window():
    buf = policy.ReorderBuffer(window=10)
    assert buf.add(4, b"efgh") == []
    assert buf.add(0, b"abcd") == [b"abcd", b"efgh"]
    assert buf.add(12, b"mn") == [] and not buf.complete()
    assert buf.add(8, b"ijkl") == [b"ijkl", b"mn"] and buf.complete()
    with pytest.raises(Refusal) as rewrite:
        buf.add(0, b"x")
    assert rewrite.value.reason == "rewrite"
    with pytest.raises(Refusal) as window:
        buf.add(30, b"0123456789A")
    assert window.value.reason == "out_of_order"
