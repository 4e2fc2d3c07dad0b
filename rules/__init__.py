"""eksa-lint's rules, one module per family; each rule declares itself with `eksa_lint.registry.rule`."""
