"""Text reporter: `path:line:col: ID [severity] message`, with source, caret, colour and a summary on a TTY."""

from __future__ import annotations

from typing import TYPE_CHECKING, TextIO

from eksa_lint.findings import Severity
from eksa_lint.report import ReportOptions

if TYPE_CHECKING:
    from eksa_lint.engine import RunResult

_COLORS = {Severity.ERROR: "\033[31m", Severity.WARNING: "\033[33m", Severity.NOTE: "\033[36m"}
_BOLD, _DIM, _RESET = "\033[1m", "\033[2m", "\033[0m"


def report(result: RunResult, out: TextIO, options: ReportOptions) -> None:
    files = {f.path: f for f in result.files}
    shown = [f for f in result.findings if f.suppressed is None or options.show_suppressed]
    if options.statistics:
        _statistics(shown, out)
        shown = []
    for fd in shown:
        loc = fd.location
        sev = fd.severity.label
        if options.color:
            head = f"{_BOLD}{loc.path}:{loc.line}:{loc.col}:{_RESET} {_BOLD}{fd.rule_id}{_RESET} "
            head += f"{_COLORS[fd.severity]}[{sev}]{_RESET} {fd.message}"
        else:
            head = f"{loc.path}:{loc.line}:{loc.col}: {fd.rule_id} [{sev}] {fd.message}"
        if fd.suppressed is not None:
            head += " (suppressed)"
        out.write(head + "\n")
        if options.show_source:
            src = files.get(loc.path)
            line = src.line_text(loc.line) if src is not None else ""
            if line:
                line = line.expandtabs(1)
                width = max(
                    1, (loc.end_col - loc.col) if loc.end_line == loc.line else len(line) - loc.col + 1
                )
                gutter = f"{loc.line:>5} | "
                caret = " " * (len(gutter) - 2) + "| " + " " * (loc.col - 1) + "^" * min(width, 80)
                if options.color:
                    out.write(f"{_DIM}{gutter}{_RESET}{line}\n{_COLORS[fd.severity]}{caret}{_RESET}\n")
                else:
                    out.write(f"{gutter}{line}\n{caret}\n")
    if options.summary and not options.quiet:
        active = result.active()
        errors = sum(1 for f in active if f.severity == Severity.ERROR)
        warnings = sum(1 for f in active if f.severity == Severity.WARNING)
        notes = sum(1 for f in active if f.severity == Severity.NOTE)
        nfiles = len({f.location.path for f in active})
        checked = len(result.reported_files)
        suppressed = len(result.findings) - len(active)
        parts = f"{errors} error{'s' * (errors != 1)}, {warnings} warning{'s' * (warnings != 1)}"
        if notes:
            parts += f", {notes} note{'s' * (notes != 1)}"
        line = (
            f"{parts} in {nfiles} file{'s' * (nfiles != 1)}; {checked} file{'s' * (checked != 1)} checked in "
        )
        line += f"{result.duration:.2f} s"
        if suppressed:
            line += f" ({suppressed} suppressed)"
        out.write(("\n" if shown else "") + line + "\n")


def _statistics(findings: list, out: TextIO) -> None:
    """Count per rule, most frequent first (like `ruff check --statistics`)."""
    counts: dict[tuple[str, str], int] = {}
    fixable: dict[str, int] = {}
    for f in findings:
        counts[(f.rule_id, f.rule_name)] = counts.get((f.rule_id, f.rule_name), 0) + 1
        if f.fix is not None and f.fix.edits:
            fixable[f.rule_id] = fixable.get(f.rule_id, 0) + 1
    width = max((len(str(n)) for n in counts.values()), default=1)
    for (rid, name), n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])):
        mark = " [*]" if fixable.get(rid) else ""
        out.write(f"{n:>{width}}  {rid}  {name}{mark}\n")
