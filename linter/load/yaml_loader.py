"""YAML and JSON files -> documents with positions, guarded against alias bombs, deep nesting and unsafe tags.

Parsing uses libyaml's composer (C) for node trees with marks; construction is our own walk, so no tag is ever
constructed into an object, duplicate keys are seen, and alias expansion is counted before anything walks it.
"""

from __future__ import annotations

import gc
import re
from typing import Any

import yaml
from eksa_lint.load.jsonpos import JsonDepthError, JsonSyntaxError, compose_json
from eksa_lint.load.source import Document, LoadProblem, SourceFile
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

try:
    _Base: Any = yaml.CSafeLoader
except AttributeError:  # pragma: no cover - PyYAML built without libyaml
    _Base = yaml.SafeLoader

_RESOLVED: dict[str, str] = {}  # plain scalar -> implicit tag; bounded below
_RESOLVED_MAX = 200_000


class _Loader(_Base):  # type: ignore[misc,valid-type]
    """libyaml's composer with a memoized implicit-tag resolver: the composer asks for every node's tag, and
    PyYAML's resolver runs regexes each time (a fifth of the load time on a large repo). The answers are the
    same: the safe resolver has no path resolvers, so a tag depends only on the node kind and, for a plain
    scalar, on its text."""

    def resolve(self, kind: Any, value: Any, implicit: Any) -> str:
        if kind is ScalarNode:
            if not implicit[0]:
                return STR
            tag = _RESOLVED.get(value)
            if tag is None:
                tag = _Base.resolve(self, kind, value, implicit)
                if len(_RESOLVED) >= _RESOLVED_MAX:
                    _RESOLVED.clear()
                _RESOLVED[value] = tag
            return tag
        return SEQ if kind is SequenceNode else MAP

    def descend_resolver(self, current_node: Any, current_index: Any) -> None:  # no path resolvers
        return None

    def ascend_resolver(self) -> None:
        return None

MAX_DEPTH = 200
MAX_EXPANDED_NODES = 2_000_000  # per file, counting every node reached through aliases again
ALIAS_EXPANSION_FACTOR = 10  # expansion larger than this many times the distinct nodes is a bomb

_P = "tag:yaml.org,2002:"
STR, INT, FLOAT, BOOL, NULL = _P + "str", _P + "int", _P + "float", _P + "bool", _P + "null"
MAP, SEQ, MERGE, TIMESTAMP, BINARY = _P + "map", _P + "seq", _P + "merge", _P + "timestamp", _P + "binary"
# Tags Kubernetes' YAML decoder understands; anything else (!!python/..., !Ref, !!set) is never constructed.
STANDARD_TAGS = frozenset({STR, INT, FLOAT, BOOL, NULL, MAP, SEQ, MERGE, TIMESTAMP, BINARY, _P + "value"})

_SC = yaml.SafeLoader("")  # only its scalar constructors (int/float/bool) are used; they read node.value
_COMPACT_SEQ_RE = re.compile(rf"(?:-[ \t]+){{{MAX_DEPTH // 2}}}")
_BRACKET_RE = re.compile(r"[\[\]{}]")


class LimitExceeded(Exception):
    def __init__(self, message: str, node: Node | None = None) -> None:
        super().__init__(message)
        self.node = node


