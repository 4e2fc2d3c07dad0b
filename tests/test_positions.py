"""Positions inside a NAD's spec.config JSON string, in every YAML form: a path into the JSON resolves to the
exact line and column of the key in the file."""

from __future__ import annotations

import pytest
from eksa_lint.engine import resolve
from eksa_lint.load import load_file
from eksa_lint.load.source import SourceFile
from eksa_lint.model import Ref

HEAD = (
    "apiVersion: k8s.cni.cncf.io/v1\nkind: NetworkAttachmentDefinition\nmetadata:\n  name: m\nspec:\n"
)

FORMS = {
    # the reference doc's form: single-quoted over several lines
    "single-quoted": (("  config: '{\n    \"cniVersion\": \"0.3.1\",\n    \"type\": \"macvlan\",\n"
                      "    \"master\": \"eth1\",\n    \"ipam\": {\n      \"type\": \"whereabouts\"\n    }\n  }'\n"),
                      (9, 5), (11, 7)),
    "double-quoted": (("  config: \"{\\\"cniVersion\\\": \\\"0.3.1\\\",\n    \\\"master\\\": \\\"eth1\\\",\n"
                      "    \\\"ipam\\\": {\\\"type\\\": \\\"whereabouts\\\"}}\"\n"),
                      (7, 5), (8, 16)),
    "literal": (("  config: |\n    {\n      \"type\": \"macvlan\",\n      \"master\": \"eth1\",\n"
                "      \"ipam\": {\n        \"type\": \"whereabouts\"\n      }\n    }\n"),
                (9, 7), (11, 9)),
    "literal-strip": ("  config: |-\n    {\n      \"master\": \"eth1\",\n      \"ipam\": {\"type\": \"host-local\"}\n    }\n",
                      (8, 7), (9, 16)),
    # one line: JSON positions inside the string on that line
    "one-line": ("  config: '{\"type\": \"macvlan\", \"master\": \"eth1\", \"ipam\": {\"type\": \"dhcp\"}}'\n",
                 (6, 32), (6, 59)),
    "folded": ("  config: >\n    {\"type\": \"macvlan\",\n    \"master\": \"eth1\",\n    \"ipam\": {\"type\": \"dhcp\"}}\n",
               (8, 5), (9, 14)),
}


def _resolve(text: str, path: tuple) -> tuple[int, int]:
    f = SourceFile(path="nad.yaml", abspath="/nonexistent/nad.yaml", kind="yaml")
    load_file(f, text=text)
    assert not f.problems, f.problems
    doc = f.documents[0]
    loc = resolve(Ref(f, doc, path, "key"))
    return loc.line, loc.col


@pytest.mark.parametrize("form", sorted(FORMS))
def test_master_and_ipam_type_positions(form: str) -> None:
    body, master, ipam_type = FORMS[form]
    text = HEAD + body
    assert _resolve(text, ("spec", "config", "master")) == master
    assert _resolve(text, ("spec", "config", "ipam", "type")) == ipam_type


@pytest.mark.parametrize("form", sorted(FORMS))
def test_crlf_positions_match_lf(form: str) -> None:
    body, master, ipam_type = FORMS[form]
    text = (HEAD + body).replace("\n", "\r\n")
    assert _resolve(text, ("spec", "config", "master")) == master
    assert _resolve(text, ("spec", "config", "ipam", "type")) == ipam_type


def test_memoized_resolver_gives_pyyaml_safe_tags():
    """The loader memoizes implicit tags; every scalar form must get the tag PyYAML's safe resolver gives,
    also when asked twice (from the memo) and for keys, flow and block collections."""
    import yaml
    from eksa_lint.load.yaml_loader import _Loader

    scalars = ["y", "yes", "Yes", "on", "off", "true", "False", "n", "no", "~", "null", "Null", "", "1", "-1",
               "+1", "012", "0o12", "0x1F", "0b101", "1_000", "1e3", "1.5", ".inf", "-.Inf", ".nan", "2001-12-14",
               "2001-12-14t21:59:43.10-05:00", "1:20", "190:20:30", "=", "<<", "eth0", "10.0.0.1", "a b",
               "'quoted'", '"1"', "!!str 1", "!!int '7'", "[1, on, x]", "{a: 1, b: null}"]
    doc = "\n".join(f"k{i}: {v}" for i, v in enumerate(scalars)) + "\n" + "\n".join(
        f"{v}: x" for v in ["1", "on", "null", "x", "'q'"])
    for _ in range(2):  # the second time from the memo
        ours = yaml.compose(doc, Loader=_Loader)
        ref = yaml.compose(doc, Loader=yaml.SafeLoader)

        def tags(n):
            if isinstance(n, yaml.ScalarNode):
                return (n.tag, n.value)
            items = [x for kv in n.value for x in kv] if isinstance(n, yaml.MappingNode) else n.value
            return (n.tag, [tags(c) for c in items])

        assert tags(ours) == tags(ref)
