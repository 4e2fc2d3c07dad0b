"""Settings: `.eksa-lint.yaml` (or `[tool.eksa-lint]` in pyproject.toml) merged with command-line options."""

from __future__ import annotations

import fnmatch
import os
from typing import Any

from eksa_lint.findings import Severity
from eksa_lint.model import HostFacts
from eksa_lint.record import Record

TARGETS = ("eksa-default", "eksa-aws", "cilium-oss", "cilium-enterprise")
CONFIG_FILES = (".eksa-lint.yaml", ".eksa-lint.yml")
DEFAULT_HARDWARE_GLOBS = ("hardware*.csv",)


class ConfigError(Exception):
    """A configuration problem: exit code 2, with the file and line when known."""

    def __init__(self, message: str, path: str | None = None, line: int | None = None) -> None:
        where = f"{path}:{line}: " if path and line else (f"{path}: " if path else "")
        super().__init__(f"{where}{message}")
        self.path = path
        self.line = line


class Settings(Record):
    _fields = (
        "target", "fail_level", "select", "ignore", "severity", "exclude", "per_file_ignores", "crds",
        "hardware", "hosts", "clusters", "max_bytes", "docs", "baseline", "config_path", "jobs", "cache",
    )
    __slots__ = _fields

    def __init__(
        self,
        target: str | None = None,
        fail_level: Severity = Severity.WARNING,
        select: tuple[str, ...] = (),
        ignore: tuple[str, ...] = (),
        severity: dict[str, Severity | None] | None = None,  # None = "off"
        exclude: tuple[str, ...] = (),
        per_file_ignores: dict[str, tuple[str, ...]] | None = None,
        crds: tuple[str, ...] = (),
        hardware: tuple[str, ...] = DEFAULT_HARDWARE_GLOBS,
        hosts: HostFacts | None = None,
        clusters: dict[str, dict[str, Any]] | None = None,
        max_bytes: int = 10 * 1024 * 1024,
        docs: bool = False,
        baseline: str | None = None,
        config_path: str | None = None,
        jobs: int = 1,
        cache: bool = True,  # reuse loaded context files from .eksa-lint-cache/
    ) -> None:
        self.target = target
        self.fail_level = fail_level
        self.select = select
        self.ignore = ignore
        self.severity = {} if severity is None else severity
        self.exclude = exclude
        self.per_file_ignores = {} if per_file_ignores is None else per_file_ignores
        self.crds = crds
        self.hardware = hardware
        self.hosts = HostFacts() if hosts is None else hosts
        self.clusters = {} if clusters is None else clusters
        self.max_bytes = max_bytes
        self.docs = docs
        self.baseline = baseline
        self.config_path = config_path
        self.jobs = jobs
        self.cache = cache

    # -- rule selection --------------------------------------------------------------------------------------------

    @staticmethod
    def _matches(rule_id: str, rule_name: str, patterns: tuple[str, ...]) -> bool:
        for p in patterns:
            p = p.strip()
            if not p:
                continue
            if p.upper() == "ALL" or rule_id.startswith(p.upper()) or p.lower() == rule_name:
                return True
        return False

    def rule_enabled(self, rule_id: str, rule_name: str) -> bool:
        if self.select and not self._matches(rule_id, rule_name, self.select):
            return False
        if self.ignore and self._matches(rule_id, rule_name, self.ignore):
            return False
        return not (rule_id in self.severity and self.severity[rule_id] is None)

    def severity_for(self, rule_id: str, default: Severity) -> Severity:
        sev = self.severity.get(rule_id)
        return sev if sev is not None else default

    def ignored_in_file(self, rule_id: str, rule_name: str, path: str) -> bool:
        for pattern, ids in self.per_file_ignores.items():
            if (fnmatch.fnmatch(path, pattern) or fnmatch.fnmatch(os.path.basename(path), pattern)) and \
                    self._matches(rule_id, rule_name, ids):
                return True
        return False

    def excluded(self, path: str) -> bool:
        parts = path.split("/")
        for pattern in self.exclude:
            pat = pattern.rstrip("/")
            if fnmatch.fnmatch(path, pat) or fnmatch.fnmatch(path, pat + "/*"):
                return True
            if any(fnmatch.fnmatch(p, pat) for p in parts):
                return True
        return False

    # -- per-cluster facts -----------------------------------------------------------------------------------------

    def hosts_for(self, cluster_name: str | None) -> HostFacts:
        if cluster_name and cluster_name in self.clusters:
            h = self.clusters[cluster_name].get("hosts")
            if isinstance(h, HostFacts):
                return h
        return self.hosts

    def target_for(self, cluster_name: str | None) -> str | None:
        if self.target:
            return self.target
        if cluster_name and cluster_name in self.clusters:
            t = self.clusters[cluster_name].get("target")
            if isinstance(t, str):
                return t
        return None


CONFIG_MAX_CHARS = 1024 * 1024


