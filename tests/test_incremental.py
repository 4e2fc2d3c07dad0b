"""A run on some files (pre-commit) must report exactly what a run on the whole repo reports for those files.

Rules loop over `repo.subjects` and read the rest of the repo as context, and context files come from the
lazy cache; these tests lint each file alone (cold cache, warm cache, no cache) and compare with the full run.
"""

from __future__ import annotations

import os
import random
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from eksa_lint.config import Settings
from eksa_lint.findings import Finding

from tests.conftest import lint_tree, write_tree

ROOT = Path(__file__).resolve().parents[1]

# Cross-file interactions: each finding here depends on another file.
CROSS = {
    "c1/cluster.yaml": """
        apiVersion: anywhere.eks.amazonaws.com/v1alpha1
        kind: Cluster
        metadata: {name: one}
        spec:
          kubernetesVersion: "1.31"
          clusterNetwork:
            cniConfig: {cilium: {policyEnforcementMode: always}}
            pods: {cidrBlocks: [192.168.0.0/16]}
            services: {cidrBlocks: [10.96.0.0/12]}
          controlPlaneConfiguration:
            count: 1
            endpoint: {host: 10.1.1.10}
            machineGroupRef: {kind: TinkerbellMachineConfig, name: cp}
          datacenterRef: {kind: TinkerbellDatacenterConfig, name: dc}
        ---
        apiVersion: anywhere.eks.amazonaws.com/v1alpha1
        kind: TinkerbellDatacenterConfig
        metadata: {name: dc}
        spec: {tinkerbellIP: 10.1.1.20}
    """,
    "c1/hardware.csv": "hostname,mac,ip_address,netmask,gateway,nameservers,labels,disk\n"
                       "h1,00:00:00:00:00:01,10.1.1.30,255.255.255.0,10.1.1.1,8.8.8.8,type=cp,/dev/sda\n",
    "c1/cni/flannel.yaml": """
        apiVersion: apps/v1
        kind: DaemonSet
        metadata: {name: kube-flannel-ds, namespace: kube-flannel}
        spec:
          selector: {matchLabels: {app: flannel}}
          template:
            metadata: {labels: {app: flannel}}
            spec: {containers: [{name: f, image: flannel}]}
    """,
    "c1/net/a.yaml": """
        apiVersion: k8s.cni.cncf.io/v1
        kind: NetworkAttachmentDefinition
        metadata: {name: net-a, namespace: shop}
        spec:
          config: '{"cniVersion": "0.3.1", "type": "macvlan", "master": "eth1",
            "ipam": {"type": "whereabouts", "range": "10.1.1.0/24"}}'
    """,
    "c1/net/b.yaml": """
        apiVersion: k8s.cni.cncf.io/v1
        kind: NetworkAttachmentDefinition
        metadata: {name: net-b, namespace: shop}
        spec:
          config: '{"cniVersion": "0.3.1", "type": "macvlan", "master": "eth1",
            "ipam": {"type": "whereabouts", "range": "10.1.1.128/25"}}'
    """,
    "c1/net/static.yaml": """
        apiVersion: k8s.cni.cncf.io/v1
        kind: NetworkAttachmentDefinition
        metadata: {name: net-s, namespace: shop}
        spec:
          config: '{"cniVersion": "0.3.1", "type": "macvlan", "master": "eth1", "ipam": {"type": "static"}}'
    """,
    "c1/apps/web.yaml": """
        apiVersion: apps/v1
        kind: Deployment
        metadata: {name: web, namespace: shop}
        spec:
          replicas: 1
          selector: {matchLabels: {app: web}}
          template:
            metadata:
              labels: {app: web}
              annotations:
                k8s.v1.cni.cncf.io/networks: '[{"name": "net-s", "ips": ["10.2.0.5/24"]}, {"name": "missing"}]'
            spec: {containers: [{name: c, image: nginx}]}
    """,
    "c1/apps/api.yaml": """
        apiVersion: apps/v1
        kind: Deployment
        metadata: {name: api, namespace: shop}
        spec:
          replicas: 1
          selector: {matchLabels: {app: api}}
          template:
            metadata:
              labels: {app: api}
              annotations:
                k8s.v1.cni.cncf.io/networks: '[{"name": "net-s", "ips": ["10.2.0.5/24"]}]'
            spec: {containers: [{name: c, image: nginx}]}
    """,
    "c1/apps/batch.yaml": """
        apiVersion: apps/v1
        kind: Deployment
        metadata: {name: batch, namespace: jobs}
        spec:
          selector: {matchLabels: {app: batch}}
          template:
            metadata: {labels: {app: batch}}
            spec: {containers: [{name: c, image: busybox}]}
    """,
    "c1/policies/deny.yaml": """
        apiVersion: networking.k8s.io/v1
        kind: NetworkPolicy
        metadata: {name: deny-egress, namespace: shop}
        spec:
          podSelector: {}
          policyTypes: [Egress]
        ---
        apiVersion: networking.k8s.io/v1
        kind: NetworkPolicy
        metadata: {name: typo, namespace: shop}
        spec:
          podSelector: {matchLabels: {app: wbe}}
          policyTypes: [Ingress]
    """,
    "c1/policies/fqdn.yaml": """
        apiVersion: cilium.io/v2
        kind: CiliumNetworkPolicy
        metadata: {name: fqdn, namespace: shop}
        spec:
          endpointSelector: {matchLabels: {app: api}}
          egress:
            - toFQDNs: [{matchName: api.github.com}]
    """,
    "c1/policies/l7.yaml": """
        apiVersion: cilium.io/v2
        kind: CiliumNetworkPolicy
        metadata: {name: l7, namespace: shop}
        spec:
          endpointSelector: {matchLabels: {app: web}}
          ingress:
            - toPorts:
                - ports: [{port: "80", protocol: TCP}]
                  rules: {http: [{method: GET}]}
    """,
    "c1/scripts/swap.sh": "#!/bin/sh\ncilium uninstall\n",
}


