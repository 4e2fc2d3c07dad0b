from __future__ import annotations

from textwrap import dedent

from eksa_lint.findings import ERROR, WARNING
from eksa_lint.registry import get_rule

from tests.conftest import findings, where


def cluster(network: str, version: str = "v0.19.0", meta: str = "{name: c1}", mgmt: str = "c1",
            dc: str = "TinkerbellDatacenterConfig") -> str:
    body = dedent(network).strip("\n").replace("\n", "\n    ")
    head = (f"apiVersion: anywhere.eks.amazonaws.com/v1alpha1\nkind: Cluster\nmetadata: {meta}\nspec:\n"
            f"  eksaVersion: {version}\n  managementCluster: {{name: {mgmt}}}\n"
            f"  datacenterRef: {{kind: {dc}, name: c1}}\n  clusterNetwork:\n")
    return head + "    " + body + "\n"


FLANNEL = """\
apiVersion: apps/v1
kind: DaemonSet
metadata: {name: kube-flannel-ds, namespace: kube-flannel}
spec: {}
"""
CILIUM_DEFAULT = "cniConfig:\n  cilium: {}"
SKIP = "cniConfig:\n  cilium: {skipUpgrade: true}"


# -- EKSA201 ---------------------------------------------------------------------------------------------------------

def test_eksa201_flags_flannel_daemonset_at_cilium() -> None:
    found = findings({"c/cluster.yaml": cluster(CILIUM_DEFAULT), "c/flannel.yaml": FLANNEL})
    assert where(found, "EKSA201") == [("EKSA201", "c/cluster.yaml", 10, 7)]
    f = next(f for f in found if f.rule_id == "EKSA201")
    assert "Flannel" in f.message and "skipUpgrade" in f.message
    assert [(r.path, r.line) for r, _ in f.related] == [("c/flannel.yaml", 3)]
    assert f.fix is not None and f.fix.operation == (
        "set", ("spec", "clusterNetwork", "cniConfig", "cilium"), "skipUpgrade", "true")


def test_eksa201_message_asks_to_remove_policy_mode() -> None:
    net = "cniConfig:\n  cilium: {policyEnforcementMode: always}"
    found = findings({"cluster.yaml": cluster(net), "f.yaml": FLANNEL})
    assert "remove policyEnforcementMode" in next(f.message for f in found if f.rule_id == "EKSA201")


def test_eksa201_silent_with_skip_upgrade_true() -> None:
    found = findings({"c/cluster.yaml": cluster(SKIP), "c/flannel.yaml": FLANNEL})
    assert where(found, "EKSA201") == []


def test_eksa201_silent_without_signal() -> None:
    assert where(findings({"c/cluster.yaml": cluster(CILIUM_DEFAULT)}), "EKSA201") == []


def test_eksa201_flags_skip_upgrade_false_and_falls_back_to_cluster_network() -> None:
    found = findings({"cluster.yaml": cluster("cniConfig:\n  cilium: {skipUpgrade: false}"), "f.yaml": FLANNEL})
    assert "is False" in next(f.message for f in found if f.rule_id == "EKSA201")
    found = findings({"cluster.yaml": cluster("pods: {cidrBlocks: [192.168.0.0/16]}"), "f.yaml": FLANNEL})
    assert where(found, "EKSA201") == [("EKSA201", "cluster.yaml", 8, 3)]
    assert next(f for f in found if f.rule_id == "EKSA201").fix is None


def test_eksa201_cilium_uninstall_in_script_not_in_comment() -> None:
    script = "#!/bin/sh\n# cilium uninstall  (documented only)\nkubectl get nodes\n  cilium uninstall --wait\n"
    found = findings({"c/cluster.yaml": cluster(CILIUM_DEFAULT), "c/swap-cni.sh": script})
    f = next(f for f in found if f.rule_id == "EKSA201")
    assert [(r.path, r.line, r.col) for r, _ in f.related] == [("c/swap-cni.sh", 4, 3)]
    commented = "#!/bin/sh\n# cilium uninstall\necho done  # then run cilium uninstall\n"
    found = findings({"c/cluster.yaml": cluster(CILIUM_DEFAULT), "c/swap-cni.sh": commented})
    assert where(found, "EKSA201") == []


