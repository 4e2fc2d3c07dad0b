"""JSON schema validation service (schemas ship as package data; validators are compiled once, lazily).

`errors(name, instance)` turns schema errors into `SchemaProblem`s: a node path relative to the instance, a
message that names the dotted field path and what is expected, and whether the finding points at the key or
the value. `jsonschema_rs` is imported inside functions only, so importing eksa_lint stays cheap.
"""

from __future__ import annotations

import json
import os
import sys
from functools import cache
from typing import Any

from eksa_lint.record import FrozenRecord

NodePath = tuple[Any, ...]


class SchemaProblem(FrozenRecord):
    _fields = ("path", "message", "at", "suggestion")
    __slots__ = _fields

    def __init__(
        self,
        path: NodePath,
        message: str,
        at: str = "value",
        suggestion: str | None = None,  # an unambiguous rename for an unknown field
    ) -> None:
        object.__setattr__(self, "path", path)
        object.__setattr__(self, "message", message)
        object.__setattr__(self, "at", at)
        object.__setattr__(self, "suggestion", suggestion)


@cache
def load_schema(name: str) -> dict[str, Any]:
    """The JSON schema `schemas/<name>.json` (package data)."""
    import eksa_lint.schemas as package

    try:  # a plain file next to the package's __init__ (importlib.resources costs a few ms to import)
        with open(os.path.join(os.path.dirname(package.__file__ or ""), f"{name}.json"), encoding="utf-8") as fh:
            text = fh.read()
    except OSError:  # installed in a zip, say
        from importlib.resources import files

        text = files("eksa_lint.schemas").joinpath(f"{name}.json").read_text(encoding="utf-8")
    schema = json.loads(text)
    if name not in _NO_NULLS:
        _allow_null(schema)
    return schema


# Kubernetes objects are decoded by Go (EKS-A's strict decoder, the API server): a JSON null in a field is its
# zero value (CRDs: pruned before validation), never a type error; so kind schemas accept null wherever they
# name a type. The config file and the CNI config are read by us and by the CNI plugins, which differ.
_NO_NULLS = ("config", "cni-config")


def _allow_null(node: Any) -> None:
    if isinstance(node, dict):
        t = node.get("type")
        if isinstance(t, str):
            node["type"] = [t, "null"]
        elif isinstance(t, list) and "null" not in t:
            t.append("null")
        for v in node.values():
            _allow_null(v)
    elif isinstance(node, list):
        for v in node:
            _allow_null(v)


_VALIDATORS: dict[Any, Any] = {}


def compile_schema(key: Any, schema: dict[str, Any]) -> Any:
    """A compiled validator for `schema`, cached under `key` for the life of the process."""
    v = _VALIDATORS.get(key)
    if v is None:
        import jsonschema_rs

        v = _VALIDATORS[key] = jsonschema_rs.validator_for(schema)
    return v


def dotted(path: NodePath) -> str:
    out = ""
    for seg in path:
        out += f"[{seg}]" if isinstance(seg, int) else (f".{seg}" if out else str(seg))
    return out or "the document"


def _resolve(root: dict[str, Any], ref: str) -> Any:
    node: Any = root
    if not ref.startswith("#"):
        return {}
    for part in ref.lstrip("#").split("/"):
        if part:
            node = node.get(part.replace("~1", "/").replace("~0", "~"), {}) if isinstance(node, dict) else {}
    return node


def _subschema(root: dict[str, Any], schema_path: list[Any]) -> Any:
    """The schema node at `schema_path`, following $ref hops where the path passes through them."""
    node: Any = root
    for seg in schema_path:
        if isinstance(node, dict) and "$ref" in node and seg not in node:
            node = _resolve(root, node["$ref"])
        if isinstance(node, dict):
            node = node.get(seg, {})
        elif isinstance(node, list) and isinstance(seg, int) and seg < len(node):
            node = node[seg]
        else:
            return {}
        if seg == "$ref" and isinstance(node, str):
            node = _resolve(root, node)
    if isinstance(node, dict) and "$ref" in node:
        node = _resolve(root, node["$ref"])
    return node


