"""Rules declare the kinds they report on (`reports_on`); a run skips, and does not import, the rules that cannot
report in its reported files. These tests hold the mechanism to that; conftest's EKSA_LINT_CHECK_SCOPES makes every
other test check each finding against its rule's declaration."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from eksa_lint import registry
from eksa_lint.config import load_settings
from eksa_lint.engine import RunResult, ScopeError
from eksa_lint.engine import lint as _lint
from eksa_lint.record import replace
from eksa_lint.registry import all_rules, in_scope, module_scopes, rule_names
from eksa_lint.rule_index import MODULES, RULES

from tests.conftest import dedent, write_tree

CLUSTER = """\
    apiVersion: anywhere.eks.amazonaws.com/v1alpha1
    kind: Cluster
    metadata: {name: c1}
    spec:
      datacenterRef: {kind: TinkerbellDatacenterConfig, name: c1}
      clusterNetwork:
        pods: {cidrBlocks: [192.168.0.0/16]}
        services: {cidrBlocks: [10.96.0.0/12]}
    """
NAD = """\
    apiVersion: k8s.cni.cncf.io/v1
    kind: NetworkAttachmentDefinition
    metadata: {name: net1, namespace: apps}
    spec:
      config: '{"cniVersion": "0.3.1", "type": "macvlan", "master": "eth9", "ipam": {"type": "static"}}'
    """
POLICY = """\
    apiVersion: networking.k8s.io/v1
    kind: NetworkPolicy
    metadata: {name: deny, namespace: apps}
    spec:
      podSelector: {}
      policyTypes: [Ingress]
    """
HOSTS = "hosts: {interfaces: [eth0, eth1], primary-interface: eth0}\n"


def _repo(tmp_path: Path) -> Path:
    write_tree(tmp_path, {"c1/cluster.yaml": dedent(CLUSTER), "c1/apps/nad.yaml": dedent(NAD),
                          "c1/apps/policy.yaml": dedent(POLICY), ".eksa-lint.yaml": HOSTS})  # fmt: skip
    return tmp_path


def lint(paths: list[str], cwd: str) -> RunResult:
    return _lint(paths, load_settings(cwd, None, cache=False), cwd=cwd)


def test_every_rule_has_a_scope_or_none_and_the_index_is_the_declarations() -> None:
    rules = all_rules()
    assert module_scopes(rules) == {m: s for m, s in MODULES.items()}  # also test_docs_drift, via the generator
    assert rule_names() == RULES == {r.id: r.name for r in rules}
    # the loader's and EKSA106's findings can be anywhere; the rest name what they report on
    anywhere = sorted(r.id for r in rules if r.reports_on is None)
    assert anywhere == [r.id for r in rules if r.engine] + ["EKSA106"]


def test_scope_globs_and_file_tags() -> None:
    bgp = next(r for r in all_rules() if r.id == "EKSA306")
    assert in_scope(bgp, frozenset({"CiliumBGPPeeringPolicy", "file:yaml"}))
    assert not in_scope(bgp, frozenset({"CiliumBG", "BGPPeeringPolicy", "file:yaml"}))
    csv = next(r for r in all_rules() if r.id == "EKSA212")
    assert in_scope(csv, frozenset({"file:csv"})) and not in_scope(csv, frozenset({"file:yaml", "Cluster"}))


def test_one_policy_file_imports_and_runs_only_the_rules_for_policies(tmp_path: Path) -> None:
    repo = _repo(tmp_path)
    code = (
        "import sys; from eksa_lint.engine import lint; from eksa_lint.config import load_settings;"
        "r = lint(['c1/apps/policy.yaml'], load_settings('.', None));"
        "print(sorted(m.rsplit('.', 1)[1] for m in sys.modules if m.startswith('eksa_lint.rules.')));"
        "print(sorted(x.id for x in r.rules if x.module.endswith(('nad', 'ipam', 'lifecycle'))))"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=repo, capture_output=True, text=True, check=True).stdout
    modules, ran = out.splitlines()
    assert modules == "['loader', 'policy', 'schema_rules']"
    assert ran == "[]"


def test_one_file_runs_find_what_the_whole_repo_run_finds_there(tmp_path: Path) -> None:
    repo = _repo(tmp_path)
    whole = lint(["."], cwd=str(repo))
    assert {f.rule_id for f in whole.findings} >= {"EKSA402"}, whole.findings  # eth9 is no host interface
    for path in ("c1/cluster.yaml", "c1/apps/nad.yaml", "c1/apps/policy.yaml"):
        one = lint([path], cwd=str(repo))
        assert [(f.rule_id, f.location.line, f.location.col) for f in one.findings] == [
            (f.rule_id, f.location.line, f.location.col) for f in whole.findings if f.location.path == path
        ], path


def test_suppressing_a_rule_that_cannot_report_here_is_unused_in_both_runs(tmp_path: Path) -> None:
    repo = _repo(tmp_path)
    policy = repo / "c1" / "apps" / "policy.yaml"
    policy.write_text(policy.read_text().replace("kind: NetworkPolicy", "kind: NetworkPolicy  # eksa-lint: disable=EKSA402"))
    for paths in (["."], ["c1/apps/policy.yaml"]):
        got = [(f.rule_id, f.location.path, f.location.line) for f in lint(paths, cwd=str(repo)).findings
               if f.rule_id == "EKSA008"]  # fmt: skip
        assert got == [("EKSA008", "c1/apps/policy.yaml", 2)], paths


def test_a_finding_outside_the_declared_scope_stops_a_checked_run(tmp_path: Path,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    repo = _repo(tmp_path)
    wrong = replace(registry._REGISTRY["EKSA402"], reports_on=frozenset({"Cluster"}))
    monkeypatch.setitem(registry._REGISTRY, "EKSA402", wrong)
    with pytest.raises(ScopeError, match=r"EKSA402 reported in c1/apps/nad.yaml"):
        lint(["."], cwd=str(repo))
    # without the switch (as users run it) the wrongly declared rule is skipped for the NAD file alone
    monkeypatch.setattr("eksa_lint.engine.CHECK_SCOPES", False)
    assert "EKSA402" not in {f.rule_id for f in lint(["c1/apps/nad.yaml"], cwd=str(repo)).findings}
