from __future__ import annotations

import pytest
from eksa_lint.multus import parse_networks


def test_text_form() -> None:
    p = parse_networks("ns1/net-a@eth1, net-b")
    assert p.errors == []
    assert [(s.namespace, s.name, s.interface) for s in p.selections] == [("ns1", "net-a", "eth1"),
                                                                          (None, "net-b", None)]


@pytest.mark.parametrize("value", ["a/b/c", "a@b@c", "Net_A", "net@averyveryverylongname", "{\"name\": \"x\"}",
                                   "[1, 2]", '[{"namespace": "x"}]', '[{"name": "x", "ips": "10.0.0.1"}]',
                                   '[{"name": "x", "mac": "zz"}]', "[", None, 5])
def test_invalid(value: object) -> None:
    assert parse_networks(value).errors


def test_json_form() -> None:
    p = parse_networks('[{"name": "x", "namespace": "n", "ips": ["10.1.1.5/24"], "mac": "c2:11:22:33:44:55"}]')
    assert p.errors == []
    assert p.selections[0].ips == ("10.1.1.5/24",)
    assert parse_networks("net@eth12345678901").errors == []  # exactly 15 chars
