"""The `eksa-lint` command: click commands and options only; the work is in engine, config and report."""

from __future__ import annotations

import json
import os
import sys
from typing import Any

import click
from eksa_lint import __version__
from eksa_lint.command import EXIT_ERROR, run_check_command
from eksa_lint.config import TARGETS
from eksa_lint.report import FORMATS


class _Group(click.Group):
    """Usage errors exit with 2 (click's default too) and never print a traceback."""

    def main(self, *args: Any, **kwargs: Any) -> Any:  # type: ignore[override]
        try:
            return super().main(*args, **kwargs)
        except KeyboardInterrupt:  # pragma: no cover - interactive
            click.echo("interrupted", err=True)
            sys.exit(130)


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "--version", prog_name="eksa-lint")
def main() -> None:
    """Lint EKS Anywhere networking: cluster configs, NetworkPolicies, Cilium policies and Multus NADs."""


@main.command()
@click.argument("paths", nargs=-1, type=click.Path())
@click.option(
    "--format",
    "--output-format",
    "fmt",
    type=click.Choice(FORMATS),
    default=None,
    help="Output format (default: github under GitHub Actions, else text).",
)
@click.option(
    "--output",
    "-o",
    type=click.Path(dir_okay=False, writable=True),
    default=None,
    help="Write the report to FILE instead of standard output.",
)
@click.option(
    "--config",
    "config_path",
    type=click.Path(dir_okay=False),
    default=None,
    help="Config file (default: .eksa-lint.yaml or [tool.eksa-lint] in pyproject.toml at the repo root).",
)
@click.option(
    "--target",
    type=click.Choice(TARGETS),
    default=None,
    help="Which Cilium the clusters run (default: from each cluster's eksaVersion).",
)
@click.option(
    "--fail-level",
    type=click.Choice(["error", "warning", "note"]),
    default=None,
    help="Exit 1 when a finding at or above this severity remains (default: warning).",
)
@click.option(
    "--select", multiple=True, help="Only these rule IDs, prefixes (EKSA3) or names; comma-separated."
)
@click.option("--ignore", multiple=True, help="Skip these rule IDs, prefixes or names; comma-separated.")
@click.option(
    "--crd-dir", multiple=True, type=click.Path(), help="Folder or file of CRDs whose schemas to use."
)
@click.option("--no-color", is_flag=True, help="No colour (also when NO_COLOR is set).")
@click.option("--quiet", "-q", is_flag=True, help="Only findings, no summary.")
@click.option("--show-suppressed", is_flag=True, help="Also show suppressed findings (text).")
@click.option("--jobs", "-j", type=int, default=None, help="Worker processes for loading (default: 1).")
@click.option("--no-cache", is_flag=True, help="Do not read or write the context cache (.eksa-lint-cache/).")
@click.option(
    "--report",
    "reports",
    multiple=True,
    metavar="FORMAT:FILE",
    help="Also write a report in FORMAT to FILE (repeatable), e.g. --report sarif:eksa-lint.sarif.",
)
@click.option(
    "--statistics", is_flag=True, help="Show the number of findings per rule instead of each finding."
)
@click.option("--fix", is_flag=True, help="Apply safe fixes.")
@click.option("--unsafe-fixes", is_flag=True, help="With --fix or --diff, also apply unsafe fixes.")
@click.option("--diff", is_flag=True, help="Print the fixes as a unified diff instead of writing them.")
@click.option(
    "--baseline",
    type=click.Path(dir_okay=False),
    default=None,
    help="Report only findings not recorded in this baseline file.",
)
@click.option(
    "--write-baseline",
    type=click.Path(dir_okay=False),
    default=None,
    help="Record the current findings in FILE and exit 0.",
)
@click.option(
    "--base",
    "base_rev",
    default=None,
    metavar="REV",
    help="Compare clusters with this git revision for the change-aware rules (EKSA7xx).",
)
@click.option(
    "--include-docs",
    is_flag=True,
    default=None,
    help="Also lint YAML in Markdown fences and kubectl heredocs in *.md and *.sh files.",
)
def check(
    paths: tuple[str, ...],
    fmt: str | None,
    output: str | None,
    config_path: str | None,
    target: str | None,
    fail_level: str | None,
    select: tuple[str, ...],
    ignore: tuple[str, ...],
    crd_dir: tuple[str, ...],
    no_color: bool,
    quiet: bool,
    show_suppressed: bool,
    jobs: int | None,
    no_cache: bool,
    reports: tuple[str, ...],
    statistics: bool,
    fix: bool,
    unsafe_fixes: bool,
    diff: bool,
    baseline: str | None,
    write_baseline: str | None,
    base_rev: str | None,
    include_docs: bool | None,
) -> None:
    """Lint PATHS (files or folders; default: the current folder)."""
    # The usage errors click reports; the rest of the work is shared with the fast path (linter/entry.py).
    for p in list(paths) or ["."]:
        if not os.path.exists(p):
            raise click.BadParameter(f"no such file or folder: {p}", param_hint="PATHS")
    for r in reports:
        kind, sep, dest = r.partition(":")
        if not sep or kind not in FORMATS or not dest:
            raise click.BadParameter(f"{r!r}: use FORMAT:FILE with FORMAT one of {', '.join(FORMATS)}",
                                     param_hint="--report")  # fmt: skip
    run_check_command(click.get_current_context().params)


@main.command("rules")
@click.option("--format", "fmt", type=click.Choice(["text", "json", "markdown"]), default="text")
def rules_cmd(fmt: str) -> None:
    """List every rule: ID, name, default severity and summary."""
    from eksa_lint.registry import all_rules

    rules = all_rules()
    if fmt == "json":
        click.echo(json.dumps([
            {"id": r.id, "name": r.name, "severity": r.severity.label, "summary": r.summary,
             "tags": list(r.tags), "fixable": r.fixable, "help_uri": r.help_uri}
            for r in rules
        ], indent=2))  # fmt: skip
        return
    if fmt == "markdown":
        from eksa_lint.docs import rule_table

        click.echo(rule_table(rules), nl=False)
        return
    w = max(len(r.name) for r in rules)
    for r in rules:
        click.echo(f"{r.id}  {r.name:<{w}}  {r.severity.label:<7}  {r.summary}")


@main.command()
@click.argument("rule")
def explain(rule: str) -> None:
    """Show the full documentation of RULE (an ID such as EKSA404, or a name)."""
    from eksa_lint.registry import get_rule

    r = get_rule(rule)
    if r is None:
        click.echo(f"eksa-lint: unknown rule {rule!r}; `eksa-lint rules` lists them", err=True)
        sys.exit(EXIT_ERROR)
    click.echo(r.documentation(), nl=False)
