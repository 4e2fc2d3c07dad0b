from __future__ import annotations

import pytest
from eksa_lint.registry import all_rules

from tests.conftest import findings, where

NP_BAD = """
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: p, namespace: shop}
spec:
  podSelector:
    matchExpressions:
      - {key: app, operator: In}
  policyTypes: [Ingress, Egress, Sideways]
  egress:
    - to:
        - ipBlock: {cidr: 10.0.0.0/16, except: [10.1.0.0/24]}
          podSelector: {}
        - {}
      ports:
        - {protocol: ICMP, port: 70000}
        - {protocol: TCP, port: web--x}
        - {protocol: TCP, port: 100, endPort: 50}
        - {protocol: TCP, port: http, endPort: 90}
"""

NP_GOOD = """
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: p, namespace: shop}
spec:
  podSelector:
    matchExpressions:
      - {key: app, operator: In, values: [web]}
      - {key: tier, operator: Exists}
  policyTypes: [Ingress, Egress]
  egress:
    - to:
        - ipBlock: {cidr: 10.0.0.0/16, except: [10.0.1.0/24]}
        - podSelector: {}
      ports:
        - {protocol: UDP, port: 53}
        - {protocol: TCP, port: http}
        - {protocol: TCP, port: 100, endPort: 200}
"""


def test_601_flags_each_offending_key():
    got = where(findings({"np.yaml": NP_BAD}), "EKSA601")
    assert got == [
        ("EKSA601", "np.yaml", 7, 20),   # In without values: the operator
        ("EKSA601", "np.yaml", 8, 3),    # three policyTypes
        ("EKSA601", "np.yaml", 8, 34),   # Sideways
        ("EKSA601", "np.yaml", 11, 11),  # ipBlock with a selector in the same peer
        ("EKSA601", "np.yaml", 11, 49),  # except outside cidr
        ("EKSA601", "np.yaml", 13, 11),  # empty peer
        ("EKSA601", "np.yaml", 15, 22),  # ICMP
        ("EKSA601", "np.yaml", 15, 34),  # 70000
        ("EKSA601", "np.yaml", 16, 33),  # web--x
        ("EKSA601", "np.yaml", 17, 38),  # endPort below port
        ("EKSA601", "np.yaml", 18, 39),  # endPort with a named port
    ]


def test_601_nearest_valid_policy_is_silent():
    assert where(findings({"np.yaml": NP_GOOD}), "EKSA601") == []


CNP_BAD = """
apiVersion: cilium.io/v2
kind: CiliumNetworkPolicy
metadata: {name: c, namespace: shop}
specs:
  - endpointSelector: {}
    nodeSelector: {}
  - endpointSelector: {}
    egress:
      - toEndpoints: [{}]
        toCIDR: [10.0.0.0/8]
      - toCIDRSet: [{cidr: 10.0.0.0/8, except: [192.168.0.0/16]}]
      - toFQDNs: [{matchName: a.example, matchPattern: "*.example"}]
      - icmps: [{fields: [{type: 8}]}]
        toPorts: [{ports: [{port: "80"}]}]
      - toPorts:
          - ports: [{port: "53", protocol: UDP}]
            rules: {http: [{}], kafka: [{}]}
          - ports: [{port: "80", protocol: UDP}]
            rules: {http: [{method: GET}]}
          - ports: [{port: "443", protocol: TCP}]
            serverNames: [a.example]
            rules: {http: [{}]}
    ingress:
      - toPorts:
          - ports: [{port: "53", protocol: UDP}]
            rules: {dns: [{matchPattern: "*"}]}
  - ingress: []
---
apiVersion: cilium.io/v2
kind: CiliumNetworkPolicy
metadata: {name: empty, namespace: shop}
"""


