"""SARIF 2.1.0 reporter for GitHub code scanning: every rule's metadata, repo-relative URIs, stable
partialFingerprints, in-source suppressions, related locations and fixes."""

from __future__ import annotations

import json
import pathlib
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


def _uri(path: str) -> str:
    return quote(path, safe="/-._~")


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


def _rule(r: Any) -> dict[str, Any]:
    doc = r.documentation()
    return {
        "id": r.id,
        "name": r.name,
        "shortDescription": {"text": r.summary},
        "fullDescription": {"text": r.summary},
        "help": {"text": doc, "markdown": doc},
        "helpUri": r.help_uri,
        "defaultConfiguration": {"level": _LEVEL[r.severity]},
        "properties": {"tags": list(r.tags) or ["eksa-lint"], "fixable": r.fixable or "no"},
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
        res["relatedLocations"] = [_location(loc, msg, i) for i, (loc, msg) in enumerate(f.related, start=1)]
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
                "invocations": [{"executionSuccessful": result.internal_errors == 0}],
                "results": [_result(f, index, files) for f in result.findings],
            }
        ],
    }


def report(result: RunResult, out: TextIO, options: ReportOptions) -> None:
    json.dump(build(result), out, indent=2)
    out.write("\n")
