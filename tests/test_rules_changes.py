"""Change-aware rules (EKSA7xx) against real git histories built in temp folders."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from eksa_lint.config import Settings
from eksa_lint.engine import Engine
from eksa_lint.gitbase import BaseRevisionError, load_base

from tests.conftest import dedent, where

CLUSTER = """\
apiVersion: anywhere.eks.amazonaws.com/v1alpha1
kind: Cluster
metadata:
  name: edge
spec:
  eksaVersion: {eksa}
  clusterNetwork:
    cniConfig:
      cilium:
        skipUpgrade: {skip}
    pods:
      cidrBlocks:
        - {pods}
    services:
      cidrBlocks:
        - 10.96.0.0/12
  controlPlaneConfiguration:
    count: 1
    endpoint:
      host: 10.0.0.10
  datacenterRef:
    kind: TinkerbellDatacenterConfig
    name: edge
"""


def _git(repo: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True, text=True).stdout


def _repo(tmp_path: Path, **fields: str) -> Path:
    repo = tmp_path / "gitops"
    (repo / "clusters").mkdir(parents=True)
    _git(repo, "init", "-q")
    _git(repo, "config", "user.email", "ci@example.com")
    _git(repo, "config", "user.name", "ci")
    _write(repo, **fields)
    _git(repo, "add", "-A")
    _git(repo, "commit", "-qm", "base")
    return repo


def _write(repo: Path, eksa: str = "v0.20.0", skip: str = "true", pods: str = "192.168.0.0/16",
           name: str = "edge") -> None:  # fmt: skip
    text = CLUSTER.format(eksa=eksa, skip=skip, pods=pods).replace("name: edge\nspec", f"name: {name}\nspec")
    (repo / "clusters" / "edge.yaml").write_text(text)


def _run(repo: Path, rev: str = "HEAD") -> list[tuple[str, str, int, int]]:
    s = Settings(select=("EKSA7",))
    base = load_base(str(repo.resolve()), rev, s)
    res = Engine(s).run(["."], cwd=str(repo), base=base)
    return where(res.findings)


def test_silent_without_changes_and_without_base(tmp_path: Path) -> None:
    repo = _repo(tmp_path)
    assert _run(repo) == []
    res = Engine(Settings(select=("EKSA7",))).run(["."], cwd=str(repo))
    assert res.findings == []


def test_pod_cidr_change_is_flagged_at_the_changed_key(tmp_path: Path) -> None:
    repo = _repo(tmp_path)
    _write(repo, pods="10.244.0.0/16")
    assert _run(repo) == [("EKSA701", "clusters/edge.yaml", 11, 5)]


def test_reordering_cidr_blocks_is_not_a_change(tmp_path: Path) -> None:
    repo = _repo(tmp_path)
    text = (repo / "clusters" / "edge.yaml").read_text()
    (repo / "clusters" / "edge.yaml").write_text("# a comment moves every line\n" + text)
    assert _run(repo) == []


def test_rename_is_flagged_at_the_name(tmp_path: Path) -> None:
    repo = _repo(tmp_path)
    _write(repo, name="edge-2")
    assert _run(repo) == [("EKSA701", "clusters/edge.yaml", 4, 9)]


def test_cni_plugin_change(tmp_path: Path) -> None:
    repo = _repo(tmp_path)
    text = (repo / "clusters" / "edge.yaml").read_text()
    text = text.replace("      cilium:\n        skipUpgrade: true\n", "      kindnetd: {}\n")
    (repo / "clusters" / "edge.yaml").write_text(text)
    assert ("EKSA702", "clusters/edge.yaml", 8, 5) in _run(repo)


def test_skip_upgrade_toggled_off_before_v024(tmp_path: Path) -> None:
    repo = _repo(tmp_path)
    _write(repo, skip="false")
    assert _run(repo) == [("EKSA703", "clusters/edge.yaml", 10, 9)]


def test_skip_upgrade_toggled_off_allowed_from_v024(tmp_path: Path) -> None:
    repo = _repo(tmp_path, eksa="v0.24.0")
    _write(repo, eksa="v0.24.0", skip="false")
    assert _run(repo) == []


def test_against_an_older_commit_with_origin_style_revision(tmp_path: Path) -> None:
    repo = _repo(tmp_path)
    first = _git(repo, "rev-parse", "HEAD").strip()
    _write(repo, pods="10.244.0.0/16")
    _git(repo, "commit", "-qam", "change pods")
    assert _run(repo, first) == [("EKSA701", "clusters/edge.yaml", 11, 5)]
    assert _run(repo, "HEAD") == []


def test_missing_revision_is_a_clear_error(tmp_path: Path) -> None:
    repo = _repo(tmp_path)
    with pytest.raises(BaseRevisionError, match="no such revision"):
        load_base(str(repo), "origin/main", Settings())


def test_head_in_a_repo_without_commits_means_no_base(tmp_path: Path) -> None:
    repo = tmp_path / "new"
    repo.mkdir()
    _git(repo, "init", "-q")
    (repo / "c.yaml").write_text(dedent(CLUSTER.format(eksa="v0.20.0", skip="true", pods="10.1.0.0/16")))
    assert load_base(str(repo), "HEAD", Settings()) is None


def test_base_is_read_only_when_a_cluster_is_reported(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The pre-commit hook passes --base HEAD on every commit: a commit that touches no Cluster must not pay
    for reading the repo at HEAD; one that touches a Cluster must get the change-aware findings."""
    import io

    from eksa_lint import gitbase
    from eksa_lint.app import CheckRequest, run_check

    repo = _repo(tmp_path)
    _write(repo, pods="10.10.0.0/16")
    (repo / "policy.yaml").write_text(dedent("""
        apiVersion: networking.k8s.io/v1
        kind: NetworkPolicy
        metadata: {name: p, namespace: shop}
        spec: {podSelector: {}, policyTypes: [Ingress]}
    """))
    reads: list[str] = []
    real = gitbase.load_commit

    def counting(*args: object) -> object:
        reads.append(str(args[1]))
        return real(*args)  # type: ignore[arg-type]

    monkeypatch.setattr(gitbase, "load_commit", counting)

    def check(path: str) -> tuple[int, str]:
        out = io.StringIO()
        code = run_check(CheckRequest([path], Settings(), base="HEAD", cwd=str(repo)), out, io.StringIO())
        return code, out.getvalue()

    code, out = check("policy.yaml")
    assert code == 0 and "EKSA" not in out and reads == []
    code, out = check("clusters/edge.yaml")
    assert reads == ["HEAD"] and code == 1 and "EKSA701" in out


