"""Loader rules (EKSA001-EKSA009): what goes wrong before a manifest can be read. The loader and engine emit
these findings; the declarations here carry their documentation."""

from __future__ import annotations

from collections.abc import Iterator

from eksa_lint.model import Repo, Violation
from eksa_lint.registry import ERROR, NOTE, WARNING, rule


@rule(id="EKSA001", name="yaml-syntax", severity=ERROR, engine=True, tags=("loader",),
      summary="The file is not valid YAML or JSON.")
def yaml_syntax(repo: Repo) -> Iterator[Violation]:
    """
    ## What it does
    Reports a file that does not parse as YAML (or, for `*.json`, as strict JSON), at the parser's position.

    ## Why is this bad?
    `kubectl apply`, Flux and Argo CD reject the whole file, so none of its objects reach the cluster. Documents
    before the error in a multi-document file are still linted.

    ## Example
    ```yaml
    spec:
      podSelector: {matchLabels: {app: web}
    ```

    ## Use instead
    ```yaml
    spec:
      podSelector: {matchLabels: {app: web}}
    ```
    """
    return iter(())


@rule(id="EKSA002", name="duplicate-key", severity=ERROR, engine=True, tags=("loader",),
      summary="A mapping defines the same key twice.")
def duplicate_key(repo: Repo) -> Iterator[Violation]:
    """
    ## What it does
    Reports the second occurrence of a key in one mapping.

    ## Why is this bad?
    The Kubernetes API server's strict decoding rejects duplicate fields, and tools that accept them keep only
    one value (usually the last), so what you review is not what is applied.

    ## Example
    ```yaml
    metadata:
      name: allow-dns
      name: allow-dns-v2
    ```

    ## Use instead
    ```yaml
    metadata:
      name: allow-dns-v2
    ```
    """
    return iter(())


@rule(id="EKSA003", name="unreadable-file", severity=ERROR, engine=True, tags=("loader",),
      summary="The file cannot be read as text: binary, not UTF-8, unreadable, or over the size limit.")
def unreadable_file(repo: Repo) -> Iterator[Violation]:
    """
    ## What it does
    Reports a candidate file (`*.yaml`, `*.yml`, `*.json`, hardware CSV) that is binary (contains NUL bytes),
    is not valid UTF-8, cannot be read, or is larger than the size limit (10 MiB by default).

    ## Why is this bad?
    Kubernetes manifests must be UTF-8 text. A binary or mis-encoded file is usually an accident (a
    Latin-1 editor, a committed archive) and cannot be applied.

    ## Example
    A `values.yaml` saved as Latin-1 with `name: café`.

    ## Use instead
    Save the file as UTF-8, or exclude it with `exclude:` in `.eksa-lint.yaml` if it is not a manifest.
    """
    return iter(())


@rule(id="EKSA004", name="resource-limit", severity=ERROR, engine=True, tags=("loader", "security"),
      summary="Alias expansion or nesting goes beyond sane bounds (for example a billion-laughs file).")
def resource_limit(repo: Repo) -> Iterator[Violation]:
    """
    ## What it does
    Rejects a document whose aliases expand to millions of nodes, or whose nesting is deeper than 200 levels,
    before anything walks it.

    ## Why is this bad?
    An alias bomb (`a: &a [x, x]`, `b: &b [*a, *a]`, ...) is a few hundred bytes that expand to billions of
    nodes: it exhausts the memory of every tool that expands it (the API server has limits for the same
    reason). No real manifest needs this.

    ## Example
    ```yaml
    a: &a ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]
    b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]
    c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]
    ```

    ## Use instead
    Write the values out, or keep anchors for small repeated blocks.
    """
    return iter(())


@rule(id="EKSA005", name="templated-file", severity=NOTE, engine=True, tags=("loader",),
      summary="The file is a template (`{{ ... }}`) and is skipped.")
def templated_file(repo: Repo) -> Iterator[Violation]:
    """
    ## What it does
    Notes a file that contains Go/Helm/Jinja template expressions (a line starting with `{{`, a template in
    `apiVersion`, `kind` or `metadata.name`, or `{{` in a file that does not parse). The file is skipped.

    ## Why is this bad?
    A template is not what is applied; its placeholders would give misleading findings. Render it first
    (`helm template ... > rendered.yaml`) and lint the output.

    ## Example
    ```yaml
    metadata:
      name: {{ .Values.name }}
    ```

    ## Use instead
    Lint the rendered manifest, and exclude the template folder in `.eksa-lint.yaml`.
    """
    return iter(())


