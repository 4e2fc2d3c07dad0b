"""Discovery: which files are loaded (the whole repo root, as context) and which are reported (the PATHS)."""

from __future__ import annotations

import subprocess
from pathlib import Path

from eksa_lint.config import Settings
from eksa_lint.discover import discover, file_kind, find_root

from tests.conftest import lint_tree, write_tree

CM = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {name}\n"
DUP = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n  name: b\n"
NAD = """\
apiVersion: k8s.cni.cncf.io/v1
kind: NetworkAttachmentDefinition
metadata: {name: storage-net, namespace: shop}
spec:
  config: '{"cniVersion": "0.3.1", "type": "macvlan", "master": "eth1", "ipam": {"type": "static"}}'
"""
POD = """\
apiVersion: v1
kind: Pod
metadata:
  name: api
  namespace: shop
  annotations:
    k8s.v1.cni.cncf.io/networks: storage-net
spec:
  containers: [{name: api, image: api}]
"""


def _git(repo: Path, *args: str) -> None:
    subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@example.com", *args], cwd=repo, check=True,
                   capture_output=True)  # fmt: skip


def _files(root: Path, paths: list[str] | None = None, settings: Settings | None = None) -> dict[str, bool]:
    d = discover(paths or ["."], settings or Settings(), str(root))
    return {f.path: f.reported for f in d.files}


def git_repo(tmp_path: Path) -> Path:
    repo = tmp_path / "repo"
    write_tree(repo, {
        "tracked.yaml": CM.format(name="t"), ".gitignore": "build/\n*.tmp.yaml\n",
        "build/out.yaml": DUP, "scratch.tmp.yaml": DUP, "nested/untracked.yml": CM.format(name="u"),
        "cfg/app.json": "{}", "cfg/hardware-east.csv": "hostname\n", "cfg/other.csv": "a,b\n",
        "docs/notes.txt": "x", ".github/workflows/ci.yaml": "on: push\n",
    })  # fmt: skip
    _git(repo, "init", "-q")
    _git(repo, "add", "tracked.yaml", ".gitignore", ".github", "cfg/app.json")
    _git(repo, "commit", "-qm", "init")
    return repo


def test_git_tracked_plus_untracked_not_ignored(tmp_path: Path) -> None:
    repo = git_repo(tmp_path)
    d = discover(["."], Settings(), str(repo))
    assert d.in_git and d.root == str(repo.resolve())
    assert sorted(f.path for f in d.files) == [
        ".github/workflows/ci.yaml", "cfg/app.json", "cfg/hardware-east.csv", "nested/untracked.yml", "tracked.yaml",
    ]  # fmt: skip
    kinds = {f.path: f.kind for f in d.files}
    assert kinds["cfg/hardware-east.csv"] == "csv" and kinds["cfg/app.json"] == "json"


def test_hardware_csv_names_can_be_configured(tmp_path: Path) -> None:
    repo = git_repo(tmp_path)
    files = _files(repo, settings=Settings(hardware=("cfg/other.csv",)))
    assert "cfg/other.csv" in files and "cfg/hardware-east.csv" not in files


def test_file_kinds() -> None:
    s = Settings()
    assert [file_kind(p, s) for p in ("a.YAML", "b.yml", "c.json", "hardware.csv", "x/hardware-2.csv",
                                      "data.csv", "README.txt")] == ["yaml", "yaml", "json", "csv", "csv", None, None]  # fmt: skip


def test_paths_inside_git_report_only_those_and_load_the_root(tmp_path: Path) -> None:
    repo = git_repo(tmp_path)
    files = _files(repo / "nested", ["untracked.yml"])
    assert files["nested/untracked.yml"] is True
    assert files["tracked.yaml"] is False  # context, from the repo root, though cwd is a subfolder
    assert find_root(["untracked.yml"], str(repo / "nested")) == (str(repo.resolve()), True)


def test_walk_outside_git_skips_hidden_node_modules_and_vendor(tmp_path: Path) -> None:
    root = write_tree(tmp_path / "plain", {
        "a.yaml": DUP, "sub/b.yml": DUP, ".hidden/c.yaml": DUP, "node_modules/d.yaml": DUP,
        "vendor/e.yaml": DUP, "sub/vendor/f.yaml": DUP, ".github/workflows/ci.yml": "on: push\n",
    })  # fmt: skip
    d = discover(["."], Settings(), str(root))
    assert not d.in_git and d.root == str(root.resolve())
    assert sorted(f.path for f in d.files) == [".github/workflows/ci.yml", "a.yaml", "sub/b.yml"]


