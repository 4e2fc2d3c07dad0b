"""Schema rules EKSA101-EKSA106: each flags a real mistake at its exact place and not the nearest valid case."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from eksa_lint.config import ConfigError
from eksa_lint.registry import all_rules
from eksa_lint.schema import crd_to_jsonschema, errors, user_crd_schemas

from tests.conftest import findings, where

CLUSTER = """
apiVersion: anywhere.eks.amazonaws.com/v1alpha1
kind: Cluster
metadata:
  name: mgmt
spec:
  kubernetesVersion: {kv}
  clusterNetwork:
    cniConfig:
      cilium:
        {field}: true
    pods:
      cidrBlocks: [192.168.0.0/16]
"""


def test_eksa101_typo_with_did_you_mean() -> None:
    found = findings({"cluster.yaml": CLUSTER.format(kv='"1.30"', field="skipUprade")})
    assert where(found, "EKSA101") == [("EKSA101", "cluster.yaml", 10, 9)]
    assert found[0].message == (
        'unknown field "skipUprade" in spec.clusterNetwork.cniConfig.cilium; did you mean "skipUpgrade"?'
    )


def test_eksa101_valid_and_unquoted_kubernetes_version_accepted() -> None:
    assert where(findings({"cluster.yaml": CLUSTER.format(kv="1.30", field="skipUpgrade")}), "EKSA101") == []


def test_eksa101_enum_value_points_at_value() -> None:
    text = CLUSTER.format(kv="1.31", field="skipUpgrade") + "    services: {cidrBlocks: 10.96.0.0/12}\n"
    found = findings({"c.yaml": text})
    assert where(found, "EKSA101") == [("EKSA101", "c.yaml", 13, 28)]
    assert "expected a list" in found[0].message


def test_eksa101_wrong_types_never_raise() -> None:
    for spec in ("spec: 3", "spec: [1, 2]", "spec: {clusterNetwork: [1]}", "spec: {clusterNetwork: x}"):
        text = f"apiVersion: anywhere.eks.amazonaws.com/v1alpha1\nkind: Cluster\nmetadata: {{name: a}}\n{spec}\n"
        found = findings({"c.yaml": text})
        assert not where(found, "EKSA009"), spec  # no rule crash
        assert where(found, "EKSA101"), spec


NP = """
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: allow-web
spec:
  podSelector: {{}}
  policyTypes: [{pt}]
  {ing}:
    - ports:
        - {{protocol: TCP, port: 80}}
"""


def test_eksa102_flags_enum_and_unknown_field() -> None:
    found = findings({"np.yaml": NP.format(pt="ingress", ing="ingres")})
    assert where(found, "EKSA102") == [("EKSA102", "np.yaml", 7, 17), ("EKSA102", "np.yaml", 8, 3)]
    msgs = [f.message for f in found if f.rule_id == "EKSA102"]
    assert 'spec.policyTypes[0] is "ingress"; expected one of "Ingress", "Egress"' in msgs
    assert 'unknown field "ingres" in spec; did you mean "ingress"?' in msgs


def test_eksa102_valid_policy_passes() -> None:
    assert where(findings({"np.yaml": NP.format(pt="Ingress", ing="ingress")}), "EKSA102") == []


CNP = """
apiVersion: cilium.io/v2
kind: {kind}
metadata:
  name: p
spec:
  endpointSelector: {{}}
  {egress}: []
"""


@pytest.mark.parametrize("kind", ["CiliumNetworkPolicy", "CiliumClusterwideNetworkPolicy"])
def test_eksa103_unknown_rule_field(kind: str) -> None:
    found = findings({"cnp.yaml": CNP.format(kind=kind, egress="egres")})
    assert where(found, "EKSA103") == [("EKSA103", "cnp.yaml", 7, 3)]
    assert 'did you mean "egress"?' in found[0].message
    assert where(findings({"cnp.yaml": CNP.format(kind=kind, egress="egress")}), "EKSA103") == []


NAD = """
apiVersion: k8s.cni.cncf.io/v1
kind: NetworkAttachmentDefinition
metadata:
  name: macvlan-conf
spec:
  config: {config}
