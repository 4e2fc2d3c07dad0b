"""Autofixes: structured fix operations from rules -> exact text edits -> fixed files.

Rules describe a fix as an operation on a node path (rename a key, delete an entry, set a value, remove a
suppression code). The edits are computed from the loader's exact node positions, so everything outside the
edited node stays byte-for-byte as it was (a full ruamel.yaml round-trip dump re-indents sequences and
re-wraps long lines, so it is only used to check that a fixed file is still YAML with the intended value).
"""

from __future__ import annotations

import bisect
import io
from collections.abc import Iterable
from typing import Any

from eksa_lint.findings import Edit, Finding, Fix
from eksa_lint.load.locate import _lookup
from eksa_lint.load.source import Document, SourceFile
from eksa_lint.record import replace
from yaml.nodes import MappingNode, Node, ScalarNode

# Operations a rule may ask for (Fix.operation):
#   ("rename_key", path, new_name)          path of the key to rename
#   ("delete_entry", path)                  path of a mapping entry to remove (key and value)
#   ("set", mapping_path, key, yaml_text)   set key to a scalar (added when missing)
#   ("edits", ((start, end, text), ...))    raw text edits (used by the engine for suppressions)


def _node_at(doc: Document, path: tuple[Any, ...]) -> tuple[Node | None, Node | None]:
    """(key node, value node) at `path`, or (None, None) when the path does not exist."""
    node: Node | None = doc.node
    key: Node | None = None
    for seg in path:
        if isinstance(node, MappingNode):
            hit = _lookup(node, seg)
            if hit is None:
                return None, None
            key, node = hit
        elif node is not None and hasattr(node, "value") and isinstance(node.value, list) and isinstance(seg, int):
            if not -len(node.value) <= seg < len(node.value):
                return None, None
            key, node = None, node.value[seg]
        else:
            return None, None
    return key, node


def _line_start(text: str, i: int) -> int:
    return text.rfind("\n", 0, i) + 1


def _line_end(text: str, i: int) -> int:
    """Offset just past the line break of the line holding offset i (or the end of text)."""
    j = text.find("\n", i)
    return len(text) if j < 0 else j + 1


def list_item_span(text: str, start: int, end: int) -> tuple[int, int]:
    """Widen the span of one item of a comma-separated list to take its comma (the following one, else the
    preceding one) so removing it leaves a well-formed list."""
    rest = text[end:]
    stripped = rest.lstrip(" ")
    if stripped.startswith(","):
        end += len(rest) - len(stripped) + 1
        while end < len(text) and text[end] == " ":
            end += 1
    else:
        before = text[:start].rstrip(" ")
        if before.endswith(","):
            start = len(before) - 1
    return start, end


def _entry_span(text: str, parent: MappingNode, key: Node, value: Node) -> tuple[int, int]:
    """The text of one mapping entry, whole lines for block style, `k: v` plus a comma for flow style."""
    if parent.flow_style:
        return list_item_span(text, key.start_mark.index, value.end_mark.index)
    start = _line_start(text, key.start_mark.index)
    end = value.end_mark.index
    if text[_line_start(text, end) : end].strip() == "" and end > value.start_mark.index:
        end = _line_start(text, end)  # a block collection ends where the next line's token starts
    else:
        end = _line_end(text, end)
    return start, end


def edits_for(doc: Document | None, fix: Fix) -> tuple[Edit, ...]:
    """Text edits implementing `fix.operation` on `doc` (empty when the operation does not apply)."""
    op = fix.operation
    if op and op[0] == "edits":
        return tuple(Edit(s, e, t) for s, e, t in op[1])
    if not op or doc is None or doc.node is None:
        return fix.edits
    text = doc.file.text
    kind = op[0]
    if kind == "rename_key":
        key, _ = _node_at(doc, tuple(op[1]))
        if not isinstance(key, ScalarNode):
            return ()
        s, e = key.start_mark.index, key.end_mark.index
        if key.style in ("'", '"'):
            s, e = s + 1, e - 1
        return (Edit(s, e, str(op[2])),)
    if kind == "delete_entry":
        path = tuple(op[1])
        _, parent = _node_at(doc, path[:-1])
        key, value = _node_at(doc, path)
        if not isinstance(parent, MappingNode) or key is None or value is None:
            return ()
        if len(parent.value) == 1 and len(path) > 1:
            # the only entry: remove the parent entry too, so no `key:` with a null value is left behind
            _, grand = _node_at(doc, path[:-2])
            pkey, pval = _node_at(doc, path[:-1])
            if isinstance(grand, MappingNode) and pkey is not None and pval is not None:
                s, e = _entry_span(text, grand, pkey, pval)
                return (Edit(s, e, ""),)
        s, e = _entry_span(text, parent, key, value)
        return (Edit(s, e, ""),)
    if kind == "set":
        mpath, name, value_text = tuple(op[1]), str(op[2]), str(op[3])
        mkey, mapping = _node_at(doc, mpath)
        if isinstance(mapping, MappingNode):
            hit = _lookup(mapping, name)
            if hit is not None:
                _, old = hit
                return (Edit(old.start_mark.index, old.end_mark.index, value_text),)
            if mapping.flow_style:
                brace = mapping.start_mark.index
                inner = text[brace + 1 : mapping.end_mark.index - 1].strip()
                return (Edit(brace + 1, brace + 1, f"{name}: {value_text}{', ' if inner else ''}"),)
            first_key = mapping.value[0][0]
            indent = first_key.start_mark.column
            at = _line_start(text, first_key.start_mark.index)
            return (Edit(at, at, " " * indent + f"{name}: {value_text}\n"),)
        if isinstance(mapping, ScalarNode) and mkey is not None and mapping.value in ("", "~", "null"):
            indent = mkey.start_mark.column + 2
            return (Edit(mkey.end_mark.index + 1, _line_end(text, mkey.end_mark.index) - 1,
                         f"\n{' ' * indent}{name}: {value_text}"),)  # fmt: skip
        return ()
    return ()