def test_eksa201_cilium_uninstall_in_makefile_and_workflow() -> None:
    make = "swap:\n\t@echo swapping\n\tcilium uninstall\n"
    wf = "on: push\njobs:\n  swap:\n    runs-on: ubuntu-latest\n    steps:\n      - run: cilium uninstall\n"
    for name, text, pos in (("Makefile", make, (3, 2)), (".github/workflows/cni.yml", wf, (6, 14))):
        found = findings({"cluster.yaml": cluster(CILIUM_DEFAULT), name: text})
        f = next(f for f in found if f.rule_id == "EKSA201")
        assert [(r.path, r.line, r.col) for r, _ in f.related] == [(name, *pos)], name


def test_eksa201_cilium_helm_release_and_argo_app() -> None:
    flux = """\
    apiVersion: helm.toolkit.fluxcd.io/v2
    kind: HelmRelease
    metadata: {name: cilium, namespace: kube-system}
    spec: {chart: {spec: {chart: cilium, sourceRef: {kind: HelmRepository, name: cilium}}}}
    """
    argo = """\
    apiVersion: argoproj.io/v1alpha1
    kind: Application
    metadata: {name: cni}
    spec: {source: {repoURL: https://helm.cilium.io, chart: cilium, targetRevision: 1.16.1}}
    """
    for extra in (flux, argo):
        found = findings({"cluster.yaml": cluster(CILIUM_DEFAULT), "cni.yaml": extra})
        assert where(found, "EKSA201") == [("EKSA201", "cluster.yaml", 10, 7)]
    other = flux.replace("chart: cilium,", "chart: hubble-ui,")
    assert where(findings({"cluster.yaml": cluster(CILIUM_DEFAULT), "cni.yaml": other}), "EKSA201") == []


def test_eksa201_ownership_by_folder_and_no_cluster() -> None:
    files = {"a/cluster.yaml": cluster(CILIUM_DEFAULT), "b/cluster.yaml": cluster(SKIP, meta="{name: c2}"),
             "b/flannel.yaml": FLANNEL}
    assert where(findings(files), "EKSA201") == []  # the flannel belongs to b (skipUpgrade: true)
    assert where(findings({"flannel.yaml": FLANNEL}), "EKSA201") == []


def test_eksa201_silent_for_kindnetd_cluster() -> None:
    found = findings({"cluster.yaml": cluster("cniConfig:\n  kindnetd: {}", dc="DockerDatacenterConfig"),
                      "f.yaml": FLANNEL})
    assert where(found, "EKSA201") == []


# -- EKSA205 ---------------------------------------------------------------------------------------------------------

def test_eksa205_flags_workload_cluster_without_annotation() -> None:
    found = findings({"w/cluster.yaml": cluster(SKIP, meta="{name: w1}", mgmt="mgmt"), "w/f.yaml": FLANNEL})
    assert where(found, "EKSA205") == [("EKSA205", "w/cluster.yaml", 3, 1)]
    assert "anywhere.eks.amazonaws.com/eksa-cilium" in next(f.message for f in found if f.rule_id == "EKSA205")


def test_eksa205_silent_with_annotation_or_on_management_cluster() -> None:
    meta = '{name: w1, annotations: {anywhere.eks.amazonaws.com/eksa-cilium: ""}}'
    found = findings({"cluster.yaml": cluster(SKIP, meta=meta, mgmt="mgmt"), "f.yaml": FLANNEL})
    assert where(found, "EKSA205") == []
    found = findings({"cluster.yaml": cluster(SKIP), "f.yaml": FLANNEL})  # management cluster (itself)
    assert where(found, "EKSA205") == []


# -- EKSA206 ---------------------------------------------------------------------------------------------------------

def test_eksa206_both_cni_and_cni_config() -> None:
    found = findings({"c.yaml": cluster("cni: cilium\n" + CILIUM_DEFAULT)})
    assert where(found, "EKSA206") == [("EKSA206", "c.yaml", 9, 5)]


def test_eksa206_deprecated_cni_is_a_warning_unknown_cni_an_error() -> None:
    found = findings({"c.yaml": cluster("cni: cilium")})
    assert where(found, "EKSA206") == [("EKSA206", "c.yaml", 9, 5)]
    assert next(f for f in found if f.rule_id == "EKSA206").severity == WARNING
    found = findings({"c.yaml": cluster("cni: calico")})
    f = next(f for f in found if f.rule_id == "EKSA206")
    assert f.severity == ERROR and "'calico'" in f.message


