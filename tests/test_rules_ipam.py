from __future__ import annotations

from textwrap import dedent

import pytest
from eksa_lint.registry import get_rule

from tests.conftest import findings, where

CLUSTER = dedent("""\
    apiVersion: anywhere.eks.amazonaws.com/v1alpha1
    kind: Cluster
    metadata: {name: c1}
    spec:
      datacenterRef: {kind: TinkerbellDatacenterConfig, name: c1}
      controlPlaneConfiguration:
        endpoint:
          host: 10.0.0.100
      clusterNetwork:
        pods:
          cidrBlocks: [192.168.0.0/16]
        services:
          cidrBlocks: [10.96.0.0/12]
    ---
    apiVersion: anywhere.eks.amazonaws.com/v1alpha1
    kind: TinkerbellDatacenterConfig
    metadata: {name: c1}
    spec:
      tinkerbellIP: 10.0.0.101
    """)

HARDWARE = dedent("""\
    hostname,mac,ip_address,netmask,gateway,nameservers,labels,disk,bmc_ip,bmc_username,bmc_password
    cp0,00:00:00:00:00:01,10.0.0.11,255.255.255.0,10.0.0.1,8.8.8.8,type=cp,/dev/sda,10.0.1.11,admin,pw
    """)


def nad(ipam: str, name: str = "net1", plugin: str = '"type": "macvlan", "master": "eth1"') -> str:
    """A NAD whose one-line config puts "ipam" on line 5; its keys' columns are easy to count."""
    return dedent(f"""\
        apiVersion: k8s.cni.cncf.io/v1
        kind: NetworkAttachmentDefinition
        metadata: {{name: {name}}}
        spec:
          config: '{{{plugin}, "ipam": {ipam}}}'
        """)


def col(text: str, needle: str) -> int:
    """1-based column of `needle` on line 5 of a nad() document."""
    return text.splitlines()[4].index(needle) + 1


def ids(found: list, rule_id: str) -> list[str]:
    return [f.message for f in found if f.rule_id == rule_id]


# -- EKSA501 ipam-range-invalid ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("ipam", "key", "words"),
    [
        ('{"type": "host-local", "subnet": "10.1.0.0/33"}', '"subnet"', "not a CIDR"),
        ('{"type": "host-local", "subnet": "10.1.0.5/24"}', '"subnet"', "host bits"),
        ('{"type": "host-local", "subnet": "10.1.0.0/31"}', '"subnet"', "too small"),
        (
            '{"type": "host-local", "subnet": "10.1.0.0/24", "rangeStart": "10.1.1.5"}',
            '"rangeStart"',
            "outside",
        ),
        (
            '{"type": "host-local", "subnet": "10.1.0.0/24", "rangeEnd": "10.1.0.x"}',
            '"rangeEnd"',
            "not an IP",
        ),
        (
            '{"type": "host-local", "subnet": "10.1.0.0/24", "rangeStart": "10.1.0.50", "rangeEnd": "10.1.0.10"}',
            '"rangeEnd"',
            "before rangeStart",
        ),
        ('{"type": "host-local", "subnet": "10.1.0.0/24", "gateway": "10.2.0.1"}', '"gateway"', "outside"),
        (
            '{"type": "whereabouts", "range": "10.1.0.0/24", "range_start": "10.1.1.5"}',
            '"range_start"',
            "ignores it silently",
        ),
        (
            '{"type": "whereabouts", "range": "10.1.0.0/24", "range_end": "10.9.0.5"}',
            '"range_end"',
            "outside",
        ),
        ('{"type": "whereabouts", "range": "10.1.0.200/24"}', '"range"', "range_start"),
        (
            '{"type": "whereabouts", "range": "10.1.0.0/24", "exclude": ["10.1.0.1"]}',
            '"10.1.0.1"',
            "not a CIDR",
        ),
        ('{"type": "static", "addresses": [{"address": "10.1.0.5"}]}', '"address"', "not a CIDR"),
    ],
)
def test_501_flags_the_offending_key(ipam: str, key: str, words: str) -> None:
    text = nad(ipam)
    found = findings({"nad.yaml": text})
    assert where(found, "EKSA501") == [("EKSA501", "nad.yaml", 5, col(text, key))]
    assert words in ids(found, "EKSA501")[0]


