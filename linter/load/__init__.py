"""Load one discovered file: bytes -> text -> documents (YAML/JSON) or rows (CSV), never raising on bad input."""

from __future__ import annotations

import io
import os
import re
from typing import Any

from eksa_lint.load.source import CsvRow, Document, LoadProblem, SourceFile
from eksa_lint.load.yaml_loader import load_json, load_yaml

__all__ = [
    "DEFAULT_MAX_BYTES",
    "CsvRow",
    "Document",
    "LoadProblem",
    "SourceFile",
    "apply_state",
    "file_state",
    "load_file",
    "read_text",
]

DEFAULT_MAX_BYTES = 10 * 1024 * 1024
_TEMPLATE_LINE_RE = re.compile(r"^[ \t]*(?:-[ \t]*)?\{\{", re.MULTILINE)


def read_text(file: SourceFile, max_bytes: int = DEFAULT_MAX_BYTES) -> bool:
    """Fill `file.text` from disk; on failure add an EKSA003 problem and return False."""
    try:
        with open(file.abspath, "rb") as fh:
            size = os.fstat(fh.fileno()).st_size
            if size > max_bytes:
                file.problems.append(
                    LoadProblem("EKSA003", f"file is {size:,} bytes, over the {max_bytes:,}-byte limit; not linted")
                )
                return False
            # read(n) would allocate an n-byte buffer per file (10 MiB by default): read what is there, bounded
            data = fh.read(size + 1) if size else fh.read(max_bytes + 1)
            if len(data) > max_bytes:
                file.problems.append(
                    LoadProblem("EKSA003", f"file is over the {max_bytes:,}-byte limit; not linted")
                )
                return False
    except OSError as exc:
        file.problems.append(LoadProblem("EKSA003", f"cannot read the file: {exc.strerror or exc}"))
        return False
    return decode_into(file, data)


def decode_into(file: SourceFile, data: bytes) -> bool:
    """Decode bytes as UTF-8 (a BOM is dropped) into `file.text`; binary or non-UTF-8 data is EKSA003."""
    nul = data.find(b"\x00", 0, 8192)
    if nul >= 0 and not (data.startswith((b"\xff\xfe", b"\xfe\xff"))):
        line = data.count(b"\n", 0, nul) + 1
        file.problems.append(LoadProblem("EKSA003", "binary file (it contains NUL bytes); not linted", line))
        return False
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        col = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
        file.problems.append(
            LoadProblem(
                "EKSA003",
                f"not valid UTF-8 (byte 0x{data[exc.start]:02x} at byte offset {exc.start}); "
                "Kubernetes manifests must be UTF-8",
                line,
                col,
            )
        )
        return False
    text = text.removeprefix("\ufeff")
    file.text = text
    return True


def _templated_at(file: SourceFile) -> int | None:
    """Offset of the template expression that makes this a template (Helm/Go/Jinja), else None."""
    text = file.text
    first = text.find("{{")
    if first < 0:
        return None
    m = _TEMPLATE_LINE_RE.search(text)
    if m:
        return m.end() - 2
    if file.problems and any(p.rule_id == "EKSA001" for p in file.problems):
        return first
    for doc in file.documents:
        d = doc.data
        if not isinstance(d, dict):
            continue
        meta = d.get("metadata") if isinstance(d.get("metadata"), dict) else {}
        for v in (d.get("apiVersion"), d.get("kind"), meta.get("name"), meta.get("namespace")):
            if isinstance(v, str) and "{{" in v:
                return first
    return None


def load_file(
    file: SourceFile, max_bytes: int = DEFAULT_MAX_BYTES, text: str | None = None, docs: bool = False
) -> SourceFile:
    """Read and parse `file` in place. `text` (already decoded) skips the disk read. With `docs`, YAML in
    Markdown fences and in shell heredocs fed to kubectl is loaded too (at its real lines)."""
    if text is not None:
        file.text = text
    elif not read_text(file, max_bytes):
        file.skipped = True
        return file
    if docs and file.kind == "text":
        load_doc_blocks(file)
        return file
    if file.kind == "yaml":
        load_yaml(file)
    elif file.kind == "json":
        load_json(file)
    elif file.kind == "csv":
        load_csv(file)
    if file.kind in ("yaml", "json"):
        at = _templated_at(file)
        if at is not None:
            line, col = file.lines.position(at)
            file.problems[:] = [p for p in file.problems if p.rule_id not in ("EKSA001", "EKSA002", "EKSA007")]
            file.problems.append(
                LoadProblem("EKSA005", "templated file (`{{ ... }}`); render it and lint the output", line, col)
            )
            file.documents.clear()
            file.skipped = True
    return file


