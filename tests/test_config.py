"""Configuration: `.eksa-lint.yaml` or `[tool.eksa-lint]` at the repo root, `--config FILE`, command-line
options over the file, and configuration errors (exit 2, with file and line)."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from eksa_lint.config import ConfigError, load_settings
from eksa_lint.findings import Severity

from tests.conftest import write_tree
from tests.test_cli import cli

DUP = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n  name: b\n"
FINDING = "sub/a.yaml:5:3: EKSA002"


def _repo(tmp_path: Path, config: str | None = None, name: str = ".eksa-lint.yaml") -> Path:
    root = write_tree(tmp_path / "r", {"sub/a.yaml": DUP})
    if config is not None:
        (root / name).write_text(config, encoding="utf-8")
    return root


def test_defaults_without_a_config_file(tmp_path: Path) -> None:
    s = load_settings(str(_repo(tmp_path)))
    assert s.config_path is None and s.fail_level == Severity.WARNING and s.select == () and s.ignore == ()
    assert s.hardware == ("hardware*.csv",)


def test_yaml_config_is_read(tmp_path: Path) -> None:
    root = _repo(tmp_path, "fail-level: error\nselect: [EKSA0, EKSA4]\nignore: [EKSA404]\n"
                           "severity: {EKSA002: note, EKSA005: off}\nexclude: [generated]\n"
                           "per-file-ignores: {'legacy/*': [EKSA002]}\nhardware: ['hw/*.csv']\n")  # fmt: skip
    s = load_settings(str(root))
    assert s.config_path == str(root / ".eksa-lint.yaml")
    assert (s.fail_level, s.select, s.ignore, s.exclude, s.hardware) == (
        Severity.ERROR, ("EKSA0", "EKSA4"), ("EKSA404",), ("generated",), ("hw/*.csv",))  # fmt: skip
    assert s.severity == {"EKSA002": Severity.NOTE, "EKSA005": None}
    assert not s.rule_enabled("EKSA005", "templated-file") and not s.rule_enabled(
        "EKSA404", "nad-master-is-primary"
    )
    assert s.rule_enabled("EKSA002", "duplicate-key") and not s.rule_enabled(
        "EKSA102", "networkpolicy-schema"
    )
    assert s.ignored_in_file("EKSA002", "duplicate-key", "legacy/x.yaml")
    assert not s.ignored_in_file("EKSA002", "duplicate-key", "new/x.yaml")


def test_pyproject_table_is_read(tmp_path: Path) -> None:
    root = _repo(
        tmp_path, '[project]\nname = "x"\n\n[tool.eksa-lint]\nignore = ["EKSA002"]\n', "pyproject.toml"
    )
    assert load_settings(str(root)).ignore == ("EKSA002",)
    assert cli(root, "check")[0] == 0
    # a pyproject.toml without the table is not a config file
    (root / "pyproject.toml").write_text('[project]\nname = "x"\n')
    assert load_settings(str(root)).config_path is None
    # nor is one that only depends on eksa-lint
    (root / "pyproject.toml").write_text('[project]\nname = "x"\ndependencies = ["eksa-lint"]\n')
    assert load_settings(str(root)) == load_settings(str(tmp_path))
    # the quoted and dotted spellings of the table are the same table
    for text in ('[tool."eksa-lint"]\nignore = ["EKSA002"]\n', '[tool]\neksa-lint.ignore = ["EKSA002"]\n'):
        (root / "pyproject.toml").write_text(text)
        assert load_settings(str(root)).ignore == ("EKSA002",), text


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (b"[tool]\neksa-lint = 5\n", "tool.eksa-lint is a int; it must be a table"),
        (b"[tool.eksa-lint]\n# caf\xe9\nignore = []\n", "the config file is not UTF-8"),
    ],
)
def test_broken_pyproject_table_is_an_error_not_silence(tmp_path: Path, text: bytes, message: str) -> None:
    root = _repo(tmp_path)
    (root / "pyproject.toml").write_bytes(text)
    code, out = cli(root, "check")
    assert code == 2 and message in out and "Traceback" not in out


def test_config_changes_the_run_through_the_cli(tmp_path: Path) -> None:
    root = _repo(tmp_path, "severity: {EKSA002: note}\n")
    code, out = cli(root, "check")
    assert code == 0 and f"{FINDING} [note]" in out
    (root / ".eksa-lint.yaml").write_text("exclude: [sub]\n")
    code, out = cli(root, "check")
    assert code == 0 and "0 errors, 0 warnings in 0 files; 1 file checked" in out  # only the config file
    (root / ".eksa-lint.yaml").write_text("per-file-ignores: {'sub/*': [duplicate-key]}\n")
    code, out = cli(root, "check")
    assert code == 0 and FINDING not in out


def test_command_line_overrides_the_file(tmp_path: Path) -> None:
    root = _repo(tmp_path, "fail-level: error\nignore: [EKSA1]\n")
    assert cli(root, "check")[0] == 1
    root2 = _repo(tmp_path / "2", "fail-level: note\nseverity: {EKSA002: warning}\n")
    assert cli(root2, "check")[0] == 1
    assert cli(root2, "check", "--fail-level", "error")[0] == 0  # the option wins over the file
    assert cli(root2, "check", "--ignore", "EKSA002")[0] == 0  # --ignore adds to the file's list


def test_explicit_config_file(tmp_path: Path) -> None:
    root = _repo(tmp_path, "ignore: [EKSA002]\n")
    (tmp_path / "strict.yaml").write_text("severity: {EKSA002: error}\n")
    assert cli(root, "check")[0] == 0
    code, out = cli(root, "check", "--config", str(tmp_path / "strict.yaml"))
    assert code == 1 and f"{FINDING} [error]" in out
    code, out = cli(root, "check", "--config", str(tmp_path / "missing.yaml"))
    assert code == 2 and "missing.yaml" in out and "cannot read the config file" in out


def test_config_at_the_git_root_applies_from_a_subfolder(tmp_path: Path) -> None:
    root = _repo(tmp_path, "ignore: [EKSA002]\n")
    subprocess.run(["git", "init", "-q"], cwd=root, check=True)
    assert cli(root / "sub", "check", "a.yaml")[0] == 0
    assert cli(root / "sub", "check", "a.yaml", "--config", "/dev/null")[0] == 1


@pytest.mark.parametrize(
    ("config", "message"),
    [
        (
            "fail-levle: error\n",
            '.eksa-lint.yaml:1: unknown field "fail-levle" in the config; did you mean "fail-level"?',
        ),
        ("select: EKSA1\n", '.eksa-lint.yaml:1: select is "EKSA1"; expected a list'),
        ("severity: {EKSA002: loud}\n", '.eksa-lint.yaml:1: severity.EKSA002 is "loud"'),
        ("fail-level: [\n", ".eksa-lint.yaml:2: invalid YAML"),
        ("- a\n", ".eksa-lint.yaml:1: the config must be a mapping"),
        ("select: [EKSA0]\nignore:\n  - EKSA6\n  - no-such-rule\n",
         ".eksa-lint.yaml:4: ignore: 'no-such-rule' is no rule ID, prefix or name"),
        ("select: [EKSA9999]\n", ".eksa-lint.yaml:1: select: 'EKSA9999' is no rule ID, prefix or name"),
        ("per-file-ignores:\n  'a/*': EKSA002\n  'b/*': [EKSA0, EKSB]\n",
         ".eksa-lint.yaml:3: per-file-ignores 'b/*': 'EKSB' is no rule ID, prefix or name"),
        ("severity:\n  EKSA002: note\n  EKSA77: off\n", ".eksa-lint.yaml:3: severity: 'EKSA77' is no rule ID or name"),
    ],
)
def test_bad_config_exits_2_with_file_and_line(tmp_path: Path, config: str, message: str) -> None:
    root = _repo(tmp_path, config)
    with pytest.raises(ConfigError):
        load_settings(str(root))
    code, out = cli(root, "check")
    assert code == 2 and message in out and "Traceback" not in out


def test_severity_and_selectors_by_rule_name(tmp_path: Path) -> None:
    root = _repo(tmp_path, "select: [duplicate-key]\nseverity: {duplicate-key: note}\n")
    s = load_settings(str(root))
    assert s.severity == {"EKSA002": Severity.NOTE}
    code, out = cli(root, "check", "--fail-level", "warning")
    assert code == 0 and "sub/a.yaml:5:3: EKSA002 [note]" in out


def test_unknown_selector_in_pyproject_has_its_line(tmp_path: Path) -> None:
    root = _repo(tmp_path, '[tool.eksa-lint]\nfail-level = "error"\nselect = ["EKSA1", "EKSB"]\n', "pyproject.toml")
    code, out = cli(root, "check")
    assert code == 2 and "pyproject.toml:3: select: 'EKSB' is no rule ID, prefix or name" in out