class _Builder:
    """Constructs plain Python data from composed nodes, collecting problems instead of raising."""

    def __init__(self, problems: list[LoadProblem], check_aliases: bool) -> None:
        self.problems = problems
        self.seen: dict[int, Any] | None = {} if check_aliases else None
        self.open: set[int] = set()  # collections being built (an alias to one of them is recursive)
        self.reported_tags: set[tuple[int, int]] = set()

    def tag_problem(self, node: Node) -> None:
        m = node.start_mark
        key = (m.line, m.column)
        if key in self.reported_tags:
            return
        self.reported_tags.add(key)
        self.problems.append(
            LoadProblem(
                "EKSA007",
                f"tag {node.tag!r} is not a standard YAML tag; it was not constructed "
                "(Kubernetes does not understand it either)",
                m.line + 1,
                m.column + 1,
            )
        )

    def build(self, node: Node, depth: int = 0) -> Any:
        if depth > MAX_DEPTH:
            raise LimitExceeded(f"nesting deeper than {MAX_DEPTH} levels", node)
        seen = self.seen
        if seen is not None:
            nid = id(node)
            if nid in seen:  # an alias: share the constructed value, as YAML does
                if nid in self.open:
                    raise LimitExceeded("an alias refers to a node that contains it (a recursive document; "
                                        "Kubernetes cannot represent it)", node)
                return seen[nid]
        cls = node.__class__
        tag = node.tag
        if cls is ScalarNode:
            if tag == STR:
                value: Any = node.value
            elif tag in (INT, FLOAT, BOOL, NULL):
                try:
                    value = _SC.yaml_constructors[tag](_SC, node)
                except (ValueError, KeyError, IndexError, yaml.YAMLError):  # `!!bool maybe`, `!!int ""`
                    value = node.value
            else:
                if tag not in STANDARD_TAGS:
                    self.tag_problem(node)
                value = node.value
        elif cls is MappingNode:
            if tag != MAP:
                self.tag_problem(node)
            value = {}
            if seen is not None:
                seen[id(node)] = value
                self.open.add(id(node))
            self.fill_mapping(node, value, depth)
            self.open.discard(id(node))
            return value
        else:
            if tag != SEQ:
                self.tag_problem(node)
            value = []
            if seen is not None:
                seen[id(node)] = value
                self.open.add(id(node))
            for item in node.value:
                value.append(self.build(item, depth + 1))
            self.open.discard(id(node))
            return value
        return value

    def key_of(self, knode: Node) -> str | None:
        if knode.__class__ is ScalarNode:
            if knode.tag not in STANDARD_TAGS:
                self.tag_problem(knode)
            return knode.value
        m = knode.start_mark
        self.problems.append(
            LoadProblem("EKSA001", "a mapping key must be a scalar (Kubernetes rejects complex keys)",
                        m.line + 1, m.column + 1)
        )
        return None

    def fill_mapping(self, node: MappingNode, out: dict[str, Any], depth: int) -> None:
        merges: list[Node] = []
        first_seen: dict[str, Node] = {}
        for knode, vnode in node.value:
            if knode.tag == MERGE:
                merges.append(vnode)
                continue
            key = self.key_of(knode)
            if key is None:
                continue
            if key in first_seen:
                prev = first_seen[key].start_mark
                m = knode.start_mark
                self.problems.append(
                    LoadProblem(
                        "EKSA002",
                        f"duplicate key {key!r} (first defined at line {prev.line + 1}); "
                        "Kubernetes rejects the object, and other tools keep only one of the values",
                        m.line + 1,
                        m.column + 1,
                        knode.end_mark.line + 1,
                        knode.end_mark.column + 1,
                    )
                )
            else:
                first_seen[key] = knode
            out[key] = self.build(vnode, depth + 1)
        for merge in merges:
            sources = merge.value if isinstance(merge, SequenceNode) else [merge]
            for src in sources:
                built = self.build(src, depth + 1)
                if isinstance(built, dict):
                    for k, v in built.items():
                        out.setdefault(k, v)


def _expanded_size(root: Node, limit: int) -> tuple[int, int]:
    """(nodes reached counting aliases again, distinct nodes), stopping once `limit` is passed."""
    sizes: dict[int, int] = {}
    stack: list[tuple[Node, bool]] = [(root, False)]
    while stack:
        node, done = stack.pop()
        nid = id(node)
        if nid in sizes and not done:
            continue
        if node.__class__ is ScalarNode:
            sizes[nid] = 1
            continue
        children = [v for kv in node.value for v in kv] if node.__class__ is MappingNode else node.value
        if done:
            total = 1
            for c in children:
                total += sizes.get(id(c), 1)
                if total > limit:
                    return total, len(sizes)
            sizes[nid] = total
        else:
            sizes[nid] = 1  # provisional; also breaks recursive aliases
            stack.append((node, True))
            for c in children:
                if id(c) not in sizes:
                    stack.append((c, False))
    return sizes.get(id(root), 1), len(sizes)


def _prescan_depth(text: str) -> tuple[int, int] | None:
    """Offset and depth where flow or compact-sequence nesting passes MAX_DEPTH (libyaml recurses on it)."""
    if text.count("[") + text.count("{") > MAX_DEPTH:
        depth = 0
        for m in _BRACKET_RE.finditer(text):
            if m.group() in "[{":
                depth += 1
                if depth > MAX_DEPTH:
                    return m.start(), depth
            elif depth:
                depth -= 1
    m = _COMPACT_SEQ_RE.search(text)
    if m:
        return m.start(), MAX_DEPTH
    return None


def _problem_at(file: SourceFile, rule_id: str, message: str, offset: int) -> LoadProblem:
    line, col = file.lines.position(offset)
    return LoadProblem(rule_id, message, line, col)