def load_doc_blocks(file: SourceFile) -> None:
    """Load the manifests held in a Markdown or shell file's blocks as documents of that file."""
    from eksa_lint.load.docs_extract import doc_kind, extract_blocks, masked  # docs mode only

    kind = doc_kind(file.path)
    if kind is None or ("apiVersion" not in file.text and "kind:" not in file.text):
        return
    for first, last in extract_blocks(file.text, kind):
        shadow = SourceFile(file.path, file.abspath, "yaml", text=masked(file.text, first, last))
        shadow._lines = file.lines
        load_yaml(shadow)
        at = _templated_at(shadow)
        if at is not None:
            line, col = file.lines.position(at)
            file.problems.append(
                LoadProblem("EKSA005", "templated block (`{{ ... }}`); render it to lint it", line, col)
            )
            continue
        for doc in shadow.documents:
            doc.file = file
            doc.index = len(file.documents)
            file.documents.append(doc)
        file.problems.extend(shadow.problems)


def load_csv(file: SourceFile) -> None:
    """Parse a CSV with a header row into rows that keep their line and each cell's column.

    A row spans several physical lines when a quoted cell holds a line break: rows are mapped to the text by
    the reader's line count (the lines the csv module reads, which end at "\n" only), so a multi-line cell,
    or a form feed / NEL / U+2028 inside a cell (which str.splitlines() would split on), does not shift the
    rows after it. A row's `raw` is its whole text, and its columns are 1-based offsets into `raw`."""
    import csv

    text = file.text
    if not text:
        return
    starts = [0]
    i = text.find("\n")
    while i >= 0:
        starts.append(i + 1)
        i = text.find("\n", i + 1)
    reader = csv.reader(io.StringIO(text))
    rows: list[tuple[list[str], int, int]] = []
    prev = 0
    try:
        for cells in reader:
            rows.append((cells, prev, reader.line_num))
            prev = reader.line_num
    except csv.Error as exc:
        at = starts[min(prev, len(starts) - 1)]
        line, col = file.lines.position(at)
        file.problems.append(LoadProblem("EKSA001", f"invalid CSV: {exc}", line, col))
        return
    if not rows:
        return
    header = tuple(h.strip() for h in rows[0][0])
    file.csv_header = header
    for cells, first, last in rows[1:]:
        if not cells or all(c.strip() == "" for c in cells):
            continue
        start = starts[min(first, len(starts) - 1)]
        end = starts[last] if last < len(starts) else len(text)
        raw = text[start:end].removesuffix("\n").removesuffix("\r")
        line_no = file.lines.position(start)[0]
        cols: dict[str, int] = {}
        values: dict[str, str] = {}
        pos = 0
        for i, cell in enumerate(cells):
            name = header[i] if i < len(header) else f"column{i + 1}"
            found = raw.find(cell, pos) if cell else pos
            start_c = found if found >= 0 else pos
            cols[name] = start_c + 1
            values[name] = cell.strip()
            pos = start_c + len(cell) + 1 if found >= 0 else pos
        file.csv_rows.append(CsvRow(line_no, values, cols, raw))


# -- loaded state as plain data (worker processes and the context cache) ------------------------------------------


def file_state(file: SourceFile) -> tuple[Any, ...] | None:
    """What loading produced, as plain data (no node trees), or None when it cannot travel that way (Markdown
    and shell files, whose documents point into blocks)."""
    if file.kind not in ("yaml", "json", "csv"):
        return None
    return (
        file.text,
        file.skipped,
        [(p.rule_id, p.message, p.line, p.col, p.end_line, p.end_col) for p in file.problems],
        [(d.index, d.data) for d in file.documents],
        list(file.csv_header),
        [(r.line, r.values, r.columns, r.raw) for r in file.csv_rows],
    )


def apply_state(file: SourceFile, state: tuple[Any, ...]) -> SourceFile:
    """Fill `file` from `file_state` output; its documents compose their node trees again when first asked."""
    text, skipped, problems, docs, header, rows = state
    file.text = text
    file._lines = None
    file.skipped = bool(skipped)
    file.problems = [LoadProblem(*p) for p in problems]
    file.documents = [Document(file, index, data, lazy=True) for index, data in docs]
    file.csv_header = tuple(header)
    file.csv_rows = [CsvRow(*r) for r in rows]
    return file
