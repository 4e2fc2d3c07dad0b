"""Snapshots of exactly what users see (text without a TTY, json, sarif, github) on tests/fixtures/report.

Regenerate with `python scripts/update_snapshots.py` when a change is intended, and review the diff.
Absolute paths, timings and the tool version are normalised so the snapshots only move when output does.
"""

from __future__ import annotations

import json
import os
import re
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from eksa_lint.cli import main
from eksa_lint.config import load_settings
from eksa_lint.engine import RunResult, lint
from eksa_lint.registry import get_rule

HERE = Path(__file__).resolve().parent
FIXTURE = HERE / "fixtures" / "report"
SNAPSHOTS = HERE / "snapshots"
FORMATS = {
    "text": "report.txt",
    "json": "report.json",
    "sarif": "report.sarif",
    "github": "report.github.txt",
}
EXPECTED_EXIT = 1


def _normalise_sarif(doc: dict) -> dict:
    """Keep only the rules the results use (the full catalogue grows with every new rule) and stand-ins for
    the version, the machine's root URI and each rule's documentation (checked to be Rule.documentation())."""
    run = doc["runs"][0]
    driver = run["tool"]["driver"]
    for key in ("version", "semanticVersion"):
        driver[key] = "<version>"
    run["originalUriBaseIds"]["SRCROOT"]["uri"] = "file:///<root>/"
    used = sorted({res["ruleId"] for res in run["results"]})
    by_id = {r["id"]: r for r in driver["rules"]}
    for res in run["results"]:
        assert driver["rules"][res["ruleIndex"]]["id"] == res["ruleId"]
        res["ruleIndex"] = used.index(res["ruleId"])
    rules = []
    for rid in used:
        r = dict(by_id[rid])
        doc_text = get_rule(rid).documentation()  # type: ignore[union-attr]
        assert r["help"] == {"text": doc_text, "markdown": doc_text}
        r["help"] = {"text": "<documentation>", "markdown": "<documentation>"}
        rules.append(r)
    driver["rules"] = rules
    return doc


def normalise(fmt: str, out: str) -> str:
    if fmt == "text":
        return re.sub(r"checked in \d+\.\d+ s", "checked in <T> s", out)
    if fmt == "json":
        data = json.loads(out)
        data["tool"]["version"] = "<version>"
        return json.dumps(data, indent=2) + "\n"
    if fmt == "sarif":
        return json.dumps(_normalise_sarif(json.loads(out)), indent=2) + "\n"
    return out


def copy_fixture(workdir: Path) -> Path:
    """A copy of the fixture outside any git repo, so that the copy is the repo root."""
    repo = workdir / "repo"
    if repo.exists():
        shutil.rmtree(repo)
    shutil.copytree(FIXTURE, repo)
    return repo


def lint_fixture(workdir: Path) -> RunResult:
    repo = copy_fixture(workdir)
    return lint(["."], load_settings(str(repo)), cwd=str(repo))


def render(fmt: str, workdir: Path) -> tuple[int, str]:
    """Lint a copy of the fixture with the CLI and return (exit code, normalised output)."""
    repo = copy_fixture(workdir)
    old = os.getcwd()
    os.chdir(repo)
    try:
        res = CliRunner().invoke(main, ["check", "--format", fmt], env={"GITHUB_ACTIONS": "", "NO_COLOR": ""},
                                 catch_exceptions=False)  # fmt: skip
    finally:
        os.chdir(old)
    assert str(repo) not in res.output.replace(f"file://{repo}", "")  # no absolute paths besides SRCROOT
    return res.exit_code, normalise(fmt, res.output)


@pytest.mark.parametrize("fmt", sorted(FORMATS))
def test_output_matches_snapshot(fmt: str, tmp_path: Path) -> None:
    code, out = render(fmt, tmp_path)
    assert code == EXPECTED_EXIT
    expected = (SNAPSHOTS / FORMATS[fmt]).read_text(encoding="utf-8")
    assert out == expected, f"{FORMATS[fmt]} changed; run scripts/update_snapshots.py if that is intended"


def test_snapshots_hold_no_machine_specific_text() -> None:
    for name in FORMATS.values():
        text = (SNAPSHOTS / name).read_text(encoding="utf-8")
        assert "/tmp" not in text and str(HERE) not in text and not re.search(r"\d+\.\d+ s\b", text), name
