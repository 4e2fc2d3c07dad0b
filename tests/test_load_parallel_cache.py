"""--jobs and the context cache never change results: parallel loading equals serial loading finding for finding,
and a stale or corrupt cache entry is never used."""

from __future__ import annotations

import os
import zlib
from pathlib import Path

import pytest
from eksa_lint.cache import CACHE_DIR, ContextCache
from eksa_lint.config import Settings

from tests.conftest import lint_tree, where, write_tree
from tests.test_bad_input import CASES

NAD = """\
apiVersion: k8s.cni.cncf.io/v1
kind: NetworkAttachmentDefinition
metadata: {{name: nad{i}, namespace: ns}}
spec:
  config: '{{
    "cniVersion": "0.3.1",
    "type": "macvlan",
    "master": "eth{i}",
    "ipam": {{"type": "whereabouts", "range": "10.0.{i}.0/24"}}
  }}'
"""
POLICY = """\
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: p, namespace: shop}
spec:
  podSelector:
    matchLabels: {app: web}
"""
DEPLOY = """\
apiVersion: apps/v1
kind: Deployment
metadata: {{name: d, namespace: shop}}
spec:
  selector: {{matchLabels: {{app: {app}}}}}
  template:
    metadata: {{labels: {{app: {app}}}}}
    spec: {{containers: [{{name: c, image: nginx}}]}}
"""


def _full(found: list) -> list[tuple]:
    return [(f.rule_id, f.location.path, f.location.line, f.location.col, f.location.end_line, f.location.end_col,
             f.message) for f in found]  # fmt: skip


@pytest.mark.skipif((os.cpu_count() or 1) < 2, reason="--jobs is capped at the CPU count; needs 2 CPUs")
def test_jobs_2_gives_the_same_findings_as_one_process(tmp_path: Path) -> None:
    files: dict[str, str | bytes] = {f"nads/n{i}.yaml": NAD.format(i=i) for i in range(250)}
    files.update({f"bad/{k}": v for k, v in CASES.items()})
    files["bad/latin1.yaml"] = "kind: caf\u00e9\n".encode("latin-1")
    # a finding in the second document of a stream, and in a JSON manifest: lazily composed nodes by index
    files["zz/multi.yaml"] = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\n---\n" + NAD.format(i=999)
    files["zz/nad.json"] = (
        '{"apiVersion": "k8s.cni.cncf.io/v1", "kind": "NetworkAttachmentDefinition",\n'
        ' "metadata": {"name": "j", "namespace": "ns"},\n'
        ' "spec": {"config": "{\\"cniVersion\\": \\"0.3.1\\", \\"type\\": \\"macvlan\\", \\"master\\": \\"eth9\\", \\"ipam\\": {\\"type\\": \\"whereabouts\\", \\"range\\": \\"10.0.999.0/24\\"}}"}}\n'
    )
    write_tree(tmp_path, files)
    serial = lint_tree(tmp_path, settings=Settings(cache=False))
    parallel = lint_tree(tmp_path, settings=Settings(cache=False, jobs=2))
    assert serial.findings, "the tree has findings to compare"
    assert {"EKSA001", "EKSA002", "EKSA003", "EKSA004", "EKSA005", "EKSA006", "EKSA007"} <= {
        f.rule_id for f in serial.findings
    }
    assert _full(parallel.findings) == _full(serial.findings)
    # the bad whereabouts range, inside the config string of the second document and of the JSON manifest
    # (zz/ sorts last: parsed by a worker, so these positions come from lazily composed node trees)
    assert ("EKSA501", "zz/multi.yaml", 13, 37) in where(parallel.findings)
    assert ("EKSA501", "zz/nad.json", 3, 133) in where(parallel.findings)
    assert ("EKSA004", "bad/deep.yaml", 1, 201) in where(parallel.findings)


def _selects_nothing(tmp_path: Path) -> list[tuple[str, str, int, int]]:
    return where(lint_tree(tmp_path, ["policy.yaml"]).findings, "EKSA604")


