"""Node path -> source span, following a path into JSON held in a YAML string (a NAD's spec.config)."""

from __future__ import annotations

from typing import Any

from eksa_lint.load.jsonpos import JsonSyntaxError, compose_json
from eksa_lint.load.positions import scalar_source_map
from eksa_lint.load.source import SourceFile
from eksa_lint.record import FrozenRecord
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

MERGE = "tag:yaml.org,2002:merge"


class Span(FrozenRecord):
    """0-based character offsets in the file, and whether the path was found in full."""

    _fields = ("start", "end", "exact")
    __slots__ = _fields

    def __init__(self, start: int, end: int, exact: bool) -> None:
        object.__setattr__(self, "start", start)
        object.__setattr__(self, "end", end)
        object.__setattr__(self, "exact", exact)


class _Embedded:
    """A JSON text held in a YAML string scalar, with the map from its characters back to the file."""

    __slots__ = ("base", "offsets", "root")

    def __init__(self, root: Node, offsets: list[int], base: int) -> None:
        self.root = root
        self.offsets = offsets
        self.base = base

    def to_file(self, i: int) -> int:
        if not self.offsets:
            return self.base
        i = max(0, min(i, len(self.offsets) - 1))
        return self.base + self.offsets[i]


def _embedded(file: SourceFile, node: ScalarNode) -> _Embedded | None:
    # Cached on the file itself: a module-level cache keyed by id(file) returned another (freed) file's
    # entry once that id was reused, which gave wrong positions depending on test order.
    cache = file.embedded
    if cache is None:
        cache = file.embedded = {}
    key = (node.start_mark.index, node.end_mark.index)
    if key in cache:
        return cache[key]
    emb = None
    try:
        root = compose_json(node.value, constants=True)
    except (JsonSyntaxError, RecursionError):
        root = None
    if root is not None:
        start, end = node.start_mark.index, node.end_mark.index
        offsets = scalar_source_map(file.text[start:end], node.value, node.style)
        emb = _Embedded(root, offsets, start)
    cache[key] = emb
    return emb


def _key_text(k: Node) -> Any:
    return k.value if isinstance(k, ScalarNode) else None


def _lookup(node: MappingNode, seg: Any) -> tuple[Node, Node] | None:
    seg_s = str(seg)
    found = None
    for k, v in node.value:
        if k.tag == MERGE:
            continue
        if _key_text(k) == seg_s:
            found = (k, v)  # the last one wins, as in the constructed data
    if found is not None:
        return found
    for k, v in node.value:
        if k.tag == MERGE:
            for src in v.value if isinstance(v, SequenceNode) else [v]:
                if isinstance(src, MappingNode):
                    hit = _lookup(src, seg)
                    if hit is not None:
                        return hit
    return None


def _step(node: Node, seg: Any) -> tuple[Node | None, Node] | None:
    if isinstance(node, MappingNode):
        return _lookup(node, seg)
    if isinstance(node, SequenceNode) and isinstance(seg, int) and -len(node.value) <= seg < len(node.value):
        return (None, node.value[seg])
    return None


def locate(file: SourceFile, root: Node | None, path: tuple[Any, ...], at: str = "key") -> Span:
    """Span of the node at `path` (its key when `at == "key"` and it has one, else its value).

    When the path leaves the tree early, the deepest node reached is returned with exact=False.
    """
    if root is None:
        return Span(0, 0, False)
    node: Node = root
    key: Node | None = None
    key_emb: _Embedded | None = None  # the embedded document `key` belongs to, if any
    emb: _Embedded | None = None  # the embedded document `node` belongs to, if any
    exact = True
    for seg in path:
        nxt = _step(node, seg)
        nxt_emb = emb
        if nxt is None and emb is None and isinstance(node, ScalarNode) and isinstance(node.value, str):
            inner = _embedded(file, node)
            if inner is not None:
                nxt = _step(inner.root, seg)
                nxt_emb = inner
        if nxt is None:
            exact = False
            break
        key, node = nxt
        emb = key_emb = nxt_emb
    if at == "key" and key is not None:
        target, where = key, key_emb
    else:
        target, where = node, emb
    start, end = target.start_mark.index, target.end_mark.index
    if where is not None:
        start, end = where.to_file(start), where.to_file(max(start, end - 1)) + 1
    return Span(start, end, exact)


def string_offset(file: SourceFile, root: Node | None, path: tuple[Any, ...], i: int) -> int | None:
    """File offset of character `i` of the decoded string scalar at `path` (`i == len(value)`: just past its
    last character), whatever the scalar's style; None when the path does not end at a string scalar."""
    node: Node | None = root
    for seg in path:
        if node is None:
            return None
        nxt = _step(node, seg)
        if nxt is None:
            return None
        node = nxt[1]
    if not isinstance(node, ScalarNode) or not isinstance(node.value, str) or not node.value:
        return None
    start, end = node.start_mark.index, node.end_mark.index
    offsets = scalar_source_map(file.text[start:end], node.value, node.style)
    if i >= len(offsets):  # the end of the text: just past its last non-blank character
        j = len(node.value.rstrip())
        return start + (offsets[j - 1] + 1 if j else offsets[0])
    return start + offsets[max(0, i)]
