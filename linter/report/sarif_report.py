"""SARIF 2.1.0 reporter for GitHub code scanning: every rule's metadata, repo-relative URIs, stable
partialFingerprints, in-source suppressions, related locations and fixes."""

from __future__ import annotations

import json
import pathlib
import re
from typing import TYPE_CHECKING, Any, TextIO
from urllib.parse import quote

from eksa_lint import __version__
from eksa_lint.findings import Finding, Location, Severity
from eksa_lint.registry import all_rules
from eksa_lint.report import ReportOptions

if TYPE_CHECKING:
    from eksa_lint.engine import RunResult

SCHEMA_URI = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
INFORMATION_URI = "https://github.com/eksa-lint/eksa-lint"
_LEVEL = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.NOTE: "note"}
# GitHub code scanning rejects a run with more than 25,000 results, stores at most 100 locations per result
# and shows at most 10 tags per rule (docs.github.com: "About code scanning limits on SARIF results").
MAX_RESULTS = 25_000
MAX_RELATED = 100
MAX_TAGS = 10
_WHAT_IT_DOES = re.compile(r"^## What it does\s*\n(?P<para>.+?)(?:\n\s*\n|\n##|\Z)", re.DOTALL | re.MULTILINE)


def _uri(path: str) -> str:
    return quote(path.encode("utf-8", "surrogateescape"), safe="/-._~")


def _region(loc: Location) -> dict[str, int]:
    return {"startLine": loc.line, "startColumn": loc.col, "endLine": loc.end_line, "endColumn": loc.end_col}


def _location(loc: Location, message: str | None = None, ident: int | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {
        "physicalLocation": {
            "artifactLocation": {"uri": _uri(loc.path), "uriBaseId": "SRCROOT"},
            "region": _region(loc),
        }
    }
    if ident is not None:
        out["id"] = ident
    if message:
        out["message"] = {"text": message}
    return out


def full_description(r: Any) -> str:
    """The first paragraph of the rule's "What it does" section (code scanning shows it atop the alert)."""
    m = _WHAT_IT_DOES.search(r.explanation or "")
    para = " ".join(m.group("para").split()) if m else ""
    return para or r.summary


def _rule(r: Any) -> dict[str, Any]:
    doc = r.documentation()
    return {
        "id": r.id,
        "name": r.name,
        "shortDescription": {"text": r.summary},
        "fullDescription": {"text": full_description(r)},
        "help": {"text": doc, "markdown": doc},
        "helpUri": r.help_uri,
        "defaultConfiguration": {"level": _LEVEL[r.severity]},
        "properties": {"tags": list(r.tags)[:MAX_TAGS] or ["eksa-lint"], "fixable": r.fixable or "no"},
    }


def _result(f: Finding, index: dict[str, int], files: dict[str, str]) -> dict[str, Any]:
    res: dict[str, Any] = {
        "ruleId": f.rule_id,
        "ruleIndex": index[f.rule_id],
        "level": _LEVEL[f.severity],
        "message": {"text": f.message},
        "locations": [_location(f.location)],
        "partialFingerprints": {"eksaLintFingerprint/v1": f.fingerprint},
    }
    if f.obj is not None:
        res["properties"] = {"object": f.obj.display()}
    if f.related:
        res["relatedLocations"] = [
            _location(loc, msg, i) for i, (loc, msg) in enumerate(f.related[:MAX_RELATED], start=1)
        ]
    if f.suppressed is not None:
        sup: dict[str, Any] = {"kind": "inSource", "status": "accepted"}
        if f.suppressed:
            sup["justification"] = f.suppressed
        res["suppressions"] = [sup]
    if f.fix is not None and f.fix.edits and f.path in files:
        text = files[f.path]
        res["fixes"] = [
            {
                "description": {"text": f.fix.description + ("" if f.fix.safe else " (unsafe)")},
                "artifactChanges": [
                    {
                        "artifactLocation": {"uri": _uri(f.path), "uriBaseId": "SRCROOT"},
                        "replacements": [
                            {
                                "deletedRegion": {"charOffset": e.start, "charLength": e.end - e.start},
                                **({"insertedContent": {"text": e.text}} if e.text else {}),
                            }
                            for e in f.fix.edits
                            if 0 <= e.start <= e.end <= len(text)
                        ],
                    }
                ],
            }
        ]
    return res


def build(result: RunResult) -> dict[str, Any]:
    rules = all_rules()
    index = {r.id: i for i, r in enumerate(rules)}
    files = {f.path: f.text for f in result.files}
    root_uri = pathlib.Path(result.root).resolve().as_uri().rstrip("/") + "/"
    findings = result.findings
    invocation: dict[str, Any] = {"executionSuccessful": result.internal_errors == 0}
    if len(findings) > MAX_RESULTS:
        # keep the most severe unsuppressed findings, in their usual order, and say how many were left out
        keep = sorted(
            range(len(findings)), key=lambda i: (findings[i].suppressed is not None, -findings[i].severity)
        )
        kept = set(keep[:MAX_RESULTS])
        left_out = len(findings) - MAX_RESULTS
        findings = [f for i, f in enumerate(findings) if i in kept]
        invocation["toolExecutionNotifications"] = [{
            "level": "warning",
            "message": {"text": f"{left_out} less severe results left out: GitHub code scanning accepts at most "
                                f"{MAX_RESULTS} results per run; use the json format for all of them"},
        }]  # fmt: skip
    return {
        "$schema": SCHEMA_URI,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "eksa-lint",
                        "version": __version__,
                        "semanticVersion": __version__,
                        "informationUri": INFORMATION_URI,
                        "rules": [_rule(r) for r in rules],
                    }
                },
                "automationDetails": {"id": "eksa-lint/"},
                "originalUriBaseIds": {"SRCROOT": {"uri": root_uri}},
                "columnKind": "unicodeCodePoints",
                "invocations": [invocation],
                "results": [_result(f, index, files) for f in findings],
            }
        ],
    }


def report(result: RunResult, out: TextIO, options: ReportOptions) -> None:
    # Indented for people; large reports compact, so that json's C encoder writes them (10x faster).
    out.write(json.dumps(build(result), indent=2 if len(result.findings) <= 500 else None))
    out.write("\n")
