from __future__ import annotations

import re
from textwrap import dedent

import pytest
import yaml
from eksa_lint.findings import Severity
from eksa_lint.model import HostFacts

from tests.conftest import findings, where

CLUSTER = dedent("""\
    apiVersion: anywhere.eks.amazonaws.com/v1alpha1
    kind: Cluster
    metadata: {name: c1}
    spec:
      datacenterRef: {kind: TinkerbellDatacenterConfig, name: c1}
      clusterNetwork:
        cniConfig:
          cilium: {}
      workerNodeGroupConfigurations:
      - {count: 2, name: md-0}
    """)


def nad(config: str, name: str = "net1") -> str:
    return dedent(f"""\
        apiVersion: k8s.cni.cncf.io/v1
        kind: NetworkAttachmentDefinition
        metadata: {{name: {name}}}
        spec:
          config: '{config}'
        """)


def pod(ann: str, kind: str = "Pod") -> str:
    return dedent(f"""\
        apiVersion: v1
        kind: Pod
        metadata:
          name: p
          annotations:
            k8s.v1.cni.cncf.io/networks: '{ann}'
        spec: {{containers: [{{name: c, image: x}}]}}
        """)


def test_401_flags_vsphere_and_not_tinkerbell() -> None:
    vs = CLUSTER.replace("TinkerbellDatacenterConfig", "VSphereDatacenterConfig")
    cfg = '{"type": "macvlan", "master": "eth1"}'
    found = findings({"c.yaml": vs, "n.yaml": nad(cfg), "p.yaml": pod("net1")})
    assert where(found, "EKSA401") == [("EKSA401", "n.yaml", 2, 1), ("EKSA401", "p.yaml", 6, 5)]
    assert where(findings({"c.yaml": CLUSTER, "n.yaml": nad(cfg)}), "EKSA401") == []


def test_402_unknown_master_only_with_interfaces() -> None:
    files = {"n.yaml": nad('{"type": "macvlan", "master": "eth9"}')}
    found = findings(files, hosts=HostFacts(("eth0", "eth1")))
    assert where(found, "EKSA402") == [("EKSA402", "n.yaml", 5, 32)]
    assert where(findings(files), "EKSA402") == []
    ok = {"n.yaml": nad('{"type": "macvlan", "master": "eth1"}')}
    assert where(findings(ok, hosts=HostFacts(("eth0", "eth1"))), "EKSA402") == []


def test_403_implicit_master() -> None:
    assert where(findings({"n.yaml": nad('{"type": "ipvlan"}')}), "EKSA403") == [("EKSA403", "n.yaml", 5, 13)]
    assert where(findings({"n.yaml": nad('{"type": "bridge"}')}), "EKSA403") == []
    assert where(findings({"n.yaml": nad('{"type": "ipvlan", "master": "eth1"}')}), "EKSA403") == []


def test_403_vlan_without_master_is_an_error() -> None:
    found = findings({"n.yaml": nad('{"type": "vlan", "vlanId": 100}')})
    assert where(found, "EKSA403") == [("EKSA403", "n.yaml", 5, 13)]
    f = next(f for f in found if f.rule_id == "EKSA403")
    assert f.severity == Severity.ERROR and "requires" in f.message and "default-route" not in f.message
    mv = next(f for f in findings({"n.yaml": nad('{"type": "macvlan"}')}) if f.rule_id == "EKSA403")
    assert mv.severity == Severity.WARNING and "default-route" in mv.message
    ok = findings({"n.yaml": nad('{"type": "vlan", "vlanId": 100, "master": "eth1"}')})
    assert where(ok, "EKSA403") == []


def test_404_primary_in_block_and_quoted_multiline() -> None:
    block = dedent("""\
        apiVersion: k8s.cni.cncf.io/v1
        kind: NetworkAttachmentDefinition
        metadata: {name: net1}
        spec:
          config: |
            {
              "cniVersion": "0.3.1",
              "type": "macvlan",
              "master": "eth0"
            }
        """)
    quoted = dedent("""\
        apiVersion: k8s.cni.cncf.io/v1
        kind: NetworkAttachmentDefinition
        metadata: {name: net1}
        spec:
          config: '{
              "cniVersion": "0.3.1",
              "plugins": [{
                "type": "macvlan",
                "master": "eth0"
              }]
            }'
        """)
    found = findings({"b.yaml": block, "q.yaml": quoted})
    assert sorted(where(found, "EKSA404")) == [("EKSA404", "b.yaml", 9, 7), ("EKSA404", "q.yaml", 9, 9)]
    msgs = [f.message for f in found if f.rule_id == "EKSA404"]
    assert 'such as "eth1"' in msgs[0]
    ok = findings({"b.yaml": block.replace("eth0", "eth1")})
    assert where(ok, "EKSA404") == []
    custom = findings({"b.yaml": block.replace("eth0", "eno1")}, hosts=HostFacts(("eno1", "eno2"), "eno1"))
    assert where(custom, "EKSA404") == [("EKSA404", "b.yaml", 9, 7)]
    assert 'such as "eno2"' in next(f.message for f in custom if f.rule_id == "EKSA404")