def test_eksa206_cni_config_plugins() -> None:
    found = findings({"c.yaml": cluster("cniConfig: {}")})
    assert where(found, "EKSA206") == [("EKSA206", "c.yaml", 9, 5)]
    found = findings({"c.yaml": cluster("cniConfig:\n  cilium: {}\n  kindnetd: {}")})
    assert where(found, "EKSA206") == [("EKSA206", "c.yaml", 11, 7)]
    found = findings({"c.yaml": cluster("cniConfig:\n  kindnetd: {}")})  # Tinkerbell
    assert where(found, "EKSA206") == [("EKSA206", "c.yaml", 10, 7)]


def test_eksa206_no_cni_at_all_and_cilium_enterprise() -> None:
    found = findings({"c.yaml": cluster("pods: {cidrBlocks: [192.168.0.0/16]}")})
    assert where(found, "EKSA206") == [("EKSA206", "c.yaml", 8, 3)]
    assert "no cni plugin specified" in next(f.message for f in found if f.rule_id == "EKSA206")
    found = findings({"c.yaml": cluster("cni: cilium-enterprise")})  # defaulted to cilium: only deprecated
    assert [f.severity for f in found if f.rule_id == "EKSA206"] == [WARNING]


def test_eksa206_corpus_empty_cni_fixture(shared) -> None:
    from eksa_lint.config import Settings
    from eksa_lint.engine import lint

    root = shared / "corpus" / "aws__eks-anywhere" / "pkg" / "api" / "v1alpha1" / "testdata"
    result = lint(["cluster_empty_cni.yaml"], Settings(select=("EKSA206",)), cwd=str(root))
    assert [(f.rule_id, f.location.line, f.location.col) for f in result.findings] == [("EKSA206", 22, 3)]


def test_eksa206_silent_for_valid_configs() -> None:
    assert where(findings({"c.yaml": cluster(CILIUM_DEFAULT)}), "EKSA206") == []
    docker = cluster("cniConfig:\n  kindnetd: {}", dc="DockerDatacenterConfig")
    assert where(findings({"c.yaml": docker}), "EKSA206") == []


# -- EKSA207 ---------------------------------------------------------------------------------------------------------

def test_eksa207_policy_and_routing_modes() -> None:
    found = findings({"c.yaml": cluster("cniConfig:\n  cilium: {policyEnforcementMode: Always, routingMode: native}")})
    assert where(found, "EKSA207") == [("EKSA207", "c.yaml", 10, 16), ("EKSA207", "c.yaml", 10, 47)]
    assert "'Always'" in found[0].message or any("'Always'" in f.message for f in found)
    ok = cluster("cniConfig:\n  cilium: {policyEnforcementMode: always, routingMode: direct}")
    assert where(findings({"c.yaml": ok}), "EKSA207") == []


def test_eksa207_native_cidrs() -> None:
    bad = "cniConfig:\n  cilium:\n    routingMode: direct\n    ipv4NativeRoutingCIDR: 10.1.0.0/33\n" \
          "    ipv6NativeRoutingCIDR: 10.1.0.0/16"
    found = findings({"c.yaml": cluster(bad)})
    assert where(found, "EKSA207") == [("EKSA207", "c.yaml", 12, 9), ("EKSA207", "c.yaml", 13, 9)]
    overlay = "cniConfig:\n  cilium:\n    ipv4NativeRoutingCIDR: 10.1.0.0/16"
    found = findings({"c.yaml": cluster(overlay)})
    assert where(found, "EKSA207") == [("EKSA207", "c.yaml", 11, 9)]
    good = "cniConfig:\n  cilium:\n    routingMode: direct\n    ipv4NativeRoutingCIDR: 10.1.0.0/16"
    assert where(findings({"c.yaml": cluster(good)}), "EKSA207") == []


def test_eksa207_field_newer_than_eksa_version() -> None:
    net = "cniConfig:\n  cilium:\n    egressMasqueradeInterfaces: eth0\n    helmValues: {ipam: {mode: kubernetes}}"
    found = findings({"c.yaml": cluster(net, version="v0.23.1")})
    assert where(found, "EKSA207") == [("EKSA207", "c.yaml", 12, 9)]
    assert "v0.24.0" in next(f.message for f in found if f.rule_id == "EKSA207")
    assert where(findings({"c.yaml": cluster(net, version="v0.24.0")}), "EKSA207") == []
    found = findings({"c.yaml": cluster(net, version="v0.16.2")})
    assert [w[2] for w in where(found, "EKSA207")] == [11, 12]