def test_same_named_clusters_in_two_files_are_each_compared_with_their_own_past(tmp_path: Path) -> None:
    """Two folders (environments, fixtures) define a Cluster of the same name: each file's cluster is compared
    with the one that was in that file, not with the other file's (a false EKSA701 before)."""
    repo = _repo(tmp_path)
    other = (repo / "clusters" / "edge.yaml").read_text().replace("host: 10.0.0.10", "host: 10.0.0.20")
    (repo / "staging").mkdir()
    (repo / "staging" / "edge.yaml").write_text(other)
    _git(repo, "add", "-A")
    _git(repo, "commit", "-qm", "staging")
    assert _run(repo) == []
    (repo / "staging" / "edge.yaml").write_text(other.replace("192.168.0.0/16", "10.244.0.0/16"))
    assert _run(repo) == [("EKSA701", "staging/edge.yaml", 11, 5)]


def test_a_commit_read_once_is_read_back_from_the_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A commit never changes: the second read of HEAD comes from .eksa-lint-cache/ (not git), same result."""
    from eksa_lint import gitbase

    repo = _repo(tmp_path)
    (repo / ".eksa-lint-cache").mkdir()
    _write(repo, pods="10.244.0.0/16")
    assert _run(repo) == [("EKSA701", "clusters/edge.yaml", 11, 5)]
    assert list((repo / ".eksa-lint-cache").glob("base-*.marshal"))

    def no_git(*args: object, **kwargs: object) -> None:
        raise AssertionError("read from git again")

    monkeypatch.setattr(gitbase, "_read_commit", no_git)
    assert _run(repo) == [("EKSA701", "clusters/edge.yaml", 11, 5)]
    s = Settings(select=("EKSA7",), cache=False)  # without the cache, git is asked
    with pytest.raises(AssertionError, match="read from git again"):
        load_base(str(repo.resolve()), "HEAD", s)
