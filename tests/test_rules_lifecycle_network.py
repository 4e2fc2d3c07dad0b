"""EKSA208-212: helmValues pitfalls, clusterNetwork, control-plane endpoint and hardware CSV checks."""

from __future__ import annotations

from textwrap import dedent, indent

from tests.conftest import findings, where


def cluster(network: str, *, provider: str = "TinkerbellDatacenterConfig", endpoint: str = "10.0.0.50",
            extra: str = "") -> str:
    """An EKS-A Cluster; `network` is the YAML body of spec.clusterNetwork (line 9 onwards)."""
    return dedent("""\
        apiVersion: anywhere.eks.amazonaws.com/v1alpha1
        kind: Cluster
        metadata: {name: c1}
        spec:
          eksaVersion: v0.24.0
          datacenterRef: {kind: %s, name: c1}
          controlPlaneConfiguration: {count: 1, endpoint: {host: %s}}
          clusterNetwork:
        %s""") % (provider, endpoint, indent(dedent(network), "    ")) + extra


NET = """\
pods: {cidrBlocks: [192.168.0.0/16]}
services: {cidrBlocks: [10.96.0.0/12]}
"""


def cilium(body: str) -> str:
    return NET + "cniConfig:\n  cilium:\n" + indent(dedent(body), "    ")


def ids(found, rule_id):
    return where(found, rule_id)


# -- EKSA208 -----------------------------------------------------------------------------------------------------


def test_eksa208_flags_each_legacy_field_next_to_helm_values() -> None:
    found = findings({"c.yaml": cluster(cilium("""\
        policyEnforcementMode: always
        routingMode: direct
        helmValues:
          ipam: {mode: kubernetes}
          tunnelProtocol: geneve
        """))})
    assert ids(found, "EKSA208") == [("EKSA208", "c.yaml", 13, 9), ("EKSA208", "c.yaml", 14, 9)]
    msg = next(f.message for f in found if f.rule_id == "EKSA208")
    assert "'always'" in msg and "helmValues" in msg


def test_eksa208_flags_cni_exclusive_and_maps_direct_routing() -> None:
    found = findings({"c.yaml": cluster(cilium("""\
        cniExclusive: false
        routingMode: direct
        helmValues:
          ipam: {mode: kubernetes}
          tunnelProtocol: geneve
        """))})
    assert ids(found, "EKSA208") == [("EKSA208", "c.yaml", 13, 9), ("EKSA208", "c.yaml", 14, 9)]
    msgs = [f.message for f in found if f.rule_id == "EKSA208"]
    assert msgs[0].startswith("cniExclusive: False") and "as cni.exclusive" in msgs[0]
    assert "as routingMode: native plus autoDirectNodeRoutes: true" in msgs[1]
    found = findings({"c.yaml": cluster(cilium("""\
        routingMode: overlay
        helmValues: {ipam: {mode: kubernetes}, tunnelProtocol: geneve, cni: {exclusive: false}}
        """))})
    assert ids(found, "EKSA208") == [("EKSA208", "c.yaml", 13, 9)]
    msg = next(f.message for f in found if f.rule_id == "EKSA208")
    assert "autoDirectNodeRoutes" not in msg and "as routingMode: tunnel" in msg  # the chart's name for overlay
    found = findings({"c.yaml": cluster(cilium("cniExclusive: false\n"))})
    assert ids(found, "EKSA208") == []


def test_eksa208_silent_without_helm_values_and_for_skip_upgrade() -> None:
    found = findings({"c.yaml": cluster(cilium("policyEnforcementMode: always\n"))})
    assert ids(found, "EKSA208") == []
    found = findings({"c.yaml": cluster(cilium("""\
        skipUpgrade: false
        helmValues: {ipam: {mode: kubernetes}, tunnelProtocol: geneve, policyEnforcementMode: always}
        """))})
    assert ids(found, "EKSA208") == []


# -- EKSA209 -----------------------------------------------------------------------------------------------------


def test_eksa209_flags_helm_values_without_ipam_and_tunnel() -> None:
    found = findings({"c.yaml": cluster(cilium("""\
        helmValues:
          hubble: {enabled: true}
        """))})
    assert ids(found, "EKSA209") == [("EKSA209", "c.yaml", 13, 9)]
    msg = next(f.message for f in found if f.rule_id == "EKSA209")
    assert "cluster-pool" in msg and "8472" in msg