def _key(f: Finding) -> tuple[object, ...]:
    loc = f.location
    return (f.rule_id, loc.path, loc.line, loc.col, loc.end_line, loc.end_col, f.message, f.severity,
            f.suppressed, tuple((r.path, r.line, r.col) for r, _ in f.related))


def _by_file(findings: list[Finding]) -> dict[str, list[tuple[object, ...]]]:
    out: dict[str, list[tuple[object, ...]]] = {}
    for f in findings:
        out.setdefault(f.location.path, []).append(_key(f))
    return out


def _check_each_file_alone(root: Path, files: list[str], settings: Settings | None = None) -> int:
    full = lint_tree(root, ["."], settings)
    assert full.internal_errors == 0
    expected = _by_file(full.findings)
    # only files the full run checks (a file named on the command line is linted even inside vendor/)
    linted = {f.path for f in full.files}
    files = [f for f in files if f in linted]
    checked = 0
    for rel in files:
        one = lint_tree(root, [rel], settings)
        assert one.internal_errors == 0, rel
        assert {f.path for f in one.files if f.reported} == {rel}
        got = _by_file(one.findings)
        assert got.get(rel, []) == expected.get(rel, []), rel
        assert set(got) <= {rel}, f"only {rel} is reported"
        checked += bool(expected.get(rel))
    return checked


def _yaml_files(root: Path) -> list[str]:
    return sorted(str(p.relative_to(root)) for p in root.rglob("*")
                  if p.is_file() and not any(part.startswith(".") for part in p.relative_to(root).parts))


def _git(root: Path, *args: str) -> None:
    subprocess.run(["git", "-c", "user.email=t@t", "-c", "user.name=t", *args], cwd=root, check=True,
                   capture_output=True)


@pytest.mark.parametrize(("cache", "git"), [(True, False), (False, False), (True, True)])
def test_cross_file_findings_are_the_same_one_file_at_a_time(tmp_path: Path, cache: bool, git: bool) -> None:
    write_tree(tmp_path, CROSS)
    (tmp_path / ".eksa-lint.yaml").write_text("hosts: {interfaces: [eth0, eth1], primary-interface: eth0}\n")
    if git:  # files come from git, and the cache is keyed by git's entries
        _git(tmp_path, "init", "-q")
        _git(tmp_path, "add", ".")
        _git(tmp_path, "commit", "-qm", "x")
    s = Settings(cache=cache)
    full = lint_tree(tmp_path, ["."], s)
    rules = {f.rule_id for f in full.findings}
    # the interactions this tree is made of are really there
    assert {"EKSA201", "EKSA406", "EKSA407", "EKSA503", "EKSA505", "EKSA603", "EKSA604", "EKSA605",
            "EKSA607", "EKSA301"} <= rules, sorted(rules)
    files = _yaml_files(tmp_path)
    assert _check_each_file_alone(tmp_path, files, s) == 8
    if cache:  # once more, every context file now from a warm cache
        assert _check_each_file_alone(tmp_path, files, s) == 8


def test_examples_one_file_at_a_time(tmp_path: Path) -> None:
    shutil.copytree(ROOT / "examples", tmp_path / "examples")
    files = _yaml_files(tmp_path)
    assert _check_each_file_alone(tmp_path, files) >= 4


def test_bench_repo_one_file_at_a_time(tmp_path: Path) -> None:
    sys.path.insert(0, str(ROOT / "bench"))
    try:
        import bench
    finally:
        sys.path.remove(str(ROOT / "bench"))
    bench.generate(tmp_path, 140)
    files = _yaml_files(tmp_path)
    random.Random(3).shuffle(files)
    assert _check_each_file_alone(tmp_path, files[:60]) >= 3


def test_corpus_sample_one_file_at_a_time(tmp_path: Path, shared: Path) -> None:
    shutil.copytree(shared / "corpus", tmp_path / "corpus", symlinks=True)
    files = _yaml_files(tmp_path)
    random.Random(5).shuffle(files)
    assert _check_each_file_alone(tmp_path, files[:40]) >= 10


POLICY_T = ("apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: p, namespace: shop}\n"
            "spec:\n  podSelector: {matchLabels: {app: web}}\n")