def test_501_range_set_overlap_and_mixed_families() -> None:
    text = nad(
        '{"type": "host-local", "ranges": [[{"subnet": "10.1.0.0/24"}, {"subnet": "10.1.0.128/25"}], '
        '[{"subnet": "10.2.0.0/24"}, {"subnet": "fd00::/64"}]]}'
    )
    found = findings({"nad.yaml": text})
    line = text.splitlines()[4]
    second = line.index('"subnet"', line.index("10.1.0.128") - 12) + 1
    v6 = line.index('"subnet": "fd00') + 1
    assert where(found, "EKSA501") == [("EKSA501", "nad.yaml", 5, second), ("EKSA501", "nad.yaml", 5, v6)]
    assert "overlaps range" in ids(found, "EKSA501")[0]
    assert "mixes IPv4" in ids(found, "EKSA501")[1]


def test_501_conflist_plugin_path() -> None:
    text = dedent("""\
        apiVersion: k8s.cni.cncf.io/v1
        kind: NetworkAttachmentDefinition
        metadata: {name: net1}
        spec:
          config: |
            {"cniVersion": "0.4.0", "name": "n", "plugins": [
              {"type": "macvlan", "master": "eth1",
               "ipam": {"type": "host-local", "subnet": "10.1.0.0/24", "rangeStart": "10.1.9.1"}}]}
        """)
    assert where(findings({"nad.yaml": text}), "EKSA501") == [("EKSA501", "nad.yaml", 8, 64)]


def test_501_nearest_valid_configs_are_silent() -> None:
    good = [
        (
            '{"type": "host-local", "subnet": "10.1.0.0/30", "rangeStart": "10.1.0.1", "rangeEnd": "10.1.0.2", '
            '"gateway": "10.1.0.1"}'
        ),
        (
            '{"type": "host-local", "ranges": [[{"subnet": "10.1.0.0/25"}, {"subnet": "10.1.0.128/25"}], '
            '[{"subnet": "fd00::/64"}]]}'
        ),
        '{"type": "whereabouts", "range": "10.1.0.1/24"}',
        '{"type": "whereabouts", "range": "10.1.0.225-10.1.0.230/24", "exclude": ["10.1.0.226/32"]}',
        '{"type": "whereabouts", "range": "10.1.0.200/24", "range_start": "10.1.0.200"}',
        '{"type": "static", "addresses": [{"address": "10.1.0.5/24"}]}',
        '{"type": "dhcp"}',
    ]
    for i, ipam in enumerate(good):
        assert where(findings({f"n{i}.yaml": nad(ipam)}), "EKSA501") == [], ipam


@pytest.mark.parametrize(
    "ipam",
    [
        '"x"',
        "[1, 2]",
        "null",
        '{"type": "host-local", "subnet": 5}',
        '{"type": "host-local", "ranges": "a"}',
        '{"type": "host-local", "ranges": [[1, "x", null]]}',
        '{"type": "whereabouts", "range": ["a"]}',
        '{"type": "whereabouts", "range": "10.0.0.0/24", "exclude": "x", "ipRanges": [3, {"range": null}]}',
        '{"type": "static", "addresses": [1, {"address": 7}]}',
    ],
)
def test_bad_types_never_raise(ipam: str) -> None:
    found = findings({"nad.yaml": nad(ipam), "cluster.yaml": CLUSTER})
    assert not [f for f in found if f.rule_id == "EKSA009"]


# -- EKSA502 ipam-gateway-allocatable ----------------------------------------------------------------------------


def test_502_whereabouts_gateway_in_range() -> None:
    text = nad('{"type": "whereabouts", "range": "10.10.0.0/24", "gateway": "10.10.0.1"}')
    found = findings({"nad.yaml": text})
    assert where(found, "EKSA502") == [("EKSA502", "nad.yaml", 5, col(text, '"gateway"'))]
    assert '"10.10.0.1/32" to "exclude"' in ids(found, "EKSA502")[0]


