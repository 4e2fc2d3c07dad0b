"""Regenerate tests/snapshots/ from tests/fixtures/report (review the diff before committing)."""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[1]


def main() -> int:
    sys.path.insert(0, str(PROJECT))
    from tests.test_report_snapshots import FORMATS, SNAPSHOTS, render

    SNAPSHOTS.mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        for fmt, name in FORMATS.items():
            _, out = render(fmt, Path(tmp))
            path = SNAPSHOTS / name
            old = path.read_text(encoding="utf-8") if path.exists() else None
            path.write_text(out, encoding="utf-8")
            print(f"{'unchanged' if old == out else 'updated'}: {path.relative_to(PROJECT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
