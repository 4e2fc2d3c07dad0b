"""The `eksa-lint` command: options, exit codes (0 clean, 1 findings, 2 usage/config/internal error), formats,
colour on a real TTY only, `rules` and `explain`, and the installed entry point."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from eksa_lint import __version__
from eksa_lint.cli import main
from eksa_lint.registry import all_rules

from tests.conftest import write_tree

DUP = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n  name: b\n"
CLEAN = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ok\n"
PRIMARY_NIC = """\
apiVersion: k8s.cni.cncf.io/v1
kind: NetworkAttachmentDefinition
metadata: {name: n, namespace: shop}
spec:
  config: '{"cniVersion": "0.3.1", "type": "macvlan", "master": "eth0", "ipam": {"type": "static"}}'
"""
BASE_ENV = {"GITHUB_ACTIONS": "", "NO_COLOR": ""}


def cli(cwd: Path, *args: str, env: dict[str, str] | None = None) -> tuple[int, str]:
    """Run the CLI in `cwd` with click's runner; returns (exit code, stdout and stderr)."""
    old = os.getcwd()
    os.chdir(cwd)
    try:
        res = CliRunner().invoke(main, list(args), env={**BASE_ENV, **(env or {})}, catch_exceptions=False)
    finally:
        os.chdir(old)
    return res.exit_code, res.output


def test_exit_0_when_clean_and_1_on_findings(tmp_path: Path) -> None:
    write_tree(tmp_path, {"a.yaml": DUP, "b.yaml": CLEAN})
    code, out = cli(tmp_path, "check", "b.yaml")
    assert (code, out.strip().split(";")[0]) == (0, "0 errors, 0 warnings in 0 files")
    code, out = cli(tmp_path, "check")
    assert code == 1 and out.startswith("a.yaml:5:3: EKSA002 [error] duplicate key 'name'")


def test_fail_level(tmp_path: Path) -> None:
    write_tree(tmp_path, {"nad.yaml": PRIMARY_NIC})
    code, out = cli(tmp_path, "check")
    assert code == 1 and "nad.yaml:5:55: EKSA404 [warning]" in out
    assert cli(tmp_path, "check", "--fail-level", "error")[0] == 0  # only a warning
    assert cli(tmp_path, "check", "--fail-level", "note")[0] == 1


def test_select_and_ignore_by_id_prefix_and_name(tmp_path: Path) -> None:
    write_tree(tmp_path, {"a.yaml": DUP, "nad.yaml": PRIMARY_NIC})

    def ids(*args: str) -> set[str]:
        return set(re.findall(r" (EKSA\d{3}) \[", cli(tmp_path, "check", *args)[1]))

    assert ids() == {"EKSA002", "EKSA404"}
    assert ids("--select", "EKSA4") == {"EKSA404"}
    assert ids("--ignore", "EKSA0") == {"EKSA404"}
    assert ids("--ignore", "duplicate-key,EKSA404") == set()
    assert ids("--select", "EKSA0", "--select", "nad-master-is-primary") == {"EKSA002", "EKSA404"}


@pytest.mark.parametrize(
    "args",
    [("check", "--format", "xml"), ("check", "missing-dir"), ("check", "--target", "cilium-ultra"),
     ("check", "--fail-level", "fatal"), ("check", "--bogus"), ("nosuchcommand",), ("check", "--report", "sarif"),
     ("check", "--select", "EKSA9999"), ("check", "--ignore", "EKSA0,nope"), ("check", "-j", "0"),
     ("check", "--jobs", "-2")],
)  # fmt: skip
def test_usage_errors_exit_2(tmp_path: Path, args: tuple[str, ...]) -> None:
    write_tree(tmp_path, {"a.yaml": DUP})
    code, out = cli(tmp_path, *args)
    assert code == 2 and "Traceback" not in out and "rror" in out


