from __future__ import annotations

import ipaddress

from eksa_lint import ipnet


def test_parse_cidr_requires_prefix_and_masks_host_bits() -> None:
    assert ipnet.parse_cidr("10.0.0.0") is None
    assert ipnet.parse_cidr(["10.0.0.0/8"]) is None
    assert ipnet.parse_cidr("10.0.0.5/24") == ipaddress.ip_network("10.0.0.0/24")
    assert ipnet.has_host_bits("10.0.0.5/24")
    assert not ipnet.has_host_bits("10.0.0.0/24")


def test_first_and_last_host_skip_network_and_ipv4_broadcast() -> None:
    v4 = ipaddress.ip_network("10.0.0.0/24")
    v6 = ipaddress.ip_network("fd00::/126")
    assert (str(ipnet.first_host(v4)), str(ipnet.last_host(v4))) == ("10.0.0.1", "10.0.0.254")
    assert (str(ipnet.first_host(v6)), str(ipnet.last_host(v6))) == ("fd00::1", "fd00::3")


def test_ranges_and_families() -> None:
    a = (ipaddress.ip_address("10.0.0.1"), ipaddress.ip_address("10.0.0.10"))
    b = (ipaddress.ip_address("10.0.0.10"), ipaddress.ip_address("10.0.0.20"))
    c = (ipaddress.ip_address("10.0.0.11"), ipaddress.ip_address("10.0.0.20"))
    v6 = (ipaddress.ip_address("::1"), ipaddress.ip_address("::ffff"))
    assert ipnet.ranges_overlap(a, b)
    assert not ipnet.ranges_overlap(a, c)
    assert not ipnet.ranges_overlap(a, v6)
    assert ipnet.in_range(ipaddress.ip_address("10.0.0.10"), a)
    assert not ipnet.in_range(ipaddress.ip_address("::5"), a)
    assert ipnet.range_text(a) == "10.0.0.1-10.0.0.10"
    assert ipnet.range_text((a[0], a[0])) == "10.0.0.1"
