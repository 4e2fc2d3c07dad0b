"""Shared test helpers: lint small in-memory or on-disk repos and compare findings as (ID, path, line, col)."""

from __future__ import annotations

import os
import textwrap
from pathlib import Path

# Every finding of every test (also in the CLI subprocesses, which inherit it) must land in a file holding one of
# its rule's `reports_on` kinds: a wrong declaration would make one-file runs skip the rule and miss findings.
os.environ["EKSA_LINT_CHECK_SCOPES"] = "1"

import pytest
from eksa_lint.config import Settings
from eksa_lint.engine import RunResult, lint, lint_texts
from eksa_lint.findings import Finding

SHARED = Path(__file__).resolve().parents[2] / "shared"
if not SHARED.is_dir():  # a clone placed elsewhere: look beside the project folder
    SHARED = Path(os.environ.get("EKSA_LINT_SHARED", str(Path.cwd().parent / "shared")))


def dedent(text: str) -> str:
    return textwrap.dedent(text).lstrip("\n")


def run_texts(files: dict[str, str], settings: Settings | None = None, **overrides: object) -> RunResult:
    """Lint in-memory files (dedented) and return the whole result."""
    s = settings or Settings()
    for k, v in overrides.items():
        setattr(s, k, v)
    return lint_texts([(p, dedent(t)) for p, t in files.items()], s)


def findings(files: dict[str, str], settings: Settings | None = None, **overrides: object) -> list[Finding]:
    return [f for f in run_texts(files, settings, **overrides).findings if f.suppressed is None]


def where(found: list[Finding], rule_id: str | None = None) -> list[tuple[str, str, int, int]]:
    """(ID, path, line, col) of each finding, optionally of one rule."""
    return [
        (f.rule_id, f.location.path, f.location.line, f.location.col)
        for f in found
        if rule_id is None or f.rule_id == rule_id
    ]


def write_tree(root: Path, files: dict[str, str | bytes]) -> Path:
    for rel, content in files.items():
        p = root / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            p.write_bytes(content)
        else:
            p.write_text(dedent(content), encoding="utf-8")
    return root


def lint_tree(root: Path, paths: list[str] | None = None, settings: Settings | None = None) -> RunResult:
    return lint(paths or ["."], settings or Settings(), cwd=str(root))


@pytest.fixture
def shared() -> Path:
    """The ../shared folder (corpus, schemas, reference); tests that need it skip when it is absent."""
    if not SHARED.is_dir():
        pytest.skip(f"../shared is not present beside the project (looked at {SHARED}); corpus tests need it")
    return SHARED