def test_config_error_exits_2(tmp_path: Path) -> None:
    write_tree(tmp_path, {"a.yaml": CLEAN, ".eksa-lint.yaml": "fail-level: loud\n"})
    code, out = cli(tmp_path, "check")
    assert code == 2 and out.startswith("eksa-lint: config error: ") and ".eksa-lint.yaml:1:" in out


def test_crashing_rule_is_eksa009_and_exits_2(tmp_path: Path) -> None:
    from eksa_lint import registry

    @registry.rule(id="EKSA998", name="crashes-in-cli-test", severity=registry.NOTE, summary="test only")
    def crashes(repo):  # type: ignore[no-untyped-def]
        for o in repo.objects:
            return iter([o.spec["missing"]])
        return iter(())

    try:
        write_tree(tmp_path, {"a.yaml": CLEAN})
        code, out = cli(tmp_path, "check", "--format", "json")
        assert code == 2
        (f,) = json.loads(out)["findings"]
        assert (f["rule"], f["path"], f["line"]) == ("EKSA009", "a.yaml", 2)
        assert f["message"].startswith(
            "rule EKSA998 (crashes-in-cli-test) crashed on ConfigMap/ok: KeyError: 'missing'"
        )
        # ignoring the crashing rule makes the run clean again
        assert cli(tmp_path, "check", "--ignore", "EKSA998")[0] == 0
    finally:
        registry._REGISTRY.pop("EKSA998", None)
    assert "EKSA998" not in {r.id for r in all_rules()}


def test_format_defaults_to_github_under_actions(tmp_path: Path) -> None:
    write_tree(tmp_path, {"a.yaml": DUP})
    out = cli(tmp_path, "check", env={"GITHUB_ACTIONS": "true"})[1]
    assert out.splitlines()[0].startswith(
        "::error file=a.yaml,line=5,col=3,endLine=5,endColumn=7,title=EKSA002 "
    )
    assert cli(tmp_path, "check", "--format", "text", env={"GITHUB_ACTIONS": "true"})[1].startswith(
        "a.yaml:5:3:"
    )
    assert cli(tmp_path, "check", env={"GITHUB_ACTIONS": "false"})[1].startswith("a.yaml:5:3:")


def test_output_file_and_extra_reports(tmp_path: Path) -> None:
    write_tree(tmp_path, {"a.yaml": DUP})
    code, out = cli(tmp_path, "check", "--format", "json", "-o", "out.json", "--report", "sarif:out.sarif")
    assert code == 1 and out == ""
    assert json.loads((tmp_path / "out.json").read_text())["findings"][0]["rule"] == "EKSA002"
    assert json.loads((tmp_path / "out.sarif").read_text())["runs"][0]["results"][0]["ruleId"] == "EKSA002"
    code, out = cli(tmp_path, "check", "-o", str(tmp_path / "no" / "such" / "dir.txt"))
    assert code == 2 and "cannot write" in out


def test_quiet_statistics_and_version(tmp_path: Path) -> None:
    write_tree(tmp_path, {"a.yaml": DUP, "nad.yaml": PRIMARY_NIC})
    code, out = cli(tmp_path, "check", "--quiet")
    assert code == 1 and len(out.splitlines()) == 2 and "checked" not in out
    out = cli(tmp_path, "check", "--statistics", "-q")[1]
    assert out.splitlines() == ["1  EKSA002  duplicate-key", "1  EKSA404  nad-master-is-primary"]
    code, out = cli(tmp_path, "--version")
    assert code == 0 and out.strip() == f"eksa-lint, version {__version__}"


def test_rules_catalogue(tmp_path: Path) -> None:
    code, out = cli(tmp_path, "rules")
    rules = all_rules()
    assert code == 0 and len(out.splitlines()) == len(rules)
    first = out.splitlines()[0].split()
    assert first[:3] == [rules[0].id, rules[0].name, rules[0].severity.label]
    data = json.loads(cli(tmp_path, "rules", "--format", "json")[1])
    assert [d["id"] for d in data] == [r.id for r in rules]
    assert data[1]["name"] == "duplicate-key" and data[1]["severity"] == "error" and data[1]["summary"]