def test_eksa209_flags_only_missing_tunnel() -> None:
    found = findings({"c.yaml": cluster(cilium("helmValues: {ipam: {mode: kubernetes}}\n"))})
    assert ids(found, "EKSA209") == [("EKSA209", "c.yaml", 13, 9)]
    msg = next(f.message for f in found if f.rule_id == "EKSA209")
    assert "8472" in msg and "cluster-pool" not in msg


def test_eksa209_flags_only_releases_without_pr_10959() -> None:
    body = cilium("helmValues: {hubble: {enabled: true}}\n")
    found = findings({"c.yaml": cluster(body).replace("v0.24.0", "v0.24.2")})
    assert ids(found, "EKSA209") == [("EKSA209", "c.yaml", 13, 9)]
    msg = next(f.message for f in found if f.rule_id == "EKSA209")
    assert "on EKS-A v0.24.2" in msg and "aws/eks-anywhere#10959" in msg
    found = findings({"c.yaml": cluster(body).replace("v0.24.0", "v0.25.3")})
    assert ids(found, "EKSA209") == [("EKSA209", "c.yaml", 13, 9)]
    assert ids(findings({"c.yaml": cluster(body).replace("v0.24.0", "v0.26.0")}), "EKSA209") == []
    unversioned = cluster(body).replace("  eksaVersion: v0.24.0\n", "")
    assert "eksaVersion" not in unversioned
    assert ids(findings({"c.yaml": unversioned}), "EKSA209") == []


def test_eksa209_silent_with_defaults_or_native_routing() -> None:
    good = cilium("""\
        helmValues:
          hubble: {enabled: true}
          ipam: {mode: kubernetes}
          tunnelProtocol: geneve
        """)
    assert ids(findings({"c.yaml": cluster(good)}), "EKSA209") == []
    native = cilium("helmValues: {ipam: {mode: kubernetes}, routingMode: native, ipv4NativeRoutingCIDR: 10.0.0.0/8}\n")
    assert ids(findings({"c.yaml": cluster(native)}), "EKSA209") == []


# -- EKSA210 -----------------------------------------------------------------------------------------------------


def test_eksa210_flags_pod_cidr_not_larger_than_node_slice() -> None:
    found = findings({"c.yaml": cluster("pods: {cidrBlocks: [192.168.0.0/24]}\nservices: {cidrBlocks: [10.96.0.0/12]}\n")})
    assert ids(found, "EKSA210") == [("EKSA210", "c.yaml", 9, 25)]
    assert "192.168.0.0/24" in next(f.message for f in found if f.rule_id == "EKSA210")


def test_eksa210_points_at_explicit_cidr_mask_size() -> None:
    net = "pods: {cidrBlocks: [10.0.0.0/8]}\nservices: {cidrBlocks: [10.96.0.0/12]}\nnodes: {cidrMaskSize: 25}\n"
    found = findings({"c.yaml": cluster(net)})
    assert ids(found, "EKSA210") == [("EKSA210", "c.yaml", 11, 13)]
    msg = next(f.message for f in found if f.rule_id == "EKSA210")
    assert "17 bits" in msg and "EKS-A's validation" in msg and "kube-controller-manager" not in msg


def test_eksa210_silent_on_nearest_good_masks() -> None:
    net = "pods: {cidrBlocks: [10.0.0.0/8]}\nservices: {cidrBlocks: [10.96.0.0/12]}\nnodes: {cidrMaskSize: 24}\n"
    assert ids(findings({"c.yaml": cluster(net)}), "EKSA210") == []
    net = "pods: {cidrBlocks: [192.168.0.0/23]}\nservices: {cidrBlocks: [10.96.0.0/12]}\n"
    assert ids(findings({"c.yaml": cluster(net)}), "EKSA210") == []