@pytest.mark.parametrize(
    "ipam",
    [
        '{"type": "whereabouts", "range": "10.10.0.0/24", "exclude": ["10.10.0.1/32"], "gateway": "10.10.0.1"}',
        '{"type": "whereabouts", "range": "10.10.0.0/24", "range_start": "10.10.0.10", "gateway": "10.10.0.1"}',
        '{"type": "host-local", "subnet": "10.10.0.0/24", "gateway": "10.10.0.1"}',
    ],
)
def test_502_excluded_outside_or_host_local_is_silent(ipam: str) -> None:
    assert where(findings({"nad.yaml": nad(ipam)}), "EKSA502") == []


# -- EKSA503 ipam-pool-overlap -----------------------------------------------------------------------------------


def test_503_host_local_and_whereabouts_overlap_points_at_the_later_nad() -> None:
    a = nad('{"type": "host-local", "subnet": "10.20.0.0/24"}', "net-a")
    b = nad('{"type": "whereabouts", "range": "10.20.0.0/25"}', "net-b")
    found = findings({"a.yaml": a, "b.yaml": b, "cluster.yaml": CLUSTER})
    assert where(found, "EKSA503") == [("EKSA503", "b.yaml", 5, col(b, '"range"'))]
    f = next(f for f in found if f.rule_id == "EKSA503")
    assert 'NAD "net-a"' in f.message


def test_503_static_address_inside_another_pool() -> None:
    a = nad('{"type": "whereabouts", "range": "10.20.0.0/24"}', "net-a")
    b = nad('{"type": "static", "addresses": [{"address": "10.20.0.7/24"}]}', "net-b")
    found = findings({"a.yaml": a, "b.yaml": b, "cluster.yaml": CLUSTER})
    assert where(found, "EKSA503") == [("EKSA503", "b.yaml", 5, col(b, '"address"'))]


def test_503_same_whereabouts_pool_disjoint_or_different_clusters_are_silent() -> None:
    same1 = nad('{"type": "whereabouts", "range": "10.20.0.0/24", "network_name": "blue"}', "net-a")
    same2 = nad('{"type": "whereabouts", "range": "10.20.0.0/24", "network_name": "blue"}', "net-b")
    assert where(findings({"a.yaml": same1, "b.yaml": same2, "cluster.yaml": CLUSTER}), "EKSA503") == []
    other = nad('{"type": "whereabouts", "range": "10.20.0.0/24", "network_name": "red"}', "net-b")
    assert len(where(findings({"a.yaml": same1, "b.yaml": other, "cluster.yaml": CLUSTER}), "EKSA503")) == 1
    disjoint = nad('{"type": "whereabouts", "range": "10.20.1.0/24"}', "net-b")
    assert where(findings({"a.yaml": same1, "b.yaml": disjoint, "cluster.yaml": CLUSTER}), "EKSA503") == []
    c2 = CLUSTER.replace("name: c1", "name: c2")
    files = {"x/c.yaml": CLUSTER, "x/a.yaml": same1, "y/c.yaml": c2, "y/b.yaml": other}
    assert where(findings(files), "EKSA503") == []


# -- EKSA504 ipam-overlaps-cluster-cidr --------------------------------------------------------------------------


def test_504_pool_in_pods_cidr() -> None:
    text = nad('{"type": "host-local", "subnet": "192.168.10.0/24"}')
    found = findings({"nad.yaml": text, "cluster.yaml": CLUSTER})
    assert where(found, "EKSA504") == [("EKSA504", "nad.yaml", 5, col(text, '"subnet"'))]
    assert "pods CIDR 192.168.0.0/16" in ids(found, "EKSA504")[0]


def test_504_whereabouts_in_services_cidr() -> None:
    text = nad('{"type": "whereabouts", "range": "10.100.0.0/24"}')
    found = findings({"nad.yaml": text, "cluster.yaml": CLUSTER})
    assert where(found, "EKSA504") == [("EKSA504", "nad.yaml", 5, col(text, '"range"'))]
    assert "services CIDR 10.96.0.0/12" in ids(found, "EKSA504")[0]


