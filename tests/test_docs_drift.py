"""The README rule table and docs/rules/*.md are generated from rule metadata; fail when they drift."""

from __future__ import annotations

import importlib.util
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _generator():
    spec = importlib.util.spec_from_file_location("generate_docs", ROOT / "scripts" / "generate_docs.py")
    assert spec and spec.loader
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_generated_docs_are_up_to_date() -> None:
    gen = _generator()
    stale = [str(p.relative_to(ROOT)) for p, text in gen.expected().items()
             if not p.exists() or p.read_text(encoding="utf-8") != text]  # fmt: skip
    assert not stale, f"run `python scripts/generate_docs.py`; out of date: {stale}"


def test_no_rule_page_without_a_rule() -> None:
    gen = _generator()
    want = set(gen.expected())
    extra = [p.name for p in (ROOT / "docs" / "rules").glob("EKSA*.md") if p not in want]
    assert not extra, f"pages for rules that do not exist: {extra}"


def test_every_rule_documents_examples_and_source() -> None:
    from eksa_lint.registry import all_rules

    for r in all_rules():
        doc = r.explanation
        assert "## What it does" in doc and "## Example" in doc and "## Use instead" in doc, r.id
        if not r.engine:
            assert "## Source" in doc, f"{r.id} cites no upstream source"
