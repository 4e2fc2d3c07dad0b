"""JSON reporter: a stable, documented object (docs/json-format.md); `version` changes only on breaking changes."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any, TextIO

from eksa_lint import __version__
from eksa_lint.findings import Finding
from eksa_lint.report import ReportOptions

if TYPE_CHECKING:
    from eksa_lint.engine import RunResult

FORMAT_VERSION = 1


def finding_dict(f: Finding) -> dict[str, Any]:
    loc = f.location
    return {
        "rule": f.rule_id,
        "name": f.rule_name,
        "severity": f.severity.label,
        "message": f.message,
        "path": loc.path,
        "line": loc.line,
        "column": loc.col,
        "end_line": loc.end_line,
        "end_column": loc.end_col,
        "object": (
            {
                "apiVersion": f.obj.api_version,
                "kind": f.obj.kind,
                "namespace": f.obj.namespace,
                "name": f.obj.name,
            }
            if f.obj
            else None
        ),
        "node_path": [p if isinstance(p, int) else str(p) for p in f.node_path],
        "fingerprint": f.fingerprint,
        "suppressed": f.suppressed is not None,
        "justification": f.suppressed or None,
        "related": [{"path": r.path, "line": r.line, "column": r.col, "message": m} for r, m in f.related],
        "fix": ({"description": f.fix.description, "safe": f.fix.safe} if f.fix and f.fix.edits else None),
    }


def report(result: RunResult, out: TextIO, options: ReportOptions) -> None:
    active = result.active()
    by_sev = {s: sum(1 for f in active if f.severity.label == s) for s in ("error", "warning", "note")}
    data = {
        "version": FORMAT_VERSION,
        "tool": {"name": "eksa-lint", "version": __version__},
        "findings": [finding_dict(f) for f in result.findings],
        "summary": {
            "files_checked": len(result.reported_files),
            "errors": by_sev["error"],
            "warnings": by_sev["warning"],
            "notes": by_sev["note"],
            "suppressed": len(result.findings) - len(active),
        },
    }
    # Indented for people; large reports compact, so that json's C encoder writes them (10x faster).
    out.write(json.dumps(data, indent=2 if len(result.findings) <= 500 else None))
    out.write("\n")