def _expected(node: Any, root: dict[str, Any], depth: int = 0) -> str:
    """A short human description of what a schema node accepts."""
    if not isinstance(node, dict) or depth > 3:
        return "a valid value"
    if "$ref" in node:
        return _expected(_resolve(root, node["$ref"]), root, depth + 1)
    if "enum" in node:
        return "one of " + ", ".join(json.dumps(v) for v in node["enum"])
    if "const" in node:
        return json.dumps(node["const"])
    for key in ("anyOf", "oneOf"):
        if key in node and isinstance(node[key], list):
            return " or ".join(dict.fromkeys(_expected(n, root, depth + 1) for n in node[key]))
    t = node.get("type")
    if isinstance(t, list):
        return " or ".join(_article(x) for x in t)
    if isinstance(t, str):
        if "pattern" in node:
            return f"{_article(t)} matching {node['pattern']}"
        return _article(t)
    if "properties" in node:
        return "an object"
    if "required" in node:
        return "the field " + " and ".join(f'"{r}"' for r in node["required"])
    return "a valid value"


def _article(t: str) -> str:
    return {"object": "an object (mapping)", "array": "a list", "integer": "an integer", "null": "null"}.get(
        t, f"a {t}"
    )


def _convert(root: dict[str, Any], err: Any, instance: Any) -> list[SchemaProblem]:
    import difflib

    path = tuple(err.instance_path)
    spath = list(err.schema_path)
    kind = type(err.kind).__name__
    where = dotted(path)
    if kind == "AdditionalProperties":
        parent = _subschema(root, spath[:-1])
        allowed = list(parent.get("properties", {})) if isinstance(parent, dict) else []
        out = []
        for key in err.kind.unexpected:
            msg = f'unknown field "{key}" in {where}'
            close = difflib.get_close_matches(str(key), allowed, n=2, cutoff=0.75)
            if close:
                msg += f'; did you mean "{close[0]}"?'
            elif allowed:
                msg += f"; allowed fields: {', '.join(allowed[:12])}{', ...' if len(allowed) > 12 else ''}"
            present = err.instance if isinstance(err.instance, dict) else {}
            unambiguous = len(close) == 1 or (len(close) == 2 and close[0] != close[1] and
                                              difflib.SequenceMatcher(None, str(key), close[0]).ratio() >
                                              difflib.SequenceMatcher(None, str(key), close[1]).ratio() + 0.1)
            rename = close[0] if close and unambiguous and close[0] not in present else None
            out.append(SchemaProblem(path + (key,), msg, "key", rename))
        return out
    if kind == "Required":
        missing = err.kind.property
        return [SchemaProblem(path + (missing,), f'missing required field "{missing}" in {where}', "key")]
    value = err.instance
    shown = json.dumps(value)[:60] if not isinstance(value, (dict, list)) else type(value).__name__.replace(
        "dict", "a mapping").replace("list", "a list")
    node = _subschema(root, spath[:-1]) if spath else root
    if kind in ("AnyOf", "OneOfNotValid"):
        return [SchemaProblem(path, f"{where} is {shown}; expected {_expected(node, root)}")]
    if kind == "Enum":
        return [SchemaProblem(path, f"{where} is {shown}; expected {_expected(node, root)}")]
    if kind == "Type":
        return [SchemaProblem(path, f"{where} is {shown}; expected {_expected(node, root)}")]
    if kind == "Pattern":
        return [SchemaProblem(path, f"{where} is {shown}; expected a string matching {err.kind.pattern}")]
    return [SchemaProblem(path, f"{where} is {shown}: {err.message}")]


_quick_left = 32  # documents checked without jsonschema_rs before it is loaded anyway


