"""The pre-commit hook, run by the real pre-commit against a real git repo."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

PROJECT = Path(__file__).resolve().parents[1]

BAD_POLICY = """\
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: web
  name: web-v2
spec:
  podSelector: {}
"""

CLEAN_POLICY = """\
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: web
  namespace: shop
spec:
  podSelector:
    matchLabels:
      app: web
  policyTypes: [Ingress]
  ingress:
    - from:
        - podSelector:
            matchLabels:
              app: frontend
"""


def test_hooks_file_is_valid(shared: Path) -> None:
    jsonschema = pytest.importorskip("jsonschema")
    schema = json.loads((shared / "schemas" / "pre-commit-hooks.json").read_text())
    hooks = yaml.safe_load((PROJECT / ".pre-commit-hooks.yaml").read_text())
    jsonschema.validate(hooks, schema)
    (hook,) = hooks
    assert hook["id"] == "eksa-lint"
    assert hook["language"] == "python"
    assert hook["entry"].startswith("eksa-lint check")
    assert hook["require_serial"] is True
    assert {"yaml", "json", "csv"} <= set(hook["types_or"])


def _git(cwd: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True)


@pytest.fixture(scope="module")
def pre_commit_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("pre-commit-home")


def _pre_commit(repo: Path, home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    exe = shutil.which("pre-commit") or shutil.which("pre-commit", path=os.path.dirname(sys.executable))
    if exe is None:
        pytest.skip("pre-commit is not installed (it is in the [test] extra)")
    env = {**os.environ, "PRE_COMMIT_HOME": str(home), "NO_COLOR": "1"}
    env.pop("GITHUB_ACTIONS", None)
    return subprocess.run([exe, *args], cwd=repo, env=env, capture_output=True, text=True, timeout=900, check=False)


@pytest.mark.skipif(not (PROJECT / ".git").exists(), reason="the project is not a git checkout; try-repo needs one")
def test_pre_commit_try_repo_fails_on_bad_and_passes_on_clean(tmp_path: Path, pre_commit_home: Path,
                                                              shared: Path) -> None:
    repo = tmp_path / "gitops"
    repo.mkdir()
    _git(repo, "init", "-q")
    _git(repo, "config", "user.email", "ci@example.com")
    _git(repo, "config", "user.name", "ci")
    (repo / "policies").mkdir()
    (repo / "policies" / "bad.yaml").write_text(BAD_POLICY)
    (repo / "policies" / "clean.yaml").write_text(CLEAN_POLICY)
    config = {"repos": [{"repo": str(PROJECT), "rev": "HEAD", "hooks": [{"id": "eksa-lint"}]}]}
    (repo / ".pre-commit-config.yaml").write_text(yaml.safe_dump(config))
    schema = json.loads((shared / "schemas" / "pre-commit-config.json").read_text())
    import jsonschema

    jsonschema.validate(config, schema)
    _git(repo, "add", "-A")

    bad = _pre_commit(repo, pre_commit_home, "try-repo", str(PROJECT), "eksa-lint", "--files", "policies/bad.yaml")
    out = bad.stdout + bad.stderr
    assert bad.returncode == 1, out
    assert "policies/bad.yaml:5:3: EKSA002 [error] duplicate key 'name'" in out

    clean = _pre_commit(repo, pre_commit_home, "try-repo", str(PROJECT), "eksa-lint", "--files",
                        "policies/clean.yaml")  # fmt: skip
    assert clean.returncode == 0, clean.stdout + clean.stderr
    assert "Passed" in clean.stdout
