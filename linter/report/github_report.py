"""GitHub Actions workflow commands: one `::error|warning|notice file=...::message` line per finding."""

from __future__ import annotations

from typing import TYPE_CHECKING, TextIO

from eksa_lint.findings import Severity
from eksa_lint.report import ReportOptions

if TYPE_CHECKING:
    from eksa_lint.engine import RunResult

_COMMAND = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.NOTE: "notice"}


def escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def report(result: RunResult, out: TextIO, options: ReportOptions) -> None:
    for f in result.active():
        loc = f.location
        props = (
            f"file={escape_property(loc.path)},line={loc.line},col={loc.col},"
            f"endLine={loc.end_line},endColumn={loc.end_col},title={escape_property(f'{f.rule_id} {f.rule_name}')}"
        )
        out.write(f"::{_COMMAND[f.severity]} {props}::{escape_data(f.message)}\n")