# -- robustness and docs ---------------------------------------------------------------------------------------------

def test_bad_types_do_not_raise() -> None:
    for net in ("cni: [1, 2]", "cniConfig: x", "cniConfig: [1]", "cniConfig: {cilium: 3}",
                "cniConfig:\n  cilium: {ipv4NativeRoutingCIDR: 5, routingMode: [1], policyEnforcementMode: null}",
                "null"):
        found = findings({"c.yaml": cluster(net, version="null"), "f.yaml": FLANNEL,
                          "s.sh": "cilium uninstall\n"})
        assert not [f for f in found if f.rule_id == "EKSA009"], net
    found = findings({"c.yaml": "apiVersion: anywhere.eks.amazonaws.com/v1alpha1\nkind: Cluster\nmetadata: x\n"
                                "spec: [1]\n", "f.yaml": FLANNEL})
    assert not [f for f in found if f.rule_id == "EKSA009"]


def _doc_block(rule_id: str, heading: str) -> str:
    text = get_rule(rule_id).explanation
    part = text.split(f"## {heading}", 1)[1]
    return dedent(part.split("```yaml", 1)[1].split("```", 1)[0])


def test_eksa206_207_doc_examples() -> None:
    for rid in ("EKSA206", "EKSA207"):
        bad, good = _doc_block(rid, "Example"), _doc_block(rid, "Use instead")
        ver = "v0.18.0" if rid == "EKSA207" else "v0.19.0"

        def wrap(block: str, ver: str = ver) -> str:
            lines = [ln for ln in block.strip("\n").splitlines() if not ln.startswith("eksaVersion")]
            body = "\n".join(lines)
            if body.startswith("clusterNetwork:"):
                body = body.split("\n", 1)[1]
            return cluster(dedent(body), version=ver)

        assert where(findings({"c.yaml": wrap(bad)}), rid), rid
        assert where(findings({"c.yaml": wrap(good, "v0.19.0")}), rid) == [], rid


def test_eksa201_205_doc_examples() -> None:
    bad = findings({"c/cluster.yaml": cluster(CILIUM_DEFAULT, meta="{name: w01}", mgmt="mgmt"),
                    "c/f.yaml": FLANNEL})
    assert {f.rule_id for f in bad} >= {"EKSA201", "EKSA205"}
    meta = '{name: w01, annotations: {anywhere.eks.amazonaws.com/eksa-cilium: ""}}'
    good = findings({"c/cluster.yaml": cluster(SKIP, meta=meta, mgmt="mgmt"), "c/f.yaml": FLANNEL})
    assert not {f.rule_id for f in good} & {"EKSA201", "EKSA205"}


def test_eksa201_unsafe_fix_sets_skip_upgrade(tmp_path) -> None:
    from io import StringIO

    from eksa_lint.app import CheckRequest, run_check
    from eksa_lint.config import Settings

    from tests.conftest import write_tree

    block = "cniConfig:\n  cilium:\n    skipUpgrade: false  # we run flannel"
    write_tree(tmp_path, {"c.yaml": cluster(block), "f.yaml": FLANNEL})
    before = (tmp_path / "c.yaml").read_text()
    req = CheckRequest(["."], Settings(select=("EKSA201",)), fix=True, cwd=str(tmp_path))
    assert run_check(req, StringIO(), StringIO()) == 1
    assert (tmp_path / "c.yaml").read_text() == before  # unsafe: not applied by --fix alone
    req = CheckRequest(["."], Settings(select=("EKSA201",)), fix=True, unsafe_fixes=True, cwd=str(tmp_path))
    assert run_check(req, StringIO(), StringIO()) == 0
    after = (tmp_path / "c.yaml").read_text()
    assert after == before.replace("skipUpgrade: false", "skipUpgrade: true")


def test_eksa207_empty_policy_mode_is_the_default() -> None:
    """EKS-A accepts policyEnforcementMode: "" (unset); only other values are rejected."""
    ok = cluster('cniConfig:\n  cilium: {policyEnforcementMode: ""}')
    assert where(findings({"c.yaml": ok}), "EKSA207") == []
    bad = cluster('cniConfig:\n  cilium: {policyEnforcementMode: " "}')
    assert where(findings({"c.yaml": bad}), "EKSA207") == [("EKSA207", "c.yaml", 10, 16)]