def errors_for(key: Any, schema: dict[str, Any], instance: Any) -> list[SchemaProblem]:
    """Schema problems of `instance` (empty when valid). A pure-Python check answers for most valid input
    without loading jsonschema_rs (25-35 ms); jsonschema_rs decides the rest and gives the errors."""
    global _quick_left
    if _quick_left > 0 and "jsonschema_rs" not in sys.modules:
        # a run that validates a few documents (pre-commit) need not load jsonschema_rs for valid ones; one
        # that validates many pays its load once and is faster with it (13 us a document)
        _quick_left -= 1
        from eksa_lint.quickcheck import quick_valid

        if quick_valid(schema, instance) is True:
            return []
    v = compile_schema(key, schema)
    if v.is_valid(instance):
        return []
    seen: set[tuple[NodePath, str]] = set()
    out: list[SchemaProblem] = []
    for err in v.iter_errors(instance):
        for p in _convert(schema, err, instance):
            k = (p.path, p.message)
            if k not in seen:
                seen.add(k)
                out.append(p)
    return out


def errors(name: str, instance: Any) -> list[SchemaProblem]:
    """Problems of `instance` against the built-in schema `schemas/<name>.json`."""
    return errors_for(name, load_schema(name), instance)


# ---- the config file -------------------------------------------------------------------------------------