def test_context_cache_is_written_and_used(tmp_path: Path) -> None:
    write_tree(tmp_path, {"policy.yaml": POLICY, "deploy.yaml": DEPLOY.format(app="web")})
    assert _selects_nothing(tmp_path) == []
    cache_dir = tmp_path / CACHE_DIR
    assert (cache_dir / ".gitignore").read_text().splitlines()[-1] == "*"
    s = Settings()
    cache = ContextCache(str(tmp_path), (s.max_bytes, False, tuple(s.hardware), tuple(s.exclude)))
    assert set(cache.files) == {"deploy.yaml"}, "only context files are cached"
    context = {"deploy.yaml": ("yaml", cache.files["deploy.yaml"][1])}
    assert cache.stale(context) == []
    f = cache.view(set()).file("deploy.yaml")
    assert f is not None and not f.reported and f.documents[0].data["metadata"]["name"] == "d"
    assert f.documents[0].node is not None and f.documents[0].node.start_mark.line == 0  # composed lazily
    assert [(o[0].path, o[4]) for o in cache.view(set()).objects("Deployment")] == [("deploy.yaml", "d")]
    assert _selects_nothing(tmp_path) == []  # a warm run: same result


def test_stale_cache_entries_are_not_used(tmp_path: Path) -> None:
    write_tree(tmp_path, {"policy.yaml": POLICY, "deploy.yaml": DEPLOY.format(app="web")})
    assert _selects_nothing(tmp_path) == []
    # same size, new content and mtime: the cached labels (app: web) must not be used
    deploy = tmp_path / "deploy.yaml"
    st = deploy.stat()
    deploy.write_text(DEPLOY.format(app="wab"))
    os.utime(deploy, ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000))
    assert _selects_nothing(tmp_path) == [("EKSA604", "policy.yaml", 5, 3)]
    deploy.write_text(DEPLOY.format(app="web"))
    assert _selects_nothing(tmp_path) == []


@pytest.mark.parametrize("which", ["index-*", "data-*", "*-v*"])
@pytest.mark.parametrize("garbage", [b"", b"\x00\x01garbage", b"\xe9" * 100])
def test_corrupt_cache_is_ignored(tmp_path: Path, garbage: bytes, which: str) -> None:
    write_tree(tmp_path, {"policy.yaml": POLICY, "deploy.yaml": DEPLOY.format(app="api")})
    assert _selects_nothing(tmp_path) == [("EKSA604", "policy.yaml", 5, 3)]
    hit = list((tmp_path / CACHE_DIR).glob(which))
    assert hit, f"the cache has {which}"
    for p in hit:
        p.write_bytes(garbage)
    assert _selects_nothing(tmp_path) == [("EKSA604", "policy.yaml", 5, 3)]


def test_data_file_of_another_index_is_not_used(tmp_path: Path) -> None:
    """The index and the data file are tied by a token: a data file from another run (same length, other
    content) must not be read at the old offsets."""
    write_tree(tmp_path, {"policy.yaml": POLICY, "deploy.yaml": DEPLOY.format(app="api")})
    assert _selects_nothing(tmp_path) == [("EKSA604", "policy.yaml", 5, 3)]
    data = next((tmp_path / CACHE_DIR).glob("data-*"))
    raw = data.read_bytes()
    swapped = raw.replace(b"api", b"web")
    assert swapped != raw
    data.write_bytes(b"\x00" * 16 + swapped[16:])  # another token, data that would hide the finding
    assert _selects_nothing(tmp_path) == [("EKSA604", "policy.yaml", 5, 3)]