def test_504_outside_both_or_no_cluster_is_silent() -> None:
    text = nad('{"type": "host-local", "subnet": "172.30.10.0/24"}')
    assert where(findings({"nad.yaml": text, "cluster.yaml": CLUSTER}), "EKSA504") == []
    bad = nad('{"type": "host-local", "subnet": "192.168.10.0/24"}')
    assert where(findings({"nad.yaml": bad}), "EKSA504") == []


# -- EKSA505 ipam-overlaps-node-address --------------------------------------------------------------------------


def test_505_pool_contains_endpoint_tinkerbell_and_hardware() -> None:
    text = nad('{"type": "whereabouts", "range": "10.0.0.0/23"}')
    found = findings({"nad.yaml": text, "cluster.yaml": CLUSTER, "hardware.csv": HARDWARE})
    assert where(found, "EKSA505") == [("EKSA505", "nad.yaml", 5, col(text, '"range"'))]
    msg = ids(found, "EKSA505")[0]
    for part in (
        "control-plane endpoint 10.0.0.100",
        "tinkerbellIP 10.0.0.101",
        "node ip_address of hardware cp0",
        "BMC bmc_ip",
        "5 node address",
    ):
        assert part in msg


def test_505_excluded_or_range_outside_nodes_is_silent() -> None:
    narrowed = nad(
        '{"type": "whereabouts", "range": "10.0.0.0/24", "range_start": "10.0.0.200", '
        '"range_end": "10.0.0.250"}'
    )
    excluded = nad('{"type": "whereabouts", "range": "10.0.0.96/28", "exclude": ["10.0.0.96/29"]}')
    for text in (narrowed, excluded):
        assert (
            where(findings({"nad.yaml": text, "cluster.yaml": CLUSTER, "hardware.csv": HARDWARE}), "EKSA505")
            == []
        )
    host_local_gw = nad(
        '{"type": "host-local", "subnet": "10.0.0.0/24", "rangeStart": "10.0.0.1", '
        '"rangeEnd": "10.0.0.10", "gateway": "10.0.0.1"}'
    )
    found = findings({"nad.yaml": host_local_gw, "cluster.yaml": CLUSTER, "hardware.csv": HARDWARE})
    assert where(found, "EKSA505") == []


# -- EKSA506 cluster-cidr-overlap --------------------------------------------------------------------------------


def test_506_pods_services_overlap_points_at_the_services_entry() -> None:
    text = CLUSTER.replace("cidrBlocks: [10.96.0.0/12]", "cidrBlocks: [192.168.0.0/20]")
    found = findings({"cluster.yaml": text})
    assert where(found, "EKSA506") == [("EKSA506", "cluster.yaml", 13, 20)]
    assert "overlaps pods CIDR 192.168.0.0/16" in ids(found, "EKSA506")[0]


def test_506_node_addresses_inside_cidrs() -> None:
    text = CLUSTER.replace("host: 10.0.0.100", "host: 192.168.1.10").replace("10.0.0.101", "10.96.0.5")
    hw = HARDWARE.replace("10.0.0.11,", "192.168.5.5,")
    found = findings({"cluster.yaml": text, "hardware.csv": hw})
    assert where(found, "EKSA506") == [
        ("EKSA506", "cluster.yaml", 8, 13),
        ("EKSA506", "cluster.yaml", 19, 17),
        ("EKSA506", "hardware.csv", 2, 23),
    ]


def test_506_disjoint_plan_is_silent() -> None:
    assert where(findings({"cluster.yaml": CLUSTER, "hardware.csv": HARDWARE}), "EKSA506") == []


# -- docs examples -----------------------------------------------------------------------------------------------


def test_every_rule_documents_source_and_examples() -> None:
    for rid in ("EKSA501", "EKSA502", "EKSA503", "EKSA504", "EKSA505", "EKSA506"):
        doc = get_rule(rid).explanation
        for section in ("## Example", "## Use instead", "## Source"):
            assert section in doc, (rid, section)