"""


def test_eksa104_config_must_be_a_string() -> None:
    found = findings({"nad.yaml": NAD.format(config="{cniVersion: 0.3.1}")})
    assert where(found, "EKSA104") == [("EKSA104", "nad.yaml", 6, 11)]
    assert where(findings({"nad.yaml": NAD.format(config="'{}'")}), "EKSA104") == []


def test_eksa105_error_inside_quoted_multiline_string() -> None:
    text = """
    apiVersion: "k8s.cni.cncf.io/v1"
    kind: NetworkAttachmentDefinition
    metadata:
      name: macvlan-conf
    spec:
      config: '{
          "cniVersion": "0.3.0",
          "type": "macvlan",
          "master": "eth1",
          "mode": "bridged",
          "ipam": {"type": "host-local", "subnet": "192.168.1.0/24"}
        }'
    """
    found = findings({"nad.yaml": text})
    assert where(found, "EKSA105") == [("EKSA105", "nad.yaml", 10, 15)]
    assert '"bridged"; expected one of "bridge", "private", "vepa", "passthru"' in found[0].message
    assert where(findings({"nad.yaml": text.replace("bridged", "bridge")}), "EKSA105") == []


def test_eksa105_error_inside_block_scalar() -> None:
    text = NAD.format(config="|\n    {\n      \"cniVersion\": \"1.0.0\",\n      \"plugins\": [\n"
                      "        {\"type\": \"vlan\", \"master\": \"eth1\", \"vlanId\": \"100\"}\n      ]\n    }")
    found = findings({"nad.yaml": text})
    assert where(found, "EKSA105") == [("EKSA105", "nad.yaml", 10, 54)]
    assert 'plugins[0].vlanId is "100"; expected an integer' in found[0].message


def test_eksa105_invalid_json_and_unknown_plugin_type() -> None:
    found = findings({"nad.yaml": NAD.format(config="'{\"cniVersion\": \"0.3.1\", \"type\": \"macvlan\",}'")})
    # json reports a trailing comma at the comma's successor before Python 3.13, at the comma itself since
    # (3.13's "Illegal trailing comma before end of object"); the finding is where json says the error is
    col = 53 if sys.version_info >= (3, 13) else 54
    assert where(found, "EKSA105") == [("EKSA105", "nad.yaml", 6, col)]
    assert "not valid JSON" in found[0].message
    ok = NAD.format(config="'{\"cniVersion\": \"0.3.1\", \"type\": \"calico\", \"anything\": 1}'")
    assert where(findings({"nad.yaml": ok}), "EKSA105") == []
    bad_version = NAD.format(config="'{\"cniVersion\": \"0.5.0\", \"type\": \"calico\"}'")
    assert where(findings({"nad.yaml": bad_version}), "EKSA105") == [("EKSA105", "nad.yaml", 6, 27)]


def test_cni_ipam_modes() -> None:
    assert errors("cni-config", {"cniVersion": "0.3.1", "type": "macvlan", "ipam": {"type": "whereabouts"}})
    good = {"cniVersion": "0.3.1", "type": "macvlan", "ipam": {"type": "whereabouts", "range": "10.0.0.0/24"}}
    assert errors("cni-config", good) == []
    static = {"cniVersion": "0.3.1", "type": "ipvlan", "mode": "l2", "ipam": {"type": "static", "addresses": [{}]}}
    assert [p.path for p in errors("cni-config", static)] == [("ipam", "addresses", 0, "address")]


CRD = """
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: widgets.example.com}
spec:
  group: example.com
  names: {kind: Widget, plural: widgets}
  scope: Namespaced
  versions:
    - name: v1
      served: true
      storage: true
      schema:
        openAPIV3Schema:
          type: object
          properties:
            spec:
              type: object
              properties:
                size: {type: integer}
                port: {x-kubernetes-int-or-string: true}
                extra: {type: object, x-kubernetes-preserve-unknown-fields: true}
