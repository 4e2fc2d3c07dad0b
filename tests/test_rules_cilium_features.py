"""EKSA3xx: Cilium features judged per target by the tier table."""

from __future__ import annotations

import pytest
from eksa_lint.findings import Severity
from eksa_lint.tiers import features

from tests.conftest import findings, where

CLUSTER = """\
apiVersion: anywhere.eks.amazonaws.com/v1alpha1
kind: Cluster
metadata: {name: edge}
spec:
  eksaVersion: {version}
  clusterNetwork:
    cniConfig:
      cilium:
        helmValues:
          hubble: {enabled: true}
          encryption: {enabled: true, type: wireguard}
"""

CNP = """\
apiVersion: cilium.io/v2
kind: CiliumNetworkPolicy
metadata: {name: p, namespace: shop}
spec:
  endpointSelector: {matchLabels: {app: web}}
  egress:
    - toFQDNs: [{matchName: api.example.com}]
      toPorts:
        - ports: [{port: "443", protocol: TCP}]
          serverNames: [api.example.com]
    - toEntities: [cluster-mesh]
  ingress:
    - toPorts:
        - ports: [{port: "80", protocol: TCP}]
          rules:
            http: [{method: GET}]
        - ports: [{port: "9092", protocol: TCP}]
          rules:
            kafka: [{topic: t}]
      authentication: {mode: required}
"""

OTHER = """\
apiVersion: cilium.io/v2
kind: CiliumEgressGatewayPolicy
metadata: {name: egw}
spec: {}
---
apiVersion: cilium.io/v2alpha1
kind: CiliumBGPPeeringPolicy
metadata: {name: bgp}
spec: {}
---
apiVersion: cilium.io/v1alpha1
kind: TracingPolicy
metadata: {name: t}
spec: {}
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: i, namespace: shop}
spec:
  ingressClassName: cilium
---
apiVersion: cilium.io/v2
kind: CiliumClusterwideNetworkPolicy
metadata: {name: host}
spec:
  nodeSelector: {}
  ingress: [{fromEntities: [cluster]}]
"""


def _run(version: str, **kw: object):
    return findings({"cluster.yaml": CLUSTER.replace("{version}", version), "cnp.yaml": CNP, "other.yaml": OTHER},
                    select=("EKSA3",), **kw)  # fmt: skip


def test_every_construct_at_its_key_on_eksa_default() -> None:
    got = sorted(where(_run("v0.20.0")))
    assert got == sorted([
        ("EKSA303", "cnp.yaml", 7, 7),     # toFQDNs
        ("EKSA304", "cnp.yaml", 10, 11),   # serverNames
        ("EKSA306", "cnp.yaml", 11, 20),   # cluster-mesh entity
        ("EKSA301", "cnp.yaml", 16, 13),   # http
        ("EKSA302", "cnp.yaml", 19, 13),   # kafka
        ("EKSA305", "cnp.yaml", 20, 24),   # authentication.mode
        ("EKSA307", "cluster.yaml", 10, 11),  # helmValues.hubble
        ("EKSA308", "cluster.yaml", 11, 24),  # encryption.enabled
        ("EKSA306", "other.yaml", 2, 1),   # CiliumEgressGatewayPolicy
        ("EKSA306", "other.yaml", 7, 1),   # CiliumBGPPeeringPolicy
        ("EKSA309", "other.yaml", 12, 1),  # TracingPolicy
        ("EKSA305", "other.yaml", 20, 3),  # ingressClassName
        ("EKSA310", "other.yaml", 26, 3),  # nodeSelector
    ])  # fmt: skip
    assert all(f.severity == Severity.ERROR for f in _run("v0.20.0"))


