"""JSON: the documented, stable object of docs/json-format.md."""

from __future__ import annotations

import io
import json
from pathlib import Path

from eksa_lint.report import ReportOptions
from eksa_lint.report.json_report import FORMAT_VERSION, report

from tests.test_report_snapshots import lint_fixture

DOC = Path(__file__).resolve().parents[1] / "docs" / "json-format.md"


def _render(tmp_path: Path) -> dict:
    out = io.StringIO()
    report(lint_fixture(tmp_path), out, ReportOptions())
    return json.loads(out.getvalue())


def test_top_level_shape_and_summary(tmp_path: Path) -> None:
    data = _render(tmp_path)
    assert list(data) == ["version", "tool", "findings", "summary"]
    assert data["version"] == FORMAT_VERSION == 1 and data["tool"]["name"] == "eksa-lint"
    assert data["summary"] == {"files_checked": 9, "errors": 5, "warnings": 2, "notes": 1, "suppressed": 3}
    assert len(data["findings"]) == 11


def test_finding_fields(tmp_path: Path) -> None:
    data = _render(tmp_path)
    (f,) = [f for f in data["findings"] if f["rule"] == "EKSA503"]
    assert (f["rule"], f["name"], f["severity"], f["path"], f["line"], f["column"], f["end_line"], f["end_column"]) == (
        "EKSA503", "ipam-pool-overlap", "error", "nets/nads.yaml", 27, 39, 27, 46)  # fmt: skip
    assert f["object"] == {"apiVersion": "k8s.cni.cncf.io/v1", "kind": "NetworkAttachmentDefinition",
                           "namespace": "shop", "name": "backup-net"}  # fmt: skip
    assert f["related"] == [
        {"path": "nets/nads.yaml", "line": 13, "column": 39, "message": "overlapping pool"}
    ]
    assert len(f["fingerprint"]) == 32 and f["suppressed"] is False and f["justification"] is None
    (s,) = [f for f in data["findings"] if f["rule"] == "EKSA002" and f["line"] == 10]
    assert s["suppressed"] is True and s["justification"] == "kept until the v2 rollout"


def test_every_field_is_documented(tmp_path: Path) -> None:
    doc = DOC.read_text(encoding="utf-8")
    data = _render(tmp_path)
    keys = set(data) | set(data["summary"]) | set(data["tool"])
    for f in data["findings"]:
        keys |= set(f)
    missing = sorted(k for k in keys if f'"{k}"' not in doc)
    assert not missing, f"document these JSON fields in docs/json-format.md: {missing}"
