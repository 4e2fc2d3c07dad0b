"""Baselines: record today's findings, then report only new ones (matched by fingerprint, never by line)."""

from __future__ import annotations

import json
import os
from collections import Counter
from typing import Any

from eksa_lint import __version__
from eksa_lint.config import ConfigError
from eksa_lint.findings import Finding, Location
from eksa_lint.record import FrozenRecord

FORMAT_VERSION = 1
STALE_RULE = "EKSA010"


class Entry(FrozenRecord):
    _fields = ("fingerprint", "rule", "path", "line")
    __slots__ = _fields

    def __init__(
        self,
        fingerprint: str,
        rule: str,
        path: str,
        line: int,  # where the entry is in the baseline file (for stale-entry findings)
    ) -> None:
        object.__setattr__(self, "fingerprint", fingerprint)
        object.__setattr__(self, "rule", rule)
        object.__setattr__(self, "path", path)
        object.__setattr__(self, "line", line)


def write(findings: list[Finding], path: str) -> int:
    """Write the active findings as a baseline; returns how many were recorded."""
    entries = [
        {
            "fingerprint": f.fingerprint,
            "rule": f.rule_id,
            "path": f.location.path,
            "object": f.obj.display() if f.obj else None,
            "message": f.message,
        }
        for f in sorted(findings, key=Finding.sort_key)
        if f.suppressed is None and f.rule_id != STALE_RULE
    ]
    data = {"version": FORMAT_VERSION, "tool": f"eksa-lint {__version__}", "findings": entries}
    tmp = f"{path}.tmp"
    with open(tmp, "w", encoding="utf-8", newline="\n") as fh:
        json.dump(data, fh, indent=2, sort_keys=False)
        fh.write("\n")
    os.replace(tmp, path)
    return len(entries)


def read(path: str) -> list[Entry]:
    try:
        with open(path, encoding="utf-8") as fh:
            text = fh.read()
    except OSError as exc:
        raise ConfigError(f"cannot read the baseline: {exc.strerror or exc}", path) from None
    try:
        data: Any = json.loads(text)
    except ValueError as exc:
        raise ConfigError(f"the baseline is not valid JSON: {exc}", path) from None
    if not isinstance(data, dict) or not isinstance(data.get("findings"), list):
        raise ConfigError("the baseline must be an object with a `findings` list (write one with "
                          "--write-baseline)", path)  # fmt: skip
    # line of each entry's fingerprint in the file, for pointing at stale entries
    lines: list[int] = []
    pos = 0
    for e in data["findings"]:
        fp = e.get("fingerprint") if isinstance(e, dict) else None
        at = text.find(f'"{fp}"', pos) if isinstance(fp, str) else -1
        if at >= 0:
            pos = at + 1
        lines.append(text.count("\n", 0, at) + 1 if at >= 0 else 1)
    out = []
    for e, line in zip(data["findings"], lines):
        if isinstance(e, dict) and isinstance(e.get("fingerprint"), str) and isinstance(e.get("path"), str):
            out.append(Entry(e["fingerprint"], str(e.get("rule", "")), e["path"], line))
    return out


def apply(findings: list[Finding], entries: list[Entry], baseline_path: str, reported: set[str],
          rules_run: set[str]) -> list[Finding]:  # fmt: skip
    """Drop findings the baseline covers; add an EKSA010 note for each entry that matches nothing (only for
    files that were linted and rules that ran, so a partial run never calls an entry stale)."""
    budget = Counter((e.fingerprint, e.path) for e in entries)
    kept: list[Finding] = []
    for f in findings:
        key = (f.fingerprint, f.location.path)
        if f.suppressed is None and budget[key] > 0:
            budget[key] -= 1
            continue
        kept.append(f)
    from eksa_lint.registry import get_rule

    stale_rule = get_rule(STALE_RULE)
    if stale_rule is None or STALE_RULE not in rules_run:
        return kept
    for e in entries:
        key = (e.fingerprint, e.path)
        if e.path not in reported or e.rule not in rules_run:
            continue
        if budget[key] > 0:
            budget[key] -= 1
            kept.append(
                Finding(
                    rule_id=STALE_RULE,
                    rule_name=stale_rule.name,
                    severity=stale_rule.severity,
                    message=f"baseline entry for {e.rule} in {e.path} matches no finding any more; "
                    "rewrite the baseline with --write-baseline to shrink it",
                    location=Location.point(baseline_path, e.line, 1),
                    fingerprint=f"{STALE_RULE}:{e.fingerprint}",
                )
            )
    return kept