def test_explain_by_id_and_name(tmp_path: Path) -> None:
    code, out = cli(tmp_path, "explain", "eksa404")
    rule = next(r for r in all_rules() if r.id == "EKSA404")
    assert code == 0 and out == rule.documentation()
    assert cli(tmp_path, "explain", "nad-master-is-primary")[1] == out
    for part in ("## What it does", "## Why is this bad?", "## Example", "## Use instead", "## Source"):
        assert part in out
    code, out = cli(tmp_path, "explain", "no-such-rule")
    assert code == 2 and "unknown rule 'no-such-rule'" in out


def _tty_run(cwd: Path, *args: str, env: dict[str, str]) -> str:
    """Run the installed `eksa-lint` with stdout and stderr on a real pseudo-terminal."""
    exe = shutil.which("eksa-lint") or shutil.which("eksa-lint", path=os.path.dirname(sys.executable))
    if exe is None:
        pytest.skip("the eksa-lint entry point is not installed (pip install -e .)")
    pty = pytest.importorskip("pty", reason="pseudo-terminals are POSIX only")
    master, slave = pty.openpty()
    proc = subprocess.Popen([exe, *args], cwd=cwd, stdout=slave, stderr=slave, stdin=subprocess.DEVNULL,
                            env={**env, "TERM": "xterm"})  # fmt: skip
    os.close(slave)
    chunks = []
    while True:
        try:
            data = os.read(master, 65536)
        except OSError:  # EIO once the child has closed the terminal
            break
        if not data:
            break
        chunks.append(data)
    proc.wait(timeout=120)
    os.close(master)
    return b"".join(chunks).decode().replace("\r\n", "\n")


def _env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if k not in ("GITHUB_ACTIONS", "NO_COLOR", "FORCE_COLOR")}


def test_tty_shows_colour_source_and_caret(tmp_path: Path) -> None:
    write_tree(tmp_path, {"a.yaml": DUP})
    out = _tty_run(tmp_path, "check", env=_env())
    assert "\x1b[31m[error]\x1b[0m" in out
    assert "    5 | \x1b[0m  name: b\n" in out and "      |   ^^^^" in out


@pytest.mark.parametrize("how", ["flag", "env"])
def test_no_color_on_a_tty(tmp_path: Path, how: str) -> None:
    write_tree(tmp_path, {"a.yaml": DUP})
    env = _env() | ({"NO_COLOR": "1"} if how == "env" else {})
    out = _tty_run(tmp_path, "check", *(["--no-color"] if how == "flag" else []), env=env)
    assert "\x1b[" not in out
    assert "a.yaml:5:3: EKSA002 [error]" in out and "    5 |   name: b\n      |   ^^^^\n" in out


def test_installed_entry_point_subprocess(tmp_path: Path) -> None:
    exe = shutil.which("eksa-lint") or shutil.which("eksa-lint", path=os.path.dirname(sys.executable))
    if exe is None:
        pytest.skip("the eksa-lint entry point is not installed (pip install -e .)")
    write_tree(tmp_path, {"a.yaml": DUP})
    proc = subprocess.run([exe, "check", "--format", "github", "."], cwd=tmp_path, env=_env(), capture_output=True,
                          text=True, timeout=120, check=False)  # fmt: skip
    assert proc.returncode == 1 and proc.stderr == ""
    assert proc.stdout.startswith("::error file=a.yaml,line=5,col=3,")
    proc = subprocess.run([exe, "check", "nope"], cwd=tmp_path, env=_env(), capture_output=True, text=True,
                          check=False)  # fmt: skip
    assert (
        proc.returncode == 2
        and "no such file or folder: nope" in proc.stderr
        and "Traceback" not in proc.stderr
    )
