"""Autofix edits (byte-for-byte outside the edit), the fix loop, --diff, baselines and the JUnit report."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from io import StringIO
from pathlib import Path

import pytest
from eksa_lint.app import CheckRequest, run_check
from eksa_lint.config import ConfigError, Settings
from eksa_lint.findings import Edit, Finding, Fix, Location, Severity
from eksa_lint.fix import apply_edits, edits_for, plan
from eksa_lint.load import load_file
from eksa_lint.load.source import SourceFile

from tests.conftest import dedent, write_tree

CLUSTER = dedent("""
    apiVersion: anywhere.eks.amazonaws.com/v1alpha1
    kind: Cluster
    metadata:
      name: edge   # keep this comment
      annotations:
        anywhere.eks.amazonaws.com/paused: "true"
    spec:
      clusterNetwork:
        cniConfig:
          cilium:
            policyEnforcementMode: "always"
            egressMasqueradeInterfaces: "eth0"
        pods: {cidrBlocks: ["192.168.0.0/16"]}
""")


def _doc(text: str):
    f = load_file(SourceFile("c.yaml", "c.yaml", "yaml"), text=text)
    return f.documents[0]


def _apply(text: str, op: tuple) -> str:
    doc = _doc(text)
    return apply_edits(text, edits_for(doc, Fix("t", True, operation=op)))


def _changed_lines(old: str, new: str) -> tuple[list[str], list[str]]:
    import difflib

    a, b = old.splitlines(True), new.splitlines(True)
    removed, added = [], []
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(a=a, b=b).get_opcodes():
        if tag != "equal":
            removed += a[i1:i2]
            added += b[j1:j2]
    return removed, added


def test_set_adds_a_key_with_the_mapping_indentation() -> None:
    new = _apply(CLUSTER, ("set", ("spec", "clusterNetwork", "cniConfig", "cilium"), "skipUpgrade", "true"))
    removed, added = _changed_lines(CLUSTER, new)
    assert removed == [] and added == ["        skipUpgrade: true\n"]
    assert _doc(new).data["spec"]["clusterNetwork"]["cniConfig"]["cilium"]["skipUpgrade"] is True


def test_set_in_flow_and_null_mappings() -> None:
    flow = "spec:\n  cniConfig:\n    cilium: {}\n"
    assert _apply(flow, ("set", ("spec", "cniConfig", "cilium"), "skipUpgrade", "true")) == (
        "spec:\n  cniConfig:\n    cilium: {skipUpgrade: true}\n"
    )
    null = "spec:\n  cniConfig:\n    cilium:\n  other: 1\n"
    out = _apply(null, ("set", ("spec", "cniConfig", "cilium"), "skipUpgrade", "true"))
    assert out == "spec:\n  cniConfig:\n    cilium:\n      skipUpgrade: true\n  other: 1\n"


def test_set_replaces_a_false_value_only() -> None:
    text = "cilium:\n  skipUpgrade: false  # why\n"
    assert _apply(text, ("set", ("cilium",), "skipUpgrade", "true")) == "cilium:\n  skipUpgrade: true  # why\n"


def test_delete_entry_removes_whole_lines() -> None:
    new = _apply(CLUSTER, ("delete_entry", ("spec", "clusterNetwork", "cniConfig", "cilium", "policyEnforcementMode")))
    removed, added = _changed_lines(CLUSTER, new)
    assert removed == ['        policyEnforcementMode: "always"\n'] and added == []


def test_delete_the_only_annotation_removes_the_annotations_key() -> None:
    new = _apply(CLUSTER, ("delete_entry", ("metadata", "annotations", "anywhere.eks.amazonaws.com/paused")))
    removed, added = _changed_lines(CLUSTER, new)
    assert removed == ["  annotations:\n", '    anywhere.eks.amazonaws.com/paused: "true"\n'] and added == []
    assert "# keep this comment" in new


def test_rename_key_keeps_quotes() -> None:
    text = 'cilium:\n  "skipUprade": true\n'
    assert _apply(text, ("rename_key", ("cilium", "skipUprade"), "skipUpgrade")) == 'cilium:\n  "skipUpgrade": true\n'


def test_fix_loop_writes_and_relints_clean(tmp_path: Path) -> None:
    original = "apiVersion: v1\nkind: ConfigMap  # eksa-lint: disable=EKSA002 -- old\nmetadata:\n  # eksa-lint: disable=EKSA006,EKSA002\n  name: a\ndata: {k: v}\n"
    write_tree(tmp_path, {"cm.yaml": original})
    out, err = StringIO(), StringIO()
    code = run_check(CheckRequest(["."], Settings(), fix=True, cwd=str(tmp_path)), out, err)
    assert code == 0, out.getvalue()
    fixed = (tmp_path / "cm.yaml").read_text()
    assert fixed == "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\ndata: {k: v}\n"
    assert "Fixed 3 findings" in err.getvalue()
    # and the fixed file lints clean
    assert run_check(CheckRequest(["."], Settings(), cwd=str(tmp_path)), StringIO(), StringIO()) == 0


def test_diff_does_not_write(tmp_path: Path) -> None:
    original = "apiVersion: v1\nkind: ConfigMap  # eksa-lint: disable=EKSA002\nmetadata: {name: a}\n"
    write_tree(tmp_path, {"cm.yaml": original})
    out = StringIO()
    code = run_check(CheckRequest(["."], Settings(), diff=True, cwd=str(tmp_path)), out, StringIO())
    assert code == 1
    assert "-kind: ConfigMap  # eksa-lint: disable=EKSA002\n+kind: ConfigMap\n" in out.getvalue()
    assert (tmp_path / "cm.yaml").read_text() == original


BAD = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n  name: b\n"


def test_baseline_hides_known_findings_even_when_lines_move(tmp_path: Path) -> None:
    write_tree(tmp_path, {"a.yaml": BAD})
    err = StringIO()
    assert run_check(CheckRequest(["."], Settings(), write_baseline="bl.json", cwd=str(tmp_path)), StringIO(), err) == 0
    data = json.loads((tmp_path / "bl.json").read_text())
    assert [e["rule"] for e in data["findings"]] == ["EKSA002"]
    (tmp_path / "a.yaml").write_text("# moved down\n\n" + BAD)
    out = StringIO()
    assert run_check(CheckRequest(["."], Settings(), baseline="bl.json", cwd=str(tmp_path)), out, StringIO()) == 0
    assert "EKSA002" not in out.getvalue()


def test_baseline_never_matches_across_files_and_reports_stale_entries(tmp_path: Path) -> None:
    write_tree(tmp_path, {"a.yaml": BAD})
    run_check(CheckRequest(["."], Settings(), write_baseline="bl.json", cwd=str(tmp_path)), StringIO(), StringIO())
    (tmp_path / "a.yaml").write_text("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n")
    (tmp_path / "b.yaml").write_text(BAD)
    out = StringIO()
    req = CheckRequest(["."], Settings(), baseline="bl.json", cwd=str(tmp_path), fmt="json")
    assert run_check(req, out, StringIO()) == 1
    text = out.getvalue()
    assert "b.yaml" in text  # the same mistake in another file is new
    found = json.loads(text)
    items = found["findings"] if isinstance(found, dict) else found
    stale = [f for f in items if f.get("rule", f.get("rule_id")) == "EKSA010"]
    assert len(stale) == 1 and stale[0]["path"] == "bl.json" and stale[0]["line"] == 6


def test_bad_baseline_is_a_config_error(tmp_path: Path) -> None:
    write_tree(tmp_path, {"a.yaml": BAD, "bl.json": "[1, 2"})
    with pytest.raises(ConfigError, match="not valid JSON"):
        run_check(CheckRequest(["."], Settings(), baseline="bl.json", cwd=str(tmp_path)), StringIO(), StringIO())


def test_junit_report(tmp_path: Path) -> None:
    write_tree(tmp_path, {"a.yaml": BAD, "ok.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\n"})
    out = StringIO()
    assert run_check(CheckRequest(["."], Settings(), fmt="junit", cwd=str(tmp_path)), out, StringIO()) == 1
    root = ET.fromstring(out.getvalue().split("\n", 1)[1])
    assert root.tag == "testsuites" and root.get("failures") == "1"
    suites = {s.get("name"): s for s in root}
    assert suites["a.yaml"].find("testcase/failure").get("type") == "error"
    assert suites["ok.yaml"].get("failures") == "0"


def test_unsafe_rule_fixes_need_unsafe_flag_and_relint_clean(tmp_path: Path) -> None:
    cluster = dedent("""
        apiVersion: anywhere.eks.amazonaws.com/v1alpha1
        kind: Cluster
        metadata:
          name: edge
          annotations:
            anywhere.eks.amazonaws.com/paused: "true"
            team: net
        spec:
          eksaVersion: v0.20.0
          clusterNetwork:
            cniConfig:
              cilium:
                skipUpgrade: true   # we run our own CNI
                policyEnforcementMode: always
    """)
    write_tree(tmp_path, {"c.yaml": cluster})
    s = Settings(select=("EKSA203", "EKSA204"))
    assert run_check(CheckRequest(["."], s, fix=True, cwd=str(tmp_path)), StringIO(), StringIO()) == 1
    assert (tmp_path / "c.yaml").read_text() == cluster  # unsafe fixes are not applied by --fix alone
    s = Settings(select=("EKSA203", "EKSA204"))
    code = run_check(CheckRequest(["."], s, fix=True, unsafe_fixes=True, cwd=str(tmp_path)), StringIO(), StringIO())
    assert code == 0
    removed, added = _changed_lines(cluster, (tmp_path / "c.yaml").read_text())
    assert added == [] and removed == ['    anywhere.eks.amazonaws.com/paused: "true"\n',
                                       "        policyEnforcementMode: always\n"]


def _naive_plan(fixes: list[tuple[Edit, ...]]) -> tuple[list[Edit], int]:
    """The overlap rule written out pairwise: an edit collides with a chosen one when their spans overlap
    or they start at the same offset; a fix is taken whole or not at all."""

    def clash(e: Edit, t: Edit) -> bool:
        return not (e.end <= t.start or t.end <= e.start) or e.start == t.start

    taken: list[Edit] = []
    n = 0
    for edits in fixes:
        if any(clash(e, t) for e in edits for t in taken) or any(
            clash(a, b) for i, a in enumerate(edits) for b in edits[i + 1 :]
        ):
            continue
        taken += edits
        n += 1
    return taken, n


def test_plan_takes_exactly_the_non_overlapping_fixes() -> None:
    import random

    rng = random.Random(7)
    text = "".join(rng.choice("abc\n") for _ in range(200))
    src = SourceFile("f.txt", "f.txt", "text", text=text)
    loc = Location("f.txt", 1, 1, 1, 2)
    for _ in range(300):
        fixes = []
        for _ in range(rng.randint(1, 25)):
            edits = []
            for _ in range(rng.choice((1, 1, 2))):
                a = rng.randrange(0, 200)
                edits.append(Edit(a, min(200, a + rng.choice((0, 0, 1, 3, 10))), rng.choice(("", "X", "YZ"))))
            fixes.append(tuple(edits))
        found = [
            Finding("T1", "t", Severity.WARNING, "m", loc, fix=Fix("t", True, edits=edits)) for edits in fixes
        ]
        taken, n = _naive_plan(fixes)
        got = plan(found, [src], unsafe=False)
        want = apply_edits(text, taken)
        if want == text:
            assert got == {}
        else:
            assert got == {"f.txt": (text, want, n)}