def test_501_doc_examples() -> None:
    bad = nad(
        '{"type": "host-local", "subnet": "198.17.0.0/24", "rangeStart": "198.17.1.200", '
        '"rangeEnd": "198.17.0.216"}',
        plugin='"type": "ipvlan", "master": "eth1"',
    )
    good = bad.replace("198.17.1.200", "198.17.0.200")
    assert len(where(findings({"nad.yaml": bad}), "EKSA501")) == 1
    assert where(findings({"nad.yaml": good}), "EKSA501") == []


def test_503_to_506_doc_examples() -> None:
    a = nad('{"type": "host-local", "subnet": "10.20.0.0/24"}', "net-a")
    bad_b = nad('{"type": "whereabouts", "range": "10.20.0.0/25"}', "net-b")
    good_b = bad_b.replace("10.20.0.0/25", "10.20.1.0/25")
    assert len(where(findings({"a.yaml": a, "b.yaml": bad_b}), "EKSA503")) == 0  # different files, no Cluster
    assert len(where(findings({"a.yaml": a, "b.yaml": bad_b, "c.yaml": CLUSTER}), "EKSA503")) == 1
    assert where(findings({"a.yaml": a, "b.yaml": good_b, "c.yaml": CLUSTER}), "EKSA503") == []
    bad_c = CLUSTER.replace("[192.168.0.0/16]", "[10.96.0.0/12]").replace(
        "[10.96.0.0/12]\n---", "[10.96.0.0/16]\n---"
    )
    assert (
        "services CIDR 10.96.0.0/16 overlaps pods CIDR 10.96.0.0/12"
        in ids(findings({"c.yaml": bad_c}), "EKSA506")[0]
    )


def test_503_one_finding_per_later_nad_naming_the_first_in_path_order() -> None:
    a = nad('{"type": "whereabouts", "range": "10.30.0.128/25"}', "net-a")
    b = nad('{"type": "host-local", "subnet": "10.30.1.0/24"}', "net-b")
    c = nad('{"type": "host-local", "subnet": "10.30.0.0/23"}', "net-c")
    found = findings({"a.yaml": a, "b.yaml": b, "c.yaml": c, "k.yaml": CLUSTER})
    assert where(found, "EKSA503") == [("EKSA503", "c.yaml", 5, col(c, '"subnet"'))]
    f = next(f for f in found if f.rule_id == "EKSA503")
    assert 'NAD "net-a"' in f.message


def test_503_many_disjoint_nads_stay_fast() -> None:
    files = {
        f"n{i}.yaml": nad(f'{{"type": "host-local", "subnet": "10.{i // 250}.{i % 250}.0/24"}}', f"n{i}")
        for i in range(1500)
    }
    files["k.yaml"] = CLUSTER
    assert where(findings(files, select=["EKSA503"]), "EKSA503") == []


def test_505_and_506_use_only_the_owning_clusters_hardware() -> None:
    other = (
        CLUSTER.replace("name: c1", "name: c2")
        .replace("10.0.0.100", "10.5.0.100")
        .replace("10.0.0.101", "10.5.0.101")
    )
    hw = HARDWARE.replace("10.0.0.11,", "10.7.0.11,").replace("10.0.1.11,", "192.168.3.3,")
    pool = nad('{"type": "whereabouts", "range": "10.7.0.0/24"}')
    files = {"x/cluster.yaml": CLUSTER, "x/nad.yaml": pool, "y/cluster.yaml": other, "y/hardware.csv": hw}
    found = findings(files)
    assert where(found, "EKSA505") == []
    assert where(found, "EKSA506") == [("EKSA506", "y/hardware.csv", 2, 81)]
    files["x/hardware.csv"] = files.pop("y/hardware.csv")
    found = findings(files)
    assert where(found, "EKSA505") == [("EKSA505", "x/nad.yaml", 5, col(pool, '"range"'))]
    f = next(f for f in found if f.rule_id == "EKSA505")
    assert [(loc.path, loc.line) for loc, _ in f.related] == [("x/hardware.csv", 2)]


