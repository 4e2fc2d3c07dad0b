"""GitHub workflow commands: one annotation per unsuppressed finding, escaped per the workflow-command rules."""

from __future__ import annotations

import io
from pathlib import Path

from eksa_lint.findings import Finding, Location, Severity
from eksa_lint.report import ReportOptions
from eksa_lint.report.github_report import escape_data, escape_property, report

from tests.test_report_snapshots import lint_fixture


def _render(result) -> list[str]:  # type: ignore[no-untyped-def]
    out = io.StringIO()
    report(result, out, ReportOptions())
    return out.getvalue().splitlines()


def test_escaping() -> None:
    assert escape_data("100% of\r\nit: a,b") == "100%25 of%0D%0Ait: a,b"
    assert escape_property("dir,x/a:b.yaml 5%") == "dir%2Cx/a%3Ab.yaml 5%25"


def test_one_command_per_active_finding_with_levels(tmp_path: Path) -> None:
    result = lint_fixture(tmp_path)
    lines = _render(result)
    assert len(lines) == len(result.active()) and len(lines) < len(
        result.findings
    )  # suppressed ones are not annotated
    assert lines[0] == (
        "::error file=apps/api.yaml,line=13,col=38,endLine=13,endColumn=62,title=EKSA406 network-attachment-missing::"
        'network "shop/metrics-net" has no NetworkAttachmentDefinition in the repo; add it or fix the name'
    )
    kinds = {ln.split(" ", 1)[0] for ln in lines}
    assert kinds == {"::error", "::warning", "::notice"}
    assert any(ln.startswith("::notice file=helm/template.yaml,line=4,col=9,") for ln in lines)
    assert any(
        ln.startswith("::warning file=nets/nads.yaml,line=12,col=7,endLine=12,endColumn=15,") for ln in lines
    )


def test_message_and_path_are_escaped(tmp_path: Path) -> None:
    from eksa_lint.record import replace

    result = lint_fixture(tmp_path)
    f = Finding("EKSA002", "duplicate-key", Severity.WARNING, "50% done\nnext line",
                Location("a,b:c.yaml", 2, 3, 2, 5))  # fmt: skip
    (line,) = _render(replace(result, findings=[f]))
    assert (
        line
        == "::warning file=a%2Cb%3Ac.yaml,line=2,col=3,endLine=2,endColumn=5,title=EKSA002 duplicate-key::50%25 done%0Anext line"
    )
