"""More bad input found by fuzzing: each case was a crash (internal error / EKSA009, exit 2) or a finding at
the wrong place; now it is a finding at its exact position, and nothing else is lost."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tests.conftest import lint_tree, run_texts, where, write_tree

NAD = ("apiVersion: k8s.cni.cncf.io/v1\nkind: NetworkAttachmentDefinition\nmetadata: {name: n, namespace: x}\n"
       "spec:\n  config: ")
NP = "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: a, namespace: x}\n"
OTHER = NP + "spec: {podSelector: {}, policyTypes: [Bogus]}\n"  # EKSA102 + EKSA601 at 4:39


def test_explicit_scalar_tags_on_odd_values_do_not_crash_the_loader(tmp_path: Path) -> None:
    # PyYAML's bool/int/float constructors raise KeyError/IndexError here, which escaped as an internal error
    write_tree(tmp_path, {
        "tags.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n"
                     "data: {a: !!bool maybe, b: !!int '', c: !!float '', d: !!bool ''}\n",
        "other.yaml": OTHER,
    })
    res = lint_tree(tmp_path)
    assert res.internal_errors == 0
    assert sorted(where(res.findings)) == [("EKSA102", "other.yaml", 4, 39), ("EKSA601", "other.yaml", 4, 39)]


def test_port_strings_int_cannot_parse_are_findings_not_crashes() -> None:
    big = "9" * 5000
    r = run_texts({
        "sup.yaml": NP + "spec: {podSelector: {}, policyTypes: [Egress], egress: [{ports: [{port: '\u00b2'}]}]}\n",
        "big.yaml": NP.replace("name: a", "name: b")
        + f"spec: {{podSelector: {{}}, policyTypes: [Egress], egress: [{{ports: [{{port: {big}, endPort: 60}}]}}]}}\n",
    })
    assert r.internal_errors == 0
    assert ("EKSA601", "sup.yaml", 4, 73) in where(r.findings)  # '²' is no port name and no number


def test_eksa_version_with_thousands_of_digits() -> None:
    cluster = ("apiVersion: anywhere.eks.amazonaws.com/v1alpha1\nkind: Cluster\nmetadata: {name: c}\n"
               f"spec:\n  eksaVersion: v{'9' * 5000}.1\n  clusterNetwork:\n    cniConfig:\n      cilium: {{skipUpgrade: true}}\n")
    r = run_texts({"cluster.yaml": cluster})
    assert r.internal_errors == 0


def test_nel_inside_a_quoted_config_keeps_positions() -> None:
    # NEL (U+0085) is a YAML line break folded to a space; the source map did not count it as whitespace
    text = NAD + "'{\"cniVersion\": \"0.3.1\",\x85\"type\": \"macvlan\", \"mode\": \"bogus\"}'\n"
    assert where(run_texts({"n.yaml": text}).findings, "EKSA105") == [("EKSA105", "n.yaml", 6, 28)]


def test_block_config_in_a_cr_only_file_keeps_positions(tmp_path: Path) -> None:
    text = (NAD + "|\n    {\"cniVersion\": \"0.3.1\", \"type\": \"macvlan\",\n     \"mode\": \"bogus\"}\n").replace("\n", "\r")
    write_tree(tmp_path, {"n.yaml": text.encode()})
    assert where(lint_tree(tmp_path).findings, "EKSA105") == [("EKSA105", "n.yaml", 7, 14)]


def test_nan_in_config_does_not_lose_positions() -> None:
    # json.loads accepts NaN, the position parser did not: every finding fell back to spec.config's start
    text = NAD + "'{\"cniVersion\": \"0.3.1\", \"type\": \"macvlan\", \"mtu\": NaN, \"mode\": \"bogus\"}'\n"
    assert ("EKSA105", "n.yaml", 5, 75) in where(run_texts({"n.yaml": text}).findings, "EKSA105")


def test_nan_and_infinite_numbers_are_named_not_called_null() -> None:
    # json.loads turns NaN, Infinity and 1e999 into floats; Go's encoding/json (the CNI plugins) rejects them
    text = NAD + "'{\"cniVersion\": \"0.3.1\", \"type\": \"macvlan\", \"mtu\": NaN, \"ipam\": {\"type\": \"static\", " \
                 "\"routes\": [{\"dst\": \"0.0.0.0/0\", \"gw\": 1e999}, {\"dst\": \"::/0\", \"gw\": -Infinity}]}}'\n"
    found = [f for f in run_texts({"n.yaml": text}).findings if f.rule_id == "EKSA105"]
    line = text.splitlines()[4]
    assert [(f.location.line, f.location.col) for f in found] == [
        (5, line.index("NaN") + 1), (5, line.index("1e999") + 1), (5, line.index("-Infinity") + 1)
    ]
    assert "mtu is NaN" in found[0].message and "ipam.routes[0].gw is infinite" in found[1].message
    assert not any("null" in f.message or "expected" in f.message for f in found)
    finite = text.replace("NaN", "1500").replace("1e999", '"10.0.0.1"').replace("-Infinity", '"fd00::1"')
    assert [f for f in run_texts({"n.yaml": finite}).findings if f.rule_id == "EKSA105"] == []


def test_json_syntax_errors_in_block_configs() -> None:
    bad = '{"cniVersion": "0.3.1", "type": "macvlan" "master": "eth1"}'
    r = run_texts({
        "blank.yaml": NAD + "|\n\n    " + bad + "\n",  # a leading blank line: the indent was taken from it
        "ind.yaml": NAD + "|1\n    " + bad + "\n",  # an indentation indicator
        "eof.yaml": NAD + "|\n    {\"cniVersion\": \"0.3.1\",\n",  # an error at the end of the text
        "dq.yaml": NAD + '"{\\"cniVersion\\": \\"0.3.1\\" \\"type\\": \\"macvlan\\"}"\n',  # double-quoted
    })
    assert sorted(where(r.findings, "EKSA105")) == [
        ("EKSA105", "blank.yaml", 7, 47),
        ("EKSA105", "dq.yaml", 5, 39),
        ("EKSA105", "eof.yaml", 6, 28),  # just past the last comma, not a line after the end of the file
        ("EKSA105", "ind.yaml", 6, 47),
    ]


HDR = "hostname,bmc_ip,bmc_username,bmc_password,mac,ip_address,netmask,gateway,nameservers,labels,disk\n"
ROW = "cp-1,10.20.1.11,admin,pw,00:00:5e:00:53:01,10.20.0.11,255.255.255.0,10.20.0.1,10.20.0.2,type=cp,/dev/sda\n"


def test_csv_rows_after_a_multiline_cell_keep_their_lines(tmp_path: Path) -> None:
    dup = ROW.replace("cp-1", "cp-2").replace(":01,", ":02,")
    write_tree(tmp_path, {
        "a/hardware.csv": HDR + ROW.replace(",pw,", ',"multi\nline",') + dup,
        "b/hardware.csv": HDR + ROW.replace(",pw,", ",p\x0cw,") + dup,  # splitlines() split on the form feed
    })
    found = sorted(where(lint_tree(tmp_path).findings, "EKSA212"))
    assert found == [
        ("EKSA212", "a/hardware.csv", 4, 6), ("EKSA212", "a/hardware.csv", 4, 44),
        ("EKSA212", "b/hardware.csv", 3, 6), ("EKSA212", "b/hardware.csv", 3, 44),
    ]


def _cli(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "eksa_lint", "check", "--no-cache", *args], check=False,
                          cwd=tmp_path, capture_output=True, text=True, timeout=60)


def test_sarif_with_a_non_utf8_file_name(tmp_path: Path) -> None:
    import os

    write_tree(tmp_path, {"other.yaml": OTHER})
    with open(os.path.join(os.fsencode(tmp_path), b"lat\xe9.yaml"), "wb") as fh:  # latin-1 name
        fh.write(OTHER.encode())
    p = _cli(tmp_path, "--format", "sarif", ".")
    assert p.returncode == 1, p.stderr
    uris = {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
            for r in json.loads(p.stdout)["runs"][0]["results"]}
    assert uris == {"other.yaml", "lat%E9.yaml"}


def test_write_baseline_into_a_missing_folder_is_a_usage_error(tmp_path: Path) -> None:
    write_tree(tmp_path, {"other.yaml": OTHER})
    p = _cli(tmp_path, "--write-baseline", "nothere/b.json", ".")
    assert p.returncode == 2 and "internal error" not in p.stderr and "cannot write nothere/b.json" in p.stderr


def test_config_files_that_crashed_or_hung(tmp_path: Path) -> None:
    laughs = "".join(f"{n}: &{n} [{', '.join([p] * 9)}]\n"
                     for n, p in zip("abcdefgh", ["x", "*a", "*b", "*c", "*d", "*e", "*f", "*g"]))
    cases = {
        ".eksa-lint.yaml": ["severity: {5: off}\n", f"max-file-size: {'9' * 5000}\n", "[" * 5000 + "\n",
                            laughs, "target: !!bool maybe\n", "target: eksa-aws\ntarget: cilium-oss\n",
                            "#" + "x" * (2 << 20) + "\n"],  # a 2 MiB comment took 5.7 s to parse
        "pyproject.toml": ["[tool.eksa-lint]\ntarget = 1979-05-27T07:32:00Z\n", "#" + "x" * (2 << 20) + "\n"],
    }
    for name, texts in cases.items():
        for text in texts:
            d = tmp_path / str(abs(hash(text)))
            write_tree(d, {name: text, "other.yaml": OTHER})
            p = _cli(d, ".")
            assert p.returncode == 2 and "config error" in p.stderr and "internal error" not in p.stderr, (text[:40], p.stderr)