def test_501_overlapping_range_sets_and_empty_set() -> None:
    text = nad(
        '{"type": "host-local", "ranges": [[{"subnet": "10.1.0.0/24"}], [{"subnet": "10.1.0.0/25"}], []]}'
    )
    found = findings({"nad.yaml": text})
    line = text.splitlines()[4]
    assert where(found, "EKSA501") == [
        ("EKSA501", "nad.yaml", 5, line.rindex('"subnet"') + 1),
        ("EKSA501", "nad.yaml", 5, line.rindex("[]") + 1),
    ]
    assert "earlier range set" in ids(found, "EKSA501")[0]
    assert "empty range set" in ids(found, "EKSA501")[1]


def test_bare_metal_fixture_repo() -> None:
    from pathlib import Path

    from eksa_lint.config import Settings

    from tests.conftest import lint_tree

    root = Path(__file__).parent / "fixtures" / "ipam" / "baremetal"
    s = Settings()
    s.select = ("EKSA501", "EKSA502", "EKSA503", "EKSA504", "EKSA505", "EKSA506")
    found = [f for f in lint_tree(root, settings=s).findings if f.suppressed is None]
    got = sorted((rid, Path(path).name, line, col) for rid, path, line, col in where(found))
    assert got == [
        ("EKSA501", "nads.yaml", 50, 9),
        ("EKSA502", "nads.yaml", 33, 9),
        ("EKSA503", "nads.yaml", 32, 9),
        ("EKSA504", "nads.yaml", 49, 9),
        ("EKSA505", "nads.yaml", 66, 9),
    ]


def test_501_and_504_whereabouts_ip_ranges() -> None:
    text = nad(
        '{"type": "whereabouts", "ipRanges": [{"range": "172.31.0.0/24"}, '
        '{"range": "192.168.7.0/24", "range_start": "192.168.8.1"}]}'
    )
    found = findings({"nad.yaml": text, "cluster.yaml": CLUSTER})
    line = text.splitlines()[4]
    assert where(found, "EKSA501") == [("EKSA501", "nad.yaml", 5, col(text, '"range_start"'))]
    assert where(found, "EKSA504") == [("EKSA504", "nad.yaml", 5, line.rindex('"range"') + 1)]


def test_503_each_nad_alone_gets_what_the_whole_run_gives_it(tmp_path) -> None:
    """A one-file run parses only the NADs before the reported one: the findings must not change."""
    from eksa_lint.config import Settings
    from eksa_lint.engine import lint

    from tests.conftest import write_tree

    nets = {  # path order a < b < c < d; b and d overlap a, c overlaps nothing; a reported alone has nothing
        "k/a.yaml": nad('{"type": "host-local", "subnet": "10.30.0.0/23"}', "net-a"),
        "k/b.yaml": nad('{"type": "whereabouts", "range": "10.30.1.0/24"}', "net-b"),
        "k/c.yaml": nad('{"type": "whereabouts", "range": "10.40.0.0/24"}', "net-c"),
        "k/d.yaml": nad('{"type": "static", "addresses": [{"address": "10.30.0.9/23"}]}', "net-d"),
    }
    write_tree(tmp_path, {"k/cluster.yaml": CLUSTER, "other/cluster.yaml": CLUSTER.replace("name: c1", "name: c9"),
                          "other/x.yaml": nad('{"type": "host-local", "subnet": "10.30.0.0/16"}', "net-x"),
                          **nets})  # fmt: skip
    s = Settings(cache=False, select=("EKSA503",))
    whole = [(f.location.path, f.location.line, f.message) for f in lint(["."], s, cwd=str(tmp_path)).findings]
    assert sorted({p for p, _, _ in whole}) == ["k/b.yaml", "k/d.yaml"], whole  # not other/x: another cluster
    for path in nets:
        alone = [(f.location.path, f.location.line, f.message) for f in lint([path], s, cwd=str(tmp_path)).findings]
        assert alone == [w for w in whole if w[0] == path], path
