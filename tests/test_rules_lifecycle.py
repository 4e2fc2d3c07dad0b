from __future__ import annotations

from textwrap import dedent

from tests.conftest import findings, where


def cluster(cilium: str, version: str = "v0.18.0", meta: str = "{name: c1}") -> str:
    return dedent(f"""\
        apiVersion: anywhere.eks.amazonaws.com/v1alpha1
        kind: Cluster
        metadata: {meta}
        spec:
          eksaVersion: {version}
          datacenterRef: {{kind: TinkerbellDatacenterConfig, name: c1}}
          clusterNetwork:
            cniConfig:
              cilium:
                {cilium}
        """)


def test_eksa202_flags_skip_upgrade_before_v015() -> None:
    found = findings({"c.yaml": cluster("skipUpgrade: true", "v0.14.6")})
    assert where(found, "EKSA202") == [("EKSA202", "c.yaml", 10, 9)]
    assert "v0.14.6" in next(f.message for f in found if f.rule_id == "EKSA202")


def test_eksa202_silent_from_v015() -> None:
    assert where(findings({"c.yaml": cluster("skipUpgrade: true", "v0.15.0")}), "EKSA202") == []


def test_eksa203_flags_policy_mode_with_skip_upgrade() -> None:
    found = findings({"c.yaml": cluster("{skipUpgrade: true, policyEnforcementMode: always}")})
    assert where(found, "EKSA203") == [("EKSA203", "c.yaml", 10, 29)]


def test_eksa203_silent_when_skip_upgrade_false() -> None:
    found = findings({"c.yaml": cluster("{skipUpgrade: false, policyEnforcementMode: always}")})
    assert where(found, "EKSA203") == []


def test_eksa203_silent_when_policy_mode_empty() -> None:
    found = findings({"c.yaml": cluster('{skipUpgrade: true, policyEnforcementMode: "x"}')})
    assert where(found, "EKSA203") == [("EKSA203", "c.yaml", 10, 29)]
    found = findings({"c.yaml": cluster('{skipUpgrade: true, policyEnforcementMode: ""}')})
    assert where(found, "EKSA203") == []


def test_eksa204_flags_committed_pause() -> None:
    meta = '{name: c1, annotations: {anywhere.eks.amazonaws.com/paused: "true"}}'
    found = findings({"c.yaml": cluster("{}", meta=meta)})
    assert [w[:3] for w in where(found, "EKSA204")] == [("EKSA204", "c.yaml", 3)]


def test_eksa204_silent_when_false() -> None:
    meta = '{name: c1, annotations: {anywhere.eks.amazonaws.com/paused: "false"}}'
    assert where(findings({"c.yaml": cluster("{}", meta=meta)}), "EKSA204") == []


def test_bad_types_do_not_raise() -> None:
    found = findings({"c.yaml": cluster("[1, 2]", "null", meta="{name: c1, annotations: x}")})
    assert where(found, "EKSA203") == where(found, "EKSA202") == []


def test_eksa204_flags_capi_pause_with_any_value() -> None:
    capi = dedent("""\
        apiVersion: cluster.x-k8s.io/v1beta1
        kind: Cluster
        metadata:
          name: c1
          annotations:
            cluster.x-k8s.io/paused: ""
        """)
    found = findings({"c.yaml": cluster("{}"), "capi.yaml": capi})
    assert where(found, "EKSA204") == [("EKSA204", "capi.yaml", 6, 5)]