def test_405_invalid_annotation() -> None:
    assert where(findings({"p.yaml": pod("a/b/c")}), "EKSA405") == [("EKSA405", "p.yaml", 6, 34)]
    assert where(findings({"p.yaml": pod("b/c@net1")}), "EKSA405") == []


def test_406_missing_nad() -> None:
    n = nad('{"type": "macvlan", "master": "eth1"}')
    assert where(findings({"n.yaml": n, "p.yaml": pod("other")}), "EKSA406") == [("EKSA406", "p.yaml", 6, 34)]
    assert where(findings({"n.yaml": n, "p.yaml": pod("net1")}), "EKSA406") == []
    assert where(findings({"n.yaml": n, "p.yaml": pod("ns2/net1")}), "EKSA406") == [("EKSA406", "p.yaml", 6, 34)]


def test_407_requested_ip() -> None:
    static = nad('{"type": "macvlan", "master": "eth1", "capabilities": {"ips": true}, "ipam": {"type": "static"}}')
    dhcp = nad('{"type": "macvlan", "master": "eth1", "ipam": {"type": "dhcp"}}')
    ann = '[{"name": "net1", "ips": ["10.1.1.5/24"]}]'
    assert where(findings({"n.yaml": dhcp, "p.yaml": pod(ann)}), "EKSA407") == [("EKSA407", "p.yaml", 6, 34)]
    assert where(findings({"n.yaml": static, "p.yaml": pod(ann)}), "EKSA407") == []
    caps_hl = nad('{"type": "macvlan", "master": "eth1", "capabilities": {"ips": true}, '
                  '"ipam": {"type": "host-local", "subnet": "10.2.0.0/24"}}')
    out = findings({"n.yaml": caps_hl, "p.yaml": pod(ann)})
    assert where(out, "EKSA407") == [("EKSA407", "p.yaml", 6, 34)]
    assert "outside" in next(f.message for f in out if f.rule_id == "EKSA407")
    two = findings({"n.yaml": static, "p.yaml": pod(ann), "q.yaml": pod(ann).replace("name: p", "name: q")})
    assert len(where(two, "EKSA407")) == 1


def test_407_static_ipam_needs_ips_capability() -> None:
    no_caps = nad('{"type": "macvlan", "master": "eth1", "ipam": {"type": "static"}}')
    ann = '[{"name": "net1", "ips": ["10.1.1.5/24"]}]'
    found = findings({"n.yaml": no_caps, "p.yaml": pod(ann)})
    assert where(found, "EKSA407") == [("EKSA407", "p.yaml", 6, 34)]
    assert "capabilities.ips" in next(f.message for f in found if f.rule_id == "EKSA407")
    caps = nad('{"type": "macvlan", "master": "eth1", "capabilities": {"ips": true}, "ipam": {"type": "static"}}')
    assert where(findings({"n.yaml": caps, "p.yaml": pod(ann)}), "EKSA407") == []


def test_407_replicas() -> None:
    static = nad('{"type": "macvlan", "master": "eth1", "capabilities": {"ips": true}, "ipam": {"type": "static"}}')
    dep = dedent("""\
        apiVersion: apps/v1
        kind: Deployment
        metadata: {name: d}
        spec:
          replicas: 3
          selector: {matchLabels: {a: b}}
          template:
            metadata:
              labels: {a: b}
              annotations:
                k8s.v1.cni.cncf.io/networks: '[{"name": "net1", "ips": ["10.1.1.5/24"]}]'
            spec: {containers: [{name: c, image: x}]}
        """)
    assert where(findings({"n.yaml": static, "d.yaml": dep}), "EKSA407") == [("EKSA407", "d.yaml", 11, 38)]
    assert where(findings({"n.yaml": static, "d.yaml": dep.replace("replicas: 3", "replicas: 1")}),
                 "EKSA407") == []


def test_408_cni_exclusive() -> None:
    n = nad('{"type": "macvlan", "master": "eth1"}')
    assert where(findings({"c.yaml": CLUSTER, "n.yaml": n}), "EKSA408") == [("EKSA408", "c.yaml", 8, 7)]
    off = CLUSTER.replace("cilium: {}", "cilium: {cniExclusive: false}")
    assert where(findings({"c.yaml": off, "n.yaml": n}), "EKSA408") == []
    helm = CLUSTER.replace("cilium: {}", "cilium: {helmValues: {cni: {exclusive: false}}}")
    assert where(findings({"c.yaml": helm, "n.yaml": n}), "EKSA408") == []
    assert where(findings({"c.yaml": CLUSTER}), "EKSA408") == []