def load_yaml(file: SourceFile) -> None:
    """Parse `file.text` as a YAML stream into `file.documents`, recording problems in `file.problems`."""
    text = file.text
    deep = _prescan_depth(text)
    if deep is not None:
        file.problems.append(
            _problem_at(file, "EKSA004", f"nesting deeper than {MAX_DEPTH} levels; the file is not loaded",
                        deep[0])
        )
        file.skipped = True
        return
    check_aliases = "*" in text
    builder = _Builder(file.problems, check_aliases)
    index = 0
    try:
        for node in yaml.compose_all(text, Loader=_Loader):
            if node is None:
                continue
            if check_aliases:
                total, distinct = _expanded_size(node, MAX_EXPANDED_NODES)
                if total > MAX_EXPANDED_NODES or total > max(10_000, ALIAS_EXPANSION_FACTOR * distinct):
                    m = node.start_mark
                    file.problems.append(
                        LoadProblem(
                            "EKSA004",
                            f"aliases expand this document to over {min(total, MAX_EXPANDED_NODES):,} nodes "
                            f"from {distinct:,} (an alias bomb?); the document is not loaded",
                            m.line + 1,
                            m.column + 1,
                        )
                    )
                    index += 1
                    continue
                builder.seen = {}
                builder.open = set()
            try:
                data = builder.build(node)
            except LimitExceeded as exc:
                m = (exc.node or node).start_mark
                file.problems.append(
                    LoadProblem("EKSA004", f"{exc}; the document is not loaded", m.line + 1, m.column + 1)
                )
                index += 1
                continue
            file.documents.append(Document(file, index, data, node))
            index += 1
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        what = exc.problem or "invalid YAML"
        if exc.context:
            what = f"{what} ({exc.context}"
            if exc.context_mark is not None and exc.context_mark is not mark:
                what += f" at line {exc.context_mark.line + 1}"
            what += ")"
        line, col = (mark.line + 1, mark.column + 1) if mark is not None else (1, 1)
        file.problems.append(LoadProblem("EKSA001", f"invalid YAML: {what}", line, col))
    except yaml.YAMLError as exc:
        file.problems.append(LoadProblem("EKSA001", f"invalid YAML: {exc}", 1, 1))
    except RecursionError:
        file.problems.append(
            LoadProblem("EKSA004", "nesting deeper than the parser can follow; the file is not loaded", 1, 1)
        )


def load_json(file: SourceFile) -> None:
    """Parse `file.text` as one strict JSON value into `file.documents`."""
    try:
        node = compose_json(file.text, MAX_DEPTH)
    except JsonDepthError as exc:
        file.problems.append(_problem_at(file, "EKSA004", f"{exc.message}; the file is not loaded", exc.offset))
        return
    except JsonSyntaxError as exc:
        file.problems.append(_problem_at(file, "EKSA001", f"invalid JSON: {exc.message}", exc.offset))
        return
    except RecursionError:
        file.problems.append(LoadProblem("EKSA004", "nesting deeper than the parser can follow", 1, 1))
        return
    builder = _Builder(file.problems, check_aliases=False)
    try:
        data = builder.build(node)
    except LimitExceeded as exc:
        m = (exc.node or node).start_mark
        file.problems.append(LoadProblem("EKSA004", str(exc), m.line + 1, m.column + 1))
        return
    file.documents.append(Document(file, 0, data, node))


def build_data(node: Node, problems: list[LoadProblem] | None = None) -> Any:
    """Construct data from a node tree (used for JSON embedded in strings)."""
    return _Builder(problems if problems is not None else [], check_aliases=False).build(node)


def compose_nodes(file: SourceFile) -> dict[int, Node]:
    """The node trees of `file` by document index, composed again from its text (for lazily loaded documents;
    the text is the one that was loaded, so the indices agree). Empty on any error."""
    out: dict[int, Node] = {}
    was_enabled = gc.isenabled()
    gc.disable()  # composing allocates many objects and no cycles
    try:
        if file.kind == "json":
            return {0: compose_json(file.text, MAX_DEPTH)}
        index = 0
        for node in yaml.compose_all(file.text, Loader=_Loader):
            if node is None:
                continue
            out[index] = node
            index += 1
    except (yaml.YAMLError, JsonSyntaxError, JsonDepthError, RecursionError, ValueError):
        pass  # the documents before a syntax error were loaded; keep their nodes
    finally:
        gc.freeze()  # long-lived and acyclic: keep them out of later collections (refcounting still frees them)
        if was_enabled:
            gc.enable()
    return out