def test_eksa_aws_supports_l7_and_warns_for_works_unsupported() -> None:
    got = {(f.rule_id, f.location.line): f.severity for f in _run("v0.24.1")}
    assert ("EKSA301", 16) not in got and ("EKSA302", 19) not in got
    # DNS-aware and TLS/SNI policy work on eksa-aws but AWS does not support them (cilium-aws-supported.md)
    assert ("EKSA303", "cnp.yaml", 7, 7) in where(_run("v0.24.1"), "EKSA303")
    assert ("EKSA304", "cnp.yaml", 10, 11) in where(_run("v0.24.1"), "EKSA304")
    assert got[("EKSA303", 7)] == got[("EKSA304", 10)] == Severity.WARNING
    assert got[("EKSA307", 10)] == Severity.WARNING  # Hubble works but is not supported on eksa-aws
    assert got[("EKSA305", 20)] == Severity.WARNING
    assert got[("EKSA309", 12)] == Severity.ERROR  # Tetragon is only in Enterprise
    msg = next(f.message for f in _run("v0.24.1") if f.rule_id == "EKSA307")
    assert "works on eksa-aws but is not supported there; supported on cilium-oss, cilium-enterprise" in msg


def test_target_override_wins_over_eksa_version() -> None:
    got = where(_run("v0.20.0", target="cilium-enterprise"))
    assert got == [("EKSA310", "other.yaml", 26, 3)]  # the host firewall is still not enabled


def test_host_firewall_enabled_silences_eksa310() -> None:
    cluster = CLUSTER.replace("{version}", "v0.24.0").replace("hubble: {enabled: true}", "hostFirewall: {enabled: true}")
    got = findings({"cluster.yaml": cluster, "other.yaml": OTHER}, select=("EKSA310",))
    assert got == []


def test_specs_form_and_deny_sections() -> None:
    cnp = """\
    apiVersion: cilium.io/v2
    kind: CiliumNetworkPolicy
    metadata: {name: p}
    specs:
      - endpointSelector: {}
        egressDeny:
          - toPorts:
              - ports: [{port: "53", protocol: UDP}]
                rules: {dns: [{matchPattern: "*"}]}
    """
    assert where(findings({"p.yaml": cnp}, select=("EKSA3",))) == [("EKSA303", "p.yaml", 9, 21)]


def test_nearest_valid_cases_are_silent() -> None:
    cnp = """\
    apiVersion: cilium.io/v2
    kind: CiliumNetworkPolicy
    metadata: {name: p}
    spec:
      endpointSelector: {}
      egress:
        - toCIDR: [203.0.113.10/32]
          toPorts: [{ports: [{port: "443", protocol: TCP}]}]
        - toEntities: [cluster]
    ---
    apiVersion: networking.k8s.io/v1
    kind: Ingress
    metadata: {name: i}
    spec: {ingressClassName: nginx}
    """
    assert findings({"p.yaml": cnp}, select=("EKSA3",)) == []


@pytest.mark.parametrize("bad", ["spec: 5", "spec: {egress: 7}", "spec: {egress: [1, null]}",
                                 "spec: {ingress: [{toPorts: [{rules: [1]}]}]}", "specs: {a: 1}"])
def test_wrong_types_never_crash(bad: str) -> None:
    doc = f"apiVersion: cilium.io/v2\nkind: CiliumNetworkPolicy\nmetadata: {{name: p}}\n{bad}\n"
    assert [f for f in findings({"p.yaml": doc}) if f.rule_id == "EKSA009"] == []


def test_tier_table_matches_the_reference_doc_columns() -> None:
    f = features()
    for key in ("l7-http", "dns", "tls-sni", "ingress-gateway-mesh", "hubble", "tetragon", "bgp"):
        assert f[key].cells["eksa-default"] == "absent"
    assert f["tetragon"].supported_on() == ["cilium-enterprise"]
    assert f["bgp"].cells["cilium-oss"] == "absent" and f["bgp"].cells["eksa-aws"] == "supported"
    assert f["hubble"].cells["cilium-oss"] == "supported"
    assert {c for feat in f.values() for c in feat.cells.values()} <= {"supported", "works-unsupported", "absent"}
