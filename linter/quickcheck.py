"""A pure-Python yes/no check of an instance against a JSON schema, for the keywords eksa-lint's own schemas use.

Why: loading jsonschema_rs (a 15 MB extension module) costs 25-35 ms, a third of a whole pre-commit run on one
file; most files are valid. `quick_valid` answers True (valid), False (invalid) or None (a keyword or a value
type it does not handle); only True is trusted on its own. False and None send the caller to jsonschema_rs,
which then gives the errors (and the final word). So a mistake here can only cost time if it says False or
None where it could say True; saying True for an invalid instance would hide a finding, and each keyword is
implemented to JSON Schema 2020-12 for that reason (tests compare it with jsonschema_rs on the corpus).
"""

from __future__ import annotations

import re
from typing import Any

# Keywords that only annotate (no effect on validity).
_ANNOTATIONS = frozenset({"title", "description", "$schema", "$defs", "$comment", "default", "examples"})
_HANDLED = frozenset({
    "type", "properties", "additionalProperties", "required", "items", "enum", "const", "$ref", "if", "then",
    "else", "allOf", "anyOf", "minimum", "maximum", "minItems", "propertyNames", "pattern",
}) | _ANNOTATIONS
_JSON_TYPES = (dict, list, str, int, float, bool, type(None))
_LINE_BREAKS = re.compile("[\n\r\u2028\u2029]")


class _Unknown(Exception):
    pass


def quick_valid(schema: Any, instance: Any) -> bool | None:
    """True when `instance` is valid against `schema`, False when not, None when this cannot tell."""
    try:
        return _valid(schema, instance, schema, 0)
    except (_Unknown, RecursionError, re.error):
        return None


def _is_type(t: str, v: Any) -> bool:
    if t == "object":
        return type(v) is dict
    if t == "array":
        return type(v) is list
    if t == "string":
        return type(v) is str
    if t == "boolean":
        return type(v) is bool
    if t == "null":
        return v is None
    if t == "number":
        return type(v) in (int, float)
    if t == "integer":
        return type(v) is int or (type(v) is float and v.is_integer())
    raise _Unknown(t)


def _json_eq(a: Any, b: Any) -> bool:
    """JSON equality: booleans are not numbers; 1 equals 1.0."""
    if type(a) is bool or type(b) is bool:
        return type(a) is type(b) and a == b
    if type(a) in (int, float) and type(b) in (int, float):
        return a == b
    if type(a) is dict and type(b) is dict:
        return a.keys() == b.keys() and all(_json_eq(a[k], b[k]) for k in a)
    if type(a) is list and type(b) is list:
        return len(a) == len(b) and all(_json_eq(x, y) for x, y in zip(a, b))
    return type(a) is type(b) and a == b


def _resolve(root: Any, ref: Any) -> Any:
    if type(ref) is not str or not ref.startswith("#/"):
        raise _Unknown(ref)
    node = root
    for part in ref[2:].split("/"):
        part = part.replace("~1", "/").replace("~0", "~")
        if type(node) is not dict or part not in node:
            raise _Unknown(ref)
        node = node[part]
    return node


def _valid(s: Any, v: Any, root: Any, depth: int) -> bool:
    if s is True:
        return True
    if s is False:
        return False
    if type(s) is not dict or depth > 200:
        raise _Unknown(s)
    if type(v) not in _JSON_TYPES:
        raise _Unknown(type(v))  # a YAML timestamp, bytes, ...: leave it to jsonschema_rs
    for key in s:
        if key not in _HANDLED and not key.startswith("x-"):
            raise _Unknown(key)
    t = s.get("type")
    if t is not None:
        types = t if type(t) is list else [t]
        if not any(_is_type(x, v) for x in types):
            return False
    if "enum" in s and (type(s["enum"]) is not list or not any(_json_eq(v, e) for e in s["enum"])):
        return False
    if "const" in s and not _json_eq(v, s["const"]):
        return False
    if "$ref" in s and not _valid(_resolve(root, s["$ref"]), v, root, depth + 1):
        return False
    for sub in s.get("allOf", ()):
        if not _valid(sub, v, root, depth + 1):
            return False
    if "anyOf" in s and not any(_valid(sub, v, root, depth + 1) for sub in s["anyOf"]):
        return False
    if "if" in s:
        branch = "then" if _valid(s["if"], v, root, depth + 1) else "else"
        if branch in s and not _valid(s[branch], v, root, depth + 1):
            return False
    if type(v) is dict:
        if any(type(k) is not str for k in v):
            raise _Unknown("key type")
        for name in s.get("required", ()):
            if name not in v:
                return False
        props = s.get("properties", {})
        if type(props) is not dict:
            raise _Unknown(props)
        extra = s.get("additionalProperties", True)
        names = s.get("propertyNames")
        for k, x in v.items():
            sub = props.get(k)
            if sub is not None:
                if not _valid(sub, x, root, depth + 1):
                    return False
            elif extra is not True and not _valid(extra, x, root, depth + 1):
                return False
            if names is not None and not _valid(names, k, root, depth + 1):
                return False
    elif type(v) is list:
        if "minItems" in s and len(v) < s["minItems"]:
            return False
        items = s.get("items")
        if items is not None and not all(_valid(items, x, root, depth + 1) for x in v):
            return False
    elif type(v) in (int, float) and type(v) is not bool:
        if "minimum" in s and v < s["minimum"]:
            return False
        if "maximum" in s and v > s["maximum"]:
            return False
    elif type(v) is str and "pattern" in s:
        pattern = s["pattern"]
        if type(pattern) is not str or not pattern.isascii() or "\\" in pattern or _LINE_BREAKS.search(v):
            # ECMA-262 and Python regexes agree on plain ASCII classes and anchors, not around line breaks
            # (Python's `$` also matches before a final newline, its `.` matches \r)
            raise _Unknown(pattern)
        if re.search(pattern, v) is None:
            return False
    return True
