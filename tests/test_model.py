"""Repo model helpers."""

from __future__ import annotations


def test_paths_matching_agrees_with_glob_match_path_by_path() -> None:
    """The one-scan glob search (text_files in a large repo) finds exactly what fnmatch finds per path."""
    import random

    from eksa_lint.model import _glob_match, _paths_matching
    from eksa_lint.rules.lifecycle_cni import UNINSTALL_FILES

    rnd = random.Random(7)
    parts = ["a", "b.sh", "Makefile", ".github", "workflows", "x.yml", "c.yaml", "mk", "d.mk", "[x].sh", "e!f",
             "ci.yaml", "-", "a.b"]
    paths = sorted({"/".join(rnd.choice(parts) for _ in range(rnd.randint(1, 4))) for _ in range(3000)})
    globs = [UNINSTALL_FILES, ("*.sh",), ("a/*",), ("[ab]*",), ("[!a]*.yml",), ("?.sh", "*/workflows/*"),
             ("Makefile",), (".github/*/*.yml",), ("*",), ("[]x].sh", "e!f")]
    for g in globs:
        assert _paths_matching(paths, tuple(g)) == [p for p in paths if _glob_match(p, g)], g


def test_may_belong_never_excludes_a_path_cluster_for_gives_to_the_clusters() -> None:
    """`repo.may_belong(clusters)` filters paths before cluster_for: it may keep others, never drop an owned one."""
    import itertools

    from eksa_lint.config import Settings
    from eksa_lint.engine import lint_texts

    def cluster(name: str) -> str:
        return (f"apiVersion: anywhere.eks.amazonaws.com/v1alpha1\nkind: Cluster\nmetadata: {{name: {name}}}\n"
                "spec: {}\n")

    layouts = {
        "nested": {"a/c.yaml": cluster("a"), "a/sub/c.yaml": cluster("b"), "ab/c.yaml": cluster("c")},
        "root and folder": {"c.yaml": cluster("r"), "x/c.yaml": cluster("x")},
        "two in one folder": {"p/one.yaml": cluster("p1"), "p/two.yaml": cluster("p2")},
        "one cluster": {"deep/er/c.yaml": cluster("only")},
    }
    paths = ["n.yaml", "a/n.yaml", "a/sub/n.yaml", "a/sub/more/n.yaml", "ab/n.yaml", "abc/n.yaml", "x/n.yaml",
             "x/y/n.yaml", "p/n.yaml", "p/one.yaml", "deep/n.yaml", "deep/er/n.yaml", "a/c.yaml", "a/sub/c.yaml"]
    for name, files in layouts.items():
        repo = lint_texts(list(files.items()), Settings()).repo
        clusters = repo.clusters
        for k in range(1, len(clusters) + 1):
            for chosen in itertools.combinations(clusters, k):
                could = repo.may_belong(chosen)
                for p in paths:
                    if repo.cluster_for(p) in chosen:
                        assert could(p), (name, [c.name for c in chosen], p)
        if name == "nested":  # and it does filter
            assert not repo.may_belong([c for c in clusters if c.name == "a"])("ab/n.yaml")