def _read_config_file(path: str) -> dict[str, Any] | None:
    try:
        with open(path, encoding="utf-8") as fh:
            text = fh.read(CONFIG_MAX_CHARS + 1)
    except OSError as exc:
        raise ConfigError(f"cannot read the config file: {exc.strerror or exc}", path) from None
    except UnicodeDecodeError:
        raise ConfigError("the config file is not UTF-8", path) from None
    if len(text) > CONFIG_MAX_CHARS:
        # a settings file is a few hundred bytes; one this size is a mistake (the wrong file passed to --config)
        # and parsing it would stall every hook run
        raise ConfigError(f"the config file is over {CONFIG_MAX_CHARS:,} characters; is it the right file?", path)
    if path.endswith(".toml"):
        try:
            import tomllib  # type: ignore[import-not-found]
        except ModuleNotFoundError:  # Python 3.10: the same parser, packaged as tomli
            import tomli as tomllib  # type: ignore[no-redef]
        try:
            data = tomllib.loads(text)
        except ValueError as exc:
            raise ConfigError(f"invalid TOML: {exc}", path) from None
        except RecursionError:
            raise ConfigError("invalid TOML: nested too deeply", path) from None
        tool = data.get("tool", {})
        tool = tool.get("eksa-lint") if isinstance(tool, dict) else None
        if tool is None:  # no table: not a config file
            return None
        if not isinstance(tool, dict):
            raise ConfigError(f"tool.eksa-lint is a {type(tool).__name__}; it must be a table", path)
        _check_plain(tool, "", path)
        return tool
    # The repo's own guarded loader, not yaml.safe_load: an alias bomb, deep nesting, a 5000-digit integer,
    # `!!bool maybe` or a duplicate key in the config is a config error, never a hang or an internal error.
    from eksa_lint.load.source import SourceFile
    from eksa_lint.load.yaml_loader import load_yaml

    f = SourceFile(path, path, "yaml", text=text.removeprefix("\ufeff"))
    load_yaml(f)
    if f.problems:
        p = min(f.problems, key=lambda q: (q.line, q.col))
        raise ConfigError(p.message, path, p.line)
    if not f.documents:
        return {}
    if len(f.documents) > 1:
        raise ConfigError("the config must be one YAML document", path, 1)
    data = f.documents[0].data
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ConfigError("the config must be a mapping", path, 1)
    _check_plain(data, "", path)
    return data


def _check_plain(value: Any, where: str, path: str) -> None:
    """Keys must be strings and values plain JSON types (no TOML dates, no YAML timestamps or binary), which
    is what the config schema can be checked against."""
    if isinstance(value, dict):
        for k, v in value.items():
            if not isinstance(k, str):
                raise ConfigError(f"key {k!r} in {where or 'the config'} is not a string; quote it", path)
            _check_plain(v, f"{where}.{k}" if where else k, path)
    elif isinstance(value, list):
        for i, v in enumerate(value):
            _check_plain(v, f"{where}[{i}]", path)
    elif not (value is None or isinstance(value, (str, bool, int, float))):
        raise ConfigError(f"{where or 'the config'} is a {type(value).__name__}; use a string", path)


def find_config(root: str) -> str | None:
    for name in CONFIG_FILES:
        p = os.path.join(root, name)
        if os.path.isfile(p):
            return p
    pp = os.path.join(root, "pyproject.toml")
    if os.path.isfile(pp):
        # Any mention ([tool.eksa-lint], [tool."eksa-lint"], a dotted key, or a dependency on eksa-lint) makes it
        # a candidate; reading it then decides, so a broken table is an error and not silently no config.
        try:
            with open(pp, "rb") as fh:
                if b"eksa-lint" in fh.read(CONFIG_MAX_CHARS * 4 + 4):
                    return pp
        except OSError:
            return None
    return None


def _hosts(value: Any, path: str | None) -> HostFacts:
    if not isinstance(value, dict):
        raise ConfigError("`hosts` must be a mapping", path)
    ifaces = value.get("interfaces")
    primary = value.get("primary-interface", "eth0")
    return HostFacts(tuple(str(i) for i in ifaces) if isinstance(ifaces, list) else None, str(primary))


def _validated_before(data: dict[str, Any], memo: str | None) -> bool:
    """Whether this eksa-lint validated exactly this config before (its verdict is kept in the cache folder:
    loading jsonschema and compiling the config schema is most of a one-file run's configuration time)."""
    if memo is None:
        return False
    try:
        with open(memo, "rb") as fh:
            return fh.read() == _memo_key(data)
    except OSError:
        return False


def _memo_key(data: dict[str, Any]) -> bytes:
    from eksa_lint import __version__

    return f"eksa-lint {__version__}\n{data!r}".encode("utf-8", "surrogatepass")