def _columns_mutants(cols: dict) -> list[tuple[str, dict]]:
    """Index file tables eksa-lint never writes: each breaks one invariant FileTable.from_columns checks."""
    from array import array

    n = len(cols["paths"])
    i = cols["paths"].index("deploy.yaml")

    def with_int(col: str, value: int) -> bytes:
        a = array("q")
        a.frombytes(cols[col])
        a[i] = value
        return a.tobytes()

    def twice() -> dict:  # row i again, next to itself: every column stays consistent but the paths
        offs, lens = array("q"), array("q")
        offs.frombytes(cols["offs"])
        lens.frombytes(cols["lens"])
        offs.insert(i, offs[i])
        lens.insert(i, lens[i])
        return {**cols, "paths": cols["paths"][:i + 1] + cols["paths"][i:],
                "kinds": cols["kinds"][:i + 1] + cols["kinds"][i:], "keys": cols["keys"][:i + 1] + cols["keys"][i:],
                "offs": offs.tobytes(), "lens": lens.tobytes(),
                "nstr": cols["nstr"] + (type(cols["keys"][i]) is str)}

    return [
        ("a path not a str", {**cols, "paths": [7 if j == i else p for j, p in enumerate(cols["paths"])]}),
        ("a path twice", twice()),
        ("a kind code we never write", {**cols, "kinds": "z" * n}),
        ("kinds of another length", {**cols, "kinds": cols["kinds"] + "y"}),
        ("a key of the wrong type", {**cols, "keys": [7] * n}),
        ("a negative offset", {**cols, "offs": with_int("offs", -1)}),
        ("an offset past the data file", {**cols, "offs": with_int("offs", 10**9)}),
        ("a negative length", {**cols, "lens": with_int("lens", -5)}),
        ("offsets not whole 8-byte ints", {**cols, "offs": cols["offs"][:-3]}),
        ("nstr past the table", {**cols, "nstr": n + 1}),
        ("nstr not an int", {**cols, "nstr": "1"}),
        ("a column missing", {k: v for k, v in cols.items() if k != "lens"}),
        ("not a table at all", ["paths"]),
    ]


def test_wrong_shaped_cache_entry_is_ignored(tmp_path: Path) -> None:
    import marshal

    write_tree(tmp_path, {"policy.yaml": POLICY, "deploy.yaml": DEPLOY.format(app="api")})
    assert _selects_nothing(tmp_path) == [("EKSA604", "policy.yaml", 5, 3)]
    path = next((tmp_path / CACHE_DIR).glob("index-*"))
    data = marshal.loads(path.read_bytes()[4:])
    bad_objects = [[("deploy.yaml",)], [7], [("deploy.yaml", 3, (), "apps/v1", "d", "shop")], "x"]
    cases = [(f"files: {why}", {**data, "files": cols}) for why, cols in _columns_mutants(data["files"])]
    cases += [(f"objects: {bad!r}", {**data, "objects": {**data["objects"], "Deployment": bad}})
              for bad in bad_objects]
    for why, changed in cases:
        payload = marshal.dumps(changed)
        path.write_bytes(zlib.crc32(payload).to_bytes(4, "little") + payload)
        result = lint_tree(tmp_path, ["policy.yaml"])
        assert result.internal_errors == 0, why  # an index we did not write: the run starts again without it
        assert where(result.findings, "EKSA604") == [("EKSA604", "policy.yaml", 5, 3)], why


def test_file_table_rejects_every_mutant_column(tmp_path: Path) -> None:
    """FileTable.from_columns itself says None for each broken table (the run above could also recover
    later, when a read fails): only the offset past the data file is left to the read."""
    import marshal

    from eksa_lint.cache import FileTable

    write_tree(tmp_path, {"policy.yaml": POLICY, "deploy.yaml": DEPLOY.format(app="api")})
    _selects_nothing(tmp_path)
    data = marshal.loads(next((tmp_path / CACHE_DIR).glob("index-*")).read_bytes()[4:])
    assert FileTable.from_columns(data["files"]) is not None
    for why, cols in _columns_mutants(data["files"]):
        got = FileTable.from_columns(cols)
        if why == "an offset past the data file":
            assert got is not None and got["deploy.yaml"][2] == 10**9
        else:
            assert got is None, why