@rule(id="EKSA006", name="missing-type-meta", severity=ERROR, engine=True, tags=("loader",),
      summary="A document has `metadata` or `spec` but no `apiVersion` or `kind`.")
def missing_type_meta(repo: Repo) -> Iterator[Violation]:
    """
    ## What it does
    Reports a document that looks like a Kubernetes object (it has `metadata` or `spec`) but lacks
    `apiVersion` or `kind`.

    ## Why is this bad?
    `kubectl apply` refuses it ("apiVersion not set" / "kind not set"), and eksa-lint cannot tell which
    schema and rules apply, so nothing in it is checked. Documents with neither `metadata` nor `spec`
    (Helm values, app config) are not manifests and are skipped silently.

    ## Example
    ```yaml
    metadata:
      name: deny-all
    spec:
      podSelector: {}
    ```

    ## Use instead
    ```yaml
    apiVersion: networking.k8s.io/v1
    kind: NetworkPolicy
    metadata:
      name: deny-all
    spec:
      podSelector: {}
    ```
    """
    return iter(())


@rule(id="EKSA007", name="unsafe-tag", severity=ERROR, engine=True, tags=("loader", "security"),
      summary="A node has a non-standard YAML tag such as `!!python/object`; it is never constructed.")
def unsafe_tag(repo: Repo) -> Iterator[Violation]:
    """
    ## What it does
    Reports any tag other than YAML's standard ones (`!!str`, `!!int`, `!!float`, `!!bool`, `!!null`,
    `!!map`, `!!seq`, `!!timestamp`, `!!binary`, merge keys). The tagged value is read as plain data;
    eksa-lint never constructs tagged objects or runs anything.

    ## Why is this bad?
    Tags like `!!python/object/apply:os.system` execute code in unsafe loaders, and Kubernetes ignores or
    rejects custom tags, so the manifest does not mean what it says.

    ## Example
    ```yaml
    metadata:
      name: !!python/object/apply:os.system ["id"]
    ```

    ## Use instead
    ```yaml
    metadata:
      name: web
    ```
    """
    return iter(())


@rule(id="EKSA008", name="unused-suppression", severity=WARNING, engine=True, tags=("suppression",),
      fixable="safe", summary="A suppression comment or annotation suppressed nothing.")
def unused_suppression(repo: Repo) -> Iterator[Violation]:
    """
    ## What it does
    Reports a `# eksa-lint: disable=...` comment (or `eksa-lint.io/disable` annotation code) that matched no
    finding of a rule that ran.

    ## Why is this bad?
    A stale suppression hides the next real finding at that place, and tells readers a problem exists where
    none does. Suppressions of rules that did not run (deselected with `--select`/`--ignore`) are not reported.

    ## Example
    ```yaml
    kind: NetworkPolicy  # eksa-lint: disable=EKSA301
    ```

    ## Use instead
    Remove the comment (the safe fix does this).
    """
    return iter(())


@rule(id="EKSA009", name="internal-error", severity=ERROR, engine=True, tags=("engine",),
      summary="A rule crashed; its other findings may be missing (exit code 2).")
def internal_error(repo: Repo) -> Iterator[Violation]:
    """
    ## What it does
    Reports a rule that raised an exception, with the rule's ID and the object it was checking. The run goes
    on with the other rules, and the exit code is 2.

    ## Why is this bad?
    It is a bug in eksa-lint, not in your repo, but the crashed rule's other findings are missing, so the
    result is incomplete. Please report it with the message.

    ## Example
    `EKSA009 [error] rule EKSA404 (nad-master-is-primary) crashed on NetworkAttachmentDefinition/x: ...`

    ## Use instead
    Upgrade eksa-lint, or `--ignore` the crashing rule until it is fixed.
    """
    return iter(())


@rule(id="EKSA010", name="baseline-entry-unused", severity=NOTE, engine=True, tags=("baseline",),
      summary="A baseline entry matches no finding any more; rewrite the baseline to shrink it.")
def baseline_entry_unused(repo: Repo) -> Iterator[Violation]:
    """
    ## What it does
    With `--baseline FILE`, notes each entry of the baseline that matched no finding in a file that was
    linted (by a rule that ran), at the entry's line in the baseline file.

    ## Why is this bad?
    The problem it recorded was fixed (or moved to another object); keeping the entry would hide a new
    finding with the same fingerprint later. Entries are matched by fingerprint (rule, file, object identity,
    node path), never by line number, and never across files.

    ## Example
    A baseline written before `skipUpgrade: true` was added still lists the EKSA201 finding.

    ## Use instead
    `eksa-lint check --write-baseline .eksa-lint-baseline.json` to record the findings that remain.
    """
    return iter(())