def _verify(text: str) -> bool:
    """The fixed text is still YAML (ruamel round-trip parse)."""
    from ruamel.yaml import YAML
    from ruamel.yaml.error import YAMLError

    try:
        list(YAML(typ="rt").load_all(io.StringIO(text)))
    except (YAMLError, ValueError):
        return False
    return True


def apply_edits(text: str, edits: Iterable[Edit]) -> str:
    out = text
    for e in sorted(edits, key=lambda e: (e.start, e.end), reverse=True):
        out = out[: e.start] + e.text + out[e.end :]
    return out


class _Taken:
    """The edits already chosen for one file, sorted by start. Chosen edits never overlap, so their ends
    are sorted too, and whether a new edit collides is two binary searches rather than a scan (20k fixes
    in one file would otherwise take a quadratic 17 s)."""

    __slots__ = ("edits", "ends", "starts")

    def __init__(self) -> None:
        self.starts: list[int] = []
        self.ends: list[int] = []
        self.edits: list[Edit] = []

    def collides(self, e: Edit) -> bool:
        """Overlaps a chosen edit, or starts where one starts (two insertions at one offset have no order)."""
        i = bisect.bisect_left(self.starts, e.start)
        if i < len(self.starts) and self.starts[i] == e.start:
            return True
        j = bisect.bisect_left(self.starts, e.end)  # chosen edits that start before e ends
        return j > 0 and self.ends[j - 1] > e.start

    def add(self, e: Edit) -> None:
        i = bisect.bisect_left(self.starts, e.start)
        self.starts.insert(i, e.start)
        self.ends.insert(i, e.end)
        self.edits.insert(i, e)

    def remove(self, e: Edit) -> None:
        i = bisect.bisect_left(self.starts, e.start)
        del self.starts[i], self.ends[i], self.edits[i]


def plan(findings: Iterable[Finding], files: Iterable[SourceFile], unsafe: bool) -> dict[str, tuple[str, str, int]]:
    """{path: (old text, new text, number of fixes)} for the applicable fixes (overlapping ones are left
    for a later run, as ruff does; so is a fix whose own edits overlap)."""
    by_path = {f.path: f for f in files}
    chosen: dict[str, _Taken] = {}
    counts: dict[str, int] = {}
    for fd in findings:
        fx = fd.fix
        if fx is None or not fx.edits or fd.suppressed is not None or (not fx.safe and not unsafe):
            continue
        taken = chosen.setdefault(fd.path, _Taken())
        added: list[Edit] = []
        for e in fx.edits:
            if taken.collides(e):
                for a in added:
                    taken.remove(a)
                break
            taken.add(e)
            added.append(e)
        else:
            counts[fd.path] = counts.get(fd.path, 0) + 1
    out: dict[str, tuple[str, str, int]] = {}
    for path, taken in chosen.items():
        f = by_path.get(path)
        if f is None or not taken.edits:
            continue
        new = apply_edits(f.text, taken.edits)
        if new != f.text and (f.kind != "yaml" or _verify(new)):
            out[path] = (f.text, new, counts[path])
    return out


def unified_diff(path: str, old: str, new: str) -> str:
    import difflib

    return "".join(difflib.unified_diff(old.splitlines(True), new.splitlines(True), f"a/{path}", f"b/{path}"))


def with_edits(fix: Fix, doc: Document | None) -> Fix:
    """The fix with its text edits computed (the engine calls this when it resolves a finding)."""
    if fix.edits:
        return fix
    return replace(fix, edits=edits_for(doc, fix))
