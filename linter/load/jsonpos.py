"""A strict JSON parser that keeps the position of every key and value (as yaml nodes, so one locator serves both)."""

from __future__ import annotations

import json.decoder
import re

from eksa_lint.load.positions import LineIndex
from yaml.error import Mark
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

STR = "tag:yaml.org,2002:str"
INT = "tag:yaml.org,2002:int"
FLOAT = "tag:yaml.org,2002:float"
BOOL = "tag:yaml.org,2002:bool"
NULL = "tag:yaml.org,2002:null"
MAP = "tag:yaml.org,2002:map"
SEQ = "tag:yaml.org,2002:seq"

_WS = re.compile(r"[ \t\n\r]*")
_NUMBER = re.compile(r"-?(?:0|[1-9]\d*)(\.\d+)?([eE][-+]?\d+)?")
_scanstring = json.decoder.scanstring


class JsonSyntaxError(ValueError):
    def __init__(self, message: str, offset: int) -> None:
        super().__init__(message)
        self.message = message
        self.offset = offset


class JsonDepthError(JsonSyntaxError):
    pass


def compose_json(text: str, max_depth: int = 256, constants: bool = False) -> Node:
    """Parse one JSON value; nodes carry marks whose index/line/column are offsets into `text`.

    `constants` also accepts NaN, Infinity and -Infinity, as Python's json.loads does (a NAD's spec.config is
    read with json.loads, so its positions must come from a parser that accepts the same texts)."""
    return _Parser(text, max_depth, constants).parse()


class _Parser:
    def __init__(self, text: str, max_depth: int, constants: bool = False) -> None:
        self.constants = constants
        self.s = text
        self.lines = LineIndex(text)
        self.max_depth = max_depth

    def mark(self, i: int) -> Mark:
        line, col = self.lines.position(i)
        return Mark("<json>", i, line - 1, col - 1, None, None)

    def ws(self, i: int) -> int:
        return _WS.match(self.s, i).end()  # type: ignore[union-attr]

    def parse(self) -> Node:
        i = self.ws(0)
        node, i = self.value(i, 0)
        i = self.ws(i)
        if i != len(self.s):
            raise JsonSyntaxError("extra data after the JSON value", i)
        return node

    def value(self, i: int, depth: int) -> tuple[Node, int]:
        s = self.s
        if i >= len(s):
            raise JsonSyntaxError("expected a value, found the end of the text", i)
        c = s[i]
        if c == "{":
            return self.obj(i, depth + 1)
        if c == "[":
            return self.arr(i, depth + 1)
        if c == '"':
            return self.string(i)
        words = (("true", BOOL), ("false", BOOL), ("null", NULL))
        if self.constants:
            words += (("NaN", FLOAT), ("Infinity", FLOAT), ("-Infinity", FLOAT))
        for word, tag in words:
            if s.startswith(word, i):
                end = i + len(word)
                return ScalarNode(tag, word, self.mark(i), self.mark(end)), end
        m = _NUMBER.match(s, i)
        if m and m.end() > i:
            tag = FLOAT if (m.group(1) or m.group(2)) else INT
            return ScalarNode(tag, m.group(0), self.mark(i), self.mark(m.end())), m.end()
        raise JsonSyntaxError(f"expected a value, found {s[i]!r}", i)

    def string(self, i: int) -> tuple[ScalarNode, int]:
        try:
            text, end = _scanstring(self.s, i + 1, True)
        except json.JSONDecodeError as exc:
            raise JsonSyntaxError(exc.msg.lower(), exc.pos) from None
        return ScalarNode(STR, text, self.mark(i), self.mark(end), style='"'), end

    def obj(self, i: int, depth: int) -> tuple[MappingNode, int]:
        if depth > self.max_depth:
            raise JsonDepthError(f"nesting deeper than {self.max_depth} levels", i)
        s = self.s
        start = i
        pairs: list[tuple[Node, Node]] = []
        i = self.ws(i + 1)
        if i < len(s) and s[i] == "}":
            return MappingNode(MAP, pairs, self.mark(start), self.mark(i + 1), flow_style=True), i + 1
        while True:
            if i >= len(s) or s[i] != '"':
                raise JsonSyntaxError("expected a double-quoted property name", i)
            key, i = self.string(i)
            i = self.ws(i)
            if i >= len(s) or s[i] != ":":
                raise JsonSyntaxError("expected ':' after a property name", i)
            i = self.ws(i + 1)
            val, i = self.value(i, depth)
            pairs.append((key, val))
            i = self.ws(i)
            if i < len(s) and s[i] == ",":
                i = self.ws(i + 1)
                continue
            if i < len(s) and s[i] == "}":
                return MappingNode(MAP, pairs, self.mark(start), self.mark(i + 1), flow_style=True), i + 1
            raise JsonSyntaxError("expected ',' or '}' in an object", i)

    def arr(self, i: int, depth: int) -> tuple[SequenceNode, int]:
        if depth > self.max_depth:
            raise JsonDepthError(f"nesting deeper than {self.max_depth} levels", i)
        s = self.s
        start = i
        items: list[Node] = []
        i = self.ws(i + 1)
        if i < len(s) and s[i] == "]":
            return SequenceNode(SEQ, items, self.mark(start), self.mark(i + 1), flow_style=True), i + 1
        while True:
            val, i = self.value(i, depth)
            items.append(val)
            i = self.ws(i)
            if i < len(s) and s[i] == ",":
                i = self.ws(i + 1)
                continue
            if i < len(s) and s[i] == "]":
                return SequenceNode(SEQ, items, self.mark(start), self.mark(i + 1), flow_style=True), i + 1
            raise JsonSyntaxError("expected ',' or ']' in an array", i)