def _yaml_line(text: str, path: NodePath, toml: bool) -> int | None:
    """1-based line of the key at `path` (or its deepest existing ancestor) in the config text."""
    if toml:
        key = next((str(s) for s in reversed(path) if isinstance(s, str)), None)
        if key is None:
            return None
        for i, line in enumerate(text.splitlines(), 1):
            stripped = line.strip().strip('"')
            if stripped.startswith((key, f'"{key}"')) and "=" in line:
                return i
        return None
    import yaml

    try:
        node = yaml.compose(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except yaml.YAMLError:
        return None
    line = 1
    for seg in path:
        if isinstance(node, yaml.MappingNode):
            for k, v in node.value:
                if str(k.value) == str(seg):
                    line, node = k.start_mark.line + 1, v
                    break
            else:
                return line
        elif isinstance(node, yaml.SequenceNode) and isinstance(seg, int) and seg < len(node.value):
            node = node.value[seg]
            line = node.start_mark.line + 1
        else:
            return line
    return line


def validate_config(data: dict[str, Any], path: str | None) -> None:
    """Raise ConfigError for an unknown key or a bad value in the eksa-lint config, with the key's line."""
    from eksa_lint.config import ConfigError

    problems = errors("config", data)
    if not problems:
        return
    p = problems[0]
    raise ConfigError(p.message.replace("the document", "the config"), path, config_line(path, p.path))


def config_line(path: str | None, node_path: NodePath) -> int | None:
    """The line of `node_path` in the config file at `path` (YAML or pyproject.toml), if it can be told."""
    if not path:
        return None
    try:
        with open(path, encoding="utf-8") as fh:
            text = fh.read()
        return _yaml_line(text, node_path, path.endswith(".toml"))
    except (OSError, UnicodeDecodeError):
        return None


# ---- CRDs: openAPIV3Schema -> JSON schema ------------------------------------------------------------------

_DROP = ("x-kubernetes-list-type", "x-kubernetes-list-map-keys", "x-kubernetes-map-type", "x-kubernetes-validations",
         "x-kubernetes-embedded-resource", "format", "default", "example", "externalDocs")


def crd_to_jsonschema(node: Any, strict: bool = True, top: bool = True) -> Any:
    """Convert a CRD's structural openAPIV3Schema to a JSON schema: int-or-string, preserve-unknown-fields and
    nullable are honoured; with `strict`, objects that list `properties` reject unknown fields (as the API
    server's field validation does)."""
    if not isinstance(node, dict):
        return {}
    out: dict[str, Any] = {}
    preserve = bool(node.get("x-kubernetes-preserve-unknown-fields"))
    for key, value in node.items():
        if key in _DROP or key in ("nullable", "x-kubernetes-preserve-unknown-fields", "x-kubernetes-int-or-string"):
            continue
        if key == "properties" and isinstance(value, dict):
            out[key] = {k: crd_to_jsonschema(v, strict, False) for k, v in value.items()}
        elif key in ("items", "additionalProperties", "not") and isinstance(value, dict):
            out[key] = crd_to_jsonschema(value, strict, False)
        elif key in ("allOf", "anyOf", "oneOf") and isinstance(value, list):
            # structural schemas use these for value validation only; drop `type`-less noise
            out[key] = [crd_to_jsonschema(v, False, False) for v in value]
        else:
            out[key] = value
    if node.get("x-kubernetes-int-or-string"):
        out["type"] = ["integer", "string"]
    if isinstance(out.get("type"), str):
        # nullable fields keep null; the API server prunes a null in any other field before validating it
        out["type"] = [out["type"], "null"]
    if top:
        props = out.setdefault("properties", {})
        # apiVersion/kind/metadata are checked by the API server itself
        for k in ("apiVersion", "kind"):
            props.setdefault(k, {"type": "string"})
        props["metadata"] = {"type": "object"}
    if strict and not preserve and "properties" in out and "additionalProperties" not in out:
        out["additionalProperties"] = False
    return out


class CrdSchema(FrozenRecord):
    _fields = ("group", "kind", "version", "schema", "source")
    __slots__ = _fields

    def __init__(
        self,
        group: str,
        kind: str,
        version: str,
        schema: dict[str, Any],
        source: str,  # the CRD file
    ) -> None:
        object.__setattr__(self, "group", group)
        object.__setattr__(self, "kind", kind)
        object.__setattr__(self, "version", version)
        object.__setattr__(self, "schema", schema)
        object.__setattr__(self, "source", source)


def crd_schemas_from_data(data: Any, source: str, strict: bool = True) -> list[CrdSchema]:
    out: list[CrdSchema] = []
    if not isinstance(data, dict) or data.get("kind") != "CustomResourceDefinition":
        return out
    spec = data.get("spec") if isinstance(data.get("spec"), dict) else {}
    group = spec.get("group")
    names = spec.get("names") if isinstance(spec.get("names"), dict) else {}
    kind = names.get("kind")
    versions = spec.get("versions") if isinstance(spec.get("versions"), list) else []
    for v in versions:
        if not isinstance(v, dict):
            continue
        s = v.get("schema", {}).get("openAPIV3Schema") if isinstance(v.get("schema"), dict) else None
        s = s or spec.get("validation", {}).get("openAPIV3Schema") if isinstance(spec.get("validation"), dict) else s
        if isinstance(group, str) and isinstance(kind, str) and isinstance(s, dict):
            out.append(CrdSchema(group, kind, str(v.get("name")), crd_to_jsonschema(s, strict), source))
    return out


def _crd_files(paths: tuple[str, ...]) -> list[str]:
    import os

    files: list[str] = []
    for p in paths:
        if os.path.isdir(p):
            for dirpath, _dirs, names in sorted(os.walk(p)):
                files.extend(os.path.join(dirpath, n) for n in sorted(names) if n.endswith((".yaml", ".yml", ".json")))
        else:
            files.append(p)
    return files


_USER_CRDS: dict[tuple[str, ...], dict[tuple[str, str, str], CrdSchema]] = {}


def user_crd_schemas(paths: tuple[str, ...]) -> dict[tuple[str, str, str], CrdSchema]:
    """(group, kind, version) -> schema for the user's CRD files or folders; ConfigError for an unreadable one."""
    if paths in _USER_CRDS:
        return _USER_CRDS[paths]
    import os

    from eksa_lint.config import ConfigError
    from eksa_lint.load import load_file
    from eksa_lint.load.source import SourceFile

    found: dict[tuple[str, str, str], CrdSchema] = {}
    for f in _crd_files(paths):
        if not os.path.isfile(f):
            raise ConfigError("CRD file or folder not found", f)
        sf = load_file(SourceFile(path=f, abspath=os.path.abspath(f), kind="json" if f.endswith(".json") else "yaml"))
        bad = [p for p in sf.problems if p.rule_id in ("EKSA001", "EKSA003", "EKSA004", "EKSA006")]
        if sf.skipped or bad:
            why = bad[0].message if bad else "cannot be read"
            raise ConfigError(f"cannot read the CRD: {why}", f, bad[0].line if bad else None)
        for doc in sf.documents:
            for c in crd_schemas_from_data(doc.data, f):
                found[(c.group, c.kind, c.version)] = c
    _USER_CRDS[paths] = found
    return found