def _remember_valid(data: dict[str, Any], memo: str | None) -> None:
    if memo is None or not os.path.isdir(os.path.dirname(memo)):
        return  # the cache folder is made by a run that caches; never here
    try:
        tmp = f"{memo}.{os.getpid()}"
        with open(tmp, "wb") as fh:
            fh.write(_memo_key(data))
        os.replace(tmp, memo)
    except OSError:
        pass


def unknown_selectors(patterns: tuple[str, ...] | list[str]) -> list[str]:
    """The patterns that select no rule: neither ALL, a rule's name, nor a prefix of a rule's ID (as ruff, a
    selector that matches nothing is a mistake, never silently nothing)."""
    from eksa_lint.registry import rule_names

    names = rule_names()
    known = set(names.values())
    out = []
    for p in patterns:
        q = str(p).strip()
        if q and q.upper() != "ALL" and q.lower() not in known and not any(i.startswith(q.upper()) for i in names):
            out.append(str(p))
    return out


def rule_id(ref: str) -> str | None:
    """The rule ID for an ID or a name (any case), or None."""
    from eksa_lint.registry import rule_names

    names = rule_names()
    if ref.upper() in names:
        return ref.upper()
    return next((i for i, n in names.items() if n == ref.lower()), None)


def _check_rule_references(data: dict[str, Any], path: str | None) -> None:
    """A config error, with its line, for a selector or severity key that names no rule."""
    from eksa_lint.schema import config_line

    refs: list[tuple[tuple[Any, ...], str, str]] = []  # (node path, value, what it is)
    for key in ("select", "ignore"):
        refs += [((key, i), v, key) for i, v in enumerate(data.get(key) or ())]
    for pattern, ids in (data.get("per-file-ignores") or {}).items():
        items = ids if isinstance(ids, list) else [ids]
        refs += [(("per-file-ignores", pattern) + ((i,) if isinstance(ids, list) else ()), v,
                  f"per-file-ignores {pattern!r}") for i, v in enumerate(items)]
    for node_path, value, what in refs:
        if unknown_selectors([value]):
            raise ConfigError(f"{what}: {value!r} is no rule ID, prefix or name; `eksa-lint rules` lists them",
                              path, config_line(path, node_path))
    for key in data.get("severity") or {}:
        if rule_id(str(key)) is None:
            raise ConfigError(f"severity: {key!r} is no rule ID or name; `eksa-lint rules` lists them", path,
                              config_line(path, ("severity", key)))


def settings_from_dict(data: dict[str, Any], path: str | None = None, memo: str | None = None) -> Settings:
    """Build Settings from a parsed config mapping (validated against schemas/config.schema.json; `memo` is
    where the verdict for a valid config is kept, if anywhere)."""
    if not _validated_before(data, memo):
        from eksa_lint.schema import validate_config

        validate_config(data, path)
        _check_rule_references(data, path)
        _remember_valid(data, memo)
    s = Settings(config_path=path)
    if "target" in data:
        s.target = data["target"]
    if "fail-level" in data:
        s.fail_level = Severity.parse(data["fail-level"])
    for key in ("select", "ignore", "exclude", "crds"):
        if key in data:
            setattr(s, key, tuple(str(x) for x in data[key]))
    if "hardware" in data:
        s.hardware = tuple(str(x) for x in data["hardware"])
    if "severity" in data:
        s.severity = {
            rule_id(str(k)) or str(k).upper(): (None if v is False or str(v).lower() == "off"
                                                else Severity.parse(str(v)))
            for k, v in data["severity"].items()
        }
    if "per-file-ignores" in data:
        s.per_file_ignores = {
            str(k): tuple(str(x) for x in (v if isinstance(v, list) else [v]))
            for k, v in data["per-file-ignores"].items()
        }
    if "hosts" in data:
        s.hosts = _hosts(data["hosts"], path)
    if "clusters" in data:
        for name, cfg in data["clusters"].items():
            entry = dict(cfg or {})
            if "hosts" in entry:
                entry["hosts"] = _hosts(entry["hosts"], path)
            s.clusters[str(name)] = entry
    if "max-file-size" in data:
        s.max_bytes = int(data["max-file-size"])
    if "docs" in data:
        s.docs = bool(data["docs"])
    if "baseline" in data:
        s.baseline = str(data["baseline"])
    if path:
        base = os.path.dirname(os.path.abspath(path))
        s.crds = tuple(c if os.path.isabs(c) else os.path.join(base, c) for c in s.crds)
    return s


def load_settings(root: str, config_path: str | None = None, cache: bool = False) -> Settings:
    """Settings from `config_path`, else from the config file found at the repo root, else defaults. With
    `cache`, a config validated before (same content, same eksa-lint) is not validated again."""
    path = config_path or find_config(root)
    if path is None:
        return Settings()
    memo = os.path.join(root, ".eksa-lint-cache", "config-valid") if cache else None
    data = _read_config_file(path)
    return Settings() if data is None else settings_from_dict(data, path, memo)