def test_no_cache_setting_writes_nothing(tmp_path: Path) -> None:
    write_tree(tmp_path, {"policy.yaml": POLICY, "deploy.yaml": DEPLOY.format(app="api")})
    found = where(lint_tree(tmp_path, ["policy.yaml"], Settings(cache=False)).findings, "EKSA604")
    assert found == [("EKSA604", "policy.yaml", 5, 3)]
    assert not (tmp_path / CACHE_DIR).exists()


CLUSTER_NO_SKIP = """
apiVersion: anywhere.eks.amazonaws.com/v1alpha1
kind: Cluster
metadata: {name: c1}
spec:
  clusterNetwork:
    cniConfig:
      cilium: {}
"""


@pytest.mark.parametrize("how", ["binary", "oversize"])
def test_cached_context_file_without_text_stays_without_text(tmp_path: Path, how: str) -> None:
    """A context file the loader kept no text of (binary, over the size limit) must not be read from disk
    later for rules that scan text: EKSA201 would see a `cilium uninstall` a full run never sees."""
    script = "on: push\njobs:\n  x:\n    runs-on: ubuntu-latest\n    steps:\n      - run: cilium uninstall\n"
    body = script.encode() + (b"# \x00\n" if how == "binary" else b"#" * 400 + b"\n")
    write_tree(tmp_path, {"cluster.yaml": CLUSTER_NO_SKIP, ".github/workflows/cni.yml": body})
    s = Settings(max_bytes=300) if how == "oversize" else Settings()
    full = lint_tree(tmp_path, ["."], s)
    assert where(full.findings, "EKSA003") and not where(full.findings, "EKSA201")
    for _ in range(3):  # cold, warm, warm
        assert where(lint_tree(tmp_path, ["cluster.yaml"], s).findings, "EKSA201") == []


def test_restored_mtime_is_still_a_change(tmp_path: Path) -> None:
    """`touch -r`, `cp -p`, `tar x` and rsync -t put an old mtime back; ctime (part of the key) moves."""
    write_tree(tmp_path, {"policy.yaml": POLICY, "deploy.yaml": DEPLOY.format(app="web")})
    assert _selects_nothing(tmp_path) == []
    assert _selects_nothing(tmp_path) == []  # warm
    deploy = tmp_path / "deploy.yaml"
    st = deploy.stat()
    deploy.write_text(DEPLOY.format(app="wab"))  # same size
    os.utime(deploy, ns=(st.st_atime_ns, st.st_mtime_ns))
    assert deploy.stat().st_size == st.st_size and deploy.stat().st_mtime_ns == st.st_mtime_ns
    assert _selects_nothing(tmp_path) == [("EKSA604", "policy.yaml", 5, 3)]


def test_racy_entry_is_checked_by_content(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A file changed in the same timestamp tick as the cache write (coarse file systems) keeps its whole
    stat key; entries that close to the write are compared by content."""
    import eksa_lint.cache as cache_mod

    write_tree(tmp_path, {"policy.yaml": POLICY, "deploy.yaml": DEPLOY.format(app="web")})
    assert _selects_nothing(tmp_path) == []
    real_key = cache_mod.stat_key
    deploy = tmp_path / "deploy.yaml"
    frozen = real_key(str(deploy))
    deploy.write_text(DEPLOY.format(app="wab"))
    # the file system reports the old key, as one with 2-second timestamps and a reused inode could
    monkeypatch.setattr(cache_mod, "stat_key", lambda p: frozen if p == str(deploy) else real_key(p))
    import eksa_lint.discover as disc
    real_file_key = disc.file_key
    monkeypatch.setattr(disc, "file_key", lambda st: frozen if st.st_ino == frozen[2] else real_file_key(st))
    assert _selects_nothing(tmp_path) == [("EKSA604", "policy.yaml", 5, 3)]
