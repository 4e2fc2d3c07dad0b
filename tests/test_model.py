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