def test_408_typed_cni_exclusive_ignored_with_helm_values() -> None:
    n = nad('{"type": "macvlan", "master": "eth1"}')
    typed = CLUSTER.replace("cilium: {}", "cilium: {cniExclusive: false, helmValues: {hubble: {enabled: true}}}")
    found = findings({"c.yaml": typed, "n.yaml": n})
    assert where(found, "EKSA408") == [("EKSA408", "c.yaml", 8, 7)]
    assert "helmValues: {cni: {exclusive: false}}" in next(f.message for f in found if f.rule_id == "EKSA408")
    helm = CLUSTER.replace("cilium: {}", "cilium: {cniExclusive: true, helmValues: {cni: {exclusive: false}}}")
    assert where(findings({"c.yaml": helm, "n.yaml": n}), "EKSA408") == []


def test_409_host_local() -> None:
    n = nad('{"type": "macvlan", "master": "eth1", "ipam": {"type": "host-local", "subnet": "10.2.0.0/24"}}')
    assert where(findings({"c.yaml": CLUSTER, "n.yaml": n}), "EKSA409") == [("EKSA409", "n.yaml", 5, 59)]
    one = CLUSTER.replace("count: 2", "count: 1")
    assert where(findings({"c.yaml": one, "n.yaml": n}), "EKSA409") == []
    assert where(findings({"n.yaml": n}), "EKSA409") == []


def test_bad_types_never_raise() -> None:
    weird = dedent("""\
        apiVersion: k8s.cni.cncf.io/v1
        kind: NetworkAttachmentDefinition
        metadata: {name: net1}
        spec:
          config: '{"plugins": [1, "x", null, {"type": 5, "ipam": "no", "master": [1]}]}'
        ---
        apiVersion: v1
        kind: Pod
        metadata:
          name: p
          annotations: {k8s.v1.cni.cncf.io/networks: [1, 2]}
        spec: {}
        """)
    found = findings({"c.yaml": CLUSTER, "w.yaml": weird})
    assert not [f for f in found if f.rule_id == "EKSA009"]


def _examples(rule_id: str) -> tuple[str, str]:
    """The bad and good YAML of a rule's docs, as `key: value` lines."""
    from eksa_lint.registry import all_rules

    doc = next(r for r in all_rules() if r.id == rule_id).explanation
    blocks = re.findall(r"```yaml\n(.*?)```", doc, re.DOTALL)
    return blocks[0].strip(), blocks[1].strip()


@pytest.mark.parametrize("rule_id", ["EKSA402", "EKSA403", "EKSA404", "EKSA409"])
def test_nad_doc_examples(rule_id: str) -> None:
    bad, good = (yaml.safe_load(b)["config"] for b in _examples(rule_id))
    hosts = HostFacts(("eth0", "eth1"))
    files = {"c.yaml": CLUSTER}
    assert rule_id in {f.rule_id for f in findings({**files, "n.yaml": nad(bad)}, hosts=hosts)}
    assert rule_id not in {f.rule_id for f in findings({**files, "n.yaml": nad(good)}, hosts=hosts)}


@pytest.mark.parametrize("rule_id", ["EKSA405", "EKSA406", "EKSA407"])
def test_annotation_doc_examples(rule_id: str) -> None:
    bad, good = (yaml.safe_load(b)["k8s.v1.cni.cncf.io/networks"] for b in _examples(rule_id))
    nads = {"s.yaml": nad('{"type": "macvlan", "master": "eth1", "ipam": {"type": "static"}}', "static-net"),
            "d.yaml": nad('{"type": "macvlan", "master": "eth1", "ipam": {"type": "dhcp"}}', "dhcp-net"),
            "m.yaml": nad('{"type": "macvlan", "master": "eth1"}', "macvlan-conf"),
            "si.yaml": nad('{"type": "macvlan", "master": "eth1", "capabilities": {"ips": true}, '
                           '"ipam": {"type": "static"}}', "static-ips-net"),
            "ns.yaml": nad('{"type": "macvlan", "master": "eth1"}', "c").replace("{name: c}", "{name: c, namespace: b}")}
    assert rule_id in {f.rule_id for f in findings({**nads, "p.yaml": pod(bad)})}
    assert rule_id not in {f.rule_id for f in findings({**nads, "p.yaml": pod(good)})}


def test_403_empty_master_is_no_master() -> None:
    found = findings({"n.yaml": nad('{"type": "vlan", "vlanId": 100, "master": ""}')})
    assert where(found, "EKSA403") == [("EKSA403", "n.yaml", 5, 13)]
    assert next(f for f in found if f.rule_id == "EKSA403").severity == Severity.ERROR
    mv = findings({"n.yaml": nad('{"type": "macvlan", "master": ""}')})
    assert where(mv, "EKSA403") == [("EKSA403", "n.yaml", 5, 13)]
