"""The pure-Python schema pre-check never calls valid what jsonschema_rs calls invalid (it would hide a
finding), and it answers for most valid manifests (else it saves nothing)."""

from __future__ import annotations

import copy
import functools
from pathlib import Path
from typing import Any

import jsonschema_rs
import pytest
import yaml
from eksa_lint.quickcheck import quick_valid
from eksa_lint.schema import load_schema

ROOT = Path(__file__).resolve().parent.parent
SCHEMAS = sorted(p.stem for p in (ROOT / "schemas").glob("*.json"))
ODD_VALUES: list[Any] = [None, True, False, 0, 1, 1.0, 1.5, -1, 70000, "", "x", "eth0", "10.0.0.0/24", [], ["x"],
                         {}, {"x": 1}]


@functools.cache
def _docs(folder: Path, limit: int) -> list[Any]:
    out: list[Any] = []
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    for p in sorted(folder.rglob("*.y*ml")):
        try:
            out.extend(d for d in yaml.load_all(p.read_text(encoding="utf-8"), Loader=loader) if isinstance(d, dict))
        except (yaml.YAMLError, UnicodeDecodeError, ValueError):
            continue
        if len(out) >= limit:
            break
    return out


def _mutants(doc: Any, limit: int = 60) -> list[Any]:
    """The document with one change each: a value of another type, a key removed, an unknown key added."""
    out: list[Any] = []

    def walk(node: Any, path: tuple[Any, ...]) -> None:
        if len(out) >= limit:
            return
        if isinstance(node, dict):
            for k in list(node)[:8]:
                for v in ODD_VALUES[:: 3 if path else 1]:
                    m = copy.deepcopy(doc)
                    _at(m, path)[k] = v
                    out.append(m)
                m = copy.deepcopy(doc)
                del _at(m, path)[k]
                out.append(m)
                walk(node[k], (*path, k))
            m = copy.deepcopy(doc)
            _at(m, path)["skipUprade"] = True
            out.append(m)
        elif isinstance(node, list):
            for i, x in enumerate(node[:3]):
                walk(x, (*path, i))

    walk(doc, ())
    return out


def _at(node: Any, path: tuple[Any, ...]) -> Any:
    for p in path:
        node = node[p]
    return node


def _check(schema_name: str, docs: list[Any]) -> tuple[int, int]:
    schema = load_schema(schema_name)
    rs = jsonschema_rs.validator_for(schema)
    answered = valid = 0
    for d in docs:
        q = quick_valid(schema, d)
        truth = rs.is_valid(d)
        assert not (q is True and not truth), (schema_name, d)
        assert not (q is False and truth), (schema_name, d)  # False must be right too (not needed, but cheap)
        valid += truth
        answered += q is True
    return answered, valid


@pytest.mark.parametrize("name", SCHEMAS)
def test_examples_and_their_mutants(name: str) -> None:
    docs = _docs(ROOT / "examples", 200)
    assert docs
    _check(name, docs + [m for d in docs for m in _mutants(d, 30)])


@pytest.mark.parametrize("name", SCHEMAS)
def test_corpus_and_its_mutants(name: str, shared: Path) -> None:
    docs = _docs(shared / "corpus", 400)
    assert len(docs) > 50
    _check(name, docs + [m for d in docs[:60] for m in _mutants(d, 15)])


def test_it_answers_for_most_valid_manifests(shared: Path) -> None:
    """Each valid corpus manifest, against its own kind's schema: the pre-check must say valid for nearly all,
    else every run pays for jsonschema_rs anyway."""
    by_kind = {"NetworkPolicy": "networkpolicy", "CiliumNetworkPolicy": "ciliumnetworkpolicy",
               "NetworkAttachmentDefinition": "nad", "Cluster": "cluster"}
    groups: dict[str, list[Any]] = {}
    for d in _docs(shared / "corpus", 2000):
        name = by_kind.get(d.get("kind"))
        if name is None or (name == "cluster" and "anywhere.eks.amazonaws.com" not in str(d.get("apiVersion"))):
            continue
        groups.setdefault(name, []).append(d)
    answered = valid = 0
    for name, docs in groups.items():
        a, v = _check(name, docs)
        answered += a
        valid += v
    assert valid >= 20
    assert answered >= 0.9 * valid, (answered, valid)


def test_what_it_cannot_tell_is_left_to_jsonschema_rs() -> None:
    schema = {"type": "object", "properties": {"a": {"type": "string", "format": "ipv4"}}}
    assert quick_valid(schema, {"a": "x"}) is None  # format: not handled
    assert quick_valid({"type": "string", "pattern": "^[a-z]+$"}, "abc\n") is None  # Python's $ differs
    import datetime

    assert quick_valid({"type": "string"}, datetime.date(2024, 1, 1)) is None  # not a JSON value
    assert quick_valid({"type": "integer"}, True) is False  # a boolean is not a number in JSON Schema
    assert quick_valid({"enum": [1]}, True) is False
    assert quick_valid({"type": "integer"}, 2.0) is True
