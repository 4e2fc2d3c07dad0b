"""SARIF 2.1.0: validates against the official schema with format checks, and meets code scanning's needs."""

from __future__ import annotations

import json
from pathlib import Path

from eksa_lint.findings import Finding, Location, Severity
from eksa_lint.record import replace
from eksa_lint.registry import all_rules
from eksa_lint.report import sarif_report
from eksa_lint.report.sarif_report import build

from tests.test_report_snapshots import lint_fixture


def validate(shared: Path, doc: dict) -> None:
    import jsonschema

    schema = json.loads((shared / "schemas" / "sarif-schema-2.1.0.json").read_text(encoding="utf-8"))
    cls = jsonschema.validators.validator_for(schema)
    errors = list(cls(schema, format_checker=cls.FORMAT_CHECKER).iter_errors(doc))
    assert not errors, [f"{list(e.path)}: {e.message}" for e in errors[:5]]


def test_fixture_sarif_validates_with_format_checks(shared: Path, tmp_path: Path) -> None:
    doc = build(lint_fixture(tmp_path))
    validate(shared, doc)
    (run,) = doc["runs"]
    assert run["originalUriBaseIds"]["SRCROOT"]["uri"].startswith("file:///")
    assert run["originalUriBaseIds"]["SRCROOT"]["uri"].endswith("/repo/")


def test_a_broken_document_fails_validation(shared: Path, tmp_path: Path) -> None:
    """The validator is not vacuous: a result without a message, or a bad URI, is rejected."""
    import pytest

    doc = build(lint_fixture(tmp_path))
    res = doc["runs"][0]["results"][0]
    del res["message"]
    with pytest.raises(AssertionError):
        validate(shared, doc)
    doc = build(lint_fixture(tmp_path))
    doc["runs"][0]["tool"]["driver"]["informationUri"] = "not a uri"
    with pytest.raises(AssertionError):
        validate(shared, doc)


def test_driver_lists_every_rule_with_full_metadata(tmp_path: Path) -> None:
    driver = build(lint_fixture(tmp_path))["runs"][0]["tool"]["driver"]
    rules = all_rules()
    assert [r["id"] for r in driver["rules"]] == [r.id for r in rules]
    for meta, rule in zip(driver["rules"], rules):
        assert meta["name"] == rule.name
        assert meta["shortDescription"]["text"] == rule.summary
        assert meta["fullDescription"]["text"]
        assert meta["help"] == {"text": rule.documentation(), "markdown": rule.documentation()}
        assert meta["helpUri"] == rule.help_uri and meta["helpUri"].startswith("https://")
        assert meta["defaultConfiguration"]["level"] == rule.severity.label
        assert 1 <= len(meta["properties"]["tags"]) <= sarif_report.MAX_TAGS


def test_full_description_is_the_what_it_does_paragraph() -> None:
    rule = next(r for r in all_rules() if r.id == "EKSA404")
    text = sarif_report.full_description(rule)
    assert text != rule.summary and "\n" not in text
    assert text.split()[0] in rule.explanation.split("## What it does", 1)[1]


def test_results_reference_rules_and_carry_regions_and_fingerprints(tmp_path: Path) -> None:
    result = lint_fixture(tmp_path)
    run = build(result)["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    assert len(run["results"]) == len(result.findings)
    for res, f in zip(run["results"], result.findings):
        assert rules[res["ruleIndex"]]["id"] == res["ruleId"] == f.rule_id
        loc = res["locations"][0]["physicalLocation"]
        assert loc["artifactLocation"] == {"uri": f.path, "uriBaseId": "SRCROOT"}
        assert loc["region"] == {"startLine": f.location.line, "startColumn": f.location.col,
                                 "endLine": f.location.end_line, "endColumn": f.location.end_col}  # fmt: skip
        assert res["partialFingerprints"] == {"eksaLintFingerprint/v1": f.fingerprint}
    assert run["columnKind"] == "unicodeCodePoints"
    assert run["invocations"] == [{"executionSuccessful": True}]


def test_suppressed_findings_are_present_with_their_justification(tmp_path: Path) -> None:
    run = build(lint_fixture(tmp_path))["runs"][0]
    sup = {(r["ruleId"], r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
            r["locations"][0]["physicalLocation"]["region"]["startLine"]): r["suppressions"]
           for r in run["results"] if "suppressions" in r}  # fmt: skip
    assert sup[("EKSA002", "apps/dup.yaml", 10)] == [
        {"kind": "inSource", "status": "accepted", "justification": "kept until the v2 rollout"}
    ]
    # the object annotation in a JSON manifest: suppressed, no justification given
    assert sup[("EKSA102", "policies/legacy.json", 9)] == [{"kind": "inSource", "status": "accepted"}]


def test_related_locations(tmp_path: Path) -> None:
    run = build(lint_fixture(tmp_path))["runs"][0]
    (res,) = [r for r in run["results"] if r["ruleId"] == "EKSA503"]
    (rel,) = res["relatedLocations"]
    assert rel["id"] == 1 and rel["message"] == {"text": "overlapping pool"}
    assert rel["physicalLocation"]["region"]["startLine"] == 13


def _fake(i: int, sev: Severity) -> Finding:
    return Finding(
        "EKSA002", "duplicate-key", sev, f"m{i}", Location("a.yaml", i + 1, 1, i + 1, 2), fingerprint=str(i)
    )


def test_results_over_the_code_scanning_limit_keep_the_most_severe(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    result = lint_fixture(tmp_path)
    result = replace(result, findings=[_fake(0, Severity.NOTE), _fake(1, Severity.ERROR),
                                       _fake(2, Severity.WARNING), _fake(3, Severity.ERROR)])  # fmt: skip
    monkeypatch.setattr(sarif_report, "MAX_RESULTS", 2)
    run = build(result)["runs"][0]
    assert [r["message"]["text"] for r in run["results"]] == ["m1", "m3"]
    (note,) = run["invocations"][0]["toolExecutionNotifications"]
    assert note["level"] == "warning" and note["message"]["text"].startswith("2 less severe results left out")


def test_internal_error_marks_the_invocation_unsuccessful(tmp_path: Path) -> None:
    result = replace(lint_fixture(tmp_path), internal_errors=1)
    assert build(result)["runs"][0]["invocations"][0]["executionSuccessful"] is False


def test_uris_are_percent_encoded_and_valid(shared: Path, tmp_path: Path) -> None:
    result = lint_fixture(tmp_path)
    f = Finding(
        "EKSA002", "duplicate-key", Severity.ERROR, "m", Location("dir with space/ü#1.yaml", 1, 1, 1, 2)
    )
    doc = build(replace(result, findings=[f]))
    validate(shared, doc)
    loc = doc["runs"][0]["results"][0]["locations"][0]["physicalLocation"]
    assert loc["artifactLocation"]["uri"] == "dir%20with%20space/%C3%BC%231.yaml"