def test_602_flags_what_the_agent_rejects():
    got = where(findings({"cnp.yaml": CNP_BAD}), "EKSA602")
    assert got == [
        ("EKSA602", "cnp.yaml", 6, 5),    # nodeSelector in a namespaced CNP
        ("EKSA602", "cnp.yaml", 10, 9),   # toCIDR with toEndpoints
        ("EKSA602", "cnp.yaml", 11, 49),  # except outside cidr
        ("EKSA602", "cnp.yaml", 12, 19),  # matchName with matchPattern
        ("EKSA602", "cnp.yaml", 13, 9),   # icmps with toPorts
        ("EKSA602", "cnp.yaml", 16, 44),  # http on UDP
        ("EKSA602", "cnp.yaml", 17, 33),  # second L7 kind
        ("EKSA602", "cnp.yaml", 18, 44),  # http on UDP
        ("EKSA602", "cnp.yaml", 21, 13),  # serverNames without terminatingTLS
        ("EKSA602", "cnp.yaml", 26, 21),  # dns on ingress
        ("EKSA602", "cnp.yaml", 27, 5),   # no selector
        ("EKSA602", "cnp.yaml", 29, 1),   # no spec
    ]


def test_602_valid_policy_and_port_limit():
    ok = """
    apiVersion: cilium.io/v2
    kind: CiliumClusterwideNetworkPolicy
    metadata: {name: c}
    spec:
      endpointSelector: {}
      egress:
        - toEndpoints: [{}]
          toPorts:
            - ports: [{port: "5353", protocol: ANY}]
              rules: {dns: [{matchPattern: "*"}]}
        - toCIDRSet: [{cidr: 10.0.0.0/8, except: [10.1.0.0/16]}]
    """
    assert where(findings({"ok.yaml": ok}), "EKSA602") == []
    ports = "".join(f'\n            - {{port: "{1000 + i}", protocol: TCP}}' for i in range(41))
    many = ("apiVersion: cilium.io/v2\nkind: CiliumNetworkPolicy\nmetadata: {name: m}\nspec:\n"
            "  endpointSelector: {}\n  ingress:\n    - toPorts:\n        - ports:" + ports + "\n")
    assert where(findings({"m.yaml": many}), "EKSA602") == [("EKSA602", "m.yaml", 8, 11)]


DENY_EGRESS = """
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: deny, namespace: shop}
spec:
  podSelector: {}
  policyTypes: [Egress]
  egress:
    - ports: [{protocol: TCP, port: 443}]
"""


def test_603_flags_namespace_wide_egress_without_dns():
    assert where(findings({"p.yaml": DENY_EGRESS}), "EKSA603") == [("EKSA603", "p.yaml", 6, 3)]


def test_603_silent_when_dns_allowed_or_selector_narrow():
    dns = DENY_EGRESS + "    - ports: [{protocol: UDP, port: 53}]\n"
    assert where(findings({"p.yaml": dns}), "EKSA603") == []
    other = """
    apiVersion: networking.k8s.io/v1
    kind: NetworkPolicy
    metadata: {name: dns, namespace: shop}
    spec:
      podSelector: {}
      policyTypes: [Egress]
      egress:
        - ports: [{protocol: UDP, port: 53}]
    """
    assert where(findings({"p.yaml": DENY_EGRESS, "q.yaml": other}), "EKSA603") == []
    narrow = DENY_EGRESS.replace("podSelector: {}", "podSelector: {matchLabels: {app: web}}")
    assert where(findings({"p.yaml": narrow}), "EKSA603") == []
    assert where(findings({"p.yaml": DENY_EGRESS.replace("namespace: shop", "namespace: other")},
                          ), "EKSA603") == [("EKSA603", "p.yaml", 6, 3)]


def test_603_cilium_egress_points_at_egress():
    cnp = """
    apiVersion: cilium.io/v2
    kind: CiliumNetworkPolicy
    metadata: {name: c, namespace: shop}
    spec:
      endpointSelector: {}
      egress:
        - toEntities: [world]
          toPorts: [{ports: [{port: "443", protocol: TCP}]}]
    """
    assert where(findings({"c.yaml": cnp}), "EKSA603") == [("EKSA603", "c.yaml", 6, 3)]


DEPLOY = """
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: shop}
spec:
  selector: {matchLabels: {app: frontend}}
  template:
    metadata: {labels: {app: frontend}}
    spec:
      containers: [{name: c, image: nginx}]
"""


