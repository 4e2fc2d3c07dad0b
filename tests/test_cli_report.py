"""The CLI end to end: formats (SARIF against the official schema), exit codes, config, discovery, suppressions."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from eksa_lint.cli import main

from tests.conftest import write_tree

PROJECT = Path(__file__).resolve().parents[1]

DUP = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n  name: b\n"
CLEAN = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ok\n"
NAD_EXCLUSIVE = """\
apiVersion: k8s.cni.cncf.io/v1
kind: NetworkAttachmentDefinition
metadata: {name: n}
spec:
  config: '{"cniVersion": "0.3.1", "type": "macvlan", "master": "eth0", "ipam": {"type": "static"}}'
"""


def run(cwd: Path, *args: str, env: dict[str, str] | None = None) -> tuple[int, str]:
    old = os.getcwd()
    os.chdir(cwd)
    try:
        res = CliRunner().invoke(main, list(args), env=env or {"GITHUB_ACTIONS": "", "NO_COLOR": ""},
                                 catch_exceptions=False)  # fmt: skip
    finally:
        os.chdir(old)
    return res.exit_code, res.output


def _git(repo: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True)


def test_text_output_and_exit_codes(tmp_path: Path) -> None:
    write_tree(tmp_path, {"a.yaml": DUP, "b.yaml": CLEAN})
    code, out = run(tmp_path, "check")
    assert code == 1
    assert "a.yaml:5:3: EKSA002 [error] duplicate key 'name'" in out
    assert "1 error, 0 warnings in 1 file; 2 files checked in" in out
    assert run(tmp_path, "check", "b.yaml")[0] == 0
    code, out = run(tmp_path, "check", "--quiet")
    assert code == 1 and "files checked" not in out


def test_fail_level_and_severity_config(tmp_path: Path) -> None:
    write_tree(tmp_path, {"a.yaml": DUP, ".eksa-lint.yaml": "severity: {EKSA002: warning}\n"})
    assert run(tmp_path, "check")[0] == 1
    assert run(tmp_path, "check", "--fail-level", "error")[0] == 0
    assert run(tmp_path, "check", "--ignore", "EKSA0")[0] == 0
    assert run(tmp_path, "check", "--select", "EKSA6")[0] == 0


def test_usage_and_config_errors_exit_2(tmp_path: Path) -> None:
    write_tree(tmp_path, {"a.yaml": CLEAN})
    assert run(tmp_path, "check", "missing-dir")[0] == 2
    assert run(tmp_path, "check", "--format", "xml")[0] == 2
    write_tree(tmp_path, {".eksa-lint.yaml": "fail-levle: error\n"})
    code, out = run(tmp_path, "check")
    assert code == 2 and ".eksa-lint.yaml:1" in out


def test_internal_error_is_reported_and_exits_2(tmp_path: Path) -> None:
    from eksa_lint import registry

    @registry.rule(id="EKSA999", name="crashes-for-test", severity=registry.ERROR, summary="test only")
    def crashes(repo):  # type: ignore[no-untyped-def]
        for o in repo.objects:
            raise ValueError(f"boom on {o.name}")
        return iter(())

    try:
        write_tree(tmp_path, {"a.yaml": CLEAN})
        code, out = run(tmp_path, "check")
        assert code == 2
        assert "a.yaml:2:1: EKSA009 [error] rule EKSA999 (crashes-for-test) crashed on ConfigMap/ok" in out
    finally:
        registry._REGISTRY.pop("EKSA999", None)


def test_default_format_under_github_actions(tmp_path: Path) -> None:
    write_tree(tmp_path, {"a.yaml": DUP})
    _code, out = run(tmp_path, "check", env={"GITHUB_ACTIONS": "true"})
    assert out.startswith("::error file=a.yaml,line=5,col=3,endLine=5,endColumn=7,title=EKSA002 duplicate-key::")


def test_github_escaping(tmp_path: Path) -> None:
    from eksa_lint.report.github_report import escape_data, escape_property

    assert escape_data("50%\nnext") == "50%25%0Anext"
    assert escape_property("a,b:c") == "a%2Cb%3Ac"


def test_json_format(tmp_path: Path) -> None:
    write_tree(tmp_path, {"a.yaml": DUP})
    _code, out = run(tmp_path, "check", "--format", "json")
    data = json.loads(out)
    assert data["version"] == 1
    (f,) = data["findings"]
    assert (f["rule"], f["path"], f["line"], f["column"], f["end_line"], f["end_column"]) == (
        "EKSA002", "a.yaml", 5, 3, 5, 7)
    assert f["object"] is None and len(f["fingerprint"]) == 32


def _sarif(shared: Path, doc: dict) -> None:
    import jsonschema

    schema = json.loads((shared / "schemas" / "sarif-schema-2.1.0.json").read_text())
    cls = jsonschema.validators.validator_for(schema)
    errors = list(cls(schema, format_checker=cls.FORMAT_CHECKER).iter_errors(doc))
    assert not errors, [e.message for e in errors[:5]]


def test_sarif_of_the_examples_validates(shared: Path, tmp_path: Path) -> None:
    out_file = tmp_path / "ex.sarif"
    code, _ = run(PROJECT, "check", "examples", "--format", "sarif", "-o", str(out_file))
    assert code == 1
    doc = json.loads(out_file.read_text())
    _sarif(shared, doc)
    (run_,) = doc["runs"]
    driver = run_["tool"]["driver"]
    assert driver["name"] == "eksa-lint" and driver["informationUri"]
    ids = [r["id"] for r in driver["rules"]]
    from eksa_lint.registry import all_rules

    assert ids == [r.id for r in all_rules()]
    for r in driver["rules"]:
        assert r["helpUri"] and r["help"]["markdown"] and r["help"]["text"] and r["properties"]["tags"]
    assert run_["columnKind"] == "unicodeCodePoints" and run_["automationDetails"]["id"]
    for res in run_["results"]:
        assert driver["rules"][res["ruleIndex"]]["id"] == res["ruleId"]
        loc = res["locations"][0]["physicalLocation"]
        assert loc["artifactLocation"]["uri"].startswith("examples/")
        assert loc["region"]["startLine"] >= 1 and res["partialFingerprints"]


def test_sarif_fingerprints_survive_moved_lines_and_suppressions_are_kept(shared: Path, tmp_path: Path) -> None:
    write_tree(tmp_path, {"a.yaml": DUP})
    _, out1 = run(tmp_path, "check", "--format", "sarif")
    (tmp_path / "a.yaml").write_text("# header\n\n" + DUP.replace("  name: b\n", "  name: b  # eksa-lint: disable=EKSA002 -- migrating\n"))
    _, out2 = run(tmp_path, "check", "--format", "sarif")
    r1, r2 = json.loads(out1)["runs"][0]["results"], json.loads(out2)["runs"][0]["results"]
    _sarif(shared, json.loads(out2))
    assert r1[0]["partialFingerprints"] == r2[0]["partialFingerprints"]
    assert r2[0]["locations"][0]["physicalLocation"]["region"]["startLine"] == 7
    assert r2[0]["suppressions"] == [{"kind": "inSource", "status": "accepted", "justification": "migrating"}]


def test_suppression_forms(tmp_path: Path) -> None:
    write_tree(tmp_path, {
        "above.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n  # eksa-lint: disable=EKSA002\n  name: b\n",
        "file.yaml": "# eksa-lint: disable-file=duplicate-key\n" + DUP,
        "ann.json": '{"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy", "metadata": {"name": "p", '
                    '"annotations": {"eksa-lint.io/disable": "EKSA102"}}, "spec": {"podSelectr": {}}}',
        "unused.yaml": CLEAN.replace("name: ok", "name: ok  # eksa-lint: disable=EKSA002"),
    })  # fmt: skip
    _code, out = run(tmp_path, "check")
    lines = [ln for ln in out.splitlines() if "EKSA" in ln]
    assert lines == ["unused.yaml:4:34: EKSA008 [warning] unused suppression: no EKSA002 finding here to suppress"]
    # a suppression of a rule that did not run is not called unused
    assert run(tmp_path, "check", "--ignore", "EKSA002")[0] == 0
    # without the annotation the schema finding shows
    (tmp_path / "ann.json").write_text((tmp_path / "ann.json").read_text().replace("EKSA102", "EKSA999"))
    assert "ann.json:1:144: EKSA102 [error] missing required field \"podSelector\"" in run(tmp_path, "check")[1]


def test_rules_and_explain(tmp_path: Path) -> None:
    code, out = run(tmp_path, "rules", "--format", "json")
    rules = json.loads(out)
    assert code == 0 and {"id", "name", "severity", "summary"} <= set(rules[0])
    code, out = run(tmp_path, "explain", "duplicate-key")
    assert code == 0 and out.startswith("# EKSA002 duplicate-key")
    assert run(tmp_path, "explain", "EKSA0000")[0] == 2


def test_git_discovery_context_and_reported_paths(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    write_tree(repo, {
        "tracked.yaml": DUP, "ignored/x.yaml": DUP, ".gitignore": "ignored/\n",
        "apps/pod.yaml": "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n  annotations:\n"
                         "    k8s.v1.cni.cncf.io/networks: n\n",
        "nets/nad.yaml": NAD_EXCLUSIVE,
    })  # fmt: skip
    _git(repo, "init", "-q")
    _git(repo, "add", "tracked.yaml", ".gitignore")
    (repo / "untracked.yaml").write_text(DUP)
    code, out = run(repo, "check")
    assert code == 1 and "tracked.yaml:5:3" in out and "untracked.yaml:5:3" in out and "ignored/" not in out
    # pre-commit style: only the given file is reported, but the NAD elsewhere is known (no EKSA406)
    _code, out = run(repo, "check", "apps/pod.yaml")
    assert "EKSA406" not in out and "tracked.yaml" not in out


def test_walk_outside_git_skips_hidden_vendor_and_symlinks_out(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    write_tree(outside, {"secret.yaml": DUP})
    root = tmp_path / "root"
    write_tree(root, {"ok.yaml": DUP, ".hidden/x.yaml": DUP, "node_modules/x.yaml": DUP, "vendor/x.yaml": DUP})
    (root / "link.yaml").symlink_to(outside / "secret.yaml")
    (root / "linkdir").symlink_to(outside, target_is_directory=True)
    _code, out = run(root, "check")
    paths = {ln.split(":")[0] for ln in out.splitlines() if "EKSA" in ln}
    assert paths == {"ok.yaml"}


def test_installed_entry_point(tmp_path: Path) -> None:
    write_tree(tmp_path, {"a.yaml": DUP})
    env = {k: v for k, v in os.environ.items() if k != "GITHUB_ACTIONS"}
    proc = subprocess.run([sys.executable, "-m", "eksa_lint", "check", "."], cwd=tmp_path, env=env,
                          capture_output=True, text=True, check=False)  # fmt: skip
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    assert "a.yaml:5:3: EKSA002" in proc.stdout


@pytest.mark.parametrize("flag", ["--no-color", None])
def test_no_color_when_not_a_tty(tmp_path: Path, flag: str | None) -> None:
    write_tree(tmp_path, {"a.yaml": DUP})
    _, out = run(tmp_path, "check", *([flag] if flag else []))
    assert "\x1b[" not in out
