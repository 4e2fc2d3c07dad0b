"""Inline suppressions: same line, line above (with a justification), disable-file, the object annotation,
and EKSA008 for a suppression that suppresses nothing (only when its rule ran)."""

from __future__ import annotations

from eksa_lint.load.source import SourceFile
from eksa_lint.suppress import parse_comments

from tests.conftest import dedent, run_texts, where

DUP = """\
apiVersion: v1
kind: ConfigMap
metadata:
  name: a
  name: b{comment}
"""
JSON_POLICY = """\
{{
  "apiVersion": "networking.k8s.io/v1",
  "kind": "NetworkPolicy",
  "metadata": {{"name": "p", "namespace": "shop", "annotations": {{"eksa-lint.io/disable": "{codes}"}}}},
  "spec": {{"podSelectr": {{}}}}
}}
"""


def _active(files: dict[str, str], **kw: object) -> list[tuple[str, str, int, int]]:
    return where([f for f in run_texts(files, **kw).findings if f.suppressed is None])


def _suppressed(files: dict[str, str], **kw: object) -> list[tuple[str, str | None]]:
    return [(f.rule_id, f.suppressed) for f in run_texts(files, **kw).findings if f.suppressed is not None]


def test_unsuppressed_finding_is_reported() -> None:
    assert _active({"a.yaml": DUP.format(comment="")}) == [("EKSA002", "a.yaml", 5, 3)]


def test_same_line() -> None:
    files = {"a.yaml": DUP.format(comment="  # eksa-lint: disable=EKSA002")}
    assert _active(files) == [] and _suppressed(files) == [("EKSA002", "")]


def test_same_line_by_name_prefix_and_lowercase() -> None:
    for code in ("duplicate-key", "EKSA0", "eksa002", "all"):
        files = {"a.yaml": DUP.format(comment=f"  # eksa-lint: disable={code}")}
        assert _active(files) == [], code
    # one of two codes used: the other is reported unused, at its own column
    files = {"a.yaml": DUP.format(comment="  # eksa-lint: disable=EKSA001,EKSA002")}
    assert _active(files) == [("EKSA008", "a.yaml", 5, 33)]


def test_line_above_with_justification() -> None:
    text = DUP.replace(
        "  name: b", "  # eksa-lint: disable=EKSA002 -- renamed in v2, old name kept for clients\n\n  name: b"
    )
    files = {"a.yaml": text.format(comment="")}
    assert _active(files) == []
    assert _suppressed(files) == [("EKSA002", "renamed in v2, old name kept for clients")]


def test_comment_two_lines_above_a_code_line_does_not_reach_further() -> None:
    text = (
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  # eksa-lint: disable=EKSA002\n  name: a\n  name: b\n"
    )
    assert where(run_texts({"a.yaml": text}).findings) == [
        ("EKSA008", "a.yaml", 4, 24),
        ("EKSA002", "a.yaml", 6, 3),
    ]


def test_disable_file() -> None:
    files = {"a.yaml": "# eksa-lint: disable-file=EKSA002 -- generated\n" + dedent(DUP.format(comment=""))}
    assert _active(files) == [] and _suppressed(files) == [("EKSA002", "generated")]


def test_object_annotation_in_a_json_manifest() -> None:
    # an annotation naming no rule that ran suppresses nothing and is not called unused
    assert _active({"p.json": JSON_POLICY.format(codes="EKSA999")}) == [
        ("EKSA102", "p.json", 5, 3), ("EKSA102", "p.json", 5, 12),
    ]  # fmt: skip
    files = {"p.json": JSON_POLICY.format(codes="EKSA101, EKSA102")}
    assert _active(files) == [("EKSA008", "p.json", 4, 66)]  # EKSA101 ran and suppressed nothing here
    assert [r for r, _ in _suppressed(files)] == ["EKSA102", "EKSA102"]


def test_annotation_applies_to_its_object_only() -> None:
    two = dedent(JSON_POLICY.format(codes="EKSA102")).replace('"name": "p"', '"name": "q"')
    other = two.replace('"annotations": {"eksa-lint.io/disable": "EKSA102"}', '"labels": {}')
    files = {"p.json": two, "q.json": other.replace('"name": "q"', '"name": "r"')}
    assert [(r, p) for r, p, _, _ in _active(files)] == [("EKSA102", "q.json"), ("EKSA102", "q.json")]


def test_unused_suppression_is_eksa008_at_the_code() -> None:
    clean = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ok  # eksa-lint: disable=EKSA002\n"
    found = run_texts({"c.yaml": clean}).findings
    assert where(found) == [("EKSA008", "c.yaml", 4, 34)]
    assert found[0].message == "unused suppression: no EKSA002 finding here to suppress"


def test_suppression_of_a_rule_that_did_not_run_is_not_unused() -> None:
    clean = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ok  # eksa-lint: disable=EKSA002\n"
    assert where(run_texts({"c.yaml": clean}, ignore=("EKSA002",)).findings) == []
    assert where(run_texts({"c.yaml": clean}, select=("EKSA1", "EKSA008")).findings) == []


def test_parse_comments_positions_and_scopes() -> None:
    text = "a: 1  # eksa-lint: disable=EKSA404,EKSA405 -- why\n# eksa-lint: disable=all\n\nb: 2\n"
    sf = SourceFile("x.yaml", "x.yaml", "yaml")
    sf.text = text
    got = [(s.code, s.scope, s.line, s.col, s.applies_to, s.justification) for s in parse_comments(sf)]
    assert got == [
        ("EKSA404", "line", 1, 28, 1, "why"), ("EKSA405", "line", 1, 36, 1, "why"), ("all", "line", 2, 22, 4, ""),
    ]  # fmt: skip


def test_text_without_the_marker_and_bad_comments_parse_to_nothing() -> None:
    for text in ("a: 1  # disable=EKSA002\n", "a: 1  # eksa-lint: enable=EKSA002\n", "", "# eksa-lint:\n"):
        sf = SourceFile("x.yaml", "x.yaml", "yaml")
        sf.text = text
        assert parse_comments(sf) == [], text