def test_604_flags_a_typo_and_not_a_match():
    np = DENY_EGRESS.replace("podSelector: {}", "podSelector: {matchLabels: {app: frontnd}}")
    assert where(findings({"d.yaml": DEPLOY, "p.yaml": np}), "EKSA604") == [("EKSA604", "p.yaml", 5, 3)]
    good = DENY_EGRESS.replace("podSelector: {}", "podSelector: {matchLabels: {app: frontend}}")
    assert where(findings({"d.yaml": DEPLOY, "p.yaml": good}), "EKSA604") == []
    expr = DENY_EGRESS.replace("podSelector: {}",
                               "podSelector: {matchExpressions: [{key: app, operator: Exists}]}")
    assert where(findings({"d.yaml": DEPLOY, "p.yaml": expr}), "EKSA604") == []
    # no workloads in that namespace: silent
    assert where(findings({"p.yaml": np}), "EKSA604") == []


def test_604_cilium_prefix_and_service_account():
    cnp = """
    apiVersion: cilium.io/v2
    kind: CiliumNetworkPolicy
    metadata: {name: c, namespace: shop}
    spec:
      endpointSelector: {matchLabels: {k8s:app: frontend, io.cilium.k8s.policy.serviceaccount: default}}
    """
    assert where(findings({"d.yaml": DEPLOY, "c.yaml": cnp}), "EKSA604") == []
    typo = cnp.replace("k8s:app: frontend", "k8s:app: front")
    assert where(findings({"d.yaml": DEPLOY, "c.yaml": typo}), "EKSA604") == [("EKSA604", "c.yaml", 5, 3)]


FQDN = """
apiVersion: cilium.io/v2
kind: CiliumNetworkPolicy
metadata: {name: f, namespace: shop}
spec:
  endpointSelector: {matchLabels: {app: frontend}}
  egress:
    - toFQDNs: [{matchName: api.github.com}]
"""
DNS_RULE = """
    - toEndpoints: [{matchLabels: {k8s:io.kubernetes.pod.namespace: kube-system}}]
      toPorts:
        - ports: [{port: "53", protocol: ANY}]
          rules: {dns: [{matchPattern: "*"}]}
"""


def test_605_flags_fqdn_without_dns_rule():
    assert where(findings({"f.yaml": FQDN}), "EKSA605") == [("EKSA605", "f.yaml", 7, 7)]


def test_605_silent_with_dns_rule_here_or_in_another_policy():
    assert where(findings({"f.yaml": FQDN + DNS_RULE.replace("\n    ", "\n    ", 1)}), "EKSA605") == []
    other = ("apiVersion: cilium.io/v2\nkind: CiliumNetworkPolicy\nmetadata: {name: dns, namespace: shop}\n"
             "spec:\n  endpointSelector: {}\n  egress:" + DNS_RULE.replace("\n    ", "\n    "))
    assert where(findings({"d.yaml": DEPLOY, "f.yaml": FQDN, "g.yaml": other}), "EKSA605") == []
    # a DNS rule for other pods does not cover the FQDN pods
    narrow = other.replace("endpointSelector: {}", "endpointSelector: {matchLabels: {app: db}}")
    assert where(findings({"d.yaml": DEPLOY, "f.yaml": FQDN, "g.yaml": narrow}), "EKSA605") == [
        ("EKSA605", "f.yaml", 7, 7)]


CLUSTER = """
apiVersion: anywhere.eks.amazonaws.com/v1alpha1
kind: Cluster
metadata: {name: mgmt}
spec:
  clusterNetwork:
    cniConfig:
      cilium:
        policyEnforcementMode: always
"""
HOST = """
apiVersion: cilium.io/v2
kind: CiliumClusterwideNetworkPolicy
metadata: {name: host}
spec:
  nodeSelector: {}
  ingress:
    - fromEntities: [world]
      toPorts: [{ports: [{port: "22", protocol: TCP}]}]
"""
HOST_OK = HOST + """    - fromEntities: [remote-node, health]
      toPorts: [{ports: [{port: "6081", protocol: UDP}, {port: "4240", protocol: TCP}]}]
"""


def test_606_flags_host_policy_without_tunnel_and_health():
    found = findings({"c.yaml": CLUSTER, "h.yaml": HOST})
    assert where(found, "EKSA606") == [("EKSA606", "h.yaml", 6, 3)]
    assert "UDP 6081" in next(f for f in found if f.rule_id == "EKSA606").message