DEPLOY_T = ("apiVersion: apps/v1\nkind: Deployment\nmetadata: {{name: d, namespace: shop}}\nspec:\n"
            "  selector: {{matchLabels: {{app: {app}}}}}\n  template:\n    metadata: {{labels: {{app: {app}}}}}\n"
            "    spec: {{containers: [{{name: c, image: nginx}}]}}\n")


def test_git_states_of_a_context_file_are_all_seen(tmp_path: Path) -> None:
    """A context file moves through git's states (modified, staged, committed, restored, deleted, untracked,
    renamed); each one-file run must see its current content, whether the cache keyed it by git's entry or
    by its stat key."""
    deploy = DEPLOY_T
    write_tree(tmp_path, {"policy.yaml": POLICY_T, "apps/deploy.yaml": deploy.format(app="web"),
                          "README.txt": "x"})
    _git(tmp_path, "init", "-q")
    _git(tmp_path, "add", ".")
    _git(tmp_path, "commit", "-qm", "x")
    d = tmp_path / "apps" / "deploy.yaml"

    def finds() -> bool:
        full = [(f.rule_id, f.location.line) for f in lint_tree(tmp_path, ["."], Settings(cache=False)).findings
                if f.rule_id == "EKSA604"]
        one = [(f.rule_id, f.location.line) for f in lint_tree(tmp_path, ["policy.yaml"]).findings
               if f.rule_id == "EKSA604"]
        assert one == full
        return bool(one)

    assert not finds() and not finds()  # cold, then warm
    d.write_text(deploy.format(app="wab"))  # modified, not staged
    assert finds()
    _git(tmp_path, "add", "apps/deploy.yaml")  # staged: clean again, under a new index entry
    assert finds()
    _git(tmp_path, "commit", "-qm", "y")
    assert finds()
    _git(tmp_path, "checkout", "HEAD~1", "--", "apps/deploy.yaml")  # restored: staged and clean
    assert not finds()
    d.write_text(deploy.format(app="wab"))
    assert finds()
    _git(tmp_path, "checkout", "--", "apps/deploy.yaml")  # a modified file back to its index entry
    assert not finds()
    _git(tmp_path, "mv", "apps/deploy.yaml", "apps/moved.yaml")
    assert not finds()
    (tmp_path / "apps" / "moved.yaml").unlink()  # deleted in the worktree, still in the index
    assert not finds()  # no workload left in the namespace: nothing to compare with
    (tmp_path / "apps" / "new.yaml").write_text(deploy.format(app="wab"))  # untracked
    assert finds()
    (tmp_path / "apps" / "new.yaml").write_text(deploy.format(app="web"))
    assert not finds()
    (tmp_path / "notes.md").write_text("a new file that is not a manifest\n")
    _git(tmp_path, "add", "-A")
    assert not finds()


def _ctx_files(root: Path) -> tuple[str, str]:
    """A committed repo: a policy and, in another file, the Deployment it misses (EKSA604)."""
    policy, deploy = POLICY_T, DEPLOY_T
    write_tree(root, {"policy.yaml": policy, "dep.yaml": deploy.format(app="wab")})
    _git(root, "init", "-q")
    _git(root, "add", ".")
    _git(root, "commit", "-qm", "x")
    return policy, deploy


def _one_and_full(root: Path) -> tuple[list[tuple[str, int]], list[tuple[str, int]]]:
    one = [(f.rule_id, f.location.line) for f in lint_tree(root, ["policy.yaml"]).findings]
    full = [(f.rule_id, f.location.line) for f in lint_tree(root, ["."], Settings(cache=False)).findings
            if f.location.path == "policy.yaml"]
    return one, full


def test_in_place_edit_git_calls_clean_under_trustctime_false(tmp_path: Path) -> None:
    """core.trustctime=false: an in-place edit keeping size and mtime is clean to git; not to the cache."""
    _, deploy = _ctx_files(tmp_path)
    _git(tmp_path, "config", "core.trustctime", "false")
    one, full = _one_and_full(tmp_path)
    assert one == full == [("EKSA604", 5)]
    dep = tmp_path / "dep.yaml"
    st = dep.stat()
    with open(dep, "r+", encoding="utf-8") as fh:  # same inode, same size
        fh.write(deploy.format(app="web"))
    os.utime(dep, ns=(st.st_atime_ns, st.st_mtime_ns))
    assert _one_and_full(tmp_path) == ([], [])


def test_smudge_filter_changing_a_clean_file_is_seen(tmp_path: Path) -> None:
    """A filter added and the file checked out again: same blob, new bytes on disk, git says clean."""
    _ctx_files(tmp_path)
    assert _one_and_full(tmp_path)[0] == [("EKSA604", 5)]
    (tmp_path / ".gitattributes").write_text("dep.yaml filter=sw\n")
    _git(tmp_path, "config", "filter.sw.smudge", "sed s/wab/web/")
    _git(tmp_path, "config", "filter.sw.clean", "sed s/web/wab/")
    (tmp_path / "dep.yaml").unlink()
    _git(tmp_path, "checkout", "--", "dep.yaml")
    assert "app: web" in (tmp_path / "dep.yaml").read_text()
    assert _one_and_full(tmp_path) == ([], [])