def test_symlinks_out_of_the_tree_are_never_read(tmp_path: Path) -> None:
    outside = write_tree(tmp_path / "outside", {"secret.yaml": DUP, "dir/s.yaml": DUP})
    root = write_tree(tmp_path / "root", {"ok.yaml": CM.format(name="ok")})
    (root / "link.yaml").symlink_to(outside / "secret.yaml")
    (root / "linkdir").symlink_to(outside / "dir", target_is_directory=True)
    (root / "inner.yaml").symlink_to(root / "ok.yaml")  # inside the tree: fine
    assert _files(root) == {"inner.yaml": True, "ok.yaml": True}
    # named explicitly, a link out of the tree is still not followed, and does not move the root
    assert _files(root, ["link.yaml", "linkdir/s.yaml", "ok.yaml"]) == {"inner.yaml": False, "ok.yaml": True}
    assert find_root(["link.yaml"], str(root)) == (str(root.resolve()), False)
    result = lint_tree(root, ["link.yaml", "linkdir"])
    assert result.findings == [] and all("secret" not in f.abspath for f in result.files)


def test_symlink_out_of_a_git_tree(tmp_path: Path) -> None:
    outside = write_tree(tmp_path / "outside", {"secret.yaml": DUP})
    repo = git_repo(tmp_path)
    (repo / "link.yaml").symlink_to(outside / "secret.yaml")
    _git(repo, "add", "link.yaml")
    assert "link.yaml" not in _files(repo)


def test_pre_commit_style_two_files_keep_cross_file_context(tmp_path: Path) -> None:
    """pre-commit passes only the changed files; the NAD the pod names lives in another file."""
    repo = tmp_path / "gitops"
    write_tree(repo, {"nets/nad.yaml": NAD, "apps/pod.yaml": POD, "apps/dup.yaml": DUP, "old/dup.yaml": DUP})
    _git(repo, "init", "-q")
    _git(repo, "add", ".")
    result = lint_tree(repo, ["apps/pod.yaml", "apps/dup.yaml"])
    assert {f.path: f.reported for f in result.files} == {
        "apps/dup.yaml": True, "apps/pod.yaml": True, "nets/nad.yaml": False, "old/dup.yaml": False,
    }  # fmt: skip
    # the pod's network resolves (no EKSA406), and old/dup.yaml's error is not reported
    assert [(f.rule_id, f.path) for f in result.findings] == [("EKSA002", "apps/dup.yaml")]
    # with the NAD renamed, the same two-file run does flag the pod: the context really came from nets/
    (repo / "nets/nad.yaml").write_text(NAD.replace("storage-net", "backup-net"))
    assert [f.rule_id for f in lint_tree(repo, ["apps/pod.yaml"]).findings] == ["EKSA406"]


def test_documents_without_type_meta_are_skipped_silently(tmp_path: Path) -> None:
    root = write_tree(tmp_path / "r", {
        "values.yaml": "replicaCount: 2\nimage: {tag: '1.0'}\n", "app.json": '{"port": 8080}',
        "list.yaml": "- a\n- b\n",
    })  # fmt: skip
    result = lint_tree(root)
    assert len(result.files) == 3 and result.findings == []


def test_excluded_explicit_file_is_not_linted(tmp_path: Path) -> None:
    root = write_tree(tmp_path / "r", {"gen/x.yaml": DUP, "gen/notes.txt": "x", "a.yaml": DUP})
    s = Settings(exclude=("gen",))
    assert _files(root, ["gen/x.yaml", "gen/notes.txt", "a.yaml"], s) == {"a.yaml": True}


def test_path_outside_the_root_is_linted_and_shown_relative(tmp_path: Path) -> None:
    root = write_tree(tmp_path / "r", {"a.yaml": CM.format(name="a")})
    write_tree(tmp_path / "elsewhere", {"b.yaml": DUP})
    files = _files(root, [".", "../elsewhere/b.yaml"])
    assert files == {"../elsewhere/b.yaml": True, "a.yaml": True}


def test_named_symlink_inside_the_tree_is_reported_under_its_name(tmp_path: Path) -> None:
    write_tree(tmp_path, {"real.yaml": "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\n"
                                       "metadata: {name: a, namespace: x}\nspec: {podSelector: {}, policyTypes: [B]}\n"})
    (tmp_path / "link.yaml").symlink_to("real.yaml")
    full = {f.location.path for f in lint_tree(tmp_path).findings}
    assert full == {"real.yaml", "link.yaml"}
    assert {f.location.path for f in lint_tree(tmp_path, ["link.yaml"]).findings} == {"link.yaml"}