"""


def test_eksa106_user_crd(tmp_path: Path) -> None:
    (tmp_path / "crd.yaml").write_text(CRD, encoding="utf-8")
    widget = "apiVersion: example.com/v1\nkind: Widget\nmetadata: {{name: w}}\nspec:\n  size: {size}\n  port: http\n"
    found = findings({"w.yaml": widget.format(size="large")}, crds=(str(tmp_path / "crd.yaml"),))
    assert where(found, "EKSA106") == [("EKSA106", "w.yaml", 5, 9)]
    assert 'spec.size is "large"; expected an integer' in found[0].message
    assert where(findings({"w.yaml": widget.format(size=3)}, crds=(str(tmp_path),)), "EKSA106") == []


def test_eksa106_unreadable_crd_is_config_error(tmp_path: Path) -> None:
    (tmp_path / "bad.yaml").write_text("a: [\n", encoding="utf-8")
    with pytest.raises(ConfigError) as exc:
        user_crd_schemas((str(tmp_path / "bad.yaml"),))
    assert "bad.yaml" in str(exc.value)


def test_crd_converter() -> None:
    s = crd_to_jsonschema({"type": "object", "properties": {"a": {"type": "string", "nullable": True},
                                                            "b": {"x-kubernetes-int-or-string": True}}})
    assert s["additionalProperties"] is False
    assert s["properties"]["a"]["type"] == ["string", "null"]
    assert s["properties"]["b"]["type"] == ["integer", "string"]


def test_rules_are_registered() -> None:
    ids = {r.id for r in all_rules()}
    assert {"EKSA101", "EKSA102", "EKSA103", "EKSA104", "EKSA105", "EKSA106"} <= ids


def test_eksa105_missing_cni_version_is_accepted() -> None:
    # libcni's version decoder treats an absent cniVersion as 0.1.0 (multus-cni examples omit it)
    ok = NAD.format(config="'{\"type\": \"sriov\", \"vlan\": 5}'")
    assert where(findings({"nad.yaml": ok}), "EKSA105") == []
    bad = NAD.format(config="'{\"type\": \"sriov\", \"vlan\": 5000}'")
    assert where(findings({"nad.yaml": bad}), "EKSA105") == [("EKSA105", "nad.yaml", 6, 38)]


HEADERS = {
    "EKSA101": "apiVersion: anywhere.eks.amazonaws.com/v1alpha1\nkind: Cluster\nmetadata: {name: mgmt}\n",
    "EKSA102": "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: p}\n",
    "EKSA103": "apiVersion: cilium.io/v2\nkind: CiliumNetworkPolicy\nmetadata: {name: p}\n",
    "EKSA104": "apiVersion: k8s.cni.cncf.io/v1\nkind: NetworkAttachmentDefinition\nmetadata: {name: n}\n",
    "EKSA105": "apiVersion: k8s.cni.cncf.io/v1\nkind: NetworkAttachmentDefinition\nmetadata: {name: n}\n",
    "EKSA106": "",
}


def _doc_examples(rule_id: str) -> tuple[str, str]:
    import re

    from eksa_lint.registry import get_rule

    doc = get_rule(rule_id).explanation
    blocks = re.findall(r"```yaml\n(.*?)```", doc, re.DOTALL)
    return blocks[0], blocks[1]


@pytest.mark.parametrize("rule_id", sorted(HEADERS))
def test_doc_examples(rule_id: str, tmp_path: Path) -> None:
    from textwrap import dedent

    (tmp_path / "crd.yaml").write_text(CRD, encoding="utf-8")
    bad, good = (HEADERS[rule_id] + dedent(b) for b in _doc_examples(rule_id))
    crds = (str(tmp_path / "crd.yaml"),)
    assert where(findings({"x.yaml": bad}, crds=crds), rule_id), bad
    assert where(findings({"x.yaml": good}, crds=crds), rule_id) == [], good


def test_eksa105_json_syntax_error_inside_block_points_at_the_error() -> None:
    text = NAD.format(config='|\n    {"cniVersion": "0.3.1",\n     "type": "macvlan", "master": "eth1",,\n    }')
    found = findings({"nad.yaml": text})
    assert where(found, "EKSA105") == [("EKSA105", "nad.yaml", 8, 42)]
    assert "at line 2 column 38 of the JSON" in found[0].message


def test_eksa101_machine_config_enum_and_required() -> None:
    text = """
    apiVersion: anywhere.eks.amazonaws.com/v1alpha1
    kind: VSphereMachineConfig
    metadata: {name: cp}
    spec:
      cloneMode: fastClone
      datastore: ds
      folder: f
      memoryMiB: 8192
      numCPUs: 2
      osFamily: bottlerocket
      resourcePool: rp
    """
    found = findings({"m.yaml": text})
    assert where(found, "EKSA101") == [("EKSA101", "m.yaml", 5, 14)]
    assert where(findings({"m.yaml": text.replace("fastClone", "linkedClone")}), "EKSA101") == []
    tdc = "apiVersion: anywhere.eks.amazonaws.com/v1alpha1\nkind: TinkerbellDatacenterConfig\nmetadata: {name: t}\n"
    found = findings({"t.yaml": tdc + "spec:\n  tinkerbelIP: 10.0.0.5\n"})
    msgs = [f.message for f in found if f.rule_id == "EKSA101"]
    assert 'unknown field "tinkerbelIP" in spec; did you mean "tinkerbellIP"?' in msgs
    assert 'missing required field "tinkerbellIP" in spec' in msgs


def test_eksa106_user_crd_replaces_builtin_schema(tmp_path: Path) -> None:
    crd = (CRD.replace("group: example.com", "group: networking.k8s.io")
           .replace("{kind: Widget, plural: widgets}", "{kind: NetworkPolicy, plural: networkpolicies}")
           .replace("size: {type: integer}", "podSelector: {type: object}\n                ingress: {type: array}\n                policyTypes: {type: array}"))
    (tmp_path / "np-crd.yaml").write_text(crd, encoding="utf-8")
    crds = (str(tmp_path / "np-crd.yaml"),)
    ok = NP.format(pt="Ingress", ing="extra").replace("    - ports:\n        - {protocol: TCP, port: 80}", "    a: 1")
    found = findings({"np.yaml": ok}, crds=crds)
    assert where(found, "EKSA102") == [] and where(found, "EKSA106") == []
    found = findings({"np.yaml": NP.format(pt="Ingress", ing="ingres")}, crds=crds)
    assert where(found, "EKSA102") == []
    assert where(found, "EKSA106") == [("EKSA106", "np.yaml", 8, 3)]
