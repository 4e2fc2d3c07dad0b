"""Text: `path:line:col: ID [severity] message`, source line and caret, colour, summary, quiet, statistics."""

from __future__ import annotations

import io
import re
from pathlib import Path

from eksa_lint.report import ReportOptions
from eksa_lint.report.text_report import report

from tests.test_report_snapshots import lint_fixture


def _render(tmp_path: Path, **opts: bool) -> str:
    out = io.StringIO()
    report(lint_fixture(tmp_path), out, ReportOptions(**opts))
    return out.getvalue()


def test_plain_lines_and_summary(tmp_path: Path) -> None:
    out = _render(tmp_path)
    lines = out.splitlines()
    assert lines[0] == ('apps/api.yaml:13:38: EKSA406 [error] network "shop/metrics-net" has no '
                        "NetworkAttachmentDefinition in the repo; add it or fix the name")  # fmt: skip
    assert "\x1b[" not in out and " | " not in out
    assert lines[-2] == ""
    assert re.fullmatch(
        r"5 errors, 2 warnings, 1 note in 6 files; 9 files checked in \d+\.\d\d s \(3 suppressed\)", lines[-1]
    )
    assert "(suppressed)" not in out  # suppressed findings are counted, not listed


def test_source_line_and_caret_under_the_column(tmp_path: Path) -> None:
    lines = _render(tmp_path, show_source=True).splitlines()
    i = lines.index('nets/nads.yaml:12:7: EKSA404 [warning] master "eth0" is the primary interface; attach the '
                    'secondary network to a dedicated NIC such as "eth1"')  # fmt: skip
    assert lines[i + 1] == '   12 |       "master": "eth0",'
    assert lines[i + 2] == "      |       ^^^^^^^^"
    # the caret sits under column 7 of the source text
    assert lines[i + 2].index("^") - len("   12 | ") == 7 - 1


def test_colour_only_when_asked(tmp_path: Path) -> None:
    out = _render(tmp_path, color=True)
    assert "\x1b[1mapps/api.yaml:13:38:\x1b[0m \x1b[1mEKSA406\x1b[0m \x1b[31m[error]\x1b[0m network" in out
    assert "\x1b[33m[warning]\x1b[0m" in out and "\x1b[36m[note]\x1b[0m" in out


def test_quiet_prints_only_findings(tmp_path: Path) -> None:
    out = _render(tmp_path, quiet=True)
    assert "files checked" not in out and len(out.splitlines()) == 8


def test_show_suppressed_marks_them(tmp_path: Path) -> None:
    out = _render(tmp_path, quiet=True, show_suppressed=True)
    assert "apps/dup.yaml:10:3: EKSA002 [error] duplicate key 'mode'" in out
    assert out.count("(suppressed)") == 3


def test_statistics_count_per_rule(tmp_path: Path) -> None:
    lines = _render(tmp_path, statistics=True).splitlines()
    assert lines[0] == "2  EKSA102  networkpolicy-schema [*]"
    assert "1  EKSA503  ipam-pool-overlap" in lines and not any(":27:39:" in ln for ln in lines)