def test_eksa210_flags_missing_several_and_unparsable_blocks() -> None:
    net = "pods: {cidrBlocks: [192.168.0.0/16, 172.16.0.0/16]}\nservices: {cidrBlocks: [10.96.0.0]}\n"
    found = findings({"c.yaml": cluster(net)})
    assert ids(found, "EKSA210") == [("EKSA210", "c.yaml", 9, 41), ("EKSA210", "c.yaml", 10, 29)]
    found = findings({"c.yaml": cluster("pods: {cidrBlocks: []}\nservices: {cidrBlocks: [10.96.0.0/12]}\n")})
    assert ids(found, "EKSA210") == [("EKSA210", "c.yaml", 9, 12)]


# -- EKSA211 -----------------------------------------------------------------------------------------------------

TB_DC = dedent("""\
    ---
    apiVersion: anywhere.eks.amazonaws.com/v1alpha1
    kind: TinkerbellDatacenterConfig
    metadata: {name: c1}
    spec: {tinkerbellIP: %s}
    """)


def test_eksa211_flags_endpoint_equal_to_tinkerbell_ip() -> None:
    found = findings({"c.yaml": cluster(NET, extra=TB_DC % "10.0.0.50")})
    assert ids(found, "EKSA211") == [("EKSA211", "c.yaml", 7, 58)]
    f = next(f for f in found if f.rule_id == "EKSA211")
    assert "10.0.0.50" in f.message and f.related


def test_eksa211_silent_when_tinkerbell_ip_differs() -> None:
    assert ids(findings({"c.yaml": cluster(NET, extra=TB_DC % "10.0.0.51")}), "EKSA211") == []


def test_eksa211_flags_hostname_on_vsphere_but_not_on_cloudstack() -> None:
    found = findings({"c.yaml": cluster(NET, provider="VSphereDatacenterConfig", endpoint="api.example.com")})
    assert ids(found, "EKSA211") == [("EKSA211", "c.yaml", 7, 58)]
    found = findings({"c.yaml": cluster(NET, provider="CloudStackDatacenterConfig", endpoint="api.example.com")})
    assert ids(found, "EKSA211") == []


def test_eksa211_flags_missing_host_except_on_docker() -> None:
    found = findings({"c.yaml": cluster(NET, endpoint='""')})
    assert ids(found, "EKSA211") == [("EKSA211", "c.yaml", 7, 52)]
    assert ids(findings({"c.yaml": cluster(NET, provider="DockerDatacenterConfig", endpoint='""')}), "EKSA211") == []


# -- EKSA212 -----------------------------------------------------------------------------------------------------

HEADER = "hostname,bmc_ip,bmc_username,bmc_password,mac,ip_address,netmask,gateway,nameservers,labels,disk\n"


def test_eksa212_flags_duplicate_ip_at_the_cell() -> None:
    csv = (HEADER
           + "cp1,10.1.0.1,admin,pw,00:00:00:00:00:01,10.0.0.10,255.255.255.0,10.0.0.1,1.1.1.1,type=cp,/dev/sda\n"
           + "cp2,10.1.0.2,admin,pw,00:00:00:00:00:02,10.0.0.10,255.255.255.0,10.0.0.1,1.1.1.1,type=cp,/dev/sda\n")
    found = findings({"hardware.csv": csv})
    assert ids(found, "EKSA212") == [("EKSA212", "hardware.csv", 3, 41)]
    f = next(f for f in found if f.rule_id == "EKSA212")
    assert "line 2" in f.message and f.related


def test_eksa212_silent_on_valid_rows_and_other_csv() -> None:
    csv = (HEADER
           + "cp1,10.1.0.1,admin,pw,00:00:00:00:00:01,10.0.0.10,255.255.255.0,10.0.0.1,1.1.1.1|8.8.8.8,type=cp,/dev/sda\n"
           + "cp2,,,,00:00:00:00:00:02,10.0.0.11,255.255.255.0,10.0.0.1,1.1.1.1,type=cp,/dev/nvme0n1\n")
    assert ids(findings({"hardware.csv": csv}), "EKSA212") == []
    assert ids(findings({"inventory.csv": "hostname\ncp1\ncp1\n"}), "EKSA212") == []


