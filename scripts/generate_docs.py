"""Regenerate the docs that come from rule metadata: README's rule table and docs/rules/EKSAnnn.md.

Run after adding or changing a rule: `python scripts/generate_docs.py`. tests/test_docs_drift.py fails when
the committed docs differ from what this writes.
"""

from __future__ import annotations

import sys
from pathlib import Path

from eksa_lint.docs import README_BEGIN, README_END, rule_table
from eksa_lint.registry import all_rules

ROOT = Path(__file__).resolve().parents[1]


def expected() -> dict[Path, str]:
    rules = all_rules()
    out = {ROOT / "docs" / "rules" / f"{r.id}.md": r.documentation() for r in rules}
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    start = readme.index(README_BEGIN) + len(README_BEGIN)
    end = readme.index(README_END)
    out[ROOT / "README.md"] = readme[:start] + "\n" + rule_table(rules) + readme[end:]
    return out


def main() -> int:
    want = expected()
    rules_dir = ROOT / "docs" / "rules"
    rules_dir.mkdir(parents=True, exist_ok=True)
    for stale in rules_dir.glob("EKSA*.md"):
        if stale not in want:
            stale.unlink()
    for path, text in want.items():
        if not path.exists() or path.read_text(encoding="utf-8") != text:
            path.write_text(text, encoding="utf-8")
            print(f"wrote {path.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