def test_606_silent_when_allowed_and_vxlan_needs_8472():
    assert where(findings({"c.yaml": CLUSTER, "h.yaml": HOST_OK}), "EKSA606") == []
    vx = CLUSTER + "        helmValues: {tunnelProtocol: vxlan}\n"
    found = findings({"c.yaml": vx, "h.yaml": HOST_OK})
    assert where(found, "EKSA606") == [("EKSA606", "h.yaml", 6, 3)]
    assert "UDP 8472" in next(f for f in found if f.rule_id == "EKSA606").message
    direct = CLUSTER + "        helmValues: {routingMode: native}\n"
    health = HOST + """    - fromEntities: [health]
      toPorts: [{ports: [{port: "4240", protocol: TCP}]}]
"""
    assert where(findings({"c.yaml": direct, "h.yaml": health}), "EKSA606") == []


def test_607_flags_namespaces_without_policy():
    found = findings({"c.yaml": CLUSTER, "d.yaml": DEPLOY})
    assert where(found, "EKSA607") == [("EKSA607", "c.yaml", 8, 32)]
    assert "shop" in next(f for f in found if f.rule_id == "EKSA607").message


def test_607_silent_with_policy_or_system_namespace_or_default_mode():
    np = DENY_EGRESS + "    - ports: [{protocol: UDP, port: 53}]\n"
    assert where(findings({"c.yaml": CLUSTER, "d.yaml": DEPLOY, "p.yaml": np}), "EKSA607") == []
    sysd = DEPLOY.replace("namespace: shop", "namespace: kube-system")
    assert where(findings({"c.yaml": CLUSTER, "d.yaml": sysd}), "EKSA607") == []
    dflt = CLUSTER.replace("always", "default")
    assert where(findings({"c.yaml": dflt, "d.yaml": DEPLOY}), "EKSA607") == []


@pytest.mark.parametrize("bad", ["spec: hello", "spec: [1, 2]", "spec: null", "specs: [1, null, x]",
                                 ("spec: {podSelector: 3, egress: [1, {ports: 3, to: [null, 5]}], "
                                 "ingress: x, policyTypes: 7}"),
                                 ("spec: {endpointSelector: [], egress: [{toPorts: [1, {ports: 2, rules: 3}]}],"
                                 " ingress: [{toFQDNs: 5, fromCIDRSet: [1, {cidr: 5, except: 6}]}]}")])
@pytest.mark.parametrize("kind", ["networking.k8s.io/v1\nkind: NetworkPolicy",
                                  "cilium.io/v2\nkind: CiliumNetworkPolicy",
                                  "cilium.io/v2\nkind: CiliumClusterwideNetworkPolicy"])
def test_bad_input_never_crashes(kind, bad):
    text = f"apiVersion: {kind}\nmetadata: {{name: x, namespace: shop}}\n{bad}\n"
    found = findings({"c.yaml": CLUSTER, "d.yaml": DEPLOY, "x.yaml": text})
    assert not [f for f in found if f.rule_id == "EKSA009"]


def test_rules_are_registered_with_docs():
    ids = {r.id: r for r in all_rules()}
    for rid in ("EKSA601", "EKSA602", "EKSA603", "EKSA604", "EKSA605", "EKSA606", "EKSA607"):
        doc = ids[rid].doc if hasattr(ids[rid], "doc") else ids[rid].check.__doc__
        assert "## Example" in doc and "## Use instead" in doc and "## Source" in doc


def test_corpus_is_clean_of_false_positives(shared):
    from eksa_lint.config import Settings
    from eksa_lint.engine import lint
    res = lint([str(shared / "corpus")], Settings(), cwd=str(shared))
    ours = [f for f in res.findings if f.rule_id.startswith("EKSA60")]
    assert ours == [], [(f.rule_id, f.location.path, f.message) for f in ours]


def test_602_dns_without_ports_and_l7_in_host_policy():
    text = """
    apiVersion: cilium.io/v2
    kind: CiliumClusterwideNetworkPolicy
    metadata: {name: h}
    spec:
      nodeSelector: {}
      egress:
        - toPorts:
            - rules: {dns: [{matchPattern: "*"}]}
    """
    assert where(findings({"h.yaml": text}), "EKSA602") == [
        ("EKSA602", "h.yaml", 8, 19), ("EKSA602", "h.yaml", 8, 19)]  # no ports; L7 in a host policy
    endpoint = text.replace("nodeSelector", "endpointSelector").replace(
        "- rules:", '- ports: [{port: "53", protocol: ANY}]\n          rules:')
    assert where(findings({"h.yaml": endpoint}), "EKSA602") == []
