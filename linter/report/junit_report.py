"""JUnit XML reporter, for CI systems that show test reports: one test suite per linted file, one failing
test case per finding (suppressed ones are skipped cases), one passing case for a clean file."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from typing import TYPE_CHECKING, TextIO

from eksa_lint.report import ReportOptions

if TYPE_CHECKING:
    from eksa_lint.engine import RunResult


def report(result: RunResult, out: TextIO, options: ReportOptions) -> None:
    by_file: dict[str, list] = {f.path: [] for f in result.reported_files}
    for fd in result.findings:
        by_file.setdefault(fd.location.path, []).append(fd)
    root = ET.Element("testsuites", name="eksa-lint", time=f"{result.duration:.3f}")
    total = failures = skipped = 0
    for path in sorted(by_file):
        found = by_file[path]
        suite = ET.SubElement(root, "testsuite", name=path)
        n_fail = n_skip = 0
        if not found:
            ET.SubElement(suite, "testcase", classname="eksa-lint", name=f"{path} is clean", file=path)
        for fd in found:
            loc = fd.location
            case = ET.SubElement(
                suite, "testcase", classname=f"{fd.rule_id} {fd.rule_name}",
                name=f"{loc.path}:{loc.line}:{loc.col}", file=loc.path, line=str(loc.line),
            )  # fmt: skip
            if fd.suppressed is not None:
                n_skip += 1
                ET.SubElement(case, "skipped", message=f"suppressed: {fd.suppressed or 'no justification'}")
                continue
            n_fail += 1
            fail = ET.SubElement(case, "failure", message=fd.message, type=fd.severity.label)
            fail.text = f"{loc.path}:{loc.line}:{loc.col}: {fd.rule_id} [{fd.severity.label}] {fd.message}"
        cases = max(1, len(found))
        suite.set("tests", str(cases))
        suite.set("failures", str(n_fail))
        suite.set("errors", "0")
        suite.set("skipped", str(n_skip))
        total += cases
        failures += n_fail
        skipped += n_skip
    root.set("tests", str(total))
    root.set("failures", str(failures))
    root.set("errors", str(result.internal_errors))
    root.set("skipped", str(skipped))
    ET.indent(root)
    out.write('<?xml version="1.0" encoding="UTF-8"?>\n')
    out.write(ET.tostring(root, encoding="unicode"))
    out.write("\n")