def test_eksa212_flags_bad_cells() -> None:
    csv = (HEADER
           + "CP_1,10.1.0.1,,pw,00:00:00:00:01,10.0.0.300,255.0.255.0,10.0.0.1,1.1.1.1|,type=cp,sda\n")
    found = findings({"hardware.csv": csv})
    cols = sorted(w[3] for w in ids(found, "EKSA212"))
    line = csv.splitlines()[1]
    starts = [0] + [i + 1 for i, ch in enumerate(line) if ch == ","]
    # hostname, bmc_username, mac, ip_address, netmask, nameservers, disk
    assert cols == sorted(starts[i] + 1 for i in (0, 2, 4, 5, 6, 8, 10))
    assert {w[2] for w in ids(found, "EKSA212")} == {2}


def test_eksa212_flags_missing_columns_at_header() -> None:
    csv = "hostname,bmc_ip,mac,ip_address,netmask,gateway,nameservers,disk\n" \
          "cp1,10.1.0.1,00:00:00:00:00:01,10.0.0.10,255.255.255.0,10.0.0.1,1.1.1.1,/dev/sda\n"
    found = findings({"hardware.csv": csv})
    assert ("EKSA212", "hardware.csv", 1, 1) in ids(found, "EKSA212")
    msg = next(f.message for f in found if f.rule_id == "EKSA212" and f.location.line == 1)
    assert "labels" in msg and "bmc_username" in msg


def test_bad_types_do_not_raise() -> None:
    bad = cluster("pods: x\nservices: {cidrBlocks: [1, null]}\nnodes: {cidrMaskSize: true}\n"
                  "cniConfig: {cilium: {helmValues: [1, 2], routingMode: 3}}\n", endpoint="[1, 2]")
    found = findings({"c.yaml": bad, "d.yaml": "apiVersion: anywhere.eks.amazonaws.com/v1alpha1\nkind: Cluster\n"
                                               "metadata: {name: d}\nspec: 5\n"})
    assert not [f for f in found if f.rule_id == "EKSA009"]
    assert ("EKSA210", "c.yaml", 9, 5) in ids(found, "EKSA210")


def test_eksa210_one_finding_when_cluster_network_missing_and_silent_on_fragments() -> None:
    full = cluster(NET).replace("  clusterNetwork:\n" + indent(NET, "    "), "")
    assert "clusterNetwork" not in full
    assert ids(findings({"c.yaml": full}), "EKSA210") == [("EKSA210", "c.yaml", 4, 1)]
    fragment = "apiVersion: anywhere.eks.amazonaws.com/v1alpha1\nkind: Cluster\nmetadata: {name: c1}\nspec:\n" \
               "  workerNodeGroupConfigurations: [{name: md-0, count: 1}]\n"
    assert ids(findings({"c.yaml": fragment}), "EKSA210") == []


def _doc_blocks(rule_id: str, lang: str) -> list[str]:
    from eksa_lint.registry import get_rule

    doc = get_rule(rule_id).explanation
    parts = doc.split(f"```{lang}\n")[1:]
    return [p.split("```", 1)[0] for p in parts]


def test_eksa212_doc_examples() -> None:
    bad, good = _doc_blocks("EKSA212", "csv")
    assert ids(findings({"hardware.csv": bad}), "EKSA212") == [("EKSA212", "hardware.csv", 3, 23)]
    assert ids(findings({"hardware.csv": good}), "EKSA212") == []


def test_eksa209_doc_examples() -> None:
    for block, expected in zip(_doc_blocks("EKSA209", "yaml"), ([("EKSA209", "c.yaml", 13, 9)], [])):
        version, body = dedent(block).split("\n", 1)
        assert version.startswith("eksaVersion: ") and body.startswith("clusterNetwork:\n")
        text = cluster(NET + dedent(body.split("\n", 1)[1])).replace("eksaVersion: v0.24.0", version)
        assert ids(findings({"c.yaml": text}), "EKSA209") == expected


def test_eksa212_checks_the_header_of_a_csv_without_rows() -> None:
    found = findings({"hardware.csv": "hostname,mac,ip_address\n"})
    assert ids(found, "EKSA212") == [("EKSA212", "hardware.csv", 1, 1)]
    assert "netmask" in next(f for f in found if f.rule_id == "EKSA212").message
    assert ids(findings({"hardware.csv": HEADER}), "EKSA212") == []  # a complete header, no machines yet
    assert ids(findings({"hardware.csv": ""}), "EKSA212") == []
