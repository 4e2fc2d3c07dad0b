"""Bad input through the real engine: each broken file is one loader finding at its exact position, nothing
raises or executes, and the other files are still linted."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from eksa_lint.config import Settings

from tests.conftest import lint_tree, run_texts, where, write_tree

GOOD_POLICY_WITH_FINDING = (
    "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: 5\nspec: [1, 2]\n"
)

LAUGHS = "".join(
    f"{name}: &{name} [{', '.join([prev] * 9)}]\n"
    for name, prev in zip("abcdefgh", ["x", "*a", "*b", "*c", "*d", "*e", "*f", "*g"])
)

CASES: dict[str, str] = {
    "syntax.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a\n",
    "dup.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n  name: b\n",
    "dup.json": '{"apiVersion": "v1", "kind": "ConfigMap", "kind": "X"}\n',
    "ref.yaml": "apiVersion: v1\nkind: ConfigMap\ndata: !Ref foo\n",
    "helm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Values.name }}\n",
    "meta.yaml": "metadata:\n  name: a\nspec: {}\n",
    "laughs.yaml": LAUGHS,
    "deep.yaml": "[" * 100000,
    "wrong.yaml": GOOD_POLICY_WITH_FINDING,
}

EXPECTED = [
    ("EKSA004", "deep.yaml", 1, 201),
    ("EKSA002", "dup.json", 1, 43),
    ("EKSA002", "dup.yaml", 5, 3),
    ("EKSA005", "helm.yaml", 4, 9),
    ("EKSA004", "laughs.yaml", 1, 1),
    ("EKSA006", "meta.yaml", 1, 1),
    ("EKSA007", "ref.yaml", 3, 7),
    ("EKSA001", "syntax.yaml", 4, 1),
    ("EKSA102", "wrong.yaml", 3, 11),
    ("EKSA102", "wrong.yaml", 4, 7),
]


def test_each_bad_file_is_one_finding_and_others_still_linted() -> None:
    r = run_texts(CASES)
    assert sorted(where(r.findings)) == sorted(EXPECTED)


def test_python_tag_is_never_constructed(tmp_path: Path) -> None:
    marker = tmp_path / "pwned"
    text = f"apiVersion: v1\nkind: ConfigMap\ndata: !!python/object/apply:os.system ['touch {marker}']\n"
    r = run_texts({"tag.yaml": text})
    assert where(r.findings) == [("EKSA007", "tag.yaml", 3, 7)]
    assert not marker.exists()


def test_encodings_and_binary_on_disk(tmp_path: Path) -> None:
    write_tree(tmp_path, {
        "latin1.yaml": "apiVersion: v1\nkind: ConfigMap\ndata: {a: 'caf\xe9'}\n".encode("latin-1"),
        "utf16.yaml": "apiVersion: v1\nkind: ConfigMap\n".encode("utf-16"),
        "bin.yaml": b"\x00\x01\x02binary",
        "empty.yaml": b"",
        "wrong.yaml": GOOD_POLICY_WITH_FINDING,
    })
    found = sorted(where(lint_tree(tmp_path).findings))
    ids = {(i, p) for i, p, _, _ in found}
    assert ("EKSA003", "latin1.yaml") in ids
    assert ("EKSA003", "utf16.yaml") in ids
    assert ("EKSA003", "bin.yaml") in ids
    assert not any(p == "empty.yaml" for _, p, _, _ in found)
    assert ("EKSA102", "wrong.yaml", 3, 11) in found


def test_size_limit(tmp_path: Path) -> None:
    write_tree(tmp_path, {"big.yaml": "apiVersion: v1\nkind: ConfigMap\ndata:\n" + "  x: " + "a" * 200 + "\n"})
    s = Settings()
    s.max_bytes = 100
    found = where(lint_tree(tmp_path, settings=s).findings)
    assert found == [("EKSA003", "big.yaml", 1, 1)]


def test_crlf_and_bom_positions() -> None:
    text = "\ufeffapiVersion: v1\r\nkind: ConfigMap\r\nmetadata:\r\n  name: a\r\n  name: b\r\n"
    assert where(run_texts({"crlf.yaml": text}).findings) == [("EKSA002", "crlf.yaml", 5, 3)]


def test_cli_exit_code_and_no_traceback(tmp_path: Path) -> None:
    write_tree(tmp_path, {k: v.encode() for k, v in CASES.items()})
    p = subprocess.run([sys.executable, "-m", "eksa_lint", "check", "."], check=False, cwd=tmp_path,
                       capture_output=True, text=True, timeout=60)
    assert "Traceback" not in p.stderr + p.stdout
    assert p.returncode == 1
    assert "EKSA004" in p.stdout and "EKSA102" in p.stdout


def test_recursive_alias_is_rejected_not_crashed_on(tmp_path: Path) -> None:
    """An alias to a node that contains it makes a recursive document: Kubernetes cannot represent it, and
    rules walking it would recurse forever. It is EKSA004 at the anchored node; other files are linted."""
    write_tree(tmp_path, {
        "a.yaml": "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: a, namespace: x}\n"
                  "spec: &s\n  podSelector: {}\n  ingress:\n    - from: [*s]\n",
        "b.yaml": "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: b, namespace: x}\n"
                  "spec:\n  podSelector: {}\n  policyTypes: [Bogus]\n",
        "shared.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c, labels: &l {a: b}, annotations: *l}\n",
    })
    res = lint_tree(tmp_path)
    assert res.internal_errors == 0
    assert where(res.findings, "EKSA004") == [("EKSA004", "a.yaml", 4, 7)]
    assert ("EKSA102", "b.yaml", 6, 17) in where(res.findings)
    assert not [f for f in res.findings if f.location.path == "shared.yaml"]  # a plain alias is fine
