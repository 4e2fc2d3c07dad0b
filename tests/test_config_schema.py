"""The config file's own schema: an unknown key or a bad value is a ConfigError with the key's line."""

from __future__ import annotations

from pathlib import Path

import pytest
from eksa_lint.config import ConfigError, load_settings, settings_from_dict

from tests.conftest import dedent


def _load(tmp_path: Path, text: str, name: str = ".eksa-lint.yaml"):
    (tmp_path / name).write_text(dedent(text), encoding="utf-8")
    return load_settings(str(tmp_path))


def test_valid_config_with_every_key_loads(tmp_path: Path) -> None:
    s = _load(tmp_path, """
        target: cilium-oss
        fail-level: warning
        select: [EKSA1]
        ignore: [EKSA404]
        severity: {EKSA101: off, EKSA102: note}  # YAML 1.1 reads bare off as false
        exclude: ["vendor/**"]
        per-file-ignores: {"legacy/*.yaml": [EKSA102], "x.yaml": EKSA103}
        crds: []
        hardware: ["hw/*.csv"]
        hosts: {interfaces: [eth0, eth1], primary-interface: eth0}
        clusters:
          mgmt: {target: eksa-default, hosts: {interfaces: [eno1], primary-interface: eno1}}
        docs: true
        baseline: .eksa-lint-baseline.json
        max-file-size: 1000000
    """)
    assert s.target == "cilium-oss"
    assert s.hosts_for("mgmt").primary_interface == "eno1"
    assert s.severity["EKSA101"] is None


def test_unknown_nested_key_has_its_line_and_suggestion(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as exc:
        _load(tmp_path, """
            target: cilium-oss
            clusters:
              mgmt:
                hosts:
                  interfaces: [eth0]
                  primary-iface: eth0
        """)
    assert exc.value.line == 6
    assert 'unknown field "primary-iface" in clusters.mgmt.hosts; did you mean "primary-interface"?' in str(exc.value)


@pytest.mark.parametrize(
    ("text", "line", "needle"),
    [
        ("fail-level: warning\nseverity:\n  EKSA101: loud\n", 3, '"loud"; expected one of "error", "warning", "note", "off"'),
        ("target: cilium\n", 1, 'target is "cilium"; expected one of "eksa-default"'),
        ("docs: true\nmax-file-size: big\n", 2, "max-file-size"),
        ("select: [EKSA1]\nignor: [EKSA2]\n", 2, 'did you mean "ignore"?'),
        ("clusters:\n  a:\n    target: nope\n", 3, "clusters.a.target"),
    ],
)
def test_bad_values_carry_their_line(tmp_path: Path, text: str, line: int, needle: str) -> None:
    (tmp_path / ".eksa-lint.yaml").write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as exc:
        load_settings(str(tmp_path))
    assert exc.value.line == line
    assert needle in str(exc.value)


def test_pyproject_table_is_validated_too(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[tool.eksa-lint]\ntarget = "eksa-aws"\nfail_level = "error"\n')
    with pytest.raises(ConfigError) as exc:
        settings_from_dict({"target": "eksa-aws", "fail_level": "error"}, str(tmp_path / "pyproject.toml"))
    assert exc.value.line == 3
    assert 'did you mean "fail-level"?' in str(exc.value)
